"""The oracle the fast validator is held to: pySHACL's results in the fast validator's terms.

Used by the tests (and the benchmark), never by the product: it moved here from
qgraph.checks.shacl so the package carries no test harness.
"""

from __future__ import annotations

from collections.abc import Iterable

from qgraph.checks.shacl import Result, _nt, path_sparql, shape_key
from qgraph.vocab import SH

# --------------------------------------------------------------------------------------------
# Comparison with pySHACL (the reference)
# --------------------------------------------------------------------------------------------

def pyshacl_results(data_graph, shapes_graph) -> list[Result]:
    """Validate with pySHACL as ``qgraph.checks.validation`` does (no inference, SHACL-AF on) and return
    its results as :class:`Result` (shape keys from :func:`shape_key`, paths as SPARQL text)."""
    import pyshacl
    from rdflib import URIRef

    _, report, _ = pyshacl.validate(data_graph, shacl_graph=shapes_graph, inference="none",
                                    abort_on_first=False, allow_infos=True, allow_warnings=True,
                                    advanced=True, meta_shacl=False, do_owl_imports=False)
    u = lambda local: URIRef(SH + local)  # noqa: E731
    out = set()
    # top-level results only (sh:result of the report), not the nested sh:detail of sh:node
    for r in report.objects(None, u("result")):
        focus = report.value(r, u("focusNode"))
        path = report.value(r, u("resultPath"))
        shape = report.value(r, u("sourceShape"))
        value = report.value(r, u("value"))
        path_text = None
        if path is not None:
            path_text = f"<{path}>" if isinstance(path, URIRef) else path_sparql(report if (path, None, None) in report else shapes_graph, path)
        out.add(Result(_nt_any(focus), path_text, shape_key(shapes_graph, shape),
                       str(report.value(r, u("resultSeverity"))),
                       str(report.value(r, u("sourceConstraintComponent"))),
                       _nt_any(value) if value is not None else None,
                       str(report.value(r, u("resultMessage")) or "")))
    return sorted(out)


def _nt_any(term) -> str:
    from rdflib import BNode

    if isinstance(term, BNode):
        return f"_:{term}"
    return _nt(term)


def canonical_keys(results: Iterable[Result], referrers) -> set[tuple]:
    """``(focus, path, shape, severity)`` with blank-node focus nodes named by what points at
    them: ``referrers(bnode_text)`` → sorted ``[(subject, predicate)]`` as N-Triples text."""
    out = set()
    for r in results:
        focus = r.focus
        if focus.startswith("_:"):
            focus = "[" + " ".join(f"{s} {p}" for s, p in referrers(focus)) + "]"
        out.add((focus, r.path, r.shape, r.severity))
    return out


def oxigraph_referrers(store):
    import pyoxigraph as ox

    def f(bnode_text: str):
        b = ox.BlankNode(bnode_text[2:])
        return sorted({(str(q.subject), str(q.predicate)) for q in store.quads_for_pattern(None, None, b, None)})
    return f


def rdflib_referrers(graph):
    from rdflib import BNode

    def f(bnode_text: str):
        b = BNode(bnode_text[2:])
        return sorted({(_nt_any(s), _nt_any(p)) for s, p in graph.subject_predicates(b)})
    return f
