"""Worker processes that evaluate endpoint queries under a deadline.

Why processes: a pyoxigraph query cannot be interrupted from Python, and a cartesian product can
spend minutes before its first row (checking the clock between rows would never get a chance).
Each worker holds an in-memory copy of the graph and answers one job at a time over a pipe. The
HTTP thread waits for the answer until the deadline; a worker that runs over is killed and
replaced by a fresh one, so a runaway query costs one worker restart (off the request path) and
never the server. A worker that crashes (memory cap, a bug) is replaced the same way. Workers
also cap their address space (``RLIMIT_AS``).

On Linux, the workers are forked from one process that loads the graph
once (:class:`_Zygote`, which runs no thread, so that forking it is safe): a worker holds the
graph from its first moment and shares its memory copy-on-write. At 1M triples, a worker that
loaded the graph itself took ~5 s of CPU, at start-up and again for each replacement (7.5 s
before the next query was answered); forked, it is ready at once (serve's start-up: 20.4-21.6 s,
then 15.3-15.7 s; a replacement 0.1 s). The memory is shared at first only: Oxigraph's reads
write to the store's pages, so a worker copies those it reads, and once the workers have read
most of the graph, the process they are forked from holds a third copy (1M triples, the
catalogue asked ten times: ~400 MiB more, proportional set sizes summed). Elsewhere each worker
is a process of its own that loads it (:func:`_forks`).

A job is inspected (:mod:`qgraph.web.guard`) by the HTTP thread before it reaches the pool, so a
refusal (403) never waits for a free worker nor runs under a query's time limit; the worker
inspects it again (defence in depth) and evaluates nothing before that passes. A text the guard
has not seen is parsed for it by a checker process (:class:`Checkers`, the same kind of process
without the graph), under a time limit of its own.

Measured on the project data (2 CPUs): a catalogue query costs ~1–3 ms in a worker plus ~1 ms of
pipe and process switching; spawning a replacement worker of its own takes ~0.3 s.
"""

from __future__ import annotations

import queue
import struct
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Limits:
    """The endpoint's limits (all explicit errors when hit)."""

    timeout: float = 10.0        # seconds per query (503 when exceeded)
    max_results: int = 100_000   # rows or triples per answer (500 when exceeded); ~40 MB of JSON,
                                 # in line with max_bytes: a catalogue answer at 1M triples has 38k rows
    max_bytes: int = 32 << 20    # bytes per serialized answer (500 when exceeded)
    workers: int = 2
    queue_wait: float = 30.0     # seconds to wait for a free worker (503 when exceeded)
    memory: int = 2 << 30        # address-space cap of a worker, bytes (0: none)
    threads: int = 8             # HTTP threads that run the routes (waitress); requests wait in its queue
    max_connections: int = 100   # open connections; beyond, those waiting longest for their request are closed
    cache_bytes: int = 256 << 20  # bytes of successful /sparql answers kept for the same request again
                                 # (the graph is read-only while serving; 0: none; see web/cache.py)
    header_timeout: float = 10.0  # seconds for a request (headers and body) to arrive after its first byte,
                                  # and for an idle connection to send one
    checkers: int = 2            # processes that parse a query text the guard has not seen (web/guard.py)
    check_timeout: float = 5.0   # seconds for one of them to parse a text (503 when exceeded)


@dataclass
class Job:
    query: str
    accept: str
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    dataset_given: bool = False
    params: dict[str, str] = field(default_factory=dict)   # ``$name=value`` as sent
    bindings: dict[str, Any] = field(default_factory=dict)  # the same as rdflib terms (checked by the server)


Reply = tuple  # (status, content type, body bytes)


def _text(status: int, message: str) -> Reply:
    return status, "text/plain; charset=utf-8", (message.rstrip("\n") + "\n").encode("utf-8")


# ---------------------------------------------------------------- inside a worker process

