"""``qgraph serve``: hostile requests, limits, concurrency, content negotiation, escaping.

Every test talks HTTP to a real server started here on 127.0.0.1 (a free port) over a private
copy of the fixture project, with one planted hostile data file (a ``<script>`` label, a
``javascript:`` and a ``data:`` IRI).
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import socket
import threading
import urllib.parse
from pathlib import Path

import pytest

from conftest import FIXTURE_PROJECT

HOSTILE_TTL = """\
@prefix qg: <https://w3id.org/qgraph/ontology#> .
@prefix qgid: <https://w3id.org/qgraph/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
qgid:hostile-nation a qg:Nation ;
    rdfs:label "<script>alert('x')</script> Evilland"@en ;
    skos:altLabel "\\" onmouseover=\\"alert(1)"@en ;
    skos:exactMatch <javascript:alert(1)> ;
    rdfs:seeAlso <data:text/html,%3Cscript%3Ealert(1)%3C/script%3E> ;
    qg:partOf qgid:tiny-forum .
"""
QGID = "https://w3id.org/qgraph/id/"


def make_project(dst: Path) -> Path:
    shutil.copytree(FIXTURE_PROJECT, dst)
    (dst / "data" / "hostile.ttl").write_text(HOSTILE_TTL, encoding="utf-8")
    return dst


class Client:
    """Plain http.client requests (urllib would add a Content-Type of its own)."""

    def __init__(self, url: str):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port

    def request(self, method: str, path: str, body: bytes | str | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, str, bytes, dict[str, str]]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.request(method, path, body=body.encode("utf-8") if isinstance(body, str) else body,
                         headers=headers or {})
            r = conn.getresponse()
            data = r.read()
            return r.status, r.getheader("Content-Type") or "", data, {k.lower(): v for k, v in r.getheaders()}
        finally:
            conn.close()

    def get(self, path: str, accept: str | None = None):
        return self.request("GET", path, headers={"Accept": accept} if accept else {})

    def query(self, text: str, accept: str = "application/sparql-results+json"):
        return self.request("POST", "/sparql", text, {"Content-Type": "application/sparql-query", "Accept": accept})


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from qgraph.web.pool import Limits
    from qgraph.web.server import Running

    root = make_project(tmp_path_factory.mktemp("serve") / "project")
    running = Running(root, Limits(timeout=2.0, max_results=500, workers=2))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def client(server) -> Client:
    return Client(server.url)


def rows(body: bytes) -> list[dict]:
    return json.loads(body)["results"]["bindings"]


def test_default_graph_is_the_merge_of_the_graphs(tmp_path):
    """A worker's default graph is the merge of the named graphs: a triple stated in two graphs
    is there once (the workers copy the graphs in with one SPARQL update, as the query store
    does); every worker answers alike."""
    from qgraph.corpus.loading import load
    from qgraph.web.pool import Limits
    from qgraph.web.server import Running

    root = make_project(tmp_path / "project")
    (root / "data" / "restated.ttl").write_text(
        "@prefix qg: <https://w3id.org/qgraph/ontology#> .\n@prefix qgid: <https://w3id.org/qgraph/id/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        'qgid:denmark a qg:Nation ; rdfs:label "Denmark"@en .\n', encoding="utf-8")
    loaded = load(root)
    quads = set(loaded.quads)
    triples = {(q.subject, q.predicate, q.object) for q in quads}
    assert len(triples) == len(quads) - 2  # the two restated triples: in tiny-doc and restated
    with Running(root, Limits(timeout=10.0, workers=2)) as running:
        client = Client(running.url)
        for _ in range(6):  # each worker answers some
            got = rows(client.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[2])
            assert int(got[0]["n"]["value"]) == len(triples)
            got = rows(client.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")[2])
            assert int(got[0]["n"]["value"]) == len(quads)


def _serve_stderr(root, *flags: str) -> list[str]:
    """``qgraph serve`` run as a user runs it (port 0: a free one): its stderr lines up to and
    including the one saying where it serves; then stopped as ``kill`` stops it."""
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "qgraph", "serve", "--root", str(root), "--port", "0",
                             "--workers", "1", *flags], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    lines = []
    # a ceiling, not a timing: a server that never says where it serves is killed, so that its
    # stderr ends and the assertion below reports what it said
    watchdog = threading.Timer(120.0, proc.kill)
    watchdog.start()
    try:
        for line in proc.stderr:
            lines.append(line.rstrip("\n"))
            if "serving http://" in line:
                break
    finally:
        watchdog.cancel()
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    assert lines and "serving http://" in lines[-1], lines
    return lines


def test_serve_reports_its_start_up_steps(tmp_path):
    """At a million triples the server took ~30 s to start, saying nothing; with --progress (the
    default on a terminal) each step of the start-up is reported with its time, before the line
    saying where it serves; with --no-progress only that line."""
    root = make_project(tmp_path / "project")
    lines = _serve_stderr(root, "--progress")
    steps = [re.sub(r" \(\d+\.\d s\)$", "", line) for line in lines[:-1]]
    assert all(re.search(r" \(\d+\.\d s\)$", line) for line in lines[:-1]), lines
    assert steps[0].startswith("qgraph: loaded ") and " triples from " in steps[0], steps
    assert steps[1:] == ["qgraph: 1 query worker(s) started, forked from one process that loads the graph",
                         "qgraph: store (oxigraph) of the pages ready",
                         "qgraph: the explorer's labels, network, timeline and map worked out",
                         "qgraph: query workers ready"], steps
    assert len(_serve_stderr(root, "--no-progress")) == 1


# ---------------------------------------------------------------- hostile requests

def test_update_refused_and_graph_unchanged(client):
    before = rows(client.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[2])
    for text in ("INSERT DATA { <http://e/s> <http://e/p> <http://e/o> }", "CLEAR ALL", "DROP DEFAULT",
                 "DELETE WHERE { ?s ?p ?o }"):
        status, _, body, _ = client.query(text)
        assert status == 403, (text, body)
        assert b"read-only" in body
    status, _, body, _ = client.request("POST", "/sparql", "update=CLEAR+ALL",
                                        {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403
    after = rows(client.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[2])
    assert before == after and int(after[0]["n"]["value"]) > 0


def test_load_refused(client):
    status, _, body, _ = client.query("LOAD <http://127.0.0.1:9/x.ttl>")
    assert status == 403 and b"read-only" in body


def test_service_refused_before_any_connection(client):
    hits = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    for text in (f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
                 f"SELECT * WHERE {{ OPTIONAL {{ SERVICE SILENT <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }} }}",
                 "SELECT * WHERE { BIND(<http://127.0.0.1/> AS ?u) SERVICE ?u { ?s ?p ?o } }"):
        status, _, body, _ = client.query(text)
        assert status == 403, body
        assert b"SERVICE" in body
    try:
        hits.append(listener.accept())
    except socket.timeout:
        pass
    finally:
        listener.close()
    assert hits == [], "the endpoint connected to the SERVICE address"


@pytest.mark.parametrize("text", [
    "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED <http://127.0.0.1:1/g> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "BASE <file:///etc/> SELECT * FROM <passwd> WHERE { ?s ?p ?o }",
    "PREFIX f: <file:///etc/> ASK FROM f:passwd { ?s ?p ?o }",
])
def test_foreign_dataset_refused(client, text):
    status, _, body, _ = client.query(text)
    assert status == 403, body
    assert b"own named graphs" in body


def test_foreign_protocol_dataset_refused(client):
    q = urllib.parse.quote("ASK { ?s ?p ?o }")
    for param in ("default-graph-uri", "named-graph-uri"):
        status, _, body, _ = client.get(f"/sparql?query={q}&{param}=" + urllib.parse.quote("file:///etc/passwd"))
        assert status == 403, body
        # a parameter that is not an IRI at all is a bad request (400), not a refused graph (it was 403)
        status, _, body, _ = client.get(f"/sparql?query={q}&{param}=" + urllib.parse.quote("not an iri"))
        assert status == 400 and b"not an absolute IRI" in body, body


def test_a_from_the_protocols_dataset_replaces_is_not_refused(client):
    """Regression: SPARQL 1.1 Protocol §2.1.4, the request's dataset replaces the query's FROM:
    a foreign FROM that is never read was refused (403); the answer is that of the named graph."""
    g = "https://w3id.org/qgraph/graph/tiny-doc"
    own = client.query(f"SELECT (COUNT(*) AS ?n) FROM <{g}> WHERE {{ ?s ?p ?o }}")
    text = "SELECT (COUNT(*) AS ?n) FROM <file:///etc/passwd> FROM NAMED <http://example.org/x> WHERE { ?s ?p ?o }"
    status, _, body, _ = client.get("/sparql?" + urllib.parse.urlencode({"query": text, "default-graph-uri": g}),
                                    accept="application/sparql-results+json")
    assert status == 200 and rows(body) == rows(own[2]), body
    status, _, body, _ = client.query(text)  # no dataset in the request: the FROM is read, and refused
    assert status == 403, body


def test_own_named_graph_allowed(client):
    g = "https://w3id.org/qgraph/graph/tiny-doc"
    status, _, body, _ = client.query(f"SELECT (COUNT(*) AS ?n) FROM <{g}> WHERE {{ ?s ?p ?o }}")
    assert status == 200
    n = int(rows(body)[0]["n"]["value"])
    status, _, body, _ = client.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert 0 < n < int(rows(body)[0]["n"]["value"])


def test_cartesian_product_hits_time_limit_and_server_survives(server, client):
    restarts = server.app.pool.restarts
    text = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
    status, ctype, body, _ = client.query(text)
    assert status == 503, body
    assert b"time limit exceeded" in body and ctype.startswith("text/plain")
    status, _, body, _ = client.query("ASK { ?s ?p ?o }")
    assert status == 200 and json.loads(body)["boolean"] is True
    assert server.app.pool.restarts >= restarts + 1


def test_huge_result_hits_cap_not_truncated(client):
    for text, accept in (("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }", "text/csv"),
                         ("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }", "application/sparql-results+json"),
                         ("CONSTRUCT { ?a ?b ?f } WHERE { ?a ?b ?c . ?d ?e ?f }", "text/turtle")):
        status, _, body, _ = client.query(text, accept)
        assert status == 500, body[:200]
        assert b"result cap exceeded" in body
    status, _, body, _ = client.query("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 500", "text/csv")
    assert status == 200 and body.count(b"\r\n") == 501
    status, _, body, _ = client.query("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 500")
    assert status == 200 and len(rows(body)) == 500


def test_workers_that_cannot_load_the_graph_are_a_clear_error(tmp_path):
    """A worker over its memory cap while loading the graph (a graph too big for the cap) stops
    the start-up with a QgraphError naming the cap, not an EOFError traceback."""
    from qgraph.errors import QgraphError
    from qgraph.web.pool import Limits
    from qgraph.web.server import make_app

    root = make_project(tmp_path / "project")
    with pytest.raises(QgraphError, match=r"could not load the graph .*memory per worker: 16 MiB"):
        make_app(root, Limits(memory=16 << 20, workers=1), quiet=True)


def test_oversized_body_413(client):
    from qgraph.web.server import MAX_BODY

    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * (MAX_BODY + 10)
    status, _, body, _ = client.request("POST", "/sparql", big, {"Content-Type": "application/sparql-query"})
    assert status == 413
    status, _, _, _ = client.query("ASK {}")
    assert status == 200


def test_chunked_body_refused(client):
    conn = http.client.HTTPConnection(client.host, client.port, timeout=30)
    try:
        conn.request("POST", "/sparql", body=iter([b"ASK {}"]),
                     headers={"Content-Type": "application/sparql-query", "Transfer-Encoding": "chunked"})
        assert conn.getresponse().status == 411
    finally:
        conn.close()


def test_broken_query_does_not_take_server_down(client):
    for text in ("SELECT * WHERE {", "SELECT ?x WHERE { ?x ?p ?o FILTER(?x = ) }", "{" * 3000, "\x00\x01"):
        status, _, _, _ = client.query(text)
        assert 400 <= status < 600
    assert client.query("ASK {}")[0] == 200


def test_twenty_concurrent_clients_get_correct_answers(client):
    expected = {}
    for i in range(20):
        text = f'SELECT ?n ?i WHERE {{ ?n a qg:Nation ; rdfs:label ?l . BIND({i} AS ?i) }} ORDER BY ?n'
        expected[i] = (text, None)
    answers: dict[int, tuple] = {}
    barrier = threading.Barrier(20)

    def one(i: int) -> None:
        barrier.wait()
        answers[i] = client.query(expected[i][0], "text/csv")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(answers) == 20
    nations = sorted([QGID + "denmark", QGID + "hostile-nation", QGID + "united-kingdom"])
    for i, (status, _, body, _) in answers.items():
        assert status == 200, body
        lines = body.decode().split("\r\n")
        assert lines[0] == "n,i"
        assert lines[1:-1] == [f"{n},{i}" for n in nations]


def test_search_injection_is_a_literal(client):
    attack = '") } } SELECT * WHERE { ?s ?p ?o } #'
    status, ctype, body, _ = client.get("/api/search?q=" + urllib.parse.quote(attack))
    assert status == 200 and ctype.startswith("application/json")
    assert json.loads(body) == []
    hits = json.loads(client.get("/api/search?q=" + urllib.parse.quote("DENMARK"))[2])
    assert [h["iri"] for h in hits] == [QGID + "denmark"]
    hits = json.loads(client.get("/api/search?q=" + urllib.parse.quote("<script>"))[2])
    assert [h["iri"] for h in hits] == [QGID + "hostile-nation"]


def test_other_methods_405(client):
    for method in ("PUT", "DELETE", "PATCH"):
        status, _, _, headers = client.request(method, "/sparql?query=ASK%20%7B%7D", b"")
        assert status == 405 and "GET" in headers["allow"]


def test_allow_names_the_methods_of_the_resource_asked_for(client):
    """Regression: `PUT /` and `OPTIONS /` said "Allow: GET, HEAD, POST, OPTIONS", where POST is
    answered on /sparql only (RFC 9110 §10.2.1: the target resource's methods)."""
    for method, path in (("PUT", "/"), ("POST", "/"), ("OPTIONS", "/"), ("DELETE", "/id/denmark")):
        status, _, _, headers = client.request(method, path, b"")
        assert status in (204, 405) and headers["allow"] == "GET, HEAD, OPTIONS", (method, path, headers)
    for method in ("PUT", "OPTIONS"):
        assert client.request(method, "/sparql", b"")[3]["allow"] == "GET, HEAD, POST, OPTIONS"


# ---------------------------------------------------------------- formats and negotiation

@pytest.mark.parametrize("accept,fmt", [
    ("application/sparql-results+json", "JSON"), ("application/sparql-results+xml", "XML"),
    ("text/csv", "CSV"), ("text/tab-separated-values", "TSV"),
])
def test_select_formats_parse_back(client, accept, fmt):
    import pyoxigraph as ox

    text = 'SELECT ?n ?l ?d WHERE { ?n rdfs:label ?l OPTIONAL { ?m org:member ?n ; qg:attestedOn ?d } } ORDER BY ?n ?l'
    status, ctype, body, _ = client.query(text, accept)
    assert status == 200 and ctype.startswith(accept)
    if fmt == "CSV":  # lossy by design: pyoxigraph does not read it back; csv does
        import csv
        import io

        reader = csv.reader(io.StringIO(body.decode("utf-8"), newline=""))
        assert next(reader) == ["n", "l", "d"]
        got = [tuple(c or None for c in row) for row in reader]
    else:
        parsed = ox.parse_query_results(body, format=getattr(ox.QueryResultsFormat, fmt))
        got = [tuple(None if s[v] is None else s[v].value for v in ("n", "l", "d")) for s in parsed]
    assert (QGID + "denmark", "Denmark", "2026-04-08") in got
    assert any(g[2] is None for g in got), "an unbound cell was expected"


@pytest.mark.parametrize("accept,fmt", [("text/turtle", "TURTLE"), ("application/ld+json", "JSON_LD"),
                                        ("application/n-triples", "N_TRIPLES")])
def test_construct_formats_parse_back(client, accept, fmt):
    import pyoxigraph as ox

    status, ctype, body, _ = client.query("CONSTRUCT { ?n rdfs:label ?l } WHERE { ?n a qg:Nation ; rdfs:label ?l }", accept)
    assert status == 200 and ctype.startswith(accept)
    triples = [q.triple for q in ox.parse(body, format=getattr(ox.RdfFormat, fmt))]
    assert ox.Triple(ox.NamedNode(QGID + "denmark"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                     ox.Literal("Denmark", language="en")) in triples


def test_unacceptable_accept_406(client):
    assert client.query("SELECT * WHERE { ?s ?p ?o } LIMIT 1", "image/png")[0] == 406


def test_entity_content_negotiation(client):
    import pyoxigraph as ox

    status, ctype, body, headers = client.get("/id/denmark", "text/html,application/xhtml+xml,*/*;q=0.8")
    assert status == 200 and ctype.startswith("text/html") and "accept" in headers["vary"].lower()
    assert b"Denmark" in body and b"The Tiny Forum has two members" in body
    for accept, fmt in (("text/turtle", "TURTLE"), ("application/ld+json", "JSON_LD"),
                        ("application/n-triples", "N_TRIPLES")):
        status, ctype, body, _ = client.get("/id/denmark", accept)
        assert status == 200 and ctype.startswith(accept)
        subjects = {t.subject for t in ox.parse(body, format=getattr(ox.RdfFormat, fmt))}
        assert ox.NamedNode(QGID + "denmark") in subjects
    iri = urllib.parse.quote(QGID + "denmark", safe="")
    status, ctype, body, _ = client.get(f"/resource?iri={iri}", "text/turtle")
    assert status == 200 and b"Denmark" in body
    assert client.get("/id/no-such-thing", "text/html")[0] == 404
    assert client.get("/id/no-such-thing", "text/turtle")[0] == 404


# ---------------------------------------------------------------- escaping

def test_entity_page_escapes_and_never_links_unsafe_schemes(client):
    status, _, body, headers = client.get("/id/hostile-nation", "text/html")
    assert status == 200
    page = body.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Evilland" in page
    assert 'onmouseover="' not in page
    assert 'href="javascript:' not in page.lower() and 'href="data:' not in page.lower()
    assert "javascript:alert(1)" in page  # shown, as inert text
    assert "script-src 'self'" in headers["content-security-policy"]


def test_search_page_escapes_query(client):
    status, _, body, _ = client.get("/search?q=" + urllib.parse.quote('<img src=x onerror=alert(1)>'))
    assert status == 200
    assert b"<img src=x" not in body and b"&lt;img src=x onerror=alert(1)&gt;" in body


def test_home_lists_questions_and_static_files_served(client, server):
    status, _, body, _ = client.get("/")
    assert status == 200
    names = sorted(p.stem for p in (server.app.loaded.root / "queries").glob("*.rq"))
    assert names, "no fixture queries found"
    for n in names:
        assert f'data-name="{n}"'.encode() in body
    for name in ("explorer.js", "style.css"):
        status, _, data, _ = client.get(f"/static/{name}")
        assert status == 200 and data
    assert client.get("/static/../server.py")[0] == 404


def test_pictures_data(client):
    net = json.loads(client.get("/api/network")[2])
    ids = {n["id"] for n in net["nodes"]}
    assert {QGID + "denmark", QGID + "tiny-forum", QGID + "doc-tiny-doc"} <= ids
    assert any(l["source"] == QGID + "denmark" and l["target"] == QGID + "tiny-forum" for l in net["links"])
    events = json.loads(client.get("/api/timeline")[2])["events"]
    assert {e["date"] for e in events} == {"2026-04-08"}
    assert json.loads(client.get("/api/map")[2]) == {"points": []}  # the fixture has no coordinates


def test_etag_and_not_modified(client):
    status, _, body, headers = client.get("/api/queries")
    assert status == 200 and headers["etag"].startswith('"')
    status, _, again, headers2 = client.request("GET", "/api/queries", headers={"If-None-Match": headers["etag"]})
    assert (status, again) == (304, b"") and headers2["etag"] == headers["etag"]
    status, _, _, _ = client.request("GET", "/api/queries", headers={"If-None-Match": '"something-else"'})
    assert status == 200


def test_gzip_when_accepted(client):
    import gzip

    status, _, plain, headers = client.get("/")
    assert status == 200 and "content-encoding" not in headers and len(plain) >= 1024
    status, _, packed, headers = client.request("GET", "/", headers={"Accept-Encoding": "gzip, deflate"})
    assert status == 200 and headers["content-encoding"] == "gzip" and "Accept-Encoding" in headers["vary"]
    assert gzip.decompress(packed) == plain and len(packed) < len(plain)
    assert int(headers["content-length"]) == len(packed)
    # the same bytes every time (no timestamp in the gzip header)
    assert client.request("GET", "/", headers={"Accept-Encoding": "gzip"})[2] == packed
    # a strong tag names one representation: the gzipped page's is not the plain page's (they were
    # one), and either one sent back gets a 304
    plain_tag = client.get("/")[3]["etag"]
    assert headers["etag"] != plain_tag
    for tag in (plain_tag, headers["etag"]):
        assert client.request("GET", "/", headers={"Accept-Encoding": "gzip", "If-None-Match": tag})[0] == 304


def test_static_files_in_subfolders_are_served(tmp_path):
    """Vendored libraries live in static/vendor/<library>/: the loader walks subfolders (it read
    only the top level before) and keys each file by its relative path."""
    from qgraph.web.server import load_static

    (tmp_path / "vendor" / "lib").mkdir(parents=True)
    (tmp_path / "vendor" / "lib" / "lib.js").write_text("x")
    (tmp_path / "a.css").write_text("y")
    (tmp_path / "notes.exe").write_text("z")
    static = load_static(tmp_path)
    assert sorted(static) == ["a.css", "vendor/lib/lib.js"]
    assert static["vendor/lib/lib.js"][1].startswith("text/javascript")


ENRICHMENT_TTL = """PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX qgid: <https://w3id.org/qgraph/id/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX wd: <http://www.wikidata.org/entity/>
qgid:denmark skos:exactMatch wd:Q35 .
wd:Q35 geo:hasGeometry qgid:wd-geometry-denmark .
qgid:wd-geometry-denmark geo:asWKT "Point(9.501785 56.26392)"^^geo:wktLiteral .
"""


def test_coordinates_and_labels_api(tmp_path):
    """/api/coordinates and /api/labels, for the "show as" views (static/views.js): a nation with a
    point in the linked data, by its own IRI or by the Wikidata item it matches; an IRI with no
    point is left out; too many IRIs at once is a 400, not a slow answer."""
    from qgraph.web.server import MAX_LOOKUP, Running

    root = make_project(tmp_path / "project")
    (root / "data" / "links").mkdir(exist_ok=True)
    (root / "data" / "links" / "enrichment.ttl").write_text(ENRICHMENT_TTL, encoding="utf-8")
    with Running(root) as running:
        c = Client(running.url)
        q = urllib.parse.urlencode([("iri", QGID + "denmark"), ("iri", "http://www.wikidata.org/entity/Q35"),
                                    ("iri", QGID + "tiny-forum"), ("iri", "not an iri")])
        status, ctype, body, _ = c.get("/api/coordinates?" + q)
        assert status == 200 and ctype.startswith("application/json")
        assert json.loads(body) == {QGID + "denmark": [56.26392, 9.501785, "Denmark"],
                                    "http://www.wikidata.org/entity/Q35": [56.26392, 9.501785, "Denmark"]}
        assert json.loads(c.get("/api/coordinates")[2]) == {}
        status, _, body, _ = c.get("/api/labels?" + q)
        labels = json.loads(body)
        assert status == 200 and labels[QGID + "denmark"] == "Denmark" and "not an iri" not in labels
        assert QGID + "tiny-forum" in labels
        many = urllib.parse.urlencode([("iri", f"{QGID}x{i}") for i in range(MAX_LOOKUP + 1)])
        status, _, body, _ = c.get("/api/coordinates?" + many)
        assert status == 400 and "at most" in json.loads(body)["error"]
        # the map page names the enrichment graph (the text said "{ENRICHMENT_GRAPH}" before)
        page = c.get("/map")[2].decode()
        assert "https://w3id.org/qgraph/graph/enrichment" in page and "{ENRICHMENT_GRAPH}" not in page


def test_pages_carry_no_inline_script_or_style_and_their_files_are_served(client):
    """The CSP forbids inline script and style: the pages have none (no <script> without src, no
    <style>, no style= or on…= attribute), and every script and style sheet they name (the
    vendored libraries included) is served."""
    import re

    pages = ["/", "/network", "/timeline", "/map", "/id/denmark", "/search?q=den", "/doc/"]
    named: set[str] = set()
    for path in pages:
        status, _, body, headers = client.get(path)
        html = body.decode("utf-8")
        assert status == 200 and "script-src 'self'" in headers["content-security-policy"], path
        assert "style-src 'self';" in headers["content-security-policy"], path
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert "<style" not in html and not re.search(r"\s(style|on[a-z]+)\s*=", html, re.I), path
        named |= set(re.findall(r'<script src="([^"]+)"', html)) | set(re.findall(r'<link rel="stylesheet" href="([^"]+)"', html))
    assert {"/static/views.js", "/static/vendor/leaflet/leaflet.js", "/static/vendor/vis-network/vis-network.min.js",
            "/static/vendor/vis-timeline/vis-timeline-graph2d.min.css"} <= named
    for url in sorted(named) + ["/static/vendor/world-atlas/countries-110m.json"]:
        status, _, data, _ = client.get(url)
        assert status == 200 and data, url


def test_page_scripts_share_one_set_of_helpers_loaded_first(client):
    """el, hrefFor and short live once, in static/common.js (they were copied into explorer.js,
    views.js and editor.js); every page loads common.js before any script that uses it."""
    import re

    import qgraph.web

    static = Path(qgraph.web.__file__).parent / "static"
    scripts = ["explorer.js", "views.js", "editor.js"]
    for name in scripts:
        js = (static / name).read_text(encoding="utf-8")
        assert "window.qgraphCommon" in js, name
        assert not re.search(r"function (el|hrefFor|short)\s*\(", js), f"{name} defines its own helper again"
    common = (static / "common.js").read_text(encoding="utf-8")
    assert all(f"function {f}(" in common for f in ("el", "hrefFor", "short"))
    for path in ["/", "/network", "/query", "/id/denmark", "/doc/"]:
        html = client.get(path)[2].decode("utf-8")
        order = re.findall(r'<script src="/static/([^"]+)"', html)
        used = [s for s in order if s in scripts]
        assert used and "common.js" in order, path
        assert order.index("common.js") < min(order.index(s) for s in used), (path, order)


def test_every_link_of_a_page_to_this_server_leads_to_a_page(client):
    """A class's page links rdfs:subClassOf (a property's, rdfs:domain): terms of other
    vocabularies the graph only uses. Their links led to "not in this graph" (404); they now
    lead to the terms themselves, and every link to this server leads to a page."""
    import re
    from urllib.parse import quote

    qg = "https://w3id.org/qgraph/ontology#"
    pages = ["/id/denmark", "/resource?iri=" + quote(qg + "MemorandumOfUnderstanding", safe=""),
             "/resource?iri=" + quote(qg + "SourceDocument", safe="")]
    followed = outside = 0
    for page in pages:
        status, _, body, _ = client.get(page)
        assert status == 200, page
        html = body.decode("utf-8")
        assert "rdf-schema#subClassOf" in html or page == "/id/denmark"
        for target in sorted(set(re.findall(r'href="(/(?:id/|resource\?)[^"]*)"', html))):
            target = target.replace("&amp;", "&")
            assert client.get(target)[0] == 200, f"{page} links {target}"
            followed += 1
        outside += len(re.findall(r'href="http://www\.w3\.org/', html))
    assert followed > 10 and outside > 0


def test_xml_results_carry_a_carriage_return_and_refuse_what_xml_cannot(client):
    """A raw carriage return is read by any XML parser as a line feed (XML 1.0 §2.11), and a
    backspace or form feed is not allowed at all (§2.2): "a\\rb" came back as "a\\nb", and
    "a\\bb" made a document no parser reads, under a 200."""
    import xml.etree.ElementTree as ET

    xml = "application/sparql-results+xml"
    status, _, body, _ = client.query('SELECT ?x WHERE { VALUES ?x { "a\\rb" } }', accept=xml)
    assert status == 200
    got = [e.text for e in ET.fromstring(body).iter() if e.tag.endswith("literal")]
    assert got == ["a\rb"]
    status, ctype, body, _ = client.query('SELECT ?x WHERE { VALUES ?x { "a\\bb\\fc" } }', accept=xml)
    assert status == 406 and b"U+0008" in body and b"json" in body
    status, _, body, _ = client.query('SELECT ?x WHERE { VALUES ?x { "a\\bb\\fc" } }')
    assert status == 200 and json.loads(body)["results"]["bindings"][0]["x"]["value"] == "a\bb\fc"
    # regression: XML first but JSON acceptable too was a 406; the next acceptable format is served
    status, ctype, body, _ = client.query('SELECT ?x WHERE { VALUES ?x { "a\\bb\\fc" } }',
                                          accept=xml + ", application/sparql-results+json;q=0.5")
    assert status == 200 and ctype.startswith("application/sparql-results+json"), (status, body)
    assert json.loads(body)["results"]["bindings"][0]["x"]["value"] == "a\bb\fc"
    status, ctype, _, _ = client.query('SELECT ?x WHERE { VALUES ?x { "a\\bb\\fc" } }', accept=xml + ", text/csv;q=0.1")
    assert status == 200 and ctype.startswith("text/csv")


def test_a_control_character_is_never_written_raw_into_a_page(client):
    """A search for "%00" put a raw NUL into the HTML (a parse error; browsers show U+FFFD)."""
    for path in ("/search?q=%00a", "/search?q=%1B%5B31m", "/resource?iri=http%3A%2F%2Fexample.org%2F%00"):
        status, _, body, _ = client.get(path)
        assert status in (200, 400, 404), path
        assert not any(b < 0x20 and b not in b"\t\n\r" for b in body), path
    status, _, body, _ = client.get("/search?q=%00a")
    assert "\u2400a".encode() in body


def test_a_get_without_a_query_is_the_service_description(client):
    """SPARQL 1.1 Service Description §2: the endpoint dereferenced by GET with no query string
    describes itself (it was a 400); a browser still goes to the editor."""
    from rdflib import Graph, Namespace, URIRef
    from rdflib.namespace import RDF

    SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
    for accept in (None, "text/turtle", "application/ld+json"):
        status, ctype, body, _ = client.get("/sparql", accept=accept)
        assert status == 200, (accept, body)
        g = Graph().parse(data=body, format="json-ld" if "json" in ctype else "turtle")
        (svc,) = g.subjects(RDF.type, SD.Service)
        assert g.value(svc, SD.endpoint) == URIRef(f"http://{client.host}:{client.port}/sparql")
        assert (svc, SD.supportedLanguage, SD.SPARQL11Query) in g
        assert (svc, SD.resultFormat, URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON")) in g
        names = set(g.objects(None, SD.name))
        assert URIRef("https://w3id.org/qgraph/graph/tiny-doc") in names
    assert client.get("/sparql", accept="text/html")[0] == 303


def test_now_rand_and_uuids_are_evaluated_for_each_request(client):
    """Regression, two bugs: the answer cache kept an answer calling STRUUID(), RAND() or NOW()
    and served it again (SPARQL 1.1 Query §17.4: a new value at each evaluation), by GET and by
    POST; and, that cache off, two query workers gave the same "random" numbers in turn (each a
    fork of one process, with Oxigraph's generator copied: the second worker's first UUID was
    the first worker's)."""
    text = "SELECT (STRUUID() AS ?u) (RAND() AS ?r) (NOW() AS ?t) WHERE {}"
    path = "/sparql?" + urllib.parse.urlencode({"query": text})
    seen = set()
    for k in range(3):
        status, _, body, _ = client.get(path, accept="text/csv") if k % 2 else client.query(text, accept="text/csv")
        assert status == 200, body
        seen.add(body.decode().splitlines()[1].split(",")[0])
    assert len(seen) == 3, seen
    # an answer with no such function is still kept (the cache's hit count moves)
    assert client.get("/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}))[0] == 200


def test_a_bad_or_missing_host_is_a_400_not_a_500(server):
    """Regression: a Host header that is no host ("exa mple") made the service description fail
    with a 500, and an HTTP/1.1 request without one was served (RFC 9112 §3.2: 400 for both);
    a request without a Host (HTTP/1.0) is described at the address it came to, port included."""
    from test_server_hardening import raw_exchange

    port = urllib.parse.urlsplit(server.url).port
    for head in (b"GET /sparql HTTP/1.1\r\nHost: exa mple\r\n", b"GET /sparql HTTP/1.1\r\nHost: a>b\r\n",
                 b"GET /sparql HTTP/1.1\r\nHost: evil.example:1/x?\r\n", b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\n"):
        got = raw_exchange(port, head + b"Connection: close\r\n\r\n")
        assert got.startswith(b"HTTP/1.1 400 "), got[:200]
        assert b"Host" in got, got
    got = raw_exchange(port, b"GET /sparql HTTP/1.0\r\nAccept: application/n-triples\r\n\r\n")
    assert got.startswith(b"HTTP/1.1 200 ") or got.startswith(b"HTTP/1.0 200 "), got[:200]
    assert f"<http://127.0.0.1:{port}/sparql>".encode() in got, got


def test_gzip_refused_with_q_zero_is_not_sent(client):
    """Regression: `Accept-Encoding: gzip;q=0` (RFC 9110 §12.5.3: not gzip) got gzip."""
    for value in ("gzip;q=0", "gzip;q=0, identity", "*;q=0", "identity"):
        status, _, _, headers = client.request("GET", "/", headers={"Accept-Encoding": value})
        assert status == 200 and "content-encoding" not in headers, value
    for value in ("gzip;q=0.5", "*", "deflate, *;q=0.1"):
        status, _, _, headers = client.request("GET", "/", headers={"Accept-Encoding": value})
        assert headers.get("content-encoding") == "gzip", value


def test_the_service_description_in_no_acceptable_format_is_a_406(client):
    """Regression: a GET without a query asking for RDF/XML got 400 "missing the query
    parameter": it asks for the service description, and only its format is at fault."""
    status, _, body, headers = client.get("/sparql", accept="application/rdf+xml")
    assert status == 406 and b"service description" in body and b"text/turtle" in body, body
    assert headers.get("access-control-allow-origin") == "*"


def test_a_dot_inside_a_prefixed_name_is_not_a_service_clause(client):
    """Regression: `ex:Customer.Service` (a "." inside a prefixed name's local part, SPARQL 1.1
    grammar [169]) was refused as a SERVICE clause; a real one after a "." still is."""
    status, _, body, _ = client.query("PREFIX ex: <http://ex/> SELECT ?x { BIND(ex:Customer.Service AS ?x) }")
    assert status == 200 and rows(body) == [{"x": {"type": "uri", "value": "http://ex/Customer.Service"}}], body
    status, _, body, _ = client.query("SELECT * { ?s ?p ?o.SERVICE <http://127.0.0.1:9/x> { ?a ?b ?c } }")
    assert status == 403 and b"SERVICE" in body, body


def test_also_called_names_only_other_names(project_root):
    """Regression: a page whose heading is a person's foaf:name or a concept's skos:prefLabel said
    "Also called:" that same name (80 of the project's 888 pages: "Liz Kendall — Also called:
    Liz Kendall")."""
    import re

    from qgraph.corpus.loading import load
    from qgraph.corpus.store import open_store
    from qgraph.web import pages
    from qgraph.web.explorer import QGID, Explorer

    loaded = load(project_root)
    x = Explorer(loaded, open_store(loaded, "oxigraph"))
    page = pages.entity_page(x, x.entity(QGID + "liz-kendall")).decode()
    assert re.search(r"<h1>Liz Kendall</h1>", page)
    assert "Also called: Liz Kendall" not in page
    page = pages.entity_page(x, x.entity(QGID + "republic-of-korea")).decode()
    also = re.search(r'<p class="alt">Also called: (.*?)</p>', page).group(1).split(", ")
    assert "South Korea" in also and len(also) == len(set(also)), also
