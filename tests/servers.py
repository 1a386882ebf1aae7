"""Real SPARQL servers on 127.0.0.1 for tests, and a fault-injecting HTTP proxy.

- :class:`OxigraphServer`: the ``oxigraph`` package's server (``oxigraph serve``) on a free port,
  persistent in a folder, so it can be killed and restarted on the same data.
- :class:`VirtuosoServer`: Debian's ``virtuoso-t`` with a private ini bound to loopback
  (:func:`virtuoso_available` says whether it is installed).
- :class:`FaultProxy`: an ``http.server`` in front of a real server that forwards every request,
  and can answer a chosen request itself (a 500, a 401 when credentials are wrong) or run a
  callback (kill the server) before or while forwarding.

Readiness is awaited by polling with a generous deadline (no timing is asserted). Every
process is started here and ended here, by its own handle.
"""

from __future__ import annotations

import base64
import http.client
import http.server
import os
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

HOST = "127.0.0.1"
READY_DEADLINE = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _wait_until(check: Callable[[], bool], what: str, proc: subprocess.Popen | None, log: Path | None) -> None:
    deadline = time.monotonic() + READY_DEADLINE
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"{what} exited with {proc.returncode} before it was ready:\n{tail}")
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{what} was not ready within {READY_DEADLINE:g} s")


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def oxigraph_executable() -> str | None:
    here = Path(sys.executable).with_name("oxigraph")
    return str(here) if here.is_file() else shutil.which("oxigraph")


class OxigraphServer:
    """``oxigraph serve --location DIR --bind 127.0.0.1:PORT [--union-default-graph]``."""

    def __init__(self, location: Path, union_default_graph: bool = True, port: int | None = None):
        self.location = Path(location)
        self.union = union_default_graph
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.log = self.location.with_name(self.location.name + ".log")

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    query = property(lambda self: self.base + "/query")
    update = property(lambda self: self.base + "/update")
    store = property(lambda self: self.base + "/store")

    def start(self) -> "OxigraphServer":
        exe = oxigraph_executable()
        if exe is None:
            raise RuntimeError("the oxigraph server is not installed (pip install oxigraph)")
        self.location.mkdir(parents=True, exist_ok=True)
        cmd = [exe, "serve", "--location", str(self.location), "--bind", f"{HOST}:{self.port}"]
        if self.union:
            cmd.append("--union-default-graph")
        with self.log.open("ab") as fh:
            self.proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        ask = self.query + "?" + urllib.parse.urlencode({"query": "ASK {}"})
        _wait_until(lambda: _http_ok(ask), "oxigraph serve", self.proc, self.log)
        return self

    def kill(self) -> None:
        """SIGKILL: the server dies without any chance to finish what it was doing."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)

    def restart(self) -> "OxigraphServer":
        self.stop()
        return self.start()


def virtuoso_executable() -> str | None:
    return shutil.which("virtuoso-t")


def virtuoso_available() -> bool:
    return virtuoso_executable() is not None and Path("/var/lib/virtuoso-opensource-7/vsp").is_dir()


VIRTUOSO_INI = """\
[Database]
DatabaseFile       = {d}/virtuoso.db
ErrorLogFile       = {d}/virtuoso.log
LockFile           = {d}/virtuoso.lck
TransactionFile    = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
TempStorage        = TempDatabase
[TempDatabase]
DatabaseFile       = {d}/virtuoso-temp.db
TransactionFile    = {d}/virtuoso-temp.trx
[Parameters]
ServerPort         = {host}:{sql_port}
DisableUnixSocket  = 1
DirsAllowed        = .
NumberOfBuffers    = 10000
MaxDirtyBuffers    = 6000
[HTTPServer]
ServerPort         = {host}:{http_port}
ServerRoot         = /var/lib/virtuoso-opensource-7/vsp
ServerThreads      = 10
MaxClientConnections = 10
Charset            = UTF-8
[SPARQL]
ResultSetMaxRows   = 100000
MaxQueryExecutionTime = 120
"""


class VirtuosoServer:
    """Debian's Virtuoso Open Source 7 in the foreground, private database, loopback only.

    A fresh database has the account ``dba`` / ``dba``, which may update through the
    Digest-protected ``/sparql-auth`` and ``/sparql-graph-crud-auth`` endpoints."""

    user, password = "dba", "dba"

    def __init__(self, location: Path):
        self.location = Path(location)
        self.http_port, self.sql_port = free_port(), free_port()
        self.proc: subprocess.Popen | None = None
        self.log = self.location / "stdout.log"

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.http_port}"

    sparql = property(lambda self: self.base + "/sparql")
    sparql_auth = property(lambda self: self.base + "/sparql-auth")
    graph_crud_auth = property(lambda self: self.base + "/sparql-graph-crud-auth")

    def start(self) -> "VirtuosoServer":
        exe = virtuoso_executable()
        if exe is None:
            raise RuntimeError("virtuoso-t is not installed")
        self.location.mkdir(parents=True, exist_ok=True)
        ini = self.location / "virtuoso.ini"
        ini.write_text(VIRTUOSO_INI.format(d=self.location, host=HOST, sql_port=self.sql_port,
                                           http_port=self.http_port))
        with self.log.open("ab") as fh:
            self.proc = subprocess.Popen([exe, "-f", "-c", str(ini)], cwd=self.location, stdout=fh,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        ask = self.sparql + "?" + urllib.parse.urlencode({"query": "ASK {}"})
        _wait_until(lambda: _http_ok(ask), "virtuoso-t", self.proc, self.log)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)


# --- the proxy -------------------------------------------------------------------------------


@dataclass
class Seen:
    """One request the proxy received."""

    method: str
    path: str
    graph: str | None
    authorization: str | None


@dataclass
class Rule:
    """What the proxy does with a request that ``match``es (in the order given)."""

    match: Callable[[Seen], bool]
    status: int | None = None  # answer this status instead of forwarding
    body: bytes = b""
    before: Callable[[], None] | None = None  # run before forwarding (e.g. kill the server)
    cut_body_after: int | None = None  # forward only this many body bytes, run ``during``, drop the client
    during: Callable[[], None] | None = None
    times: int = 1  # how many requests it applies to (0: all)
    used: int = 0


def graph_of(path: str, body: bytes, content_type: str) -> str | None:
    """The target graph of a GSP request (``?graph=``) or of a form-encoded SPARQL update."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    if "graph" in query:
        return query["graph"][0]
    if "x-www-form-urlencoded" in content_type and body:
        update = urllib.parse.parse_qs(body.decode("ascii", "replace")).get("update", [""])[0]
        marker = "GRAPH <"
        if marker in update:
            start = update.index(marker) + len(marker)
            return update[start:update.index(">", start)]
    return None