def evaluate(store: Any, job: Job, prefixes: dict[str, str], graphs: set[str], limits: Limits) -> Reply:
    """Inspect and run one job on ``store`` (a pyoxigraph Store); the reply to send back."""
    import pyoxigraph as ox

    from qgraph.web import results
    from qgraph.web.guard import Refused, inspect
    from qgraph.web.negotiation import choose

    try:
        inspect(job.query, graphs, prefixes, job.default_graphs, job.named_graphs)
    except Refused as e:
        return _text(e.status, e.message)
    kwargs: dict[str, Any] = {}
    if job.dataset_given:  # the protocol's dataset replaces the query's FROM / FROM NAMED
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    if job.bindings:
        from qgraph.corpus.terms import to_oxigraph

        kwargs["substitutions"] = {ox.Variable(k): to_oxigraph(v) for k, v in job.bindings.items()}
    try:
        res = store.query(job.query, prefixes=prefixes, **kwargs)
        cap = limits.max_results
        if isinstance(res, ox.QueryBoolean):
            ctype = choose(job.accept, results.ASK_OFFER)
            if ctype is None:
                return _text(406, "ASK results are offered as " + ", ".join(results.ASK_OFFER))
            return 200, ctype, results.boolean(results.SELECT_TYPES[ctype], bool(res))
        if isinstance(res, ox.QuerySolutions):
            ctype = choose(job.accept, results.SELECT_OFFER)
            if ctype is None:
                return _text(406, "SELECT results are offered as " + ", ".join(results.SELECT_OFFER))
            if results.SELECT_TYPES[ctype] == "json":
                body = _json_solutions(res, cap, limits.max_bytes)
                if body is not None:
                    if isinstance(body, tuple):
                        return body
                    return 200, ctype + "; charset=utf-8", body
                res = store.query(job.query, prefixes=prefixes, **kwargs)  # over a cap: counted below
            names = [v.value for v in res.variables]
            rows = []
            for sol in res:
                if len(rows) >= cap:
                    return _over_cap(cap, "rows")
                rows.append([sol[n] for n in names])
            try:
                body = results.solutions(results.SELECT_TYPES[ctype], names, rows)
            except results.NotXml as e:
                # the next format the client accepts (RFC 9110 §12.5.1), where there is one
                other = choose(job.accept, [m for m in results.SELECT_OFFER if results.SELECT_TYPES[m] != "xml"])
                if other is None:
                    return _text(406, f"the answer holds a character XML 1.0 cannot carry ({e}); ask for "
                                      "application/sparql-results+json, text/csv or text/tab-separated-values")
                ctype = other
                body = results.solutions(results.SELECT_TYPES[ctype], names, rows)
        else:
            ctype = choose(job.accept, results.GRAPH_OFFER)
            if ctype is None:
                return _text(406, "CONSTRUCT and DESCRIBE results are offered as " + ", ".join(results.GRAPH_OFFER))
            triples = []
            for t in res:
                if len(triples) >= cap:
                    return _over_cap(cap, "triples")
                triples.append(t)
            body = results.graph(results.GRAPH_TYPES[ctype], triples, prefixes)
    except SyntaxError as e:
        from qgraph.corpus.sparql_syntax import readable

        return _text(400, readable(str(e.msg if getattr(e, 'msg', None) else e), job.query))
    except MemoryError:
        return _text(500, "the query needed more memory than a query may use")
    except (OSError, RuntimeError, ValueError, TypeError) as e:
        return _text(500, f"query failed: {' '.join(str(e).split())[:300]}")
    if len(body) > limits.max_bytes:
        return _text(500, f"result cap exceeded: the answer is larger than {limits.max_bytes} bytes")
    charset = "; charset=utf-8" if ctype.startswith("text/") or ctype.endswith(("json", "xml")) else ""
    return 200, ctype + charset, body


class _CappedWriter:
    """A binary file for pyoxigraph's serializer that stops it (``OSError``) beyond ``cap`` bytes."""

    def __init__(self, cap: int):
        self.cap = cap
        self.size = 0
        self.over = False
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.size += len(b)
        if self.size > self.cap:
            self.over = True
            raise OSError("the answer is over the byte cap")
        self.parts.append(bytes(b))
        return len(b)

    def flush(self) -> None:
        pass


