"""The kept validation store (qgraph.checks.kept_store): ``qgraph validate`` after an edit of a
few data files parses only those, on the store the last run left in ``.qgraph-cache/store/``;
its verdict is exactly the uncached one. A store that is stale, from another version, damaged,
half-changed or in use is detected and not trusted: the run checks as without it and writes a
new one (each case below)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from qgraph.checks import kept_store
from qgraph.checks.cache import CACHE_DIR
from tests.conftest import validate_in_process

KEPT = "from the kept store"


def _docs(root: Path) -> list[Path]:
    docs = sorted((root / "data").glob("*.ttl"))
    assert len(docs) >= 3, "the synthetic corpus has documents"
    return docs


def _store(root: Path) -> Path:
    return root / CACHE_DIR / kept_store.STORE


def _run(capsys: pytest.CaptureFixture, root: Path) -> tuple[str, str]:
    """Validate with the cache (its steps reported) and without: the same exit code and report
    in text and JSON. Returns the cached run's stderr and its JSON report."""
    rc, out, err = validate_in_process(capsys, root, "--progress")
    rc2, out2, _ = validate_in_process(capsys, root, "--no-cache")
    assert (rc, out) == (rc2, out2), "the verdict differs from the uncached one"
    rc3, js, _ = validate_in_process(capsys, root, "--format", "json")  # nothing changed since: the verdict kept
    rc4, js2, _ = validate_in_process(capsys, root, "--format", "json", "--no-cache")
    assert (rc3, js) == (rc4, js2)
    return err, js


def _edit_date(doc: Path, years: int = -1) -> None:
    text = doc.read_text(encoding="utf-8")
    new = re.sub(r'"(\d{4})-(\d\d)-(\d\d)"\^\^xsd:date',
                 lambda m: f'"{int(m.group(1)) + years}-{m.group(2)}-{m.group(3)}"^^xsd:date', text, count=1)
    assert new != text, f"{doc.name} has a date to edit"
    doc.write_text(new, encoding="utf-8")


def _basis(root: Path) -> dict:
    return json.loads((_store(root) / kept_store.BASIS).read_text(encoding="utf-8"))


def _state_token(root: Path) -> str:
    raw = (root / CACHE_DIR / "state.json").read_bytes()
    return json.loads(raw.partition(b"\n")[2])["memo"]["shacl"]["results"][1]["token"]


def test_an_edit_reads_only_the_changed_files_and_says_the_same(synth_corpus: Path, capsys: pytest.CaptureFixture):
    root = synth_corpus
    docs = _docs(root)
    err, _ = _run(capsys, root)  # cold: a whole validation, which writes the store
    assert KEPT not in err
    assert (_store(root) / kept_store.BASIS).is_file(), "a whole validation keeps its store"
    assert _basis(root)["token"] == _state_token(root)
    _edit_date(docs[1])
    err, _ = _run(capsys, root)
    assert "parsed" in err and "1 changed file(s)" in err and KEPT in err, err
    # no blank node's statement changed: validated again are the dated node and its readers, not
    # every node the file states
    again = re.search(r"SHACL: the last results kept but for ([\d,]+) node\(s\) near 1 changed file\(s\), "
                      r"every node of (\d+) graph", err)
    stated = set(re.findall(r"^(qgid:[\w-]+)", docs[1].read_text(encoding="utf-8"), re.M))
    assert again and 0 < int(again.group(1).replace(",", "")) < len(stated) / 2 and again.group(2) == "0", err
    assert _basis(root)["token"] == _state_token(root), "the store is brought up to date with the results"
    # a planted fault on a blank node (a selector with two prefixes: a violation whose value is
    # the selector) in an unchanged file, named as the uncached run names it
    text = docs[2].read_text(encoding="utf-8")
    two = text.replace("a oa:TextQuoteSelector ;", 'a oa:TextQuoteSelector ; oa:prefix "a", "b" ;', 1)
    assert two != text
    docs[2].write_text(two, encoding="utf-8")
    err, js = _run(capsys, root)
    assert "every node of 1 graph(s)" in err, "a blank node's statement changed: every node of its file"
    blank = [p for p in json.loads(js)["problems"] if (p.get("value") or "").startswith("_:")]
    assert blank, "the planted fault is reported with its blank node"
    _edit_date(docs[0])
    err, js = _run(capsys, root)
    assert KEPT in err
    assert [p for p in json.loads(js)["problems"] if (p.get("value") or "").startswith("_:")] == blank
    for doc in docs[:2]:  # two files at once, then put back
        _edit_date(doc, +1)
    err, _ = _run(capsys, root)
    assert "2 changed file(s)" in err and KEPT in err


