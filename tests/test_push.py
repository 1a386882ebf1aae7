"""qgraph push against a real Oxigraph server on 127.0.0.1: idempotence, and faults (server
killed between graphs or in the middle of an upload, a 500 on one graph, authentication
refused) leaving every graph either fully as it was or fully replaced."""

from __future__ import annotations

import shutil
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from qgraph.corpus.loading import GRAPH_NS, load
from qgraph.errors import QgraphError
from qgraph.remote.client import Credentials
from qgraph.remote.push import GENID, PushFailed, Target, graph_payloads, push, update_request

from conftest import FIXTURE_PROJECT, PROJECT
from servers import FaultProxy, OxigraphServer, Rule, free_port, oxigraph_executable

pytestmark = pytest.mark.skipif(oxigraph_executable() is None, reason="the oxigraph server is not installed")

SECRET = "s3cr3t-Pa55word-do-not-print"
EXTRA = '<https://w3id.org/qgraph/id/push-test> <http://www.w3.org/2000/01/rdf-schema#comment> "version {v} of {f}" .\n'


def make_project(root: Path, version: str) -> Path:
    """The tiny fixture project with four graphs (ontology, two documents, links); version B
    adds one triple to every graph."""
    shutil.copytree(FIXTURE_PROJECT, root)
    data = root / "data"
    shutil.copy(data / "tiny-doc.ttl", data / "tiny-two.ttl")
    (data / "links").mkdir()
    (data / "links" / "links.ttl").write_text(
        "<https://w3id.org/qgraph/id/tiny-forum> <http://www.w3.org/2004/02/skos/core#exactMatch> "
        "<http://www.wikidata.org/entity/Q0> .\n", encoding="utf-8")
    if version == "B":
        for f in (root / "ontology" / "qgraph.ttl", data / "tiny-doc.ttl", data / "tiny-two.ttl", data / "links" / "links.ttl"):
            with f.open("a", encoding="utf-8") as fh:
                fh.write("\n" + EXTRA.format(v=version, f=f.name))
    return root


@pytest.fixture
def versions(tmp_path):
    a, b = load(make_project(tmp_path / "A", "A")), load(make_project(tmp_path / "B", "B"))
    pa, pb = graph_payloads(a), graph_payloads(b)
    assert list(pa) == list(pb) and len(pa) == 4, "expected four graphs in both versions"
    assert all(as_stored(pa[g]) != as_stored(pb[g]) for g in pa), "every graph must differ between A and B"
    return a, b, pa, pb


@pytest.fixture
def server(tmp_path):
    s = OxigraphServer(tmp_path / "db").start()
    yield s
    s.stop()


def no_creds() -> Credentials:
    return Credentials()


