"""The link graph: ``data/links/accepted.sssom.tsv`` → ``data/links/links.ttl``.

Only the accepted table enters the graph (``rejected.sssom.tsv`` never does). Each row becomes
one triple in the named graph ``https://w3id.org/qgraph/graph/links``:

- ``skos:exactMatch`` / ``skos:closeMatch`` rows: ``qgid:x skos:exactMatch <expanded object IRI>``;
- ``skos:notation`` rows (ISO 3166-1 codes): ``qgid:x skos:notation "DK"^^<code list>``, the
  datatype naming the code list (:data:`NOTATION_DATATYPES`), as the SKOS primer suggests for
  notations of different schemes.

GeoNames' Semantic Web IRIs end with a slash (``https://sws.geonames.org/2623032/``); the
expansion adds it. The output is deterministic (sorted, canonical Turtle) and starts with a
comment saying it is generated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from qgraph.errors import QgraphError
from qgraph.vocab import EUC, GEO, LINKS_GRAPH, QGID, SKOS, WD, WDT

ACCEPTED = "accepted.sssom.tsv"
REJECTED = "rejected.sssom.tsv"
LINKS_TTL = "links.ttl"
COLUMNS = (
    "subject_id", "subject_label", "predicate_id", "predicate_modifier", "object_id",
    "object_label", "object_type", "object_source", "mapping_justification",
    "author_label", "mapping_date", "confidence", "comment",
)
ENTITY_PREDICATES = {"skos:exactMatch", "skos:closeMatch"}
#: code list → datatype IRI of its notations (declared in ontology/qgraph.ttl as rdfs:Datatype).
NOTATION_DATATYPES = {
    "iso3166-1-alpha-2": QGID + "datatype-iso3166-1-alpha-2",
    "iso3166-1-alpha-3": QGID + "datatype-iso3166-1-alpha-3",
}
HEADER = f"""\
# GENERATED FILE: do not edit. Made by `qgraph link` from data/links/accepted.sssom.tsv
# (the reviewed table is the source of truth; data/links/README.md says how to change a link).
# Named graph: {LINKS_GRAPH}
"""


@dataclass(frozen=True)
class Mapping:
    """One row of a link table, with where it is (``file:line``)."""

    where: str
    subject_id: str
    subject_label: str
    predicate_id: str
    predicate_modifier: str
    object_id: str
    object_label: str
    object_type: str
    object_source: str
    confidence: str
    comment: str


def read_table(path: Path, rel: str | None = None) -> tuple[dict[str, str], list[Mapping]]:
    """Read an SSSOM TSV: its ``curie_map`` and its rows. Bad input → :class:`QgraphError`. A
    table that is not there (a corpus `qgraph init` made has none yet) has no rows."""
    rel = rel or str(path)
    from qgraph.corpus.loading import read_text

    if not path.exists() and not path.is_symlink():
        return {}, []
    lines = read_text(path, rel).splitlines()
    curies: dict[str, str] = {}
    in_map = False
    header: list[str] | None = None
    rows: list[Mapping] = []
    for n, line in enumerate(lines, 1):
        if line.startswith("#"):
            body = line[1:]
            if body.strip() == "curie_map:":
                in_map = True
            elif in_map and body.startswith("   ") and ":" in body:
                k, _, v = body.strip().partition(":")
                curies[k.strip()] = v.strip()
            else:
                in_map = False
            continue
        if not line.strip():
            continue
        cells = line.split("\t")
        if header is None:
            header = cells
            if tuple(header) != COLUMNS:
                raise QgraphError(f"{rel}:{n}: expected the columns {', '.join(COLUMNS)}")
            continue
        if len(cells) != len(COLUMNS):
            raise QgraphError(f"{rel}:{n}: {len(cells)} cells, expected {len(COLUMNS)}")
        d = dict(zip(COLUMNS, cells, strict=True))
        rows.append(Mapping(f"{rel}:{n}", d["subject_id"], d["subject_label"], d["predicate_id"],
                            d["predicate_modifier"], d["object_id"], d["object_label"], d["object_type"],
                            d["object_source"], d["confidence"], d["comment"]))
    if header is None:
        raise QgraphError(f"{rel}: no header row")
    return curies, rows


def expand(curie: str, curies: dict[str, str], where: str) -> str:
    """Expand a CURIE with the table's ``curie_map`` (GeoNames IRIs get their trailing slash)."""
    prefix, sep, local = curie.partition(":")
    if not sep or prefix not in curies or not local:
        raise QgraphError(f"{where}: {curie!r} is not a CURIE of the table's curie_map")
    iri = curies[prefix] + local
    if prefix == "geonames":
        iri += "/"
    from qgraph.corpus.terms import checked_iri

    try:  # an absolute IRI, as the graph's loader and rdflib's writer will want it ("wd:Q 408" is not)
        return checked_iri(iri, curie)
    except QgraphError as e:
        raise QgraphError(f"{where}: {e}") from None


