"""qgraph's JSON-LD gives exactly PyLD's output, the reference implementation: the files a build
writes (qgraph.publish.jsonld and every framed view, made by qgraph.publish.jsonld.Writer straight from the
quads) are byte for byte PyLD's compaction of the expanded documents (qgraph.publish.jsonld.expanded_nodes,
frame_expanded), and so is the readable reference compactor (compact_document)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from qgraph.corpus.loading import load
from qgraph.publish import jsonld as J
from qgraph.publish.exports import Exporter

import oracles.jsonld_reference as R
from conftest import FIXTURE_PROJECT

ROOT = Path(__file__).resolve().parents[1]


def _pyld_compact(doc, ctx, **options):
    from pyld import jsonld as pyld

    pyld.set_document_loader(J.offline_loader)
    return pyld.compact(doc, ctx, {"documentLoader": J.offline_loader, **options})


def _written(job) -> str:
    buf = io.BytesIO()
    job(buf)
    return buf.getvalue().decode("utf-8")


@pytest.fixture(scope="module", params=[ROOT, FIXTURE_PROJECT], ids=["real", "fixture"])
def exporter(request):
    return Exporter(load(request.param))


def test_main_export_equals_pyld(exporter):
    doc = [{"@id": n, "@graph": R.expanded_nodes(q)} for n, q in exporter.graphs.items()]
    assert doc and any(g["@graph"] for g in doc), "nothing to compact"
    ref = J.dumps(_pyld_compact(doc, exporter.context))
    assert _written(exporter.write_jsonld) == ref
    assert J.dumps(R.compact_document(doc, exporter.context)) == ref


@pytest.mark.parametrize("hub", [J._HUB, 1], ids=["default", "every-node-a-hub"])
@pytest.mark.parametrize("view", sorted(J.FRAMES))
def test_framed_view_equals_pyld(exporter, view, hub, monkeypatch):
    monkeypatch.setattr(J, "_HUB", hub)
    root, reverse = J.FRAMES[view]
    types = sorted(exporter._subclasses(root))
    union = [q for qs in exporter.graphs.values() for q in qs]
    expanded = R.frame_expanded(R.expanded_nodes(union), types, reverse)
    if exporter.loaded.documents != ["tiny-doc"] or view == "agreements":
        assert expanded["@graph"], f"no {view} framed"
    ref = J.dumps(_pyld_compact(expanded, J.frame_context(exporter.context, reverse), graph=True))
    assert _written(Exporter(exporter.loaded).framed_writer(view)) == ref
    assert J.dumps(R.frame(union, exporter.context, types, reverse)) == ref


NASTY = ["plain", 'quote " and \\ backslash', "tab\tnew\nline\rcr\b\f", "\x00\x01\x1f\x7f",
         "é ü 中文 \U0001F600", "\u2028\u2029", "", "a!", "a", "a-b", "</script>"]


def test_json_strings_as_json_dumps_writes_them():
    for s in NASTY:
        assert J._js(s).decode("utf-8") == json.dumps(s, ensure_ascii=False)


def test_edge_cases_equal_pyld():
    """Hand-made quads with what the project data lacks: escapes, non-ASCII, IRIs whose JSON
    order differs from their N-Triples order, blank nodes, mixed values, several graphs."""
    ex = "http://example.org/"
    qg = J.QG
    ctx = {"ex": ex, "qg": qg, "xsd": J.XSD, "label": {"@id": J.RDFS + "label", "@language": "en"},
           "rel": {"@id": qg + "rel", "@type": "@id"}, "when": {"@id": qg + "when", "@type": J.XSD + "date"},
           "Agreement": qg + "Agreement"}
    g1, g2 = ox.NamedNode(ex + "g1"), ox.NamedNode(ex + "g2")
    a, b, c = ox.NamedNode(ex + "a"), ox.NamedNode(ex + "a!"), ox.NamedNode(ex + "a-b")
    bn = ox.BlankNode("x1")
    quads = []
    for g in (g1, g2):
        quads += [ox.Quad(a, ox.NamedNode(J.RDF_TYPE), ox.NamedNode(qg + "Agreement"), g),
                  ox.Quad(a, ox.NamedNode(J.RDF_TYPE), ox.NamedNode(ex + "Thing"), g),
                  ox.Quad(a, ox.NamedNode(qg + "rel"), b, g), ox.Quad(a, ox.NamedNode(qg + "rel"), c, g),
                  ox.Quad(a, ox.NamedNode(qg + "rel"), bn, g), ox.Quad(b, ox.NamedNode(qg + "rel"), a, g),
                  ox.Quad(a, ox.NamedNode(qg + "when"), ox.Literal("2020-01-01", datatype=ox.NamedNode(J.XSD + "date")), g),
                  ox.Quad(a, ox.NamedNode(qg + "when"), ox.Literal("soon"), g),
                  ox.Quad(bn, ox.NamedNode(ex + "p"), ox.Literal("1", datatype=ox.NamedNode(J.XSD + "integer")), g),
                  ox.Quad(bn, ox.NamedNode(ex + "p"), c, g)]
        for i, s in enumerate(NASTY):
            quads.append(ox.Quad(a, ox.NamedNode(J.RDFS + "label"), ox.Literal(s, language="en" if i % 2 else "fr"), g))
            quads.append(ox.Quad(c, ox.NamedNode(ex + "note"), ox.Literal(s), g))
    quads.sort(key=str)
    graphs = {g.value: [q for q in quads if q.graph_name == g] for g in (g1, g2)}
    doc = [{"@id": n, "@graph": R.expanded_nodes(q)} for n, q in graphs.items()]
    buf = io.BytesIO()
    J.Writer(ctx).write_document(buf, graphs.items())
    assert buf.getvalue().decode("utf-8") == J.dumps(_pyld_compact(doc, ctx))

    reverse = {"pointers": qg + "rel"}
    union = list(dict.fromkeys(ox.Quad(q.subject, q.predicate, q.object, g1) for q in quads))
    expanded = R.frame_expanded(R.expanded_nodes(union), [qg + "Agreement"], reverse)
    assert expanded["@graph"]
    w = J.Writer(ctx)
    buf = io.BytesIO()
    w.write_view(buf, w.index(union, {qg + "rel"}), [qg + "Agreement"], reverse)
    assert buf.getvalue().decode("utf-8") == J.dumps(_pyld_compact(expanded, J.frame_context(ctx, reverse), graph=True))


def test_the_framed_views_index_shares_each_layouts_groups_and_keeps_values_flat(exporter):
    """The index of the union's nodes that the framed views read (held through the JSON-LD
    export, the build's highest point) keeps one tuple of groups for every node with the same
    keys, and each node's values as one flat tuple (group index, JSON, target) — not a tuple
    per value and per group: at 1M triples 205 -> 83 MiB, the views byte for byte the same
    (tests above)."""
    writer = J.Writer(exporter.context)
    union = [q for qs in exporter.graphs.values() for q in qs]
    index = writer.index(union, set(J.FRAMES["agreements"][1].values()))
    layouts = list(index.nodes.values())
    assert len(layouts) > 20, "too few nodes to tell"
    by_value: dict[tuple, list[int]] = {}
    for groups, entries in layouts:
        assert type(groups) is tuple and type(entries) is tuple
        assert len(entries) % 3 == 0 and all(type(gi) is int for gi in entries[0::3])
        assert {gi for gi in entries[0::3]} == set(range(len(groups)))  # every group has a value
        by_value.setdefault(groups, []).append(id(groups))
    assert len(by_value) < len(layouts)  # nodes alike in keys exist
    assert all(len(set(ids)) == 1 for ids in by_value.values())  # one tuple kept for each


def test_nodes_alike_in_keys_have_their_groups_worked_out_once(exporter, monkeypatch):
    """A node's groups (its keys sorted, counted, each value's group) depend on its keys' sequence
    alone, which nodes share (1M triples: 183,496 nodes, 209 sequences): worked out once per
    sequence, not per node (the JSON-LD pass ~7 % faster), and with none kept the same layouts."""
    union = [q for qs in exporter.graphs.values() for q in qs]
    reverse = set(J.FRAMES["agreements"][1].values())
    calls: list[str] = []
    real = J.Writer._key_prefix
    monkeypatch.setattr(J.Writer, "_key_prefix", lambda self, key: calls.append(key) or real(self, key))
    index = J.Writer(exporter.context).index(union, reverse)
    nodes = len(index.nodes)
    groups = sum(len(g) for g, _ in index.nodes.values())
    assert nodes > 20, "too few nodes to tell"
    assert len(calls) < groups / 2  # once per sequence of keys (per node, before: one call per group)
    monkeypatch.setattr(J, "_LAYOUTS_KEPT", 0)
    assert J.Writer(exporter.context).index(union, reverse).nodes == index.nodes