def _json_solutions(res: Any, cap: int, max_bytes: int) -> bytes | Reply | None:
    """SELECT results as SPARQL JSON written by pyoxigraph (in Rust: no Python object per term;
    the same JSON as :func:`qgraph.web.results.solutions` writes, without its spaces), or None
    when the answer is over the byte cap: the caller then evaluates again and counts as before,
    so that what is refused and how stays the same. More than ``cap`` rows is refused (the rows
    are counted only when the body is long enough to hold that many: a row is at least ``{}``
    and a comma)."""
    import json

    import pyoxigraph as ox

    out = _CappedWriter(max_bytes)
    try:
        res.serialize(out, format=ox.QueryResultsFormat.JSON)
    except OSError:
        if out.over:
            return None
        raise
    body = b"".join(out.parts)
    if _rows_at_most(body) > cap and len(json.loads(body)["results"]["bindings"]) > cap:
        return _over_cap(cap, "rows")
    return body


#: how pyoxigraph's SPARQL JSON begins: written without a space, its rows follow one another as ``},{``
_COMPACT = b'{"head":{"vars":['


def _rows_at_most(body: bytes) -> int:
    """No fewer than the rows of the SPARQL JSON ``body``, without reading it: in pyoxigraph's
    compact form one ``},{`` at least between two rows (a string holding it counts too, which
    only raises the bound), else the body's length over three (a row is at least ``{}`` and a
    comma). Reading it to count them took 0.06–0.5 s of each of the heaviest catalogue answers
    at 1M triples (5–11 MB, under the default cap), every request."""
    if not body.startswith(_COMPACT):
        return (len(body) + 1) // 3
    return body.count(b"},{") + 1


def _over_cap(cap: int, what: str) -> Reply:
    return _text(500, f"result cap exceeded: the query has more than {cap} {what}; add a LIMIT (or narrow "
                      "the query) and ask again, or start the server with a larger `qgraph serve --max-results`")


def _setup() -> Any:
    """What a process that answers queries sets first (a worker, or the process its workers are
    forked from, :func:`_zygote`); the connection its arguments arrive on (FD ``argv[1]``)."""
    import logging
    import signal
    import sys
    from multiprocessing.connection import Connection

    from qgraph.web.guard import RECURSION_LIMIT

    # as the command's own process (qgraph.cli): rdflib logs a traceback for every ill-typed
    # literal it converts, here a client's $name=value ("abc"^^xsd:integer), answered as it is
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server, which then ends us
    sys.setrecursionlimit(RECURSION_LIMIT)  # it inspects each job again, as a checker does
    return Connection(int(sys.argv[1]))


def _holding(nquads: bytes, limits: Limits, known: list[str]) -> tuple[Any, int]:
    """The graph in a pyoxigraph Store, loaded under the memory cap, and how many of the ``known``
    texts the guard's memo holds."""
    if limits.memory:
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (limits.memory, limits.memory))
        except (ImportError, ValueError, OSError):
            pass
    import pyoxigraph as ox

    from qgraph.corpus.store import MERGE

    store = ox.Store()
    store.load(nquads, format=ox.RdfFormat.N_QUADS)
    # the default graph is the merge of all graphs, as in the query store (copied by Oxigraph in
    # one update: 1M triples 2.5 s, where adding a Python quad per triple took 6.4 s)
    store.update(MERGE)
    # the guard's memo filled with the texts the server expects (the catalogue), as the server's
    # own: a worker inspects every job again, and parsing (rdflib, 3-120 ms a question, ~0.9 s for
    # the catalogue) would otherwise be paid by the first requests each worker meets, on the same
    # two cores that evaluate queries
    from qgraph.web.guard import remember, remembered

    remember(known)
    # what evaluate() imports, imported before the worker says it is ready (~45 ms, else paid by
    # its first request; a forked worker's first request after a replacement too)
    import qgraph.web.negotiation
    import qgraph.web.results  # noqa: F401

    return store, sum(remembered(t) for t in known)


def _answer(conn: Any, store: Any, prefixes: dict[str, str], graphs: set[str], limits: Limits) -> None:
    """A worker's loop: each job received evaluated and its reply sent, until the pipe closes."""
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = evaluate(store, job, prefixes, graphs, limits)
        except Exception as e:  # never let one query end the worker loop
            reply = _text(500, f"query failed: {type(e).__name__}: {' '.join(str(e).split())[:300]}")
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return


