"""The build's child reads the files itself, a part at a time (qgraph.pipeline._streamed), and
gives what the in-process steps give on the loaded corpus: the evidence check of its half of
the files, the term checks, the summary's per-document counts and the exports' blank-node
relabelling. It is forked before the corpus is loaded, so that it shares none of the parent's
quads (each process touching every quad's object made every page of them a copy in both)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qgraph import pipeline


def _in_process(root: Path) -> tuple:
    """What the child's calls give, made on the loaded corpus in this process."""
    from qgraph.ask import counts
    from qgraph.checks import evidence, vocabulary
    from qgraph.corpus.loading import load
    from qgraph.publish.exports import relabelled

    loaded = load(root)
    theirs = pipeline._theirs(evidence.to_check(loaded), True)
    return (loaded, evidence.entries(loaded, theirs), vocabulary.check(loaded), counts.document_counts(loaded),
            relabelled(loaded))


def _streamed(root: Path) -> tuple:
    """The child's values, its calls run in this process."""
    from qgraph.project import Project

    first, then = pipeline._streamed(Project.at(root), None)
    read, entries = first()
    return (read, entries, *(get() for get in then))


@pytest.mark.parametrize("part", [pipeline.PART_TRIPLES, 150])
@pytest.mark.parametrize("which", ["synth", "project"])
def test_child_gives_what_the_loaded_corpus_gives(which: str, part: int, synth_corpus: Path, project_root: Path,
                                                  monkeypatch: pytest.MonkeyPatch):
    """A corpus with planted faults (evidence, terms) and the real one (blank nodes in its
    documents), in one part and in many (none splitting a graph)."""
    root = synth_corpus if which == "synth" else project_root
    monkeypatch.setattr(pipeline, "PART_TRIPLES", part)
    loaded, entries, terms, coverage, relabel = _in_process(root)
    read, got_entries, got_terms, got_relabel, got_local = _streamed(root)
    assert len(loaded.data_files) >= 4 and relabel.positions  # blank nodes to relabel
    assert read == [(f.rel, f.triples) for f in loaded.files]
    assert got_entries == entries and entries
    problems, kept, hits, misses, got_coverage = got_terms
    assert problems == terms and (terms or which == "project")
    assert (kept, hits, misses) == ({}, 0, 0)
    assert got_coverage == coverage and coverage.described
    assert got_relabel == relabel
    assert got_local is None  # no validation cache: no keys for the graph-local rows


def test_child_refuses_a_file_changed_since_the_cache_scanned_it(clean_corpus: Path):
    from qgraph.checks.cache import Cache
    from qgraph.errors import QgraphError
    from qgraph.project import Project

    project = Project.at(clean_corpus)
    cache = Cache(project, lambda line: None)
    cache.load()
    cache.scan()
    memo = cache.memo()
    data = sorted((clean_corpus / "data").glob("*.ttl"))[-1]
    data.write_text(data.read_text() + "\n# edited\n")
    first, _ = pipeline._streamed(project, memo)
    with pytest.raises(QgraphError, match="changed since the cache's scan"):
        first()


class _Child:
    """A stand-in for the child (qgraph.forked.Forked) that gives ``values``."""

    def __init__(self, *values: object) -> None:
        self.values = list(values)
        self.closed = False

    def result(self) -> object:
        return self.values.pop(0)

    later = result

    def close(self) -> None:
        self.closed = True


def test_values_of_a_child_that_read_other_files_are_not_used(clean_corpus: Path):
    """A child that read other files than the load (or failed): everything checked here."""
    from qgraph.checks import evidence
    from qgraph.corpus.loading import load

    loaded = load(clean_corpus)
    todo = evidence.to_check(loaded)
    mine = evidence.entries(loaded, pipeline._mine(todo, True))
    theirs = evidence.entries(loaded, pipeline._theirs(todo, True))
    assert mine and theirs
    read = [(f.rel, f.triples) for f in loaded.files]
    whole = evidence.check(loaded)
    for first in (None, (read[:-1], theirs), ([(r, n + 1) for r, n in read], theirs), (read, {})):
        child = _Child(first, "terms", "relabel", "local")
        ev, got, prepared, local = pipeline._streamed_values(child, loaded, None, mine, pipeline._theirs(todo, True))
        assert child.closed and (got, prepared, local) == (None, None, None)
        assert (ev.passages, ev.passages_found, ev.problems) == (whole.passages, whole.passages_found, whole.problems)
    child = _Child((read, theirs), "terms", "relabel", "local")
    ev, got, prepared, local = pipeline._streamed_values(child, loaded, None, mine, pipeline._theirs(todo, True))
    assert not child.closed and (got, prepared, local) == ("terms", "relabel", "local")
    assert (ev.passages, ev.problems) == (whole.passages, whole.problems)


