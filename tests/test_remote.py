"""qgraph query --endpoint: the whole competency catalogue against a real Oxigraph server (and
Virtuoso when installed) after a push, compared with the embedded store; parameters as a VALUES
block of RDF terms; errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from qgraph.ask import catalogue
from qgraph.corpus.loading import load
from qgraph.corpus.store import open_store
from qgraph.errors import QgraphError
from qgraph.remote.client import Credentials, RemoteStore, with_values
from qgraph.remote.push import Target, push

from servers import FaultProxy, OxigraphServer, VirtuosoServer, free_port, oxigraph_executable, virtuoso_available

PROJECT = Path(__file__).resolve().parents[1]
ENTRIES = catalogue.entries(PROJECT)
needs_oxigraph = pytest.mark.skipif(oxigraph_executable() is None, reason="the oxigraph server is not installed")


def rows(result, entry_text: str):
    got = catalogue.result_rows(result)
    return got if catalogue.is_ordered(entry_text) else sorted(got)


# --- parameters ---------------------------------------------------------------------------------


def test_catalogue_found():
    assert ENTRIES, "no queries/*.rq found"


def test_values_block_holds_terms_not_text():
    hostile = 'x" } ; DROP ALL ; SELECT * { ?s ?p "'
    text = with_values("SELECT ?a ?b WHERE { ?a ?p ?b }", {"a": URIRef("https://w3id.org/qgraph/id/denmark"),
                                                           "b": Literal(hostile + "\n", lang="en")})
    assert text.startswith("SELECT ?a ?b WHERE { ?a ?p ?b }\nVALUES (?a ?b) {\n")
    assert '"x\\" } ; DROP ALL ; SELECT * { ?s ?p \\"\\n"@en' in text
    from qgraph.remote.client import _values_rows

    [row] = _values_rows(text)
    assert [str(v) for v in row.values()] == ["https://w3id.org/qgraph/id/denmark", hostile + "\n"]


@pytest.mark.parametrize("query, params, message", [
    ("SELECT ?a WHERE { ?a ?p ?b } VALUES ?a { <urn:x> }", {"a": URIRef("urn:y")}, "already ends in a VALUES clause"),
    ("SELECT (COUNT(?b) AS ?n) WHERE { ?a ?p ?b }", {"a": URIRef("urn:y")}, "only GROUP BY variables"),
    ("SELECT ?a WHERE { ?a ?p ?b }", {"a": Literal("\\u0022")}, "cannot be passed safely"),
    ("SELECT ?a WHERE { ?a ?p ?b }", {"a": URIRef("urn:x> } DROP ALL")}, "cannot bind"),
    ("SELECT ?a WHERE { ?a ?p ", {"a": URIRef("urn:y")}, "syntax error"),
])
def test_values_refusals(query, params, message):
    with pytest.raises(QgraphError, match=message):
        with_values(query, params)


def test_group_by_variable_can_be_bound():
    text = with_values("SELECT ?a (COUNT(?b) AS ?n) WHERE { ?a ?p ?b } GROUP BY ?a", {"a": URIRef("urn:y")})
    assert text.endswith("VALUES (?a) {\n  (<urn:y>)\n}\n")


def test_updates_are_refused_before_any_request():
    store = RemoteStore(f"http://127.0.0.1:{free_port()}/query", creds=Credentials())
    with pytest.raises(QgraphError, match="this is an update"):
        store.query("DROP ALL")


# --- the catalogue against a pushed Oxigraph server ---------------------------------------------


@pytest.fixture(scope="module")
def pushed(tmp_path_factory):
    """The real project pushed into an Oxigraph server that shows the union of its graphs."""
    if oxigraph_executable() is None:
        pytest.skip("the oxigraph server is not installed")
    loaded = load(PROJECT)
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "db").start()
    push(loaded, Target(server.query, graph_store=server.store, timeout=60, creds=Credentials()))
    yield loaded, server, open_store(loaded, "oxigraph"), RemoteStore(server.query, loaded.prefixes, creds=Credentials())
    server.stop()


@needs_oxigraph
@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_catalogue_remote_equals_embedded(entry, pushed):
    _, _, local, remote = pushed
    a, b = local.query(entry.text), remote.query(entry.text)
    assert a.vars == b.vars
    got, want = rows(b, entry.text), rows(a, entry.text)
    if got != want and re.search(r"SELECT\s+DISTINCT", entry.text, re.I):
        # Virtuoso's DISTINCT sometimes keeps both copies of a row whose language-tagged label is
        # stated in two document graphs (the same term from two graphs, not merged in its plan):
        # the rows must still be the same, once each, in the same order
        assert list(dict.fromkeys(got)) == want
        return
    assert got == want


@needs_oxigraph
@pytest.mark.parametrize("name, param", [("cross-nation-memberships", ("nation", "qgid:denmark")),
                                         ("cross-topic-passages", ("topic", "qgid:topic-research-security"))])
def test_parameters_remote_equal_embedded(name, param, pushed):
    loaded, _, local, remote = pushed
    params = {param[0]: param[1]}
    a = catalogue.run(local, name, PROJECT, params, loaded.prefixes)
    b = catalogue.run(remote, name, PROJECT, params, loaded.prefixes)
    assert a.rows, "the parameter selects something"
    assert catalogue.result_rows(a) == catalogue.result_rows(b)


@needs_oxigraph
def test_injection_attempt_is_a_literal(pushed):
    loaded, _, _, remote = pushed
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    before = remote.query(count).rows
    # within a literal: bound as that literal
    r = catalogue.run(remote, "SELECT ?s WHERE { ?s rdfs:label ?label }", PROJECT,
                      {"label": '"x\\" } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o"'}, loaded.prefixes)
    assert r.rows == [] and remote.query(count).rows == before
    # as text that begins like a literal and is not one: refused, not taken as text
    with pytest.raises(QgraphError, match="is not a term"):
        catalogue.run(remote, "SELECT ?s WHERE { ?s rdfs:label ?label }", PROJECT,
                      {"label": '"x" } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o'}, loaded.prefixes)
    assert remote.query(count).rows == before


def run_cli(argv, capsys, monkeypatch, env=None):
    from qgraph.cli import main

    for k in ("QGRAPH_ENDPOINT_USER", "QGRAPH_ENDPOINT_PASSWORD", "QGRAPH_ENDPOINT_TOKEN", "QGRAPH_ENDPOINT_AUTH", "QGRAPH_ROOT"):
        monkeypatch.delenv(k, raising=False)
    for k, v in (env or {}).items():
        monkeypatch.setenv(k, v)
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@needs_oxigraph
@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json"])
def test_cli_query_endpoint_prints_what_the_embedded_store_prints(fmt, pushed, capsys, monkeypatch):
    _, server, _, _ = pushed
    args = ["query", "qdg-members", "--param", "nation=qgid:denmark", "--format", fmt]
    code1, local, _ = run_cli(args, capsys, monkeypatch)
    code2, remote, err = run_cli(args + ["--endpoint", server.query], capsys, monkeypatch)
    assert code1 == code2 == 0, err
    assert remote == local and "denmark" in remote
    if fmt == "json":
        assert json.loads(remote)["results"]["bindings"]


@needs_oxigraph
def test_cli_query_endpoint_refuses_an_update(pushed, capsys, monkeypatch, tmp_path):
    _, server, _, remote = pushed
    before = remote.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows
    rq = tmp_path / "wipe.rq"
    rq.write_text("# select nothing, really\nDELETE WHERE { ?s ?p ?o }\n", encoding="utf-8")
    code, out, err = run_cli(["query", str(rq), "--endpoint", server.query], capsys, monkeypatch)
    assert code == 2 and "this is an update" in err
    assert remote.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows == before


def test_cli_query_endpoint_connection_refused(capsys, monkeypatch):
    url = f"http://127.0.0.1:{free_port()}/query"
    code, out, err = run_cli(["query", "qdg-members", "--endpoint", url], capsys, monkeypatch)
    assert code == 2 and err == f"qgraph: error: queries/qdg-members.rq: cannot connect to {url} (connection refused)\n"


@needs_oxigraph
def test_cli_query_endpoint_auth(pushed, capsys, monkeypatch):
    _, server, _, _ = pushed
    proxy = FaultProxy(server.base, basic_auth=("reader", "right")).start()
    try:
        args = ["query", "qdg-members", "--format", "csv", "--endpoint", proxy.base + "/query"]
        code, out, err = run_cli(args, capsys, monkeypatch, {"QGRAPH_ENDPOINT_USER": "reader", "QGRAPH_ENDPOINT_PASSWORD": "wrong-pw"})
        assert code == 2 and "authentication refused (HTTP 401)" in err and "wrong-pw" not in out + err
        code, out, err = run_cli(args, capsys, monkeypatch, {"QGRAPH_ENDPOINT_USER": "reader", "QGRAPH_ENDPOINT_PASSWORD": "right"})
        assert code == 0 and out.startswith("nation,name,attestedOn")
        assert proxy.seen[-1].authorization.startswith("Basic ")
    finally:
        proxy.stop()


@needs_oxigraph
def test_default_graph_names_the_graphs_on_a_store_without_union(tmp_path, capsys, monkeypatch):
    loaded = load(PROJECT)
    server = OxigraphServer(tmp_path / "db", union_default_graph=False).start()
    try:
        push(loaded, Target(server.query, graph_store=server.store, timeout=60, creds=Credentials()))
        args = ["query", "qdg-members", "--format", "csv", "--endpoint", server.query]
        _, alone, _ = run_cli(args, capsys, monkeypatch)
        graphs = sorted({f.graph for f in loaded.files})
        _, named, _ = run_cli(args + [a for g in graphs for a in ("--default-graph", g)], capsys, monkeypatch)
        _, local, _ = run_cli(["query", "qdg-members", "--format", "csv"], capsys, monkeypatch)
    finally:
        server.stop()
    assert alone == "nation,name,attestedOn\r\n"  # the store's own default graph is empty
    assert named == local


# --- Virtuoso ---------------------------------------------------------------------------------

# Where Virtuoso 7.2 answers differently from the embedded store (checked by hand; strict, so
# that a Virtuoso that agrees makes the test fail and the entry is removed).
VIRTUOSO_DEVIATIONS = {
    "links-qdg-map": "Virtuoso rewrites geo:wktLiteral values (POINT in capitals), so the STRBEFORE/STRAFTER split finds nothing",
    "links-qdg-membership-overlaps": "Virtuoso returns the boolean of EXISTS as the integers 0 and 1",
    "cross-uk-denmark-channels": "Virtuoso's evaluation of the a/rdfs:subClassOf* path does not reach the MoU (its 'both are parties' row is missing)",
}
#: deviations Virtuoso shows on some runs and not others (same data, same query): not strict
VIRTUOSO_FLAKY = {"cross-uk-denmark-channels"}


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    if not virtuoso_available():
        pytest.skip("virtuoso-t (Debian's virtuoso-opensource) is not installed")
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def virtuoso_pushed(virtuoso):
    loaded = load(PROJECT)
    creds = Credentials(virtuoso.user, virtuoso.password, scheme="digest")
    reports = [push(loaded, Target(virtuoso.sparql, update_endpoint=virtuoso.sparql_auth, timeout=120, creds=creds)),
               push(loaded, Target(virtuoso.sparql, graph_store=virtuoso.graph_crud_auth, timeout=120, creds=creds)),
               push(loaded, Target(virtuoso.sparql, update_endpoint=virtuoso.sparql_auth, timeout=120, creds=creds))]
    return loaded, reports, open_store(loaded, "oxigraph"), RemoteStore(virtuoso.sparql, loaded.prefixes, creds=Credentials())


@pytest.mark.slow
def test_virtuoso_push_is_idempotent(virtuoso_pushed):
    _, reports, _, _ = virtuoso_pushed
    counts = [[(o.graph, o.in_store) for o in r.outcomes] for r in reports]
    assert counts[0] == counts[1] == counts[2]
    assert all(o.in_store == o.triples for o in reports[0].outcomes)


def _virtuoso_params() -> list:
    out = []
    for e in ENTRIES:
        marks = [pytest.mark.xfail(strict=e.name not in VIRTUOSO_FLAKY, reason=VIRTUOSO_DEVIATIONS[e.name])] \
            if e.name in VIRTUOSO_DEVIATIONS else []
        out.append(pytest.param(e, id=e.name, marks=marks))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("entry", _virtuoso_params())
def test_catalogue_on_virtuoso_equals_embedded(entry, virtuoso_pushed):
    _, _, local, remote = virtuoso_pushed
    a, b = local.query(entry.text), remote.query(entry.text)
    assert a.vars == b.vars
    got, want = rows(b, entry.text), rows(a, entry.text)
    if got != want and re.search(r"SELECT\s+DISTINCT", entry.text, re.I):
        # Virtuoso's DISTINCT sometimes keeps both copies of a row whose language-tagged label is
        # stated in two document graphs (the same term from two graphs, not merged in its plan):
        # the rows must still be the same, once each, in the same order
        assert list(dict.fromkeys(got)) == want
        return
    assert got == want


@pytest.mark.slow
def test_virtuoso_refuses_anonymous_updates(virtuoso):
    loaded = load(PROJECT)
    from qgraph.remote.push import PushFailed

    with pytest.raises(PushFailed, match=r"HTTP 500.*No permission.*replaced: none"):
        push(loaded, Target(virtuoso.sparql, timeout=60, creds=Credentials()))
