"""The ontology (qgraph.ttl + alignments.ttl), the SKOS concepts and the vocabulary they use.

- every file parses; the header is complete; every own term is documented the same way;
- OWL 2 DL typing: no property both object and datatype (or annotation) property;
- every IRI used under a standard prefix exists in that vocabulary (typos are caught), and
  every qg: IRI used anywhere is declared in the ontology;
- the ontology, concepts and data are consistent for a real OWL reasoner (Pellet).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rdflib
import rdflib.namespace as ns
from rdflib import Literal, URIRef

import repo as paths

ONTOLOGY_IRI = URIRef("https://w3id.org/qgraph/ontology")
QG = "https://w3id.org/qgraph/ontology#"
QGID = "https://w3id.org/qgraph/id/"
CORE = paths.ONTOLOGY_DIR / "qgraph.ttl"
ALIGNMENTS = paths.ONTOLOGY_DIR / "alignments.ttl"
CONCEPTS = paths.ONTOLOGY_DIR / "concepts.ttl"
ONTOLOGY_FILES = [paths.ONTOLOGY_DIR / name for name in paths.ONTOLOGY_FILES]

# W3C Web Annotation Vocabulary (https://www.w3.org/TR/annotation-vocab/, namespace
# http://www.w3.org/ns/oa#), closed list of its terms. rdflib ships no OA namespace.
OA_NS = "http://www.w3.org/ns/oa#"
OA_TERMS = frozenset("""
    Annotation Choice CssSelector CssStyle DataPositionSelector Direction FragmentSelector
    HttpRequestState Motivation RangeSelector ResourceSelection Selector SpecificResource State
    Style SvgSelector TextPositionSelector TextQuoteSelector TextualBody TimeState XPathSelector
    annotationService bodyValue cachedSource canonical end exact hasBody hasEndSelector
    hasPurpose hasScope hasSelector hasSource hasStartSelector hasState hasTarget motivatedBy
    prefix processingLanguage refinedBy renderedVia sourceDate sourceDateEnd sourceDateStart
    start styleClass styledBy suffix textDirection via
    assessing bookmarking classifying commenting describing editing highlighting identifying
    linking moderating questioning replying tagging
    autoDirection ltrDirection rtlDirection
    PreferContainedDescriptions PreferContainedIRIs
""".split())

# Vocabularies checked with rdflib's closed DefinedNamespace classes (``iri in ns.SKOS``).
# (Referred to as ns.X, not imported by name: pytest would inspect the classes and warn.)
CHECKED_VOCABULARIES = {
    str(v): v for v in (ns.RDF, ns.RDFS, ns.OWL, ns.SH, ns.SKOS, ns.PROV, ns.ORG, ns.DCTERMS,
                        ns.FOAF, ns.XSD, ns.SDO, ns.VANN)
}


def _parse(*files: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in files:
        graph.parse(path, format="turtle")
    return graph


def _data_files() -> list[Path]:
    """Every data file: the documents and the link and enrichment graphs (data/links/)."""
    links = sorted((paths.DATA_DIR / "links").glob("*.ttl"))
    assert links, "expected data/links/links.ttl and enrichment.ttl"
    return sorted(paths.DATA_DIR.glob("*.ttl")) + links


def _own_terms(graph: rdflib.Graph) -> set[URIRef]:
    kinds = (ns.OWL.Class, ns.OWL.ObjectProperty, ns.OWL.DatatypeProperty, ns.OWL.AnnotationProperty)
    return {s for k in kinds for s in graph.subjects(ns.RDF.type, k)
            if isinstance(s, URIRef) and str(s).startswith(QG)}


def _iris(graph: rdflib.Graph) -> set[URIRef]:
    """Every IRI in subject, predicate or object position, and every literal's datatype."""
    found: set[URIRef] = set()
    for triple in graph:
        for term in triple:
            if isinstance(term, URIRef):
                found.add(term)
            elif isinstance(term, Literal) and term.datatype is not None:
                found.add(term.datatype)
    return found


@pytest.fixture(scope="module")
def core() -> rdflib.Graph:
    return _parse(CORE)


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return _parse(*ONTOLOGY_FILES)


