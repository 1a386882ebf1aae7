"""The command, as a user runs it: every command, its exit code, and bad input (one clear
line, no traceback, nothing changed on disk)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURE_PROJECT, tree_snapshot


def qgraph(*args: str, env: dict, cwd: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qgraph", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, input=stdin)


def assert_clean_error(r: subprocess.CompletedProcess, code: int, *needles: str) -> None:
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr, r.stderr
    for n in needles:
        assert n in r.stderr, (n, r.stderr)


@pytest.mark.parametrize("command", [[], ["build"], ["validate"], ["query"], ["queries"], ["show"],
                                     ["export"], ["stats"]])
def test_help_has_an_example(command, cli_env):
    r = qgraph(*command, "--help", env=cli_env)
    assert r.returncode == 0, r.stderr
    assert "example" in r.stdout and "qgraph" in r.stdout


def test_help_does_not_import_the_rdf_stack(cli_env):
    code = ("import sys; sys.argv=['qgraph','--help']\nimport qgraph.cli\ntry:\n qgraph.cli.main()\n"
            "except SystemExit: pass\nprint(sorted(m for m in ('rdflib','pyshacl','pyoxigraph','pyld') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=cli_env)
    assert r.stdout.strip().splitlines()[-1] == "[]", r.stdout


def test_import_qgraph_is_light(cli_env):
    code = "import sys, qgraph; print(sorted(m for m in ('rdflib','pyshacl','pyoxigraph') if m in sys.modules))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=cli_env)
    assert r.stdout.strip() == "[]", r.stdout + r.stderr


def test_usage_error_exit_2(cli_env):
    r = qgraph("frobnicate", env=cli_env)
    assert r.returncode == 2


def test_build_fixture(tmp_path, fixture_root, cli_env):
    out = tmp_path / "dist"
    r = qgraph("build", "--root", str(fixture_root), "--out", str(out), env=cli_env)
    assert r.returncode == 0, r.stderr
    assert "documents: 1 (tiny-doc)" in r.stdout
    assert "facts with evidence: 7/7" in r.stdout
    assert "warnings: 0" in r.stdout
    assert (out / "qgraph.ttl").is_file() and (out / "framed" / "agreements.jsonld").is_file()


def test_build_progress(tmp_path, fixture_root, cli_env):
    """--progress reports each step, in order, with its time, on stderr; stdout is unchanged.
    Without a terminal (as here) the default is silent, like --no-progress."""
    out = tmp_path / "dist"
    r = qgraph("build", "--root", str(fixture_root), "--out", str(out), "--progress", env=cli_env)
    assert r.returncode == 0, r.stderr
    steps = [line.split(":", 1)[1].split()[0].rstrip(":") for line in r.stderr.splitlines()]
    # SHACL twice: its store filled, then its results once its queries, run beside the exports'
    # sort, are done; the store and checks: one step
    assert steps == ["loaded", "evidence", "SHACL", "terms", "SHACL", "store", "cache", "wrote"], r.stderr
    assert all(line.startswith("qgraph: ") and line.endswith(" s)") for line in r.stderr.splitlines())
    quiet = qgraph("build", "--root", str(fixture_root), "--out", str(out), env=cli_env)
    assert quiet.returncode == 0 and quiet.stderr == "" and quiet.stdout == r.stdout
    v = qgraph("validate", "--root", str(fixture_root), "--progress", "--no-cache", env=cli_env)
    assert v.returncode == 0 and "qgraph: checks (queries/checks): 0 problem(s)" in v.stderr
    v = qgraph("validate", "--root", str(fixture_root), "--progress", env=cli_env)  # the build's cache
    assert v.returncode == 0 and "qgraph: cache: nothing changed since the last run" in v.stderr
    assert qgraph("validate", "--root", str(fixture_root), "--no-progress", env=cli_env).stderr == ""


def test_build_real_project(tmp_path, cli_env):
    r = qgraph("build", "--out", str(tmp_path / "dist"), env=cli_env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("documents: ")


def test_build_nonconformant_writes_nothing(tmp_path, fixture_root, cli_env):
    f = fixture_root / "data" / "tiny-doc.ttl"
    f.write_text(f.read_text().replace('oa:exact "Tiny Forum communique"', 'oa:exact "Tiny Forum memo"'))
    out = tmp_path / "dist"
    r = qgraph("build", "--root", str(fixture_root), "--out", str(out), env=cli_env)
    assert_clean_error(r, 1, "does not conform")
    assert "data/tiny-doc.ttl:" in r.stdout and "quote not found" in r.stdout
    assert not out.exists()


def test_build_keeps_old_dist_on_failure(tmp_path, fixture_root, cli_env):
    out = tmp_path / "dist"
    assert qgraph("build", "--root", str(fixture_root), "--out", str(out), env=cli_env).returncode == 0
    before = tree_snapshot(out)
    f = fixture_root / "data" / "tiny-doc.ttl"
    f.write_text(f.read_text() + "\nqgid:x a qg:Nation .\n")  # no evidence, no label
    r = qgraph("build", "--root", str(fixture_root), "--out", str(out), env=cli_env)
    assert r.returncode == 1
    assert tree_snapshot(out) == before


def test_build_refused_by_a_sparql_check_writes_nothing(tmp_path, fixture_root, cli_env):
    """A violation only a SPARQL check (queries/checks) finds: the build writes its exports to
    temporary files while the checks run beside it, and renames none of them into place (nor
    leaves a folder it made, nor a temporary file) when a check fails; an old dist/ is kept."""
    out = tmp_path / "dist"
    assert qgraph("build", "--root", str(fixture_root), "--out", str(out), env=cli_env).returncode == 0
    before = tree_snapshot(out)
    f = fixture_root / "data" / "tiny-doc.ttl"
    f.write_text(f.read_text().replace('    rdfs:label "Denmark"@en ;\n', ""))  # a Warning for SHACL
    for target in (out, tmp_path / "new" / "dist"):
        r = qgraph("build", "--root", str(fixture_root), "--out", str(target), env=cli_env)
        assert_clean_error(r, 1, "does not conform")
        violations = [ln for ln in r.stdout.splitlines() if " Violation " in ln]
        assert violations and all("[check:nation-without-label-violation]" in ln for ln in violations), r.stdout
    assert tree_snapshot(out) == before
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("mutation,needle", [
    (lambda t: t.replace("qgid:tiny-forum\n    a qg:Forum ;", "qgid:tiny-forum\n    a qg:Forum"), "data/tiny-doc.ttl:"),
    (lambda t: t + "\nbogus:thing a qg:Nation .\n", "bogus"),
])
def test_malformed_data_is_one_line(tmp_path, fixture_root, cli_env, mutation, needle):
    f = fixture_root / "data" / "tiny-doc.ttl"
    f.write_text(mutation(f.read_text()))
    before = tree_snapshot(fixture_root)
    r = qgraph("build", "--root", str(fixture_root), "--out", str(tmp_path / "dist"), env=cli_env)
    assert_clean_error(r, 2, needle)
    assert len(r.stderr.strip().splitlines()) == 1
    assert r.stderr.startswith("qgraph: error: data/tiny-doc.ttl:")
    assert tree_snapshot(fixture_root) == before and not (tmp_path / "dist").exists()


def test_unwritable_output_path(tmp_path, fixture_root, cli_env):
    blocker = tmp_path / "file"
    blocker.write_text("keep")
    r = qgraph("build", "--root", str(fixture_root), "--out", str(blocker / "dist"), env=cli_env)
    assert_clean_error(r, 2, "file")
    assert blocker.read_text() == "keep"
    r = qgraph("export", "--root", str(fixture_root), "--format", "turtle", "--out", str(blocker / "x.ttl"), env=cli_env)
    assert_clean_error(r, 2)
    assert blocker.read_text() == "keep"


@pytest.mark.parametrize("fmt", ["text", "json", "turtle"])
def test_validate_formats(fixture_root, cli_env, fmt):
    f = fixture_root / "data" / "tiny-doc.ttl"
    f.write_text(f.read_text().replace('    rdfs:label "Denmark"@en ;\n', ""))
    r = qgraph("validate", "--root", str(fixture_root), "--format", fmt, env=cli_env)
    assert r.returncode == 1, r.stderr
    if fmt == "json":
        doc = json.loads(r.stdout)
        assert doc["conforms"] is False
        kinds = {(p["severity"], p["shape"]) for p in doc["problems"]}
        assert ("Warning", "qgs:LabelShape/rdfs:label") in kinds
        assert all(p["file"] == "data/tiny-doc.ttl" and p["line"] for p in doc["problems"])
    elif fmt == "turtle":
        from rdflib import Graph

        g = Graph().parse(data=r.stdout, format="turtle")
        assert len(g) > 5
    else:
        assert "data/tiny-doc.ttl:" in r.stdout and "does not conform" in r.stdout


def test_validate_ok(fixture_root, cli_env):
    r = qgraph("validate", "--root", str(fixture_root), env=cli_env)
    assert r.returncode == 0 and "conforms: 0 violation(s)" in r.stdout


def test_query_by_name_and_formats(fixture_root, cli_env):
    r = qgraph("query", "tiny-members", "--root", str(fixture_root), env=cli_env)
    assert r.returncode == 0 and "qgid:denmark" in r.stdout and "(2 rows)" in r.stdout
    r = qgraph("query", "tiny-members", "--root", str(fixture_root), "--format", "csv", env=cli_env)
    assert r.stdout.splitlines() == (FIXTURE_PROJECT / "queries" / "tiny-members.csv").read_text().splitlines()
    r = qgraph("query", "tiny-members", "--root", str(fixture_root), "--format", "json", env=cli_env)
    assert len(json.loads(r.stdout)["results"]["bindings"]) == 2
    r = qgraph("query", "tiny-members", "--root", str(fixture_root), "--format", "tsv", env=cli_env)
    assert r.stdout.splitlines()[0] == "?forum\t?nation\t?name\t?attestedOn"


@pytest.mark.parametrize("store", ["oxigraph", "rdflib"])
def test_query_with_param(fixture_root, cli_env, store):
    r = qgraph("query", "tiny-members", "--root", str(fixture_root), "--param", "forum=qgid:tiny-forum",
               "--store", store, "--format", "csv", env=cli_env)
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 3
    r = qgraph("query", "tiny-members", "--root", str(fixture_root), "--param",
               "forum=<https://w3id.org/qgraph/id/nowhere>", "--store", store, "--format", "csv", env=cli_env)
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 1


def test_query_file_and_stdin(fixture_root, cli_env, tmp_path):
    q = tmp_path / "count.rq"
    q.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s a qg:Nation }")
    r = qgraph("query", str(q), "--root", str(fixture_root), "--format", "csv", env=cli_env)
    assert r.stdout.splitlines() == ["n", "2"]
    r = qgraph("query", "-", "--root", str(fixture_root), "--format", "csv", env=cli_env,
               stdin="ASK { qgid:denmark a qg:Nation }")
    assert r.stdout.strip() == "true"


@pytest.mark.parametrize("args,needle", [
    (["query", "tiny-membrs"], "unknown query 'tiny-membrs'"),
    (["query", "-"], "stdin"),
    (["query", "tiny-members", "--param", "nope=x"], "no variable ?nope"),
    (["query", "tiny-members", "--param", "forum"], "NAME=VALUE"),
    (["query", "tiny-members", "--param", "forum=zz:x"], "unknown prefix 'zz'"),
    (["show", "Atlantis"], "no entity named 'Atlantis'"),
    (["export", "--format", "turtle", "--frame", "people"], "jsonld only"),
])
def test_bad_query_inputs(fixture_root, cli_env, args, needle):
    stdin = "not a query" if args[-1] == "-" else None
    r = qgraph(*args, "--root", str(fixture_root), env=cli_env, stdin=stdin)
    assert_clean_error(r, 2, needle)


@pytest.mark.parametrize("store", ["oxigraph", "rdflib"])
def test_param_not_returned_by_the_select_is_a_clean_error(fixture_root, cli_env, store):
    """Regression: a parameter bound to a variable the SELECT does not return ended `qgraph
    query` with Oxigraph's RuntimeError and a traceback (rdflib bound it): now refused on both
    stores, naming what the SELECT returns."""
    text = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
    r = qgraph("query", "-", "--root", str(fixture_root), "--param", "p=qgid:denmark", "--store", store,
               env=cli_env, stdin=text)
    assert_clean_error(r, 2, "?p is not among the variables the query's SELECT returns (?s)")
    r = qgraph("query", "-", "--root", str(fixture_root), "--param", "p=qgid:denmark", "--store", store,
               "--format", "csv", env=cli_env, stdin=text.replace("?s WHERE", "* WHERE"))
    assert r.returncode == 0, r.stderr


def test_query_syntax_error(fixture_root, cli_env, tmp_path):
    q = tmp_path / "bad.rq"
    q.write_text("SELECT ?s WHERE { ?s ?p }\n")
    for store in ("oxigraph", "rdflib"):
        r = qgraph("query", str(q), "--root", str(fixture_root), "--store", store, env=cli_env)
        assert_clean_error(r, 2, "bad.rq", "syntax error")


def test_queries_lists_catalogue(fixture_root, cli_env):
    r = qgraph("queries", "--root", str(fixture_root), env=cli_env)
    assert r.returncode == 0
    assert "tiny-members" in r.stdout and "[params: ?forum]" in r.stdout


def test_show(fixture_root, cli_env):
    r = qgraph("show", "united kingdom", "--root", str(fixture_root), env=cli_env)
    assert r.returncode == 0 and "qgid:united-kingdom" in r.stdout and "evidence:" in r.stdout


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "nquads", "trig", "jsonld"])
def test_export(tmp_path, fixture_root, cli_env, fmt):
    out = tmp_path / "x" / f"graph.{fmt}"
    r = qgraph("export", "--root", str(fixture_root), "--format", fmt, "--out", str(out), env=cli_env)
    assert r.returncode == 0, r.stderr
    assert out.stat().st_size > 100
    assert (out.parent / "context.jsonld").exists() == (fmt == "jsonld")
    r2 = qgraph("export", "--root", str(fixture_root), "--format", fmt, env=cli_env)
    assert r2.stdout.encode() == out.read_bytes()


def test_export_framed(tmp_path, fixture_root, cli_env):
    r = qgraph("export", "--root", str(fixture_root), "--format", "jsonld", "--frame", "agreements", env=cli_env)
    assert r.returncode == 0 and json.loads(r.stdout)["@graph"][0]["@id"] == "qgid:doc-tiny-doc"


def test_stats(fixture_root, cli_env):
    r = qgraph("stats", "--root", str(fixture_root), env=cli_env)
    assert r.returncode == 0 and "documents: 1 (tiny-doc)" in r.stdout
    r = qgraph("stats", "--root", str(fixture_root), "--format", "json", env=cli_env)
    assert json.loads(r.stdout)["facts_without_evidence"] == 0


def test_qgraph_root_env(fixture_root, cli_env):
    r = qgraph("stats", env=dict(cli_env, QGRAPH_ROOT=str(fixture_root)))
    assert "tiny-doc" in r.stdout


# ---------------------------------------------------------------- a sweep of hostile inputs (regressions)

def _raw(args: list[bytes], env: dict, stdin: bytes | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable.encode(), b"-m", b"qgraph", *args], capture_output=True, env=env,
                          input=stdin, **kw)


def test_an_argument_that_is_not_utf8_is_one_line(fixture_root, cli_env):
    """Regression: `qgraph show $'\\xe9'` ended in a ValueError from rdflib (a lone surrogate)."""
    r = _raw([b"show", b"\xe9", b"--root", str(fixture_root).encode()], cli_env)
    assert r.returncode == 2 and b"Traceback" not in r.stderr
    assert b"argument '\\xe9': not UTF-8 text" in r.stderr, r.stderr


def test_a_query_on_stdin_that_is_not_utf8_is_one_line(fixture_root, cli_env):
    """Regression: UnicodeEncodeError (surrogates) from Oxigraph; rdflib answered 0 rows."""
    for store in (b"oxigraph", b"rdflib"):
        r = _raw([b"query", b"-", b"--store", store, b"--root", str(fixture_root).encode()], cli_env,
                 stdin=b'SELECT * WHERE { ?s ?p "caf\xe9" }')
        assert r.returncode == 2 and b"Traceback" not in r.stderr
        assert b"stdin: not UTF-8 text (byte 0xe9 at offset 27)" in r.stderr, r.stderr


def test_stdout_closed_is_one_line(fixture_root, cli_env):
    """Regression: `qgraph export --format turtle >&-` ended in AttributeError (sys.stdout None)."""
    import os

    r = subprocess.run([sys.executable, "-m", "qgraph", "export", "--format", "turtle", "--root", str(fixture_root)],
                       env=cli_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                       preexec_fn=lambda: os.close(1))
    assert_clean_error(r, 2, "cannot write to stdout: it is closed")


def test_an_empty_path_is_a_usage_error(fixture_root, cli_env, tmp_path):
    """Regression: Path("") is the current folder: `build --out ""` wrote into the corpus root,
    `init ""` made a corpus in the current folder."""
    r = qgraph("build", "--out", "", "--root", str(fixture_root), env=cli_env)
    assert_clean_error(r, 2, "argument --out: an empty path")
    empty = tmp_path / "empty"
    empty.mkdir()
    r = qgraph("init", "", env=cli_env, cwd=empty)
    assert_clean_error(r, 2, "an empty path")
    assert list(empty.iterdir()) == []


def test_serve_on_a_host_that_is_not_one_is_one_line(fixture_root, cli_env):
    r = qgraph("serve", "--host", "not a host", "--port", "0", "--workers", "1", "--root", str(fixture_root),
               env=cli_env)
    assert_clean_error(r, 2, "cannot listen on not a host:0")


def test_a_param_given_twice_is_a_clear_error(fixture_root, capsys):
    """`--param forum=a --param forum=b` kept the last value without a word."""
    from qgraph.cli import main

    code = main(["query", "tiny-members", "--root", str(fixture_root), "--no-cache", "--param", "forum=qgid:tiny-forum",
                 "--param", "?forum=qgid:other"])
    err = capsys.readouterr().err
    assert code == 2 and "--param forum given twice" in err and "Traceback" not in err


@pytest.mark.parametrize("err,said", [
    (PermissionError(13, "Permission denied", "/nowhere/data/sources/a.txt"), "/nowhere/data/sources/a.txt: Permission denied"),
    (OSError(28, "No space left on device", "/nowhere/dist/qgraph.ttl"), "/nowhere/dist/qgraph.ttl: No space left on device"),
])
def test_an_error_of_the_machine_is_one_line_and_exit_2(monkeypatch, capsys, fixture_root, err, said):
    """Regression: an unreadable data/sources/ (a PermissionError from a stat) ended every command
    with a traceback and exit 1, which the help gives to "the data does not conform"."""
    import qgraph.pipeline
    from qgraph.cli import main

    def refused(*args, **kwargs):
        raise err

    monkeypatch.setattr(qgraph.pipeline, "check", refused)
    assert main(["validate", "--root", str(fixture_root), "--no-cache"]) == 2
    out, errout = capsys.readouterr()
    assert errout == f"qgraph: error: {said}\n" and "Traceback" not in out + errout


def test_a_bug_keeps_its_traceback(monkeypatch, fixture_root):
    """Only the machine's errors are said in a line: another OSError is a bug, and is raised."""
    import qgraph.pipeline
    from qgraph.cli import main

    def broken(*args, **kwargs):
        raise FileNotFoundError(2, "No such file or directory", "/internal/path")

    monkeypatch.setattr(qgraph.pipeline, "check", broken)
    with pytest.raises(FileNotFoundError):
        main(["validate", "--root", str(fixture_root), "--no-cache"])