def _child() -> None:
    """Entry point of a worker process started on its own (where processes cannot be forked):
    ``python -c '…_child()' FD``; the graph arrives on FD."""
    import os

    conn = _setup()
    nquads, prefixes, graphs, limits, known = conn.recv()
    store, remembered = _holding(nquads, limits, known)
    del nquads
    conn.send(("ready", os.getpid(), remembered))
    _answer(conn, store, prefixes, set(graphs), limits)


#: a request to the process the workers are forked from (:func:`_zygote`): fork one more
_FORK = b"f"
#: its reply: the worker's process id (with the server's end of the worker's pipe and, where the
#: system has them, a pidfd of the worker)
_PID = struct.Struct("=q")


def _zygote() -> None:
    """Entry point of the process that holds the graph for the query workers and forks each of
    them: ``python -c '…_zygote()' FD CONTROL``. The graph arrives on FD as a worker's does
    (:func:`_child`); then, for each request on CONTROL (a ``SOCK_SEQPACKET`` socket), one worker
    is forked, holding the graph already (shared copy-on-write), and the server's end of its pipe
    is sent back with its process id. This process runs no thread, so a fork is always safe; it
    ends when CONTROL closes (the server stopped), its workers when their pipes close. A worker
    inherits the memory cap (``RLIMIT_AS``, set before the graph is loaded), so its cap counts
    the graph, as a worker's own did."""
    import gc
    import os
    import signal
    import socket
    import sys
    from multiprocessing.connection import Connection

    conn = _setup()
    control = socket.socket(fileno=int(sys.argv[2]))
    nquads, prefixes, graphs, limits, known = conn.recv()
    conn.close()
    store, remembered = _holding(nquads, limits, known)
    del nquads
    allowed = set(graphs)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # its workers are reaped by the system, unwaited
    gc.collect()
    gc.freeze()  # the objects left as they are: the collector of a worker does not write to them
    while True:
        try:
            request = control.recv(16)
        except OSError:
            request = b""
        if request != _FORK:
            os._exit(0)
        ours, theirs = socket.socketpair()
        try:
            pid = os.fork()
        except OSError:  # no process to be had now (memory, a limit): said so, and asked again later
            ours.close()
            theirs.close()
            try:
                control.send(_PID.pack(0))
            except OSError:
                os._exit(0)
            continue
        if pid == 0:  # the worker
            try:
                control.close()
                ours.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                worker = Connection(theirs.detach())
                worker.send(("ready", os.getpid(), remembered))
                # on a thread of its own: Oxigraph's random numbers (RAND, UUID, STRUUID, blank
                # nodes) come from a generator per thread, seeded once, which a fork copies; the
                # forked thread would repeat its siblings' numbers, a new thread seeds its own
                answering = threading.Thread(target=_answer, args=(worker, store, prefixes, allowed, limits),
                                             name="qgraph-worker")
                answering.start()
                answering.join()
            finally:
                os._exit(0)
        theirs.close()
        fds = [ours.detach()]
        try:
            fds.append(os.pidfd_open(pid))
        except (AttributeError, OSError):  # before Linux 5.3, or not Linux: its process id alone
            pass
        try:
            socket.send_fds(control, [_PID.pack(pid)], fds)
        except OSError:
            os._exit(0)
        finally:
            for fd in fds:
                os.close(fd)


# ---------------------------------------------------------------- in the server

def _start(entry: str, args: tuple, control: Any = None) -> tuple[subprocess.Popen, Any]:
    """A ``python`` child running ``entry``, started with ``subprocess`` (not ``multiprocessing``,
    whose ``spawn`` would re-import the caller's ``__main__``), and the connection (a socket pair)
    its ``args`` are sent on; ``control``: a socket the child gets as its second argument."""
    import os
    import socket
    import sys
    from multiprocessing.connection import Connection

    import qgraph

    ours, theirs = socket.socketpair()
    env = dict(os.environ)
    src = str(Path(qgraph.__file__).resolve().parents[1])
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    fds = (theirs.fileno(),) + ((control.fileno(),) if control is not None else ())
    process = subprocess.Popen(
        [sys.executable, "-c", entry, *map(str, fds)],
        pass_fds=fds, env=env, stdin=subprocess.DEVNULL, close_fds=True)
    theirs.close()
    conn = Connection(ours.detach())
    conn.send(args)
    return process, conn


