"""Hostile input and faults (issue 13, findings 14-17): one line naming the file, exit 2, never a
traceback; temporary files of a killed build cleaned by the next; terminal control characters
in the data never printed raw."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from test_cli import assert_clean_error, qgraph

from qgraph import cli
from qgraph.publish import exports

DATA = "data/tiny-doc.ttl"


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------- 14: not UTF-8, huge


def test_source_text_not_utf8_is_one_line(fixture_root, cli_env):
    """Regression: a source text that is not UTF-8 gave an uncaught UnicodeDecodeError."""
    src = fixture_root / "data" / "sources" / "tiny-doc.txt"
    lines = src.read_bytes().count(b"\n")
    src.write_bytes(src.read_bytes() + b"caf\xe9 \xff\n")
    for command in (["validate"], ["build", "--out", str(fixture_root / "dist")]):
        r = qgraph(*command, "--root", str(fixture_root), env=cli_env)
        assert_clean_error(r, 2, f"data/sources/tiny-doc.txt:{lines + 1}: not UTF-8 text")
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (fixture_root / "dist").exists()


def test_query_file_not_utf8_is_one_line(fixture_root, cli_env):
    (fixture_root / "queries" / "latin1.rq").write_bytes(b"# caf\xe9\nSELECT * WHERE { ?s ?p ?o }\n")
    r = qgraph("queries", "--root", str(fixture_root), env=cli_env)
    assert_clean_error(r, 2, "latin1.rq:1: not UTF-8 text")


@pytest.fixture
def huge_literal(fixture_root) -> Path:
    """The fixture with a 16 MB label."""
    data = fixture_root / DATA
    data.write_text(data.read_text(encoding="utf-8") + '\nqgid:denmark rdfs:comment "' + "a" * 16_000_000 + '" .\n',
                    encoding="utf-8")
    return fixture_root


def test_out_of_memory_while_checking_names_the_literal(huge_literal, capsys, monkeypatch):
    """Regression: memory running out on a 16 MB literal was an uncaught MemoryError, without
    the file. (The exhaustion is simulated: the step that ran out raises MemoryError.)"""
    from qgraph.checks import validation

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(validation, "validate", exhausted)
    lines = (huge_literal / DATA).read_text(encoding="utf-8").count("\n")
    code, out, err = _run(capsys, "validate", "--root", str(huge_literal))
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert "out of memory" in err and f"16.0 million characters, is at {DATA}:{lines}" in err, err


def test_out_of_memory_while_parsing_names_the_file(fixture_root, capsys, monkeypatch):
    import pyoxigraph

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(pyoxigraph, "parse", exhausted)
    code, out, err = _run(capsys, "validate", "--root", str(fixture_root))
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith("qgraph: error: ontology/") and "out of memory while parsing it" in err, err


def test_a_token_longer_than_the_parser_takes_is_named_with_its_line(fixture_root, capsys):
    """Regression: a literal over pyoxigraph's 16 MiB token buffer (its MemoryError "Reached the
    buffer maximal size") was reported as the machine running out of memory, with no line."""
    data = fixture_root / DATA
    text = data.read_text(encoding="utf-8")
    data.write_text(text + '\nqgid:denmark rdfs:comment "' + "a" * 17_000_000 + '" .\n', encoding="utf-8")
    line = text.count("\n") + 2
    code, out, err = _run(capsys, "validate", "--no-cache", "--root", str(fixture_root))
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert f"{DATA}:{line}: a literal or an IRI longer than the Turtle parser takes (16 MiB)" in err, err


# -------------------------------------------------------------- 15: temporaries of a killed build

