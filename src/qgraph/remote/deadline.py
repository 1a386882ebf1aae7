"""Total deadlines for outbound HTTP: per request and per command.

A socket timeout bounds one read, not a request: a server that answers one byte per second
never trips a 5 s timeout. Here every request gets a :class:`Deadline` (its ``--timeout``, as a
total from connecting to the last byte of the answer), and the command as a whole may have one
too (:func:`command_deadline`, ``--deadline``); a request's deadline is the nearer of the two.

The deadline is enforced at the socket: before each read and each send, the socket's timeout is
set to the time left, so no read can outlast it, however slowly the bytes arrive (status line,
headers and body alike). :func:`opener` gives a ``urllib`` opener that does this for http and
https; SPARQLWrapper's requests are opened through it.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import http.client
import io
import socket
import time
import urllib.request
from typing import Any, Iterator


class DeadlineExceeded(TimeoutError):
    """The total time of a request (or, ``command`` true, of the whole command) ran out."""

    def __init__(self, message: str, command: bool = False):
        super().__init__(message)
        self.command = command


class Deadline:
    """A point in time (monotonic clock); ``seconds`` is kept for messages."""

    def __init__(self, seconds: float, what: str = "request"):
        self.seconds = float(seconds)
        self.what = what
        self.at = time.monotonic() + self.seconds

    def remaining(self) -> float:
        """Seconds left; :class:`DeadlineExceeded` when none are."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise DeadlineExceeded(f"the {self.what}'s total time limit of {self.seconds:g} s ran out",
                                   command=self.what == "command")
        return left


_COMMAND: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("qgraph_command_deadline", default=None)


@contextlib.contextmanager
def command_deadline(seconds: float | None) -> Iterator[None]:
    """Within this block every request also ends by ``seconds`` from now (None: no command limit)."""
    token = _COMMAND.set(Deadline(seconds, "command") if seconds else None)
    try:
        yield
    finally:
        _COMMAND.reset(token)


def request_deadline(seconds: float) -> Deadline:
    """The deadline of one request: ``seconds`` from now, or the command's if that comes first."""
    own = Deadline(seconds)
    cmd = _COMMAND.get()
    if cmd is not None:
        cmd.remaining()  # raises when the command is already out of time
        if cmd.at < own.at:
            return cmd
    return own


class _Reader(io.RawIOBase):
    """Reads a socket, never past the deadline. ``hold`` is the file object http.client made
    (``sock.makefile``): kept open until this reader closes, since urllib closes the socket
    right after the headers and relies on that file object to keep it alive for the body."""

    def __init__(self, sock: socket.socket, deadline: Deadline, hold: Any):
        self.sock, self.deadline, self.hold = sock, deadline, hold

    def close(self) -> None:
        if not self.closed:
            self.hold.close()
        super().close()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.sock.settimeout(self.deadline.remaining())
        try:
            return self.sock.recv_into(buffer)
        except TimeoutError:
            self.deadline.remaining()  # DeadlineExceeded (the time left was the socket's timeout)
            raise


class _Response(http.client.HTTPResponse):
    def __init__(self, sock: socket.socket, *args: Any, deadline: Deadline, **kw: Any):
        super().__init__(sock, *args, **kw)
        self.fp = io.BufferedReader(_Reader(sock, deadline, self.fp))  # reads within the deadline


class _Bound:
    """Mixed into http.client's connections: connect, send and read within the deadline."""

    deadline: Deadline

    def connect(self) -> None:
        self.timeout = self.deadline.remaining()
        super().connect()  # type: ignore[misc]
        self.response_class = functools.partial(_Response, deadline=self.deadline)

    def send(self, data: Any) -> None:
        if self.sock is not None:  # type: ignore[attr-defined]
            self.sock.settimeout(self.deadline.remaining())  # type: ignore[attr-defined]
        super().send(data)  # type: ignore[misc]


class _HTTPConnection(_Bound, http.client.HTTPConnection):
    def __init__(self, *args: Any, deadline: Deadline, **kw: Any):
        super().__init__(*args, **kw)
        self.deadline = deadline


class _HTTPSConnection(_Bound, http.client.HTTPSConnection):
    def __init__(self, *args: Any, deadline: Deadline, **kw: Any):
        super().__init__(*args, **kw)
        self.deadline = deadline


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: Deadline):
        super().__init__()
        self.deadline = deadline

    def http_open(self, req: Any) -> Any:
        return self.do_open(functools.partial(_HTTPConnection, deadline=self.deadline), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: Deadline):
        super().__init__()
        self.deadline = deadline

    def https_open(self, req: Any) -> Any:
        return self.do_open(functools.partial(_HTTPSConnection, deadline=self.deadline), req,
                            context=self._context)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is reported (its HTTP error), not followed: a PUT or POST must not silently change
    target, nor credentials go with it to another host."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001
        return None


def opener(deadline: Deadline, *handlers: Any) -> urllib.request.OpenerDirector:
    """A urllib opener whose http(s) requests end by ``deadline`` (plus ``handlers``: auth, redirects)."""
    return urllib.request.build_opener(_HTTPHandler(deadline), _HTTPSHandler(deadline), *handlers)


def deadline_of(exc: BaseException) -> DeadlineExceeded | None:
    """The deadline that ran out, if ``exc`` is one (or urllib wrapped one as its reason)."""
    for e in (exc, getattr(exc, "reason", None)):
        if isinstance(e, DeadlineExceeded):
            return e
    return None
