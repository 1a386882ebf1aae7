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
    value is no longer wanted (safe to call again, and after :meth:`result`).

    ``then``: a second call the child makes once it has sent ``fn()``'s value (while the parent
    goes on with it), its value read by :meth:`later` (``None`` on any failure, that of ``then``
    alone included); the child lives until then, or until :meth:`close`."""

    def __init__(self, fn: Callable[[], Any], name: str = "qgraph-beside", then: Callable[[], Any] | None = None) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        self._recv, send = ctx.Pipe(duplex=False)
        self._then = then is not None
        self._child = ctx.Process(target=_run, args=(fn, send, then), name=name, daemon=True)
        self._child.start()
        send.close()

    def result(self) -> Any:
        got = self._read()
        if not self._then or got is None:
            self.close()
        return got[0] if got is not None else None

    def later(self) -> Any:
        """The value of ``then`` (after :meth:`result`); ``None`` when there is none."""
        got = self._read() if self._then and not self._recv.closed else None
        self.close()
        return got[0] if got is not None else None

    def _read(self) -> tuple | None:
        try:
            return self._recv.recv()
        except (EOFError, OSError):
            return None

    def close(self) -> None:
        if self._child.is_alive():
            self._child.terminate()
        self._child.join()
        self._recv.close()


def _run(fn: Callable[[], Any], send: Any, then: Callable[[], Any] | None = None) -> None:
    """In the child: send ``(fn(),)``, or ``None`` when it raised (the parent does the work
    again); then, with ``then``, the same of ``then()`` (nothing when ``fn`` raised)."""
    for call in (fn, then):
        if call is None:
            break
        try:
            got: tuple | None = (call(),)
        except BaseException:
            got = None
        send.send(got)
        if got is None:
            break
    send.close()