_KILLED_WRITER = """
import sys, time
from pathlib import Path
from qgraph.publish.exports import write_atomically

def slow(fh):
    fh.write(b"x" * 100_000)
    fh.flush()
    print("writing", flush=True)
    time.sleep(600)

write_atomically({Path(sys.argv[1]) / "qgraph.ttl": slow, Path(sys.argv[1]) / "framed" / "people.jsonld": slow})
"""


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_next_build_removes_temporaries_of_a_killed_build(fixture_root, tmp_path, cli_env, sig):
    """Regression: a build killed while writing left hidden ``.*.tmp`` files that later builds
    never removed."""
    out = tmp_path / "dist"
    (out / "framed").mkdir(parents=True)
    writer = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(out)], stdout=subprocess.PIPE,
                              text=True, env=cli_env)
    assert writer.stdout.readline().strip() == "writing"
    writer.send_signal(sig)
    writer.wait()
    left = sorted(p.name for p in out.rglob("*.tmp"))
    assert len(left) == 1 and left[0].startswith(".qgraph.ttl.qgraph-tmp-"), left
    # a build running beside it keeps its file: a temporary of a live process is not touched
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        theirs = out / "framed" / f".people.jsonld.{exports.TEMP_MARK}-{alive.pid}-abcd.tmp"
        theirs.write_bytes(b"in progress")
        r = qgraph("build", "--root", str(fixture_root), "--out", str(out), env=cli_env)
        assert r.returncode == 0, r.stderr
        assert sorted(p.name for p in out.rglob("*.tmp")) == [theirs.name]
    finally:
        alive.kill()
        alive.wait()
    assert exports.remove_stale_temporaries(out / "framed") == [theirs]


_STOPPED_BUILD = """
import os, signal, sys
from qgraph import pipeline
from qgraph.cli import main

step, when = pipeline.Steps.__call__, sys.argv[1]

def stop_after(self, what):
    step(self, what)
    if when in what:  # the build is sent SIGTERM here, as `kill` would
        os.kill(os.getpid(), signal.SIGTERM)

pipeline.Steps.__call__ = stop_after
sys.argv = ["qgraph", *sys.argv[2:]]
sys.exit(main())
"""


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.mark.parametrize("when", ["result(s) (its queries run beside)", "loaded "],
                         ids=["during-the-exports", "after-loading"])
def test_a_build_sent_sigterm_leaves_nothing_behind(clean_corpus, tmp_path, cli_env, when):
    """Regression: ``kill`` (SIGTERM: ``timeout``, a CI job stopped) ended a build at once, leaving
    the exports' hidden temporary files (one per export begun: ~560 MB at a million triples) and
    the cache folder the run had begun (copies of every data file) until a later build; Ctrl-C
    removed them. Now SIGTERM unwinds as Ctrl-C does: nothing of the run is left, exit 143.
    Stopped once the first export is written (the N-Quads dump, its temporary file in place) and
    right after loading (the cache's copies being written)."""
    out = tmp_path / "dist"
    before = _files(clean_corpus)
    assert before and ".qgraph-cache" not in before
    r = subprocess.run([sys.executable, "-c", _STOPPED_BUILD, when, "build", "--root", str(clean_corpus),
                        "--out", str(out), "--progress"], capture_output=True, text=True, env=cli_env, timeout=600)
    assert r.returncode == 143, (r.returncode, r.stderr)  # 128 + SIGTERM, as for a shell
    assert when in r.stderr.splitlines()[-1], r.stderr  # it was stopped where asked
    assert "wrote" not in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not out.exists()
    assert _files(clean_corpus) == before
    # the corpus builds as before
    r = qgraph("build", "--root", str(clean_corpus), "--out", str(out), env=cli_env)
    assert r.returncode == 0, r.stderr
    assert (out / "qgraph.nq").is_file() and not list(out.rglob("*.tmp"))