class _Worker:
    """One worker: a ``python`` child of its own (:func:`_start`), talking over a socket pair;
    ``entry``: the function it runs (a query worker's, else a checker's, :class:`Checkers`)."""

    def __init__(self, args: tuple, entry: str):
        self.process, self.conn = _start(entry, args)
        self.ready = False
        self.remembered = 0  # how many of the known texts its guard memo holds (reported when ready)

    def wait_ready(self, timeout: float) -> bool:
        if not self.ready and self.conn.poll(timeout):
            msg = self.conn.recv()
            self.ready = msg[0] == "ready"
            self.remembered = msg[2] if self.ready else 0
        return self.ready

    def kill(self) -> None:
        _kill(self.process, self.conn)


def _kill(process: subprocess.Popen, channel: Any) -> None:
    """Kill a child of this process, wait (up to 5 s) for its end, and close ``channel`` to it."""
    try:
        process.kill()
        process.wait(5)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        pass
    try:
        channel.close()
    except OSError:
        pass


def _end(pid: int, pidfd: int | None) -> None:
    """Kill a worker forked by the zygote (which reaps it) and wait, up to 5 s, until it is gone:
    through its pidfd where there is one (never another process that took its number)."""
    import os
    import select
    import signal

    if pidfd is None:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        return
    try:
        signal.pidfd_send_signal(pidfd, signal.SIGKILL)
        gone = select.poll()
        gone.register(pidfd, select.POLLIN)  # readable once the process has ended
        gone.poll(5000)
    except OSError:
        pass
    finally:
        os.close(pidfd)


def _forks() -> bool:
    """Whether the query workers can be forked from a :class:`_Zygote`: on Linux, which has
    ``fork``, ``SOCK_SEQPACKET`` Unix sockets and the passing of a socket to another process
    (``socket.send_fds``; macOS has no ``SOCK_SEQPACKET`` Unix sockets)."""
    import socket
    import sys

    from qgraph.forked import can_fork

    return sys.platform.startswith("linux") and can_fork() and hasattr(socket, "send_fds")


class _Zygote:
    """The process the query workers are forked from (:func:`_zygote`): it loads the graph once,
    and each worker, a fork of it, holds the graph at once and shares its memory (copy-on-write,
    until the worker's reads write to it: see the module). Started on its own, each worker
    parsed the graph again: at 1M triples, ~5 s of CPU each, on the two cores that also start
    the server; and a worker killed over its time limit cost as much again to replace. Stopped,
    it is started again for the next worker."""

    ENTRY = "from qgraph.web.pool import _zygote; _zygote()"

    def __init__(self, args: tuple):
        self._args = args
        self._lock = threading.Lock()  # one thread at a time asks it, or reads its replies
        self._counts = threading.Lock()
        self._abandoned = 0  # replies whose worker was given up before they came (killed on arrival)
        self.generation = 0
        self._start()

    def _start(self) -> None:
        import socket

        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process, conn = _start(self.ENTRY, self._args, theirs)
        finally:
            theirs.close()
        conn.close()  # its arguments sent: it reads nothing more there
        self._control = ours
        with self._counts:
            self._abandoned = 0
            self.generation += 1

    def request(self) -> int:
        """Ask for one more worker (:meth:`receive` takes it); the generation asked."""
        with self._lock:
            try:
                if self.process.poll() is not None:
                    raise BrokenPipeError
                self._control.send(_FORK)
            except OSError:  # it stopped: a new one, which loads the graph again
                self._stop()
                self._start()
                self._control.send(_FORK)
            return self.generation

    def receive(self, generation: int, timeout: float) -> tuple[Any, int, int | None] | None:
        """A worker forked for a request of ``generation``: its connection, process id and pidfd;
        ``None`` when none came within ``timeout``; ``EOFError`` when the process it was asked of
        has stopped, ``OSError`` when it could not fork one (it goes on, and is asked again for the
        next). Any reply will do: the workers are alike."""
        import os
        import select
        import socket
        import time
        from multiprocessing.connection import Connection

        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                if generation != self.generation:
                    raise EOFError("the process the workers are forked from was started again")
                ready = select.poll()
                ready.register(self._control, select.POLLIN)
                if not ready.poll(max(0, int((deadline - time.monotonic()) * 1000))):
                    return None
                msg, fds, _, _ = socket.recv_fds(self._control, 16, 2)
                if len(msg) != _PID.size:
                    for fd in fds:
                        os.close(fd)
                    raise EOFError("the process the workers are forked from stopped")
                with self._counts:  # a reply, worker or failure, for a request given up: not ours
                    abandoned = self._abandoned > 0
                    self._abandoned -= abandoned
                if not fds:
                    if abandoned:
                        continue
                    raise OSError("the process the workers are forked from could not fork one")
                pid = _PID.unpack(msg)[0]
                conn, pidfd = Connection(fds[0]), (fds[1] if len(fds) > 1 else None)
                if not abandoned:
                    return conn, pid, pidfd
                _end(pid, pidfd)
                conn.close()

    def abandon(self, generation: int) -> None:
        """A worker asked of ``generation`` is given up before it came: the next to come is killed."""
        with self._counts:
            if generation == self.generation:
                self._abandoned += 1

    def _stop(self) -> None:
        _kill(self.process, self._control)

    def close(self) -> None:
        with self._counts:
            self.generation += 1  # a worker still waiting is told it stopped
        self._stop()