def test_an_edit_replaces_only_its_data_files_graphs_in_the_kept_store(synth_corpus: Path,
                                                                        capsys: pytest.CaptureFixture,
                                                                        monkeypatch: pytest.MonkeyPatch):
    """Regression: after an edit of one data file, only that file's graph is replaced in the kept
    store. The ontology's and the links' graphs were replaced too at every run (1M triples:
    ~45 ms), though the store is used only when no input but the data files and their texts
    changed. An ill-typed literal in the ontology, which the store leaves out, is still reported
    as the uncached run reports it."""
    from qgraph.vocab import GRAPH_NS

    root = synth_corpus
    docs = _docs(root)
    (root / "ontology" / "extra.ttl").write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        "<https://w3id.org/qgraph/ontology#Nation> rdfs:comment \"many\"^^xsd:integer .\n", encoding="utf-8")
    _, js = _run(capsys, root)
    ill = [p for p in json.loads(js)["problems"] if p["file"].endswith("extra.ttl")]
    assert ill, "the ontology's ill-typed literal is reported"
    replaced: list[tuple[list[str], set[str]]] = []
    real = kept_store.KeptStore.replace

    def replace(self: kept_store.KeptStore, graphs: list[str], quads: list) -> None:
        replaced.append((list(graphs), {q.graph_name.value for q in quads}))
        real(self, graphs, quads)

    monkeypatch.setattr(kept_store.KeptStore, "replace", replace)
    _edit_date(docs[1])
    err, js = _run(capsys, root)
    assert KEPT in err, err
    graph = GRAPH_NS + docs[1].stem
    assert replaced == [([graph], {graph})], replaced
    assert [p for p in json.loads(js)["problems"] if p["file"].endswith("extra.ttl")] == ill


def test_a_source_text_edited_alone_locates_the_results_as_last_run(synth_corpus: Path, capsys: pytest.CaptureFixture,
                                                                    monkeypatch: pytest.MonkeyPatch):
    """Regression: with no data file changed (a source text edited alone), the SHACL results
    are the last run's, and so are the files that state each focus node; the store was asked
    for those files again for every result (1M: 2,026 results, ~0.3 of the run's 1.0 s)."""
    from qgraph.corpus.loading import _StoreNodeFiles

    root = synth_corpus
    _docs(root)
    _run(capsys, root)
    texts = sorted((root / "data" / "sources").glob("*.txt"))
    assert texts, "the synthetic corpus has source texts"
    asked: list = []
    real = _StoreNodeFiles.get

    def get(self, node, default=None):  # noqa: ANN001, ANN202
        if sys._getframe(1).f_code.co_name == "_where":  # locating a SHACL result (not a label clash)
            asked.append(node)
        return real(self, node, default)

    monkeypatch.setattr(_StoreNodeFiles, "get", get)
    with texts[0].open("a", encoding="utf-8") as fh:
        fh.write("\nA sentence added to the text, which no passage quotes.\n")
    rc, out, err = validate_in_process(capsys, root, "--progress", "--format", "json")
    assert "data/sources/" in err and KEPT in err, err
    located = [p for p in json.loads(out)["problems"] if p.get("file") and not (p.get("focus") or "").startswith("_:")]
    assert located, "the synthetic corpus has results on named nodes, located in their files"
    assert asked == [], f"the store was asked which files state {len(asked)} node(s)"
    monkeypatch.undo()
    rc2, out2, _ = validate_in_process(capsys, root, "--format", "json", "--no-cache")
    assert (rc, out) == (rc2, out2), "the verdict differs from the uncached one"


@pytest.mark.parametrize("keep", ["off", "now"])
def test_a_source_text_edited_alone_names_blank_nodes_as_uncached(synth_corpus: Path, capsys: pytest.CaptureFixture,
                                                                 monkeypatch: pytest.MonkeyPatch, keep: str):
    """Regression: with no data file changed, the last SHACL results were kept whole, a result
    on a blank node (here a selector with two prefixes) with the blank node's id of the parse
    that found it. Where this run parsed the corpus anew (no kept store: none written, or one
    made stale by a build) that id named no node of this run: the report showed a random label
    (``_:e2dbc2a1…``) where the uncached run shows the label it names that node by. Such results
    are now made again, as after any edit."""
    monkeypatch.setenv("QGRAPH_KEEP_STORE", keep)
    root = synth_corpus
    docs = _docs(root)
    text = docs[2].read_text(encoding="utf-8")
    two = text.replace("a oa:TextQuoteSelector ;", 'a oa:TextQuoteSelector ; oa:prefix "a", "b" ;', 1)
    assert two != text
    docs[2].write_text(two, encoding="utf-8")
    _, js = _run(capsys, root)
    blank = [p for p in json.loads(js)["problems"] if (p.get("value") or "").startswith("_:")]
    assert blank, "the planted fault is reported with its blank node"
    texts = sorted((root / "data" / "sources").glob("*.txt"))
    assert texts, "the synthetic corpus has source texts"
    with texts[0].open("a", encoding="utf-8") as fh:
        fh.write("\nA sentence added to the text, which no passage quotes.\n")
    err, js = _run(capsys, root)  # the verdict, text and JSON, as the uncached run's
    assert "data/sources/" in err and (KEPT in err) == (keep == "now"), err
    assert [p for p in json.loads(js)["problems"] if (p.get("value") or "").startswith("_:")] == blank


