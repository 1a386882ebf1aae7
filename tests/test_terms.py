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


def _forms(datatype: str) -> list[str]:
    if datatype == "integer":
        return ["0", "1", "-1", "42", "01", "+1", "-0", "00", "123456789012345678901234567890", " 1", "1 ", "1.0",
                "", "1_000", "1e3", "٣", "x"]
    return ["2011-07-02", "2011-7-2", "2011-07-02Z", "2011-07-02+01:00", "0001-01-01", "9999-12-31", "2011-02-29",
            "2012-02-29", "-0044-03-15", "20110702", "2011-07-02T00:00:00", "12011-07-02", "2011-13-01", "0000-01-01",
            " 2011-07-02", "2011-07-0２", ""]


@pytest.mark.parametrize("datatype", ["integer", "date"])
def test_forms_taken_as_rdflib_writes_them_are_so(datatype: str):
    """``as_rdflib_writes`` says a lexical form is rdflib's normal form only where it is (rdflib
    is then not imported to show it); on the other forms rdflib is asked."""
    from qgraph.corpus.terms import as_rdflib_writes

    forms = _forms(datatype)
    taken = [f for f in forms if as_rdflib_writes(f, str(XSD) + datatype)]
    assert 2 < len(taken) < len(forms) - 5, taken
    for form in taken:
        assert str(Literal(form, datatype=XSD[datatype])) == form, form


def _ox_terms() -> list:
    import pyoxigraph as ox

    def typed(lex: str, dt: str) -> ox.Literal:
        return ox.Literal(lex, datatype=ox.NamedNode(dt))

    return [ox.NamedNode("https://w3id.org/qgraph/id/denmark"), ox.NamedNode("https://example.org/a/b"),
            ox.BlankNode("b1"), ox.Literal("x"), ox.Literal('a "quoted"\nword'), ox.Literal("x", language="en-gb"),
            *[typed(f, str(XSD) + dt) for dt in ("integer", "date") for f in _forms(dt)],
            typed("1.50", str(XSD.decimal)), typed("1", str(XSD.boolean)), typed("2011-07-02T10:00:00", str(XSD.dateTime)),
            typed("x", str(XSD.string)), typed("x", "https://example.org/custom")]


def test_a_pyoxigraph_term_is_shown_and_kept_as_its_rdflib_term_is():
    """What a report shows of a pyoxigraph term (``display``), the cache keeps of it (``cell``)
    and reads back (``own_term``) are what they are of the rdflib term it converts to: the
    validation after an edit works on pyoxigraph's terms, the uncached one did on rdflib's."""
    from qgraph.checks.cache import cell, own_term, term
    from qgraph.corpus.terms import display, from_ntriples, is_blank, is_iri, lexical, text_of

    terms = _ox_terms()
    assert len(terms) > 40
    for t in terms:
        r = to_rdflib(t)
        assert display(t, P) == display(r, P), t
        assert cell(t) == cell(r), t
        assert display(own_term(cell(t)), P) == display(term(cell(r)), P), t
        assert (is_iri(t), is_blank(t), text_of(t)) == (is_iri(r), is_blank(r), str(r)), t
        assert to_rdflib(from_ntriples(str(t))) == r, t
        if hasattr(t, "language"):
            assert lexical(t) == str(r), t


def test_an_nt_iri_with_escapes_reads_as_rdflib_reads_it():
    from rdflib.util import from_n3

    from qgraph.corpus.terms import from_ntriples

    for text in ("<https://example.org/caf\\u00E9>", '"caf\\u00E9"@fr', '"tab\\there"', '"5"^^<http://www.w3.org/2001/XMLSchema#integer>'):
        assert to_rdflib(from_ntriples(text)) == from_n3(text), text
