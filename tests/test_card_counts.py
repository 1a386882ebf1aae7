"""card.py and counts.py on the fixture and the real project."""

from pathlib import Path

import pytest

from qgraph.ask.card import card, resolve
from qgraph.ask.counts import compute
from qgraph.corpus.loading import load
from qgraph.corpus.store import BACKENDS, open_store
from qgraph.errors import QgraphError


@pytest.fixture(scope="module")
def fixture():
    from conftest import FIXTURE_PROJECT

    loaded = load(FIXTURE_PROJECT)
    return loaded, {b: open_store(loaded, b) for b in BACKENDS}


@pytest.mark.parametrize("name", ["qgid:united-kingdom", "<https://w3id.org/qgraph/id/united-kingdom>",
                                  "United Kingdom", "uk", "UNITED KINGDOM"])
def test_resolve(fixture, name):
    loaded, stores = fixture
    assert str(resolve(loaded, stores["oxigraph"], name)) == "https://w3id.org/qgraph/id/united-kingdom"


def test_unknown_entity_suggests(fixture):
    loaded, stores = fixture
    with pytest.raises(QgraphError, match="did you mean 'Denmark'"):
        resolve(loaded, stores["oxigraph"], "Denmarc")


def test_card_same_on_both_stores(fixture):
    loaded, stores = fixture
    cards = {b: card(loaded, s, "Denmark") for b, s in stores.items()}
    assert cards["oxigraph"] == cards["rdflib"]
    text = cards["oxigraph"]
    assert "types: qg:Nation" in text
    assert "qgid:membership-tiny-forum-denmark org:member" in text  # incoming fact
    assert "[tiny-doc] qgid:tiny-doc-ev-members" in text  # evidence with its document
    assert "The Tiny Forum has two members" in text


def test_counts(fixture):
    loaded, stores = fixture
    a, b = (compute(loaded, s) for s in stores.values())
    assert a.as_dict() == b.as_dict()
    assert a.documents == ["tiny-doc"]
    assert a.classes["qg:Nation"] == 2
    assert (a.with_evidence, a.without_evidence) == (7, 0)
    assert sum(a.triples_by_graph.values()) >= a.triples
    assert a.classes_by_document["qg:Nation"] == {"tiny-doc": 2}


def test_real_counts_by_document(project_root: Path):
    """Evidence coverage counts document graphs only, and classes are broken down by document."""
    loaded = load(project_root)
    s = compute(loaded, open_store(loaded))
    assert s.described > 0 and s.without_evidence == 0
    # nations are named in most documents (not in the G7 vision or the MDQ principles page)
    assert {"qdg-2026-london-summit", "uk-denmark-quantum-mou"} <= set(s.classes_by_document["qg:Nation"])
    assert set(s.classes_by_document["qg:Nation"]) <= set(loaded.documents)
    # one node per nation however many documents name it: the distinct typed nodes of the data files
    nations = {q.subject for f in loaded.data_files for q in loaded.quads_of(f)
               if q.predicate.value.endswith("#type") and q.object.value.endswith("ontology#Nation")}
    assert s.document_classes["qg:Nation"] == len(nations) < sum(s.classes_by_document["qg:Nation"].values())
    # triples: the merge, a triple stated in two documents counted once
    assert s.triples == len({(q.subject, q.predicate, q.object) for q in loaded.quads}) < len(loaded.quads)


def test_real_card(project_root: Path):
    loaded = load(project_root)
    text = card(loaded, open_store(loaded), "qgid:denmark")
    assert "evidence:" in text and "(none)" not in text.split("evidence:")[1]


def test_build_summary_from_the_counts_asked_beside_the_exports(project_root: Path, tmp_path: Path):
    """The build asks the summary's store counts on its checks thread while it writes the
    exports; the summary is the one counted afterwards, and `qgraph stats`'s counts too."""
    from qgraph.ask.counts import store_counts
    from qgraph.pipeline import build, summary

    outcome = build(tmp_path / "dist", root=project_root)
    assert outcome.asked is not None and outcome.written
    merged = store_counts(outcome.store)
    # the triples counted from the exports (an int), the others as the store answers them
    assert outcome.asked.triples == int(merged.triples)
    merged.triples = outcome.asked.triples
    assert outcome.asked == merged
    text = summary(outcome)
    assert compute(outcome.loaded, outcome.store, outcome.asked) == compute(outcome.loaded, outcome.store)
    outcome.asked = None
    assert summary(outcome) == text and "facts with evidence" in text


def test_build_counts_the_distinct_triples_from_its_exports_not_the_view_of_the_union(
        project_root: Path, tmp_path: Path, asked_queries: list[str]):
    """Counting the distinct triples on the store's view of the union (SELECT DISTINCT over
    it) held every distinct triple in a hash set on the checks' thread while the exports were
    largest (1M triples: ~215 MiB at the build's peak): the build takes the number from its
    sorted quads instead, the lines of qgraph.nt, which is what the merged store counts."""
    from qgraph.ask import counts
    from qgraph.pipeline import build

    asked = asked_queries
    outcome = build(tmp_path / "dist", root=project_root)
    assert asked and counts._DISTINCT_TRIPLES not in asked
    lines = (tmp_path / "dist" / "qgraph.nt").read_bytes().count(b"\n")
    distinct = len({(q.subject, q.predicate, q.object) for q in outcome.loaded.quads})
    assert outcome.asked.triples == lines == distinct < len(outcome.loaded.quads)
    assert compute(outcome.loaded, outcome.store, outcome.asked).triples == lines


