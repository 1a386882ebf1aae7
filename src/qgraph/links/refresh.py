"""``qgraph link --refresh`` and ``--suggest``: ask a SPARQL endpoint (Wikidata by default).

The client (:class:`Client`) is polite and strict:

- SPARQLWrapper with a descriptive User-Agent (:data:`USER_AGENT`, with the project's URL),
  POST, an explicit timeout, one request in flight (requests run one after the other);
- retry with capped exponential back-off on 429, 500, 502, 503, 504 and timeouts, honouring
  ``Retry-After`` (seconds or an HTTP date) on 429 and 503; the back-off parameters and the
  sleep function are injectable, so tests wait milliseconds;
- every answer is checked: the content type must be SPARQL JSON results, the body must be
  complete JSON with ``head.vars`` and ``results.bindings``; a truncated body, an HTML error
  page or a 200 with ``text/plain`` is a :class:`~qgraph.errors.QgraphError`, not data.

A refresh re-runs the verification and enrichment queries (``qgraph/links/wikidata/*.rq``) in
batches with ``VALUES``, prints progress on stderr, reports what changed (new, changed,
vanished, redirected) and writes the cache and the two graphs atomically: when anything fails,
the previous files stay byte-identical.
"""

from __future__ import annotations

import email.utils
import json
import socket
import sys
import time
import urllib.error
from dataclasses import dataclass, field
from datetime import date as _date
from pathlib import Path
from typing import Any, Callable, TextIO

from qgraph._version import __version__
from qgraph.errors import QgraphError
from qgraph.links.enrich import DEFAULT_ENDPOINT, REALMS, values
from qgraph.vocab import BASE

USER_AGENT = (f"qgraph/{__version__} (quantum-diplomacy knowledge graph; {BASE.rstrip('/')}; "
              "link refresh via SPARQLWrapper)")
JSON_TYPES = ("application/sparql-results+json", "application/json")
RETRY_STATUS = {429, 500, 502, 503, 504}


@dataclass
class Backoff:
    """Retry policy: ``attempts`` tries, waits ``base * 2**n`` capped at ``cap`` seconds;
    a server's ``Retry-After`` is honoured up to ``cap``."""

    attempts: int = 5
    base: float = 1.0
    cap: float = 60.0
    sleep: Callable[[float], None] = time.sleep


