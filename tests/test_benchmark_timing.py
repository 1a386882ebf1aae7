"""benchmarks/run.py's timing rules (no timings asserted: only how often a question runs and
which earlier rows are reused)."""

import importlib.util
import json
import os
import re
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


@pytest.fixture(scope="module")
def bench():
    assert RUN.is_file()
    spec = importlib.util.spec_from_file_location("qgraph_bench_run", RUN)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _counting():
    calls = []

    def run():
        calls.append(1)
        return len(calls)
    return run, calls


def test_a_quick_question_is_timed_best_of_three(bench, monkeypatch):
    monkeypatch.setattr(bench, "REPEAT_UNDER", float("inf"))  # every run counts as quick
    run, calls = _counting()
    value, seconds = bench._timed(run)
    assert len(calls) == 3
    assert value == 1  # the first run's answer is the one kept
    assert seconds >= 0


def test_a_slow_question_is_timed_once(bench, monkeypatch):
    monkeypatch.setattr(bench, "REPEAT_UNDER", 0.0)  # no run counts as quick
    run, calls = _counting()
    bench._timed(run)
    assert len(calls) == 1


def test_earlier_baseline_keeps_no_question_rows(bench, tmp_path):
    rows = [
        {"task": "load", "baseline_s": 10.0, "qgraph_s": 1.0, "baseline_peak_mib": 100.0},
        {"task": "query:qdg-members", "baseline_s": 0.5, "qgraph_s": 0.01, "baseline_peak_mib": 90.0},
        {"task": "triples", "baseline_s": None, "qgraph_s": 1000},
    ]
    path = tmp_path / "earlier.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    kept = bench._earlier_baseline(path, 1000)
    assert set(kept) == {"load"}  # the questions are timed afresh on both engines
    with pytest.raises(SystemExit):
        bench._earlier_baseline(path, 2000)


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux /proc")
def test_a_command_that_forks_is_measured_over_all_its_processes(bench, tmp_path):
    """ru_maxrss is the largest single process's peak: a parent and its forked child holding
    150 MiB each would count as 150. The tree's sampled sum counts both."""
    import os
    import subprocess
    import sys
    import time

    go = tmp_path / "go"
    script = (f"import os, time\nblock = bytearray(b'x') * (150 << 20)\nos.fork()\n"
              f"for i in range(0, len(block), 4096):\n    block[i] = 1\n"  # each page now its process's own
              f"while not os.path.exists({str(go)!r}):\n    time.sleep(0.01)\n")
    p = subprocess.Popen([sys.executable, "-c", script])
    tree = bench._TreePeak(p.pid)
    deadline = time.monotonic() + 120  # a ceiling, not a timing: the loop ends when both are measured
    while tree.sampled < 250 and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    go.touch()
    _, status, usage = os.wait4(p.pid, 0)
    maxrss = usage.ru_maxrss / 1024
    assert status == 0
    assert maxrss < 250  # one process's: its 150 MiB and the interpreter
    assert tree.peak(maxrss) >= 250


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_process_that_left_the_session_is_not_the_commands(bench, tmp_path):
    """A descendant that has left the command's session (``setsid``: the kept store's writer,
    which has a row of its own) is not summed with the command; one still in it is."""
    import os
    import subprocess
    import sys
    import time

    go = tmp_path / "go"
    ready = tmp_path / "ready"
    # the child leaves the session and stays the command's child (the writer is forked twice
    # too, and is soon re-parented: this is the moment before)
    script = (f"import os, time\nblock = bytearray(b'x') * (150 << 20)\n"
              f"if os.fork() == 0:\n    os.setsid()\n"
              f"    for i in range(0, len(block), 4096):\n        block[i] = 1\n"
              f"    open({str(ready)!r}, 'w').close()\n"
              f"    while not os.path.exists({str(go)!r}):\n        time.sleep(0.01)\n"
              f"    os._exit(0)\n"
              f"while not os.path.exists({str(go)!r}):\n    time.sleep(0.01)\n"
              f"os.wait()\n")
    p = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    tree = bench._TreePeak(p.pid)
    deadline = time.monotonic() + 120  # a ceiling, not a timing
    while not ready.exists() and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ready.exists(), "the detached child is running"
    assert bench._session(p.pid) == p.pid and bench._session(os.getpid()) != p.pid
    with open(f"/proc/{p.pid}/task/{p.pid}/children", encoding="ascii") as fh:
        assert len(fh.read().split()) == 1, "the detached process is still the command's child"
    assert tree._tree() == [p.pid]  # but not the command's
    go.touch()
    _, status, usage = os.wait4(p.pid, 0)
    assert status == 0
    assert tree.peak(usage.ru_maxrss / 1024) < 250


