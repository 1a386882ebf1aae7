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