def test_counts_asked_without_the_triples_ask_them_when_computed(fixture):
    """``store_counts(store, triples=False)`` on a view leaves the count to its caller; compute()
    given such counts asks it (a caller that did not fill it in still gets the right number)."""
    from qgraph.ask.counts import store_counts
    from qgraph.corpus.store import OxigraphStore

    loaded, stores = fixture
    view = OxigraphStore.union_view(loaded.quads, loaded.prefixes)
    asked = store_counts(view, triples=False)
    assert asked.triples is None
    assert compute(loaded, view, asked).triples == compute(loaded, stores["oxigraph"]).triples


def test_build_summary_names_some_documents_graphs_and_warnings_and_counts_the_rest(
        project_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A build of thousands of documents printed every document, graph and warning (2,008
    documents, 2,027 warning lines at a million triples): the summary names the first
    ``SUMMARY_ITEMS`` of each and counts the rest, saying which command lists them all; under
    the limit every one is named, as before."""
    from qgraph import pipeline

    outcome = pipeline.build(tmp_path / "dist", root=project_root)
    full = pipeline.summary(outcome)
    docs = outcome.loaded.documents
    warnings = [p for p in outcome.problems if p.severity == "Warning"]
    assert len(docs) > 3 and len(warnings) > 3
    assert f"documents: {len(docs)} ({', '.join(docs)})\n" in full
    assert all(("  " + p.text() + "\n") in full for p in warnings)
    monkeypatch.setattr(pipeline, "SUMMARY_ITEMS", 3)
    short = pipeline.summary(outcome)
    assert f"documents: {len(docs)} ({', '.join(docs[:3])}, … and {len(docs) - 3} more (qgraph stats lists them))\n" in short
    triples = next(line for line in short.splitlines() if line.startswith("triples: "))
    assert triples.count(",") == 3 and "more (qgraph stats lists them))" in triples
    lines = short.splitlines()
    shown = [line for line in lines if line.startswith("  ") and "Warning" in line]
    assert shown == ["  " + p.text() for p in warnings[:3]]
    assert f"  … and {len(warnings) - 3} more (qgraph validate lists them)" in lines
    assert f"warnings: {len(warnings)} (qgraph validate lists them)" in lines


def test_show_reads_the_union_as_oxigraph_views_it_with_the_same_cards(project_root):
    """``qgraph show`` queries a store without the union copied into its default graph (Oxigraph's
    view of the union repeats a triple stated in two graphs; the card's queries are DISTINCT, ASK
    or grouped without counts): every entity of the corpus gets the card the merged store gives,
    and a name that is unknown or shared gets the same message."""
    from qgraph.ask.card import card
    from qgraph.corpus.loading import load
    from qgraph.corpus.store import OxigraphStore, open_store
    from qgraph.errors import QgraphError

    loaded = load(project_root)
    merged, view = open_store(loaded), OxigraphStore.union_view(loaded.quads, loaded.prefixes)
    entities = sorted({str(r[0]) for r in merged.query(
        "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), STR(qgid:))) }").rows})
    assert len(entities) > 300, len(entities)
    repeated = merged.query("ASK { GRAPH ?a { ?s ?p ?o } GRAPH ?b { ?s ?p ?o } FILTER(?a != ?b) }").boolean
    assert repeated  # the corpus has triples stated in two graphs: the view repeats them
    for iri in entities:
        assert card(loaded, view, f"<{iri}>") == card(loaded, merged, f"<{iri}>"), iri
    for name in ("London", "Denmark", "no such thing", "qgid:nothing-here"):
        got = []
        for store in (merged, view):
            try:
                got.append(card(loaded, store, name))
            except QgraphError as e:
                got.append(f"error: {e}")
        assert got[0] == got[1], name


def test_stats_counts_on_the_union_view_are_the_merged_stores(project_root, clean_corpus):
    """``qgraph stats`` counts on Oxigraph's view of the union (no copy of it): the triples of the
    union counted distinct there, every other count within a graph or of distinct nodes; the same
    Stats as on the merged store, on the corpus (which states triples in several graphs) and on a
    synthetic one."""
    from qgraph.ask.counts import compute
    from qgraph.corpus.loading import load
    from qgraph.corpus.store import OxigraphStore, open_store

    for root in (project_root, clean_corpus):
        loaded = load(root)
        merged, view = open_store(loaded), OxigraphStore.union_view(loaded.quads, loaded.prefixes)
        assert view.repeats_union and not merged.repeats_union
        repeated = view.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0]
        expected = compute(loaded, merged)
        assert int(repeated) > expected.triples  # the view repeats triples: the plain count would be wrong
        assert compute(loaded, view) == expected
