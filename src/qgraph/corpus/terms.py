"""RDF terms: conversion between pyoxigraph and rdflib, and terms typed by a user.

A user names a term as an IRI in angle brackets (``<https://…>``), a prefixed name
(``qgid:denmark``), a Turtle-style literal (``"Denmark"@en``, ``"5"^^xsd:integer``) or plain
text (a plain literal).

>>> from rdflib import URIRef, Literal
>>> parse_term("qgid:denmark", {"qgid": "https://w3id.org/qgraph/id/"})
rdflib.term.URIRef('https://w3id.org/qgraph/id/denmark')
>>> parse_term('"Denmark"@en', {})
rdflib.term.Literal('Denmark', lang='en')
>>> parse_term("Denmark", {})
rdflib.term.Literal('Denmark')
"""

from __future__ import annotations

import re
import sys
from typing import Any

from qgraph.errors import QgraphError
from qgraph.vocab import XSD, XSD_STRING

#: the local part :func:`shorten` writes after a prefix (compiled once: ``re.fullmatch`` with the
#: pattern's text looked it up in re's cache at each call, and a validation that locates many
#: results compiles enough other patterns to push it out)
_LOCAL = re.compile(r"[\w\-.]*")
_PNAME = re.compile(r"^([A-Za-z][\w.-]*)?:([\w\-.%:]*)$")
_LITERAL = re.compile(r'^"(?P<v>(?:[^"\\]|\\.)*)"(?:@(?P<lang>[A-Za-z]+(?:-[A-Za-z0-9]+)*)|\^\^(?P<dt><[^>]*>|\S+))?$', re.S)


def expand(name: str, prefixes: dict[str, str]) -> str | None:
    """The IRI of ``<iri>`` or ``prefix:local`` (``None`` if it is neither)."""
    if name.startswith("<") and name.endswith(">") and len(name) > 2:
        return name[1:-1]
    m = _PNAME.match(name)
    if m and (m.group(1) or "") in prefixes and "://" not in name:
        return prefixes[m.group(1) or ""] + m.group(2)
    if re.match(r"^(https?|urn|file):\S+$", name):
        return name
    return None


def checked_iri(iri: str, said: str) -> str:
    """``iri`` if it is an absolute IRI (RFC 3987, as pyoxigraph checks it); otherwise a
    one-line :class:`QgraphError` naming what the user wrote (``said``).

    >>> checked_iri("https://w3id.org/qgraph/id/x", "qgid:x")
    'https://w3id.org/qgraph/id/x'
    >>> checked_iri("http://a b", "<http://a b>")
    Traceback (most recent call last):
    qgraph.errors.QgraphError: '<http://a b>' is not a valid IRI (Invalid IRI code point ' ')
    """
    import pyoxigraph as ox

    try:
        ox.NamedNode(iri)
    except ValueError as e:
        raise QgraphError(f"{said!r} is not a valid IRI ({' '.join(str(e).split()) or 'malformed'})") from None
    return iri


def parse_term(text: str, prefixes: dict[str, str]) -> Any:
    """An rdflib term from what a user typed (see the module doc); a malformed IRI is a
    :class:`QgraphError`."""
    from rdflib import Literal, URIRef

    text = text.strip()
    iri = expand(text, prefixes)
    if iri is not None:
        return URIRef(checked_iri(iri, text))
    m = _LITERAL.match(text)
    if m:
        value = re.sub(r'\\(["\\])', r"\1", m.group("v"))
        if m.group("lang"):
            return Literal(value, lang=m.group("lang"))
        if m.group("dt"):
            dt = expand(m.group("dt"), prefixes)
            if dt is None:
                raise QgraphError(f"unknown datatype {m.group('dt')!r} in {text!r}")
            return Literal(value, datatype=URIRef(checked_iri(dt, m.group("dt"))))
        return Literal(value)
    m = _PNAME.match(text)
    if m and m.group(1) and not m.group(2).startswith("//"):
        raise QgraphError(f"unknown prefix {m.group(1)!r} in {text!r} (known: {', '.join(sorted(prefixes))})")
    if text.startswith(("<", '"', "_:", "?", "$")):  # meant as a term, and not one: not taken as text
        raise QgraphError(f"{text!r} is not a term: an IRI is <…> or prefix:name, a literal \"…\" (with @lang "
                          "or ^^datatype), and plain text a plain literal; blank nodes and variables cannot be given")
    return Literal(text)


def to_rdflib(term: Any) -> Any:
    """The rdflib term for a pyoxigraph term (``None`` stays ``None``).

    A literal typed ``xsd:string`` becomes rdflib's plain literal, as rdflib's own parser makes it.
    """
    if term is None:
        return None
    kinds = _KINDS or _kinds()
    kind = kinds.get(type(term))
    if kind is None:
        raise QgraphError(f"unsupported RDF term {term!r}")
    return kind(term)


#: pyoxigraph term type -> its conversion to rdflib (filled on first use: neither library is
#: imported before; a query's rows convert each term with one lookup, 0.35 -> 0.2 s for 100,000)
_KINDS: dict[type, Any] = {}


