"""The endpoint's answer cache (web/cache.py) and the guard's memo of parsed queries
(web/guard.py): bounded, and never an answer to another request than the one that made it."""

from __future__ import annotations

import io
import json
import shutil
import urllib.parse

import pytest
from test_server import Client, rows

from conftest import FIXTURE_PROJECT

GRAPH = "https://w3id.org/qgraph/graph/tiny-doc"


# ---------------------------------------------------------------- the cache itself

def test_cache_bounded_by_bytes_least_recently_used_out():
    from qgraph.web.cache import AnswerCache

    c = AnswerCache(800)
    assert c.put("a", "A", 100) and c.put("b", "B", 100)
    assert not c.put("huge", "H", 101)  # over an eighth of the bound: never kept
    assert c.get("huge") is None
    for i in range(6):
        assert c.put(i, i, 100)
    assert c.bytes <= 800 and len(c) == 8
    assert c.get("a") == "A"  # now the most recently used
    assert c.put("new", "N", 100)
    assert c.get("b") is None and c.get("a") == "A" and c.get("new") == "N"  # "b" was the oldest
    assert c.bytes == sum(100 for _ in range(len(c))) <= 800
    assert c.put("a", "A2", 50) and c.get("a") == "A2" and c.bytes == 100 * (len(c) - 1) + 50


def test_cache_of_zero_bytes_keeps_nothing():
    from qgraph.web.cache import AnswerCache

    c = AnswerCache(0)
    assert not c.put("a", "A", 1)
    assert c.get("a") is None and len(c) == 0


# ---------------------------------------------------------------- the guard's memo

def test_guard_memo_keeps_the_dataset_verdict_per_call():
    """The memo holds what the text alone says; prefixes and allowed graphs are applied per call."""
    from qgraph.web import guard
    from qgraph.web.guard import Refused, inspect

    text = "SELECT * FROM ex:g WHERE { ?s ?p ?o }"
    assert inspect(text, {"http://a/g"}, {"ex": "http://a/"}).from_graphs == ["http://a/g"]
    assert text in guard._PARSED
    with pytest.raises(Refused) as e:
        inspect(text, {"http://a/g"}, {"ex": "http://b/"})
    assert e.value.status == 403
    with pytest.raises(Refused) as e:
        inspect(text, {"http://a/g"}, {})
    assert e.value.status == 400 and "unknown prefix" in e.value.message
    with pytest.raises(Refused) as e:
        inspect("SELECT * WHERE { ?s ?p ?o }", set(), {}, ["http://a/g"])
    assert e.value.status == 403
    for _ in range(2):  # a refusal found once is a refusal every time
        with pytest.raises(Refused) as e:
            inspect("CLEAR ALL", set(), {})
        assert e.value.status == 403 and "read-only" in e.value.message


def test_catalogue_parsed_at_start_up(tmp_path):
    from qgraph.ask import catalogue
    from qgraph.web import guard
    from qgraph.web.pool import Limits
    from qgraph.web.server import Running

    root = tmp_path / "project"
    shutil.copytree(FIXTURE_PROJECT, root)
    texts = [e.text for e in catalogue.entries(root)]
    assert texts
    guard._PARSED.clear()
    guard._PARSED_CHARS = 0
    with Running(root, Limits(workers=2)) as running:
        assert all(t in guard._PARSED for t in texts)
        # and each worker, which inspects every job again, parsed them before it was ready
        workers = list(running.app.pool._all)
        assert len(workers) == 2
        assert [w.remembered for w in workers] == [len(texts)] * 2


def test_guard_memo_bounded(monkeypatch):
    from qgraph.web import guard

    monkeypatch.setattr(guard, "PARSED_MAX_CHARS", 16 * 200)
    texts = [f"ASK {{ ?s ?p {i} }}" + " " * 150 for i in range(40)]
    for t in texts:
        guard.inspect(t, set(), {})
    assert guard._PARSED_CHARS <= 16 * 200
    assert texts[-1] in guard._PARSED and texts[0] not in guard._PARSED


# ---------------------------------------------------------------- through the server

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from qgraph.web.pool import Limits
    from qgraph.web.server import Running

    root = tmp_path_factory.mktemp("cache") / "project"
    shutil.copytree(FIXTURE_PROJECT, root)
    running = Running(root, Limits(timeout=5.0, max_results=50, workers=1))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def client(server) -> Client:
    return Client(server.url)


