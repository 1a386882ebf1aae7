"""Small items of the explorer issue, each with the behaviour that was missing:

- /sparql honours ``format=``/``output=``; ASK answers in CSV/TSV; CONSTRUCT in N-Quads;
- /id/… JSON-LD is compacted with the project's context; /id/… answers carry ``Link: rel=alternate``;
- ``qgraph query``: tables fit the terminal; CONSTRUCT prints as Turtle;
- ``qgraph export --out x.ttl`` takes the format from the extension;
- ``qgraph show London`` shows the corpus's city (not an error between it and its Wikidata twin);
  a name two corpus entities share lists them with their types;
- ``qgraph`` alone prints the help (exit 0).
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest
import rdflib
from rdflib.compare import isomorphic

from conftest import PROJECT


def qgraph(*args: str, env: dict, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qgraph", *args], capture_output=True, text=True, env=env, cwd=cwd)


@pytest.fixture(scope="module")
def site():
    from qgraph.web.server import Running

    with Running(PROJECT) as running:
        yield running.url


def get(url: str, accept: str | None = None):
    req = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(req) as r:
        return r.status, r.headers, r.read()


def sparql(site: str, query: str, **params: str) -> str:
    return site + "/sparql?" + urllib.parse.urlencode({"query": query, **params})


# ------------------------------------------------------------------ endpoint

@pytest.mark.parametrize("param", ["format", "output"])
def test_format_parameter_overrides_accept(site, param):
    q = "SELECT ?n WHERE { ?n a qg:Nation } ORDER BY ?n LIMIT 2"
    _, h, body = get(sparql(site, q, **{param: "csv"}), accept="application/sparql-results+json")
    assert h["Content-Type"].startswith("text/csv") and body.decode().splitlines()[0] == "n"
    _, h, body = get(sparql(site, q, **{param: "json"}))
    assert len(json.loads(body)["results"]["bindings"]) == 2
    _, h, _ = get(sparql(site, "CONSTRUCT { ?n a qg:Nation } WHERE { ?n a qg:Nation }", **{param: "json"}))
    assert h["Content-Type"].startswith("application/ld+json")
    _, h, _ = get(sparql(site, q, **{param: "text/tab-separated-values"}))
    assert h["Content-Type"].startswith("text/tab-separated-values")
    with pytest.raises(urllib.error.HTTPError) as e:
        get(sparql(site, q, **{param: "pdf"}))
    assert e.value.code == 400 and b"unknown format" in e.value.read()


def test_ask_as_csv_and_tsv(site):
    """Regression: ASK with Accept: text/csv got 406."""
    _, h, body = get(sparql(site, "ASK { ?n a qg:Nation }"), accept="text/csv")
    assert h["Content-Type"].startswith("text/csv") and body == b"_askResult\r\ntrue\r\n"
    _, h, body = get(sparql(site, "ASK { ?n a qg:NoSuchClass }", format="tsv"))
    assert body == b"?_askResult\nfalse\n"


def test_construct_as_nquads(site):
    q = "CONSTRUCT { ?n a qg:Nation } WHERE { ?n a qg:Nation }"
    _, h, body = get(sparql(site, q), accept="application/n-quads")
    assert h["Content-Type"].startswith("application/n-quads")
    ds = rdflib.Dataset()
    ds.parse(data=body.decode(), format="nquads")
    assert len(ds) > 5


def test_entity_jsonld_is_compacted_with_the_context(site):
    """Regression: /id/… JSON-LD was expanded (full IRIs as keys)."""
    _, h, body = get(site + "/id/denmark", accept="application/ld+json")
    doc = json.loads(body)
    assert isinstance(doc["@context"], dict) and doc["@context"].get("qgid")
    node = next(n for n in doc["@graph"] if n["@id"] == "qgid:denmark")
    assert node["label"] == "Denmark" and node["@type"] == "Nation"
    _, _, ttl = get(site + "/id/denmark", accept="text/turtle")
    assert isomorphic(rdflib.Graph().parse(data=body, format="json-ld"), rdflib.Graph().parse(data=ttl, format="turtle"))


def test_link_alternate(site):
    for accept in ("text/html", "text/turtle"):
        _, h, _ = get(site + "/id/denmark", accept=accept)
        link = h["Link"]
        for media in ("text/turtle", "application/ld+json", "application/n-triples", "text/html"):
            assert f'type="{media}"' in link
        assert '</id/denmark?format=turtle>; rel="alternate"' in link


# ------------------------------------------------------------------ command line

def test_table_fits_the_terminal(cli_env):
    wide = qgraph("query", "qdg-meeting-hosts", env={**cli_env, "COLUMNS": "300"}, cwd=PROJECT)
    narrow = qgraph("query", "qdg-meeting-hosts", env={**cli_env, "COLUMNS": "70"}, cwd=PROJECT)
    assert wide.returncode == narrow.returncode == 0, narrow.stderr
    assert max(len(line) for line in wide.stdout.splitlines()) > 70  # the table is wider than 70 …
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 70  # … and cut to fit
    assert "…" in narrow.stdout
    assert len(narrow.stdout.splitlines()) == len(wide.stdout.splitlines())


def test_construct_prints_turtle(cli_env):
    q = "CONSTRUCT { ?n a qg:Nation } WHERE { ?n a qg:Nation }"
    r = subprocess.run([sys.executable, "-m", "qgraph", "query", "-"], input=q, capture_output=True, text=True,
                       env=cli_env, cwd=PROJECT)
    assert r.returncode == 0, r.stderr
    g = rdflib.Graph().parse(data=r.stdout, format="turtle")
    assert len(g) > 5 and "qgid:denmark a qg:Nation" in r.stdout
    nt = subprocess.run([sys.executable, "-m", "qgraph", "query", "-", "--format", "ntriples"], input=q,
                        capture_output=True, text=True, env=cli_env, cwd=PROJECT)
    assert isomorphic(rdflib.Graph().parse(data=nt.stdout, format="nt"), g)
    bad = qgraph("query", "qdg-members", "--format", "turtle", env=cli_env, cwd=PROJECT)
    assert bad.returncode == 2 and "for CONSTRUCT and DESCRIBE" in bad.stderr and "Traceback" not in bad.stderr


def test_export_format_from_extension(tmp_path, cli_env):
    r = qgraph("export", "--out", str(tmp_path / "g.ttl"), "--root", str(PROJECT), env=cli_env)
    assert r.returncode == 0, r.stderr
    assert len(rdflib.Graph().parse(tmp_path / "g.ttl", format="turtle")) > 100
    r = qgraph("export", "--out", str(tmp_path / "g.nq"), "--root", str(PROJECT), env=cli_env)
    assert r.returncode == 0 and (tmp_path / "g.nq").read_text(encoding="utf-8").count(" .\n") > 100
    for args, needle in ((["--out", str(tmp_path / "g.xyz")], "does not name a format"), ([], "give --format")):
        r = qgraph("export", *args, "--root", str(PROJECT), env=cli_env)
        assert r.returncode == 2 and needle in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "g.xyz").exists()


def test_show_prefers_the_corpus_entity(cli_env):
    """Regression: `qgraph show London` failed as ambiguous between qgid:london and wd:Q84."""
    r = qgraph("show", "London", env=cli_env, cwd=PROJECT)
    assert r.returncode == 0, r.stderr
    first = r.stdout.splitlines()
    assert first[0].startswith("qgid:london") and "qg:City" in first[2]
    assert any(line.startswith("  also named 'London': wd:Q84") for line in first[:5])


def test_show_ambiguous_lists_candidates_with_types(fixture_root, cli_env):
    (fixture_root / "data" / "twins.ttl").write_text(
        "@prefix qg: <https://w3id.org/qgraph/ontology#> .\n@prefix qgid: <https://w3id.org/qgraph/id/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        'qgid:tiny-city a qg:City ; rdfs:label "Tiny Forum"@en .\n', encoding="utf-8")
    r = qgraph("show", "Tiny Forum", "--root", str(fixture_root), env=cli_env)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "names 2 entities" in r.stderr
    assert "qgid:tiny-city (qg:City; 1 document(s))" in r.stderr and "qgid:tiny-forum (qg:Forum;" in r.stderr


def test_bare_qgraph_prints_the_help(cli_env):
    """Regression: `qgraph` alone was a usage error (exit 2)."""
    r = qgraph(env={**cli_env, "COLUMNS": "80"})
    assert r.returncode == 0 and r.stdout.startswith("usage: qgraph") and r.stderr == ""
    assert r.stdout == qgraph("--help", env={**cli_env, "COLUMNS": "80"}).stdout


def test_the_help_names_every_exit_code_the_command_returns(cli_env):
    """Regression: `qgraph --help` listed 0, 1 and 2, not 130 (Ctrl-C) nor 143 (SIGTERM), which
    the command returns too and the README names."""
    import re

    from qgraph import cli

    codes = {v for k, v in vars(cli).items() if k.startswith("EXIT_") and isinstance(v, int)}
    assert codes >= {0, 1, 2, 130, 143}
    text = qgraph("--help", env={**cli_env, "COLUMNS": "80"}).stdout
    listed = text[text.index("exit codes:"):text.index("positional arguments")]
    assert {int(n) for n in re.findall(r"\b(\d+) ", listed)} == codes
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    assert all(f"`{n}`" in readme for n in codes)


def test_import_qgraph_gives_every_function_of_the_api():
    """Regression: qgraph.api's docstring says it is re-exported by `import qgraph`, but new,
    quote, propose, expected and reuse were not reachable as qgraph.X."""
    import qgraph
    import qgraph.api as api

    public = {n for n in dir(api) if not n.startswith("_") and callable(getattr(api, n))
              and getattr(getattr(api, n), "__module__", "") == "qgraph.api"}
    assert public, "qgraph.api has no functions"
    assert public <= set(qgraph.__all__)
    assert all(getattr(qgraph, n) is getattr(api, n) for n in public)
