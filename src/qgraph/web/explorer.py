"""The data behind the pages: search, an entity's description, the network, the timeline, the map.

Every query here is fixed text; user input enters only as a bound value (pyoxigraph
substitutions through :class:`qgraph.corpus.store.Store`), never pasted into SPARQL. The graph does not
change while the server runs, so labels and the three pictures are computed once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from qgraph.corpus.loading import Loaded
from qgraph.corpus.store import Store
from qgraph.vocab import (
    DCTERMS,
    ENRICHMENT_GRAPH,
    FOAF,
    GEO,
    GRAPH_NS,
    OWL,
    QG,
    QGID,
    RDF_TYPE,
    RDFS,
    SCHEMA,
    SKOS,
    WDT,
    XSD,
)
from qgraph.vocab import LINKS_GRAPH as LINK_GRAPH

#: properties that point to the same thing (or a close one) in another dataset
MATCH_PROPS = {
    SKOS + "exactMatch": "exact match",
    SKOS + "closeMatch": "close match",
    SKOS + "relatedMatch": "related match",
    SKOS + "broadMatch": "broad match",
    SKOS + "narrowMatch": "narrow match",
    OWL + "sameAs": "same as",
    SCHEMA + "sameAs": "same as",
    RDFS + "seeAlso": "see also",
}
_LABELS = """SELECT ?s ?l ?p WHERE { VALUES ?p { rdfs:label skos:prefLabel foaf:name dcterms:title }
  ?s ?p ?l FILTER(isLiteral(?l)) }"""
_LABEL_RANK = {RDFS + "label": 0, SKOS + "prefLabel": 1, FOAF + "name": 2, DCTERMS + "title": 3}
_SEARCH = """SELECT DISTINCT ?s ?l ?needle WHERE {
  VALUES ?p { rdfs:label skos:altLabel skos:prefLabel foaf:name dcterms:title }
  ?s ?p ?l . FILTER(isIRI(?s) && CONTAINS(LCASE(STR(?l)), ?needle)) }"""
_TYPES = "SELECT DISTINCT ?s ?t WHERE { ?s a ?t FILTER(isIRI(?s) && isIRI(?t)) }"
_KINDS = """SELECT DISTINCT ?s ?k WHERE {
  VALUES ?k { qg:Nation qg:Forum qg:InternationalOrganization qg:Agreement qg:JointStatement
              qg:GovernmentDepartment qg:ResearchInstitute qg:InnovationAccelerator qg:Government }
  ?s a/rdfs:subClassOf* ?k }"""
_KIND_OF = {QG + "Nation": "nation", QG + "Forum": "forum", QG + "InternationalOrganization": "forum",
            QG + "Agreement": "agreement", QG + "GovernmentDepartment": "institution",
            # the joint statements and their parties: 9 of the 10 bilateral ties were missing
            QG + "JointStatement": "statement",
            QG + "ResearchInstitute": "institution", QG + "InnovationAccelerator": "institution",
            QG + "Government": "institution"}
#: a membership that has ended (its qg:endDate) is drawn as one, with the day it ended: the
#: United Kingdom's in the European Union was drawn as a current "member of"
_NET_EDGES = """SELECT DISTINCT ?a ?rel ?b ?g WHERE {
  { GRAPH ?g { ?m org:member ?a ; org:organization ?b OPTIONAL { ?m qg:endDate ?ended } }
    BIND(IF(BOUND(?ended), CONCAT("member of until ", STR(?ended)), "member of") AS ?rel) }
  UNION { GRAPH ?g { ?s qg:signedDocument ?a ; qg:signedFor ?b } BIND("signed for" AS ?rel) }
  UNION { GRAPH ?g { ?pv qg:provisionOf|qg:partOfProvision/qg:provisionOf ?a . ?pv qg:mentions ?b }
          BIND("mentions" AS ?rel) }
  UNION { GRAPH ?g { ?mt qg:meetingOf ?b ; qg:participant ?a } BIND("took part in a meeting of" AS ?rel) }
}"""
# every other link between two nodes of the network: a statement of one about the other. Asked
# of the network's nodes alone (VALUES), not of every IRI-valued statement of the graph (1M
# triples: 507,296 rows, 3.6 s of the server's start-up, to keep a few thousand)
_NET_DIRECT = """SELECT DISTINCT ?a ?rel ?b ?g WHERE {
  VALUES ?a { %s }
  GRAPH ?g { ?a ?p ?b } FILTER(isIRI(?b) && ?p NOT IN (rdf:type, qg:evidence)) BIND(STR(?p) AS ?rel) }"""
#: the dated events of the documents: every date property of the ontology but an end (a
#: meeting's last day, a membership's end); qg:releasedOn was left out (two joint statements'
#: release dates, listed by cross-timeline, were missing from the timeline)
_EVENTS = """SELECT DISTINCT ?s ?p ?date ?g WHERE {
  VALUES ?p { qg:startDate dcterms:issued qg:signedOn qg:releasedOn qg:attestedOn qg:announcedOn qg:publishedOn }
  GRAPH ?g { ?s ?p ?date } }"""
_EVENT_KIND = {QG + "startDate": "meeting", DCTERMS + "issued": "document issued",
               QG + "signedOn": "signature", QG + "releasedOn": "released", QG + "attestedOn": "membership attested",
               QG + "announcedOn": "announcement", QG + "publishedOn": "published"}
_EVENT_PARTS = """SELECT DISTINCT ?s ?p ?o WHERE { VALUES ?p { org:member org:organization qg:holder qg:office
  qg:signatory qg:signedDocument qg:signedFor qg:committedBy qg:fundingFor qg:statedIn rdf:type } ?s ?p ?o }"""
_PLACES = """SELECT DISTINCT ?n ?wkt ?via WHERE {
  { ?n geo:hasGeometry/geo:asWKT ?wkt BIND(?n AS ?via) }
  UNION { ?n skos:exactMatch|owl:sameAs|skos:closeMatch ?via . ?via geo:hasGeometry/geo:asWKT ?wkt }
  FILTER(STRSTARTS(STR(?n), "%s")) }""" % QGID
_CAPITALS = """SELECT DISTINCT ?n ?cap WHERE { ?n skos:exactMatch ?x . ?x wdt:P36 ?c . ?c rdfs:label ?cap
  FILTER(STRSTARTS(STR(?n), "%s")) }""" % QGID
_POINT = re.compile(r"^\s*(?:<[^>]*>\s*)?POINT\s*\(\s*(-?[\d.]+(?:[eE]-?\d+)?)\s+(-?[\d.]+(?:[eE]-?\d+)?)\s*\)\s*$", re.I)
_EXTRA = {"geo": GEO, "wdt": WDT}


def href(iri: str) -> str:
    """The path of ``iri``'s page on this server."""
    from urllib.parse import quote

    if iri.startswith(QGID) and re.fullmatch(r"[A-Za-z0-9._~-]+", iri[len(QGID):] or "-"):
        return "/id/" + iri[len(QGID):]
    return "/resource?iri=" + quote(iri, safe="")