@dataclass
class Client:
    endpoint: str = DEFAULT_ENDPOINT
    timeout: float = 60.0
    backoff: Backoff = field(default_factory=Backoff)
    log: TextIO = sys.stderr
    batch: int = 50

    def select(self, query: str, what: str) -> list[dict[str, str]]:
        """Run one SELECT; return its bindings as ``{var: value}`` rows (values as strings)."""
        from SPARQLWrapper import POST, SPARQLWrapper

        last = ""
        if not self.timeout or self.timeout <= 0:
            raise QgraphError("the timeout must be a positive number of seconds")
        for attempt in range(1, self.backoff.attempts + 1):
            sw = SPARQLWrapper(self.endpoint, agent=USER_AGENT)
            sw.setMethod(POST)
            # setTimeout() truncates to int (0.5 s would become 0 = no timeout at all): set it directly
            sw.timeout = self.timeout  # type: ignore[assignment]
            sw.setQuery(query)
            sw.addCustomHttpHeader("Accept", "application/sparql-results+json")
            wait = None
            try:
                # SPARQLWrapper builds the request; it is sent through an opener that ends it by
                # the timeout in total (a server trickling its answer cannot stretch it)
                from qgraph.remote.deadline import DeadlineExceeded, opener, request_deadline

                try:
                    response = opener(request_deadline(self.timeout)).open(sw._createRequest())
                except urllib.error.HTTPError as e:
                    if e.code in RETRY_STATUS:
                        raise
                    raise QgraphError(f"{self.endpoint}: {what}: HTTP {e.code} ({_reason(e)})") from None
                with response:
                    return self._parse(response, what)
            except DeadlineExceeded as e:
                if _command_over(e):
                    raise QgraphError(f"{self.endpoint}: {what}: {e}") from None
                last = "timed out"
            except _Retryable as e:
                last, wait = str(e), e.retry_after
            except QgraphError:
                raise
            except Exception as e:  # noqa: BLE001 - mapped below: urllib, SPARQLWrapper, socket errors
                if _command_over(e):
                    raise QgraphError(f"{self.endpoint}: {what}: {_reason(e)}") from None
                status, headers = _status(e)
                if status is not None and status not in RETRY_STATUS:
                    raise QgraphError(f"{self.endpoint}: {what}: HTTP {status} ({_reason(e)})") from None
                if status is None and not _is_timeout(e) and not _is_transient(e):
                    raise QgraphError(f"{self.endpoint}: {what}: {_reason(e)}") from None
                last = f"HTTP {status}" if status is not None else ("timed out" if _is_timeout(e) else _reason(e))
                if status in (429, 503) and headers is not None:
                    wait = _retry_after(headers.get("Retry-After"))
            if attempt == self.backoff.attempts:
                break
            delay = min(self.backoff.cap, self.backoff.base * 2 ** (attempt - 1) if wait is None else wait)
            print(f"  {what}: {last}; retry {attempt}/{self.backoff.attempts - 1} in {delay:g}s", file=self.log)
            self.backoff.sleep(delay)
        raise QgraphError(f"{self.endpoint}: {what}: gave up after {self.backoff.attempts} attempts ({last})")

    def _parse(self, response: Any, what: str) -> list[dict[str, str]]:
        ctype = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        try:
            body = response.read()
        except Exception as e:  # noqa: BLE001 - http.client.IncompleteRead, timeouts
            if _command_over(e):
                raise QgraphError(f"{self.endpoint}: {what}: {_reason(e)}") from None
            if _is_timeout(e):
                raise _Retryable("timed out reading the answer") from None
            raise QgraphError(f"{self.endpoint}: {what}: incomplete answer ({_reason(e)})") from None
        if ctype not in JSON_TYPES:
            head = body[:60].decode("utf-8", "replace").strip().replace("\n", " ")
            raise QgraphError(f"{self.endpoint}: {what}: expected SPARQL JSON results, got "
                              f"{ctype or 'no content type'} ({head!r}…)")
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise QgraphError(f"{self.endpoint}: {what}: truncated or malformed JSON answer "
                              f"({len(body)} bytes: {e})") from None
        if (not isinstance(data, dict) or not isinstance(data.get("head", {}).get("vars"), list)
                or not isinstance(data.get("results", {}).get("bindings"), list)):
            raise QgraphError(f"{self.endpoint}: {what}: answer lacks head.vars or results.bindings")
        return [{k: v.get("value", "") for k, v in b.items()} for b in data["results"]["bindings"]]

    def select_batched(self, kind: str, qids: list[str], what: str, **kw: Any) -> list[dict[str, str]]:
        rows: list[dict[str, str]] = []
        chunks = [qids[i:i + self.batch] for i in range(0, len(qids), self.batch)] or [[]]
        for n, chunk in enumerate(chunks, 1):
            print(f"{what}: batch {n}/{len(chunks)} ({len(chunk)} items)", file=self.log)
            rows += self.select(values(kind, chunk, **kw), what)
        return rows


class _Retryable(Exception):
    def __init__(self, msg: str, retry_after: float | None = None):
        super().__init__(msg)
        self.retry_after = retry_after


def _status(e: BaseException) -> tuple[int | None, Any]:
    import urllib.error

    from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, EndPointNotFound, QueryBadFormed, Unauthorized

    if isinstance(e, urllib.error.HTTPError):
        return e.code, e.headers
    for cls, code in ((EndPointInternalError, 500), (EndPointNotFound, 404), (QueryBadFormed, 400), (Unauthorized, 401)):
        if isinstance(e, cls):
            return code, None
    return None, None


def _command_over(e: BaseException) -> bool:
    """Whether ``e`` is the command's deadline running out (no retry then), not a request's."""
    from qgraph.remote.deadline import deadline_of

    d = deadline_of(e)
    return d is not None and d.command


def _is_timeout(e: BaseException) -> bool:
    import urllib.error

    if isinstance(e, (socket.timeout, TimeoutError)):
        return True
    return isinstance(e, urllib.error.URLError) and isinstance(e.reason, (socket.timeout, TimeoutError))


