"""`qgraph link --refresh` / `--suggest` against servers the tests start on 127.0.0.1.

- a real SPARQL server (the `oxigraph` package's `oxigraph serve`) loaded with the small
  Wikidata-shaped fixture tests/fixtures/wikidata/wikidata.ttl;
- a fault server (http.server in a thread): 429 with Retry-After, 500, 503, a hang past the
  timeout, a truncated JSON body, a 200 with text/plain, an HTML page.

Each fault ends in a correct retry or a clear error, and after a failed refresh the cache and
both graphs are byte-identical. Waits are injected (no real back-off), Retry-After is 0 or 1.
"""

from __future__ import annotations

import io
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from qgraph.errors import QgraphError
from qgraph.links.refresh import USER_AGENT, Backoff, Client, refresh, suggest

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "wikidata" / "wikidata.ttl"
OXIGRAPH = Path(sys.executable).with_name("oxigraph")
EMPTY = b'{"head": {"vars": ["x"]}, "results": {"bindings": []}}'
ONE = b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "1"}}]}}'
LINK_FILES = ("enrichment-cache.json", "enrichment.ttl", "links.ttl")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    for d in ("ontology", "data"):
        shutil.copytree(ROOT / d, tmp_path / d)
    shutil.copyfile(ROOT / "qgraph.toml", tmp_path / "qgraph.toml")
    assert (tmp_path / "data" / "links" / "enrichment-cache.json").is_file()
    return tmp_path


