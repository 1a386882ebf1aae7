"""Outbound clients against misbehaving servers on 127.0.0.1 (issue 13, findings 11 and 12).

- a server that answers one byte at a time (its status line, or its body) must not keep
  ``push``, ``link --refresh`` or ``query --endpoint`` running: each request has a total time
  limit (``--timeout``) and each command one more (``--deadline``);
- an RDF/XML answer with entity declarations (billion laughs) is refused, never expanded;
- a refresh answer row without ``?item``, or naming an item that was not asked about, is a
  one-line error and nothing is written.

The trickling server is itself bounded (it hangs up after TRICKLE_FOR seconds), and the tests
assert on the error line and the exit code, never on elapsed time: without a total deadline the
client would see the server hang up and report a lost connection instead.
"""

from __future__ import annotations

import io
import json
import socket
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
from test_links_refresh import _snapshot, project  # noqa: F401 - the fixture

from qgraph.errors import QgraphError

TRICKLE_FOR = 8.0  # seconds the trickling server keeps going before it hangs up
ASK_TRUE = b'{"head": {}, "boolean": true}'


def _read_request(conn: socket.socket) -> bytes:
    """Headers and (by Content-Length) body of one request; bounded."""
    data = b""
    conn.settimeout(10)
    while b"\r\n\r\n" not in data and len(data) < 1 << 20:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


