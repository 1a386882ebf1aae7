"""The server's pages read a store whose default graph is Oxigraph's view of the union of the
graphs (``OxigraphStore.union_view``), not a copy of their merge (at 1M triples: ~3.7 s of the
start-up's CPU and ~470 MiB less). That view repeats a triple stated in two graphs, so every
query of the pages has to give the same answer either way: here each view of the explorer
(labels, kinds, network, timeline, map, search, every entity's card, blank nodes and triples,
every document's reading) is compared between the two stores.
"""

from __future__ import annotations

import dataclasses

import pytest

NEEDLES = ("quantum", "uk", "denmark", "a", "synth", "the", "meeting")


def _explorers(root):
    from qgraph.corpus.loading import load
    from qgraph.corpus.store import OxigraphStore, open_store
    from qgraph.web.explorer import Explorer

    loaded = load(root)
    merged = Explorer(loaded, open_store(loaded, "oxigraph"))
    union = Explorer(loaded, OxigraphStore.union_view(loaded.quads, loaded.prefixes))
    return loaded, merged, union


def _repeated(loaded) -> int:
    """How many triples are stated in more than one graph (what the union view repeats)."""
    from collections import Counter

    seen = Counter((q.subject, q.predicate, q.object) for q in set(loaded.quads))
    return sum(1 for n in seen.values() if n > 1)


@pytest.mark.parametrize("which", ["project", "synthetic"])
def test_the_pages_read_the_same_from_the_union_view(which, project_root, clean_corpus):
    from qgraph.web.reading import index_page, page, reading

    root = {"project": project_root, "synthetic": clean_corpus}[which]
    loaded, merged, union = _explorers(root)
    assert union.store.repeats_union and not merged.store.repeats_union
    assert _repeated(loaded) > 0, f"{which}: no triple stated twice, nothing to tell the stores apart"
    for view in ("labels", "types", "network", "timeline", "places", "graphs"):
        assert getattr(union, view) == getattr(merged, view), view
    assert merged.network["links"] and merged.timeline["events"], which
    for needle in NEEDLES:
        assert union.search(needle) == merged.search(needle), needle
    entities = sorted(merged.labels)
    assert len(entities) > 50, which
    for iri in entities:
        want = merged.entity(iri)
        assert want is not None
        got = union.entity(iri)
        assert dataclasses.asdict(got) == dataclasses.asdict(want), iri
        assert union.blanks(iri) == merged.blanks(iri), iri
        assert union.describe(iri) == merged.describe(iri), iri
    assert sorted(loaded.documents)
    for doc_id in sorted(loaded.documents):
        assert dataclasses.asdict(reading(union, doc_id)) == dataclasses.asdict(reading(merged, doc_id)), doc_id
        assert page(union, doc_id) == page(merged, doc_id), doc_id
    assert index_page(union) == index_page(merged)


def test_the_server_reads_its_pages_from_the_union_view(fixture_root):
    from qgraph.web.pool import Limits
    from qgraph.web.server import Running

    with Running(fixture_root, Limits(workers=1)) as running:
        assert running.app.explorer.store.repeats_union


def test_a_document_that_states_no_completeness_is_read_without_one(clean_corpus, project_root):
    """The synthetic documents state no ``qg:textCompleteness``: their reading has none, and the
    documents' index no badge. The completeness's label was asked beside the document's with the
    completeness unbound, so it matched every concept with a label: the reading said "qgraph
    topics" (or another concept, by the store's order)."""
    from qgraph.corpus.loading import load
    from qgraph.corpus.store import open_store
    from qgraph.web.explorer import Explorer
    from qgraph.web.reading import index_page, reading

    loaded = load(clean_corpus)
    x = Explorer(loaded, open_store(loaded, "oxigraph"))
    docs = sorted(loaded.documents)
    assert docs
    for doc_id in docs:
        r = reading(x, doc_id)
        assert (r.completeness, r.completeness_label, r.completeness_definition) == (None, None, None), doc_id
    assert b'class="badge"' not in index_page(x)
    # a document that states one still reads it, with its label
    loaded = load(project_root)
    x = Explorer(loaded, open_store(loaded, "oxigraph"))
    stated = [reading(x, d) for d in sorted(loaded.documents)]
    assert stated and all(r.completeness and r.completeness_label for r in stated)