@pytest.fixture(scope="module")
def wikidata(tmp_path_factory) -> str:
    if not OXIGRAPH.exists():
        pytest.fail(f"{OXIGRAPH} missing: install the test extras (oxigraph)")
    db = tmp_path_factory.mktemp("oxigraph")
    subprocess.run([str(OXIGRAPH), "load", "--location", str(db), "--file", str(FIXTURE)],
                   check=True, capture_output=True)
    port = _free_port()
    proc = subprocess.Popen([str(OXIGRAPH), "serve", "--location", str(db), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    try:
        for _ in range(200):  # wait until it answers (not a timed assertion: we only poll)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1):
                    break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail("oxigraph serve exited")
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class Faults:
    """A local HTTP server whose answers are scripted per test: a list of (status, headers, body,
    delay) popped per request (the last one repeats)."""

    def __init__(self):
        self.script: list[tuple] = []
        self.requests: list[dict] = []
        faults = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):  # quiet
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                faults.requests.append({"agent": self.headers.get("User-Agent"), "body": self.rfile.read(n)})
                status, headers, body, delay, length = (faults.script.pop(0) if len(faults.script) > 1
                                                        else faults.script[0])
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(length if length is not None else len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass

            do_GET = do_POST

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/query"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, status=200, ctype="application/sparql-results+json", body=EMPTY, delay=0.0, headers=None,
               length=None):
        self.script.append((status, {"Content-Type": ctype, **(headers or {})}, body, delay, length))
        return self


@pytest.fixture()
def faults():
    f = Faults()
    yield f
    f.server.shutdown()
    f.server.server_close()


def _client(url: str, attempts: int = 3, timeout: float = 5.0) -> tuple[Client, list[float], io.StringIO]:
    waits: list[float] = []
    log = io.StringIO()
    return Client(endpoint=url, timeout=timeout, backoff=Backoff(attempts=attempts, base=0.001, cap=1.0,
                                                                  sleep=waits.append), log=log), waits, log


def _snapshot(root: Path) -> dict[str, bytes]:
    return {n: (root / "data" / "links" / n).read_bytes() for n in LINK_FILES}


# --- the fault server -------------------------------------------------------------------------

def test_429_with_retry_after_is_retried_then_answered(faults):
    faults.answer(429, "text/plain", b"slow down", headers={"Retry-After": "0"}).answer(body=ONE)
    client, waits, log = _client(faults.url)
    assert client.select("SELECT ?x WHERE {}", "test") == [{"x": "1"}]
    assert waits == [0.0], "Retry-After: 0 must be honoured"
    assert len(faults.requests) == 2 and "retry 1/2" in log.getvalue()
    assert faults.requests[0]["agent"] == USER_AGENT and "https://w3id.org/qgraph" in USER_AGENT


def test_503_retry_after_is_honoured_and_capped_then_gives_up(faults):
    faults.answer(503, "text/html", b"<html>busy</html>", headers={"Retry-After": "1"})
    client, waits, _ = _client(faults.url, attempts=3)
    with pytest.raises(QgraphError, match=r"gave up after 3 attempts \(HTTP 503\)"):
        client.select("SELECT ?x WHERE {}", "test")
    assert waits == [1.0, 1.0] and len(faults.requests) == 3


def test_500_backs_off_exponentially_then_answers(faults):
    faults.answer(500, "text/plain", b"oops").answer(500, "text/plain", b"oops").answer(body=ONE)
    client, waits, _ = _client(faults.url, attempts=4)
    assert client.select("SELECT ?x WHERE {}", "test") == [{"x": "1"}]
    assert waits == [0.001, 0.002]


def test_a_hang_past_the_timeout_is_an_error(faults):
    faults.answer(body=ONE, delay=3.0)
    client, waits, _ = _client(faults.url, attempts=2, timeout=0.3)
    with pytest.raises(QgraphError, match="gave up after 2 attempts \\(timed out\\)"):
        client.select("SELECT ?x WHERE {}", "test")
    assert len(waits) == 1


@pytest.mark.parametrize("ctype, body, length, message", [
    ("application/sparql-results+json", EMPTY[:30], None, "truncated or malformed JSON"),
    ("application/sparql-results+json", EMPTY[:30], 500, "incomplete answer"),
    ("text/plain", EMPTY, None, "expected SPARQL JSON results, got text/plain"),
    ("text/html", b"<!DOCTYPE html><html><body>Service unavailable</body></html>", None,
     "expected SPARQL JSON results, got text/html"),
    ("application/sparql-results+json", b'{"boolean": true}', None, "lacks head.vars or results.bindings"),
])
def test_a_bad_200_answer_is_an_error_not_data(faults, ctype, body, length, message):
    faults.answer(200, ctype, body, length=length)
    client, waits, _ = _client(faults.url)
    with pytest.raises(QgraphError, match=message):
        client.select("SELECT ?x WHERE {}", "test")
    assert waits == [] and len(faults.requests) == 1


@pytest.mark.parametrize("status, ctype, body", [
    (200, "text/html", b"<html>error</html>"),
    (200, "application/sparql-results+json", EMPTY[:20]),
    (503, "text/plain", b"down"),
])
def test_a_failed_refresh_leaves_the_cache_byte_identical(project, faults, status, ctype, body):
    before = _snapshot(project)
    faults.answer(200, body=EMPTY)  # the verification batch succeeds ...
    faults.answer(status, ctype, body, headers={"Retry-After": "0"})  # ... then the memberships fail
    client, _, _ = _client(faults.url, attempts=2)
    with pytest.raises(QgraphError):
        refresh(project, client, today="2026-11-21", out=io.StringIO())
    assert _snapshot(project) == before
    assert not [p for p in (project / "data" / "links").iterdir() if p.name.startswith(".")], "temp file left"


def test_cli_reports_a_failed_refresh_in_one_line(project, faults, capsys):
    from qgraph.cli import main

    faults.answer(200, "text/plain", b"not json")
    before = _snapshot(project)
    rc = main(["link", "--refresh", "--root", str(project), "--endpoint", faults.url, "--timeout", "5"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and err[-1].startswith("qgraph: error: ") and "text/plain" in err[-1]
    assert _snapshot(project) == before


# --- the real SPARQL server -------------------------------------------------------------------

def test_refresh_against_a_real_sparql_server(project, wikidata):
    client, waits, log = _client(wikidata)
    out = io.StringIO()
    changes = refresh(project, client, today="2026-11-21", out=out)
    text = out.getvalue()
    kinds = {(c.kind, c.text.split(": ")[0]) for c in changes}
    assert ("changed", "membership qgid:denmark nato") in kinds  # 1949-04-04 -> 1949-08-24
    assert ("changed", "coordinates qgid:denmark") in kinds
    assert ("vanished", "membership qgid:sweden nato") in kinds  # not in the fixture
    assert ("redirected", "qgid:copenhagen") in kinds  # wd:Q1748 owl:sameAs …
    assert ("vanished", "qgid:copenhagen") not in kinds
    assert any(c.kind == "note" and "realm item wd:Q756617" in c.text for c in changes)
    assert "refresh: " in text and waits == [] and "memberships: batch 1/1" in log.getvalue()
    ttl = (project / "data" / "links" / "enrichment.ttl").read_text(encoding="utf-8")
    assert f"retrieved from {wikidata} on 2026-11-21" in ttl
    assert '"2020-01-31"^^xsd:date' in ttl  # the UK's EU membership ended
    assert "wd-membership-oecd-denmark" not in ttl  # the realm's membership is not copied
    from qgraph.links.enrich import load_cache

    data = load_cache(project / "data" / "links" / "enrichment-cache.json")
    assert data["origin"] == {"kind": "wikidata-refresh", "date": "2026-11-21", "endpoint": wikidata}
    nato = {m["member"]: m["start"] for m in data["memberships"] if m["org"] == "nato"}
    assert nato == {"qgid:denmark": "1949-08-24", "qgid:finland": "2023-04-04"}


def test_suggest_writes_candidates_for_review_only(project, wikidata):
    client, _, _ = _client(wikidata)
    before = _snapshot(project)
    target = suggest(project, client, today="2026-11-21", out=io.StringIO())
    rows = [line.split("\t") for line in target.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    assert rows[0][0] == "subject_id" and len(rows) == 2, rows
    assert rows[1][0] == "qgid:niels-bohr-institute" and rows[1][4] == "wd:Q999999992" and rows[1][11] == "0.5"
    assert _snapshot(project) == before, "suggestions must not enter the graphs"


def test_refresh_with_nothing_linked_asks_nothing(tmp_path: Path, faults):
    """Regression (a curator's new corpus, offline): `qgraph link --refresh` in a corpus that
    links no entity to Wikidata sent a query with an empty VALUES to the endpoint, and so failed
    with "Connection refused" offline, where there was nothing to ask. It now asks nothing, says
    so, and writes the two graphs as `qgraph link` does."""
    from qgraph.corpus.scaffold import init

    root = tmp_path / "fresh"
    init(root)
    client, _, _ = _client(faults.answer().url)
    out = io.StringIO()
    assert refresh(root, client, out=out) == []
    assert faults.requests == [], "nothing was sent"
    said = out.getvalue()
    assert "no entity is linked to Wikidata" in said and faults.url in said, said
    assert (root / "data" / "links" / "links.ttl").is_file() and (root / "data" / "links" / "enrichment.ttl").is_file()
