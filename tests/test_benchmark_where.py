"""benchmarks/where.py: it runs the command it is given and reports that run's CPU time per
thread and process and its peak memory (no timing asserted: only that the figures are there and
hold together)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

WHERE = Path(__file__).resolve().parent.parent / "benchmarks" / "where.py"

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="reads Linux's /proc")


def _where(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    assert WHERE.is_file()
    return subprocess.run([sys.executable, str(WHERE), *args], capture_output=True, text=True, env=env, timeout=600)


def test_a_build_is_run_and_its_cpu_and_memory_reported(fixture_root, tmp_path, cli_env):
    figures, dist = tmp_path / "where.json", tmp_path / "dist"
    r = _where("--every", "0.01", "--top", "1000", "--json", str(figures), "--", "build", "--root", str(fixture_root),
               "--out", str(dist), env=cli_env)
    assert r.returncode == 0, r.stderr
    assert (dist / "qgraph.ttl").is_file()  # the command itself ran
    d = json.loads(figures.read_text(encoding="utf-8"))
    assert d["exit"] == 0 and d["wall_s"] > 0 and d["cpu_s"] > 0 and d["cores"] >= 1
    assert d["cpu_s"] >= d["busiest_thread_s"] > 0  # a sum holds its largest part
    assert d["cpu_over_cores_s"] == pytest.approx(d["cpu_s"] / d["cores"], abs=0.01)
    command = [p["pid"] for p in d["processes"] if p["who"] == "command"]
    assert len(command) == 1
    assert any(t["main"] and t["pid"] == command[0] for t in d["threads"])  # its main thread listed
    assert d["peak_rss_sum_mib"] >= d["peak_pss_sum_mib"] > 0  # a shared page counts whole in each RSS
    printed = r.stdout.splitlines()
    assert printed[0].startswith("qgraph build --root") and ": exit 0, wall " in printed[0]
    assert printed[1].startswith("lower bounds on the wall: the busiest thread's CPU ")
    assert printed[2].startswith("peak memory: resident sizes summed ")
    assert "timeline" not in d and not any(line.startswith("timeline") for line in printed)  # only when asked


def test_the_timeline_says_which_threads_use_the_cores_between_samples(fixture_root, tmp_path, cli_env):
    figures = tmp_path / "where.json"
    r = _where("--every", "0.01", "--timeline", "--json", str(figures), "--", "build", "--root", str(fixture_root),
               "--out", str(tmp_path / "dist"), env=cli_env)
    assert r.returncode == 0, r.stderr
    d = json.loads(figures.read_text(encoding="utf-8"))
    timeline = d["timeline"]
    assert len(timeline) >= 2, "a build sampled every 0.01 s has intervals"
    ends = [i["at_s"] for i in timeline]
    assert ends == sorted(ends) and ends[-1] <= d["wall_s"] + 0.05
    assert all(i["cores"] >= 0 and i["rss_sum_mib"] >= 0 for i in timeline)
    assert all(u > 0.05 for i in timeline for u in i["threads"].values())  # the busy threads only
    assert all(sum(i["threads"].values()) <= i["cores"] + 0.05 for i in timeline)  # the listed are a part (rounded)
    assert any("main" in i["threads"] for i in timeline)  # the command's main thread did the build
    children = [p["pid"] for p in d["processes"] if p["who"] == "child"]
    named = {k for i in timeline for k in i["threads"] if k.startswith("child")}
    assert named <= {f"child {pid}" for pid in children}  # each forked process told apart
    printed = r.stdout.splitlines()
    at = printed.index("timeline (s at the interval's end: cores used, resident sizes summed, the threads using them):")
    assert len(printed) - at - 1 == len(timeline) and " cores " in printed[at + 1]


def test_the_commands_exit_code_is_the_scripts(tmp_path, cli_env):
    r = _where("--", "build", "--root", str(tmp_path / "nowhere"), "--out", str(tmp_path / "dist"), env=cli_env)
    assert r.returncode == 2 and ": exit 2, wall " in r.stdout
    assert not (tmp_path / "dist").exists()


def test_a_figures_file_it_cannot_write_is_a_clear_error_before_the_run(tmp_path, cli_env):
    figures = tmp_path / "missing" / "where.json"
    r = _where("--json", str(figures), "--", "build", "--root", str(tmp_path), "--out", str(tmp_path / "dist"),
               env=cli_env)
    assert r.returncode == 2 and "Traceback" not in r.stderr and r.stdout == ""  # the command not run
    assert r.stderr.strip() == f"where.py: cannot write {figures}: no folder {figures.parent}"
    r = _where("--json", str(tmp_path), "--", "--help", env=cli_env)  # a folder: said after the run
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().startswith(f"where.py: cannot write {tmp_path}: ")