# --------------------------------------------------------------------------------- parsing


@pytest.mark.parametrize("path", ONTOLOGY_FILES + [paths.SHAPES_FILE], ids=lambda p: p.name)
def test_file_parses(path: Path) -> None:
    graph = _parse(path)
    assert len(graph) > 0, f"{path} is empty"


# ---------------------------------------------------------------------------------- header


def test_header_complete(core: rdflib.Graph) -> None:
    assert (ONTOLOGY_IRI, ns.RDF.type, ns.OWL.Ontology) in core
    for prop in (ns.DCTERMS.title, ns.DCTERMS.description):
        value = core.value(ONTOLOGY_IRI, prop)
        assert isinstance(value, Literal) and value.language == "en", prop
    assert core.value(ONTOLOGY_IRI, ns.DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/")
    assert core.value(ONTOLOGY_IRI, ns.DCTERMS.created) == Literal("2026-11-21", datatype=ns.XSD.date)
    assert core.value(ONTOLOGY_IRI, ns.DCTERMS.modified) == Literal("2026-11-29", datatype=ns.XSD.date)
    assert core.value(ONTOLOGY_IRI, ns.OWL.versionIRI) == URIRef(
        "https://w3id.org/qgraph/ontology/0.2.0")
    assert str(core.value(ONTOLOGY_IRI, ns.OWL.versionInfo)) == "0.2.0"
    assert core.value(ONTOLOGY_IRI, ns.OWL.priorVersion) == URIRef(
        "https://w3id.org/qgraph/ontology/0.1.0")
    assert str(core.value(ONTOLOGY_IRI, ns.VANN.preferredNamespacePrefix)) == "qg"
    assert str(core.value(ONTOLOGY_IRI, ns.VANN.preferredNamespaceUri)) == QG


def test_alignments_import_nothing(ontology: rdflib.Graph) -> None:
    """owl:imports of a w3id IRI would make OWL tools reach for the network."""
    assert not list(ontology.objects(None, ns.OWL.imports))


# ------------------------------------------------------------------------- own terms


def test_own_terms_found(core: rdflib.Graph) -> None:
    terms = _own_terms(core)
    assert len(terms) > 50, "expected the ontology's classes and properties"
    # The terms docs/design.md names, spot-checked by kind.
    for name in ("Evidence", "Nation", "Meeting", "Provision", "Signature", "Quotation"):
        assert (URIRef(QG + name), ns.RDF.type, ns.OWL.Class) in core, name
    for name in ("evidence", "provisionOf", "hasProvision", "holder", "speaker"):
        assert (URIRef(QG + name), ns.RDF.type, ns.OWL.ObjectProperty) in core, name
    for name in ("startDate", "signedOn", "ordinal", "amount", "currency", "quoteText"):
        assert (URIRef(QG + name), ns.RDF.type, ns.OWL.DatatypeProperty) in core, name


def test_every_own_term_documented(core: rdflib.Graph) -> None:
    problems = []
    for term in sorted(_own_terms(core)):
        labels = [o for o in core.objects(term, ns.RDFS.label) if getattr(o, "language", None) == "en"]
        if len(labels) != 1:
            problems.append(f"{term}: needs exactly one rdfs:label@en, has {len(labels)}")
        definitions = list(core.objects(term, ns.SKOS.definition))
        if len(definitions) != 1 or definitions[0].language != "en":
            problems.append(f"{term}: needs exactly one skos:definition@en")
        else:
            text = str(definitions[0])
            # one sentence: starts with a capital, ends with a full stop, no inner ". X".
            if not text[0].isupper() or not text.endswith(".") or re.search(r"\. [A-Z]", text):
                problems.append(f"{term}: definition is not one sentence: {text!r}")
        if core.value(term, ns.RDFS.isDefinedBy) != ONTOLOGY_IRI:
            problems.append(f"{term}: rdfs:isDefinedBy must be {ONTOLOGY_IRI}")
    assert not problems, "\n".join(problems)


def test_no_term_defined_in_alignments_or_concepts() -> None:
    """Only qgraph.ttl defines qg: terms; the other files may only use them."""
    for path in (ALIGNMENTS, CONCEPTS):
        graph = _parse(path)
        assert len(graph) > 0, path
        assert not _own_terms(graph), f"{path.name} declares qg: terms"


def test_inverses_are_declared_both_ways(core: rdflib.Graph) -> None:
    pairs = list(core.subject_objects(ns.OWL.inverseOf))
    assert pairs, "expected owl:inverseOf pairs (qg:provisionOf / qg:hasProvision)"
    for a, b in pairs:
        assert (b, ns.OWL.inverseOf, a) in core, f"{b} owl:inverseOf {a} missing"


# ------------------------------------------------------------------------ OWL 2 DL typing


def test_property_kinds_are_disjoint(ontology: rdflib.Graph) -> None:
    """OWL 2 DL: an IRI is at most one of object, datatype, annotation property."""
    kinds = {k: set(ontology.subjects(ns.RDF.type, k))
             for k in (ns.OWL.ObjectProperty, ns.OWL.DatatypeProperty, ns.OWL.AnnotationProperty)}
    assert kinds[ns.OWL.ObjectProperty] and kinds[ns.OWL.DatatypeProperty]
    names = list(kinds)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            both = kinds[a] & kinds[b]
            assert not both, f"both {a} and {b}: {sorted(both)}"


def test_every_used_predicate_is_declared(ontology: rdflib.Graph) -> None:
    """Every predicate of the ontology, concepts and data has an OWL kind (closed, DL)."""
    declared = {s for k in (ns.OWL.ObjectProperty, ns.OWL.DatatypeProperty, ns.OWL.AnnotationProperty)
                for s in ontology.subjects(ns.RDF.type, k)}
    builtin = {ns.RDF.type, ns.RDFS.subClassOf, ns.RDFS.subPropertyOf, ns.RDFS.domain, ns.RDFS.range,
               ns.OWL.inverseOf, ns.OWL.versionIRI, ns.OWL.versionInfo, ns.OWL.priorVersion, ns.OWL.members,
               ns.RDF.first, ns.RDF.rest}
    graph = _parse(*ONTOLOGY_FILES, *_data_files())
    missing = sorted({p for p in graph.predicates() if p not in declared | builtin})
    assert not missing, f"predicates without an OWL declaration in qgraph.ttl: {missing}"


def test_every_used_class_is_declared(ontology: rdflib.Graph) -> None:
    declared = set(ontology.subjects(ns.RDF.type, ns.OWL.Class))
    graph = _parse(*ONTOLOGY_FILES, *_data_files())
    used = set(graph.objects(None, ns.RDF.type)) | set(graph.objects(None, ns.RDFS.subClassOf))
    ignore = {ns.OWL.Class, ns.OWL.ObjectProperty, ns.OWL.DatatypeProperty, ns.OWL.AnnotationProperty,
              ns.OWL.Ontology, ns.OWL.FunctionalProperty, ns.OWL.AllDisjointClasses, ns.RDFS.Datatype}
    missing = sorted(c for c in used - declared - ignore if isinstance(c, URIRef))
    assert not missing, f"classes used but not declared as owl:Class in qgraph.ttl: {missing}"


# ---------------------------------------------------------------- vocabulary membership


def _vocabulary_problems(graph: rdflib.Graph, declared_qg: set[URIRef]) -> list[str]:
    problems = []
    for iri in sorted(_iris(graph)):
        text = str(iri)
        if text.startswith(QG):
            if iri not in declared_qg:
                problems.append(f"{iri}: not declared in ontology/qgraph.ttl")
            continue
        if text.startswith(OA_NS):
            if text != OA_NS and text[len(OA_NS):] not in OA_TERMS:
                problems.append(f"{iri}: not a Web Annotation term")
            continue
        for namespace, vocabulary in CHECKED_VOCABULARIES.items():
            if text.startswith(namespace):
                # the bare namespace IRI (rdfs:isDefinedBy <http://www.w3.org/ns/org#>) is fine
                if text != namespace and iri not in vocabulary:
                    problems.append(f"{iri}: not a term of {namespace}")
                break
    return problems


def _checked_files() -> list[Path]:
    return ONTOLOGY_FILES + [paths.SHAPES_FILE] + _data_files()


@pytest.mark.parametrize("path", _checked_files(), ids=lambda p: p.name)
def test_iris_exist_in_their_vocabulary(path: Path, core: rdflib.Graph) -> None:
    problems = _vocabulary_problems(_parse(path), _own_terms(core))
    assert not problems, f"{path}:\n" + "\n".join(problems)


def test_link_graphs_are_checked() -> None:
    """Regression (issue 13, finding 6): the vocabulary checks skipped data/links/, whose graphs
    used 15 undeclared terms (geo:Geometry, prov:Activity, prov:Plan, dcterms:subject, …)."""
    names = {p.name for p in _checked_files()}
    assert {"links.ttl", "enrichment.ttl"} <= names


def test_vocabulary_check_catches_typos(core: rdflib.Graph) -> None:
    """The check above can fail: a misspelt standard term and an undeclared qg: term."""
    graph = rdflib.Graph()
    graph.add((URIRef(QGID + "x"), URIRef(str(ns.RDFS) + "subClasOf"), URIRef(QG + "Nation")))
    graph.add((URIRef(QGID + "x"), URIRef(OA_NS + "hasSorce"), URIRef(QG + "Natoin")))
    graph.add((URIRef(QGID + "x"), URIRef(str(ns.SH) + "dataType"), ns.XSD.string))
    problems = "\n".join(_vocabulary_problems(graph, _own_terms(core)))
    for bad in ("subClasOf", "hasSorce", "Natoin", "dataType"):
        assert bad in problems


# ---------------------------------------------------------------------- SKOS concepts


def test_concepts_are_complete() -> None:
    graph = _parse(CONCEPTS)
    concepts = sorted(set(graph.subjects(ns.RDF.type, ns.SKOS.Concept)))
    assert len(concepts) > 40, "expected the topic, technology, sector and principle concepts"
    schemes = {"topic": "scheme-topics", "tech": "scheme-technology-areas",
               "sector": "scheme-sectors", "principle": "scheme-principles",
               "text": "scheme-text-completeness", "method": "scheme-reuse-methods"}
    problems = []
    for concept in concepts:
        local = str(concept)[len(QGID):]
        match = re.fullmatch(r"(topic|tech|sector|principle|text|method)-[a-z]+(-[a-z]+)*", local)
        if not str(concept).startswith(QGID) or not match:
            problems.append(f"{concept}: IRI must be qgid:<topic|tech|sector|principle|text|method>-<slug>")
            continue
        scheme = URIRef(QGID + schemes[match.group(1)])
        if (concept, ns.SKOS.inScheme, scheme) not in graph:
            problems.append(f"{concept}: must be skos:inScheme {scheme}")
        if (concept, ns.SKOS.topConceptOf, scheme) not in graph and not any(
                (b, ns.SKOS.inScheme, scheme) in graph for b in graph.objects(concept, ns.SKOS.broader)):
            problems.append(f"{concept}: needs skos:topConceptOf or a skos:broader in its scheme")
        for prop in (ns.SKOS.prefLabel, ns.SKOS.definition):
            values = [v for v in graph.objects(concept, prop) if v.language == "en"]
            if len(values) != 1:
                problems.append(f"{concept}: needs exactly one {prop}@en")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("iri", [
    "topic-research-security", "topic-investment-security", "topic-supply-chain-resilience",
    "topic-standards", "topic-commercialisation", "topic-talent-and-skills",
    "tech-computing", "tech-networking-and-communication", "tech-sensing", "tech-timing",
    "sector-healthcare", "sector-life-science", "sector-green-transition",
    "sector-finance", "sector-communications", "sector-agriculture",
    "text-complete", "text-excerpt", "text-damaged",
    "principle-freedom-of-inquiry", "principle-democratic-ideals",
    "principle-protection-and-enforcement-of-intellectual-property",
])
def test_announced_concept_slugs_exist(iri: str) -> None:
    """Slugs the data helpers were told to expect."""
    assert (URIRef(QGID + iri), ns.RDF.type, ns.SKOS.Concept) in _parse(CONCEPTS)


def test_mou_clause_6_principles_all_present() -> None:
    graph = _parse(CONCEPTS)
    labels = {str(graph.value(c, ns.SKOS.prefLabel))
              for c in graph.subjects(ns.SKOS.inScheme, URIRef(QGID + "scheme-principles"))}
    clause_6 = ("freedom of inquiry, openness, transparency, honesty, equity, reciprocity, "
                "fair competition, objectivity, accountability, protection and enforcement of "
                "intellectual property, democratic ideals")
    source = (paths.SOURCES_DIR / "uk-denmark-quantum-mou.txt").read_text(encoding="utf-8")
    assert clause_6.replace(", democratic", ", and democratic") in source
    assert set(clause_6.split(", ")) <= labels  # later documents add principles (research integrity)


# ---------------------------------------------------------------------------- reasoner


def _reasoner_graph(*extra: Path) -> rdflib.Graph:
    graph = _parse(*ONTOLOGY_FILES, *extra)
    graph.remove((None, ns.OWL.imports, None))
    return graph


def _pellet_consistent(graph: rdflib.Graph, tmp_path: Path) -> None:
    """Run Pellet on the graph; raise OwlReadyInconsistentOntologyError if inconsistent.

    Pellet, not HermiT: the data uses xsd:date and xsd:gYearMonth, which are not in the OWL 2
    datatype map. HermiT (strict OWL 2) rejects such literals and stops; Pellet (owlready2
    0.49) accepts them. Choosing HermiT would force dates into xsd:dateTime, which
    misrepresents "June 2023". The ontology itself gives dates no hard rdfs:range.
    owlready2 reads RDF/XML or N-Triples, not Turtle: the graph is written as N-Triples.
    """
    import owlready2

    path = tmp_path / "qgraph-all.nt"
    graph.serialize(path, format="nt", encoding="utf-8")
    world = owlready2.World()
    world.get_ontology(path.as_uri()).load(format="ntriples")
    owlready2.sync_reasoner_pellet(world, infer_property_values=False,
                                   infer_data_property_values=False, debug=0)
    unsatisfiable = list(world.inconsistent_classes())
    assert not unsatisfiable, f"unsatisfiable classes: {unsatisfiable}"


@pytest.mark.slow
def test_ontology_and_data_are_consistent(tmp_path: Path) -> None:
    data = _data_files()
    # Without data files the check still runs on ontology + concepts.
    _pellet_consistent(_reasoner_graph(*data), tmp_path)


@pytest.mark.slow
def test_reasoner_detects_inconsistency(tmp_path: Path) -> None:
    """Negative control: the consistency test above can fail (Nation and Person are disjoint)."""
    import owlready2

    graph = _reasoner_graph()
    node = URIRef(QGID + "not-a-nation-and-a-person")
    graph.add((node, ns.RDF.type, URIRef(QG + "Nation")))
    graph.add((node, ns.RDF.type, URIRef(QG + "Person")))
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        _pellet_consistent(graph, tmp_path)


def test_every_own_datatype_is_declared(ontology: rdflib.Graph) -> None:
    """A literal's datatype in the project's namespaces (the links' country codes,
    qgid:datatype-iso3166-1-alpha-2) is declared rdfs:Datatype, with a label and a definition:
    they were used undeclared, and their IRIs dereferenced to "not in this graph"."""
    graph = _parse(*ONTOLOGY_FILES, *_data_files())
    own = {o.datatype for o in graph.objects() if isinstance(o, rdflib.Literal) and o.datatype is not None
           and str(o.datatype).startswith("https://w3id.org/qgraph/")}
    assert len(own) >= 2, "the links graph's country codes have datatypes of their own"
    for dt in sorted(own):
        assert (dt, ns.RDF.type, ns.RDFS.Datatype) in ontology, dt
        assert ontology.value(dt, ns.RDFS.label) is not None and ontology.value(dt, ns.SKOS.definition) is not None, dt