class Scripted:
    """An HTTP server in a thread: ``answer(request_bytes, index)`` gives ``(status, ctype, body)``,
    or ``"trickle-status"`` / ``"trickle-body"`` to answer one byte every 0.1 s for TRICKLE_FOR s."""

    def __init__(self, answer):
        self.answer = answer
        self.requests: list[bytes] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            try:
                req = _read_request(conn)
                self.requests.append(req)
                what = self.answer(req, len(self.requests) - 1)
                if isinstance(what, str):
                    payload = b"x" * 100_000
                    head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                            b"Content-Length: %d\r\n\r\n" % len(payload))
                    if what == "trickle-body":
                        conn.sendall(head)
                    stream = head + payload if what == "trickle-status" else payload
                    end = time.monotonic() + TRICKLE_FOR
                    for i in range(len(stream)):
                        if time.monotonic() > end or self.stopped.is_set():
                            break
                        conn.sendall(stream[i:i + 1])
                        time.sleep(0.1)
                    return
                status, ctype, body = what
                conn.sendall(b"HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                             % (status, ctype.encode(), len(body)) + body)
            except OSError:
                pass

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(10)
        self.sock.close()


@pytest.fixture()
def scripted():
    servers: list[Scripted] = []

    def make(answer) -> Scripted:
        s = Scripted(answer)
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.stop()


def run_cli(argv: list[str], capsys) -> tuple[int, str]:
    from qgraph.cli import main

    rc = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    return rc, err[-1] if err else ""


# ---------------------------------------------------------------- 11: total deadlines

@pytest.mark.parametrize("mode", ["trickle-status", "trickle-body"])
def test_query_endpoint_trickle_hits_the_request_time_limit(fixture_root, scripted, capsys, monkeypatch, mode):
    server = scripted(lambda req, i: mode)
    monkeypatch.setenv("QGRAPH_ENDPOINT_TIMEOUT", "0.5")
    rc, line = run_cli(["query", "tiny-members", "--root", str(fixture_root), "--endpoint", server.url + "/sparql"],
                       capsys)
    assert rc == 2, line
    assert line.startswith("qgraph: error: ") and "request's total time limit of 0.5 s ran out" in line, line


def test_query_endpoint_takes_timeout_as_push_does(fixture_root, scripted, capsys, monkeypatch):
    """Regression (a data engineer's script): the README gives `--timeout` to `query --endpoint` as
    to push and link, but `qgraph query` refused it ("unrecognized arguments"); only the
    environment variable set the request's limit. The option wins over the variable; without
    --endpoint it is refused, as --deadline is."""
    server = scripted(lambda req, i: "trickle-body")
    monkeypatch.setenv("QGRAPH_ENDPOINT_TIMEOUT", "60")
    rc, line = run_cli(["query", "tiny-members", "--root", str(fixture_root), "--endpoint", server.url + "/sparql",
                        "--timeout", "0.5"], capsys)
    assert rc == 2 and "request's total time limit of 0.5 s ran out" in line, line
    rc, line = run_cli(["query", "tiny-members", "--root", str(fixture_root), "--timeout", "0.5"], capsys)
    assert rc == 2 and "--timeout applies to --endpoint only" in line, line


def test_query_endpoint_command_deadline(fixture_root, scripted, capsys):
    server = scripted(lambda req, i: "trickle-body")
    rc, line = run_cli(["query", "tiny-members", "--root", str(fixture_root), "--endpoint", server.url + "/sparql",
                        "--deadline", "0.5"], capsys)
    assert rc == 2 and "command's total time limit of 0.5 s ran out" in line, line


@pytest.mark.parametrize("mode", ["trickle-status", "trickle-body"])
def test_push_trickle_hits_the_request_time_limit(fixture_root, scripted, capsys, mode):
    """The store answers the first request (ASK) at once, then trickles the replacement."""
    server = scripted(lambda req, i: (200, "application/sparql-results+json", ASK_TRUE) if i == 0 else mode)
    rc, line = run_cli(["push", "--root", str(fixture_root), "--endpoint", server.url + "/query",
                        "--graph-store", server.url + "/store", "--timeout", "0.5"], capsys)
    assert rc == 2, line
    assert "not replaced" in line and "request's total time limit of 0.5 s ran out" in line, line
    assert len(server.requests) == 2


def test_push_command_deadline(fixture_root, scripted, capsys):
    server = scripted(lambda req, i: (200, "application/sparql-results+json", ASK_TRUE) if i == 0 else "trickle-body")
    rc, line = run_cli(["push", "--root", str(fixture_root), "--endpoint", server.url + "/query",
                        "--graph-store", server.url + "/store", "--timeout", "30", "--deadline", "1"], capsys)
    assert rc == 2 and "command's total time limit of 1 s ran out" in line, line


@pytest.mark.parametrize("mode", ["trickle-status", "trickle-body"])
def test_refresh_trickle_is_a_timeout_then_gives_up(project, scripted, mode):  # noqa: F811
    from qgraph.links.refresh import Backoff, Client, refresh

    server = scripted(lambda req, i: mode)
    before = _snapshot(project)
    waits: list[float] = []
    client = Client(endpoint=server.url + "/query", timeout=0.5, log=io.StringIO(),
                    backoff=Backoff(attempts=2, base=0.001, cap=1.0, sleep=waits.append))
    with pytest.raises(QgraphError, match=r"gave up after 2 attempts \(timed out"):
        refresh(project, client, today="2026-11-21", out=io.StringIO())
    assert _snapshot(project) == before and len(server.requests) == 2


def test_link_refresh_command_deadline(project, scripted, capsys):  # noqa: F811
    server = scripted(lambda req, i: "trickle-body")
    before = _snapshot(project)
    rc, line = run_cli(["link", "--refresh", "--root", str(project), "--endpoint", server.url + "/query",
                        "--timeout", "0.5", "--deadline", "1.5"], capsys)
    assert rc == 2 and "command's total time limit of 1.5 s ran out" in line, line
    assert _snapshot(project) == before


LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
 <!ENTITY a "lol">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
  <rdf:Description rdf:about="http://example.org/s"><ex:p>&c;</ex:p></rdf:Description>
</rdf:RDF>
"""
PLAIN_XML = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
  <rdf:Description rdf:about="http://example.org/s"><ex:p>lol</ex:p></rdf:Description>
</rdf:RDF>
"""


def test_rdfxml_entity_declarations_refused(fixture_root, scripted, capsys, tmp_path: Path):
    """(Three levels of laughs, so that the code without the fix finishes: it expands them.)"""
    server = scripted(lambda req, i: (200, "application/rdf+xml", LAUGHS))
    q = tmp_path / "c.rq"
    q.write_text("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }\n")
    rc, line = run_cli(["query", str(q), "--root", str(fixture_root), "--endpoint", server.url + "/sparql"], capsys)
    assert rc == 2 and "DTD or entity declarations" in line, line


def test_rdfxml_without_entities_still_read(fixture_root, scripted, capsys, tmp_path: Path):
    server = scripted(lambda req, i: (200, "application/rdf+xml", PLAIN_XML))
    q = tmp_path / "c.rq"
    q.write_text("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }\n")
    from qgraph.cli import main

    assert main(["query", str(q), "--root", str(fixture_root), "--endpoint", server.url + "/sparql",
                 "--format", "csv"]) == 0
    assert "http://example.org/s,http://example.org/p,lol" in capsys.readouterr().out


# ---------------------------------------------------------------- 12: malformed refresh answers

WD = "http://www.wikidata.org/entity/"


def _kind(req: bytes) -> str:
    text = urllib.parse.unquote_plus(req.partition(b"\r\n\r\n")[2].decode("latin-1"))
    for marker, kind in (("?redirect", "verification"), ("?capitalLabel", "capitals"), ("?coord", "coordinates"),
                         ("?org ?start", "memberships")):
        if marker in text:
            return kind
    return "other"


def _answer(rows_by_kind: dict[str, list[dict]]):
    def answer(req: bytes, i: int):
        rows = rows_by_kind.get(_kind(req), [])
        body = {"head": {"vars": sorted({k for r in rows for k in r}) or ["item"]}, "results": {"bindings": [
            {k: {"type": "uri" if v.startswith("http") else "literal", "value": v} for k, v in r.items()}
            for r in rows]}}
        return 200, "application/sparql-results+json", json.dumps(body).encode()
    return answer


@pytest.mark.parametrize("rows, message", [
    ({"verification": [{"label": "Denmark"}]}, "verification: an answer row has no ?item"),
    ({"verification": [{"item": WD + "Q999999999", "label": "Nowhere"}]},
     "verification: the answer names wd:Q999999999, which was not asked about"),
    ({"capitals": [{"capital": WD + "Q1748", "capitalLabel": "Copenhagen"}]}, "capitals: an answer row has no ?item"),
    ({"capitals": [{"item": WD + "Q999999999", "capital": WD + "Q1748"}]}, "capitals: the answer names wd:Q999999999"),
    ({"coordinates": [{"item": WD + "Q35"}]}, "coordinates: an answer row has no ?coord"),
    ({"coordinates": [{"item": WD + "Q999999999", "coord": "Point(12 55)"}]}, "coordinates: the answer names wd:Q999"),
    ({"memberships": [{"item": WD + "Q999999999", "org": WD + "Q7184"}]}, "memberships: the answer names wd:Q999"),
])
def test_malformed_refresh_answer_is_one_line_and_writes_nothing(project, scripted, capsys, rows, message):  # noqa: F811
    server = scripted(_answer(rows))
    before = _snapshot(project)
    rc, line = run_cli(["link", "--refresh", "--root", str(project), "--endpoint", server.url + "/query",
                        "--timeout", "5"], capsys)
    assert rc == 2, line
    assert line.startswith("qgraph: error: ") and message in line and "nothing written" in line, line
    assert _snapshot(project) == before
    assert not [p for p in (project / "data" / "links").iterdir() if p.name.startswith(".")], "temp file left"


# ---------------------------------------------------------------- a sweep of hostile endpoints (regressions)

class _Redirecting:
    """Two servers on 127.0.0.1: ``first`` answers 302 to ``second``, which records what it is sent."""

    def __init__(self) -> None:
        import http.server

        seen: list[dict] = []
        self.seen = seen

        class Second(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                seen.append(dict(self.headers))
                body = b'{"head": {}, "boolean": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args) -> None:
                pass

        self.second = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Second)
        target = f"http://localhost:{self.second.server_address[1]}/elsewhere"

        class First(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(302)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.first = http.server.ThreadingHTTPServer(("127.0.0.1", 0), First)
        self.url = f"http://127.0.0.1:{self.first.server_address[1]}/sparql"
        for s in (self.first, self.second):
            threading.Thread(target=s.serve_forever, daemon=True).start()

    def stop(self) -> None:
        for s in (self.first, self.second):
            s.shutdown()
            s.server_close()


def test_a_redirect_is_reported_and_the_credentials_go_nowhere_else(fixture_root, capsys, monkeypatch):
    """Regression: `query --endpoint` followed a 302 to another host and port and sent the
    Authorization header again (and printed the answer to a GET without the query)."""
    monkeypatch.setenv("QGRAPH_ENDPOINT_TOKEN", "SEKRIT")
    servers = _Redirecting()
    try:
        rc, line = run_cli(["query", "--root", str(fixture_root), "--endpoint", servers.url, "ASK {}"], capsys)
    finally:
        servers.stop()
    assert rc == 2 and "302" in line and "SEKRIT" not in line, line
    assert servers.seen == [], "the request (and its credentials) followed the redirect"


@pytest.mark.parametrize("env,value,needle", [
    ("QGRAPH_ENDPOINT_TOKEN", "s3cr3t-token\n", "QGRAPH_ENDPOINT_TOKEN holds a character an HTTP header cannot carry"),
    ("QGRAPH_ENDPOINT_TIMEOUT", "nan", "expected a positive, finite number of seconds"),
    ("QGRAPH_ENDPOINT_TIMEOUT", "inf", "expected a positive, finite number of seconds"),
])
def test_endpoint_settings_that_cannot_work_are_one_line(fixture_root, capsys, monkeypatch, env, value, needle):
    """Regression: a token with its line's end was printed back in the error of the request; a
    timeout of nan or inf ended in ValueError/OverflowError."""
    monkeypatch.setenv(env, value)
    rc, line = run_cli(["query", "--root", str(fixture_root), "--endpoint", "http://127.0.0.1:9/sparql", "ASK {}"],
                       capsys)
    assert rc == 2 and needle in line and "s3cr3t" not in line, line


@pytest.mark.parametrize("url", ["http://[::1", "http://127.0.0.1:abc/sparql", "http://127.0.0.1/a b"])
def test_an_endpoint_url_that_is_not_one_is_one_line(fixture_root, capsys, url):
    rc, line = run_cli(["query", "--root", str(fixture_root), "--endpoint", url, "ASK {}"], capsys)
    assert rc == 2 and "--endpoint" in line, line


@pytest.mark.parametrize("body", [b"42", b"null", b"[" * 100_000 + b"]" * 100_000,
                                  b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":"x"}]}}',
                                  b'{"head":{"vars":[1,null]},"results":{"bindings":[]}}',
                                  b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"literal","value":"a",'
                                  b'"xml:lang":"not a lang!"}}]}}',
                                  b'{"head":{},"boolean":"false"}',
                                  b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"uri"}}]}}',
                                  b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"literal","value":7}}]}}'])
