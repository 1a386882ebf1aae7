"""``qgraph validate`` with the cache after an edit: the checks that read the default graph alone
run in a child process on the merge of the same files (parsed there in Oxigraph), the whole query
store is built only when a check needs it; the verdict is exactly the uncached one, and the
child's results are used only when it read the very files the cache hashed (else: the checks run
in the process, on the whole store)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qgraph import pipeline
from qgraph.ask.catalogue import reads_default_graph_only
from tests.conftest import validate_in_process


@pytest.fixture(autouse=True)
def no_other_thread(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The child is forked only where no other thread runs; a test run before these may leave an
    idle server thread behind, so these tests count the main thread alone (but the one below,
    which tests that rule)."""
    import threading

    if "thread_running" not in request.fixturenames:
        monkeypatch.setattr(threading, "active_count", lambda: 1)


@pytest.fixture
def thread_running():
    import threading

    stop = threading.Event()
    t = threading.Thread(target=stop.wait, daemon=True)
    t.start()
    yield
    stop.set()
    t.join()


@pytest.fixture
def corpus(synth_corpus: Path) -> Path:
    return synth_corpus


def _same(capsys: pytest.CaptureFixture, root: Path) -> str:
    """Cached and uncached validation, text and JSON: same output and exit code. Returns what
    the cached runs printed on stderr (with --progress)."""
    err = ""
    for fmt in ("text", "json"):
        cached = validate_in_process(capsys, root, "--format", fmt, "--progress")
        fresh = validate_in_process(capsys, root, "--format", fmt, "--no-cache")
        assert cached[:2] == fresh[:2], f"{fmt}: the cached verdict differs from the uncached one"
        err += cached[2]
    return err


def _edit_a_date(root: Path) -> Path:
    docs = sorted((root / "data").glob("*.ttl"))
    assert docs, "the synthetic corpus has documents"
    for doc in docs:
        text = doc.read_text(encoding="utf-8")
        m = re.search(r'"(\d{4})-(\d\d-\d\d)"\^\^xsd:date', text)
        if m:
            doc.write_text(text[:m.start()] + f'"{int(m.group(1)) - 1:04d}-{m.group(2)}"^^xsd:date' + text[m.end():],
                           encoding="utf-8")
            return doc
    raise AssertionError("no xsd:date in the synthetic corpus")


def _edit_an_evidence_id(root: Path) -> Path:
    """An edit every check reading the default graph alone may see (an evidence node renamed in
    its file: its type, its source, its link): none of them is kept from the last run."""
    doc = sorted((root / "data").glob("*.ttl"))[0]
    text = doc.read_text(encoding="utf-8")
    renamed, n = re.subn(r"(qgid:synth-\d+-ev-1)(?![\w-])", r"\1r", text)
    assert n >= 2, "the synthetic document has an evidence node qgid:…-ev-1"
    doc.write_text(renamed, encoding="utf-8")
    return doc


def _checks_line(err: str) -> str:
    lines = [line for line in err.splitlines() if "checks (queries/checks)" in line]
    assert lines, "--progress reports the checks"
    return lines[-1]


def test_sources_are_the_files_load_reads(corpus: Path):
    from qgraph.corpus.loading import load, sources
    from qgraph.project import Project

    links = corpus / "data" / "links"
    links.mkdir(exist_ok=True)
    (links / "links.ttl").write_text("<urn:qgtest:a> <urn:qgtest:p> <urn:qgtest:b> .\n", encoding="utf-8")
    project = Project.at(corpus)
    loaded = load(project)
    got = sources(project)
    assert [(f.path, f.rel, f.graph) for f in loaded.files] == got
    graphs = {g for _, _, g in got}
    assert len(got) > 5 and any(g.endswith("/ontology") for g in graphs) and any(g.endswith("/links") for g in graphs)


def test_reads_default_graph_only():
    assert reads_default_graph_only("SELECT ?s WHERE { ?s a <urn:x> } ORDER BY ?s")
    assert reads_default_graph_only('SELECT ?s WHERE { ?s <urn:graph> "GRAPH" } # GRAPH ?g')  # in an IRI, a string, a comment
    assert not reads_default_graph_only("SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert not reads_default_graph_only("SELECT ?s FROM <urn:g> WHERE { ?s ?p ?o }")
    assert not reads_default_graph_only("SELECT ?s FROM NAMED <urn:g> WHERE { ?s ?p ?o }")
    assert not reads_default_graph_only("select ?s where { graph <urn:g> { ?s ?p ?o } }")
    assert not reads_default_graph_only("SELECT ?graph WHERE { ?graph ?p ?o }")  # refused: never wrongly accepted


def test_checks_run_beside_and_the_whole_store_is_not_built_after_an_edit(corpus: Path, capsys: pytest.CaptureFixture):
    _same(capsys, corpus)  # warms the cache
    _edit_an_evidence_id(corpus)
    err = _same(capsys, corpus)
    line = _checks_line(err)
    assert re.search(r"\b9 run beside, in a child process", line), line
    assert "the whole query store not needed" in line, line


def test_a_check_naming_graphs_builds_the_whole_store(corpus: Path, capsys: pytest.CaptureFixture):
    checks = corpus / "queries" / "checks"
    checks.mkdir(parents=True, exist_ok=True)
    (checks / "counted-per-graph-violation.rq").write_text(
        "# a check over named graphs that is not graph-local (an aggregate)\n"
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s <urn:qgtest:never> ?o } } GROUP BY ?g\n",
        encoding="utf-8")
    _same(capsys, corpus)
    _edit_an_evidence_id(corpus)
    line = _checks_line(_same(capsys, corpus))
    assert "run beside" in line and "the whole query store built" in line, line


