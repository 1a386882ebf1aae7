"""Stable names for blank nodes: a label made from what is around each one in its graph, the same
at every parse (a parse names blank nodes at random). The exports write these labels
(:mod:`qgraph.publish.exports`: building twice gives byte-identical files), reports name blank
nodes by them (:meth:`qgraph.corpus.loading.Loaded.blank_label`), and the validation cache compares
two versions of a file through them (:func:`qgraph.pipeline._changed_triples`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from qgraph.errors import QgraphError


def named_triples(triples: Iterable[tuple], tag: str, where: str | None = None) -> set[tuple]:
    """The ``(subject, predicate, object)`` triples of one graph (pyoxigraph terms), their blank
    nodes named by what is around them (:func:`_relabel`, as the exports name them), where a
    parse names them anew: two versions of a file compare equal where their structures are the
    same. Raises :class:`QgraphError` where :func:`_relabel` refuses a structure."""
    import pyoxigraph as ox

    blank = ox.BlankNode
    graph = ox.NamedNode("urn:x-qgraph:named")
    out, touching = set(), []
    for t in triples:
        if type(t[0]) is blank or type(t[2]) is blank:
            touching.append(ox.Quad(t[0], t[1], t[2], graph))
        else:
            out.add(t)
    if touching:
        out |= {(q.subject, q.predicate, q.object) for q in _relabel(touching, tag, where)}
    return out


def _label(tag: str, signature: str) -> str:
    """``b`` + hex: a label every N-Quads/JSON-LD parser accepts, distinct per graph ``tag``."""
    return "b" + hashlib.sha256(f"{tag}\n{signature}".encode()).hexdigest()[:24]


#: the largest blank-node structure that is neither a tree nor told apart by its statements
#: (a cycle or a shared node of look-alike blank nodes) canonicalised by rdflib's canonicaliser,
#: whose time grows exponentially with such structures; a larger one is refused (give the
#: nodes IRIs). Trees of any size (Turtle's ``[ … ]`` and ``( … )``) never need it.
MAX_SYMMETRIC_BNODES = 16
_REFINE_ROUNDS = 8  # rounds of hash refinement for a structure that is not a tree


def _digest(parts: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()


def _relabel(quads: list[Any], tag: str, where: str | None = None, names_out: dict | None = None) -> list[Any]:
    """The quads of one graph that touch a blank node, with blank-node labels that depend only
    on the graph's content, in time linear in its size.

    The blank-to-blank statements split the blank nodes into connected structures. A structure
    that is a tree (each blank node the object of at most one blank node's statement, no cycle:
    everything Turtle's ``[ … ]`` and ``( … )`` write, chains and lists of any length) is
    labelled by construction: a hash of each node's subtree (bottom-up), then a label from its
    parent's label, the predicate, that hash and its rank among siblings with the same hash
    (top-down). Siblings with the same hash are interchangeable with everything under them, so
    the rank given to each does not change the output. Any other structure is refined by hashes
    of all that is below and above each node when it has no cycle, then by hashes of its
    neighbours (:data:`_REFINE_ROUNDS` rounds); if its blank nodes still look alike,
    rdflib's canonicaliser labels it when it has at most :data:`MAX_SYMMETRIC_BNODES` blank
    nodes, and the export is refused (:class:`QgraphError`) when it has more. Identical
    structures are ranked the same way as identical siblings."""
    import pyoxigraph as ox

    bnode = ox.BlankNode
    quads = list(dict.fromkeys(quads))  # each statement once
    static: dict[Any, list[str]] = {}  # blank node -> its statements with no other blank node
    out_links: dict[Any, list[tuple[str, Any]]] = {}  # blank node -> [(predicate, blank object)]
    in_links: dict[Any, list[tuple[str, Any]]] = {}  # blank node -> [(predicate, blank subject)]
    for q in quads:
        s, o = q.subject, q.object
        p = str(q.predicate)
        if type(s) is bnode:
            static.setdefault(s, [])
            if type(o) is bnode:
                out_links.setdefault(s, []).append((p, o))
                in_links.setdefault(o, []).append((p, s))
            else:
                static[s].append(f">{p} {o}")
        if type(o) is bnode:
            static.setdefault(o, [])
            if type(s) is not bnode:
                static[o].append(f"<{p} {s}")
    # connected structures (iterative: a chain may be thousands deep)
    component: dict[Any, int] = {}
    members: list[list[Any]] = []
    for start in static:
        if start in component:
            continue
        k = len(members)
        members.append([])
        component[start] = k
        todo = [start]
        while todo:
            b = todo.pop()
            members[k].append(b)
            for _, n in out_links.get(b, []) + in_links.get(b, []):
                if n not in component:
                    component[n] = k
                    todo.append(n)
    labels: dict[Any, str] = {}  # blank node -> its signature within its structure
    signature: list[str] = []  # structure -> a hash of its content
    canonical: dict[int, list[Any]] = {}  # structure -> its triples from rdflib's canonicaliser
    for k, nodes in enumerate(members):
        sig = _tree_labels(nodes, static, out_links, in_links)
        if sig is None:
            sig = _graph_labels(nodes, static, out_links, in_links, quads, tag, where)
        if sig is None:
            inside = set(nodes)
            canonical[k] = _canonical_triples([q for q in quads if q.subject in inside or q.object in inside])
            signature.append(_digest([" ".join(t.n3() for t in triple) for triple in canonical[k]]))
            continue
        labels.update(sig)
        signature.append(_digest(list(sig.values())))
    rank: dict[int, int] = {}  # identical structures: interchangeable, ranked in any order
    seen: dict[str, int] = {}
    for k, sig_k in enumerate(signature):
        rank[k] = seen.get(sig_k, 0)
        seen[sig_k] = rank[k] + 1
    names = {b: bnode(_label(tag, f"{signature[component[b]]} {rank[component[b]]} {labels[b]}"))
             for b in static if component[b] not in canonical}
    if names_out is not None:  # each blank node's new name (those rdflib's canonicaliser names left out)
        names_out.update(names)

    def named(q: Any) -> bool:
        b = q.subject if type(q.subject) is bnode else q.object
        return type(b) is not bnode or component[b] not in canonical

    out = [ox.Quad(names.get(q.subject, q.subject), q.predicate, names.get(q.object, q.object), q.graph_name)
           for q in quads if named(q)]
    if canonical:
        from rdflib import BNode

        from qgraph.corpus.terms import to_oxigraph

        def term(t: Any, prefix: str) -> Any:
            return bnode(_label(tag, f"{prefix} {t}")) if isinstance(t, BNode) else to_oxigraph(t)

        graph = quads[0].graph_name
        for k, triples in sorted(canonical.items()):
            prefix = f"{signature[k]} {rank[k]}"
            out.extend(ox.Quad(term(s, prefix), term(p, prefix), term(o, prefix), graph) for s, p, o in triples)
    return out


def _canonical_triples(quads: list[Any]) -> list[Any]:
    """The triples of one small blank-node structure relabelled by rdflib's canonicaliser."""
    from rdflib import Graph
    from rdflib.compare import to_canonical_graph

    from qgraph.corpus.terms import to_rdflib

    g = Graph()
    for q in quads:
        g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return sorted(to_canonical_graph(g))


def _tree_labels(nodes: list[Any], static: dict, out_links: dict, in_links: dict) -> dict[Any, str] | None:
    """Labels for a structure that is a tree (``None`` if it is not one): see :func:`_relabel`."""
    roots = [b for b in nodes if b not in in_links]
    if len(roots) != 1 or any(len(in_links[b]) > 1 for b in nodes if b in in_links):
        return None
    order: list[Any] = []  # parents before children
    todo = [roots[0]]
    while todo:
        b = todo.pop()
        order.append(b)
        todo.extend(n for _, n in out_links.get(b, ()))
    if len(order) != len(nodes):  # a cycle hanging off the root
        return None
    down: dict[Any, str] = {}
    for b in reversed(order):  # children first
        down[b] = _digest(static[b] + [f">{p} {down[n]}" for p, n in out_links.get(b, ())])
    label = {roots[0]: down[roots[0]]}
    for b in order:
        ranks: dict[tuple[str, str], int] = {}
        for p, n in sorted(out_links.get(b, ()), key=lambda pn: (pn[0], down[pn[1]])):
            k = ranks.get((p, down[n]), 0)
            ranks[(p, down[n])] = k + 1
            label[n] = hashlib.sha256(f"{label[b]}\n{p}\n{down[n]}\n{k}".encode()).hexdigest()
    return label


def _topological(nodes: list[Any], out_links: dict, in_links: dict) -> list[Any] | None:
    """The nodes with every node after the nodes pointing at it (``None`` if there is a cycle)."""
    waiting = {b: len(in_links.get(b, ())) for b in nodes}
    ready = [b for b, k in waiting.items() if k == 0]
    order = []
    while ready:
        b = ready.pop()
        order.append(b)
        for _, n in out_links.get(b, ()):
            waiting[n] -= 1
            if waiting[n] == 0:
                ready.append(n)
    return order if len(order) == len(nodes) else None


def _graph_labels(nodes: list[Any], static: dict, out_links: dict, in_links: dict, quads: list[Any],
                  tag: str, where: str | None) -> dict[Any, str] | None:
    """Labels for a structure that is not a tree: refined hashes; ``None`` when a small
    structure needs rdflib's canonicaliser; refused when a larger one would (see :func:`_relabel`)."""
    sig = {b: _digest(static[b]) for b in nodes}
    order = _topological(nodes, out_links, in_links)
    if order is not None:  # acyclic (shared nodes): hashes of all that is below and above each node
        down: dict[Any, str] = {}
        for b in reversed(order):
            down[b] = _digest(static[b] + [f">{p} {down[n]}" for p, n in out_links.get(b, ())])
        up: dict[Any, str] = {}
        for b in order:
            up[b] = _digest(static[b] + [f"<{p} {up[n]}" for p, n in in_links.get(b, ())])
        sig = {b: _digest([down[b], up[b]]) for b in nodes}
    for _ in range(_REFINE_ROUNDS):
        distinct = len(set(sig.values()))
        sig = {b: _digest(static[b] + [f">{p} {sig[n]}" for p, n in out_links.get(b, ())]
                          + [f"<{p} {sig[n]}" for p, n in in_links.get(b, ())]) for b in nodes}
        if len(set(sig.values())) == len(nodes) or len(set(sig.values())) == distinct:
            break
    if len(set(sig.values())) == len(nodes):
        return sig
    if len(nodes) > MAX_SYMMETRIC_BNODES:
        raise QgraphError(
            f"{where or tag}: {len(nodes)} blank nodes form a structure that is neither a tree nor told "
            f"apart by their statements (a cycle or a node shared by look-alike blank nodes); a canonical "
            f"export handles such structures up to {MAX_SYMMETRIC_BNODES} blank nodes: give these nodes IRIs")
    return None  # small and symmetric: rdflib's canonicaliser (see _relabel)
