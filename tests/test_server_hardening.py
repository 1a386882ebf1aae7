"""``qgraph serve`` under hostile traffic (issue 13, findings 7-10): request smuggling, half-open
and trickling connections, refusals with every worker busy, malformed IRIs.

Every test talks to a real server on 127.0.0.1. Nothing is timed: each hostile client is bounded
in count and in time (it gives up after a generous ceiling), and the tests assert on what the
server answered or did (closed the connection), never on how long it took.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.parse

import pytest
from test_server import Client, make_project

CEILING = 30.0  # seconds a hostile client keeps going before it gives up (never reached when the server is right)


def raw_exchange(port: int, data: bytes, shut_write: bool = False, ceiling: float = CEILING) -> bytes:
    """Send ``data`` on one connection and read until the server closes it or stops sending."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        if shut_write:
            s.shutdown(socket.SHUT_WR)
        s.settimeout(3)
        out = b""
        end = time.monotonic() + ceiling
        while time.monotonic() < end:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
        return out


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from qgraph.web.pool import Limits
    from qgraph.web.server import Running

    root = make_project(tmp_path_factory.mktemp("hardening") / "project")
    running = Running(root, Limits(timeout=5.0, workers=1, queue_wait=0.5, threads=4, max_connections=40,
                                   header_timeout=1.0))
    yield running
    running.stop()


def port_of(running) -> int:
    return int(running.url.rsplit(":", 1)[1])


# ---------------------------------------------------------------- 7: request smuggling

def test_body_of_a_get_is_not_a_second_request(served):
    smuggled = b"GET /api/graphs?smuggled=1 HTTP/1.1\r\nHost: x\r\n\r\n"
    head = b"GET /api/queries HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(smuggled)
    got = raw_exchange(port_of(served), head + smuggled)
    assert got.startswith(b"HTTP/1.1 200"), got[:200]
    assert got.count(b"HTTP/1.1 ") == 1, "the body of the GET was answered as a request of its own"
    assert b'"graphs"' not in got


@pytest.mark.parametrize("framing", [
    b"Content-Length: 6\r\nTransfer-Encoding: chunked\r\n",
    b"Transfer-Encoding: chunked\r\nContent-Length: 6\r\n",
    b"Content-Length: 6\r\nContent-Length: 60\r\n",
    b"Content-Length: +6\r\n",
    b"Transfer-Encoding: gzip, chunked\r\nContent-Length: 6\r\n",
])
def test_ambiguous_framing_is_400_and_closed(served, framing):
    smuggled = b"GET /api/graphs?smuggled=1 HTTP/1.1\r\nHost: x\r\n\r\n"
    req = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n" + framing
           + b"\r\n0\r\n\r\n" + smuggled)
    got = raw_exchange(port_of(served), req)
    assert got.split(b"\r\n", 1)[0].split(b" ")[1] in (b"400", b"501"), got[:200]
    assert got.count(b"HTTP/1.1 ") == 1, got
    assert b'"graphs"' not in got


def test_http10_transfer_encoding_refused(served):
    req = (b"POST /sparql HTTP/1.0\r\nContent-Type: application/sparql-query\r\nTransfer-Encoding: chunked\r\n"
           b"Content-Length: 6\r\n\r\nASK {}")
    got = raw_exchange(port_of(served), req)
    assert got.startswith(b"HTTP/1.0 400") or got.startswith(b"HTTP/1.1 400"), got[:200]


def test_cut_off_headers_are_not_answered(served):
    """A request line and headers without the blank line that ends them, then the client closes
    its side: that is no request, and nothing is evaluated or answered."""
    got = raw_exchange(port_of(served), b"GET /api/queries HTTP/1.1\r\nHost: x\r\n", shut_write=True)
    assert got == b"", got[:200]


# ---------------------------------------------------------------- 8: half-open and trickling connections

def test_trickled_headers_are_cut_off_at_the_deadline(served):
    """A client that sends one header byte at a time, forever (bounded here by CEILING), is
    disconnected by the server (header_timeout is 1 s in this fixture)."""
    closed = False
    with socket.create_connection(("127.0.0.1", port_of(served)), timeout=10) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        end = time.monotonic() + CEILING
        while time.monotonic() < end:
            try:
                s.sendall(b"X")
                s.settimeout(0.2)
                if s.recv(1024) == b"":
                    closed = True
                    break
            except socket.timeout:
                continue
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
    assert closed, "the server kept a trickling request open"


def test_half_open_burst_neither_spawns_threads_nor_stops_the_server(served):
    """More half-open connections (a request line, then silence) than the connection cap: the
    server answers a normal client meanwhile, and no thread is started per connection."""
    client = Client(served.url)
    assert client.get("/api/graphs")[0] == 200
    before = threading.active_count()
    socks = []
    try:
        for _ in range(120):  # max_connections is 40 in this fixture
            s = socket.create_connection(("127.0.0.1", port_of(served)), timeout=10)
            s.sendall(b"GET /api/queries HTTP/1.1\r\n")
            socks.append(s)
        grown = threading.active_count() - before
        status, _, body, _ = client.get("/api/graphs")
    finally:
        for s in socks:
            s.close()
    assert status == 200, body
    assert grown <= 2, f"{grown} threads started for 120 connections"


