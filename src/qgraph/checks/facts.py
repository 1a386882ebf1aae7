"""The shipped fact-property check worked out over one graph's quads in Python, for the build's
forked child (:func:`qgraph.pipeline._streamed`), which holds each part of the corpus as quads
and no store.

``queries/checks/fact-property-without-supporting-evidence-violation.rq`` names each fact
``?node ?property ?value`` of a document's graph, on a node with ``qg:evidence`` in that graph,
whose property no ``qg:supports`` of the node's evidence (in that graph) names, bookkeeping
properties left out. Run on the build's store, Oxigraph holds the anti-join's side in memory, a
row per supported fact (1M triples: +148 MiB), beside the JSON-LD pass, the build's highest
point; worked out here, a graph at a time, it holds next to nothing, and its rows go to
:func:`qgraph.ask.catalogue.run_checks` as the validation cache's per-graph rows of a
graph-local check (:func:`qgraph.checks.cache.graph_local`) do. The query stays the check:
this is used only where the project's check is the shipped text (:func:`applies`), and the
tests hold both to the same rows on datasets drawn at random, the check's counter-example and
the cases those do not draw (tests/test_checks.py), and the build to the same problems as the
check asked of the whole store (tests/test_build_child.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from qgraph.vocab import DCTERMS, QG, RDF_TYPE, SKOS

__all__ = ["COLUMNS", "NAME", "applies", "unsupported"]

#: the check's name (its file's stem) and the columns it selects
NAME = "fact-property-without-supporting-evidence-violation"
COLUMNS = ("node", "property", "graph")

_EVIDENCE, _SUPPORTS = QG + "evidence", QG + "supports"
#: the properties the check leaves out (see its comments)
_BOOKKEEPING = frozenset({RDF_TYPE, _EVIDENCE, DCTERMS + "identifier", QG + "copySource", DCTERMS + "license",
                          QG + "licenceStated", SKOS + "editorialNote"})


def applies(text: str) -> bool:
    """Whether ``text`` (a project's check of that name) is the shipped check, which
    :func:`unsupported` answers for."""
    from qgraph.corpus.loading import read_text
    from qgraph.project import resources

    path = resources() / "queries" / "checks" / f"{NAME}.rq"
    return text == read_text(path, str(path))


def unsupported(quads: Iterable[Any]) -> set[tuple[Any, str]]:
    """The check's rows in the graph whose quads (pyoxigraph's) are ``quads``, all of them:
    (node, property IRI) of each fact whose property no evidence of its node supports."""
    import pyoxigraph as ox

    quads = quads if isinstance(quads, list) else list(quads)
    predicates = [q.predicate.value for q in quads]
    evidence_of: dict[Any, list[Any]] = {}
    supports: dict[Any, set[str]] = {}
    for q, p in zip(quads, predicates, strict=True):
        if p == _EVIDENCE:
            evidence_of.setdefault(q.subject, []).append(q.object)
        elif p == _SUPPORTS and isinstance(q.object, ox.NamedNode):  # a literal names no property
            supports.setdefault(q.subject, set()).add(q.object.value)
    if not evidence_of:
        return set()
    supported = {node: set().union(*(supports.get(e, ()) for e in evs)) for node, evs in evidence_of.items()}
    out = set()
    for q, p in zip(quads, predicates, strict=True):
        named = supported.get(q.subject)
        if named is not None and p not in named and p not in _BOOKKEEPING:
            out.add((q.subject, p))
    return out
