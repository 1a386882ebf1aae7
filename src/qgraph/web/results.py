"""Write query results from pyoxigraph terms.

SELECT/ASK: SPARQL 1.1 Query Results JSON, XML, CSV and TSV (ASK in CSV/TSV as one
``_askResult`` column, as Jena and RDF4J write it). CONSTRUCT/DESCRIBE: Turtle, JSON-LD,
N-Triples, N-Quads (pyoxigraph's serializers). The rows are written by qgraph (not by
pyoxigraph's ``QuerySolutions.serialize``) because the endpoint counts them first, to refuse
a result over the cap instead of cutting it silently. The exception is the endpoint's SPARQL
JSON (the format every client asks for): the worker has pyoxigraph write it, and counts the rows
afterwards (:func:`qgraph.web.pool._json_solutions`); the document is the same as
:func:`solutions` writes, without the spaces.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from qgraph.vocab import SPARQL_RESULTS, XSD_STRING

SELECT_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
#: the types offered for SELECT, in the server's order of preference
SELECT_OFFER = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values", "application/json", "application/xml"]
ASK_OFFER = ["application/sparql-results+json", "application/sparql-results+xml", "application/json",
             "application/xml", "text/csv", "text/tab-separated-values"]
GRAPH_TYPES = {"text/turtle": "turtle", "application/ld+json": "jsonld", "application/n-triples": "ntriples",
               "application/n-quads": "nquads", "text/plain": "ntriples"}
GRAPH_OFFER = ["text/turtle", "application/ld+json", "application/n-triples", "application/n-quads", "text/plain"]
#: the W3C's unique IRIs for the result formats (https://www.w3.org/ns/formats/), for the service description
FORMATS_NS = "http://www.w3.org/ns/formats/"
FORMAT_IRIS = {"application/sparql-results+json": FORMATS_NS + "SPARQL_Results_JSON",
               "application/sparql-results+xml": FORMATS_NS + "SPARQL_Results_XML",
               "text/csv": FORMATS_NS + "SPARQL_Results_CSV",
               "text/tab-separated-values": FORMATS_NS + "SPARQL_Results_TSV",
               "text/turtle": FORMATS_NS + "Turtle", "application/ld+json": FORMATS_NS + "JSON-LD",
               "application/n-triples": FORMATS_NS + "N-Triples", "application/n-quads": FORMATS_NS + "N-Quads"}
#: ``?format=`` / ``?output=`` on /sparql (as Fuseki and Virtuoso read them): a name or a media
#: type → the Accept header it stands for (a name may cover the SELECT and the CONSTRUCT type)
FORMAT_NAMES = {
    "json": "application/sparql-results+json, application/ld+json;q=0.9",
    "srj": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "srx": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle", "ttl": "text/turtle",
    "jsonld": "application/ld+json", "json-ld": "application/ld+json",
    "ntriples": "application/n-triples", "nt": "application/n-triples",
    "nquads": "application/n-quads", "nq": "application/n-quads",
}


def format_accept(value: str) -> str | None:
    """The Accept header a ``format``/``output`` parameter stands for; ``None`` if unknown.

    >>> format_accept("csv")
    'text/csv'
    >>> format_accept("text/turtle")
    'text/turtle'
    >>> format_accept("pdf") is None
    True
    """
    v = value.strip().lower()
    if v in FORMAT_NAMES:
        return FORMAT_NAMES[v]
    if v in SELECT_TYPES or v in GRAPH_TYPES:
        return v
    return None


def _json_term(t: Any) -> dict[str, str]:
    import pyoxigraph as ox

    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        d = {"type": "literal", "value": t.value}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype.value != XSD_STRING:
            d["datatype"] = t.datatype.value
        return d
    if isinstance(t, ox.Triple):
        return {"type": "triple", "value": {"subject": _json_term(t.subject),
                                            "predicate": _json_term(t.predicate),
                                            "object": _json_term(t.object)}}
    raise TypeError(f"not an RDF term: {t!r}")


#: characters XML 1.0 cannot carry, even as a character reference (XML 1.0 §2.2)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class NotXml(ValueError):
    """An answer holds a character that XML 1.0 cannot carry: its XML would not be well-formed."""


def _xml_text(s: str) -> str:
    """``s`` as XML character data: a carriage return as ``&#13;`` (a parser reads a raw one as a
    line feed, XML 1.0 §2.11: "a\\rb" came back as "a\\nb"); a character XML cannot carry
    refused (:class:`NotXml`), where it was written raw and the document was not well-formed."""
    bad = _NOT_XML.search(s)
    if bad:
        raise NotXml(f"U+{ord(bad.group()):04X}")
    return escape(s, {"\r": "&#13;"})


def _xml_term(t: Any) -> str:
    import pyoxigraph as ox

    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if isinstance(t, ox.Literal):
        if t.language:
            return f"<literal xml:lang={quoteattr(t.language)}>{_xml_text(t.value)}</literal>"
        if t.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(t.datatype.value)}>{_xml_text(t.value)}</literal>"
        return f"<literal>{_xml_text(t.value)}</literal>"
    if isinstance(t, ox.Triple):
        return (f"<triple><subject>{_xml_term(t.subject)}</subject><predicate>{_xml_term(t.predicate)}"
                f"</predicate><object>{_xml_term(t.object)}</object></triple>")
    raise TypeError(f"not an RDF term: {t!r}")


def _csv_cell(t: Any) -> str:
    import pyoxigraph as ox

    if t is None:
        return ""
    if isinstance(t, ox.BlankNode):
        return f"_:{t.value}"
    if isinstance(t, (ox.NamedNode, ox.Literal)):
        return t.value
    return str(t)


def solutions(fmt: str, variables: list[str], rows: list[list[Any]]) -> bytes:
    """SELECT results (``rows`` of terms or None, in the order of ``variables``)."""
    if fmt == "json":
        bindings = [{v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None} for row in rows]
        return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                          ensure_ascii=False).encode("utf-8")
    if fmt == "xml":
        out = ['<?xml version="1.0" encoding="UTF-8"?>',
               f'<sparql xmlns="{SPARQL_RESULTS}">', "<head>"]
        out += [f"<variable name={quoteattr(v)}/>" for v in variables]
        out += ["</head>", "<results>"]
        for row in rows:
            out.append("<result>" + "".join(
                f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                for v, t in zip(variables, row, strict=True) if t is not None) + "</result>")
        out += ["</results>", "</sparql>"]
        return "\n".join(out).encode("utf-8")
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(variables)
        w.writerows([_csv_cell(t) for t in row] for row in rows)
        return buf.getvalue().encode("utf-8")
    if fmt == "tsv":
        lines = ["\t".join(f"?{v}" for v in variables)]
        lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode("utf-8")
    raise ValueError(f"unknown results format {fmt!r}")


def boolean(fmt: str, value: bool) -> bytes:
    """ASK results."""
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": bool(value)}).encode("utf-8")
    if fmt == "xml":
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="{SPARQL_RESULTS}">'
                f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>").encode("utf-8")
    if fmt == "csv":  # not defined by SPARQL 1.1 CSV/TSV; one column, as Jena and RDF4J answer
        return f"_askResult\r\n{'true' if value else 'false'}\r\n".encode("utf-8")
    if fmt == "tsv":
        return f"?_askResult\n{'true' if value else 'false'}\n".encode("utf-8")
    raise ValueError(f"unknown boolean results format {fmt!r}")


def graph(fmt: str, triples: list[Any], prefixes: dict[str, str] | None = None) -> bytes:
    """CONSTRUCT/DESCRIBE results (or an entity's description) as Turtle, JSON-LD or N-Triples."""
    import pyoxigraph as ox

    if fmt == "turtle":
        return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes or {})
    if fmt == "jsonld":
        return ox.serialize(triples, format=ox.RdfFormat.JSON_LD)
    if fmt == "ntriples":
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    if fmt == "nquads":  # the triples in the default graph
        return ox.serialize([ox.Quad(t.subject, t.predicate, t.object) for t in triples], format=ox.RdfFormat.N_QUADS)
    raise ValueError(f"unknown graph format {fmt!r}")
