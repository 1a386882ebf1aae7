"""The enrichment graph: ``data/links/enrichment-cache.json`` → ``data/links/enrichment.ttl``.

A small slice of facts about linked entities that diplomacy questions need (membership of NATO,
the EU, the G7 and the OECD with dates, capitals, coordinates), kept in its own named graph
the enrichment graph (:data:`qgraph.vocab.ENRICHMENT_GRAPH`), never mixed with the facts of the documents.

Every node this graph mints lives in the ``qgid:wd-`` space (``qgid:wd-membership-nato-denmark``,
``qgid:wd-geometry-denmark``, ``qgid:wd-source-…``, ``qgid:wd-activity-…``, ``qgid:wd-query-…``);
the checks that demand document evidence skip that space. Shapes of the facts:

- memberships: ``org:Membership`` nodes (``org:member`` a linked ``qgid:`` nation,
  ``org:organization`` ``qgid:nato`` / ``qgid:european-union`` / ``qgid:g7`` (the corpus node) /
  ``qgid:wd-org-oecd``, ``qg:startDate`` / ``qg:endDate`` as ``xsd:date``, ``xsd:gYearMonth`` or
  ``xsd:gYear``, whatever precision the source gives);
- capitals: ``<Wikidata item> wdt:P36 <capital item>`` (the capital labelled ``@en``);
- coordinates: ``<Wikidata item> geo:hasGeometry qgid:wd-geometry-<x>`` with ``geo:asWKT``.

Provenance: each fact has ``prov:wasDerivedFrom`` (the sources where it was seen, each a
``prov:Entity`` with its URL) and ``prov:wasGeneratedBy`` an activity per kind of fact, which
carries the date and uses (``prov:used``) the SPARQL query ``qgraph link --refresh`` runs for it
(a ``prov:Plan`` whose ``rdf:value`` is the query text).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from qgraph.errors import QgraphError
from qgraph.vocab import ENRICHMENT_GRAPH, GEO, QGID, WD, WDT  # noqa: F401 (GEO, WDT used by callers)

CACHE = "enrichment-cache.json"
ENRICHMENT_TTL = "enrichment.ttl"
DEFAULT_ENDPOINT = "https://query.wikidata.org/sparql"
#: Wikidata items of realms whose membership may be recorded instead of the country's (README).
REALMS = {"qgid:denmark": "Q756617", "qgid:netherlands": "Q29999"}

#: The queries ``--refresh`` runs (``links/wikidata/<kind>.rq``, package data); ``{items}`` /
#: ``{orgs}`` / ``{labels}`` become VALUES rows of validated QIDs or literals (see
#: :func:`values`), never free text.
QUERY_KINDS = ("memberships", "capitals", "coordinates", "verification", "suggest")


def query_text(kind: str) -> str:
    """The Wikidata query ``kind`` as shipped in ``qgraph/links/wikidata/<kind>.rq``."""
    from importlib.resources import files

    if kind not in QUERY_KINDS:
        raise QgraphError(f"no Wikidata query named {kind!r}")
    return (files("qgraph.links") / "wikidata" / f"{kind}.rq").read_text(encoding="utf-8").removesuffix("\n")


ACTIVITY_LABELS = {
    "memberships": "memberships of NATO, the EU, the G7 and the OECD",
    "capitals": "capitals of the linked nations",
    "coordinates": "coordinates of the linked nations",
}
HEADER = f"""\
# GENERATED FILE: do not edit. Made by `qgraph link` from data/links/enrichment-cache.json
# (and the Wikidata links of data/links/accepted.sssom.tsv). Refresh with `qgraph link --refresh`.
# Named graph: {ENRICHMENT_GRAPH} (kept apart from the document graphs).
"""


def values(kind: str, qids: list[str] | None = None, orgs: list[str] | None = None,
           labels: list[str] | None = None) -> str:
    """The query ``kind`` with its VALUES rows filled from QIDs (``Q…``) or English labels."""
    def q(xs: list[str]) -> str:
        for x in xs:
            if not re.fullmatch(r"Q[1-9][0-9]*", x):
                raise QgraphError(f"not a Wikidata QID: {x!r}")
        return " ".join(f"wd:{x}" for x in xs)

    def lit(xs: list[str]) -> str:
        return " ".join(json.dumps(x, ensure_ascii=False) + "@en" for x in xs)

    text = query_text(kind)
    return (text.replace("{items}", q(qids or [])).replace("{orgs}", q(orgs or []))
            .replace("{labels}", lit(labels or [])))


def load_cache(path: Path, rel: str | None = None) -> dict[str, Any]:
    """Read and check the cache; a malformed cache is a :class:`QgraphError` naming the file. A
    cache that is not there (a corpus `qgraph init` made has none yet) holds no facts."""
    rel = rel or str(path)
    from qgraph.corpus.loading import read_text

    if not path.exists() and not path.is_symlink():
        return {"origin": {"kind": "none"}, "sources": {}, "organisations": {}, "memberships": [],
                "capitals": [], "coordinates": []}
    try:
        data = json.loads(read_text(path, rel))
    except json.JSONDecodeError as e:
        raise QgraphError(f"{rel}:{e.lineno}: not valid JSON: {e.msg}") from None
    except (RecursionError, ValueError) as e:  # nesting too deep; an integer of more digits than Python reads
        raise QgraphError(f"{rel}: not readable JSON ({' '.join(str(e).split())[:120]})") from None
    if not isinstance(data, dict):
        raise QgraphError(f"{rel}: expected an object of the keys origin, sources, organisations, memberships, "
                          "capitals and coordinates")
    for key in ("origin", "sources", "organisations", "memberships", "capitals", "coordinates"):
        if key not in data:
            raise QgraphError(f"{rel}: missing key {key!r}")
    try:
        _check_cache(data, rel)
    except (KeyError, TypeError, AttributeError) as e:  # an entry of the wrong kind, or missing a key
        raise _malformed(rel, e) from None
    return data


def _malformed(rel: str, e: Exception) -> QgraphError:
    """The one line for a cache entry of the wrong kind (a number for an IRI, a list for a table)
    or missing a key, found where Python tripped over it."""
    what = f"missing key {e}" if isinstance(e, KeyError) else " ".join(str(e).split())[:160]
    return QgraphError(f"{rel}: an entry is malformed ({type(e).__name__}: {what}); refresh it with "
                       "`qgraph link --refresh`, or fix it by hand")


def _check_cache(data: dict[str, Any], rel: str) -> None:
    for kind in ("memberships", "capitals", "coordinates"):
        for i, fact in enumerate(data[kind]):
            for s in fact.get("sources", []):
                if s not in data["sources"]:
                    raise QgraphError(f"{rel}: {kind}[{i}] cites unknown source {s!r}")
            if not fact.get("sources"):
                raise QgraphError(f"{rel}: {kind}[{i}] has no source")
    for i, fact in enumerate(data["memberships"]):
        if fact["org"] not in data["organisations"]:
            raise QgraphError(f"{rel}: memberships[{i}] names unknown organisation {fact['org']!r}")


def dumps_cache(data: dict[str, Any]) -> str:
    """The cache as deterministic JSON text."""
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def wikidata_links(root: Path) -> tuple[dict[str, str], dict[str, str]]:
    """``qgid:x`` → QID and ``qgid:x`` → label, from the accepted table's Wikidata rows."""
    from qgraph.links.tables import ACCEPTED, read_table

    _, rows = read_table(root / "data" / "links" / ACCEPTED, f"data/links/{ACCEPTED}")
    qids, labels = {}, {}
    for r in rows:
        labels[r.subject_id] = r.subject_label
        if r.object_source == "wikidata" and r.predicate_id == "skos:exactMatch":
            qids[r.subject_id] = r.object_id.removeprefix("wd:")
    return qids, labels


