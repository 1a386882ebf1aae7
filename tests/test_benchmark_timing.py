"""benchmarks/run.py's timing rules (no timings asserted: only how often a question runs and
which earlier rows are reused)."""

import importlib.util
import json
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