def test_connections_that_send_a_request_line_and_close(served):
    """The tester's case: many connections that send a request line and close; the server goes
    on answering, and answered none of them (their headers never ended)."""
    answered = 0
    for _ in range(200):
        with socket.create_connection(("127.0.0.1", port_of(served)), timeout=10) as s:
            s.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\n")
            s.shutdown(socket.SHUT_WR)
            s.settimeout(5)
            try:
                answered += bool(s.recv(64))
            except (socket.timeout, ConnectionResetError):
                pass
    assert answered == 0
    assert Client(served.url).query("ASK {}")[0] == 200


# ---------------------------------------------------------------- 9: refusals with every worker busy

REFUSED = [
    "LOAD <http://127.0.0.1:9/x.ttl>",
    "INSERT DATA { <http://e/s> <http://e/p> <http://e/o> }",
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED <http://127.0.0.1:1/g> WHERE { GRAPH ?g { ?s ?p ?o } }",
]


def test_refusals_stay_403_with_every_worker_busy(served):
    pool = served.app.pool
    client = Client(served.url)
    taken = [pool._idle.get(timeout=60) for _ in range(max(1, pool.limits.workers))]  # every worker busy
    try:
        # a text asked nowhere else (an answer in the server's cache would need no worker)
        status, _, body, _ = client.query("ASK { ?every ?worker ?busy }")
        assert status == 503 and b"busy" in body, body  # proof that no worker is free
        for text in REFUSED:
            status, _, body, _ = client.query(text)
            assert status == 403, (text, status, body)
        q = urllib.parse.quote("ASK { ?s ?p ?o }")
        status, _, body, _ = client.get(f"/sparql?query={q}&default-graph-uri=" + urllib.parse.quote("file:///etc/passwd"))
        assert status == 403, body
    finally:
        for w in taken:
            pool._idle.put(w)
    assert client.query("ASK {}")[0] == 200


# ---------------------------------------------------------------- 10: malformed IRIs

@pytest.mark.parametrize("path", [
    "/id/%00", "/id/%3Cscript%3E", "/id/<script>", "/id/a%20b", "/id/%7Bx%7D",
    "/resource?iri=" + urllib.parse.quote("http://a b", safe=""),
    "/resource?iri=%00", "/resource?iri=" + urllib.parse.quote("<x>", safe=""), "/resource?iri=relative",
])
@pytest.mark.parametrize("accept", ["text/html", "text/turtle"])
def test_malformed_iri_is_400(served, path, accept):
    conn = http.client.HTTPConnection("127.0.0.1", port_of(served), timeout=30)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.putheader("Accept", accept)
        conn.endheaders()
        r = conn.getresponse()
        body = r.read()
    finally:
        conn.close()
    assert r.status == 400, body
    assert b"not a valid IRI" in body
    assert r.getheader("Content-Type", "").startswith("text/plain")


# ---------------------------------------------------------------- the guard's parse, bounded

def _slow_to_parse(terms: int, k: int = 0) -> str:
    """A query rdflib's parser takes long over (~0.35 ms a character on a 2-core machine: 125,000
    terms, ~45 s), far longer than the limits below; Oxigraph would parse it at once."""
    return f"SELECT * WHERE {{ FILTER({k}+" + "+".join(["1"] * terms) + ") }"


def _post(port: int, query: str, timeout: float = 120.0) -> tuple[int, bytes]:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("POST", "/sparql", query.encode("utf-8"), {"Content-Type": "application/sparql-query",
                                                            "Accept": "application/sparql-results+json"})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def test_a_query_slow_to_check_is_stopped_at_the_checkers_limit(tmp_path_factory):
    """Regression (a hostile-traffic sweep): the guard parsed every new text in the request thread,
    one at a time for the whole server, without a limit: one 250 KB query held every /sparql
    request up for ~90 s. Now a checker process parses it, stopped at its own time limit."""
    from qgraph.web.pool import Limits
    from qgraph.web.server import Running

    root = make_project(tmp_path_factory.mktemp("checkers") / "project")
    with Running(root, Limits(timeout=5.0, workers=1, checkers=1, check_timeout=0.5)) as running:
        port = port_of(running)
        status, body = _post(port, _slow_to_parse(125_000))
        assert status == 503 and b"checking the query took more than 0.5 s" in body, body[:200]
        assert running.app.checkers.restarts == 1
        # the checker replaced, the next text is checked and answered
        status, body = _post(port, "ASK { FILTER(1 = 1) }")
        assert status == 200 and b"true" in body
        # a refusal of that kind is not remembered: the same text is checked again
        status, body = _post(port, _slow_to_parse(125_000))
        assert status == 503 and running.app.checkers.restarts == 2


