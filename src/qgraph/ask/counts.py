"""Counts: triples by document, entities by class, uses of each property, evidence coverage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qgraph.corpus.loading import GRAPH_NS, ONTOLOGY_GRAPH, QG, QGID, Loaded
from qgraph.vocab import OA, RDF_TYPE


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
# the same count where the default graph is Oxigraph's view of the union, which repeats a triple
# stated in two graphs (qgraph.corpus.store.OxigraphStore.union_view)
_DISTINCT_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
_GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
_EVIDENCE = """SELECT (COUNT(DISTINCT ?e) AS ?n) (COUNT(DISTINCT ?sel) AS ?sels) WHERE {
  ?e a <%sEvidence> OPTIONAL { ?e <%shasSelector> ?sel } }""" % (QG, OA)


@dataclass
class _Coverage:
    described: int
    with_evidence: int
    classes: dict[str, int]  # class IRI -> distinct typed nodes of the document graphs
    by_document: dict[str, dict[str, int]]  # class IRI -> document id -> typed nodes


def document_counts(loaded: Loaded) -> _Coverage:
    """What is counted per document, in one pass over the parsed quads of the data files.

    Evidence coverage is a property of the document graphs only (the link and enrichment graphs
    describe qgid: nodes too, from other sources): a described node is a qgid: subject of a
    document graph that is not an evidence node and not a term of the ontology graph. This was a
    SPARQL query with a VALUES row per document and two FILTER NOT EXISTS per triple, which did not
    finish at a million triples in 2,508 documents (the build's summary hung after its exports).
    """
    counter = DocumentCounter(loaded)
    counter.add(loaded)
    return counter.result()


class DocumentCounter:
    """:func:`document_counts` a part of the files at a time: made with the ontology's files
    (``loaded``), then each part's data files added (:meth:`add`), and counted once every
    file is in (:meth:`result`; the build's child reads the files a part at a time, see
    :func:`qgraph.pipeline._streamed`)."""

    def __init__(self, loaded: Loaded) -> None:
        self.ontology_terms = {q.subject for f in loaded.files if f.graph == ONTOLOGY_GRAPH for q in loaded.quads_of(f)}
        self.subjects: set[Any] = set()
        self.evidence_nodes: set[Any] = set()
        self.with_evidence: set[Any] = set()
        self.typed: dict[str, set[Any]] = {}
        self.by_document: dict[str, dict[str, int]] = {}

    def add(self, loaded: Loaded) -> None:
        """Count the data files of ``loaded``."""
        import pyoxigraph as ox

        rdf_type, evidence_class, has_evidence = RDF_TYPE, QG + "Evidence", QG + "evidence"
        subjects, evidence_nodes, with_evidence = self.subjects, self.evidence_nodes, self.with_evidence
        typed, by_document = self.typed, self.by_document
        for f in loaded.data_files:
            per_class: dict[str, set[Any]] = {}
            for q in loaded.quads_of(f):
                s, p = q.subject, q.predicate.value
                if type(s) is ox.NamedNode and s.value.startswith(QGID):
                    subjects.add(s)
                    if p == has_evidence:
                        with_evidence.add(s)
                if p == rdf_type and type(q.object) is ox.NamedNode:
                    cls = q.object.value
                    per_class.setdefault(cls, set()).add(s)
                    typed.setdefault(cls, set()).add(s)
                    if cls == evidence_class:
                        evidence_nodes.add(s)
            for cls, nodes in per_class.items():
                by_document.setdefault(cls, {})[f.stem] = len(nodes)

    def result(self) -> _Coverage:
        described = self.subjects - self.evidence_nodes - self.ontology_terms
        return _Coverage(len(described), len(described & self.with_evidence),
                         {c: len(n) for c, n in self.typed.items()}, self.by_document)


@dataclass
class StoreCounts:
    """What :func:`compute` asks the store (its queries' rows), kept apart so that the build can
    ask them on its checks thread while it writes the exports (Oxigraph runs them without the GIL)."""

    graphs: list[tuple[Any, Any]]
    classes: list[tuple[Any, Any]]
    properties: list[tuple[Any, Any]]
    triples: Any
    evidence: tuple[Any, Any]


def store_counts(store: Any, triples: bool = True) -> StoreCounts:
    """The rows of :func:`compute`'s queries over ``store`` (the others count within each graph or
    count distinct nodes: a union view's repeated triples change none of them).

    ``triples=False``: where the default graph is the view of the union, the distinct triples are
    left uncounted (``None``): counting them there holds every distinct triple in a hash set
    (1M triples: ~215 MiB, the largest thing the build held at its peak). The build takes the
    number from its N-Triples export instead (:attr:`qgraph.publish.exports.Exporter.union_size`)."""
    return StoreCounts(list(store.query(_GRAPHS).rows), list(store.query(_CLASSES).rows),
                       list(store.query(_PROPERTIES).rows),
                       _triples(store) if triples or not store.repeats_union else None,
                       tuple(store.query(_EVIDENCE).rows[0]))


def _triples(store: Any) -> Any:
    """The distinct triples of ``store``'s default graph."""
    return store.query(_DISTINCT_TRIPLES if store.repeats_union else _TRIPLES).rows[0][0]


def compute(loaded: Loaded, store: Any, asked: StoreCounts | None = None, coverage: _Coverage | None = None
            ) -> Stats:
    """Counts over ``store`` (any backend of :mod:`qgraph.corpus.store`) holding ``loaded``
    (``asked``: :func:`store_counts` of that store when already asked; ``coverage``:
    :func:`document_counts` of ``loaded`` when already counted)."""
    from qgraph.corpus.terms import display

    def display_iri(iri: str) -> str:
        from rdflib import URIRef

        return display(URIRef(iri), loaded.prefixes)

    def pairs(rows: list[tuple[Any, Any]]) -> dict[str, int]:
        return {display(k, loaded.prefixes): int(v) for k, v in rows if k is not None}

    if asked is None:
        asked = store_counts(store)
    elif asked.triples is None:  # left to the caller, which did not count them: asked here
        asked.triples = _triples(store)
    graphs = {k.removeprefix("<").removesuffix(">").removeprefix(GRAPH_NS): v for k, v in pairs(asked.graphs).items()}
    if coverage is None:
        coverage = document_counts(loaded)
    ev = asked.evidence
    return Stats(
        documents=loaded.documents,
        triples=int(asked.triples),
        triples_by_graph=dict(sorted(graphs.items())),
        classes=dict(sorted(pairs(asked.classes).items(), key=lambda kv: (-kv[1], kv[0]))),
        properties=dict(sorted(pairs(asked.properties).items(), key=lambda kv: (-kv[1], kv[0]))),
        described=coverage.described, with_evidence=coverage.with_evidence,
        evidence_nodes=int(ev[0]), passages=int(ev[1]),
        document_classes={display_iri(c): n for c, n in sorted(
            coverage.classes.items(), key=lambda kv: (-kv[1], display_iri(kv[0])))},
        classes_by_document={display_iri(c): dict(sorted(d.items())) for c, d in sorted(
            coverage.by_document.items(), key=lambda kv: (-sum(kv[1].values()), display_iri(kv[0])))},
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