def _date(value: str) -> Any:
    from rdflib import Literal
    from rdflib.namespace import XSD

    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return Literal(value, datatype=XSD.date)
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return Literal(value, datatype=XSD.gYearMonth)
    if re.fullmatch(r"\d{4}", value):
        return Literal(value, datatype=XSD.gYear)
    raise QgraphError(f"enrichment cache: {value!r} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)")


def _slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")


def graph_triples(data: dict[str, Any], root: Path) -> list[tuple]:
    """The enrichment triples from the cache ``data`` (rdflib terms, sorted)."""
    from rdflib import RDF, RDFS, Literal, Namespace, URIRef
    from rdflib.namespace import DCTERMS, PROV, SKOS, XSD

    from qgraph import vocab

    ORG = Namespace(vocab.ORG)
    QG = Namespace(vocab.QG)

    def node(curie: str) -> URIRef:
        if curie.startswith("qgid:"):
            return URIRef(QGID + curie[5:])
        if curie.startswith("wd:"):
            return URIRef(WD + curie[3:])
        raise QgraphError(f"enrichment cache: {curie!r} is neither qgid: nor wd:")

    qids, labels = wikidata_links(root)
    if not any(data[kind] for kind in ("organisations", "memberships", "capitals", "coordinates")):
        return []  # no facts (a corpus with no cache yet): no graph of where they came from
    origin = data["origin"]
    date = Literal(origin["date"], datatype=XSD.date)
    t: list[tuple] = []
    add = t.append
    src_nodes = {}
    for sid, s in sorted(data["sources"].items()):
        n = URIRef(QGID + "wd-source-" + _slug(sid))
        src_nodes[sid] = n
        add((n, RDF.type, PROV.Entity))
        add((n, RDFS.label, Literal(s["label"], lang="en")))
        if s.get("url"):
            add((n, DCTERMS.source, URIRef(s["url"])))
    activities = {}
    for kind, what in ACTIVITY_LABELS.items():
        a = URIRef(QGID + "wd-activity-" + kind)
        plan = URIRef(QGID + "wd-query-" + kind)
        activities[kind] = a
        add((a, RDF.type, PROV.Activity))
        add((a, DCTERMS.date, date))
        add((a, PROV.used, plan))
        if origin.get("kind") == "wikidata-refresh":
            add((a, RDFS.label, Literal(f"{what}: retrieved from {origin['endpoint']} on {origin['date']}", lang="en")))
        else:
            add((a, RDFS.label, Literal(f"{what}: verified against the named sources on {origin['date']} "
                                          "(not retrieved from Wikidata)", lang="en")))
        add((plan, RDF.type, PROV.Plan))
        add((plan, RDFS.label, Literal(f"SPARQL query that `qgraph link --refresh` runs for the {what}", lang="en")))
        add((plan, RDF.value, Literal(query_text(kind))))
        add((plan, DCTERMS.source, URIRef(DEFAULT_ENDPOINT)))
    for _key, o in sorted(data["organisations"].items()):
        if o["node"].startswith("qgid:wd-"):
            n = node(o["node"])
            add((n, RDF.type, ORG.Organization))
            add((n, RDFS.label, Literal(o["label"], lang="en")))
            if o.get("alt"):
                add((n, SKOS.altLabel, Literal(o["alt"], lang="en")))
    used_ids: set[str] = set()
    for f in data["memberships"]:
        org = data["organisations"][f["org"]]
        member = f["member"]
        base = f"wd-membership-{f['org']}-{member.removeprefix('qgid:')}"
        local = base if base not in used_ids else f"{base}-{(f.get('start') or 'x')[:4]}"
        used_ids.add(local)
        m = URIRef(QGID + local)
        add((m, RDF.type, ORG.Membership))
        add((m, RDFS.label, Literal(f"{labels.get(member, member)} in {org['label']}", lang="en")))
        add((m, ORG.member, node(member)))
        add((m, ORG.organization, node(org["node"])))
        if f.get("start"):
            add((m, QG.startDate, _date(f["start"])))
        if f.get("end"):
            add((m, QG.endDate, _date(f["end"])))
        if f.get("note"):
            add((m, SKOS.editorialNote, Literal(f["note"], lang="en")))
        for s in f["sources"]:
            add((m, PROV.wasDerivedFrom, src_nodes[s]))
        add((m, PROV.wasGeneratedBy, activities["memberships"]))
    for f in data["capitals"]:
        qid = qids.get(f["member"])
        if qid is None:
            raise QgraphError(f"enrichment cache: {f['member']} has no accepted Wikidata link")
        cap = node(f["capital"])
        add((URIRef(WD + qid), URIRef(WDT + "P36"), cap))
        add((cap, RDFS.label, Literal(f["label"], lang="en")))
        add((activities["capitals"], DCTERMS.subject, URIRef(WD + qid)))
        for s in f["sources"]:
            add((activities["capitals"], PROV.used, src_nodes[s]))
    GEO_ = Namespace(GEO)
    for f in data["coordinates"]:
        qid = qids.get(f["member"])
        if qid is None:
            raise QgraphError(f"enrichment cache: {f['member']} has no accepted Wikidata link")
        g = URIRef(QGID + "wd-geometry-" + f["member"].removeprefix("qgid:"))
        add((URIRef(WD + qid), GEO_.hasGeometry, g))
        add((g, RDF.type, GEO_.Geometry))
        add((g, RDFS.label, Literal(f"{labels.get(f['member'], f['member'])} (point)", lang="en")))
        add((g, GEO_.asWKT, Literal(f"Point({f['lon']} {f['lat']})", datatype=GEO_.wktLiteral)))
        for s in f["sources"]:
            add((g, PROV.wasDerivedFrom, src_nodes[s]))
        add((g, PROV.wasGeneratedBy, activities["coordinates"]))
    return sorted(set(t))