@dataclass
class Fact:
    prop: str
    value: Any          # rdflib term
    label: str | None   # the value's label, for IRIs
    graphs: list[str] = field(default_factory=list)


@dataclass
class Entity:
    iri: str
    label: str
    types: list[str]
    facts: list[Fact]
    incoming: list[Fact]          # (subject in .value, property in .prop)
    evidence: list[dict[str, Any]]
    matches: list[Fact]


class Explorer:
    """Read-only views of one loaded project, for the pages."""

    def __init__(self, loaded: Loaded, store: Store | None):
        self.loaded = loaded
        self.store = store
        self.prefixes = {**loaded.prefixes, **_EXTRA}

    def pictures(self) -> dict[str, Any]:
        """The labels, kinds, network, timeline and map, each worked out now if it was not yet
        (what :mod:`qgraph.web.kept_pictures` keeps)."""
        from qgraph.web.kept_pictures import SHAPES

        return {name: getattr(self, name) for name in SHAPES}

    def adopt(self, pictures: dict[str, Any]) -> None:
        """Take ``pictures`` (as :meth:`pictures` gave them, kept by an earlier run on the same
        files) instead of working them out."""
        from qgraph.web.kept_pictures import SHAPES

        self.__dict__.update({name: pictures[name] for name in SHAPES})  # the cached properties' slots

    def q(self, text: str, bindings: dict[str, Any] | None = None) -> list[tuple]:
        return self.store.query(text, bindings).rows if bindings else self._q(text)

    def _q(self, text: str) -> list[tuple]:
        prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in _EXTRA.items())
        return self.store.query(prologue + text).rows

    # ------------------------------------------------------------------ labels and kinds
    @cached_property
    def labels(self) -> dict[str, str]:
        best: dict[str, tuple] = {}
        for s, lit, p in self._q(_LABELS):
            lang = getattr(lit, "language", None)
            rank = (_LABEL_RANK.get(str(p), 9), 0 if lang in (None, "en") else 1, str(lit))
            if str(s) not in best or rank < best[str(s)]:
                best[str(s)] = rank
        return {s: r[2] for s, r in best.items()}

    @cached_property
    def types(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for s, t in self._q(_TYPES):
            out.setdefault(str(s), []).append(str(t))
        return {k: sorted(v) for k, v in out.items()}

    def label(self, iri: str) -> str:
        if iri in self.labels:
            return self.labels[iri]
        for p, ns in sorted(self.prefixes.items(), key=lambda kv: -len(kv[1])):
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{p}:{iri[len(ns):]}"
        return iri

    # ------------------------------------------------------------------ search
    def search(self, text: str, limit: int = 40) -> list[dict[str, Any]]:
        from rdflib import Literal

        needle = " ".join(text.split()).lower()[:200]
        if not needle:
            return []
        def closeness(matched: str) -> tuple:
            m = matched.lower()
            return (0 if m == needle else 1 if m.startswith(needle) else 2, len(m), matched)

        # each entity's label that matches best (not the first the store's rows happen to give)
        hits: dict[str, str] = {}
        for s, lit, _ in self.store.query(_SEARCH, {"needle": Literal(needle)}).rows:
            if str(s) not in hits or closeness(str(lit)) < closeness(hits[str(s)]):
                hits[str(s)] = str(lit)
        def rank(item: tuple[str, str]) -> tuple:
            iri, matched = item
            return (*closeness(matched)[:2], self.label(iri).lower(), iri)
        out = []
        for iri, matched in sorted(hits.items(), key=rank)[:limit]:
            out.append({"iri": iri, "label": self.label(iri), "matched": matched, "href": href(iri),
                        "types": [self.label(t) for t in self.types.get(iri, [])]})
        return out

    # ------------------------------------------------------------------ one entity
    def exists(self, iri: str) -> bool:
        from rdflib import URIRef

        return bool(self.store.query("ASK { { ?e ?p ?o } UNION { ?s ?p ?e } }", {"e": URIRef(iri)}).boolean)

    def has_page(self, iri: str) -> bool:
        """Does this server have a page for ``iri`` (:meth:`entity` finds it)? Asked once per IRI
        (the graph does not change while the server runs): a property or class of another
        vocabulary the graph only uses (``rdfs:subClassOf``, ``owl:inverseOf``) has none, and its
        links led to "not in this graph"."""
        if iri.startswith(QGID) or iri in self.labels or iri in self.types:
            return True
        known = self.__dict__.setdefault("_has_page", {})
        if iri not in known:
            known[iri] = self.exists(iri)
        return known[iri]

    def entity(self, iri: str) -> Entity | None:
        from rdflib import Literal, URIRef

        from qgraph.ask import card
        if not self.exists(iri):
            return None
        b = {"e": URIRef(iri)}
        out = card._grouped(self.store.query(card._OUT, b).rows, (1, 2), 3, 4)
        inc = card._grouped(self.store.query(card._IN, b).rows, (1, 2), 3, None)
        facts, matches, types = [], [], []
        for _, p, o, label, graphs in out:
            gs = [str(g) for g in graphs]
            if str(p) == RDF_TYPE:
                types.append(str(o))
            elif str(p) == QG + "evidence":
                continue
            elif str(p) in MATCH_PROPS and isinstance(o, URIRef) and not str(o).startswith(QGID):
                matches.append(Fact(str(p), o, label, gs))
            else:
                facts.append(Fact(str(p), o, label if label is not None else (
                    self.labels.get(str(o)) if isinstance(o, URIRef) else None), gs))
        incoming = [Fact(str(p), s, label or self.labels.get(str(s)), []) for _, s, p, label, _ in inc]
        evidence = []
        for _, ev, doc, ident, exact, derivation, confidence, supports in self.store.query(card._EVIDENCE, b).rows:
            evidence.append({"iri": str(ev), "doc": str(doc), "doc_label": self.label(str(doc)),
                             "id": str(ident) if ident is not None else None, "exact": " ".join(str(exact).split()),
                             "derivation": str(derivation) if derivation is not None else None,
                             "confidence": str(confidence) if confidence is not None else None,
                             "supports": sorted(str(supports or "").split())})  # GROUP_CONCAT: any order
        lab = self.labels.get(iri)
        if lab is None:
            lab = next((str(f.value) for f in facts if isinstance(f.value, Literal)
                        and f.prop.endswith(("#label", "/name", "/title"))), self.label(iri))
        return Entity(iri, lab, sorted(types), facts, incoming, evidence, matches)

    def blanks(self, iri: str) -> dict[str, list[tuple[str, Any]]]:
        """The blank nodes ``iri`` points to (text-quote selectors), with their statements."""
        from rdflib import URIRef

        out: dict[str, list[tuple[str, Any]]] = {}
        rows = self.store.query("SELECT DISTINCT ?b ?p ?o ?e WHERE { ?e ?x ?b FILTER(isBlank(?b)) ?b ?p ?o }",
                                {"e": URIRef(iri)}).rows
        for b, p, o, _ in sorted(rows, key=lambda r: (str(r[0]), str(r[1]), str(r[2]))):
            out.setdefault(str(b), []).append((str(p), o))
        return out

    def describe(self, iri: str) -> list[Any]:
        """The entity's triples both ways, with the blank nodes it points to (pyoxigraph triples)."""
        import pyoxigraph as ox
        from rdflib import URIRef

        from qgraph.corpus.terms import to_oxigraph

        rows = self.store.query("""CONSTRUCT { ?e ?p ?o . ?o ?bp ?bo . ?s ?q ?e } WHERE {
          { ?e ?p ?o OPTIONAL { FILTER(isBlank(?o)) ?o ?bp ?bo } } UNION { ?s ?q ?e } }""", {"e": URIRef(iri)}).rows
        triples = {ox.Triple(*(to_oxigraph(t) for t in row)) for row in rows}
        return sorted(triples, key=str)

    # ------------------------------------------------------------------ pictures
    @cached_property
    def network(self) -> dict[str, Any]:
        kinds: dict[str, str] = {}
        for s, k in self._q(_KINDS):
            kind = _KIND_OF[str(k)]
            if str(s).startswith(QGID) and (str(s) not in kinds or kind == "nation"):
                kinds[str(s)] = kind
        edges: dict[tuple[str, str, str], set[str]] = {}
        extra: dict[str, str] = {}
        for a, rel, b, g in self._q(_NET_EDGES):
            a, b, rel = str(a), str(b), str(rel)
            if rel.startswith("member of") and a in kinds and b not in kinds and b.startswith(QGID):
                extra[b] = "forum"  # an organisation known only as the target of memberships
            edges.setdefault((a, rel, b), set()).add(str(g))
        kinds.update({k: v for k, v in extra.items() if k not in kinds})
        if kinds:  # a link is drawn between two nodes only: the statements of the others are not asked
            for a, rel, b, g in self._q(_NET_DIRECT % " ".join(f"<{i}>" for i in sorted(kinds))):
                edges.setdefault((str(a), str(rel), str(b)), set()).add(str(g))
        nodes = [{"id": i, "label": self.label(i), "kind": kinds[i], "href": href(i)} for i in sorted(kinds)]
        links = []
        for (a, rel, b), gs in sorted(edges.items()):
            if a in kinds and b in kinds and a != b:
                linked_only = gs <= {ENRICHMENT_GRAPH, LINK_GRAPH}
                links.append({"source": a, "target": b, "label": self.label(rel) if "://" in rel else rel,
                              "linked": linked_only})
        return {"nodes": nodes, "links": links}

    @cached_property
    def timeline(self) -> dict[str, Any]:
        parts: dict[str, dict[str, list[str]]] = {}
        for s, p, o in self._q(_EVENT_PARTS):
            parts.setdefault(str(s), {}).setdefault(str(p).rsplit("#", 1)[-1].rsplit("/", 1)[-1], []).append(str(o))
        events = []
        for s, p, date, g in self._q(_EVENTS):
            if str(g) in (ENRICHMENT_GRAPH, LINK_GRAPH):
                continue
            s = str(s)
            kind = _EVENT_KIND[str(p)]
            pt = parts.get(s, {})
            def name(key: str, pt: dict = pt) -> str:
                return " and ".join(self.label(x) for x in sorted(pt.get(key, [])))
            if "member" in pt and "organization" in pt:
                title = f"{name('member')}: member of {name('organization')}"
            elif "holder" in pt and "office" in pt:
                title = f"{name('holder')} holds office as {name('office')}"
                kind = "office attested" if kind == "membership attested" else kind
            elif "signatory" in pt or "signedDocument" in pt:
                title = f"{name('signatory') or name('signedFor')} signs {name('signedDocument')}".strip()
            else:
                title = self.label(s)
            if kind == "meeting" and not any(t.endswith(("Meeting", "SideEvent")) for t in self.types.get(s, [])):
                kind = "start"
            # a day without a year (xsd:gMonthDay, the node marked qg:yearStated false): the
            # timeline lists it apart, never on a guessed year
            year_stated = str(getattr(date, "datatype", "") or "") != XSD + "gMonthDay"
            events.append({"date": str(date), "kind": kind, "title": title, "iri": s, "href": href(s),
                           "document": str(g).removeprefix(GRAPH_NS), "year_stated": year_stated})
        events.sort(key=lambda e: (e["date"], e["kind"], e["title"]))
        return {"events": events}

    @cached_property
    def places(self) -> dict[str, Any]:
        capitals: dict[str, list[str]] = {}
        for n, cap in self._q(_CAPITALS):
            capitals.setdefault(str(n), []).append(str(cap))
        points = {}
        for n, wkt, via in self._q(_PLACES):
            m = _POINT.match(str(wkt))
            if not m or str(n) in points:
                continue
            lon, lat = float(m.group(1)), float(m.group(2))
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                continue
            points[str(n)] = {"iri": str(n), "label": self.label(str(n)), "href": href(str(n)), "lon": lon,
                              "lat": lat, "via": str(via), "capital": ", ".join(sorted(capitals.get(str(n), []))),
                              "kind": "nation" if QG + "Nation" in self.types.get(str(n), []) else "place"}
        return {"points": [points[k] for k in sorted(points)]}

    def coordinates(self, iris: list[str]) -> dict[str, list[Any]]:
        """``{iri: [lat, long, label]}`` for those of ``iris`` that are places or nations with a
        point in the graph (the map's :attr:`places`), found by their own IRI or by the IRI they
        match in the linked data (e.g. a Wikidata item); the others are left out."""
        by_iri = {p["iri"]: p for p in self.places["points"]}
        by_via = {p["via"]: p for p in self.places["points"]}
        out: dict[str, list[Any]] = {}
        for iri in iris:
            p = by_iri.get(iri) or by_via.get(iri)
            if p is not None:
                out[iri] = [p["lat"], p["lon"], p["label"] if iri == p["iri"] else self.labels.get(iri, p["label"])]
        return out

    def labels_of(self, iris: list[str]) -> dict[str, str]:
        """``{iri: label}`` for those of ``iris`` that have a label in the graph."""
        return {iri: self.labels[iri] for iri in iris if iri in self.labels}

    @cached_property
    def graphs(self) -> list[str]:
        return sorted({q.graph_name.value for q in self.loaded.quads})

    def questions(self) -> list[dict[str, Any]]:
        from qgraph.ask import catalogue
        return [{"name": e.name, "summary": e.summary, "query": e.text,
                 "params": [{"name": n, "about": a} for n, a in e.params]}
                for e in catalogue.entries(self.loaded.root)]