def test_blank_nodes_of_two_files_stay_apart(corpus: Path, capsys: pytest.CaptureFixture):
    """Each file's blank nodes are its own in the child's merge, as in the loaded corpus: the
    same label ``_:b1`` in two files names two nodes."""
    checks = corpus / "queries" / "checks"
    checks.mkdir(parents=True, exist_ok=True)
    (checks / "one-node-with-both-violation.rq").write_text(
        "# a node with both values\n"
        'SELECT DISTINCT ?v WHERE { ?x <urn:qgtest:p> "a" , "b" . BIND("one node has both" AS ?v) }\n',
        encoding="utf-8")
    docs = sorted((corpus / "data").glob("*.ttl"))
    assert len(docs) >= 2
    for doc, value in ((docs[0], "a"), (docs[1], "b")):
        with open(doc, "a", encoding="utf-8") as fh:
            fh.write(f'\n_:b1 <urn:qgtest:p> "{value}" .\n')
    _same(capsys, corpus)
    _edit_an_evidence_id(corpus)
    rc, out, err = validate_in_process(capsys, corpus, "--progress")
    assert "run beside" in _checks_line(err)
    assert "one node has both" not in out, "two files' _:b1 are two nodes"
    with open(docs[0], "a", encoding="utf-8") as fh:  # now one file states both: the check finds it
        fh.write('\n_:b1 <urn:qgtest:p> "b" .\n')
    err = _same(capsys, corpus)
    assert "run beside" in _checks_line(err)
    assert "one node has both" in validate_in_process(capsys, corpus, "--no-cache")[1]


def _faking(monkeypatch: pytest.MonkeyPatch, hashes_right: bool, text_right: bool) -> None:
    """The child's results with a planted row in the unused-evidence check (and, unless
    ``hashes_right``, one file's hash wrong; unless ``text_right``, that check's text hash)."""
    from qgraph.checks.cache import cell

    real = pipeline._union_child

    def fake(files, wanted, prefixes):
        from rdflib import URIRef

        hashes, results = real(files, wanted, prefixes)
        name = "unused-evidence-violation"
        digest, kind, names, rows, boolean = results[name]
        rows = rows + [[cell(URIRef("https://w3id.org/qgraph/id/planted-by-the-test"))]]
        results[name] = (digest if text_right else "0" * 32, kind, names, rows, boolean)
        if not hashes_right:
            label = next(iter(hashes))
            hashes[label] = "f" * 32
        return hashes, results

    monkeypatch.setattr(pipeline, "_union_child", fake)


def test_the_childs_results_are_used(corpus: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch):
    """The control of the two tests below: a planted row from the child shows in the verdict."""
    _same(capsys, corpus)
    _edit_an_evidence_id(corpus)
    _faking(monkeypatch, hashes_right=True, text_right=True)
    rc, out, err = validate_in_process(capsys, corpus, "--progress")
    assert "planted-by-the-test" in out and "run beside" in _checks_line(err)


@pytest.mark.parametrize("wrong", ["a file's hash", "the check's text"])
def test_the_childs_results_are_not_trusted_when_it_read_something_else(
        corpus: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, wrong: str):
    _same(capsys, corpus)
    _edit_an_evidence_id(corpus)
    _faking(monkeypatch, hashes_right=wrong != "a file's hash", text_right=wrong != "the check's text")
    err = _same(capsys, corpus)
    if wrong == "a file's hash":
        assert "none could be run beside" in _checks_line(err)
    else:
        assert "8 run beside" in _checks_line(err)


def test_a_failing_child_falls_back_to_the_whole_check(corpus: Path, capsys: pytest.CaptureFixture,
                                                      monkeypatch: pytest.MonkeyPatch):
    def broken(files, wanted, prefixes):
        raise RuntimeError("the child fails")

    _same(capsys, corpus)
    _edit_an_evidence_id(corpus)
    monkeypatch.setattr(pipeline, "_union_child", broken)
    line = _checks_line(_same(capsys, corpus))
    assert "none could be run beside" in line and "the whole query store built" in line, line


def test_a_file_edited_after_the_scan_is_not_read_beside(corpus: Path, capsys: pytest.CaptureFixture,
                                                        monkeypatch: pytest.MonkeyPatch):
    """A file changed between the cache's scan and the child's reading: the child's results
    are not used (the cache's hashes are not those of what it read)."""
    from qgraph.checks import cache

    _same(capsys, corpus)
    doc = _edit_an_evidence_id(corpus)
    real_scan = cache.Cache.scan

    def scan_then_edit(self):
        real_scan(self)
        with open(doc, "a", encoding="utf-8") as fh:
            fh.write("\n# edited after the scan\n")

    monkeypatch.setattr(cache.Cache, "scan", scan_then_edit)
    rc, out, err = validate_in_process(capsys, corpus, "--progress")
    assert "none could be run beside" in _checks_line(err)
    monkeypatch.undo()
    _same(capsys, corpus)


def test_no_fork_while_another_thread_runs(corpus: Path, capsys: pytest.CaptureFixture, thread_running: None):
    _same(capsys, corpus)
    _edit_an_evidence_id(corpus)
    line = _checks_line(_same(capsys, corpus))
    assert "beside" not in line, line