def test_build_writes_into_the_corpus_dist_from_any_folder_of_it(fixture_root, cli_env, tmp_path):
    """Regression: the default --out was the current folder's dist/: run in data/, the build was
    refused ("--out dist: inside the corpus's data/", an option nobody typed); run in a folder of
    its own (drafts/), it built into drafts/dist."""
    drafts = fixture_root / "drafts"
    drafts.mkdir()
    for cwd in (fixture_root / "data", drafts):
        r = qgraph("build", env={**cli_env, "QGRAPH_ROOT": ""}, cwd=cwd)
        assert r.returncode == 0, r.stderr
        assert (fixture_root / "dist" / "qgraph.ttl").is_file() and not (cwd / "dist").exists()
        assert "wrote 13 files to ../dist/" in r.stdout, r.stdout
    r = qgraph("build", "--root", str(fixture_root), env=cli_env, cwd=tmp_path)
    assert r.returncode == 0 and not (tmp_path / "dist").exists(), r.stderr


def test_a_param_that_cannot_match_is_said_so(fixture_root, cli_env):
    """Regression: `--param nation=qgid:denmrk` (a typo) and an ill-typed literal gave "(0 rows)",
    exit 0, and not a word why; the note comes again when the answer is read from the cache."""
    for _ in range(2):
        r = qgraph("query", "--root", str(fixture_root), "tiny-members", "--param", "nation=qgid:denmrk", env=cli_env)
        assert r.returncode == 0 and "(0 rows)" in r.stdout, r.stderr
        assert r.stderr == ("qgraph: note: --param nation=qgid:denmrk: <https://w3id.org/qgraph/id/denmrk> "
                            "is not in the graph\n"), r.stderr
    r = qgraph("query", "--root", str(fixture_root), "tiny-members", "--param", 'nation="abc"^^xsd:integer', env=cli_env)
    assert "not a valid http://www.w3.org/2001/XMLSchema#integer" in r.stderr, r.stderr
    r = qgraph("query", "--root", str(fixture_root), "tiny-members", "--param", "nation=qgid:denmark", env=cli_env)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    # Regression: an empty value (`--param nation=$NATION`, the variable unset) gave "(0 rows)" and
    # not a word why
    r = qgraph("query", "--root", str(fixture_root), "tiny-members", "--param", "nation=", env=cli_env)
    assert r.returncode == 0 and "(0 rows)" in r.stdout, r.stderr
    assert r.stderr == 'qgraph: note: --param nation=: an empty value, bound as the empty literal ""\n', r.stderr


