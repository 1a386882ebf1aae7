"""loading.py: one named graph per file; syntax errors as file:line."""

from pathlib import Path

import pytest

from qgraph.corpus.loading import GRAPH_NS, ONTOLOGY_GRAPH, load
from qgraph.errors import QgraphError


def test_fixture_loads_one_graph_per_file(fixture_root: Path):
    loaded = load(fixture_root)
    assert loaded.documents == ["tiny-doc"]
    graphs = {q.graph_name.value for q in loaded.quads}
    assert graphs == {ONTOLOGY_GRAPH, GRAPH_NS + "tiny-doc"}
    assert len(loaded.graph(GRAPH_NS + "tiny-doc")) > 10


def test_real_project_loads(project_root: Path):
    loaded = load(project_root)
    assert loaded.documents, "no data files found in data/"
    assert len(loaded.quads) > 100


def test_malformed_turtle_gives_file_and_line(fixture_root: Path):
    f = fixture_root / "data" / "tiny-doc.ttl"
    lines = f.read_text().splitlines()
    lines[14] = lines[14].replace(" ;", "")  # line 15: drop a ';'
    f.write_text("\n".join(lines) + "\n")
    with pytest.raises(QgraphError) as e:
        load(fixture_root)
    msg = str(e.value)
    assert msg.startswith("data/tiny-doc.ttl:"), msg
    assert int(msg.split(":")[1]) in (15, 16), msg
    assert "\n" not in msg


def test_unknown_prefix_is_named(fixture_root: Path):
    f = fixture_root / "data" / "tiny-doc.ttl"
    f.write_text(f.read_text() + "\nnope:thing a qg:Nation .\n")
    with pytest.raises(QgraphError, match=r"data/tiny-doc\.ttl:\d+: .*nope"):
        load(fixture_root)


def test_missing_ontology_file(fixture_root: Path):
    (fixture_root / "ontology" / "concepts.ttl").unlink()
    with pytest.raises(QgraphError, match="ontology/concepts.ttl: missing"):
        load(fixture_root)


def test_no_data_files_is_an_empty_corpus(fixture_root: Path):
    """A new corpus (``qgraph init``) has no documents yet: it loads, with the ontology only."""
    (fixture_root / "data" / "tiny-doc.ttl").unlink()
    loaded = load(fixture_root)
    assert loaded.documents == [] and loaded.quads


def test_no_data_folder(fixture_root: Path):
    import shutil

    shutil.rmtree(fixture_root / "data")
    with pytest.raises(QgraphError, match="data: no such folder"):
        load(fixture_root)


def test_blank_node_labels_do_not_merge_across_files(fixture_root: Path):
    (fixture_root / "data" / "a-doc.ttl").write_text("_:x <http://ex/p> 1 .\n")
    (fixture_root / "data" / "b-doc.ttl").write_text("_:x <http://ex/p> 2 .\n")
    loaded = load(fixture_root)
    subjects = {q.subject for q in loaded.quads if q.predicate.value == "http://ex/p"}
    assert len(subjects) == 2


def test_one_graph_converts_only_its_files(fixture_root: Path):
    """``Loaded.graph(name)`` converts that graph's files alone (the build's ontology page asked
    for the ontology and got the whole corpus converted to rdflib first), and holds the same
    triples as the whole ``dataset``'s graph of that name."""
    loaded = load(fixture_root)
    onto = loaded.graph(ONTOLOGY_GRAPH)
    assert "dataset" not in loaded.__dict__  # the whole corpus was not converted
    assert len(onto) == sum(f.triples for f in loaded.file_for_graph(ONTOLOGY_GRAPH)) > 10
    doc = loaded.graph(GRAPH_NS + "tiny-doc")
    assert "dataset" not in loaded.__dict__
    for g in (onto, doc):
        assert set(g) == set(loaded.dataset.graph(g.identifier))  # blank nodes keep their labels too