def test_the_lazy_corpus_parses_only_what_is_asked(synth_corpus: Path):
    from qgraph.corpus.loading import lazy_load, load
    from qgraph.project import Project

    project = Project.at(synth_corpus)
    whole = load(project)
    docs = [f for f in whole.files if f.stem]
    lazy = lazy_load(project, [docs[0].rel])
    assert lazy.parsed == docs[0].triples, "only the fresh file is parsed at once"
    assert [f.rel for f in lazy.files] == [f.rel for f in whole.files]
    other = next(f for f in lazy.files if f.rel == docs[1].rel)
    assert other.prefixes == docs[1].prefixes, "a file's prefixes are read when asked for"
    assert lazy.parsed == docs[0].triples + docs[1].triples
    def ground(quads: list) -> list[str]:  # blank nodes are named anew by every parse
        return sorted(str(q) for q in quads if "_:" not in str(q))

    assert len(lazy.quads) == len(whole.quads) and ground(lazy.quads) == ground(whole.quads)
    with pytest.raises(ValueError):
        lazy.quads_of(docs[0])  # a file of another load


@pytest.mark.parametrize("spoil, why", [
    (lambda store: (store / kept_store.BASIS).unlink(), "no kept store"),  # a run stopped while changing it
    (lambda store: _rewrite(store / kept_store.BASIS, lambda b: {**b, "version": {"qgraph": "0"}}), "another version"),
    (lambda store: _rewrite(store / kept_store.BASIS, lambda b: {**b, "files": {**b["files"], "x": "y"}}), "stale"),
    (lambda store: _rewrite(store / kept_store.BASIS, lambda b: {**b, "token": "0" * 16}), "stale"),
    (lambda store: (store / kept_store.BASIS).write_text("{", encoding="utf-8"), "damaged"),
    (lambda store: (store / kept_store.RAW).write_text("[[1]]", encoding="utf-8"), "damaged"),
    (lambda store: _rewrite(store / kept_store.RAW, lambda r: {**r, "g": r["g"][1:]}), "damaged"),
    (lambda store: _rewrite(store / kept_store.RAW, lambda r: {**r, "dt": [len(r["names"])] * len(r["dt"])}), "damaged"),
    (lambda store: (store / "CURRENT").write_text("garbage\n", encoding="utf-8"), "kept store failed"),
])
def test_a_store_not_to_trust_is_not_used_and_is_written_anew(synth_corpus: Path, capsys: pytest.CaptureFixture,
                                                              spoil, why: str):
    root = synth_corpus
    docs = _docs(root)
    _run(capsys, root)
    spoil(_store(root))
    _edit_date(docs[1])
    err, _ = _run(capsys, root)
    assert why in err, err
    assert KEPT not in err.split("kept store failed")[-1], "the run after the failure parses every file"
    assert _basis(root)["token"] == _state_token(root), "a new store is written"
    _edit_date(docs[1], +1)
    err, _ = _run(capsys, root)
    assert KEPT in err, "and used by the next run"


def _rewrite(path: Path, change) -> None:
    path.write_text(json.dumps(change(json.loads(path.read_text(encoding="utf-8")))), encoding="utf-8")


def test_a_store_in_use_is_left_alone(synth_corpus: Path, capsys: pytest.CaptureFixture,
                                      monkeypatch: pytest.MonkeyPatch):
    root = synth_corpus
    docs = _docs(root)
    _run(capsys, root)
    token = _basis(root)["token"]
    monkeypatch.setattr(kept_store, "WAIT", 0.2)
    fd = kept_store._lock(root / CACHE_DIR, block=True)  # another run holds it, and does not let go
    assert fd is not None
    try:
        _edit_date(docs[1])
        err, _ = _run(capsys, root)
        assert "the kept store is in use by another run: waiting for it (at most 0.2 s)" in err, err
        assert "in use by another run (waited 0.2 s)" in err and KEPT not in err
        assert _basis(root)["token"] == token, "nor is it written while in use"
    finally:
        os.close(fd)


def test_a_lock_that_cannot_be_had_is_not_waited_for(synth_corpus: Path, capsys: pytest.CaptureFixture,
                                                     monkeypatch: pytest.MonkeyPatch):
    """A lock file that cannot be opened (here a folder in its place) is not a lock another run
    holds: the run goes on without the store at once, rather than waiting for it."""
    root = synth_corpus
    docs = _docs(root)
    _run(capsys, root)
    lock = root / CACHE_DIR / kept_store.LOCK
    lock.unlink()
    lock.mkdir()
    monkeypatch.setattr(kept_store, "WAIT", 2.0)
    _edit_date(docs[1])
    err, _ = _run(capsys, root)
    assert "kept store's lock cannot be taken" in err and "waiting" not in err and KEPT not in err, err


