"""The dataset's description and the ontology, served: ``/.well-known/void`` and ``/ontology``.

The same bytes ``qgraph build`` writes into ``dist/`` (``void.ttl``, ``ontology.html``), made
from the loaded project once and kept (the graph does not change while the server runs); other
formats by ``Accept`` or ``?format=``.
"""

from __future__ import annotations

import threading
from typing import Any

from qgraph.vocab import ONTOLOGY_GRAPH

#: media type → (format name of qgraph.web.results.graph, Content-Type sent)
RDF_OFFER = {"text/turtle": ("turtle", "text/turtle; charset=utf-8"),
             "application/ld+json": ("jsonld", "application/ld+json"),
             "application/n-triples": ("ntriples", "application/n-triples")}
_LOCK = threading.Lock()


def _memo(loaded: Any, key: str, make: Any) -> Any:
    """``make(loaded)`` once per loaded project (kept on it: ``Loaded`` is not hashable)."""
    slot = "_web_" + key
    with _LOCK:
        if slot not in loaded.__dict__:
            loaded.__dict__[slot] = make(loaded)
        return loaded.__dict__[slot]


FORMAT_PARAM = {"turtle": "text/turtle", "ttl": "text/turtle", "jsonld": "application/ld+json",
                "json-ld": "application/ld+json", "ntriples": "application/n-triples", "nt": "application/n-triples",
                "html": "text/html"}


def void_triples(loaded: Any) -> list[Any]:
    from qgraph.publish.dataset import describe

    return _memo(loaded, "void_triples", describe)


def void_turtle(loaded: Any) -> bytes:
    from qgraph.publish.dataset import turtle

    return _memo(loaded, "void_turtle", turtle)


def ontology_html(loaded: Any) -> bytes:
    from qgraph.publish.ontology_doc import render

    return _memo(loaded, "ontology_html", render)


def ontology_triples(loaded: Any) -> list[Any]:
    import pyoxigraph as ox

    return _memo(loaded, "ontology_triples", lambda lo: sorted(
        {ox.Triple(q.subject, q.predicate, q.object) for q in lo.quads if q.graph_name.value == ONTOLOGY_GRAPH},
        key=str))


def choose_format(accept: str | None, fmt: str, html: bool) -> str | None:
    """The media type to answer with (``None``: nothing acceptable; ``""``: unknown ``fmt``)."""
    from qgraph.web.negotiation import choose

    if fmt:
        media = FORMAT_PARAM.get(fmt.lower(), "")
        return "" if (not media or (media == "text/html" and not html)) else media
    offer = (["text/html"] if html else []) + list(RDF_OFFER)
    return choose(accept, offer)


def rdf_body(media: str, triples: list[Any], prefixes: dict[str, str], turtle: bytes | None = None) -> tuple[str, bytes]:
    from qgraph.web import results

    kind, ctype = RDF_OFFER[media]
    if kind == "turtle" and turtle is not None:
        return ctype, turtle
    return ctype, results.graph(kind, triples, prefixes)


def context(loaded: Any) -> dict[str, Any]:
    """The project's JSON-LD context (as ``dist/context.jsonld``), made once."""
    from qgraph.publish.jsonld import make_context

    def make(lo: Any) -> dict[str, Any]:
        onto = sorted((q for q in lo.quads if q.graph_name.value == ONTOLOGY_GRAPH), key=str)
        return make_context(onto, lo.prefixes)

    return _memo(loaded, "context", make)


def compact_jsonld(loaded: Any, triples: list[Any]) -> bytes:
    """``triples`` as a JSON-LD document compacted with the project's context (embedded, so a
    reader fetches nothing): keys read ``"label"``, ``"memberOf"``, as in ``dist/qgraph.jsonld``."""
    import io

    import pyoxigraph as ox

    from qgraph.publish.jsonld import Writer, _plain, _stream

    ctx = context(loaded)
    quads = sorted((ox.Quad(t.subject, t.predicate, t.object) for t in triples),
                   key=lambda q: (str(q.subject), str(q.predicate), str(q.object)))
    buf = io.BytesIO()
    _stream(buf, ctx, (_plain(layout, 2) for _, layout, _, _ in Writer(ctx).layouts(quads)))
    return buf.getvalue()


def alternates(path: str, offer: dict[str, str]) -> str:
    """A ``Link`` header naming each other representation of ``path`` (``rel="alternate"``)."""
    sep = "&" if "?" in path else "?"
    return ", ".join(f'<{path}{sep}format={name}>; rel="alternate"; type="{media}"' for name, media in offer.items())
