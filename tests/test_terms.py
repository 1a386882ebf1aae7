"""terms.py: user-typed terms and the pyoxigraph ⇄ rdflib conversion."""

import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from qgraph.corpus.terms import parse_term, shorten, to_oxigraph, to_rdflib
from qgraph.errors import QgraphError

P = {"qgid": "https://w3id.org/qgraph/id/", "xsd": str(XSD)}


@pytest.mark.parametrize("text,term", [
    ("<https://example.org/x>", URIRef("https://example.org/x")),
    ("qgid:denmark", URIRef("https://w3id.org/qgraph/id/denmark")),
    ('"Denmark"@en', Literal("Denmark", lang="en")),
    ('"5"^^xsd:integer', Literal("5", datatype=XSD.integer)),
    ('"a \\"quoted\\" word"', Literal('a "quoted" word')),
    ("plain text", Literal("plain text")),
])
def test_parse_term(text, term):
    assert parse_term(text, P) == term


def test_unknown_prefix():
    with pytest.raises(QgraphError, match="unknown prefix 'nope'"):
        parse_term("nope:x", P)


@pytest.mark.parametrize("term", [
    URIRef("https://w3id.org/qgraph/id/x"), BNode("b1"), Literal("x"), Literal("x", lang="en"),
    Literal("2026-04-08", datatype=XSD.date),
])
def test_round_trip(term):
    assert to_rdflib(to_oxigraph(term)) == term


def test_shorten():
    assert shorten("https://w3id.org/qgraph/id/denmark", P) == "qgid:denmark"
    assert shorten("https://example.org/a/b", P) == "<https://example.org/a/b>"
