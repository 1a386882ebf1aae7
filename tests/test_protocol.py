"""The W3C SPARQL 1.1 Protocol test cases (``w3c/rdf-tests`` ``sparql/sparql11/protocol/manifest.ttl``)
that apply to a read-only endpoint, each test named after its case.

Adaptations, deliberate:
- the cases that name the ``kasei.us`` graphs as dataset use this graph's own named graphs
  instead (``tiny-doc``, ``hostile``, ``ontology`` of the fixture project): a foreign graph is
  refused here by design (``test_foreign_dataset_refused`` in test_server.py);
- ``query_post_form`` names an own graph as ``default-graph-uri`` (the case names ``data0.rdf``);
- the ``update_*`` cases expect 2xx from an endpoint that accepts updates; this one is read-only,
  so they must get 403 and leave the graph unchanged.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from test_server import Client, make_project

G = "https://w3id.org/qgraph/graph/"
G1, G2, G3 = G + "tiny-doc", G + "hostile", G + "ontology"
QGID = "https://w3id.org/qgraph/id/"
IN_G1 = f"<{QGID}denmark> a ?type"           # only in tiny-doc
IN_G2 = f"<{QGID}hostile-nation> a ?type"    # only in hostile
IN_G3 = "<https://w3id.org/qgraph/ontology#Nation> a ?class"  # only in the ontology
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DIRECT = {"Content-Type": "application/sparql-query"}
UPDATE = {"Content-Type": "application/sparql-update"}
BOOLEAN_TYPES = ("application/sparql-results+xml", "application/sparql-results+json")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from qgraph.web.pool import Limits
    from qgraph.web.server import Running

    root = make_project(tmp_path_factory.mktemp("protocol") / "project")
    with Running(root, Limits(timeout=10.0, workers=2)) as running:
        yield Client(running.url)


def boolean(resp) -> bool:
    status, ctype, body, _ = resp
    assert 200 <= status < 400, body
    assert ctype.startswith(BOOLEAN_TYPES), ctype
    if ctype.startswith("application/sparql-results+json"):
        return json.loads(body)["boolean"]
    return b"<boolean>true</boolean>" in body


def q(text: str) -> str:
    return quote(text, safe="")


# ---------------------------------------------------------------- queries that must succeed

def test_query_post_form(client):
    assert boolean(client.request("POST", f"/sparql?default-graph-uri={q(G1)}", "query=ASK%20%7B%7D", FORM)) is True


def test_query_dataset_default_graphs_get(client):
    text = f"ASK {{ {IN_G1} . {IN_G2} . }}"
    assert boolean(client.get(f"/sparql?query={q(text)}&default-graph-uri={q(G1)}&default-graph-uri={q(G2)}")) is True
    # and the protocol dataset is really used: with one graph only, the ASK is false
    assert boolean(client.get(f"/sparql?query={q(text)}&default-graph-uri={q(G1)}")) is False


def test_query_dataset_default_graphs_post(client):
    text = f"ASK {{ {IN_G1} . {IN_G2} . }}"
    assert boolean(client.request("POST", f"/sparql?default-graph-uri={q(G1)}&default-graph-uri={q(G2)}", text, DIRECT)) is True


def test_query_dataset_named_graphs_post(client):
    text = f"ASK {{ GRAPH ?g1 {{ {IN_G1} }} GRAPH ?g2 {{ {IN_G2} }} }}"
    assert boolean(client.request("POST", f"/sparql?named-graph-uri={q(G1)}&named-graph-uri={q(G2)}", text, DIRECT)) is True


def test_query_dataset_named_graphs_get(client):
    text = f"ASK {{ GRAPH ?g1 {{ {IN_G1} }} GRAPH ?g2 {{ {IN_G2} }} }}"
    assert boolean(client.get(f"/sparql?query={q(text)}&named-graph-uri={q(G1)}&named-graph-uri={q(G2)}")) is True
    assert boolean(client.get(f"/sparql?query={q(text)}&named-graph-uri={q(G1)}")) is False


def test_query_dataset_full(client):
    text = f"ASK {{ {IN_G3} GRAPH ?g1 {{ {IN_G1} }} GRAPH ?g2 {{ {IN_G2} }} }}"
    path = f"/sparql?default-graph-uri={q(G3)}&named-graph-uri={q(G1)}&named-graph-uri={q(G2)}"
    assert boolean(client.request("POST", path, text, DIRECT)) is True


def test_query_multiple_dataset(client):
    """The protocol's dataset overrides the query's FROM."""
    text = f"ASK FROM <{G3}> {{ {IN_G1} }}"
    assert boolean(client.get(f"/sparql?query={q(text)}&default-graph-uri={q(G1)}")) is True
    assert boolean(client.get(f"/sparql?query={q(text)}")) is False


def test_query_get(client):
    assert boolean(client.get("/sparql?query=ASK%20%7B%7D")) is True


def test_query_content_type_select(client):
    status, ctype, _, _ = client.get("/sparql?query=" + q("SELECT (1 AS ?value) {}"))
    assert status == 200
    assert ctype.split(";")[0] in ("application/sparql-results+xml", "application/sparql-results+json",
                                   "text/tab-separated-values", "text/csv")


def test_query_content_type_ask(client):
    assert boolean(client.get("/sparql?query=" + q("ASK {}"))) is True


@pytest.mark.parametrize("text", [f"DESCRIBE <{QGID}denmark>",
                                  f"CONSTRUCT {{ <{QGID}s> <{QGID}p> 1 }} WHERE {{}}"],
                         ids=["query_content_type_describe", "query_content_type_construct"])
def test_query_content_type_graph(client, text):
    status, ctype, body, _ = client.get("/sparql?query=" + q(text))
    assert status == 200 and body
    assert ctype.split(";")[0] in ("text/turtle", "application/rdf+xml", "application/n-triples", "application/ld+json")


def test_query_post_direct(client):
    assert boolean(client.request("POST", "/sparql", "ASK {}", DIRECT)) is True


# ---------------------------------------------------------------- bad requests: 4xx

def is_4xx(resp) -> bool:
    return 400 <= resp[0] < 500


def test_bad_query_method(client):
    assert is_4xx(client.request("PUT", f"/sparql?query=ASK%20%7B%7D&default-graph-uri={q(G1)}", b"", FORM))


def test_bad_multiple_queries(client):
    assert is_4xx(client.get("/sparql?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D"))


def test_bad_query_wrong_media_type(client):
    assert is_4xx(client.request("POST", "/sparql", "ASK {}", {"Content-Type": "text/plain"}))


def test_bad_query_missing_form_type(client):
    assert is_4xx(client.request("POST", "/sparql", "query=ASK%20%7B%7D"))


def test_bad_query_missing_direct_type(client):
    assert is_4xx(client.request("POST", "/sparql", "ASK {}"))


def test_bad_query_non_utf8(client):
    body = "ASK {}".encode("utf-16")  # with a BOM, as in the test case
    assert is_4xx(client.request("POST", "/sparql", body, {"Content-Type": "application/sparql-query; charset=UTF-16"}))


def test_bad_query_syntax(client):
    assert is_4xx(client.get("/sparql?query=ASK%20%7B"))


def test_bad_update_get(client):
    assert is_4xx(client.get("/sparql?update=CLEAR%20ALL"))


def test_bad_multiple_updates(client):
    assert is_4xx(client.request("POST", "/sparql", "update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", FORM))


def test_bad_update_wrong_media_type(client):
    assert is_4xx(client.request("POST", "/sparql", "CLEAR NAMED", {"Content-Type": "text/plain"}))


def test_bad_update_missing_form_type(client):
    assert is_4xx(client.request("POST", "/sparql", "update=CLEAR%20NAMED"))


def test_bad_update_non_utf8(client):
    body = "CLEAR NAMED".encode("utf-16")
    assert is_4xx(client.request("POST", "/sparql", body, {"Content-Type": "application/sparql-update; charset=UTF-16"}))


def test_bad_update_syntax(client):
    assert is_4xx(client.request("POST", "/sparql", "update=CLEAR%20XYZ", FORM))


def test_bad_update_dataset_conflict(client):
    text = ("PREFIX foaf: <http://xmlns.com/foaf/0.1/> WITH <http://example/addresses> "
            "DELETE { ?person foaf:givenName 'Bill' } INSERT { ?person foaf:givenName 'William' } "
            "WHERE { ?person foaf:givenName 'Bill' }")
    assert is_4xx(client.request("POST", "/sparql?using-named-graph-uri=http%3A%2F%2Fexample%2Fpeople", text, UPDATE))


# ---------------------------------------------------------------- update cases: refused here (read-only)

UPDATES = {
    "update_dataset_default_graph": ("POST", f"/sparql?using-graph-uri={q(G1)}",
                                     "INSERT { GRAPH <http://example.org/x/> { ?s a ?t } } WHERE { ?s a ?t }", UPDATE),
    "update_dataset_default_graphs": ("POST", f"/sparql?using-graph-uri={q(G1)}&using-graph-uri={q(G2)}",
                                      "DROP ALL", UPDATE),
    "update_dataset_named_graphs": ("POST", f"/sparql?using-named-graph-uri={q(G1)}", "CLEAR ALL", UPDATE),
    "update_dataset_full": ("POST", f"/sparql?using-graph-uri={q(G1)}&using-named-graph-uri={q(G2)}",
                            "DROP ALL ; INSERT DATA { <http://e/s> <http://e/p> 1 }", UPDATE),
    "update_post_form": ("POST", "/sparql", "update=CLEAR+ALL", FORM),
    "update_post_direct": ("POST", "/sparql", "CLEAR ALL", UPDATE),
    "update_base_uri": ("POST", "/sparql", "CLEAR GRAPH <http://example.org/protocol-base-test/> ;\n"
                        "INSERT DATA { GRAPH <http://example.org/protocol-base-test/> { <http://example.org/s> "
                        "<http://example.org/p> <test> } }", UPDATE),
}


@pytest.mark.parametrize("case", sorted(UPDATES))
def test_update_cases_refused_read_only(client, case):
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    before = client.query(count)[2]
    method, path, body, headers = UPDATES[case]
    status, _, text, _ = client.request(method, path, body, headers)
    assert status == 403, text
    assert client.query(count)[2] == before
