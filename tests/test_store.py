"""store.py: both backends answer alike; parameters bound, not pasted; nothing remote."""


import pytest
from rdflib import Literal, URIRef

from qgraph.ask.catalogue import result_rows
from qgraph.corpus.loading import QGID, load
from qgraph.corpus.store import BACKENDS, open_store, refuse_remote
from qgraph.errors import QgraphError


@pytest.fixture(scope="module")
def stores():
    from conftest import FIXTURE_PROJECT

    loaded = load(FIXTURE_PROJECT)
    return {b: open_store(loaded, b) for b in BACKENDS}


QUERIES = [
    "SELECT ?s ?name WHERE { ?s a qg:Nation ; rdfs:label ?name } ORDER BY ?name",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    "SELECT ?e ?exact WHERE { ?e oa:hasSelector ?sel . ?sel oa:exact ?exact } ORDER BY ?e",
    "SELECT ?p WHERE { ?d qg:provisionNumber ?p }",
]


@pytest.mark.parametrize("text", QUERIES)
def test_backends_agree(stores, text):
    results = {b: s.query(text) for b, s in stores.items()}
    first = results["oxigraph"]
    assert first.rows, "query found nothing: the fixture changed?"
    for r in results.values():
        assert (r.vars, result_rows(r)) == (first.vars, result_rows(first))


@pytest.mark.xfail(strict=True, reason="Oxigraph 0.5 stores xsd:positiveInteger (and the other derived "
                   "integer types) as xsd:integer: same lexical form, so the catalogue's CSV answers agree, "
                   "but the term's datatype is lost in the store (exports are written from the parsed terms, not from the store, and keep it)")
def test_oxigraph_keeps_derived_integer_datatypes(stores):
    r = stores["oxigraph"].query("SELECT ?p WHERE { ?d qg:provisionNumber ?p }")
    assert r.rows == stores["rdflib"].query("SELECT ?p WHERE { ?d qg:provisionNumber ?p }").rows


def test_union_default_graph_is_a_set(stores):
    for s in stores.values():
        [(n,)] = s.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows
        [(m,)] = s.query("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }").rows
        assert n == m


def test_parameters_are_bound(stores):
    text = "SELECT ?s ?name WHERE { ?s rdfs:label ?name }"
    for s in stores.values():
        r = s.query(text, {"s": URIRef(QGID + "denmark")})
        assert [str(row[1]) for row in r.rows] == ["Denmark"]
        # a literal that looks like SPARQL stays a literal
        r = s.query(text, {"name": Literal('x" } UNION { ?s ?p ?o')})
        assert r.rows == []


def test_ask(stores):
    for s in stores.values():
        assert s.query("ASK { qgid:denmark a qg:Nation }").boolean is True


def test_syntax_error_is_one_line(stores):
    for s in stores.values():
        with pytest.raises(QgraphError, match="syntax error") as e:
            s.query("SELECT ?s WHERE { ?s ?p }")
        assert "\n" not in str(e.value)


def test_service_refused(stores):
    for s in stores.values():
        with pytest.raises(QgraphError, match="SERVICE"):
            s.query("SELECT * WHERE { SERVICE <http://192.0.2.1/sparql> { ?s ?p ?o } }")


def test_service_detection_ignores_strings_and_variables():
    refuse_remote('SELECT ?service WHERE { ?s ex:service "SERVICE" } # SERVICE')
    with pytest.raises(QgraphError):
        refuse_remote("select * where { service <x:y> { ?s ?p ?o } }")


def test_unknown_backend(stores):
    from conftest import FIXTURE_PROJECT

    with pytest.raises(QgraphError, match="unknown store"):
        open_store(load(FIXTURE_PROJECT), "virtuoso")


def test_a_closed_store_lets_its_store_go_and_answers_nothing(project_root):
    """``close`` lets the pyoxigraph store go (freed once nothing else holds it; not emptied
    first: Oxigraph's ``clear`` frees none of its memory); a query after it is an error, not an
    answer from an empty graph."""
    import sys

    from qgraph.corpus.store import OxigraphStore, return_freed_memory

    loaded = load(project_root)
    store = open_store(loaded, "oxigraph")
    assert isinstance(store, OxigraphStore)
    raw = store._store
    assert len(raw) > 1000
    held = sys.getrefcount(raw)
    store.close()
    assert store._store is None and sys.getrefcount(raw) == held - 1
    with pytest.raises(ValueError, match="closed"):
        store.query("ASK { ?s ?p ?o }")
    store.close()  # twice: nothing more to do
    return_freed_memory()  # glibc's malloc_trim where there is one; never an error
