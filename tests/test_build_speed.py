"""What the build does for speed, each with its result held to the plain way of getting it:
the summary's per-document counts counted in the term checks' child process (and counted in
process when the child fails), and the ``qgraph build`` process ending without the interpreter's teardown once
everything is written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def corpus(clean_corpus: Path) -> Path:
    return clean_corpus


def _pids(path: Path) -> list[int]:
    return [int(line.split()[0]) for line in path.read_text().splitlines()] if path.exists() else []


def _record(monkeypatch: pytest.MonkeyPatch, owner: object, name: str, where: Path, what=None):  # noqa: ANN001, ANN202
    """``owner.name`` replaced by a call that first appends the calling process's pid (and
    ``what(*args)``) as a line to ``where``; the replacement."""
    real = getattr(owner, name)

    def recorded(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        with where.open("a") as fh:
            fh.write(f"{os.getpid()}{' ' + what(*args) if what else ''}\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, recorded)
    return recorded


def test_summary_counts_are_counted_in_a_child_and_in_process_when_it_fails(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from qgraph.ask import counts
    from qgraph.corpus.loading import load
    from qgraph.pipeline import build, summary

    expected = counts.document_counts(load(corpus))
    assert expected.described and expected.by_document
    parent = os.getpid()
    where = tmp_path / "counted-by"
    recorded = _record(monkeypatch, counts.DocumentCounter, "add", where)
    from qgraph.checks import vocabulary

    checked_by = tmp_path / "checked-by"
    real_terms = vocabulary.check
    _record(monkeypatch, vocabulary, "check", checked_by)
    outcome = build(tmp_path / "one", corpus)
    assert outcome.coverage == expected
    assert _pids(where) and parent not in _pids(where)  # counted in a child, and only there
    # in the child of the term checks (ended once SHACL's store is filled, before the query
    # store is completed and the exports begin): no child of its own beside the store and the
    # exports, the build's largest moment (1M triples: the build's processes' peak 2.45 -> 1.81 GiB)
    assert _pids(where) == _pids(checked_by)
    monkeypatch.setattr(vocabulary, "check", real_terms)
    text = summary(outcome, tmp_path / "one")

    def failing_in_the_child(self, loaded):  # noqa: ANN001, ANN202
        if os.getpid() != parent:
            raise MemoryError
        return recorded(self, loaded)

    where.unlink()
    monkeypatch.setattr(counts.DocumentCounter, "add", failing_in_the_child)
    outcome = build(tmp_path / "one", corpus)
    assert outcome.coverage is None  # the child failed: summary() counts
    assert summary(outcome, tmp_path / "one") == text
    assert _pids(where) == [parent]


def test_build_process_ends_without_teardown_once_written(corpus: Path, tmp_path: Path, cli_env: dict):
    """A ``qgraph build`` that succeeds ends its process at once (no interpreter teardown: no
    atexit handler runs) with its summary and every file written; a refused one ends as usual."""
    script = ("import atexit, sys\n"
              "atexit.register(lambda: sys.stderr.write('teardown\\n'))\n"
              "from qgraph.cli import main\n"
              "sys.exit(main())\n")
    out = tmp_path / "dist"
    r = subprocess.run([sys.executable, "-c", script, "build", "--root", str(corpus), "--out", str(out)],
                       capture_output=True, text=True, env=cli_env)
    assert r.returncode == 0, r.stderr
    assert "teardown" not in r.stderr
    assert "wrote 13 files to" in r.stdout and r.stdout.endswith("\n")
    assert len([p for p in out.rglob("*") if p.is_file()]) == 13
    data = sorted((corpus / "data").glob("*.ttl"))[0]
    data.write_text(data.read_text() + "\n<https://w3id.org/qgraph/id/x> a <https://w3id.org/qgraph/ontology#Nation> .\n")
    r = subprocess.run([sys.executable, "-c", script, "build", "--root", str(corpus), "--out", str(tmp_path / "no")],
                       capture_output=True, text=True, env=cli_env)
    assert r.returncode == 1, r.stderr
    assert "teardown" in r.stderr and not (tmp_path / "no").exists()


def test_store_union_graph_is_copied_by_oxigraph_the_same_graph(monkeypatch: pytest.MonkeyPatch):
    """The query store's default graph (the merge of every graph: each triple once, blank nodes
    included) is filled by one SPARQL update inside Oxigraph, not by a Python Quad per quad."""
    import pyoxigraph as ox

    from qgraph.corpus.store import OxigraphStore

    g1, g2 = ox.NamedNode("https://example.org/g1"), ox.NamedNode("https://example.org/g2")
    s, p = ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p")
    b = ox.BlankNode("b1")
    quads = [ox.Quad(s, p, ox.Literal("x"), g1), ox.Quad(s, p, ox.Literal("x"), g2),  # one triple, two graphs
             ox.Quad(s, p, b, g1), ox.Quad(b, p, ox.Literal("y", language="en"), g2)]
    expected = {(q.subject, q.predicate, q.object) for q in quads}

    def no_quad_from_python(*args: object) -> object:
        raise AssertionError("a Python Quad made per quad")

    monkeypatch.setattr(ox, "Quad", no_quad_from_python)
    store = OxigraphStore(quads, {})
    monkeypatch.undo()
    union = list(store._store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    assert len(union) == 3 and {(q.subject, q.predicate, q.object) for q in union} == expected
    assert len(store._store) == 7  # the four quads in their graphs and the three triples
    r = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(r.rows[0][0]) == 3


def test_sorted_quads_keep_each_graphs_positions_as_machine_integers(corpus: Path):
    """The export's sort keeps each graph's positions in an ``array`` (no int object per quad),
    and each graph's quads are still its own, in N-Quads order."""
    from array import array

    from qgraph.corpus.loading import load
    from qgraph.publish.exports import Exporter

    loaded = load(corpus)
    exporter = Exporter(loaded)
    s = exporter._sorted
    assert s.by_graph and all(type(v) is array and v.typecode == "q" for v in s.by_graph.values())
    assert sum(len(v) for v in s.by_graph.values()) == len(s.quads)
    for name, quads in exporter.graphs.items():
        assert quads and all(q.graph_name.value == name for q in quads)
        lines = [str(q) for q in quads]
        assert lines == sorted(lines)


