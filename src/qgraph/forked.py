"""A call run in a child process forked now, its value read back through a one-way pipe.

The build and ``qgraph validate`` use it for work that needs no more than what is loaded before
the fork (shared copy-on-write) and would otherwise wait for the GIL: the term checks (with the
summary's per-document counts in the build), the union checks after an edit, SHACL-for-SHACL of
the shapes. Whatever goes wrong in the child (an exception, a kill, a pipe closed early),
:meth:`Forked.result` gives ``None`` and the caller does the work itself, which reports any error
as usual. Fork only where no thread runs (a lock held by another thread at the fork stays held in
the child), and only where ``fork`` exists (:func:`can_fork`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, Callable


def can_fork() -> bool:
    """Whether ``fork`` is a start method here: as ``"fork" in
    multiprocessing.get_all_start_methods()`` answers (every platform but Windows, where
    ``os.fork`` exists), without importing multiprocessing (~10 ms of each ``qgraph validate``,
    which forks nothing after most edits)."""
    import os

    return sys.platform != "win32" and hasattr(os, "fork")


def reset_term() -> None:
    """In a forked child: SIGTERM ends it at once, as the default does. A command's SIGTERM
    handler (:func:`qgraph.cli._stop_on_term`, which unwinds as Ctrl-C does) is not the child's:
    :meth:`Forked.close` stops a child so, and a kept store's writer stopped so is cleaned up
    after by the next one."""
    import signal

    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    except (ValueError, AttributeError, OSError):
        pass


class Beside:
    """A call run on a daemon thread of this process (the build's SPARQL checks: Oxigraph evaluates
    them without the GIL, so the Python work of the exports goes on meanwhile; a store filled, or
    xmlschema's meta-schema built, on a thread of its own); :meth:`result` waits for it and
    returns its value or raises its exception. A daemon thread, so an interrupted build exits
    at once rather than waiting for it."""

    def __init__(self, fn: Callable[[], Any], name: str = "qgraph-checks") -> None:
        import threading

        self._value: Any = None
        self._error: BaseException | None = None

        def run() -> None:
            try:
                self._value = fn()
            except BaseException as e:  # handed to the waiting thread
                self._error = e

        self._thread = threading.Thread(target=run, name=name, daemon=True)
        self._thread.start()

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


class Forked:
    """``fn()`` in a child process forked at construction; :meth:`result` waits and gives its
    value, or ``None`` when the child failed in any way; :meth:`close` stops a child whose
    value is no longer wanted (safe to call again, and after :meth:`result`).

    ``then``: further calls (one or a sequence) the child makes in turn once it has sent
    ``fn()``'s value, while the parent goes on with it; each :meth:`later` reads the next one's
    value (``None`` on any failure, and for every call after one that failed). The child lives
    until the last is read, or until :meth:`close`.

    ``drain``: a thread of this process reads each value as soon as the child has sent it, so
    that the child ends once its last call is done rather than when the parent asks for that
    value (the build's child, done with the exports' relabelling while the parent still checks
    SHACL, held ~600 MiB for 2.5 s more at 1M, waiting to hand it over). A fork made while that
    thread runs is unsafe (see above): the build makes none."""

    def __init__(self, fn: Callable[[], Any], name: str = "qgraph-beside",
                 then: Callable[[], Any] | Sequence[Callable[[], Any]] | None = None, drain: bool = False) -> None:
        import multiprocessing

        calls = [fn] + ([] if then is None else [then] if callable(then) else list(then))
        ctx = multiprocessing.get_context("fork")
        self._recv, send = ctx.Pipe(duplex=False)
        self._left = len(calls)  # values not read yet
        self._child = ctx.Process(target=_run, args=(calls, send), name=name, daemon=True)
        self._child.start()
        send.close()
        self._got: Any = None
        self._reader: Any = None
        if drain:
            import queue
            import threading

            self._got = queue.SimpleQueue()
            self._reader = threading.Thread(target=self._drain, args=(len(calls),), name=f"{name}-read", daemon=True)
            self._reader.start()

    def _drain(self, n: int) -> None:
        """On the reading thread: each value read as it comes, ``None`` for the first that fails."""
        for _ in range(n):
            try:
                got = self._recv.recv()
            except Exception:  # EOF (the child ended early), a closed pipe, a value that does not load
                got = None
            self._got.put(got)
            if got is None:
                return

    def result(self) -> Any:
        return self._next()

    def later(self) -> Any:
        """The value of the next call of ``then`` (after :meth:`result`); ``None`` when there is none."""
        return self._next()

    def _next(self) -> Any:
        got = None
        if self._left > 0 and not self._recv.closed:
            if self._got is not None:
                got = self._got.get()  # as the reading thread got it
            else:
                try:
                    got = self._recv.recv()
                except (EOFError, OSError):
                    got = None
        self._left -= 1
        if got is None or self._left <= 0:
            self.close()
        return got[0] if got is not None else None

    def close(self) -> None:
        if self._child.is_alive():
            self._child.terminate()
        self._child.join()
        if self._reader is not None:
            self._reader.join()  # the child gone, its end of the pipe is closed: the thread ends
        self._recv.close()


def _run(calls: list[Callable[[], Any]], send: Any) -> None:
    """In the child: send ``(call(),)`` for each call in turn, or ``None`` for the first that
    raised, and stop there (the parent does the work again).

    Each value is sent by a thread of the child's own while the next call runs: a value larger
    than the pipe holds waits there until the parent reads it, and the build's parent reads
    the term checks' only once its SHACL check is done; sent from the calling thread, the next
    call (the exports' relabelling) waited with it (1M triples: 3.5 s) and the parent then
    waited for that call (1.7 s)."""
    import queue
    import threading

    reset_term()  # the parent's SIGTERM handler (qgraph.cli) is not ours: Forked.close ends us at once
    values: queue.SimpleQueue = queue.SimpleQueue()

    def sender() -> None:
        while (got := values.get()) is not _DONE:
            try:
                send.send(got)
            except Exception:  # the parent closed its end, or the value cannot be pickled: the
                return  # parent reads the end of the pipe (None) and does the work itself
            if got is None:
                return

    thread = threading.Thread(target=sender, name="qgraph-beside-send", daemon=True)
    thread.start()
    for call in calls:
        if not thread.is_alive():  # nothing more can be sent
            break
        try:
            got: tuple | None = (call(),)
        except BaseException:
            got = None
        values.put(got)
        if got is None:
            break
    values.put(_DONE)
    thread.join()
    send.close()


_DONE = object()  # after the last value, to the sending thread