def test_other_queries_are_checked_while_one_is_slow_to_check(tmp_path_factory):
    """While one checker parses a text that takes it long (its limit far away), another
    request's new text is checked by the other checker and answered."""
    from qgraph.web.pool import Limits
    from qgraph.web.server import Running

    root = make_project(tmp_path_factory.mktemp("checkers2") / "project")
    with Running(root, Limits(timeout=5.0, workers=1, checkers=2, check_timeout=600.0)) as running:
        port = port_of(running)
        checkers = running.app.checkers
        def attack_once() -> None:
            try:
                _post(port, _slow_to_parse(125_000), timeout=CEILING)
            except (OSError, http.client.HTTPException):  # the server stopped under it: expected
                pass

        attack = threading.Thread(target=attack_once, daemon=True)
        attack.start()
        end = time.monotonic() + CEILING
        while checkers._idle.qsize() != 1 and time.monotonic() < end:  # one checker taken by the attack
            time.sleep(0.05)
        assert checkers._idle.qsize() == 1, "the slow text never reached a checker"
        status, body = _post(port, "ASK { FILTER(2 = 2) }", timeout=CEILING)
        assert status == 200 and b"true" in body
        assert attack.is_alive() and checkers._idle.qsize() == 1, "the slow text was checked first"
    attack.join(CEILING)


def test_many_triple_patterns_in_a_row_are_checked(tmp_path_factory):
    """Regression: rdflib's parser recurses once per triple pattern of a group, and the guard
    refused 90 patterns in a row (valid SPARQL) as "nested too deeply"; the checker and the
    workers parse with a higher recursion limit."""
    from qgraph.web.pool import Limits
    from qgraph.web.server import Running

    def patterns(n: int) -> str:
        return "SELECT * WHERE { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(n)) + " } LIMIT 1"

    root = make_project(tmp_path_factory.mktemp("patterns") / "project")
    with Running(root, Limits(timeout=30.0, workers=1, checkers=1)) as running:
        port = port_of(running)
        status, body = _post(port, patterns(90).replace("?s0 ?p0 ?o0 .", "?s0 a qg:Nation ."))
        assert status == 200 and b'"bindings"' in body, body[:200]
        status, body = _post(port, patterns(5000))
        assert status in (400, 503) and b"Traceback" not in body, body[:200]


@pytest.mark.parametrize("target", ["//sparql?query=ASK%7B%7D", "//id/denmark", "//evil.example/static/style.css"])
def test_a_path_beginning_with_two_slashes_is_not_read_as_a_host(served, target):
    """Regression: the request target went through urlsplit, which reads "//x/..." as a host and
    a path: "//sparql?…" was answered with the explorer's home page, "//evil.example/static/…"
    with the stylesheet. Such a path names no page."""
    got = raw_exchange(port_of(served), f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    assert got.startswith(b"HTTP/1.1 404"), got[:200]


def test_the_absolute_form_of_a_request_target_is_understood(served):
    got = raw_exchange(port_of(served), b"GET http://x/api/graphs HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert got.startswith(b"HTTP/1.1 200") and b'"graphs"' in got, got[:200]


def test_an_ill_typed_parameter_puts_no_traceback_in_the_log(tmp_path_factory, capfd):
    """Regression: a client's $v="abc"^^xsd:integer made rdflib log a traceback in the query
    worker's stderr (the server's log) on every such request."""
    import logging

    from qgraph.web.pool import Limits
    from qgraph.web.server import Running

    logging.getLogger("rdflib.term").setLevel(logging.WARNING)  # as a process that never silenced it
    root = make_project(tmp_path_factory.mktemp("illtyped") / "project")
    with Running(root, Limits(workers=1, checkers=1)) as running:
        q = urllib.parse.urlencode({"query": "SELECT ?v WHERE { BIND(1 AS ?x) OPTIONAL { ?s ?p ?v } } LIMIT 1",
                                    "$v": '"abc"^^xsd:integer'})
        c = http.client.HTTPConnection("127.0.0.1", port_of(running), timeout=CEILING)
        c.request("GET", "/sparql?" + q, headers={"Accept": "application/sparql-results+json"})
        r = c.getresponse()
        body = r.read()
        c.close()
        assert r.status == 200 and b'"abc"' in body, body[:200]
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Failed to convert" not in err, err[-2000:]


def test_a_request_line_too_long_is_414_and_a_header_too_long_431(served):
    """Regression: a request target over the 64 KiB header limit was answered 431 (Request Header
    Fields Too Large, waitress's answer for the whole header section), which names the wrong
    part; RFC 9110 §15.5.15 has 414 URI Too Long for it, and the message says to POST the query.
    A header field over the limit behind a short request line stays 431."""
    port = port_of(served)
    long_target = b"GET /sparql?query=" + b"a" * (70 * 1024) + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    answer = raw_exchange(port, long_target)
    assert answer.split(b"\r\n", 1)[0].split(b" ", 2)[1] == b"414", answer[:200]
    assert b"POST" in answer
    long_field = b"GET /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: " + b"a" * (70 * 1024) + b"\r\n\r\n"
    answer = raw_exchange(port, long_field)
    assert answer.split(b"\r\n", 1)[0].split(b" ", 2)[1] == b"431", answer[:200]
