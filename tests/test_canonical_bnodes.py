"""Canonical blank-node labels in bounded work (issue 13, finding 13).

A blank-node chain 500 deep took 10-28 s to export and 5,000 deep never finished; an rdf:List of
1,000 identical items took 38 s: every such structure went to rdflib's canonicaliser, whose time
grows exponentially with look-alike blank nodes. Now trees (all that Turtle's ``[ … ]`` and
``( … )`` write) are labelled by construction (linear: a hash per node bottom-up, a label per node
top-down) and never reach the canonicaliser (asserted: it is replaced by a function that fails);
other structures reach it only up to ``MAX_SYMMETRIC_BNODES`` blank nodes and are refused above.
No timings are asserted.
"""

from __future__ import annotations

import random

import pyoxigraph as ox
import pytest

from qgraph.corpus.loading import load
from qgraph.errors import QgraphError
from qgraph.publish import exports

from conftest import FIXTURE_PROJECT

G = ox.NamedNode("https://w3id.org/qgraph/graph/tiny-doc")
P = ox.NamedNode("https://w3id.org/qgraph/ontology#p")
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
ANCHOR = ox.NamedNode("https://w3id.org/qgraph/id/anchor")


def chain(n: int) -> list:
    return [ox.Quad(ANCHOR, P, ox.BlankNode("b0"), G)] + [
        ox.Quad(ox.BlankNode(f"b{i}"), P, ox.BlankNode(f"b{i + 1}"), G) for i in range(n)]


def rdf_list(n: int) -> list:
    first, rest, nil = ox.NamedNode(RDF + "first"), ox.NamedNode(RDF + "rest"), ox.NamedNode(RDF + "nil")
    quads = [ox.Quad(ANCHOR, P, ox.BlankNode("l0"), G)]
    for i in range(n):
        quads.append(ox.Quad(ox.BlankNode(f"l{i}"), first, ox.Literal("same item"), G))
        quads.append(ox.Quad(ox.BlankNode(f"l{i}"), rest, ox.BlankNode(f"l{i + 1}") if i < n - 1 else nil, G))
    return quads


def ring(n: int, name: str = "r") -> list:
    return [ox.Quad(ox.BlankNode(f"{name}{i}"), P, ox.BlankNode(f"{name}{(i + 1) % n}"), G) for i in range(n)]


def relabelled(quads: list, seed: int) -> list:
    """The same graph with other blank-node labels, in another order (as another parse gives it)."""
    rnd = random.Random(seed)
    names: dict = {}

    def term(t):
        if type(t) is ox.BlankNode:
            names.setdefault(t, ox.BlankNode(f"x{rnd.randrange(10**9)}n{len(names)}"))
            return names[t]
        return t

    out = [ox.Quad(term(q.subject), q.predicate, term(q.object), q.graph_name) for q in quads]
    rnd.shuffle(out)
    return out


def _isomorphic(a: list, b: list) -> bool:
    from rdflib import Graph
    from rdflib.compare import isomorphic

    from qgraph.corpus.terms import to_rdflib

    graphs = []
    for quads in (a, b):
        g = Graph()
        for q in quads:
            g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
        graphs.append(g)
    return isomorphic(*graphs)


@pytest.fixture
def no_canonicaliser(monkeypatch):
    """rdflib's canonicaliser replaced by a failure: what passes never used it."""
    import rdflib.compare

    def refuse(*args, **kwargs):
        raise AssertionError("rdflib's canonicaliser was called")

    monkeypatch.setattr(rdflib.compare, "to_canonical_graph", refuse)


@pytest.mark.parametrize("make,n", [(chain, 5000), (rdf_list, 1000)], ids=["chain-5000", "list-1000"])
def test_trees_are_labelled_without_the_canonicaliser(no_canonicaliser, make, n):
    """Regression: these went to rdflib's canonicaliser (minutes, or never finished)."""
    quads = make(n)
    a = exports._relabel(relabelled(quads, 1), "t")
    b = exports._relabel(relabelled(quads, 2), "t")
    assert sorted(map(str, a)) == sorted(map(str, b))  # the same labels whatever the parse
    blanks = {t for q in quads for t in (q.subject, q.object) if type(t) is ox.BlankNode}
    assert len({t for q in a for t in (q.subject, q.object) if type(t) is ox.BlankNode}) == len(blanks)
    assert len(set(a)) == len(set(quads))


@pytest.mark.parametrize("make", [lambda: chain(60), lambda: rdf_list(40), lambda: ring(12),
                                  lambda: ring(8) + ring(8, "s"),
                                  lambda: chain(30) + [ox.Quad(ANCHOR, P, ox.BlankNode("c"), G),
                                                       ox.Quad(ox.BlankNode("c"), P, ox.BlankNode("b3"), G)]],
                         ids=["chain", "list", "ring", "two-identical-rings", "shared-node"])
def test_labels_are_canonical_and_keep_the_graph(make):
    quads = make()
    a = exports._relabel(relabelled(quads, 3), "t")
    b = exports._relabel(relabelled(quads, 4), "t")
    assert sorted(map(str, a)) == sorted(map(str, b))
    assert _isomorphic(a, quads)


def test_large_symmetric_structure_is_refused_with_its_limit(tmp_path):
    """A cycle of look-alike blank nodes above the limit: one clear error naming the file and
    the limit, nothing written (it used to go to the canonicaliser, without bound)."""
    loaded = load(FIXTURE_PROJECT)
    n = exports.MAX_SYMMETRIC_BNODES + 1
    loaded.quads = loaded.quads + ring(n)
    out = tmp_path / "dist"
    with pytest.raises(QgraphError) as e:
        exports.write_atomically(exports.Exporter(loaded).jobs(out))
    message = str(e.value)
    assert message.startswith("data/tiny-doc.ttl: ") and "\n" not in message
    assert f"{n} blank nodes" in message and f"up to {exports.MAX_SYMMETRIC_BNODES} blank nodes" in message
    assert not out.exists() or not any(out.rglob("*"))


def test_deep_chain_exports_every_format(tmp_path, no_canonicaliser):
    """A chain 5,000 deep in a document graph: every export written, every triple in it."""
    loaded = load(FIXTURE_PROJECT)
    before = len(set(loaded.quads))
    loaded.quads = loaded.quads + chain(5000)
    out = tmp_path / "dist"
    written = exports.write_atomically(exports.Exporter(loaded).jobs(out))
    assert len(written) == len(exports.FORMATS) + 1 + len(list((out / "framed").glob("*.jsonld"))) + 3  # + void.ttl, ontology.html, shapes.ttl
    lines = (out / "qgraph.nq").read_text(encoding="utf-8").splitlines()
    assert len(lines) == before + 5001
