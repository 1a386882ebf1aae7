"""The SHACL shapes (ontology/shapes.ttl) against their fixtures, the ontology and the data.

Fixtures are validated together with the ontology files (qgraph.ttl, alignments.ttl,
concepts.ttl) merged into the data graph, so sh:targetClass reaches subclasses, sh:class sees
the alignments (qg:Forum is an org:Organization) and the concepts are present.
Only sh:Violation makes a graph non-conformant; sh:Warning results are reported.

Fixture headers: an invalid file opens with ``# expect: <shape IRI> <focus IRI>`` lines, the
violations that must fire (and, since each file breaks one thing, the only ones); a valid file
may carry ``# warn: <shape IRI> <focus IRI>`` lines, warnings that must be reported.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rdflib
import rdflib.namespace as ns
from rdflib import URIRef

import repo as paths

QGSH = "https://w3id.org/qgraph/shapes#"
VALID = sorted((paths.FIXTURES_DIR / "valid").glob("*.ttl"))
INVALID = sorted((paths.FIXTURES_DIR / "invalid").glob("*.ttl"))
HEADER = re.compile(r"^# (expect|warn|nowarn): <([^>]+)> <([^>]+)>\s*$")


def _parse(*files: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in files:
        graph.parse(path, format="turtle")
    return graph


def _header(path: Path, kind: str) -> set[tuple[str, str]]:
    pairs = set()
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.startswith("#"):
                break
            match = HEADER.match(line)
            if match and match.group(1) == kind:
                pairs.add((match.group(2), match.group(3)))
    return pairs


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return _parse(*(paths.ONTOLOGY_DIR / name for name in paths.ONTOLOGY_FILES))


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return _parse(paths.SHAPES_FILE)


def _validate(data: rdflib.Graph, ontology: rdflib.Graph, shapes: rdflib.Graph):
    """Return (conforms, {(severity local name, shape IRI, focus IRI)}) for top-level results."""
    from pyshacl import validate

    graph = rdflib.Graph()
    graph += data
    graph += ontology
    conforms, report, _ = validate(graph, shacl_graph=shapes, allow_warnings=True)
    results = set()
    for result in report.objects(None, ns.SH.result):  # not the nested sh:detail results
        severity = str(report.value(result, ns.SH.resultSeverity)).rsplit("#", 1)[-1]
        results.add((severity, str(report.value(result, ns.SH.sourceShape)),
                     str(report.value(result, ns.SH.focusNode))))
    return conforms, results


def test_fixtures_found() -> None:
    assert VALID, "no valid fixtures found"
    assert INVALID, "no invalid fixtures found"


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_fixture_conforms(path: Path, ontology, shapes) -> None:
    conforms, results = _validate(_parse(path), ontology, shapes)
    violations = sorted(r for r in results if r[0] == "Violation")
    assert conforms and not violations, f"{path.name}: {violations}"
    expected_warnings = _header(path, "warn")
    warnings = {(shape, focus) for sev, shape, focus in results if sev == "Warning"}
    assert expected_warnings <= warnings, (
        f"{path.name}: expected warnings {sorted(expected_warnings - warnings)} not reported")
    unwanted = _header(path, "nowarn") & warnings
    assert not unwanted, f"{path.name}: warnings it must not draw: {sorted(unwanted)}"


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_fails_with_expected_shape(path: Path, ontology, shapes) -> None:
    expected = _header(path, "expect")
    assert expected, f"{path.name}: no '# expect: <shape> <focus>' line at the top"
    conforms, results = _validate(_parse(path), ontology, shapes)
    assert not conforms, f"{path.name} conforms but should not"
    violations = {(shape, focus) for sev, shape, focus in results if sev == "Violation"}
    assert expected <= violations, (
        f"{path.name}: expected {sorted(expected - violations)}; got {sorted(violations)}")
    assert violations <= expected, (
        f"{path.name} breaks more than the one thing it names: {sorted(violations - expected)}")


def test_expected_shapes_exist(shapes) -> None:
    named = {str(s) for s in shapes.subjects(ns.RDF.type, ns.SH.NodeShape)} | {
        str(s) for s in shapes.subjects(ns.RDF.type, ns.SH.PropertyShape)}
    for path in INVALID + VALID:
        for shape, _ in _header(path, "expect") | _header(path, "warn") | _header(path, "nowarn"):
            assert shape in named, f"{path.name}: {shape} is not a shape in shapes.ttl"


# ----------------------------------------------------------------------- shape hygiene


def _all_shapes(shapes: rdflib.Graph) -> set:
    found = set(shapes.subjects(ns.RDF.type, ns.SH.NodeShape))
    found |= set(shapes.subjects(ns.RDF.type, ns.SH.PropertyShape))
    found |= set(shapes.objects(None, ns.SH.property)) | set(shapes.objects(None, ns.SH.node))
    return found


def test_every_shape_has_iri_message_and_severity(shapes) -> None:
    every = _all_shapes(shapes)
    assert len(every) > 50
    problems = []
    for shape in every:
        if not isinstance(shape, URIRef) or not str(shape).startswith(QGSH):
            problems.append(f"{shape}: shapes need a qgsh: IRI (so results name them)")
            continue
        message = shapes.value(shape, ns.SH.message)
        if message is None or getattr(message, "language", None) != "en":
            problems.append(f"{shape}: needs sh:message@en")
        if shapes.value(shape, ns.SH.severity) not in (ns.SH.Violation, ns.SH.Warning):
            problems.append(f"{shape}: needs sh:severity sh:Violation or sh:Warning")
    assert not problems, "\n".join(sorted(problems))


def test_shapes_use_shacl_core_only(shapes) -> None:
    """The shapes are to be translated to SPARQL later; SHACL-SPARQL would not translate."""
    for prop in (ns.SH.sparql, ns.SH.target, ns.SH.select, ns.SH.ask):
        assert not list(shapes.subject_objects(prop)), f"{prop} used"


def test_targets_and_paths_exist_in_ontology(shapes, ontology) -> None:
    classes = set(ontology.subjects(ns.RDF.type, ns.OWL.Class))
    properties = {s for k in (ns.OWL.ObjectProperty, ns.OWL.DatatypeProperty,
                              ns.OWL.AnnotationProperty) for s in ontology.subjects(ns.RDF.type, k)}
    targets = list(shapes.objects(None, ns.SH.targetClass))
    shape_paths = list(shapes.objects(None, ns.SH.path))
    assert targets and shape_paths
    missing = sorted({str(c) for c in targets if c not in classes})
    assert not missing, f"sh:targetClass not declared as owl:Class: {missing}"
    for path in shape_paths:
        assert isinstance(path, URIRef), f"only predicate paths are used, got {path!r}"
    missing = sorted({str(p) for p in shape_paths if p not in properties})
    assert not missing, f"sh:path predicates not declared in the ontology: {missing}"


# ----------------------------------------------------------------------- against the data


def _targeted_shapes() -> list[tuple[str, str]]:
    graph = _parse(paths.SHAPES_FILE)
    return sorted((str(s), str(c)) for s, c in graph.subject_objects(ns.SH.targetClass))


@pytest.fixture(scope="module")
def real_data(ontology) -> rdflib.Graph:
    files = sorted(paths.DATA_DIR.glob("*.ttl"))
    assert files, f"no data files in {paths.DATA_DIR}"
    reuse = paths.LINKS_DIR / "text-reuse.ttl"  # the derived text-reuse links: validated with the data
    assert reuse.is_file(), f"{reuse} missing (`qgraph reuse` writes it)"
    graph = _parse(*files, reuse)
    graph += ontology
    return graph


@pytest.mark.parametrize("shape,target", _targeted_shapes(),
                         ids=lambda v: v.rsplit("#", 1)[-1].rsplit("/", 1)[-1])
def test_every_targeted_shape_selects_real_data(shape: str, target: str, real_data) -> None:
    """A shape whose target class no data uses is dead code (or the data lacks something)."""
    query = ("ASK { ?focus a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?target . }")
    found = real_data.query(query, initBindings={"target": URIRef(target)}).askAnswer
    assert found, f"{shape}: no instance of {target} in data/*.ttl + data/links/text-reuse.ttl + concepts"


def test_real_data_conforms(real_data, shapes) -> None:
    """The data files conform (warnings allowed). A failure means the data or a shape is wrong."""
    conforms, results = _validate(real_data, rdflib.Graph(), shapes)
    violations = sorted(r for r in results if r[0] == "Violation")
    assert conforms and not violations, "\n".join(map(str, violations[:40]))