class _ForkedWorker:
    """One query worker forked by the :class:`_Zygote` (as :class:`_Worker`, with the graph
    loaded already): asked for when made, taken when first awaited (:meth:`wait_ready`)."""

    def __init__(self, zygote: _Zygote):
        self._zygote = zygote
        self.generation = zygote.request()
        self.conn: Any = None
        self.pid: int | None = None
        self._pidfd: int | None = None
        self.ready = False
        self.remembered = 0

    def wait_ready(self, timeout: float) -> bool:
        import time

        if self.ready:
            return True
        deadline = time.monotonic() + timeout
        if self.conn is None:
            got = self._zygote.receive(self.generation, timeout)
            if got is None:
                return False
            self.conn, self.pid, self._pidfd = got
        if self.conn.poll(max(0.0, deadline - time.monotonic())):
            msg = self.conn.recv()
            self.ready = msg[0] == "ready"
            self.remembered = msg[2] if self.ready else 0
        return self.ready

    def kill(self) -> None:
        if self.conn is None:
            self._zygote.abandon(self.generation)
            return
        pidfd, self._pidfd = self._pidfd, None
        _end(self.pid or 0, pidfd)
        try:
            self.conn.close()
        except OSError:
            pass


class _Processes:
    """Processes (:class:`_Worker`) that each answer one request at a time, under a time limit: a
    process that runs over it, or stops, is killed and replaced off the request path."""

    #: what each process runs (:class:`_Worker`'s ``entry``)
    ENTRY = "from qgraph.web.pool import _child; _child()"

    def __init__(self, args: tuple, count: int, queue_wait: float):
        self._args = args
        self._queue_wait = queue_wait
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.restarts = 0
        for _ in range(max(1, count)):
            self._add()

    def _new(self) -> Any:
        return _Worker(self._args, self.ENTRY)

    def _add(self) -> None:
        w = self._new()
        with self._lock:
            if self._closed:
                w.kill()
                return
            self._all.add(w)
        self._idle.put(w)

    def _replace(self, w: _Worker) -> None:
        w.kill()
        with self._lock:
            self._all.discard(w)
        self._add()

    def _ask(self, request: Any, timeout: float, busy: Any, failed_to_start: Any, over: Any, stopped: Any) -> Any:
        """``request`` answered by the first process free within the queue's wait, else ``busy``;
        ``over`` if it has not answered within ``timeout``, ``stopped`` if it stopped."""
        try:
            w = self._idle.get(timeout=self._queue_wait)
        except queue.Empty:
            return busy
        healthy = False
        try:
            if not w.wait_ready(60.0):
                return failed_to_start
            w.conn.send(request)
            if not w.conn.poll(timeout):
                return over
            reply = w.conn.recv()
            healthy = True
            return reply
        except (EOFError, OSError, BrokenPipeError):
            return stopped
        finally:
            if healthy:
                self._idle.put(w)
            else:
                with self._lock:
                    self.restarts += 1
                threading.Thread(target=self._replace, args=(w,), daemon=True).start()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            w.kill()


