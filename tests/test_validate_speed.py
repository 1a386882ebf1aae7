"""What ``qgraph validate`` does for speed: the process ends without the interpreter's teardown
once its verdict is written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = ("import atexit, sys\n"
          "atexit.register(lambda: sys.stderr.write('teardown\\n'))\n"
          "from qgraph.cli import main\n"
          "sys.exit(main())\n")


def _validate(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", SCRIPT, "validate", *args], capture_output=True, text=True, env=env)


@pytest.mark.parametrize("cache", [True, False], ids=["cache", "no-cache"])
def test_validate_process_ends_without_teardown_once_its_verdict_is_written(
        clean_corpus: Path, tmp_path: Path, cli_env: dict, cache: bool):
    """A verdict, conforming (exit 0) or not (exit 1), ends the process at once with the whole
    report written (no atexit handler runs); an error ends it as usual."""
    flags = [] if cache else ["--no-cache"]
    r = _validate("--root", str(clean_corpus), "--format", "json", *flags, env=cli_env)
    assert r.returncode == 0, r.stderr
    assert "teardown" not in r.stderr
    assert r.stdout.endswith("\n") and '"conforms": true' in r.stdout
    data = sorted((clean_corpus / "data").glob("*.ttl"))
    assert data
    data[0].write_text(data[0].read_text() + "\n<https://w3id.org/qgraph/id/x> a <https://w3id.org/qgraph/ontology#Nation> .\n")
    r = _validate("--root", str(clean_corpus), *flags, env=cli_env)
    assert r.returncode == 1, r.stderr
    assert "teardown" not in r.stderr
    assert r.stdout.rstrip().splitlines()[-1].startswith("does not conform: ")
    r = _validate("--root", str(tmp_path / "missing"), *flags, env=cli_env)
    assert r.returncode == 2 and "teardown" in r.stderr


def test_what_validate_made_is_not_freed_before_the_process_ends(clean_corpus: Path, cli_env: dict):
    """The verdict's outcome (the loaded corpus, the stores) stays referenced until the early
    exit: freed as the command's function returned, a million quads took 0.7 s one object at a
    time, which the early exit was meant to save. In process (``main(argv)``) it is let go."""
    script = ("import sys, weakref\n"
              "from qgraph import pipeline\n"
              "real = pipeline.cached_check\n"
              "def wrapped(*a, **k):\n"
              "    o = real(*a, **k)\n"
              "    weakref.finalize(o, lambda: sys.stderr.write('freed\\n'))\n"
              "    return o\n"
              "pipeline.cached_check = wrapped\n"
              "from qgraph.cli import main\n"
              "code = main(sys.argv[1:] if sys.argv[1:2] == ['in-process'] and sys.argv.pop(1) else None)\n"
              "sys.stderr.write('returned\\n')\n"
              "sys.exit(code)\n")
    r = subprocess.run([sys.executable, "-c", script, "validate", "--root", str(clean_corpus)],
                       capture_output=True, text=True, env=cli_env)
    assert r.returncode == 0, r.stderr
    assert "freed" not in r.stderr and "returned" not in r.stderr  # ended at once, the outcome alive
    r = subprocess.run([sys.executable, "-c", script, "in-process", "validate", "--root", str(clean_corpus)],
                       capture_output=True, text=True, env=cli_env)
    assert r.returncode == 0, r.stderr
    assert r.stderr.index("freed") < r.stderr.index("returned")  # let go once main() returned


def test_validate_writes_its_report_with_the_collector_paused_and_restores_it(
        clean_corpus: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch):
    """The report is sorted and written with the cyclic collector paused (a full collection scans
    every parsed quad: 0.18 s at 1M, run once while the report was sorted), and the collector is
    on again afterwards, whatever the verdict."""
    import gc

    from qgraph.checks import report

    from conftest import validate_in_process

    seen: list[bool] = []
    real = report.format_text

    def recorded(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(report, "format_text", recorded)
    assert gc.isenabled()
    code, out, _ = validate_in_process(capsys, clean_corpus, "--no-cache")
    assert code == 0 and seen == [False] and gc.isenabled()
    data = sorted((clean_corpus / "data").glob("*.ttl"))[0]
    data.write_text(data.read_text() + "\n<https://w3id.org/qgraph/id/x> a <https://w3id.org/qgraph/ontology#Nation> .\n")
    code, out, _ = validate_in_process(capsys, clean_corpus, "--no-cache")
    assert code == 1 and seen == [False, False] and gc.isenabled()


@pytest.mark.parametrize("corpus", ["project", "synthetic"])
def test_fast_validation_locates_its_problems_through_its_store(project_root: Path, synth_template: Path, corpus: str):
    """The fast validator asks its store which files state a focus node (for where a problem
    is written) instead of indexing every quad (0.8 s at 1M), with the same problems as the
    whole index gives (tests/test_loading.py holds the two lookups to the same answers): on
    the real corpus and on a synthetic one with planted faults."""
    import pyoxigraph as ox

    from qgraph.checks import validation
    from qgraph.corpus.loading import load

    root = project_root if corpus == "project" else synth_template
    loaded = load(root)
    fast = validation.validate(loaded, "fast", store=ox.Store())
    assert "node_files" in loaded.__dict__ and not isinstance(loaded.node_files, dict)
    assert sum(1 for p in fast if p.focus and p.file and p.file.startswith("data/") and p.line) >= 3
    whole = load(root)
    assert whole.node_files  # the whole index, built before validating
    assert validation.validate(whole, "fast", store=ox.Store()) == fast


GC_SCRIPT = ("import gc, sys\n"
             "real = gc.enable\n"
             "def enable():\n"
             "    sys.stderr.write('collector on\\n')\n"
             "    real()\n"
             "gc.enable = enable\n"
             "from qgraph.cli import main\n"
             "code = main(sys.argv[1:] if sys.argv[1:2] == ['in-process'] and sys.argv.pop(1) else None)\n"
             "sys.stderr.write(f'returned, collector {\"on\" if gc.isenabled() else \"off\"}\\n')\n"
             "sys.exit(code)\n")


@pytest.mark.parametrize("command", [["build", "--out", "{tmp}/dist"], ["validate"], ["stats"],
                                     ["show", "qgid:doc-synth-00001"], ["query", "SELECT * WHERE { ?s ?p ?o } LIMIT 1"]],
                         ids=["build", "validate", "stats", "show", "query"])
def test_a_command_ending_its_process_leaves_the_collector_off(clean_corpus: Path, tmp_path: Path, cli_env: dict,
                                                              command: list[str]):
    """The commands that end their process at once once their output is written run with the
    cyclic collector paused and do not turn it on again just before ending (its first run then
    scans every object made while it was off: 0.13 s after loading a million triples, and the
    build ran it between its steps too); called in process (``main(argv)``), or ending on a
    mistake, they turn it on again."""
    args = [a.replace("{tmp}", str(tmp_path)) for a in command] + ["--root", str(clean_corpus)]
    r = subprocess.run([sys.executable, "-c", GC_SCRIPT, *args], capture_output=True, text=True, env=cli_env)
    assert r.returncode == 0, r.stderr
    assert "collector on" not in r.stderr and "returned" not in r.stderr, r.stderr  # ended at once, never on
    r = subprocess.run([sys.executable, "-c", GC_SCRIPT, "in-process", *args], capture_output=True, text=True,
                       env=cli_env)
    assert r.returncode == 0, r.stderr
    assert r.stderr.rstrip().endswith("returned, collector on"), r.stderr
    r = subprocess.run([sys.executable, "-c", GC_SCRIPT, *args[:-1], str(tmp_path / "missing")],
                       capture_output=True, text=True, env=cli_env)
    assert r.returncode == 2, r.stderr
    assert r.stderr.rstrip().endswith("returned, collector on"), r.stderr
