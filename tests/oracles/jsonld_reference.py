"""The reference JSON-LD the fast writer is held to (tests only).

expanded_nodes + compact_document (qgraph.publish.jsonld._Compactor, checked against PyLD) give the
document :class:`qgraph.publish.jsonld.Writer` must write byte for byte; frame_expanded + frame the
framed views. Moved here from the package, which carries no test oracle.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from qgraph.publish.jsonld import (
    _NO_EMBED,
    EVIDENCE,
    MAX_DEPTH,
    RDF_TYPE,
    _Compactor,
    _ident,
    _value_key,
    expanded_value,
    frame_context,
)


def expanded_nodes(triples: Iterable[Any]) -> list[dict[str, Any]]:
    """Expanded JSON-LD node objects for pyoxigraph triples (or quads: the graph is ignored),
    sorted by ``@id``, each value once, values sorted by their JSON text (what PyLD's
    ``from_rdf`` gives, without its quadratic N-Quads parser). The reference for
    :class:`Writer`."""
    import pyoxigraph as ox

    nodes: dict[str, dict[str, Any]] = {}
    for t in triples:
        sid = _ident(t.subject)
        node = nodes.setdefault(sid, {"@id": sid})
        p, o = t.predicate.value, t.object
        if p == RDF_TYPE and type(o) is not ox.Literal:
            values = node.setdefault("@type", [])
            v: Any = _ident(o)
        else:
            values = node.setdefault(p, [])
            v = expanded_value(o)
        if v not in values:
            values.append(v)
    for node in nodes.values():
        for _key, values in node.items():
            if isinstance(values, list):
                values.sort(key=_value_key)
    return [nodes[k] for k in sorted(nodes)]


def compact_document(doc: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    """``doc`` (a list of graph objects, or ``{"@graph": [...]}``) compacted with ``ctx``:
    ``{"@context": ctx, "@graph": [...]}``, as PyLD's ``compact`` gives it."""
    c = _Compactor(ctx)
    items = doc["@graph"] if isinstance(doc, dict) else doc
    return {"@context": ctx, "@graph": [c.node(n) for n in items]}


def compact(graphs: dict[str, Iterable[Any]], ctx: dict[str, Any]) -> dict[str, Any]:
    """The dataset (graph IRI → pyoxigraph triples; named graphs kept) compacted with ``ctx``
    (the reference for :meth:`Writer.write_document`)."""
    doc = [{"@id": name, "@graph": expanded_nodes(triples)} for name, triples in sorted(graphs.items())]
    return compact_document(doc, ctx)


def frame_expanded(nodes: list[dict[str, Any]], root_types: list[str],
                   reverse: dict[str, str]) -> dict[str, Any]:
    """The framed document in expanded form (``{"@graph": [tree, ...]}``) for the expanded
    ``nodes`` of a graph: see :func:`frame`."""
    index = {n["@id"]: n for n in nodes}
    pointing: dict[tuple[str, str], list[str]] = {}
    for nid, n in index.items():
        for prop in reverse.values():
            for v in n.get(prop, []):
                if "@id" in v:
                    pointing.setdefault((v["@id"], prop), []).append(nid)

    def embed(nid: str, seen: set[str], depth: int = 0, own: bool = False) -> dict[str, Any]:
        seen.add(nid)
        node = index.get(nid, {"@id": nid})
        out: dict[str, Any] = {}
        for key in sorted(node):
            values = node[key]
            if key.startswith("@"):
                out[key] = values
                continue
            if key == EVIDENCE and not own:
                continue  # a shared node's passages come from every document: not this tree's
            deeper = depth < MAX_DEPTH and key not in _NO_EMBED
            out[key] = [embed(v["@id"], seen, depth + 1) if deeper and set(v) == {"@id"} and v["@id"] in index
                        and v["@id"] not in seen else v for v in values]
        return out

    wanted = set(root_types)
    roots = []
    for nid in sorted(index):
        if not wanted.intersection(index[nid].get("@type", [])):
            continue
        seen: set[str] = set()
        tree = embed(nid, seen, own=True)
        rev = {}
        for prop in sorted(set(reverse.values())):
            kids = sorted(pointing.get((nid, prop), []))
            if kids:
                rev[prop] = [embed(k, seen, 1, own=True) if k not in seen else {"@id": k} for k in kids]
        if rev:
            tree["@reverse"] = rev
        roots.append(tree)
    return {"@graph": roots}


def frame(triples: Iterable[Any], ctx: dict[str, Any], root_types: list[str],
          reverse: dict[str, str]) -> dict[str, Any]:
    """The graph (pyoxigraph triples) as one tree per node of ``root_types``: each tree nests
    the nodes its root refers to, two levels deep (each node embedded at its first place in
    the tree, referred to by ``@id`` after that; never through ``oa:hasSource``) and, under
    the ``reverse`` terms, the nodes that point at the root. ``qg:evidence`` is kept on the
    root and on those ``reverse`` nodes only (see :data:`EVIDENCE`).

    This is the shape JSON-LD framing with ``@embed: @once`` and ``@reverse`` gives, built
    directly (PyLD's framing takes seconds per view on a few thousand triples) and then
    compacted (:func:`compact_document`). The reference for :meth:`Writer.write_view`.
    """
    doc = frame_expanded(expanded_nodes(triples), root_types, reverse)
    return compact_document(doc, frame_context(ctx, reverse))


