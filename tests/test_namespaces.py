"""qgraph.namespaces: the prefix table and the closed QG namespace stay current."""

from __future__ import annotations

import importlib.util
import re

import pytest
import rdflib
import rdflib.namespace as ns
from rdflib import URIRef

from qgraph import namespaces

import repo as paths

QG_IRI = "https://w3id.org/qgraph/ontology#"


def _ontology_terms() -> set[str]:
    graph = rdflib.Graph().parse(paths.ONTOLOGY_DIR / "qgraph.ttl", format="turtle")
    kinds = (ns.OWL.Class, ns.OWL.ObjectProperty, ns.OWL.DatatypeProperty, ns.OWL.AnnotationProperty)
    return {str(s)[len(QG_IRI):] for k in kinds for s in graph.subjects(ns.RDF.type, k)
            if str(s).startswith(QG_IRI)}


def _qg_terms() -> set[str]:
    return {name for name in namespaces.QG.__annotations__ if not name.startswith("_")}


def test_qg_lists_exactly_the_ontology_terms() -> None:
    ontology, listed = _ontology_terms(), _qg_terms()
    assert ontology, "no qg: terms found in ontology/qgraph.ttl"
    assert listed == ontology, (
        f"run scripts/gen_namespace.py; missing from QG: {sorted(ontology - listed)}; "
        f"not in the ontology: {sorted(listed - ontology)}")


def test_qg_is_closed() -> None:
    assert namespaces.QG._fail is True
    assert str(namespaces.QG.Evidence) == QG_IRI + "Evidence"
    assert URIRef(QG_IRI + "provisionOf") in namespaces.QG
    assert URIRef(QG_IRI + "provisonOf") not in namespaces.QG
    with pytest.raises(AttributeError):
        namespaces.QG.provisonOf  # noqa: B018 - the typo must raise


def test_generator_check_passes() -> None:
    spec = importlib.util.spec_from_file_location(
        "gen_namespace", paths.ROOT / "scripts" / "gen_namespace.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0


def _design_prefixes() -> dict[str, str]:
    """The prefix -> IRI pairs that docs/design.md spells out (its Namespaces section)."""
    text = (paths.ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    section = text.split("## Namespaces", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"`(\w+):`[^`]*`(https?://[^`]+)`", section))


def test_prefixes_match_design() -> None:
    design = _design_prefixes()
    assert {"qg", "qgid", "org", "prov", "dcterms", "schema", "oa", "foaf", "time"} <= set(design)
    for prefix, iri in design.items():
        assert namespaces.PREFIXES.get(prefix) == iri, prefix
    # the prefixes design.md names without spelling out the IRI
    for prefix in ("skos", "xsd", "owl", "rdfs", "rdf", "sh", "vann"):
        assert prefix in namespaces.PREFIXES, prefix


def test_standard_prefixes_match_rdflib() -> None:
    standard = {"skos": ns.SKOS, "xsd": ns.XSD, "owl": ns.OWL, "rdfs": ns.RDFS, "rdf": ns.RDF,
                "sh": ns.SH, "vann": ns.VANN, "org": ns.ORG, "prov": ns.PROV,
                "dcterms": ns.DCTERMS, "foaf": ns.FOAF, "time": ns.TIME, "schema": ns.SDO}
    for prefix, vocabulary in standard.items():
        assert namespaces.PREFIXES[prefix] == str(vocabulary), prefix


def test_qgid_and_graph_iris() -> None:
    assert str(namespaces.QGID["united-kingdom"]) == "https://w3id.org/qgraph/id/united-kingdom"
    assert str(namespaces.graph_iri("ontology")) == "https://w3id.org/qgraph/graph/ontology"