def test_growth_gives_an_exponent_for_times_only(bench, tmp_path):
    """``--growth`` prints k of time ∝ size^k for the timed rows, not for a row that is a ratio of
    two times (it printed a negative "exponent" for "validate-one-doc / validate (qgraph, %)")."""
    paths = []
    for size, scale in ((1000, 1.0), (10000, 10.0)):
        rows = [{"task": "triples", "qgraph_s": size}, {"task": "load", "qgraph_s": 0.1 * scale},
                {"task": "validate", "qgraph_s": 0.2 * scale},
                {"task": "validate-one-doc / validate (qgraph, %)", "qgraph_s": 5.0 / scale}]
        paths.append(tmp_path / f"bench-{size}.json")
        paths[-1].write_text(json.dumps(rows), encoding="utf-8")
    out = bench.growth(paths)
    lines = {line.split()[0]: line.split()[-1] for line in out.splitlines()[1:]}
    assert lines == {"load": "1.00", "validate": "1.00"}, out


def test_commands_are_timed_from_bytecode(bench, tmp_path, monkeypatch):
    """Each timed qgraph command reads qgraph's modules from bytecode compiled once beforehand,
    as an installed package does; PYTHONDONTWRITEBYTECODE (set on the benchmark's machine) had
    every command compile them again."""
    package = tmp_path / "qgraph"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "mod.py").write_text("X = 1\n", encoding="utf-8")
    monkeypatch.setattr(bench, "SRC", tmp_path)
    monkeypatch.setattr(bench, "_compiled", [])
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    env = bench.command_env()
    assert "PYTHONDONTWRITEBYTECODE" not in env
    assert env["PYTHONPATH"].split(os.pathsep)[0] == str(tmp_path)
    compiled = sorted(p.name.split(".")[0] for p in (package / "__pycache__").glob("*.pyc"))
    assert compiled == ["__init__", "mod"]


def test_serve_start_row_times_the_command_until_it_serves(bench, tmp_path):
    """The "command: qgraph serve, until it serves" row: ``qgraph serve`` in a new process, ended
    once it says where it serves (exit 0 in the row), with a note of the summed proportional
    memory of the server and its workers then (shared pages counted once: the workers are forked
    from one process); a corpus it cannot serve ends the command with its own error, a non-zero
    code in the row (never a hang)."""
    import shutil

    from conftest import FIXTURE_PROJECT

    root = tmp_path / "project"
    shutil.copytree(FIXTURE_PROJECT, root)
    wall, peak, rc, note = bench._serve_start(root)
    assert rc == 0 and wall > 0 and peak > 0
    assert re.fullmatch(r"[1-9]\d* MiB proportional when it serves \(a shared page counted once\)", note), note
    (root / "data" / "broken.ttl").write_text("@prefix qg: <https://w3id.org/qgraph/ontology#> .\nqg:x qg:y\n",
                                              encoding="utf-8")
    _, _, rc, note = bench._serve_start(root)
    assert rc != 0 and note is None


def test_serve_start_row_ends_a_server_that_never_serves(bench, tmp_path, monkeypatch):
    """A ``qgraph serve`` that never says where it serves is killed at the ceiling (killed: its
    code in the row), not waited for: a stand-in command that sleeps, silent, far longer."""
    import signal
    import sys

    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "python").symlink_to(sys.executable)
    (fake / "qgraph").write_text(f"#!{sys.executable}\nimport time\ntime.sleep(600)\n", encoding="utf-8")
    (fake / "qgraph").chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(fake / "python"))  # run.py finds qgraph beside it
    _, _, rc, _ = bench._serve_start(tmp_path, ceiling=2.0)
    assert rc == -signal.SIGKILL


def test_the_edit_check_row_is_the_median_of_edits_each_changing_the_document(bench, tmp_path, monkeypatch):
    doc = tmp_path / "doc.ttl"
    original, edited = b"original\n", b"edited\n"
    doc.write_bytes(original)
    seen, walls = [], iter([0.9, 0.7, 1.3, 0.8, 0.75])
    waited = []
    monkeypatch.setattr(bench, "_kept_store_written", lambda root: waited.append(root))

    def timed():
        seen.append(doc.read_bytes())
        return next(walls), 100.0 + len(seen), 0 if len(seen) != 3 else 1

    row = bench.edit_checks(tmp_path, doc, original, edited, times=5, timed=timed)
    # each run finds the document changed since the run before it, and the kept store written
    assert seen == [edited, original, edited, original, edited]
    assert waited == [tmp_path] * 5
    assert row["task"] == "edit-check"
    assert row["qgraph_s"] == 0.8  # the median, not the first, the fastest or the slowest
    assert row["qgraph_peak_mib"] == 105.0
    assert row["note"] == "median of 5 runs (each after one edit), fastest 0.70 s, slowest 1.30 s"
    assert row["ratio"] is None and row["baseline_s"] is None


def test_the_edit_check_row_names_a_failed_run(bench, tmp_path, monkeypatch):
    doc = tmp_path / "doc.ttl"
    doc.write_bytes(b"x")
    monkeypatch.setattr(bench, "_kept_store_written", lambda root: None)
    row = bench.edit_checks(tmp_path, doc, b"x", b"y", times=3, timed=lambda: (0.5, 1.0, 2))
    assert row["note"].endswith("; exit code 2")