def test_same_request_answered_from_cache_with_the_same_bytes(server, client):
    text = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?s ?label"
    cache = server.app.answers
    status, ctype, first, _ = client.query(text)
    assert status == 200 and rows(first)
    hits = cache.hits
    status, ctype2, again, _ = client.query(text)
    assert status == 200 and again == first and ctype2 == ctype
    assert cache.hits == hits + 1
    # another format of the same query is its own answer, not the cached JSON
    status, ctype, body, _ = client.query(text, "text/csv")
    assert status == 200 and ctype.startswith("text/csv")
    assert body.count(b"\r\n") == len(rows(first)) + 1
    # an Accept worded otherwise that negotiates the same type shares the answer
    hits = cache.hits
    status, _, body, _ = client.query(text, "application/sparql-results+json;q=0.9, text/html;q=0.1")
    assert status == 200 and body == first and cache.hits == hits + 1
    status, ctype, body, _ = client.query(text, "text/tab-separated-values, */*;q=0.1")
    assert status == 200 and ctype.startswith("text/tab-separated-values") and body.startswith(b"?s\t?label")
    # the same text as CONSTRUCT negotiates among the graph types
    status, ctype, body, _ = client.query(text.replace("SELECT ?s ?label WHERE", "CONSTRUCT WHERE").replace(
        " ORDER BY ?s ?label", ""), "text/turtle, application/sparql-results+json;q=0.5")
    assert status == 200 and ctype.startswith("text/turtle")
    status, _, body, _ = client.query(text, "text/turtle")
    assert status == 406


def test_bindings_and_dataset_are_part_of_the_key(server, client):
    subjects = [r["s"]["value"] for r in rows(client.query(
        "SELECT DISTINCT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } ORDER BY ?s LIMIT 2")[2])]
    assert len(subjects) == 2
    text = "SELECT ?x ?label WHERE { ?x <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?label"
    q = urllib.parse.quote(text)
    answers = []
    for s in subjects + subjects:  # each twice: the second time from the cache
        status, _, body, _ = client.get(f"/sparql?query={q}&$x=" + urllib.parse.quote(f"<{s}>"),
                                        "application/sparql-results+json")
        assert status == 200, body
        answers.append(sorted(r["label"]["value"] for r in rows(body)))
    assert answers[0] != answers[1] and answers[:2] == answers[2:]
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    q = urllib.parse.quote(count)
    whole = int(rows(client.get(f"/sparql?query={q}", "application/sparql-results+json")[2])[0]["n"]["value"])
    status, _, body, _ = client.get(f"/sparql?query={q}&default-graph-uri=" + urllib.parse.quote(GRAPH),
                                    "application/sparql-results+json")
    assert status == 200 and 0 < int(rows(body)[0]["n"]["value"]) < whole
    # the text's answer is cached; a foreign dataset with the same text is still refused
    status, _, body, _ = client.get(f"/sparql?query={q}&default-graph-uri=" + urllib.parse.quote("file:///etc/passwd"))
    assert status == 403 and b"own named graphs" in body


def test_failures_are_not_cached(server, client):
    cache = server.app.answers
    before = len(cache)
    for _ in range(2):
        status, _, body, _ = client.query("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }", "text/csv")
        assert status == 500 and b"result cap exceeded" in body
        status, _, body, _ = client.query("SELECT * WHERE { ?s ?p ?o ")
        assert status == 400
    assert len(cache) == before
    status, _, body, _ = client.query("ASK { ?s ?p ?o }")
    assert status == 200 and json.loads(body)["boolean"] is True
    assert len(cache) == before + 1


def test_cache_off_evaluates_every_request(tmp_path):
    from qgraph.web.pool import Limits
    from qgraph.web.server import Running

    root = tmp_path / "project"
    shutil.copytree(FIXTURE_PROJECT, root)
    with Running(root, Limits(workers=1, cache_bytes=0)) as running:
        c = Client(running.url)
        for _ in range(2):
            status, _, body, _ = c.query("ASK { ?s ?p ?o }")
            assert status == 200 and json.loads(body)["boolean"] is True
        assert len(running.app.answers) == 0 and running.app.answers.hits == 0


# ---------------------------------------------------------------- SPARQL JSON written by pyoxigraph

TRICKY = """\
@prefix e: <http://e/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
e:s e:p "plain", "Dänemark \\"{}\\" \\n tab\\t"@de, "42"^^xsd:integer, "x"^^e:type, _:b, e:o, "\\u00e9\\U0001F600" .
_:b e:p "blank's" .
"""


