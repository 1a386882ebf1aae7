"""qgraph's own JSON-LD compaction (qgraph.jsonld.compact_document) gives exactly PyLD's output,
the reference implementation, for the main export and every framed view."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURE_PROJECT

from qgraph import jsonld as J
from qgraph.exports import Exporter
from qgraph.loading import load

ROOT = Path(__file__).resolve().parents[1]


def _pyld_compact(doc, ctx, **options):
    from pyld import jsonld as pyld

    pyld.set_document_loader(J.offline_loader)
    return pyld.compact(doc, ctx, {"documentLoader": J.offline_loader, **options})


@pytest.fixture(scope="module", params=[ROOT, FIXTURE_PROJECT], ids=["real", "fixture"])
def exporter(request):
    return Exporter(load(request.param))


def test_main_export_equals_pyld(exporter):
    doc = [{"@id": n, "@graph": J.expanded_nodes(t)} for n, t in sorted(exporter.graphs.items())]
    assert doc and any(g["@graph"] for g in doc), "nothing to compact"
    ours = J.compact_document(doc, exporter.context)
    assert J.dumps(ours) == J.dumps(_pyld_compact(doc, exporter.context))


@pytest.mark.parametrize("view", sorted(J.FRAMES))
def test_framed_view_equals_pyld(exporter, view, monkeypatch):
    root, reverse = J.FRAMES[view]
    triples = [t for ts in exporter.graphs.values() for t in ts]
    seen = {}
    real = J.compact_document

    def capture(doc, ctx):
        seen["doc"], seen["ctx"] = doc, ctx
        return real(doc, ctx)

    monkeypatch.setattr(J, "compact_document", capture)
    ours = J.frame(triples, exporter.context, [root], reverse)
    ref = _pyld_compact(seen["doc"], seen["ctx"], graph=True)
    assert J.dumps(ours) == J.dumps(ref)