def test_a_broken_query_of_the_corpus_is_named_by_its_file(fixture_root, cli_env):
    """Regression: a syntax error in queries/NAME.rq was reported as "NAME: syntax error …",
    without the file to open."""
    (fixture_root / "queries" / "broken-q.rq").write_text("SELECT ?x WHERE {\n  ?x a \n}\n", encoding="utf-8")
    r = qgraph("query", "--root", str(fixture_root), "broken-q", env=cli_env)
    assert_clean_error(r, 2, "qgraph: error: queries/broken-q.rq: syntax error at line")


def test_validate_names_a_competency_question_that_does_not_parse(fixture_root, cli_env):
    """Regression: a broken queries/NAME.rq passed validate and build (exit 0) and failed only
    when asked; now it is a violation at its file and line, with the cache too, and gone once
    the file is fixed."""
    broken = fixture_root / "queries" / "broken-q.rq"
    broken.write_text("SELECT ?x WHERE {\n  ?x a \n}\n", encoding="utf-8")
    for flags in (["--no-cache"], [], []):
        r = qgraph("validate", "--root", str(fixture_root), *flags, env=cli_env)
        assert r.returncode == 1, (r.stdout, r.stderr)
        assert "queries/broken-q.rq:2: Violation [check:query-syntax-violation]" in r.stdout, r.stdout
    broken.write_text("SELECT ?x WHERE { ?x a ?y }\n", encoding="utf-8")
    r = qgraph("validate", "--root", str(fixture_root), env=cli_env)
    assert r.returncode == 0 and "query-syntax" not in r.stdout, r.stdout