def test_build_completes_the_query_store_on_the_checks_thread(corpus: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch):
    """The build's query store is completed on the checks' thread, so the exports begin at once
    (1M triples: 23.8 -> 22.1 s), its default graph read as the view of the union (no copy of
    the merge: 1M triples, 2.2 s and ~470 MiB less). Once the checks and the summary's counts
    are asked of it, the settled outcome's store is all that holds it (not the index of where
    nodes are written), and it makes the merge when first queried; that thread gives the
    allocator's free pages back."""
    import threading

    from qgraph import pipeline
    from qgraph.corpus import store as store_module

    real, real_return = store_module.open_store, store_module.return_freed_memory
    made: list[tuple[str, object]] = []
    returned: list[str] = []

    def recorded(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        made.append((threading.current_thread().name, real(*args, **kwargs)))
        return made[-1][1]

    def recorded_return() -> None:
        returned.append(threading.current_thread().name)
        real_return()

    monkeypatch.setattr(store_module, "open_store", recorded)
    monkeypatch.setattr(store_module, "return_freed_memory", recorded_return)
    outcome = pipeline.build(tmp_path / "dist", corpus)
    assert [name for name, _ in made] == ["qgraph-checks"]
    view = made[0][1]
    assert outcome.conforms and view.repeats_union  # the checks and counts were asked of the view
    assert "qgraph-checks" in returned  # free pages given back on that thread
    assert "node_files" not in outcome.loaded.__dict__  # not held by the index of where nodes are
    assert outcome.store.query("ASK { ?s ?p ?o }").boolean  # the default graph holds the union
    assert len(made) == 1 and not view.repeats_union  # the merge made in the same store, once queried


def test_a_build_whose_checks_find_a_violation_keeps_its_store(corpus: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch):
    """A check's violation ends the build with nothing written: its store is not let go (the
    outcome with the report may be asked of)."""
    from qgraph import pipeline
    from qgraph.corpus import store as store_module

    check = corpus / "queries" / "checks" / "any-nation-violation.rq"
    check.parent.mkdir(parents=True, exist_ok=True)
    check.write_text("# Every nation is reported (a check that fires).\n"
                     "SELECT ?n WHERE { ?n a <https://w3id.org/qgraph/ontology#Nation> }\n", encoding="utf-8")

    real = store_module.open_store
    made: list[object] = []

    def recorded(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(store_module, "open_store", recorded)
    with pytest.raises(pipeline.NonConformant) as failed:
        pipeline.build(tmp_path / "dist", corpus)
    assert [p for p in failed.value.problems if p.shape == "check:any-nation-violation"]
    assert len(made) == 1 and made[0]._store is not None
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize("command", [["show", "qgid:united-kingdom"], ["stats"], ["query", "qdg-members"]])
def test_reading_commands_end_without_teardown_once_written(command: list[str], corpus: Path, cli_env: dict):
    """``qgraph show``, ``stats`` and ``query`` end their process once their answer is written
    (freeing the corpus one object at a time took ~1 s of each at 1M triples), with the same
    answer as in process; a mistake (an unknown entity) ends as usual, with its message."""
    script = ("import atexit, sys\n"
              "atexit.register(lambda: sys.stderr.write('teardown\\n'))\n"
              "from qgraph.cli import main\n"
              "sys.exit(main())\n")
    r = subprocess.run([sys.executable, "-c", script, *command, "--root", str(corpus)],
                       capture_output=True, text=True, env=cli_env)
    assert r.returncode == 0, r.stderr
    assert "teardown" not in r.stderr and r.stdout.endswith("\n")
    plain = subprocess.run([sys.executable, "-m", "qgraph", *command, "--root", str(corpus)],
                           capture_output=True, text=True, env=cli_env)
    assert plain.returncode == 0 and plain.stdout == r.stdout
    r = subprocess.run([sys.executable, "-c", script, "show", "qgid:no-such-entity", "--root", str(corpus)],
                       capture_output=True, text=True, env=cli_env)
    assert r.returncode != 0 and "not in the graph" in r.stderr and "teardown" in r.stderr


def test_load_pauses_the_garbage_collector_and_restores_it(corpus: Path, monkeypatch: pytest.MonkeyPatch):
    """Loading makes a million objects and no cycles: the cyclic collector is paused meanwhile,
    for every caller (``qgraph show``, ``stats``, ``query``, the API), and restored after, also
    when a file is malformed."""
    import gc

    from qgraph.corpus import loading
    from qgraph.errors import QgraphError

    seen: list[bool] = []
    real = loading.parse_file

    def recorded(*args):  # noqa: ANN002, ANN202
        seen.append(gc.isenabled())
        return real(*args)

    monkeypatch.setattr(loading, "parse_file", recorded)
    assert gc.isenabled()
    loaded = loading.load(corpus)
    assert loaded.quads and seen and not any(seen)
    assert gc.isenabled()
    data = sorted((corpus / "data").glob("*.ttl"))[0]
    data.write_text(data.read_text() + "\nthis is not turtle\n")
    with pytest.raises(QgraphError):
        loading.load(corpus)
    assert gc.isenabled()


def test_the_exports_relabelling_is_worked_out_in_the_term_checks_child(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The blank-node relabelling of the exports is done in the term checks' child, after them,
    while the build checks SHACL (1M triples: ~1 s off the exports); the files are those the
    build writes relabelling in process (the child failing, or a corpus where none is forked)."""
    from qgraph.pipeline import build
    from qgraph.publish import exports

    parent = os.getpid()
    where = tmp_path / "relabelled-by"
    recorded = _record(monkeypatch, exports, "_relabel", where)
    given: list = []  # the relabelling each exporter is given (the outcome hands it over)
    real_exporter = exports.Exporter

    def exporter(loaded, prepared=None):  # noqa: ANN001, ANN202
        given.append(prepared)
        return real_exporter(loaded, prepared)

    monkeypatch.setattr(exports, "Exporter", exporter)
    outcome = build(tmp_path / "beside", corpus)
    assert given[-1] is not None and given[-1].positions  # the corpus has blank nodes
    assert outcome.prepared is None  # handed over, not held by the outcome
    assert _pids(where) and parent not in _pids(where)  # relabelled in a child, and only there

    def failing_in_the_child(*args):  # noqa: ANN002, ANN202
        if os.getpid() != parent:
            raise MemoryError
        return recorded(*args)

    where.unlink()
    monkeypatch.setattr(exports, "_relabel", failing_in_the_child)
    outcome = build(tmp_path / "here", corpus)
    assert given[-1] is None and set(_pids(where)) == {parent}
    files = sorted(p.relative_to(tmp_path / "here") for p in (tmp_path / "here").rglob("*") if p.is_file())
    assert len(files) > 10
    for f in files:
        assert (tmp_path / "beside" / f).read_bytes() == (tmp_path / "here" / f).read_bytes(), f


def test_a_relabelling_worked_out_beforehand_gives_the_same_exports(corpus: Path, project_root: Path):
    """:class:`Exporter` with :func:`relabelled`'s result writes every format byte for byte as
    without it; one made from other quads is not used."""
    import io

    from qgraph.corpus.loading import load
    from qgraph.publish.exports import FORMATS, Exporter, relabelled

    for root in (corpus, project_root):
        loaded = load(root)
        ready = relabelled(loaded)
        assert ready.positions, root  # both have blank nodes
        with_it, without = Exporter(loaded, ready), Exporter(loaded)
        assert with_it.quads == without.quads
        for fmt in FORMATS:
            a, b = io.BytesIO(), io.BytesIO()
            with_it.writer(fmt)(a)
            without.writer(fmt)(b)
            assert a.getvalue() == b.getvalue(), (root, fmt)
    other = relabelled(load(corpus))
    loaded = load(project_root)
    assert Exporter(loaded, other).quads == Exporter(loaded).quads  # made from other quads: ignored


def test_half_of_the_evidence_check_is_done_in_a_child_with_the_same_result(
        synth_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The build checks the evidence of every other file in the child forked after loading,
    the rest here, each file once; the summary (problems in file order, counts) is that of
    the check done whole in process, also when the child fails."""
    from qgraph.checks import evidence
    from qgraph.corpus.loading import load
    from qgraph.errors import NonConformant
    from qgraph.pipeline import build, check

    whole = evidence.check(load(synth_corpus))
    assert whole.problems and whole.passages  # the synthetic corpus plants evidence faults
    loaded = load(synth_corpus)
    rels = evidence.to_check(loaded)
    assert len(rels) == len(loaded.data_files) > 2
    split = evidence.check(loaded, given={**evidence.entries(loaded, rels[1::2]), **evidence.entries(loaded, rels[0::2])})
    assert split == whole

    parent = os.getpid()
    where = tmp_path / "checked-by"
    recorded = _record(monkeypatch, evidence, "_check_file", where, lambda loaded, f, *rest: f.rel)
    with pytest.raises(NonConformant) as e:
        build(tmp_path / "out", synth_corpus)
    calls = [line.split() for line in where.read_text().splitlines()]
    assert sorted(rel for _, rel in calls) == sorted(rels)  # each file once
    assert {int(pid) for pid, _ in calls} - {parent} and parent in {int(pid) for pid, _ in calls}
    assert e.value.problems == check(synth_corpus).problems  # every problem, as checked in process
    assert set(whole.problems) <= set(e.value.problems)

    def failing_in_the_child(loaded, f, *args):  # noqa: ANN001, ANN002, ANN202
        if os.getpid() != parent:
            raise MemoryError
        return recorded(loaded, f, *args)

    where.unlink()
    monkeypatch.setattr(evidence, "_check_file", failing_in_the_child)
    with pytest.raises(NonConformant) as again:
        build(tmp_path / "out", synth_corpus)
    assert again.value.problems == e.value.problems
    checked_here = [rel for pid, rel in (line.split() for line in where.read_text().splitlines()) if int(pid) == parent]
    assert sorted(checked_here) == sorted(rels)  # the child failed: every file checked here


def test_a_source_text_at_fault_is_the_first_in_file_order(clean_corpus: Path, tmp_path: Path):
    """Two source texts that cannot be read, one in each half: the build names the first in
    file order, as the check done whole in process does."""
    from qgraph.corpus.loading import load
    from qgraph.errors import QgraphError
    from qgraph.pipeline import build

    files = load(clean_corpus).data_files
    assert len(files) >= 3
    for f in files[1:3]:
        (clean_corpus / "data" / "sources" / f"{f.stem}.txt").write_bytes(b"\xff\xfe not UTF-8")
    with pytest.raises(QgraphError) as e:
        build(tmp_path / "out", clean_corpus)
    assert files[1].stem in str(e.value) and files[2].stem not in str(e.value)


def test_validate_checks_half_of_the_evidence_in_a_child_with_many_files(
        synth_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``qgraph validate`` with many files to check (a first run, ``--no-cache``) checks half of
    the evidence and the terms in a child (from ``SPLIT_FROM`` files; fewer, in process): the
    same problems either way."""
    import threading

    from qgraph import pipeline
    from qgraph.checks import evidence

    monkeypatch.setattr(threading, "active_count", lambda: 1)  # a server thread a test left behind
    whole = pipeline.check(synth_corpus).problems
    parent = os.getpid()
    where = tmp_path / "checked-by"
    _record(monkeypatch, evidence, "_check_file", where)
    monkeypatch.setattr(pipeline, "SPLIT_FROM", 1)
    assert pipeline.check(synth_corpus).problems == whole
    assert pipeline.cached_check(synth_corpus).problems == whole
    pids = set(_pids(where))
    assert parent in pids and pids - {parent}  # half here, half in a child
    where.unlink()
    monkeypatch.setattr(pipeline, "SPLIT_FROM", 10_000)
    assert pipeline.check(synth_corpus).problems == whole
    assert set(_pids(where)) == {parent}  # few files: in process


def test_the_files_lines_are_let_go_before_the_exports(project_root: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch):
    """Each file's lines (``SourceFile.lines``, read to locate the checks' problems) were held
    to the end of the build (1M triples: ~99 MiB at its peak, the exports' largest moment): the
    build lets them go once the problems it has are located; a later one reads them again."""
    import threading

    from qgraph.corpus import loading
    from qgraph.pipeline import build
    from qgraph.publish import exports

    held: list[int] = []
    real = exports.Exporter.jobs
    located = threading.Event()
    real_forget = loading.Loaded.forget_lines

    def forget(self):  # noqa: ANN001, ANN202
        real_forget(self)
        if threading.current_thread() is not threading.main_thread():
            located.set()  # SHACL's results located on the checks' thread, their lines let go

    def jobs(self, out):  # noqa: ANN001, ANN202
        # counted once SHACL's results are located (they read the lines again), not whenever
        # the checks' thread gets to it: the outcome does not depend on which thread runs first
        assert located.wait(60)
        held.append(sum("lines" in f.__dict__ for f in self.loaded.files))
        return real(self, out)

    monkeypatch.setattr(loading.Loaded, "forget_lines", forget)
    monkeypatch.setattr(exports.Exporter, "jobs", jobs)
    outcome = build(tmp_path / "dist", root=project_root)
    assert held == [0]
    located = [p for p in outcome.problems if p.file and p.line]
    assert located, "the project's warnings are located: their files' lines were read"
    f = next(f for f in outcome.loaded.files if f.rel == located[0].file)
    assert "lines" not in f.__dict__ and f.lines and "lines" in f.__dict__  # read again when asked


def test_shacl_queries_run_beside_the_exports_sort_and_are_located_on_the_checks_thread(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The build's SHACL queries run on a thread of their own (Oxigraph evaluates them without
    the GIL) while this one sorts the quads for the exports; their results are located on the
    checks' thread as soon as they are done, and only then is the query store completed (its
    ill-typed literals and enrichment put back) and checked, there too; this thread waits for
    SHACL's results once the sort is written, before the next export. The problems are those
    of the check done in order."""
    import threading

    from qgraph import pipeline
    from qgraph.checks import shacl, validation
    from qgraph.corpus import store as store_module
    from qgraph.publish import exports

    events: list[tuple[str, str]] = []

    def recording(owner: object, name: str, label: str) -> None:
        real = getattr(owner, name)

        def recorded(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            events.append((label, threading.current_thread().name))
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, recorded)

    recording(shacl.Validator, "validate", "queries")
    recording(validation, "_problems", "located")
    recording(exports.Exporter, "write_nquads", "sort")
    recording(exports.Exporter, "write_turtle", "turtle")
    recording(store_module, "open_store", "store")
    outcome = pipeline.build(tmp_path / "dist", corpus)
    main = threading.current_thread().name
    assert events[0] == ("queries", "qgraph-shacl")
    checks = [e[0] for e in events if e[1] == "qgraph-checks"]
    assert checks[:2] == ["located", "store"]
    assert [e for e in events if e[1] == main][:2] == [("sort", main), ("turtle", main)]
    assert events.index(("located", "qgraph-checks")) < events.index(("turtle", main))
    assert outcome.conforms and outcome.problems == pipeline.check(corpus).problems


def test_shacls_footprints_are_worked_out_while_the_build_waits_for_its_child(corpus: Path, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch):
    """What SHACL's finish reads of the quads whatever its queries find (each file's footprint,
    behind the "shape selects nothing" warnings of a corpus's own shapes) is worked out on this
    thread while the forked child ends, before SHACL's queries begin: once they were done, it held
    the GIL on the checks' thread while this one waited for SHACL's results (1M triples: ~0.35 s).
    The problems, that warning among them, are those of the check done in order."""
    import threading

    from qgraph import pipeline
    from qgraph.checks import shacl, validation

    shapes = corpus / "ontology" / "shapes.ttl"
    shapes.write_text(shapes.read_text(encoding="utf-8") + (
        "\n<urn:x:NowhereShape> a <http://www.w3.org/ns/shacl#NodeShape> ;\n"
        "    <http://www.w3.org/ns/shacl#targetSubjectsOf> <http://www.w3.org/ns/oa#prefix> .\n"), encoding="utf-8")
    events: list[tuple[str, str]] = []
    for owner, name, label in ((validation, "_footprints", "footprints"), (shacl.Validator, "validate", "queries")):
        real = getattr(owner, name)

        def recorded(*args, real=real, label=label, **kwargs):  # noqa: ANN002, ANN003, ANN202
            events.append((label, threading.current_thread().name))
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, recorded)
    outcome = pipeline.build(tmp_path / "dist", corpus)
    main = threading.current_thread().name
    assert events[:2] == [("footprints", main), ("queries", "qgraph-shacl")]
    assert events.count(("footprints", main)) == 1 and not [e for e in events if e[0] == "footprints" and e[1] != main]
    assert [p for p in outcome.problems if p.shape == "check:shape-selects-nothing" and p.focus == "<urn:x:NowhereShape>"]
    assert outcome.problems == pipeline.check(corpus).problems


def test_a_shacl_violation_refuses_the_build_once_the_sort_is_done(corpus: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch):
    """SHACL's results, known once the exports' sort is written, refuse a build that violates a
    shape at once: no other export is made, nothing is written, and the report holds every
    problem (the checks' too), as the check done in order finds them."""
    import re

    from qgraph import pipeline
    from qgraph.publish import exports

    data = next(p for p in sorted((corpus / "data").glob("*.ttl")) if "a qg:Evidence" in p.read_text(encoding="utf-8"))
    text = data.read_text(encoding="utf-8")
    evidence = re.search(r"^(qgid:\S+)\n\s+a qg:Evidence ;", text, re.M).group(1)
    data.write_text(text + f'\n{evidence} qg:confidence "bogus" .\n', encoding="utf-8")
    turtle: list[int] = []
    real = exports.Exporter.write_turtle
    monkeypatch.setattr(exports.Exporter, "write_turtle", lambda self, fh: turtle.append(1) or real(self, fh))
    with pytest.raises(pipeline.NonConformant) as refused:
        pipeline.build(tmp_path / "dist", corpus)
    assert [p for p in refused.value.problems if p.severity == "Violation" and "Evidence" in (p.shape or "")]
    assert refused.value.problems == pipeline.check(corpus).problems
    assert not turtle and not (tmp_path / "dist").exists()


def test_the_checks_give_back_what_each_query_freed(corpus: Path, monkeypatch: pytest.MonkeyPatch):
    """The build's checks and summary counts (on the checks' thread, beside the JSON-LD pass) give
    the memory each query freed back at once, not once all are done; their answers unchanged."""
    from qgraph import pipeline
    from qgraph.ask import catalogue
    from qgraph.corpus import store as stores
    from qgraph.corpus.loading import load

    loaded = load(corpus)
    store = stores.open_store(loaded)
    trims: list[int] = []
    asked: list[int] = []
    real_query = stores.OxigraphStore.query

    def query(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        asked.append(len(trims))
        return real_query(self, *args, **kwargs)

    monkeypatch.setattr(stores, "return_freed_memory", lambda: trims.append(1))
    monkeypatch.setattr(stores.OxigraphStore, "query", query)
    checks, counted = pipeline._checks_then_counts(loaded, store, None)
    assert len(asked) >= 10 and len(trims) == len(asked)  # one after each query
    assert asked == list(range(len(asked)))  # each before the next query
    monkeypatch.undo()
    from qgraph.ask.counts import store_counts

    assert checks == catalogue.run_checks(loaded, store) and counted == store_counts(store, triples=False)