def build(root: Path, cache: Path | None = None) -> str:
    """The Turtle text of the enrichment graph."""
    from qgraph.links.tables import turtle

    path = cache or root / "data" / "links" / CACHE
    rel = f"data/links/{CACHE}" if cache is None else str(cache)
    return turtle(checked_triples(load_cache(path, rel), root, rel), HEADER)


def checked_triples(data: Any, root: Path, rel: str) -> list[tuple]:
    """:func:`graph_triples` of a cache read from ``rel``; an entry of the wrong kind (a number for
    an IRI, an item missing a key, a list for a table) or a value that is no valid IRI is one
    line naming the file, never a traceback from deep in the conversion."""
    try:
        triples = graph_triples(data, root)
    except QgraphError:
        raise
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as e:
        raise _malformed(rel, e) from None
    from qgraph.corpus.terms import checked_iri

    for t in triples:
        for term in t:
            if type(term).__name__ == "URIRef":
                checked_iri(str(term), f"{rel}: {term}")
    return triples


def rebuild(root: Path, cache_text: str | None = None) -> list[Path]:
    """Write ``links.ttl`` and ``enrichment.ttl`` (and, when given, the new cache text) into
    ``data/links/``, all or nothing (see :func:`qgraph.publish.exports.write_atomically`)."""
    from qgraph.links import tables
    from qgraph.publish.exports import write_atomically

    folder = root / "data" / "links"
    links_text = tables.turtle(tables.graph_triples(root, tables.described_entities(root)))
    if cache_text is None:
        enrichment_text = build(root)
    else:
        import json

        data = json.loads(cache_text)
        enrichment_text = tables.turtle(checked_triples(data, root, f"data/links/{CACHE}"), HEADER)

    def writer(text: str):
        return lambda fh: fh.write(text.encode("utf-8"))

    jobs = {folder / tables.LINKS_TTL: writer(links_text), folder / ENRICHMENT_TTL: writer(enrichment_text)}
    if cache_text is not None:
        jobs[folder / CACHE] = writer(cache_text)
    return write_atomically(jobs)
