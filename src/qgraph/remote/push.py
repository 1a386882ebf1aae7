"""Push the built graph into an external SPARQL 1.1 store, one named graph at a time.

Every named graph of the build (one per source document, the ontology, and any further graph
the build holds) is *replaced as a whole* in one request:

- ``update`` (default): one SPARQL 1.1 Update request per graph,
  ``DROP SILENT GRAPH <g> ; INSERT DATA { GRAPH <g> { … } }``, sent form-encoded to the update
  endpoint. Atomic on stores that run an update request as one transaction (Oxigraph, Jena
  Fuseki/TDB2, GraphDB/RDF4J, Amazon Neptune; see docs/external-stores.md).
- ``gsp`` (with ``graph_store``): one SPARQL 1.1 Graph Store Protocol ``PUT …?graph=<g>`` per
  graph, its whole content in the body (N-Triples, sent as ``text/turtle``, of which it is a subset).

Pushing twice changes nothing, and a failure leaves every graph either as it was or fully
replaced. After each graph the store is asked ``SELECT (COUNT(*) AS ?n) { GRAPH <g> { ?s ?p ?o } }``
and the count must equal the number of triples sent. Push stops at the first problem and says
which graphs were replaced and which were left as they were.

Blank nodes (the text-quote selectors) are skolemised by default: each becomes
``…/.well-known/genid/<label>`` (:data:`qgraph.vocab.GENID`), with the same content-derived label the
exports give it (``_:<label>`` in ``dist/qgraph.nq``), so a graph pushed twice is *identical*,
not merely isomorphic, and can be compared triple by triple. ``skolemise=False`` sends blank
nodes, which the store renames on every push.

Credentials: see :func:`qgraph.remote.client.credentials` (environment only; never printed).
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable

from qgraph.corpus.loading import GRAPH_NS
from qgraph.errors import QgraphError
from qgraph.remote.client import (
    USER_AGENT,
    Credentials,
    RemoteStore,
    check_url,
    credentials,
    describe_failure,
    timeout_from_env,
)
from qgraph.vocab import GENID as GENID_NS

GENID = GENID_NS
METHODS = ("update", "gsp")


@dataclass
class Target:
    """Where to push: the query endpoint (for the counts) and how to replace a graph."""

    endpoint: str
    update_endpoint: str | None = None
    graph_store: str | None = None
    timeout: float | None = None
    creds: Credentials | None = None

    def __post_init__(self) -> None:
        check_url(self.endpoint, "--endpoint")
        if self.update_endpoint:
            check_url(self.update_endpoint, "--update-endpoint")
        if self.graph_store:
            check_url(self.graph_store, "--graph-store")
        if self.timeout is None:
            self.timeout = timeout_from_env()
        if self.creds is None:
            self.creds = credentials()

    @property
    def method(self) -> str:
        return "gsp" if self.graph_store else "update"

    @property
    def write_url(self) -> str:
        return self.graph_store or self.update_endpoint or self.endpoint


@dataclass
class GraphOutcome:
    """What happened to one graph: ``replaced``, ``failed`` (left as it was), ``unknown`` (the
    connection broke after the request was sent: as it was, or fully replaced) or ``untouched``."""

    graph: str
    triples: int
    status: str = "untouched"
    in_store: int | None = None

    @property
    def short(self) -> str:
        return short_name(self.graph)


@dataclass
class PushReport:
    target: str
    method: str
    skolemised: bool
    outcomes: list[GraphOutcome] = field(default_factory=list)

    def summary(self) -> str:
        by = {s: [o.short for o in self.outcomes if o.status == s] for s in ("replaced", "failed", "unknown", "untouched")}
        parts = [f"replaced: {', '.join(by['replaced']) or 'none'}"]
        if by["unknown"]:
            parts.append(f"either as before or fully replaced (connection lost; push again): {', '.join(by['unknown'])}")
        left = by["failed"] + by["untouched"]
        if left:
            parts.append(f"left as they were: {', '.join(left)}")
        return "; ".join(parts)


class PushFailed(QgraphError):
    """A push stopped at one graph; ``report`` says what happened to every graph."""

    def __init__(self, message: str, report: PushReport):
        super().__init__(f"{message}; {report.summary()}")
        self.report = report


def short_name(graph: str) -> str:
    return graph[len(GRAPH_NS):] if graph.startswith(GRAPH_NS) else f"<{graph}>"


# --- what to send -------------------------------------------------------------------------


def graph_payloads(loaded: Any, skolemise: bool = True) -> dict[str, list[str]]:
    """Graph IRI → its triples as sorted N-Triples lines, graphs in name order.

    The triples are the build's (:attr:`qgraph.publish.exports.Exporter.graphs`, with content-derived
    blank-node labels), so this is exactly what ``qgraph build`` writes into ``qgraph.nq``."""
    import pyoxigraph as ox

    from qgraph.publish.exports import Exporter

    def term(t: Any) -> Any:
        if skolemise and type(t) is ox.BlankNode:
            return ox.NamedNode(GENID + t.value)
        return t

    out: dict[str, list[str]] = {}
    for name, quads in Exporter(loaded).graphs.items():
        lines = {f"{term(q.subject)} {q.predicate} {term(q.object)} .\n" for q in quads}
        out[name] = sorted(lines)
    return out


def update_request(graph: str, lines: list[str]) -> str:
    """One SPARQL update that replaces ``graph`` with ``lines`` (N-Triples)."""
    g = f"<{graph}>"
    return f"DROP SILENT GRAPH {g} ;\nINSERT DATA {{ GRAPH {g} {{\n{''.join(lines)}}} }}\n"


# --- HTTP ---------------------------------------------------------------------------------


def _opener(target: Target) -> urllib.request.OpenerDirector:
    """An opener for one request: redirects reported, not followed; digest when asked; the
    request ends by ``target.timeout`` in total (and by the command's deadline, if sooner)."""
    from qgraph.remote.deadline import NoRedirect, opener, request_deadline

    handlers: list[Any] = [NoRedirect()]
    c = target.creds
    if c and c.user and c.scheme == "digest":
        mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        mgr.add_password(None, target.write_url, c.user, c.password)
        handlers.append(urllib.request.HTTPDigestAuthHandler(mgr))
    return opener(request_deadline(target.timeout or 60.0), *handlers)


def _send(target: Target, graph: str, lines: list[str]) -> None:
    """Replace ``graph`` at the target in one request (raises urllib/socket errors)."""
    if target.method == "gsp":
        base = target.graph_store or ""
        url = base + ("&" if "?" in base else "?") + urllib.parse.urlencode({"graph": graph})
        req = urllib.request.Request(url, data="".join(lines).encode("utf-8"), method="PUT")
        req.add_header("Content-Type", "text/turtle; charset=utf-8")
    else:
        body = urllib.parse.urlencode({"update": update_request(graph, lines)}).encode("ascii")
        req = urllib.request.Request(target.write_url, data=body, method="POST")
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    req.add_header("User-Agent", USER_AGENT)
    req.add_header("Accept", "*/*")
    header = target.creds.header() if target.creds else None
    if header:
        req.add_header("Authorization", header)
    with _opener(target).open(req) as response:
        response.read()


def count(store: RemoteStore, graph: str) -> int:
    """How many triples ``graph`` holds in the store."""
    r = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    try:
        return int(str(r.rows[0][0]))
    except (IndexError, TypeError, ValueError):
        raise QgraphError(f"{store.endpoint}: unexpected answer to a triple count of <{graph}>") from None


def _was_sent(exc: BaseException) -> bool:
    """False when the request certainly never reached the store (connection refused, DNS)."""
    import socket

    if isinstance(exc, urllib.error.HTTPError):
        return True
    reason = getattr(exc, "reason", exc)
    return not isinstance(reason, (ConnectionRefusedError, socket.gaierror))


def push(loaded: Any, target: Target, skolemise: bool = True,
         log: Callable[[str], None] | None = None) -> PushReport:
    """Replace every named graph of ``loaded`` at ``target`` and verify each triple count.

    Raises :class:`PushFailed` (a :class:`QgraphError`) at the first problem; ``log`` receives
    one line per graph as it goes."""
    log = log or (lambda line: None)
    payloads = graph_payloads(loaded, skolemise)
    report = PushReport(target.write_url, target.method, skolemise,
                        [GraphOutcome(g, len(lines)) for g, lines in payloads.items()])
    if not payloads:
        raise QgraphError("nothing to push: the build holds no named graph")
    reader = RemoteStore(target.endpoint, timeout=target.timeout, creds=target.creds)
    try:
        reader.query("ASK { }")  # the endpoint answers, and accepts the credentials
    except QgraphError as e:
        raise PushFailed(f"before any graph was sent: {e}", report) from None
    how = "Graph Store Protocol PUT" if target.method == "gsp" else "SPARQL update (DROP SILENT GRAPH + INSERT DATA)"
    log(f"pushing {len(payloads)} graphs to {target.write_url} by {how}; blank nodes "
        + ("skolemised to " + GENID + "…" if skolemise else "sent as blank nodes"))
    try:
        _push_each(target, payloads, report, reader, log)
    except BaseException as e:  # Ctrl-C, SIGTERM (qgraph.cli.Terminated): what was replaced said, then stopped
        if not isinstance(e, QgraphError):
            log(f"stopped; {report.summary()}")
        raise
    total = sum(o.triples for o in report.outcomes)
    log(f"pushed {len(report.outcomes)} graphs ({total} triples); every triple count verified")
    return report


def _push_each(target: Target, payloads: dict[str, list[str]], report: PushReport, reader: RemoteStore,
               log: Callable[[str], None]) -> None:
    """:func:`push`'s graphs, one by one, each outcome recorded in ``report`` as it happens."""
    for outcome in report.outcomes:
        outcome.status = "unknown"  # until its request is known to have failed or succeeded
        try:
            _send(target, outcome.graph, payloads[outcome.graph])
        except Exception as e:  # urllib, http.client and socket errors
            outcome.status = "unknown" if _was_sent(e) and not isinstance(e, urllib.error.HTTPError) else "failed"
            reason = describe_failure(e, target.write_url, target.creds, target.timeout or 0)
            raise PushFailed(f"graph {outcome.short} not replaced: {reason}", report) from None
        outcome.status = "replaced"
        try:
            outcome.in_store = count(reader, outcome.graph)
        except QgraphError as e:
            raise PushFailed(f"graph {outcome.short} replaced but its triples could not be counted: {e}", report) from None
        if outcome.in_store != outcome.triples:
            raise PushFailed(f"graph {outcome.short}: {outcome.triples} triples sent but the store holds "
                             f"{outcome.in_store}", report)
        log(f"replaced {outcome.graph}: {outcome.triples} triples sent, {outcome.in_store} in the store")


def push_project(target: Target, root: Any = None, skolemise: bool = True, check: bool = True,
                 log: Callable[[str], None] | None = None) -> PushReport:
    """Load (and by default check, as ``qgraph build`` does) the project, then :func:`push` it.

    A project that does not conform raises :class:`~qgraph.errors.NonConformant` before anything
    is sent."""
    if check:
        from qgraph.checks.report import counts
        from qgraph.errors import NonConformant
        from qgraph.pipeline import check as run_checks

        outcome = run_checks(root)
        if not outcome.conforms:
            n = counts(outcome.problems)["Violation"]
            raise NonConformant(f"the data does not conform: {n} violation(s); nothing pushed", outcome.problems)
        loaded = outcome.loaded
    else:
        from qgraph.corpus.loading import load

        loaded = load(root)
    return push(loaded, target, skolemise, log)
