"""Counts: triples by document, entities by class, uses of each property, evidence coverage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qgraph.corpus.loading import GRAPH_NS, ONTOLOGY_GRAPH, QG, QGID, Loaded
from qgraph.vocab import OA


@dataclass
class Stats:
    documents: list[str]
    triples: int
    triples_by_graph: dict[str, int]
    classes: dict[str, int]
    properties: dict[str, int]
    described: int = 0
    with_evidence: int = 0
    evidence_nodes: int = 0
    passages: int = 0
    classes_by_document: dict[str, dict[str, int]] = field(default_factory=dict)
    document_classes: dict[str, int] = field(default_factory=dict)  # distinct nodes, documents only

    @property
    def without_evidence(self) -> int:
        return self.described - self.with_evidence

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents, "triples": self.triples,
            "triples_by_graph": self.triples_by_graph, "entities_by_class": self.classes,
            "properties": self.properties, "facts_with_evidence": self.with_evidence,
            "facts_without_evidence": self.without_evidence, "evidence_nodes": self.evidence_nodes,
            "passages": self.passages, "entities_by_class_and_document": self.classes_by_document,
        }


_CLASSES = """SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {
  GRAPH ?g { ?s a ?class } FILTER(?g != <%s>) } GROUP BY ?class""" % ONTOLOGY_GRAPH
_PROPERTIES = """SELECT ?p (COUNT(*) AS ?n) WHERE {
  GRAPH ?g { ?s ?p ?o } FILTER(?g != <%s>) } GROUP BY ?p""" % ONTOLOGY_GRAPH
_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"  # the default graph: the merge, each triple once
_GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
# Evidence coverage is a property of the document graphs only (the VALUES list is filled in with
# their names): the link and enrichment graphs describe qgid: nodes too, from other sources.
_DESCRIBED = """SELECT (COUNT(DISTINCT ?s) AS ?all) (COUNT(DISTINCT ?e) AS ?with) WHERE {
  VALUES ?g { %(docs)s }
  GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?s), "%(qgid)s"))
  FILTER NOT EXISTS { ?s a <%(qg)sEvidence> }
  FILTER NOT EXISTS { GRAPH <%(onto)s> { ?s ?q ?r } }
  OPTIONAL { ?s <%(qg)sevidence> ?ev BIND(?s AS ?e) } }"""
_DOCUMENT_CLASSES = """SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {
  VALUES ?g { %s } GRAPH ?g { ?s a ?class } } GROUP BY ?class"""
_CLASSES_BY_GRAPH = """SELECT ?g ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {
  VALUES ?g { %s } GRAPH ?g { ?s a ?class } } GROUP BY ?g ?class"""
_EVIDENCE = """SELECT (COUNT(DISTINCT ?e) AS ?n) (COUNT(DISTINCT ?sel) AS ?sels) WHERE {
  ?e a <%sEvidence> OPTIONAL { ?e <%shasSelector> ?sel } }""" % (QG, OA)


def compute(loaded: Loaded, store: Any) -> Stats:
    """Counts over ``store`` (any backend of :mod:`qgraph.corpus.store`) holding ``loaded``."""
    from qgraph.corpus.terms import display

    def pairs(q: str) -> dict[str, int]:
        res = store.query(q)
        return {display(k, loaded.prefixes): int(v) for k, v in res.rows if k is not None}

    graphs = {k.removeprefix("<").removesuffix(">").removeprefix(GRAPH_NS): v for k, v in pairs(_GRAPHS).items()}
    doc_graphs = sorted({f.graph for f in loaded.data_files})
    values = " ".join(f"<{g}>" for g in doc_graphs)
    described = store.query(_DESCRIBED % {"onto": ONTOLOGY_GRAPH, "qgid": QGID, "qg": QG, "docs": values}).rows[0]
    by_doc: dict[str, dict[str, int]] = {}
    for g, cls, n in store.query(_CLASSES_BY_GRAPH % values).rows:
        doc = str(g).removeprefix(GRAPH_NS)
        by_doc.setdefault(display(cls, loaded.prefixes), {})[doc] = int(n)
    ev = store.query(_EVIDENCE).rows[0]
    return Stats(
        documents=loaded.documents,
        triples=int(store.query(_TRIPLES).rows[0][0]),
        triples_by_graph=dict(sorted(graphs.items())),
        classes=dict(sorted(pairs(_CLASSES).items(), key=lambda kv: (-kv[1], kv[0]))),
        properties=dict(sorted(pairs(_PROPERTIES).items(), key=lambda kv: (-kv[1], kv[0]))),
        described=int(described[0]), with_evidence=int(described[1]),
        evidence_nodes=int(ev[0]), passages=int(ev[1]),
        document_classes=dict(sorted(pairs(_DOCUMENT_CLASSES % values).items(), key=lambda kv: (-kv[1], kv[0]))),
        classes_by_document={c: dict(sorted(d.items())) for c, d in sorted(
            by_doc.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))},
    )


def format_text(s: Stats) -> str:
    out = [f"documents: {len(s.documents)} ({', '.join(s.documents)})",
           f"triples: {s.triples} (distinct; by graph: "
           + ", ".join(f"{g} {n}" for g, n in s.triples_by_graph.items()) + ")",
           f"facts with evidence: {s.with_evidence} of {s.described} described nodes"
           f" ({s.without_evidence} without); evidence nodes: {s.evidence_nodes}, passages: {s.passages}",
           "entities by class:"]
    out += [f"  {n:6d}  {c}" for c, n in s.classes.items()]
    docs = list(s.documents)
    out.append("entities by class and document:")
    out.append("  " + "  ".join(f"{d[:24]:>24}" for d in docs) + "  class")
    for c, per in s.classes_by_document.items():
        out.append("  " + "  ".join(f"{per.get(d, 0):>24}" for d in docs) + f"  {c}")
    out.append("properties:")
    out += [f"  {n:6d}  {p}" for p, n in s.properties.items()]
    return "\n".join(out) + "\n"