def contents(server: OxigraphServer, graph: str) -> set[str]:
    """The graph's triples as N-Triples lines, read back with the Graph Store Protocol."""
    import pyoxigraph as ox

    url = server.store + "?" + urllib.parse.urlencode({"graph": graph})
    req = urllib.request.Request(url, headers={"Accept": "application/n-triples"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            data = r.read()
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return set()
        raise
    return {f"{t.subject} {t.predicate} {t.object} .\n" for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)}


def as_stored(lines: list[str]) -> set[str]:
    """What Oxigraph makes of these triples. Oxigraph 0.5.13 stores a literal typed with a
    type derived from xsd:integer (``"1"^^xsd:positiveInteger``) as ``xsd:integer``, in its
    server as in pyoxigraph, so "identical" means identical to this."""
    import pyoxigraph as ox

    store = ox.Store()
    store.load("".join(lines).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return {f"{q.subject} {q.predicate} {q.object} .\n" for q in store}


def state(server: OxigraphServer, pa: dict, pb: dict) -> dict[str, str]:
    """For each graph: "A", "B", or "mixed" (which must never happen)."""
    out = {}
    for g in pa:
        got = contents(server, g)
        out[g] = "A" if got == as_stored(pa[g]) else "B" if got == as_stored(pb[g]) else f"mixed ({len(got)} triples)"
    return out


def target(server: OxigraphServer, how: str, write_base: str | None = None) -> Target:
    base = write_base or server.base
    if how == "gsp":
        return Target(server.query, graph_store=base + "/store", timeout=30, creds=no_creds())
    return Target(server.query, update_endpoint=base + "/update", timeout=30, creds=no_creds())


def test_update_request_is_one_request_per_graph():
    text = update_request("https://w3id.org/qgraph/graph/x", ["<urn:s> <urn:p> \"o\" .\n"])
    assert text.startswith("DROP SILENT GRAPH <https://w3id.org/qgraph/graph/x> ;\nINSERT DATA { GRAPH <https://w3id.org/qgraph/graph/x> {")
    assert text.count("GRAPH <") == 2


def test_payloads_skolemise_blank_nodes_stably(versions, tmp_path):
    a, _, pa, _ = versions
    assert any(GENID in line for lines in pa.values() for line in lines), "the fixture has selectors (blank nodes)"
    assert not any(" _:" in line or line.startswith("_:") for lines in pa.values() for line in lines)
    again = graph_payloads(load(make_project(tmp_path / "A2", "A")))
    assert again == pa  # same labels every time: a push can be compared triple by triple
    kept = graph_payloads(a, skolemise=False)
    assert any(line.startswith("_:") for lines in kept.values() for line in lines)


@pytest.mark.parametrize("how", ["gsp", "update"])
def test_push_twice_changes_nothing(server, versions, how):
    a, b, pa, pb = versions
    lines = []
    r1 = push(a, target(server, how), log=lines.append)
    assert [o.status for o in r1.outcomes] == ["replaced"] * 4
    assert all(o.in_store == o.triples == len(pa[o.graph]) for o in r1.outcomes)
    first = {g: contents(server, g) for g in pa}
    r2 = push(a, target(server, how))
    assert [(o.graph, o.in_store) for o in r2.outcomes] == [(o.graph, o.in_store) for o in r1.outcomes]
    assert {g: contents(server, g) for g in pa} == first == {g: as_stored(pa[g]) for g in pa}
    assert lines[0].startswith("pushing 4 graphs") and lines[-1].startswith("pushed 4 graphs")
    # a graph is replaced as a whole: B then A leaves exactly A (B's extra triples are gone)
    push(b, target(server, how))
    assert set(state(server, pa, pb).values()) == {"B"}
    push(a, target(server, how))
    assert set(state(server, pa, pb).values()) == {"A"}


def test_push_keeping_blank_nodes_is_idempotent_modulo_renaming(server, versions):
    from rdflib import Graph
    from rdflib.compare import isomorphic

    a, _, pa, _ = versions
    kept = graph_payloads(a, skolemise=False)
    for _ in range(2):
        report = push(a, target(server, "update"), skolemise=False)
        assert all(o.in_store == len(kept[o.graph]) for o in report.outcomes)
    for g, lines in kept.items():
        want, got = Graph().parse(data="".join(as_stored(lines)), format="nt"), Graph().parse(data="".join(contents(server, g)), format="nt")
        assert isomorphic(want, got), g


@pytest.mark.parametrize("how", ["gsp", "update"])
def test_server_killed_between_graphs(server, versions, how):
    a, b, pa, pb = versions
    push(a, target(server, how))
    graphs = list(pa)

    def kill_after_first(line: str) -> None:
        if line.startswith("replaced "):
            server.kill()

    with pytest.raises(PushFailed) as e:
        push(b, target(server, how), log=kill_after_first)
    msg = str(e.value)
    second = graphs[1][len(GRAPH_NS):]
    assert f"graph {second} not replaced: cannot connect to" in msg and "(connection refused)" in msg
    assert f"replaced: {graphs[0][len(GRAPH_NS):]};" in msg and "left as they were: " + second in msg
    assert [o.status for o in e.value.report.outcomes] == ["replaced", "failed", "untouched", "untouched"]
    server.start()  # same location: what the store committed survived the kill
    assert state(server, pa, pb) == {graphs[0]: "B", graphs[1]: "A", graphs[2]: "A", graphs[3]: "A"}


@pytest.mark.parametrize("how", ["gsp", "update"])
def test_server_killed_in_the_middle_of_an_upload(server, versions, how):
    """The second graph's request reaches the server only half-way, then the server is killed."""
    a, b, pa, pb = versions
    push(a, target(server, how))
    graphs = list(pa)
    writes = []

    def second_write(seen) -> bool:
        writes.append(seen.graph)
        return len(writes) == 2

    proxy = FaultProxy(server.base, rules=[Rule(second_write, cut_body_after=2000, during=server.kill)]).start()
    try:
        with pytest.raises(PushFailed) as e:
            push(b, target(server, how, write_base=proxy.base))
    finally:
        proxy.stop()
    msg = str(e.value)
    assert f"graph {graphs[1][len(GRAPH_NS):]} not replaced: the connection to" in msg
    assert "either as before or fully replaced" in msg
    assert [o.status for o in e.value.report.outcomes] == ["replaced", "unknown", "untouched", "untouched"]
    server.start()
    assert state(server, pa, pb) == {graphs[0]: "B", graphs[1]: "A", graphs[2]: "A", graphs[3]: "A"}


@pytest.mark.parametrize("how", ["gsp", "update"])
def test_a_500_on_one_graph(server, versions, how):
    a, b, pa, pb = versions
    push(a, target(server, how))
    graphs = list(pa)
    bad = graphs[2]
    proxy = FaultProxy(server.base, rules=[Rule(lambda s: s.graph == bad, status=500, body=b"disk on fire")]).start()
    try:
        with pytest.raises(PushFailed) as e:
            push(b, target(server, how, write_base=proxy.base))
    finally:
        proxy.stop()
    msg = str(e.value)
    short = [g[len(GRAPH_NS):] for g in graphs]
    assert f"graph {short[2]} not replaced: the store failed (HTTP 500" in msg and "disk on fire" in msg
    assert f"replaced: {short[0]}, {short[1]}; left as they were: {short[2]}, {short[3]}" in msg
    assert state(server, pa, pb) == {graphs[0]: "B", graphs[1]: "B", graphs[2]: "A", graphs[3]: "A"}


def test_count_mismatch_is_an_error(server, versions):
    """A store that silently drops triples is caught by the count check."""
    a, _, pa, _ = versions
    graphs = list(pa)

    # A proxy that answers "204 No Content" to every write without writing anything.
    proxy = FaultProxy(server.base, rules=[Rule(lambda s: s.graph is not None, status=204, times=0)]).start()
    try:
        with pytest.raises(PushFailed, match=rf"graph {graphs[0][len(GRAPH_NS):]}: {len(pa[graphs[0]])} triples sent but the store holds 0"):
            push(a, target(server, "gsp", write_base=proxy.base))
    finally:
        proxy.stop()


# --- the command ------------------------------------------------------------------------------


def run_cli(argv, capsys, monkeypatch, env=None):
    from qgraph.cli import main

    for k in ("QGRAPH_ENDPOINT_USER", "QGRAPH_ENDPOINT_PASSWORD", "QGRAPH_ENDPOINT_TOKEN", "QGRAPH_ENDPOINT_AUTH",
              "QGRAPH_ENDPOINT_TIMEOUT", "QGRAPH_ROOT"):
        monkeypatch.delenv(k, raising=False)
    for k, v in (env or {}).items():
        monkeypatch.setenv(k, v)
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_push_and_its_output(server, fixture_root, capsys, monkeypatch):
    argv = ["push", "--root", str(fixture_root), "--endpoint", server.query, "--graph-store", server.store]
    code, out, err = run_cli(argv, capsys, monkeypatch)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("pushing 2 graphs to " + server.store + " by Graph Store Protocol PUT")
    assert lines[1].startswith("replaced https://w3id.org/qgraph/graph/ontology: ") and lines[1].endswith(" in the store")
    assert lines[-1].startswith("pushed 2 graphs (") and "every triple count verified" in lines[-1]
    code2, out2, _ = run_cli(argv, capsys, monkeypatch)
    assert code2 == 0 and out2 == out  # the second push reports exactly the same


@pytest.mark.parametrize("variant", ["update-protected", "all-protected"])
def test_cli_authentication_refused_never_prints_the_password(server, fixture_root, capsys, monkeypatch, variant):
    proxy = FaultProxy(server.base, basic_auth=("writer", "the-right-one")).start()
    try:
        query = server.query if variant == "update-protected" else proxy.base + "/query"
        argv = ["push", "--root", str(fixture_root), "--endpoint", query, "--update-endpoint", proxy.base + "/update"]
        code, out, err = run_cli(argv, capsys, monkeypatch,
                                 {"QGRAPH_ENDPOINT_USER": "writer", "QGRAPH_ENDPOINT_PASSWORD": SECRET})
    finally:
        proxy.stop()
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("qgraph: error: ")
    assert "authentication refused (HTTP 401)" in err and "QGRAPH_ENDPOINT_PASSWORD" in err
    if variant == "update-protected":
        assert "graph ontology not replaced" in err and "replaced: none; left as they were: ontology, tiny-doc" in err
    else:
        assert "before any graph was sent" in err
    import base64

    for secret in (SECRET, base64.b64encode(f"writer:{SECRET}".encode()).decode()):
        assert secret not in out + err
    assert proxy.seen, "the request reached the proxy"


def test_cli_push_with_credentials_through_an_auth_proxy(server, fixture_root, capsys, monkeypatch):
    proxy = FaultProxy(server.base, basic_auth=("writer", SECRET)).start()
    try:
        argv = ["push", "--root", str(fixture_root), "--endpoint", proxy.base + "/query", "--graph-store", proxy.base + "/store"]
        code, out, err = run_cli(argv, capsys, monkeypatch, {"QGRAPH_ENDPOINT_USER": "writer", "QGRAPH_ENDPOINT_PASSWORD": SECRET})
    finally:
        proxy.stop()
    assert code == 0, err
    assert proxy.writes() and all(s.authorization and s.authorization.startswith("Basic ") for s in proxy.seen)
    assert SECRET not in out + err


def test_cli_push_with_a_bearer_token(server, fixture_root, capsys, monkeypatch):
    proxy = FaultProxy(server.base, token=SECRET).start()
    try:
        argv = ["push", "--root", str(fixture_root), "--endpoint", proxy.base + "/query", "--update-endpoint", proxy.base + "/update"]
        code, out, err = run_cli(argv, capsys, monkeypatch, {"QGRAPH_ENDPOINT_TOKEN": SECRET})
    finally:
        proxy.stop()
    assert code == 0, err
    assert proxy.writes() and all(s.authorization == f"Bearer {SECRET}" for s in proxy.seen)
    assert SECRET not in out + err


def test_cli_connection_refused(fixture_root, capsys, monkeypatch):
    url = f"http://127.0.0.1:{free_port()}/query"  # nothing listens there
    code, out, err = run_cli(["push", "--root", str(fixture_root), "--endpoint", url], capsys, monkeypatch)
    assert code == 2
    assert err == (f"qgraph: error: before any graph was sent: cannot connect to {url} (connection refused); "
                   "replaced: none; left as they were: ontology, tiny-doc\n")


def test_cli_credentials_in_the_url_are_refused(fixture_root, capsys, monkeypatch):
    code, out, err = run_cli(["push", "--root", str(fixture_root), "--endpoint", f"http://writer:{SECRET}@127.0.0.1:9/q"],
                             capsys, monkeypatch)
    assert code == 2 and "credentials in the URL are not accepted" in err and SECRET not in out + err


def test_cli_nonconformant_project_sends_nothing(server, fixture_root, capsys, monkeypatch):
    doc = fixture_root / "data" / "tiny-doc.ttl"
    doc.write_text(doc.read_text(encoding="utf-8").replace("They agreed to meet again.", "They agreed to part."), encoding="utf-8")
    proxy = FaultProxy(server.base).start()
    try:
        argv = ["push", "--root", str(fixture_root), "--endpoint", proxy.base + "/query", "--graph-store", proxy.base + "/store"]
        code, out, err = run_cli(argv, capsys, monkeypatch)
    finally:
        proxy.stop()
    assert code == 1 and "nothing pushed" in err
    assert proxy.seen == []


def test_target_checks_urls():
    with pytest.raises(QgraphError, match="expected an http:// or https:// URL"):
        Target("ftp://127.0.0.1/q", creds=no_creds())
    with pytest.raises(QgraphError, match="--graph-store"):
        Target("http://127.0.0.1/q", graph_store="file:///etc", creds=no_creds())


def test_a_push_stopped_by_a_signal_says_what_it_had_replaced(monkeypatch):
    """Regression: Ctrl-C or SIGTERM in the middle of a push (exit 130/143) said nothing of the
    graphs already replaced, where a failure says it of every graph."""
    from qgraph.corpus.loading import load
    from qgraph.remote import push as P

    loaded = load(PROJECT)
    sizes = {g: len(lines) for g, lines in P.graph_payloads(loaded).items()}
    assert len(sizes) >= 3, "the project has fewer than three graphs"

    class Reader:
        def __init__(self, *args, **kwargs) -> None:
            pass

        def query(self, text: str) -> None:
            return None

    sent: list[str] = []

    def send(target, graph, lines) -> None:  # noqa: ANN001
        if len(sent) == 2:
            raise KeyboardInterrupt
        sent.append(graph)

    monkeypatch.setattr(P, "RemoteStore", Reader)
    monkeypatch.setattr(P, "_send", send)
    monkeypatch.setattr(P, "count", lambda reader, graph: sizes[graph])
    lines: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        P.push(loaded, P.Target("http://127.0.0.1:9/sparql"), log=lines.append)
    last = lines[-1]
    assert last.startswith("stopped; replaced: ") and P.short_name(sent[0]) in last, last
    third = P.short_name(list(sizes)[2])
    assert f"either as before or fully replaced (connection lost; push again): {third}" in last, last
    assert "left as they were: " in last