def test_malformed_sparql_json_answers_are_one_line(fixture_root, scripted, capsys, body):
    """Regression: each was a traceback (AttributeError, TypeError, RecursionError, ValueError),
    or, for a boolean given as the string "false", the answer true; a term without its "value"
    was the IRI <> (exit 0)."""
    server = scripted(lambda req, i: (200, "application/sparql-results+json", body))
    rc, line = run_cli(["query", "--root", str(fixture_root), "--endpoint", server.url + "/sparql",
                        "SELECT ?n WHERE { ?n ?p ?o }"], capsys)
    assert rc == 2 and ("malformed SPARQL JSON results" in line or "did not answer with SPARQL JSON" in line), line


def test_a_graph_answer_with_an_invalid_iri_is_one_line(fixture_root, scripted, capsys, tmp_path: Path):
    server = scripted(lambda req, i: (200, "text/turtle", b"<http://a\\u0020b> <http://b> <http://c> .\n"))
    q = tmp_path / "c.rq"
    q.write_text("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }\n")
    rc, line = run_cli(["query", str(q), "--root", str(fixture_root), "--endpoint", server.url + "/sparql"], capsys)
    assert rc == 2 and server.url in line, line


def test_an_answer_over_the_size_limit_is_refused(fixture_root, scripted, capsys, monkeypatch):
    """Regression: an answer of any size was read whole and parsed (a 300 MB answer: 1.4 GB of
    memory); over ``MAX_ANSWER_BYTES`` it is refused (the limit lowered here, the answer small)."""
    from qgraph.remote import client

    monkeypatch.setattr(client, "MAX_ANSWER_BYTES", 1000)
    body = b'{"head":{"vars":["n"]},"results":{"bindings":[' + b",".join(
        [b'{"n":{"type":"literal","value":"x"}}'] * 100) + b"]}}"
    assert len(body) > 1000
    server = scripted(lambda req, i: (200, "application/sparql-results+json", body))
    rc, line = run_cli(["query", "--root", str(fixture_root), "--endpoint", server.url + "/sparql",
                        "SELECT ?n WHERE { ?n ?p ?o }"], capsys)
    assert rc == 2 and "answered with more than 1000 bytes; narrow the query" in line, line
    monkeypatch.setattr(client, "MAX_ANSWER_BYTES", len(body))
    rc, line = run_cli(["query", "--root", str(fixture_root), "--endpoint", server.url + "/sparql",
                        "SELECT ?n WHERE { ?n ?p ?o }"], capsys)
    assert rc == 0, line
