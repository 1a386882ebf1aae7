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


@pytest.mark.parametrize("iri,shown", [
    ("https://ex.org/a/b/c", "long:c"),            # the longest namespace that fits
    ("https://ex.org/a/x/y", "<https://ex.org/a/x/y>"),  # no namespace leaves a plain local part
    ("https://ex.org/a/c-d.e_f", "short:c-d.e_f"),  # word characters, hyphens and dots
    ("https://ex.org/a/é", "short:é"),
    ("https://ex.org/a/c.", "<https://ex.org/a/c.>"),  # a local part cannot end with a dot
    ("https://ex.org/a/", "short:"),
    ("https://ex.org/a/b/c d", "<https://ex.org/a/b/c d>"),
])
def test_shorten_picks_the_longest_namespace_the_local_part_fits(iri, shown):
    prefixes = {"short": "https://ex.org/a/", "long": "https://ex.org/a/b/", "same": "https://ex.org/a/b/",
                "other": "https://other.org/"}
    assert shorten(iri, prefixes) == shown  # of two as long ("long", "same"), the first