def test_build_forks_its_child_before_the_corpus_loads(clean_corpus: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch):
    """Forked after the load, the child shared the parent's quads: at 1M triples the build's
    processes held 1,540–1,595 MiB together (resident sizes summed) while it ran beside SHACL's
    store filling, against ~1,150 with the child forked first."""
    from qgraph.corpus import loading
    from qgraph.forked import Forked

    events: list[str] = []
    real_load = loading.load

    def load(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        events.append("load")
        return real_load(*args, **kwargs)

    class Recorded(Forked):
        def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
            events.append("fork")
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(loading, "load", load)
    monkeypatch.setattr(pipeline, "Forked", Recorded)
    parent = os.getpid()
    outcome = pipeline.build(tmp_path / "dist", clean_corpus)
    assert os.getpid() == parent and outcome.conforms
    assert "load" in events and "fork" in events[:events.index("load")]
    assert "fork" not in events[events.index("load"):]  # no child forked once the quads are held
    assert outcome.coverage is not None and outcome.coverage.described  # counted by the child


def _fact_property_text() -> str:
    from qgraph.checks import facts
    from qgraph.project import resources

    return (resources() / "queries" / "checks" / f"{facts.NAME}.rq").read_text(encoding="utf-8")


def test_build_takes_the_fact_property_rows_from_its_child(clean_corpus: Path, tmp_path: Path,
                                                          asked_queries: list[str]):
    """With the validation cache, the build's child works the fact-property check out a part at a
    time, and the store is not asked it: at 1M triples, asked of the store, the check held its
    anti-join's side (+148 MiB) beside the JSON-LD pass, the build's highest point."""
    outcome = pipeline.build(tmp_path / "dist", clean_corpus, cache=True)
    assert outcome.conforms and len(asked_queries) >= 10, "the other checks and the counts were asked of the store"
    assert _fact_property_text() not in asked_queries


def test_fact_property_problems_are_those_of_the_query(clean_corpus: Path, tmp_path: Path,
                                                       request: pytest.FixtureRequest):
    """Unsupported facts on an IRI (its rows from the child) and on a blank node (a graph left to
    the parent, which asks the check of that graph alone): the build names what the check asked
    of the whole store names, file and line included."""
    from qgraph.checks import facts

    data = sorted((clean_corpus / "data").glob("*.ttl"))
    assert len(data) >= 2
    ev = {}
    for f in data[:2]:
        text = f.read_text(encoding="utf-8")
        ev[f] = next(line.split()[0] for line in text.splitlines() if line.startswith("qgid:") and "-ev-" in line)
    data[0].write_text(data[0].read_text() + f"\nqgid:unsupported-node qg:evidence {ev[data[0]]} ; "
                       'rdfs:comment "no passage says so"@en .\n', encoding="utf-8")
    data[1].write_text(data[1].read_text() + f'\n[] qg:evidence {ev[data[1]]} ; rdfs:comment "nor here"@en .\n',
                       encoding="utf-8")
    expected = [p for p in pipeline.check(clean_corpus).problems if p.shape == f"check:{facts.NAME}"]
    assert len(expected) == 2
    asked = request.getfixturevalue("asked_queries")  # from here on
    with pytest.raises(pipeline.NonConformant) as refused:
        pipeline.build(tmp_path / "dist", clean_corpus, cache=True)
    got = [p for p in refused.value.problems if p.shape == expected[0].shape]
    assert got == expected
    assert asked.count(_fact_property_text()) == 1  # the blank node's graph, on a store of its own


def test_rows_from_elsewhere_are_used_only_under_the_key_computed_here(clean_corpus: Path):
    """run_checks takes a graph's rows given (the child's) only where their key, made of the
    check's text and the graph's files' content hashes, is the one made here; else it asks."""
    from qgraph.ask import catalogue
    from qgraph.checks import facts
    from qgraph.checks.cache import Cache, combine
    from qgraph.corpus.loading import load
    from qgraph.corpus.store import open_store
    from qgraph.project import Project

    project = Project.at(clean_corpus)
    cache = Cache(project, lambda line: None)
    cache.load()
    cache.scan()
    loaded = load(project)
    store = open_store(loaded)
    entry = next(e for e in catalogue.checks(project) if e.name == facts.NAME)
    f = loaded.data_files[0]
    made_up = [list(facts.COLUMNS), [[["u", "https://w3id.org/qgraph/id/made-up"], ["u", "urn:p"], ["u", f.graph]]]]
    for key, used in ((catalogue.graph_local_key(cache.memo(), combine(entry.text), f.graph, [f]), True),
                      ("another key", False)):
        problems = catalogue.run_checks(loaded, store, cache.memo(), local={facts.NAME: {f.graph: [key, made_up]}})
        assert any("made-up" in p.message for p in problems) is used


def test_a_corpus_own_fact_property_check_is_asked_of_the_store(clean_corpus: Path, tmp_path: Path,
                                                                asked_queries: list[str]):
    """The child answers for the shipped check's text alone: a corpus's own version of it (here
    with one more comment line) is asked of the store, as any check of the corpus's own."""
    from qgraph.checks import facts

    own = _fact_property_text() + "# the corpus's own copy\n"
    (clean_corpus / "queries" / "checks").mkdir(parents=True, exist_ok=True)
    (clean_corpus / "queries" / "checks" / f"{facts.NAME}.rq").write_text(own, encoding="utf-8")
    assert pipeline.build(tmp_path / "dist", clean_corpus, cache=True).conforms
    assert own in asked_queries and _fact_property_text() not in asked_queries