def test_node_files_from_a_store_equal_the_whole_index(project_root: Path):
    """The store-backed lookup (what a validation locates its problems with) gives, for every
    node, the files the pass over every quad gives, in the same order: the ontology's files
    (which share one graph), the enrichment (not in the store), quads left out of the store
    (an ill-typed literal is), blank nodes as objects, a node no file states."""
    import pyoxigraph as ox

    from qgraph.corpus.loading import ENRICHMENT_GRAPH, Loaded

    loaded = load(project_root)  # the same quads (a blank node's id is new on every parse)
    whole = Loaded(loaded.root, loaded.files, loaded.quads, loaded.prefixes, loaded.project).node_files
    assert loaded.documents and len(whole) > 1000
    assert any(f.graph == ENRICHMENT_GRAPH for f in loaded.files), "the enrichment graph is loaded"
    # left out of the store: every quad of one subject of one document (so that the document
    # states it only through those), and one quad with a blank node as object
    doc = loaded.data_files[0]
    quads = loaded.quads_of(doc)
    subject = next(q.subject for q in quads if type(q.subject) is ox.NamedNode
                   and len(whole[q.subject]) == 1)
    blank = next(q for q in quads if type(q.object) is ox.BlankNode)
    left_out = {q for q in quads if q.subject == subject} | {blank}
    store = ox.Store()
    store.bulk_extend([q for q in loaded.quads_except(ENRICHMENT_GRAPH) if q not in left_out])
    loaded.node_files_from(store, left_out)
    lookup = loaded.node_files
    assert not isinstance(lookup, dict), "answered by the store"
    differ = [n for n, files in whole.items()
              if [f.rel for f in lookup.get(n, [])] != [f.rel for f in files]]
    assert differ == []
    assert [f.rel for f in lookup.get(subject)] == [doc.rel]
    assert doc.rel in [f.rel for f in lookup.get(blank.object)]
    enriched = [n for n, files in whole.items() if any(f.graph == ENRICHMENT_GRAPH for f in files)]
    shared = [n for n, files in whole.items() if len(files) > 1]
    assert enriched and shared
    assert lookup.get(ox.NamedNode("https://w3id.org/qgraph/id/no-such-node"), "none") == "none"
    # a store given after the whole index was built changes nothing
    again = load(project_root)
    assert again.node_files
    again.node_files_from(store, left_out)
    assert isinstance(again.node_files, dict)
    # the store given up (the build lets its store go): the whole index again, built when asked;
    # a whole index is kept as it is
    loaded.node_files_unstored()
    assert "node_files" not in loaded.__dict__
    assert isinstance(loaded.node_files, dict) and loaded.node_files.keys() == whole.keys()
    kept = loaded.node_files
    loaded.node_files_unstored()
    assert loaded.node_files is kept


def test_node_files_from_a_store_asks_its_graphs_once(project_root: Path):
    """Which graphs the store stands for is asked once (its named graphs), not by a lookup per
    graph (0.05 s of the edit-check at 1M); the answers stay the whole index's."""
    import pyoxigraph as ox

    from qgraph.corpus.loading import ENRICHMENT_GRAPH, Loaded

    loaded = load(project_root)
    whole = Loaded(loaded.root, loaded.files, loaded.quads, loaded.prefixes, loaded.project).node_files
    store = ox.Store()
    store.bulk_extend(list(loaded.quads_except(ENRICHMENT_GRAPH)))

    class Counting:
        def __init__(self) -> None:
            self.asked: list[str] = []

        def __getattr__(self, name: str):
            self.asked.append(name)
            return getattr(store, name)

    counting = Counting()
    loaded.node_files_from(counting, ())
    assert len(loaded.data_files) > 5
    assert counting.asked == ["named_graphs"]
    lookup = loaded.node_files
    assert [n for n, files in whole.items() if [f.rel for f in lookup.get(n, [])] != [f.rel for f in files]] == []


def test_blank_label_of_a_node_not_loaded_is_none(fixture_root: Path):
    """A blank node that is not one of the loaded quads' (or whose name no parse gives) has no
    label of the exports' (reports then show it as it is)."""
    from rdflib import BNode

    loaded = load(fixture_root)
    assert loaded.blank_label(BNode("not-loaded-here")) is None
    assert loaded.blank_label(BNode("a b")) is None