def _kinds() -> dict[type, Any]:
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    datatypes: dict[str, Any] = {}

    def literal(term: Any) -> Any:
        lang = term.language
        if lang:
            return Literal(term.value, lang=lang)
        dt = term.datatype.value
        if dt == XSD_STRING:
            return Literal(term.value)
        iri = datatypes.get(dt)
        if iri is None:
            iri = datatypes[dt] = URIRef(dt)
        return Literal(term.value, datatype=iri)

    _KINDS.update({ox.NamedNode: lambda t: URIRef(t.value), ox.BlankNode: lambda t: BNode(t.value),
                   ox.Literal: literal})
    return _KINDS


def to_oxigraph(term: Any) -> Any:
    """The pyoxigraph term for an rdflib term (a pyoxigraph term is given back as it is)."""
    import pyoxigraph as ox

    if type(term) in (ox.NamedNode, ox.BlankNode, ox.Literal):
        return term
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise QgraphError(f"unsupported RDF term {term!r}")


def shorten(iri: str, prefixes: dict[str, str]) -> str:
    """``prefix:local`` for an IRI under a known namespace (longest match), else ``<iri>``.

    >>> shorten("https://w3id.org/qgraph/id/denmark", {"qgid": "https://w3id.org/qgraph/id/"})
    'qgid:denmark'
    """
    if not iri.endswith("."):
        best, size = None, -1
        for p, ns in prefixes.items():  # the longest namespace; of two as long, the first
            if len(ns) > size and iri.startswith(ns) and _LOCAL.fullmatch(iri, len(ns)):
                best, size = p, len(ns)
        if best is not None:
            return f"{best}:{iri[size:]}"
    return f"<{iri}>"


def display(term: Any, prefixes: dict[str, str]) -> str:
    """A short, readable form of an rdflib or pyoxigraph term for tables and cards (a literal:
    its lexical form, as rdflib normalises it)."""
    import pyoxigraph as ox

    if term is None:
        return ""
    kind = type(term)
    if kind is ox.NamedNode:
        return shorten(term.value, prefixes)
    if kind is ox.BlankNode:
        return f"_:{term.value}"
    if kind is ox.Literal:
        return lexical(term)
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return shorten(str(term), prefixes)
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        return str(term)
    return str(term)


def is_iri(term: Any) -> bool:
    """Whether ``term`` is an IRI: a pyoxigraph ``NamedNode`` or an rdflib ``URIRef`` (rdflib is
    not imported to ask: a term of it exists only once it is)."""
    import pyoxigraph as ox

    if type(term) is ox.NamedNode:
        return True
    rdflib = sys.modules.get("rdflib")
    return rdflib is not None and isinstance(term, rdflib.URIRef)


def is_blank(term: Any) -> bool:
    """Whether ``term`` is a blank node (pyoxigraph's or rdflib's; see :func:`is_iri`)."""
    import pyoxigraph as ox

    if type(term) is ox.BlankNode:
        return True
    rdflib = sys.modules.get("rdflib")
    return rdflib is not None and isinstance(term, rdflib.BNode)


def text_of(term: Any) -> str:
    """The IRI of an IRI, the id of a blank node, the lexical form of a literal (:func:`lexical`),
    as ``str`` gives them of an rdflib term, of a pyoxigraph term too."""
    import pyoxigraph as ox

    kind = type(term)
    if kind is ox.Literal:
        return lexical(term)
    return term.value if kind in (ox.NamedNode, ox.BlankNode) else str(term)


def from_ntriples(text: str) -> Any:
    """The pyoxigraph term written ``text`` in N-Triples (an IRI, a blank node or a literal)."""
    import pyoxigraph as ox

    if text.startswith("_:"):
        return ox.BlankNode(text[2:])
    if text.startswith("<") and text.endswith(">") and "\\" not in text:
        return ox.NamedNode(text[1:-1])
    quad = next(iter(ox.parse(f"<urn:x-qgraph:s> <urn:x-qgraph:p> {text} .".encode(), ox.RdfFormat.N_TRIPLES)))
    return quad.object


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INTEGER = re.compile(r"0|-?[1-9][0-9]*")


def lexical(literal: Any) -> str:
    """The lexical form of a pyoxigraph literal as rdflib shows the same literal: normalised
    for a typed one ("01"^^xsd:integer: "1"). Without importing rdflib where that is the
    lexical form as it is: a string, a literal with a language, an ``xsd:integer`` or an
    ``xsd:date`` (a valid day) written as rdflib writes them (:func:`as_rdflib_writes`)."""
    if literal.language:
        return literal.value
    dt, lex = literal.datatype.value, literal.value
    if dt == XSD_STRING or as_rdflib_writes(lex, dt):
        return lex
    return str(to_rdflib(literal))


def as_rdflib_writes(lex: str, datatype: str) -> bool:
    """Whether rdflib's normal form of the literal ``lex`` typed ``datatype`` is ``lex`` itself,
    decided without rdflib for ``xsd:integer`` and ``xsd:date``; ``False`` when not known (the
    caller then asks rdflib). tests/test_terms.py holds it to rdflib on many forms."""
    if datatype == XSD + "integer":
        return _INTEGER.fullmatch(lex) is not None
    if datatype == XSD + "date" and _DATE.fullmatch(lex):
        import datetime

        try:
            return datetime.date.fromisoformat(lex).isoformat() == lex
        except ValueError:
            return False
    return False
