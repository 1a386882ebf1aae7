"""benchmarks/serve_latency.py: the endpoint's latency measured on ``qgraph serve`` in a process
of its own, as a user runs it (no timing asserted: what is started, what is said, what is left)."""

import importlib.util
import shutil
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import FIXTURE_PROJECT

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "serve_latency.py"


@pytest.fixture(scope="module")
def latency():
    assert SCRIPT.is_file()
    spec = importlib.util.spec_from_file_location("qgraph_serve_latency", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(FIXTURE_PROJECT, root)
    assert sorted((root / "queries").glob("*.rq")), "the fixture project has catalogue queries"
    return root


def _refused(url: str) -> bool:
    u = urlsplit(url)
    try:
        socket.create_connection((u.hostname, u.port), timeout=5).close()
    except OSError:
        return True
    return False


def test_the_server_is_qgraph_serve_in_a_process_of_its_own_and_ends_with_the_run(latency, project):
    with latency.served(project, ["--cache-bytes", "0"]) as url:
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "/sparql?query=ASK%7B%7D", timeout=30) as r:
            assert r.status == 200 and b"true" in r.read()
    assert _refused(url)  # SIGTERM ended it: its port is closed


def test_a_server_that_cannot_serve_is_named_with_its_own_words(latency, project):
    (project / "data" / "broken.ttl").write_text("@prefix qg: <https://w3id.org/qgraph/ontology#> .\nqg:x qg:y\n",
                                                 encoding="utf-8")
    with pytest.raises(latency.Failed) as e, latency.served(project, []):
        pass
    assert "ended before it served" in str(e.value)
    assert "broken.ttl" in str(e.value)


def test_a_silent_server_is_ended_at_the_ceiling(latency, tmp_path, monkeypatch):
    """A stand-in ``qgraph`` that sleeps, silent: stopped after the ceiling, not waited for."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "python").symlink_to(sys.executable)
    (fake / "qgraph").write_text(f"#!{sys.executable}\nimport time\ntime.sleep(600)\n", encoding="utf-8")
    (fake / "qgraph").chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(fake / "python"))  # the script finds qgraph beside it
    with pytest.raises(latency.Failed, match="silent for 2 s"), latency.served(tmp_path, [], ceiling=2.0):
        pass
    left = subprocess.run(["pgrep", "-f", str(fake / "qgraph")], capture_output=True, text=True)
    assert left.stdout.strip() == ""  # ended, not left behind


def test_the_script_measures_every_catalogue_question_on_the_command(project):
    questions = sorted((project / "queries").glob("*.rq"))
    r = subprocess.run([sys.executable, str(SCRIPT), "--root", str(project), "--rounds", "1", "--concurrency", "2",
                        "--cache-bytes", "0"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert f"ALL ({len(questions)} requests)" in r.stdout
    assert "the server `qgraph serve`, a process of its own" in r.stdout
    r = subprocess.run([sys.executable, str(SCRIPT), "--root", str(project), "--rounds", "1", "--in-process"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "the server on a thread of the clients' process" in r.stdout