def test_a_run_waits_for_the_store_being_written(synth_corpus: Path, cli_env: dict[str, str]):
    """Regression: a run that found the kept store's lock held by its writer (the last run's,
    still writing the store of that run's results) went on without it: a whole validation,
    whose results carry a new token, so that the store being written was stale once written.
    At 1M triples, runs less than ~7 s apart each took ~6 s, for good. Now the run waits for
    the writer and uses what it wrote. The writer is played by this test, which holds the lock
    (with a process id in it, as a writer does) until the run says it waits."""
    root = synth_corpus
    docs = _docs(root)
    env = {**cli_env, "QGRAPH_KEEP_STORE": "now"}
    first = subprocess.run([sys.executable, "-m", "qgraph", "validate", "--root", str(root)],
                           capture_output=True, text=True, env=env, timeout=600)
    assert first.returncode in (0, 1), first.stderr
    token = _basis(root)["token"]
    assert token == _state_token(root)
    fd = kept_store._lock(root / CACHE_DIR, block=True)
    assert fd is not None
    os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    _edit_date(docs[1])
    run = subprocess.Popen([sys.executable, "-m", "qgraph", "validate", "--root", str(root), "--progress"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    lines: list[str] = []
    try:
        assert run.stderr is not None
        for line in run.stderr:  # until the run says it waits (the old code ended without)
            lines.append(line)
            if "waiting for it" in line:
                break
        assert lines and "waiting for it" in lines[-1], "".join(lines)
        assert f"being written by process {os.getpid()}" in lines[-1]
    finally:
        os.ftruncate(fd, 0)
        os.close(fd)  # the writer is done
        _, rest = run.communicate(timeout=600)
    err = "".join(lines) + rest
    assert run.returncode in (0, 1), err
    assert KEPT in err and "in use" not in err, err
    assert _basis(root)["token"] == _state_token(root) != token, "the store the run used is brought up to date"


def test_other_inputs_changed_check_everything(synth_corpus: Path, capsys: pytest.CaptureFixture):
    root = synth_corpus
    docs = _docs(root)
    _run(capsys, root)
    shapes = root / "ontology" / "shapes.ttl"
    shapes.write_text(shapes.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    _edit_date(docs[1])
    err, _ = _run(capsys, root)
    assert "an input other than the data files" in err and KEPT not in err
    docs[0].unlink()
    err, _ = _run(capsys, root)
    assert "added or removed" in err and KEPT not in err
    bad = docs[1].read_text(encoding="utf-8").replace('"^^xsd:date', '-99"^^xsd:date', 1)
    docs[1].write_text(bad, encoding="utf-8")
    _run(capsys, root)
    _edit_date(docs[2])
    err, _ = _run(capsys, root)
    assert "ill-typed literal" in err and KEPT not in err, "a file with an ill-typed literal is read whole"


def _validated_on_the_kept_store(root: Path, env: dict[str, str]) -> None:
    """``qgraph validate`` (a process of its own) reads the kept store and says what the
    uncached validation says."""
    r = subprocess.run([sys.executable, "-m", "qgraph", "validate", "--root", str(root), "--progress"],
                       capture_output=True, text=True, env=env, timeout=600)
    assert KEPT in r.stderr, r.stderr
    fresh = subprocess.run([sys.executable, "-m", "qgraph", "validate", "--root", str(root), "--no-cache"],
                           capture_output=True, text=True, env=env, timeout=600)
    assert (r.returncode, r.stdout) == (fresh.returncode, fresh.stdout)


def test_written_later_by_a_process_of_its_own(synth_corpus: Path, cli_env: dict[str, str]):
    root = synth_corpus
    docs = _docs(root)
    env = {**cli_env, "QGRAPH_KEEP_STORE": "later"}
    r = subprocess.run([sys.executable, "-m", "qgraph", "validate", "--root", str(root)],
                       capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode in (0, 1), r.stderr  # answered; its output pipes closed (not held by the writer)
    kept_store.settled(root / CACHE_DIR)
    assert _basis(root)["token"] == _state_token(root)
    assert not list((root / CACHE_DIR).glob(".store.*.tmp")), "the temporary folder was renamed into place"
    _edit_date(docs[1])
    _validated_on_the_kept_store(root, env)


@pytest.mark.parametrize("command", [["validate"], ["build", "--out", "{tmp}/dist"]], ids=["validate", "build"])
def test_an_unknown_setting_is_a_clear_error(synth_corpus: Path, cli_env: dict[str, str], tmp_path: Path,
                                             command: list[str]):
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    r = subprocess.run([sys.executable, "-m", "qgraph", *args, "--root", str(synth_corpus)],
                       capture_output=True, text=True, env={**cli_env, "QGRAPH_KEEP_STORE": "sometimes"}, timeout=600)
    assert r.returncode == 2 and "QGRAPH_KEEP_STORE=sometimes" in r.stderr and "Traceback" not in r.stderr
    assert not (synth_corpus / CACHE_DIR).exists()


def _quads(text: str) -> list:
    import pyoxigraph as ox

    prefix = "@prefix ex: <http://example.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
    return list(ox.parse((prefix + text).encode(), format=ox.RdfFormat.TURTLE, rename_blank_nodes=True))


def test_the_exact_diff_sees_through_blank_node_ids():
    from qgraph.checks.validation import _exact_diff

    def triples(text: str) -> set:
        return {(q.subject, q.predicate, q.object) for q in _quads(text)}

    old = 'ex:a ex:p [ ex:q "x" ] ; ex:d "2012-07-02"^^xsd:date .'
    same_blanks = triples(old), triples(old.replace("2012", "2011"))  # parsed twice: new blank ids
    assert {str(t[2]) for t in _exact_diff(*same_blanks)} == {'"2012-07-02"^^<http://www.w3.org/2001/XMLSchema#date>',
                                                             '"2011-07-02"^^<http://www.w3.org/2001/XMLSchema#date>'}
    assert _exact_diff(triples(old), triples(old)) == set()
    assert _exact_diff(triples(old), triples(old.replace('"x"', '"y"'))) is None, "a blank node's statement changed"
    swapped = 'ex:a ex:p [ ex:q "x" ] . ex:b ex:p [ ex:q "y" ] .'
    assert _exact_diff(triples(swapped), triples(swapped.replace('"x"', '"z"').replace('"y"', '"x"')
                                                 .replace('"z"', '"y"'))) is None, "rewired, not renamed"


def test_a_literal_the_kept_store_holds_as_written_is_not_checked_again():
    import pyoxigraph as ox

    from qgraph.checks import literals

    store = ox.Store()
    store.extend(ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode("http://example.org/g"))
                 for q in _quads('ex:a ex:d "2012-07-02"^^xsd:date ; ex:n "1"^^xsd:integer .'))
    asked = []
    real = literals.problem_with

    def counting(lexical: str, datatype: str) -> str | None:
        asked.append(lexical)
        return real(lexical, datatype)

    try:
        literals.problem_with = counting  # type: ignore[assignment]
        found = literals.ill_typed(_quads('ex:b ex:d "2012-07-02"^^xsd:date ; ex:n "01"^^xsd:integer , "x"^^xsd:integer .'),
                                   store)
    finally:
        literals.problem_with = real  # type: ignore[assignment]
    assert sorted(asked) == ["01", "x"], "held as written: not asked; held in canonical form: asked"
    # "01" a valid integer not written canonically: a term-exact validator's another value
    assert [f.quad.object.value for f in found] == ["01", "x"]


def test_the_raw_literals_are_kept_in_columns_and_read_back_as_they_were():
    """raw.json holds the raw literals in columns, each predicate, datatype and graph named once
    (read back in a fifth of the time a row of five strings per literal took); what is read
    back is the validator's dict as it was, a subject with several literals of a predicate
    included, and a file that is not such columns is refused, never half-read."""
    import orjson

    raw = {("<http://example.org/a>", "http://example.org/n"): [("1", XSD_INT, "http://example.org/g1")],
           ("<http://example.org/b>", "http://example.org/n"): [("01", XSD_INT, "http://example.org/g2"),
                                                                  ("2", XSD_INT, "http://example.org/g1")],
           ("_:b0", "http://example.org/m"): [("tab\there", XSD_INT, "")]}
    doc = orjson.loads(kept_store.raw_json(raw))
    assert doc["names"].count(XSD_INT) == 1 and doc["names"].count("http://example.org/g1") == 1
    assert len(doc["s"]) == len(doc["lex"]) == 4
    assert kept_store._raw_dict(doc) == raw
    assert kept_store._raw_dict(orjson.loads(kept_store.raw_json({}))) == {}
    for damaged in ([[1]], {**doc, "p": doc["p"][:-1]}, {**doc, "g": [-1] * 4}, {**doc, "dt": [99] * 4},
                    {**doc, "s": [1, 2, 3, 4]}, {k: v for k, v in doc.items() if k != "lex"}):
        with pytest.raises((ValueError, TypeError, IndexError, KeyError)):
            kept_store._raw_dict(damaged)


XSD_INT = "http://www.w3.org/2001/XMLSchema#integer"


def test_the_plain_forms_accepted_without_xmlschema_are_valid_for_it():
    """literals._plainly_valid accepts a form before xmlschema is loaded: every form it accepts
    must be one xmlschema's XSD types accept (thousands of forms, valid and not, each type)."""
    import itertools
    import random

    from qgraph.checks import literals

    types = literals._types()
    rng = random.Random(7)
    dates = [f"{y:04d}-{m:02d}-{d:02d}" for y in (1, 999, 1000, 1900, 2000, 2023, 2024, 9999)
             for m in range(0, 14) for d in (0, 1, 28, 29, 30, 31, 32)]
    dates += ["2012-07-02Z", "+2012-07-02", "-2012-07-02", "12012-07-02", "2012-7-2", "2012-07-02T00:00:00",
              "٢٠١٢-07-02", "2012_07_02", "20120702"]
    numbers = ["0", "1", "-1", "+1", "01", "00", "1_000", "١٢", "9" * 18, "9" * 19, "9" * 40, "1e3", "1.0", ""]
    numbers += [str(rng.randrange(10 ** rng.randrange(1, 20))) for _ in range(300)]
    years = ["0000", "0999", "1000", "2024", "9999", "10000", "-2024", "2024Z", "24", "٢٠٢٤"]
    accepted = 0
    for local, forms in itertools.chain(((t, numbers) for t in literals._INTEGER_FLOOR),
                                         [("date", dates + numbers), ("gYear", years + numbers)]):
        for form in forms:
            if literals._plainly_valid(local, form):
                accepted += 1
                assert types[local].is_valid(form), f"{form!r} accepted as xsd:{local}, which XSD rejects"
    assert accepted > 1000, "the plain forms are accepted"
    assert not literals._plainly_valid("date", "2023-02-29") and not literals._plainly_valid("positiveInteger", "0")


def test_the_real_corpus_edited_says_what_it_says_uncached(project_root: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture):
    """The project's own corpus (link graphs, the enrichment, every kind of fact): a date moved, a
    quote changed (a blank node's statement) and an evidence dropped, each checked on the kept
    store and compared with the uncached verdict."""
    import shutil

    root = tmp_path / "corpus"
    for part in ("data", "ontology", "queries"):
        if (project_root / part).is_dir():
            shutil.copytree(project_root / part, root / part)
    shutil.copy(project_root / "qgraph.toml", root / "qgraph.toml")
    shutil.rmtree(root / CACHE_DIR, ignore_errors=True)
    docs = _docs(root)
    _run(capsys, root)
    dated = next(d for d in docs if re.search(r'"\d{4}-\d\d-\d\d"\^\^xsd:date', d.read_text(encoding="utf-8")))
    _edit_date(dated)
    err, _ = _run(capsys, root)
    assert KEPT in err, err
    quoted = next(d for d in docs if d != dated and "oa:exact" in d.read_text(encoding="utf-8"))
    text = quoted.read_text(encoding="utf-8")
    quoted.write_text(re.sub(r'oa:exact "([^"\\]{8})', r'oa:exact "\1 changed', text, count=1), encoding="utf-8")
    err, _ = _run(capsys, root)
    assert KEPT in err, err
    text = dated.read_text(encoding="utf-8")
    cited = re.sub(r"qg:evidence (qgid:[\w-]+) ,", r"qg:evidence", text, count=1)  # one of two evidences dropped
    if cited == text:
        cited = re.sub(r"\n\s*qg:evidence [^;.\n]+;", "\n", text, count=1)
    assert cited != text, f"{dated.name} cites an evidence to drop"
    dated.write_text(cited, encoding="utf-8")
    err, _ = _run(capsys, root)
    assert KEPT in err, err


def test_no_writer_is_forked_while_another_thread_runs(synth_corpus: Path, capsys: pytest.CaptureFixture,
                                                       monkeypatch: pytest.MonkeyPatch):
    """A process with a thread running (a server, say) forks no writer: a lock that thread held
    at the fork would stay held in the child, which could hang holding the store's lock."""
    import threading

    stop = threading.Event()
    t = threading.Thread(target=stop.wait, daemon=True)
    t.start()

    def fork() -> int:
        raise AssertionError("a writer was forked while another thread ran")

    monkeypatch.setattr(os, "fork", fork)
    monkeypatch.setenv("QGRAPH_KEEP_STORE", "later")
    try:
        _run(capsys, synth_corpus)
    finally:
        stop.set()
        t.join()
    assert not (_store(synth_corpus) / kept_store.BASIS).exists()


def test_the_store_is_written_in_parts_and_holds_every_quad(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The on-disk store is filled a part at a time (its bulk loader sorts what it is given in
    memory at once: 1M triples at once took 8.3 s and 1,414 MiB, in parts of 50,000 4.8 s and
    580 MiB), and holds the same quads as when loaded whole, blank nodes with their ids."""
    import pyoxigraph as ox

    g = ox.NamedNode("https://w3id.org/qgraph/graph/x")
    b = ox.BlankNode("kept1")
    quads = [ox.Quad(ox.NamedNode(f"https://example.org/s{i}"), ox.NamedNode("https://example.org/p"),
                     ox.Literal(str(i)), g) for i in range(7)]
    quads.append(ox.Quad(b, ox.NamedNode("https://example.org/p"), ox.Literal("blank"), g))
    calls: list[int] = []
    real = ox.Store

    class Recording:
        def __init__(self, path: str | None = None) -> None:
            self.inner = real(path)

        def bulk_extend(self, part: list) -> None:
            calls.append(len(part))
            self.inner.bulk_extend(part)

        def flush(self) -> None:
            self.inner.flush()

    monkeypatch.setattr(ox, "Store", Recording)
    monkeypatch.setattr(kept_store, "WRITE_PART", 3)
    cache = tmp_path / CACHE_DIR
    assert kept_store.write(cache, iter(quads), {}, {"v": 1}, {}, "tok")
    assert calls == [3, 3, 2]
    monkeypatch.setattr(ox, "Store", real)
    store = real(str(cache / kept_store.STORE))
    assert sorted(map(str, store.quads_for_pattern(None, None, None, None))) == sorted(map(str, quads))


def test_parts_of_nothing_load_nothing():
    calls: list[int] = []

    class Store:
        def bulk_extend(self, part: list) -> None:
            calls.append(len(part))

    kept_store.load_in_parts(Store(), iter([]), part=3)
    kept_store.load_in_parts(Store(), iter(range(6)), part=3)
    assert calls == [3, 3]


def test_a_damaged_store_is_replaced_by_the_run_that_finds_it(synth_corpus: Path, cli_env: dict[str, str]):
    """A run that finds the kept store damaged (RocksDB will not open it) had tried to open it:
    RocksDB then has threads and locks in this process, and the writer forked from it hung
    for good when it opened the new store, holding the lock (no later run could use or write a
    kept store; the edit-check at 1M fell back to ~18 s). That run now writes the new store
    itself, before it ends, and the next run uses it."""
    import signal

    root = synth_corpus
    docs = _docs(root)
    env = {**cli_env, "QGRAPH_KEEP_STORE": "later"}

    def validate(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "qgraph", "validate", "--root", str(root), *extra],
                              capture_output=True, text=True, env=env, timeout=600)

    lock = root / CACHE_DIR / kept_store.LOCK
    try:
        assert validate().returncode in (0, 1)
        kept_store.settled(root / CACHE_DIR)
        (_store(root) / "CURRENT").write_text("garbage\n", encoding="utf-8")
        _edit_date(docs[1])
        r = validate("--progress")
        assert "kept store failed" in r.stderr and "Corruption" in r.stderr, r.stderr
        assert _basis(root)["token"] == _state_token(root), "the new store is in place when the run ends"
        assert not lock.read_text(encoding="ascii").strip(), "no writer holds the lock"
        _edit_date(docs[1], +1)
        r = validate("--progress")
        assert KEPT in r.stderr, r.stderr
    finally:  # a writer left hanging (the code before) is stopped
        pid = lock.read_text(encoding="ascii").strip() if lock.exists() else ""
        if pid.isdigit():
            with contextlib.suppress(OSError):
                os.kill(int(pid), signal.SIGKILL)


def test_the_folder_of_a_writer_stopped_while_writing_is_removed(tmp_path: Path):
    """A writer stopped while writing (killed, a power loss) leaves its temporary folder (at 1M,
    ~180 MB); each writer works under the store's lock, so the next one, holding it, removes
    every such folder (they were left in the cache folder for good)."""
    import pyoxigraph as ox

    cache = tmp_path / CACHE_DIR
    stale = cache / f".{kept_store.STORE}.999999999.tmp"
    stale.mkdir(parents=True)
    (stale / "000009.sst").write_bytes(b"\0" * 64)
    quad = ox.Quad(ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p"), ox.Literal("o"),
                   ox.NamedNode("https://w3id.org/qgraph/graph/x"))
    assert kept_store.write(cache, [quad], {}, {"v": 1}, {}, "tok")
    assert not list(cache.glob(f".{kept_store.STORE}.*.tmp"))
    assert (cache / kept_store.STORE / kept_store.BASIS).is_file()


@pytest.mark.parametrize("stop", [KeyboardInterrupt, OSError], ids=["a-stop", "an-error"])
def test_a_json_file_stopped_while_written_leaves_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop):
    """Regression: the kept store's JSON files (its basis, its raw literals), brought up to date in
    ``qgraph validate``'s own process after an edit, left their temporary file beside the store
    when the write was stopped (SIGTERM, Ctrl-C) or failed; the file before is kept whole."""
    target = tmp_path / kept_store.BASIS
    target.write_bytes(b"{}")

    def fail(fd: int) -> None:
        raise stop()

    monkeypatch.setattr(kept_store.os, "fsync", fail)
    with pytest.raises(stop):
        kept_store._write_json(target, {"token": "new"})
    assert sorted(p.name for p in tmp_path.iterdir()) == [kept_store.BASIS]
    assert target.read_bytes() == b"{}"


def _build(root: Path, out: Path, *extra: str, env: dict[str, str] | None = None) -> None:
    from qgraph.cli import main

    if env is None:
        assert main(["build", "--root", str(root), "--out", str(out), *extra]) == 0
        return
    r = subprocess.run([sys.executable, "-m", "qgraph", "build", "--root", str(root), "--out", str(out), *extra],
                       capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr  # answered; its output pipes closed (not held by the writer)


def test_a_build_leaves_the_store_for_the_next_edit(clean_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture):
    """``qgraph build`` with the cache validates the whole corpus, as a whole ``qgraph validate``
    does, and keeps its store too: the first ``qgraph validate`` after an edit that follows a
    build parses the changed file alone (before, it parsed every file and filled SHACL's store
    again: 1M triples, 7.1 s against 0.9 s), and says what the uncached validation says."""
    root = clean_corpus
    _build(root, tmp_path / "dist")
    capsys.readouterr()
    assert (_store(root) / kept_store.BASIS).is_file(), "the build keeps its store"
    assert _basis(root)["token"] == _state_token(root)
    _edit_date(_docs(root)[1])
    err, _ = _run(capsys, root)
    assert "1 changed file(s)" in err and KEPT in err, err


def test_a_build_written_later_by_a_process_of_its_own(clean_corpus: Path, tmp_path: Path, cli_env: dict[str, str]):
    root = clean_corpus
    env = {**cli_env, "QGRAPH_KEEP_STORE": "later"}
    _build(root, tmp_path / "dist", env=env)
    kept_store.settled(root / CACHE_DIR)
    assert _basis(root)["token"] == _state_token(root)
    _edit_date(_docs(root)[2])
    _validated_on_the_kept_store(root, env)


@pytest.mark.parametrize("how", ["no-cache", "keep-store-off", "pyshacl", "fails"])
def test_a_build_keeps_no_store_when_it_should_not(clean_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
                                                  monkeypatch: pytest.MonkeyPatch, how: str):
    """No store kept by a build without the cache, with ``QGRAPH_KEEP_STORE=off``, with the
    reference validator (whose results carry no store's blank nodes), or that fails."""
    from qgraph.cli import main

    root = clean_corpus
    out = tmp_path / "dist"
    if how == "no-cache":
        _build(root, out, "--no-cache")
    elif how == "keep-store-off":
        monkeypatch.setenv("QGRAPH_KEEP_STORE", "off")
        _build(root, out)
    elif how == "pyshacl":
        _build(root, out, "--validator", "pyshacl")
    else:
        doc = _docs(root)[0]
        doc.write_text(doc.read_text(encoding="utf-8") + "\nthis is not turtle\n", encoding="utf-8")
        assert main(["build", "--root", str(root), "--out", str(out)]) == 2
    capsys.readouterr()
    assert not _store(root).exists()
    assert how != "keep-store-off" or (root / CACHE_DIR / "state.json").is_file()


def test_a_build_refused_for_its_violations_keeps_its_store(synth_corpus: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture):
    """A build refused for its violations writes no export, but keeps what its checks found, their
    store too (once its report is out): the ``qgraph validate`` after a fix reads the changed file
    alone, and says what the uncached validation says."""
    from qgraph.cli import main

    root = synth_corpus
    assert main(["build", "--root", str(root), "--out", str(tmp_path / "dist")]) == 1
    out, _ = capsys.readouterr()
    assert "Violation" in out, out  # the report, then the store
    assert not (tmp_path / "dist").exists()
    assert (_store(root) / kept_store.BASIS).is_file() and _basis(root)["token"] == _state_token(root)
    _edit_date(_docs(root)[1])
    err, _ = _run(capsys, root)
    assert "1 changed file(s)" in err and KEPT in err, err


def test_a_refused_build_writes_its_store_later_once_its_report_is_out(synth_corpus: Path, tmp_path: Path,
                                                                       cli_env: dict[str, str]):
    root = synth_corpus
    env = {**cli_env, "QGRAPH_KEEP_STORE": "later"}
    r = subprocess.run([sys.executable, "-m", "qgraph", "build", "--root", str(root), "--out", str(tmp_path / "dist")],
                       capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 1 and "Violation" in r.stdout, r.stderr  # answered; its pipes closed
    kept_store.settled(root / CACHE_DIR)
    assert _basis(root)["token"] == _state_token(root)
    _edit_date(_docs(root)[2])
    _validated_on_the_kept_store(root, env)


def test_an_edit_is_checked_without_importing_rdflib(synth_corpus: Path, cli_env: dict[str, str]):
    """``qgraph validate`` after an edit, on the kept store, imports neither rdflib nor
    ``importlib.metadata`` (~0.1 s of the edit-check's second at 1M triples, whatever the
    corpus's size): the fast validator's results, the checks' rows and the reports are made of
    pyoxigraph's terms, the shapes are kept compiled with what else is read of their graph, and
    the libraries are told apart without asking their versions. It says what the uncached run
    says, with a graph-local check's row holding a date among its problems."""
    root = synth_corpus
    docs = _docs(root)
    env = {**cli_env, "QGRAPH_KEEP_STORE": "now"}

    def validate(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-X", "importtime", "-m", "qgraph", "validate", "--root", str(root),
                               *extra], capture_output=True, text=True, env=env, timeout=600)

    def imported(r: subprocess.CompletedProcess) -> set[str]:
        return {line.rsplit("|", 1)[1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")}

    cold = validate()
    assert cold.returncode in (0, 1), cold.stderr
    assert "rdflib" in imported(cold), "a whole validation compiles the shapes from rdflib's graph"
    _edit_date(docs[1])
    edited = validate("--progress")
    assert KEPT in edited.stderr, edited.stderr
    assert imported(edited) and not {"rdflib", "importlib.metadata"} & imported(edited)
    fresh = validate("--no-cache")
    assert (edited.returncode, edited.stdout) == (fresh.returncode, fresh.stdout)
    assert re.search(r"\[check:[\w-]+\] .*=\d{4}-\d\d-\d\d\b", edited.stdout), "a check's row with a date is reported"


def test_the_copy_of_a_changed_file_is_read_once_a_run(synth_corpus: Path, capsys: pytest.CaptureFixture,
                                                       monkeypatch: pytest.MonkeyPatch):
    """The cache's copy of a changed data file as last checked is read, hashed and parsed once a
    run, though two steps ask for it (the union checks' changed triples, the SHACL
    revalidation): it was done twice. The verdict stays the uncached one."""
    from qgraph.checks.cache import Memo
    from tests.conftest import count_calls

    root = synth_corpus
    _run(capsys, root)
    _edit_date(_docs(root)[1])
    asked = count_calls(monkeypatch, Memo, "snapshot")
    read = count_calls(monkeypatch, Memo, "_snapshot")
    err, _ = _run(capsys, root)
    assert KEPT in err, err
    assert len(asked) >= 2 and len(read) == 1, (len(asked), len(read))