def _is_transient(e: BaseException) -> bool:
    import http.client
    import urllib.error

    return isinstance(e, (ConnectionResetError, http.client.RemoteDisconnected)) or (
        isinstance(e, urllib.error.URLError) and isinstance(e.reason, ConnectionResetError))


def _reason(e: BaseException) -> str:
    text = str(getattr(e, "reason", None) or e).strip().splitlines()
    return (text[0] if text else type(e).__name__)[:200]


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _qid(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def _day(value: str | None) -> str | None:
    """A Wikidata time (``1949-08-24T00:00:00Z``) as ``YYYY-MM-DD``."""
    return value[:10] if value else None


@dataclass
class Change:
    kind: str  # new | changed | vanished | redirected | note
    text: str


def fetch(client: Client, root: Path, cache: dict[str, Any], today: str) -> tuple[dict[str, Any], list[Change]]:
    """Ask the endpoint; return the new cache and what changed against ``cache``."""
    from qgraph.links.enrich import wikidata_links

    qids, labels = wikidata_links(root)
    by_qid = {q: s for s, q in qids.items()}
    nations = sorted({m["member"] for m in cache["memberships"]} | {c["member"] for c in cache["capitals"]}
                     | {c["member"] for c in cache["coordinates"]})
    items = [qids[n] for n in nations if n in qids]
    changes: list[Change] = []

    def need(r: dict[str, str], key: str, what: str) -> str:
        if not r.get(key):
            raise QgraphError(f"{client.endpoint}: {what}: an answer row has no ?{key} ({_row(r)}); nothing written")
        return r[key]

    def member(r: dict[str, str], what: str) -> str:
        q = _qid(need(r, "item", what))
        if q not in by_qid:
            raise QgraphError(f"{client.endpoint}: {what}: the answer names wd:{q}, which was not asked about "
                              f"({_row(r)}); nothing written")
        return by_qid[q]

    rows = client.select_batched("verification", sorted(set(qids.values())), "verification")
    seen: dict[str, dict[str, str]] = {}
    for r in rows:
        member(r, "verification")
        seen.setdefault(_qid(r["item"]), {}).update({k: v for k, v in r.items() if v})
    for q in sorted(set(qids.values())):
        r = seen.get(q, {})
        if r.get("redirect"):
            changes.append(Change("redirected", f"{by_qid[q]}: wd:{q} redirects to wd:{_qid(r['redirect'])} "
                                                "(update data/links/accepted.sssom.tsv)"))
        elif not r.get("label"):
            changes.append(Change("vanished", f"{by_qid[q]}: wd:{q} has no English label at the endpoint "
                                              "(deleted or not an item?)"))

    orgs = cache["organisations"]
    org_by_qid = {o["qid"]: key for key, o in orgs.items()}
    realm_items = {q: n for n, q in REALMS.items()}
    rows = client.select_batched("memberships", items + sorted(realm_items), "memberships", orgs=sorted(org_by_qid))
    memberships = []
    for r in rows:
        q, org = _qid(need(r, "item", "memberships")), org_by_qid.get(_qid(r.get("org", "")))
        if org is None:
            continue
        if q in realm_items:
            changes.append(Change("note", f"{realm_items[q]}: membership of {orgs[org]['label']} is recorded on "
                                          f"the realm item wd:{q}; not copied to the country"))
            continue
        memberships.append({"member": member(r, "memberships"), "org": org, "start": _day(r.get("start")),
                            "end": _day(r.get("end")), "sources": ["wdqs"]})
    rows = client.select_batched("capitals", items, "capitals")
    capitals = [{"member": member(r, "capitals"), "capital": "wd:" + _qid(need(r, "capital", "capitals")),
                 "label": r.get("capitalLabel") or _qid(r["capital"]), "sources": ["wdqs"]} for r in rows]
    rows = client.select_batched("coordinates", items, "coordinates")
    coordinates = []
    for r in rows:
        lon, lat = _point(need(r, "coord", "coordinates"), client.endpoint)
        coordinates.append({"member": member(r, "coordinates"), "lat": lat, "lon": lon, "sources": ["wdqs"]})

    new = {
        "about": "qgraph enrichment cache: facts for linked entities, retrieved from a SPARQL endpoint by "
                 "`qgraph link --refresh`.",
        "origin": {"kind": "wikidata-refresh", "date": today, "endpoint": client.endpoint},
        "sources": {"wdqs": {"label": f"SPARQL endpoint {client.endpoint}, retrieved {today}",
                             "url": client.endpoint}},
        "organisations": orgs,
        "memberships": sorted(memberships, key=lambda m: (m["org"], m["member"], m["start"] or "")),
        "capitals": sorted(capitals, key=lambda c: (c["member"], c["capital"])),
        "coordinates": sorted(coordinates, key=lambda c: (c["member"], c["lat"], c["lon"])),
        "unverified": [],
    }
    changes += diff(cache, new, labels)
    return new, changes


def _row(r: dict[str, str]) -> str:
    """One answer row, short, for a message."""
    text = ", ".join(f"?{k}={v}" for k, v in sorted(r.items())) or "an empty row"
    return text if len(text) <= 160 else text[:159] + "…"


def _point(wkt: str, endpoint: str) -> tuple[str, str]:
    import re

    m = re.fullmatch(r"\s*(?:<[^>]*>\s*)?Point\(\s*(-?[0-9.]+)\s+(-?[0-9.]+)\s*\)\s*", wkt, re.I)
    if not m:
        raise QgraphError(f"{endpoint}: coordinates: not a WKT point: {wkt[:60]!r}")
    return m.group(1), m.group(2)


def _facts(cache: dict[str, Any]) -> dict[tuple, tuple]:
    out: dict[tuple, tuple] = {}
    for m in cache["memberships"]:
        out.setdefault(("membership", m["member"], m["org"]), ())
        out[("membership", m["member"], m["org"])] += ((m.get("start"), m.get("end")),)
    for c in cache["capitals"]:
        out[("capital", c["member"], "")] = out.get(("capital", c["member"], ""), ()) + (c["capital"],)
    for c in cache["coordinates"]:
        out[("coordinates", c["member"], "")] = out.get(("coordinates", c["member"], ""), ()) + ((c["lat"], c["lon"]),)
    return {k: tuple(sorted(v, key=str)) for k, v in out.items()}


def diff(old: dict[str, Any], new: dict[str, Any], labels: dict[str, str] | None = None) -> list[Change]:
    """New, changed and vanished facts between two caches."""
    a, b = _facts(old), _facts(new)
    out = []
    for key in sorted(set(a) | set(b)):
        kind, member, org = key
        name = f"{kind} {member}" + (f" {org}" if org else "")
        if key not in a:
            out.append(Change("new", f"{name}: {_show(b[key])}"))
        elif key not in b:
            out.append(Change("vanished", f"{name}: was {_show(a[key])}"))
        elif a[key] != b[key]:
            out.append(Change("changed", f"{name}: {_show(a[key])} -> {_show(b[key])}"))
    return out


def _show(v: tuple) -> str:
    def one(x: Any) -> str:
        if isinstance(x, tuple):
            return "–".join(str(p) if p else "?" for p in x)
        return str(x)

    return ", ".join(one(x) for x in v)


def refresh(root: Path, client: Client, today: str | None = None, out: TextIO = sys.stdout) -> list[Change]:
    """Refresh the cache from ``client.endpoint``; write cache and graphs only if all went well."""
    from qgraph.links.enrich import CACHE, dumps_cache, load_cache, rebuild, wikidata_links

    cache_path = root / "data" / "links" / CACHE
    cache = load_cache(cache_path, f"data/links/{CACHE}")
    if not wikidata_links(root)[0]:
        # nothing to ask about: a request would only fail offline, or be answered with nothing
        written = rebuild(root)
        print(f"refresh: no entity is linked to Wikidata (data/links/accepted.sssom.tsv has no wd: row), so "
              f"nothing was asked of {client.endpoint}; wrote " + ", ".join(str(w.relative_to(root)) for w in written),
              file=out)
        return []
    new, changes = fetch(client, root, cache, today or _date.today().isoformat())
    rebuild(root, dumps_cache(new))
    for c in changes:
        print(f"{c.kind}: {c.text}", file=out)
    counts = {k: sum(1 for c in changes if c.kind == k) for k in ("new", "changed", "vanished", "redirected")}
    print("refresh: " + ", ".join(f"{n} {k}" for k, n in counts.items()) +
          f"; wrote data/links/{CACHE}, enrichment.ttl, links.ttl", file=out)
    return changes


def suggest(root: Path, client: Client, today: str | None = None, out: TextIO = sys.stdout) -> Path:
    """Propose Wikidata candidates, by English label, for linkable entities without a Wikidata
    link; write them to ``data/links/candidates.sssom.tsv`` for review (never into a graph)."""
    from qgraph.corpus.loading import load
    from qgraph.links.enrich import wikidata_links
    from qgraph.links.tables import COLUMNS, read_table
    from qgraph.publish.exports import write_atomically

    qids, _ = wikidata_links(root)
    _, rejected = read_table(root / "data" / "links" / "rejected.sssom.tsv")
    loaded = load(root)
    entities = _linkable(loaded)
    todo = {s: l for s, l in entities.items() if s not in qids}
    labels = sorted(set(todo.values()))
    rows: list[dict[str, str]] = []
    for i in range(0, len(labels), client.batch):
        chunk = labels[i:i + client.batch]
        print(f"suggest: batch {i // client.batch + 1} ({len(chunk)} labels)", file=client.log)
        rows += client.select(values("suggest", labels=chunk), "suggest")
    not_again = {(r.subject_id, r.object_id) for r in rejected if r.predicate_modifier == "Not"}
    day = today or _date.today().isoformat()
    from qgraph import vocab

    lines = [f"# mapping_set_id: {vocab.CANDIDATES_MAPPING_SET}",
             "# mapping_set_title: qgraph link candidates (UNREVIEWED: never loaded into a graph)",
             "# license: https://creativecommons.org/publicdomain/zero/1.0/",
             f"# mapping_date: {day}",
             "# curie_map:", f"#   qgid: {vocab.QGID}", f"#   wd: {vocab.WD}",
             f"#   skos: {vocab.SKOS}", f"#   semapv: {vocab.SEMAPV}",
             "\t".join(COLUMNS)]
    found = set()
    for r in sorted(rows, key=lambda r: (r["label"], r["item"])):
        for subject, label in sorted(todo.items()):
            if label != r["label"]:
                continue
            obj = "wd:" + _qid(r["item"])
            if (subject, obj) in not_again or (subject, obj) in found:
                continue
            found.add((subject, obj))
            desc = r.get("description", "").replace("\t", " ")
            lines.append("\t".join([subject, label, "skos:exactMatch", "", obj, label, "owl named individual",
                                    "wikidata", "semapv:LexicalMatching", "qgraph link --suggest", day, "0.5",
                                    f"candidate: exact English label match at {client.endpoint}; "
                                    f"description: {desc or 'none'}; review before accepting"]))
    target = root / "data" / "links" / "candidates.sssom.tsv"
    text = "\n".join(lines) + "\n"
    write_atomically({target: lambda fh: fh.write(text.encode("utf-8"))})
    print(f"suggest: {len(found)} candidate(s) for {len(todo)} unlinked entities -> {target}", file=out)
    return target


def _linkable(loaded: Any) -> dict[str, str]:
    """``qgid:x`` → English label of the entities worth linking (agents, places, people, offices)."""
    from qgraph.corpus.loading import ENRICHMENT_GRAPH, LINKS_GRAPH

    classes = ("Nation", "Government", "Forum", "InternationalOrganization", "GovernmentDepartment",
               "ResearchInstitute", "InnovationAccelerator", "Facility", "Person", "City", "Venue", "Office")
    from qgraph.vocab import QG as qg
    from qgraph.vocab import QGID as qgid
    from qgraph.vocab import RDF_TYPE as rdf_type
    from qgraph.vocab import RDFS_LABEL as label
    typed, labels = set(), {}
    for q in loaded.quads:
        if q.graph_name.value in (LINKS_GRAPH, ENRICHMENT_GRAPH):
            continue
        s = q.subject.value
        if not s.startswith(qgid):
            continue
        if q.predicate.value == rdf_type and q.object.value.removeprefix(qg) in classes:
            typed.add(s)
        elif q.predicate.value == label and getattr(q.object, "language", None) == "en":
            labels[s] = q.object.value
    return {"qgid:" + s.removeprefix(qgid): labels[s] for s in sorted(typed) if s in labels}
