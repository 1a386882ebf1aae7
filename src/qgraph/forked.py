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

from typing import Any, Callable


def can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


class Forked:
    """``fn()`` in a child process forked at construction; :meth:`result` waits and gives its
    value, or ``None`` when the child failed in any way; :meth:`close` stops a child whose
    value is no longer wanted (safe to call again, and after :meth:`result`)."""

    def __init__(self, fn: Callable[[], Any], name: str = "qgraph-beside") -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        self._recv, send = ctx.Pipe(duplex=False)
        self._child = ctx.Process(target=_run, args=(fn, send), name=name, daemon=True)
        self._child.start()
        send.close()

    def result(self) -> Any:
        try:
            got = self._recv.recv()
        except (EOFError, OSError):
            got = None
        self.close()
        return got[0] if got is not None else None

    def close(self) -> None:
        if self._child.is_alive():
            self._child.terminate()
        self._child.join()
        self._recv.close()


def _run(fn: Callable[[], Any], send: Any) -> None:
    """In the child: send ``(fn(),)``, or ``None`` when it raised (the parent does the work again)."""
    got = None
    try:
        got = (fn(),)
    except BaseException:
        got = None
    send.send(got)
    send.close()
