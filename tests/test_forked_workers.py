"""``qgraph serve``'s query workers, forked from one process that holds the graph
(:class:`qgraph.web.pool._Zygote`) instead of each loading it (at 1M triples: ~5 s of CPU and
~600 MB each, at start-up and again for each replacement).

Real servers and real processes on 127.0.0.1; nothing is timed: a wait is a ceiling (a poll
that gives up after a generous time and then lets the assertion say what it saw).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from test_server import Client, make_project

from qgraph.web import pool as pool_module
from qgraph.web.pool import Limits

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
CEILING = 60.0

pytestmark = pytest.mark.skipif(not pool_module._forks(), reason="no fork here: each worker loads the graph")


def parent(pid: int) -> int | None:
    """The parent process id of ``pid`` (None once it has ended and been reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, ended but not reaped, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def until(condition, ceiling: float = CEILING) -> bool:
    """Poll ``condition`` until it holds or ``ceiling`` seconds have passed; its last value."""
    end = time.monotonic() + ceiling
    while not condition() and time.monotonic() < end:
        time.sleep(0.05)
    return condition()


def pid_of(w) -> int | None:  # noqa: ANN001
    return w.pid if isinstance(w, pool_module._ForkedWorker) else w.process.pid


def ready_workers(p) -> list:  # noqa: ANN001
    """The pool's workers once there are as many as it keeps, each come and running (a killed
    worker is replaced off the request path: it stays among them for a moment)."""
    def settled() -> bool:
        workers = list(p._all)
        return len(workers) == p.limits.workers and all(w.wait_ready(1.0) and alive(pid_of(w)) for w in workers)

    assert until(settled), [(pid_of(w), w.ready) for w in p._all]
    return list(p._all)


def test_the_workers_are_forked_from_one_process_that_holds_the_graph(tmp_path):
    """Each worker is a child of the one process that loaded the graph; a worker killed over its
    time limit is replaced by another fork of it (the graph is not loaded again), the killed one
    is reaped, and stopping the server ends them all."""
    from qgraph.web.server import Running

    root = make_project(tmp_path / "project")
    with Running(root, Limits(timeout=2.0, workers=2, cache_bytes=0)) as running:
        p = running.app.pool
        zygote = p.zygote.process.pid
        first = ready_workers(p)
        assert len(first) == 2 and [parent(w.pid) for w in first] == [zygote, zygote]
        client = Client(running.url)
        status, _, body, _ = client.query(RUNAWAY)
        assert status == 503 and b"time limit exceeded" in body
        status, _, _, _ = client.query("ASK { ?s ?p ?o }")
        assert status == 200
        assert until(lambda: p.restarts == 1)
        now = ready_workers(p)
        killed = {w.pid for w in first} - {w.pid for w in now}
        assert len(killed) == 1 and until(lambda: not any(alive(pid) for pid in killed))
        assert [parent(w.pid) for w in now] == [zygote, zygote]
        assert p.zygote.process.pid == zygote and p.zygote.generation == 1  # not started again
        pids = [zygote] + [w.pid for w in now]
    assert until(lambda: not any(alive(pid) for pid in pids)), [pid for pid in pids if alive(pid)]


def test_a_stopped_zygote_is_started_again_for_the_next_worker(tmp_path):
    """The workers outlive the process they were forked from; the next replacement starts a new
    one, which loads the graph again, and the server goes on answering."""
    from qgraph.web.server import Running

    root = make_project(tmp_path / "project")
    with Running(root, Limits(timeout=2.0, workers=1, cache_bytes=0)) as running:
        p = running.app.pool
        first = p.zygote.process.pid
        ready_workers(p)
        os.kill(first, signal.SIGKILL)
        p.zygote.process.wait(CEILING)
        client = Client(running.url)
        status, _, _, _ = client.query("ASK { ?s ?p ?o }")
        assert status == 200  # answered by the worker forked before
        status, _, _, _ = client.query(RUNAWAY)
        assert status == 503
        status, _, body, _ = client.query("ASK { ?s ?p ?o }")
        assert status == 200, body  # by a worker forked from a new one
        (worker,) = ready_workers(p)
        second = p.zygote.process.pid
        assert second != first and p.zygote.generation == 2 and parent(worker.pid) == second


def test_a_worker_given_up_before_it_came_is_not_left_running():
    """A worker given up while the graph was still loading (its wait ran out) is killed when its
    fork comes, rather than left idle with a copy of the graph."""
    z = pool_module._Zygote((b"<http://a/s> <http://a/p> <http://a/o> <http://a/g> .\n", {}, ["http://a/g"],
                             Limits(), []))
    w = None
    try:
        given_up = pool_module._ForkedWorker(z)
        given_up.kill()
        w = pool_module._ForkedWorker(z)
        assert w.wait_ready(CEILING)
        zygote = z.process.pid
        assert until(lambda: children(zygote) == [w.pid]), children(zygote)
    finally:
        if w is not None:
            w.kill()
        z.close()


def test_where_nothing_forks_each_worker_loads_the_graph(tmp_path, monkeypatch):
    """Where workers are not forked (not Linux), each worker is a process of its
    own that loads the graph, as before."""
    from qgraph.web.server import Running

    monkeypatch.setattr(pool_module, "_forks", lambda: False)
    root = make_project(tmp_path / "project")
    with Running(root, Limits(timeout=2.0, workers=1, cache_bytes=0)) as running:
        p = running.app.pool
        assert p.zygote is None
        (worker,) = ready_workers(p)
        assert isinstance(worker, pool_module._Worker) and parent(worker.process.pid) == os.getpid()
        status, _, _, _ = Client(running.url).query("ASK { ?s ?p ?o }")
        assert status == 200


def test_a_fork_that_fails_is_an_error_for_that_worker_and_the_process_goes_on():
    """Where the process holding the graph cannot fork (memory, a process limit), the worker
    asked for is an ``OSError`` (the request that waited for it gets a 500 and a replacement is
    asked for), and the process goes on, holding the graph, for the next request."""

    class Failing(pool_module._Zygote):
        ENTRY = ("import os\n"
                 "def refused(): raise OSError(11, 'Resource temporarily unavailable')\n"
                 "os.fork = refused\n"
                 "from qgraph.web.pool import _zygote; _zygote()")

    z = Failing((b"<http://a/s> <http://a/p> <http://a/o> <http://a/g> .\n", {}, ["http://a/g"], Limits(), []))
    try:
        for _ in range(2):
            w = pool_module._ForkedWorker(z)
            with pytest.raises(OSError, match="could not fork one"):
                w.wait_ready(CEILING)
        assert z.process.poll() is None and z.generation == 1
    finally:
        z.close()


def test_a_failed_fork_for_a_worker_given_up_is_not_taken_for_the_next():
    """The reply to a request whose worker was given up is not the next worker's, a failure
    included: the first fork here fails, for a worker already given up; the next worker comes."""

    class FailingOnce(pool_module._Zygote):
        ENTRY = ("import os\n"
                 "real, calls = os.fork, []\n"
                 "def once_refused():\n"
                 "    calls.append(1)\n"
                 "    if len(calls) == 1: raise OSError(11, 'Resource temporarily unavailable')\n"
                 "    return real()\n"
                 "os.fork = once_refused\n"
                 "from qgraph.web.pool import _zygote; _zygote()")

    z = FailingOnce((b"<http://a/s> <http://a/p> <http://a/o> <http://a/g> .\n", {}, ["http://a/g"], Limits(), []))
    w = None
    try:
        given_up = pool_module._ForkedWorker(z)
        given_up.kill()
        w = pool_module._ForkedWorker(z)
        assert w.wait_ready(CEILING) and parent(w.pid) == z.process.pid
    finally:
        if w is not None:
            w.kill()
        z.close()


def test_a_worker_holds_what_its_first_query_imports_before_it_is_ready():
    """What a worker's first query imports (~45 ms) is imported by the time it holds the graph
    (``_holding``, in a worker of its own and in the process the workers are forked from), so
    that neither the first request nor the one after a replacement pays it."""
    import subprocess
    import sys

    script = ("import sys\n"
              "from qgraph.web.pool import Limits, _holding, evaluate\n"
              "before = set(sys.modules)\n"
              "_holding(b'<http://a/s> <http://a/p> <http://a/o> <http://a/g> .\\n', Limits(memory=0), [])\n"
              "held = set(sys.modules)\n"
              "import pyoxigraph as ox\n"
              "from qgraph.web.pool import Job\n"
              "evaluate(ox.Store(), Job('ASK {}', 'application/sparql-results+json'), {}, set(), Limits())\n"
              "print(sorted(m for m in set(sys.modules) - held if m.startswith('qgraph')))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", out.stdout