def _store():
    import pyoxigraph as ox

    store = ox.Store()
    store.load(TRICKY.encode("utf-8"), format=ox.RdfFormat.TURTLE)
    return store


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s ?o",
    "SELECT ?o ?none ?s WHERE { ?s ?p ?o OPTIONAL { ?s <http://e/q> ?none } } ORDER BY ?o",
    "SELECT ?x WHERE { VALUES ?x { UNDEF } }",
    "SELECT ?s WHERE { ?s <http://e/absent> ?o }",
    "SELECT (COUNT(*) AS ?n) (SAMPLE(STRLEN(?o)) AS ?len) WHERE { ?s ?p ?o FILTER(isLiteral(?o)) }",
])
def test_json_written_by_pyoxigraph_is_the_json_qgraph_wrote(text):
    """The worker's SPARQL JSON (pyoxigraph's writer) reads back as the same document as
    qgraph's own writer (results.solutions), which the endpoint used before."""
    from qgraph.web import results
    from qgraph.web.pool import Job, Limits, evaluate

    store = _store()
    status, ctype, body = evaluate(store, Job(text, "application/sparql-results+json"), {}, set(), Limits())
    assert status == 200 and ctype == "application/sparql-results+json; charset=utf-8"
    res = store.query(text)
    names = [v.value for v in res.variables]
    ours = results.solutions("json", names, [[s[n] for n in names] for s in res])
    assert json.loads(body) == json.loads(ours)
    assert json.loads(body)["head"]["vars"] == names


def test_json_caps_refuse_as_before():
    """Over the row cap: the rows message; over the byte cap: the bytes message (as for CSV)."""
    from qgraph.web.pool import Job, Limits, evaluate

    store = _store()
    text = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"
    n = len(list(store.query(text)))
    assert n == 64
    accept = "application/sparql-results+json"
    status, _, body = evaluate(store, Job(text, accept), {}, set(), Limits(max_results=n))
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == n
    for limits, what in ((Limits(max_results=n - 1), b"more than 63 rows"),
                         (Limits(max_results=n - 1, max_bytes=100), b"more than 63 rows"),
                         (Limits(max_bytes=100), b"larger than 100 bytes")):
        status, _, body = evaluate(store, Job(text, accept), {}, set(), limits)
        csv = evaluate(store, Job(text, "text/csv"), {}, set(), limits)
        assert status == csv[0] == 500 and what in body, body
        assert body == csv[2]


@pytest.mark.parametrize("value", ["plain", "x},{y", "},{},{},{", "{", "}"])
def test_the_row_bound_is_never_below_the_rows(value):
    """The worker tells an answer under the row cap without reading it (a bound it never goes
    under: strings holding ``},{`` only raise it); a body not in pyoxigraph's compact form is
    bounded by its length, as before."""
    import pyoxigraph as ox

    from qgraph.web.pool import _rows_at_most

    store = ox.Store()
    for i in range(5):
        store.add(ox.Quad(ox.NamedNode(f"http://example.org/s{i}"), ox.NamedNode("http://example.org/p"),
                          ox.Literal(f"{value}{i}")))
    for text, n in (("SELECT * WHERE { ?s ?p ?o }", 5), ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", 1),
                    ("SELECT * WHERE { ?s ?p ?o FILTER(false) }", 0)):
        out = io.BytesIO()
        store.query(text).serialize(out, ox.QueryResultsFormat.JSON)
        body = out.getvalue()
        assert len(json.loads(body)["results"]["bindings"]) == n
        bound = _rows_at_most(body)
        assert bound >= n
        assert value.count("},{") or bound == max(n, 1)  # exact where no string holds the separator
        spaced = json.dumps(json.loads(body), indent=1).encode()  # not the compact form: the length's bound
        assert _rows_at_most(spaced) == (len(spaced) + 1) // 3 >= n


def test_an_answer_under_the_cap_is_not_read_again(monkeypatch):
    """The worker's JSON under the row cap is not parsed to count its rows (64 rows under a cap
    of 64, which its length alone would not tell); over the cap it is, to count them exactly."""
    from qgraph.web.pool import Job, Limits, evaluate

    store = _store()
    text = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"
    parsed = []
    real = json.loads
    monkeypatch.setattr(json, "loads", lambda *a, **k: parsed.append(1) or real(*a, **k))
    status, _, body = evaluate(store, Job(text, "application/sparql-results+json"), {}, set(), Limits(max_results=64))
    assert status == 200 and (len(body) + 1) // 3 > 64  # the length alone would have had it read
    assert not parsed
    status, _, body = evaluate(store, Job(text, "application/sparql-results+json"), {}, set(), Limits(max_results=63))
    assert status == 500 and parsed  # over the cap: read, to count exactly


# ---------------------------------------------------------------- identical requests in flight