@dataclass
class FaultProxy:
    """Forwards to ``upstream`` (``http://127.0.0.1:PORT``); see :class:`Rule`. With
    ``basic_auth=(user, password)`` (or ``token``), a request without exactly those credentials
    gets a 401 and is not forwarded (the credentials are removed before forwarding)."""

    upstream: str
    rules: list[Rule] = field(default_factory=list)
    basic_auth: tuple[str, str] | None = None
    token: str | None = None
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = Seen(self.command, self.path, graph_of(self.path, body, self.headers.get("Content-Type", "")),
                            self.headers.get("Authorization"))
                proxy.seen.append(seen)
                if not proxy._authorised(seen.authorization):
                    self._reply(401, b"authentication required", {"WWW-Authenticate": 'Basic realm="test"'})
                    return
                for rule in proxy.rules:
                    if (rule.times == 0 or rule.used < rule.times) and rule.match(seen):
                        rule.used += 1
                        if rule.before:
                            rule.before()
                        if rule.status is not None:
                            self._reply(rule.status, rule.body)
                            return
                        if rule.cut_body_after is not None:
                            self._cut(body, rule)
                            return
                        break
                self._forward(body)

            def _reply(self, status: int, body: bytes, headers: dict | None = None) -> None:
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _upstream(self) -> http.client.HTTPConnection:
                u = urllib.parse.urlsplit(proxy.upstream)
                return http.client.HTTPConnection(u.hostname, u.port, timeout=60)

            def _headers(self, length: int) -> dict:
                skip = {"host", "authorization", "content-length", "connection"}
                out = {k: v for k, v in self.headers.items() if k.lower() not in skip}
                out["Content-Length"] = str(length)
                return out

            def _forward(self, body: bytes) -> None:
                try:
                    conn = self._upstream()
                    conn.request(self.command, self.path, body=body, headers=self._headers(len(body)))
                    r = conn.getresponse()
                    data = r.read()
                except OSError:
                    self.close_connection = True  # the server is gone: so is the answer
                    return
                self.send_response(r.status)
                for k, v in r.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            def _cut(self, body: bytes, rule: Rule) -> None:
                """Send the headers and part of the body upstream, then ``during``, then hang up."""
                u = urllib.parse.urlsplit(proxy.upstream)
                with socket.create_connection((u.hostname, u.port), timeout=60) as s:
                    head = f"{self.command} {self.path} HTTP/1.1\r\nHost: {u.netloc}\r\n"
                    head += "".join(f"{k}: {v}\r\n" for k, v in self._headers(len(body)).items())
                    s.sendall(head.encode("latin-1") + b"\r\n" + body[: rule.cut_body_after])
                    if rule.during:
                        rule.during()
                self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server((HOST, 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _authorised(self, header: str | None) -> bool:
        if self.basic_auth is None and self.token is None:
            return True
        if self.token is not None:
            return header == f"Bearer {self.token}"
        user, password = self.basic_auth  # type: ignore[misc]
        return header == "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> "FaultProxy":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def writes(self) -> list[Seen]:
        return [s for s in self.seen if s.graph is not None]


def env_without_credentials() -> dict[str, str]:
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("QGRAPH_ENDPOINT_"):
            env.pop(k)
    return env