def test_deadline_without_endpoint_is_refused(fixture_root, cli_env):
    """Regression: `qgraph query --deadline 5` without --endpoint was taken without a word (the
    limit applies to a remote request only), where --default-graph is refused."""
    r = qgraph("query", "--root", str(fixture_root), "tiny-members", "--deadline", "5", env=cli_env)
    assert_clean_error(r, 2, "--deadline applies to --endpoint only")


def test_export_refuses_a_format_its_out_file_contradicts(fixture_root, cli_env, tmp_path):
    """Regression: `qgraph export --format turtle --out x.jsonld` wrote Turtle into x.jsonld."""
    out = tmp_path / "x.jsonld"
    r = qgraph("export", "--root", str(fixture_root), "--format", "turtle", "--out", str(out), env=cli_env)
    assert_clean_error(r, 2, "its extension names jsonld, not --format turtle")
    assert not out.exists()
    r = qgraph("export", "--root", str(fixture_root), "--format", "turtle", "--out", str(tmp_path / "x.txt"), env=cli_env)
    assert r.returncode == 0, r.stderr  # an extension that names no format: --format decides


def test_a_describe_without_braces_is_a_query_and_an_update_is_named(fixture_root, cli_env, capsys):
    """Regression (a data engineer's script): `qgraph query 'DESCRIBE qgid:denmark'` (a SPARQL 1.1
    query with neither braces nor a line break) was read as a question's name, "unknown query";
    `INSERT DATA {…}` too. The first is asked; the second is refused as an update."""
    from qgraph.ask.catalogue import looks_like_query
    from qgraph.cli import main

    assert looks_like_query("DESCRIBE qgid:denmark")
    assert looks_like_query("PREFIX x: <https://example.org/> DESCRIBE x:a")
    assert looks_like_query("# a comment\nASK { ?s ?p ?o }")
    assert not looks_like_query("qdg-members") and not looks_like_query("describe-things")
    assert main(["query", "--root", str(fixture_root), "DESCRIBE <https://w3id.org/qgraph/id/denmark>"]) == 0
    assert "denmark" in capsys.readouterr().out
    assert main(["query", "--root", str(fixture_root), "INSERT DATA { <a:b> <a:c> <a:d> }"]) == 2
    err = capsys.readouterr().err
    assert "SPARQL update (INSERT" in err and "unknown query" not in err