class Checkers(_Processes):
    """``limits.checkers`` processes that parse the query texts the guard has not seen yet
    (:func:`qgraph.web.guard._parse`), each under ``limits.check_timeout``: calling this returns
    what the guard's parse returns, or a transient :class:`~qgraph.web.guard.Refused` (503) when
    no checker came free within ``limits.check_timeout`` or the parse ran over its time (that
    checker is then killed and replaced, off the request path, as a query worker is).

    Parsed in the request threads, a text that takes rdflib long to parse (250 KB of ``1+1+…``:
    ~90 s) held every /sparql request up behind it, whatever its own query (the parser runs one
    text at a time in a process); a checker's time limit bounds that, and the other checkers go
    on with the other texts."""

    ENTRY = "from qgraph.web.guard import _checker_child; _checker_child()"

    def __init__(self, limits: Limits):
        self.limits = limits
        # a text waits for a free checker at most one checker's time limit (not the queue's 30 s):
        # beside texts that each take a checker's whole limit, a request is answered (503) soon
        # and gives its thread back to the other pages
        super().__init__((), limits.checkers, min(limits.queue_wait, limits.check_timeout))

    def __call__(self, text: str) -> Any:
        from qgraph.web.guard import Refused

        limit = self.limits.check_timeout
        return self._ask(
            text, limit,
            busy=Refused(503, "the server is busy: every query checker is taken; try again shortly", True),
            failed_to_start=Refused(503, "a query checker failed to start; try again", True),
            over=Refused(503, f"time limit exceeded: checking the query took more than {limit:g} s and was "
                              "stopped; shorten or simplify it", True),
            stopped=Refused(503, "the query could not be checked (its checker stopped); try again", True))


class Pool(_Processes):
    """``workers`` processes, each with the graph; :meth:`run` answers one job under the deadline."""

    def __init__(self, nquads: bytes, prefixes: dict[str, str], graphs: list[str], limits: Limits,
                 known: list[str] | tuple[str, ...] = ()):
        """``known``: query texts each worker parses into its guard memo before it is ready (the
        catalogue's questions), so that asking one for the first time costs only its evaluation."""
        self.limits = limits
        args = (nquads, dict(prefixes), list(graphs), limits, list(known))
        #: the process the workers are forked from, where processes can be forked (else each
        #: worker is started on its own and loads the graph itself)
        self.zygote = _Zygote(args) if _forks() else None
        try:
            super().__init__(args, limits.workers, limits.queue_wait)
        except BaseException:
            self.close()
            raise

    def _new(self) -> Any:
        return _ForkedWorker(self.zygote) if self.zygote is not None else super()._new()

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until every worker has loaded the graph (server start-up)."""
        workers = [self._idle.get() for _ in range(max(1, self.limits.workers))]
        try:
            for w in workers:
                if not w.wait_ready(timeout):
                    raise RuntimeError("a query worker did not start")
        finally:
            for w in workers:
                self._idle.put(w)

    def close(self) -> None:
        super().close()
        if self.zygote is not None:
            self.zygote.close()

    def run(self, job: Job) -> Reply:
        return self._ask(
            job, self.limits.timeout,
            busy=_text(503, "the server is busy: every query worker is taken; try again shortly"),
            failed_to_start=_text(500, "a query worker failed to start; try again"),
            over=_text(503, f"time limit exceeded: the query ran for more than {self.limits.timeout:g} s "
                            "and was stopped; narrow it or add a LIMIT"),
            stopped=_text(500, "the query failed and its worker was restarted (it may need too much memory)"))