@pytest.fixture()
def uncached(tmp_path):
    """A server with the answer cache off: whatever two requests share, they share in flight."""
    from qgraph.web.pool import Limits
    from qgraph.web.server import Running

    root = tmp_path / "project"
    shutil.copytree(FIXTURE_PROJECT, root)
    running = Running(root, Limits(timeout=5.0, workers=2, cache_bytes=0))
    yield running
    running.stop()


def _held_pool(monkeypatch, app):
    """Make the pool hold every evaluation until released; count the evaluations per query."""
    import threading

    release = threading.Event()
    calls: list[str] = []
    real = app.pool.run

    def run(job):
        calls.append(job.query)
        assert release.wait(30), "the test never released the evaluation"
        return real(job)

    monkeypatch.setattr(app.pool, "run", run)
    return release, calls


def _wait_for(check, what: str) -> None:
    import time

    end = time.monotonic() + 30
    while not check():
        assert time.monotonic() < end, f"gave up waiting for {what}"
        time.sleep(0.01)


def test_identical_requests_in_flight_share_one_evaluation(uncached, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    app = uncached.app
    assert app.answers.max_bytes == 0
    release, calls = _held_pool(monkeypatch, app)
    text = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?s ?label"
    other = text.replace("ORDER BY ?s ?label", "ORDER BY DESC(?s) ?label")
    client = Client(uncached.url)
    with ThreadPoolExecutor(4) as ex:
        first = ex.submit(client.query, text)
        _wait_for(lambda: len(calls) == 1, "the first evaluation")
        # the same request twice more (one asking for JSON in other words: the same negotiated
        # type), and another query, while the first is held
        second = ex.submit(client.query, text)
        third = ex.submit(client.query, text, "application/sparql-results+json;q=0.9, text/html;q=0.1")
        key_waiters = lambda: sum(app.in_flight.waiting(k) for k in list(app.in_flight._calls))  # noqa: E731
        _wait_for(lambda: key_waiters() == 2, "the two identical requests to wait")
        different = ex.submit(client.query, other)
        _wait_for(lambda: len(calls) == 2, "the other query's own evaluation")
        release.set()
        replies = [f.result() for f in (first, second, third)]
        diff = different.result()
    assert calls == [text, other]  # one evaluation for the three identical requests
    assert app.in_flight.merged == 2
    assert all(r[0] == 200 for r in replies) and rows(replies[0][2])
    assert replies[1][2] == replies[0][2] and replies[2][2] == replies[0][2]
    assert diff[0] == 200 and rows(diff[2]) and diff[2] != replies[0][2]  # its own answer
    # once answered, nothing is kept: the same request again is evaluated again (cache off)
    assert client.query(text)[2] == replies[0][2]
    assert calls == [text, other, text] and not app.in_flight._calls


def test_a_failed_evaluation_is_shared_as_a_failure_not_kept(uncached, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    app = uncached.app
    release, calls = _held_pool(monkeypatch, app)
    text = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"
    real_run = app.pool.run

    def broken(job):
        real_run(job)  # held, then counted
        raise OSError("worker pipe broke")

    monkeypatch.setattr(app.pool, "run", broken)
    client = Client(uncached.url)
    with ThreadPoolExecutor(2) as ex:
        first = ex.submit(client.query, text)
        _wait_for(lambda: len(calls) == 1, "the first evaluation")
        second = ex.submit(client.query, text)
        _wait_for(lambda: sum(app.in_flight.waiting(k) for k in list(app.in_flight._calls)) == 1,
                  "the identical request to wait")
        release.set()
        a, b = first.result(), second.result()
    assert a[0] == 500 and b[0] == 500 and b"failed" in b[2]
    assert not app.in_flight._calls  # nothing left behind: the next request is evaluated afresh
    monkeypatch.setattr(app.pool, "run", real_run)
    assert client.query(text)[0] == 200


def test_serve_cache_bytes_option(monkeypatch, capsys):
    from qgraph import cli
    from qgraph.web import server

    seen = []
    monkeypatch.setattr(server, "serve", lambda root, host, port, limits, progress=None, cache=False: seen.append(limits))
    assert cli.main(["serve", "--root", str(FIXTURE_PROJECT), "--cache-bytes", "0"]) == 0
    assert cli.main(["serve", "--root", str(FIXTURE_PROJECT)]) == 0
    assert [lim.cache_bytes for lim in seen] == [0, 256 << 20]
    assert cli.main(["serve", "--root", str(FIXTURE_PROJECT), "--cache-bytes", "-1"]) == 2
    assert "--cache-bytes" in capsys.readouterr().err and len(seen) == 2