def test_the_build_row_is_the_median_of_cold_builds_each_without_a_cache(bench, tmp_path, monkeypatch):
    """Each timed build finds no cache (the one before wrote it), nor the writer of the kept
    store the one before left running (waited for after each, untimed); the row is the median
    wall and the highest peak, the note the fastest and the slowest; the last cache is left."""
    cache = tmp_path / ".qgraph-cache"
    seen, walls, events = [], iter([24.0, 21.5, 27.0]), []

    def timed():
        seen.append(cache.exists())
        events.append("build")
        cache.mkdir()
        (cache / "state.json").write_text("{}")
        return next(walls), 1000.0 + 10 * len(seen), 0

    def waited(root):
        events.append("writer")
        return 5.0 + len(events), 1500.0, 0

    monkeypatch.setattr(bench, "_kept_store_written", waited)
    written = []
    row = bench.cold_builds(tmp_path, tmp_path / "out", times=3, timed=timed, written=written)
    assert events == ["build", "writer"] * 3
    assert written == [(7.0, 1500.0, 0), (9.0, 1500.0, 0), (11.0, 1500.0, 0)]
    assert seen == [False, False, False]
    assert cache.is_dir()
    assert row["task"] == "command: qgraph build"
    assert row["qgraph_s"] == 24.0  # the median, not the first, the fastest or the slowest
    assert row["qgraph_peak_mib"] == 1030.0
    assert row["note"] == "median of 3 runs (each with no cache), fastest 21.50 s, slowest 27.00 s"


def test_a_build_that_does_not_conform_is_a_failed_build_run(bench, tmp_path, monkeypatch):
    """A build's exit code 1 (the data does not conform: nothing written) is named, as 2 is;
    the edit-check's 1 (validate found violations) is an answer, not a failure."""
    monkeypatch.setattr(bench, "_kept_store_written", lambda root: (0.0, 0.0, 0))
    row = bench.cold_builds(tmp_path, tmp_path / "out", times=3, timed=lambda: (20.0, 1.0, 1))
    assert row["note"].endswith("; exit code 1")
    edit = bench._median_row("edit-check", [(0.5, 1.0, 1)] * 3, "each after one edit")
    assert "exit code" not in edit["note"]


def test_the_machine_row_is_the_slower_of_the_fixed_work_at_start_and_end_and_has_no_exponent(bench, tmp_path):
    """The fixed workload's row reads a run against the machine's speed then: the slower of its
    two samples, both in the note; ``--growth`` gives it no exponent (it is not qgraph's)."""
    row = bench.machine_row(0.2, 0.25)
    assert row["task"] == "machine: a fixed Python workload"
    assert row["qgraph_s"] == 0.25 and row["ratio"] is None
    assert "0.200 s at the run's start, 0.250 s at its end" in row["note"]
    assert bench.machine_row(0.3, 0.25)["qgraph_s"] == 0.3
    assert bench.fixed_work(times=1) > 0  # a time, not asserted on: only that it was measured
    paths = []
    for n, t in ((10_000, 1.0), (100_000, 10.0)):
        p = tmp_path / f"b{n}.json"
        p.write_text(json.dumps([{"task": "build", "qgraph_s": t}, bench.machine_row(0.2, 0.2),
                                 {"task": "triples", "qgraph_s": n}]))
        paths.append(p)
    table = bench.growth(paths)
    assert "build" in table and "1.00" in table
    assert "machine" not in table


def test_each_export_row_is_the_median_of_writes_each_from_a_fresh_writer(bench, tmp_path, monkeypatch):
    """One write of each format made the exponent of unchanged code read 1.03-1.14 (--growth):
    the row is the median of EXPORT_RUNS passes, each with a writer of its own (whose first
    format sorts the quads again)."""
    import qgraph.publish.exports as exports

    clock = [0.0]
    # seconds each write takes, per format, pass after pass: the median is the middle one
    takes = {fmt: iter(secs) for fmt, secs in zip(exports.FORMATS, ([5, 1, 3], [2, 2, 9], [7, 4, 6],
                                                                     [1, 8, 1], [3, 3, 3]), strict=True)}
    made = []

    class Writer:
        def __init__(self, loaded):
            made.append(loaded)

        def writer(self, fmt):
            def write(fh):
                fh.write(fmt.encode())
                clock[0] += next(takes[fmt])
            return write

    monkeypatch.setattr(exports, "Exporter", Writer)
    monkeypatch.setattr(bench.time, "perf_counter", lambda: clock[0])
    loaded = object()
    got = bench.export_times(loaded, tmp_path)
    assert made == [loaded] * bench.EXPORT_RUNS == [loaded] * 3
    assert got == {f"export:{fmt}": m for fmt, m in zip(exports.FORMATS, (3, 2, 6, 1, 3), strict=True)}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(exports.FORMATS.values())