def test_a_child_sent_sigterm_before_it_resets_the_handler_ends_as_by_default():
    """Regression: a child the build forked was stopped (SIGTERM, by the parent closing it) before
    it had set the default handler back; the command's handler, inherited, raised the command's
    exception in it and multiprocessing printed its traceback on the command's stderr. A child
    is now ended by SIGTERM as by default, whenever it comes."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers are set from the main thread")
    before = cli._stop_on_term()
    try:
        pid = os.fork()
        if pid == 0:  # the child: no reset of its own, then SIGTERM
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                for _ in range(1000):  # the handler runs between these steps
                    pass
            finally:
                os._exit(3)  # reached only if the handler raised or returned
        _, status = os.waitpid(pid, 0)
    finally:
        cli._restore_term(before)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM, status


def test_forked_children_are_stopped_by_sigterm_at_once():
    """The children the checks fork (:class:`qgraph.forked.Forked`) do not keep the command's
    SIGTERM handler: theirs is the default, so that closing one (SIGTERM) stops it at once, even
    in the middle of a long call into pyoxigraph, where a Python handler would wait for its end."""
    import threading

    from qgraph.forked import Forked

    before = cli._stop_on_term() if threading.current_thread() is threading.main_thread() else None
    try:
        child = Forked(lambda: signal.getsignal(signal.SIGTERM) == signal.SIG_DFL)
        assert child.result() is True
    finally:
        cli._restore_term(before)


# ------------------------------------------------------------ 16: terminal control characters

ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x9b31m"


@pytest.fixture
def hostile_label(fixture_root) -> Path:
    data = fixture_root / DATA
    text = data.read_text(encoding="utf-8")
    old = 'rdfs:label "Denmark"@en ;'
    assert text.count(old) == 1
    data.write_text(text.replace(old, 'rdfs:label "Denmark\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m"@en ;'),
                    encoding="utf-8")
    return fixture_root


def _raw(text: str) -> bool:
    return any(c in text for c in "\x1b\x07\x9b")


def test_show_escapes_terminal_controls(hostile_label, capsys):
    """Regression: `qgraph show` printed ESC/BEL of a label raw (retitled and cleared the terminal)."""
    code, out, err = _run(capsys, "show", "qgid:denmark", "--root", str(hostile_label))
    assert code == 0, err
    assert not _raw(out) and "Denmark\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m" in out, out


def test_query_table_escapes_terminal_controls(hostile_label, capsys, tmp_path):
    q = tmp_path / "labels.rq"
    q.write_text("SELECT ?label WHERE { ?n <http://www.w3.org/2000/01/rdf-schema#label> ?label }\n")
    code, out, err = _run(capsys, "query", str(q), "--root", str(hostile_label))
    assert code == 0, err
    assert not _raw(out) and "Denmark\\x1b]0;pwned" in out, out


def test_csv_to_a_terminal_is_escaped_to_a_file_kept():
    from rdflib import Literal

    from qgraph.ask.output import render
    from qgraph.corpus.store import Result

    result = Result(kind="select", vars=["label"], rows=[(Literal("Denmark" + ESCAPES),)])
    assert not _raw(render(result, "csv", {}, terminal=True))
    assert ESCAPES in render(result, "csv", {}, terminal=False)  # data piped to a file stays the data
    assert not _raw(render(result, "json", {}))


def test_printable_keeps_ordinary_text():
    from qgraph.ask.output import printable

    assert printable("Zürich – 東京 «ok»\n", keep="\n") == "Zürich – 東京 «ok»\n"
    assert printable("a\tb\rc\x00") == "a\\tb\\rc\\x00"


def test_sigterm_pid_of_writer_is_gone():
    """The helper of the tests above: a reaped process is not running."""
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    assert not exports._running(p.pid)
    assert exports._running(os.getpid())


def test_symmetric_blank_nodes_refused_by_build_in_one_line(fixture_root, cli_env):
    """Finding 17 for the exports: a structure the canonical export refuses is one line, exit 2,
    nothing written (it used to run the canonicaliser without bound)."""
    data = fixture_root / DATA
    n = exports.MAX_SYMMETRIC_BNODES + 1
    data.write_text(data.read_text(encoding="utf-8") + "".join(
        f"\n_:r{i} <http://www.w3.org/2000/01/rdf-schema#seeAlso> _:r{(i + 1) % n} ." for i in range(n)) + "\n", encoding="utf-8")
    out = fixture_root / "dist"
    r = qgraph("build", "--root", str(fixture_root), "--out", str(out), env=cli_env)
    assert_clean_error(r, 2, f"{DATA}: {n} blank nodes", "give these nodes IRIs")
    assert len(r.stderr.strip().splitlines()) == 1
    assert not out.exists() or not [p for p in out.rglob("*") if p.is_file()]