def described_entities(root: Path) -> set[str]:
    """The IRIs the project's data files (``data/*.ttl``, the documents) describe: the subjects of
    their statements. A file that does not parse is left out (``qgraph validate`` reports it)."""
    import pyoxigraph as ox

    from qgraph.project import Project

    out: set[str] = set()
    for path in Project.at(root).data_paths():
        try:
            for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
                if type(t.subject) is ox.NamedNode:
                    out.add(t.subject.value)
        except (SyntaxError, OSError, ValueError, MemoryError):
            continue
    return out


def graph_triples(root: Path, described: set[str] | None = None) -> list[tuple]:
    """The link triples (rdflib terms) from the accepted table of the project at ``root``;
    ``described``: the entities a row's subject must be one of (:func:`described_entities`)."""
    from rdflib import Literal, URIRef

    path = root / "data" / "links" / ACCEPTED
    curies, rows = read_table(path, f"data/links/{ACCEPTED}")
    out = []
    seen: dict[tuple[str, str], tuple[str, str]] = {}
    for r in rows:
        if r.predicate_modifier:
            raise QgraphError(f"{r.where}: predicate_modifier {r.predicate_modifier!r} belongs in {REJECTED}")
        subject = URIRef(expand(r.subject_id, curies, r.where))
        if not str(subject).startswith(QGID):
            raise QgraphError(f"{r.where}: subject {r.subject_id} is not a qgid: individual")
        if described is not None and str(subject) not in described:
            raise QgraphError(f"{r.where}: subject {r.subject_id} is described by no data file (data/*.ttl): "
                              "a link needs an entity of the graph")
        key = (r.subject_id, r.object_source)
        if r.predicate_id == "skos:exactMatch":
            if key in seen and seen[key][0] != r.object_id:
                raise QgraphError(f"{r.where}: {r.subject_id} already links to {seen[key][0]} in "
                                  f"{r.object_source} ({seen[key][1]}); one entity, one item per dataset")
            seen[key] = (r.object_id, r.where)
        if r.predicate_id in ENTITY_PREDICATES:
            out.append((subject, URIRef(SKOS + r.predicate_id.split(":")[1]), URIRef(expand(r.object_id, curies, r.where))))
        elif r.predicate_id == "skos:notation":
            dt = NOTATION_DATATYPES.get(r.object_source)
            if dt is None or not re.fullmatch(r"[A-Z]{2,3}", r.object_id):
                raise QgraphError(f"{r.where}: a notation needs a known code list and an upper-case code")
            out.append((subject, URIRef(SKOS + "notation"), Literal(r.object_id, datatype=URIRef(dt))))
        else:
            raise QgraphError(f"{r.where}: predicate {r.predicate_id!r} is not one of skos:exactMatch, "
                              "skos:closeMatch, skos:notation")
    return sorted(set(out))


def turtle(triples: list[tuple], header: str = HEADER) -> str:
    """Canonical Turtle of ``triples`` with the project's prefixes and a header comment."""
    from rdflib import Graph

    from qgraph.namespaces import PREFIXES

    g = Graph(bind_namespaces="none")
    for p, ns in sorted(PREFIXES.items()):
        g.bind(p, ns, override=True, replace=True)
    g.bind("wd", WD)
    g.bind("wdt", WDT)
    g.bind("geo", GEO)
    g.bind("euc", EUC)
    for t in triples:
        g.add(t)
    body = g.serialize(format="longturtle", encoding="utf-8").decode("utf-8")
    return header + "\n" + body


def counts(root: Path) -> dict[str, int]:
    """Links in the graph per dataset (``object_source``) of the accepted table."""
    _, rows = read_table(root / "data" / "links" / ACCEPTED)
    out: dict[str, int] = {}
    for r in rows:
        out[r.object_source] = out.get(r.object_source, 0) + 1
    return dict(sorted(out.items()))
