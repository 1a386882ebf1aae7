"""``qgraph validate --format turtle`` follows the SHACL specification (issue 13, finding 5) and
agrees with Apache Jena's SHACL validator (through scripts/jena.py) on the fixture project:

- ``sh:conforms false`` whenever there is a result (warnings included), true only without;
- ``sh:sourceConstraintComponent`` (and ``sh:focusNode``, ``sh:sourceShape``) on every result;
- one result per constraint component, never merged when the shape's message is the same;
- messages keep their language tag.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from qgraph.checks import report, validation
from qgraph.corpus.loading import ENRICHMENT_GRAPH, load

from conftest import FIXTURE_PROJECT, need_jena

DATA = "data/tiny-doc.ttl"


@pytest.fixture
def faulty(tmp_path: Path) -> Path:
    """The fixture project with a warning (Denmark's label gone, a message @en) and a membership
    whose org:organization breaks two constraints of one property shape (sh:maxCount and
    sh:class) that carry one shared sh:message."""
    root = tmp_path / "p"
    shutil.copytree(FIXTURE_PROJECT, root)
    data = root / DATA
    text = data.read_text(encoding="utf-8")
    for old, new in [('    rdfs:label "Denmark"@en ;\n', ""),
                     ("    org:organization qgid:tiny-forum ;\n    qg:attestedOn \"2026-04-08\"^^xsd:date ;\n"
                      "    qg:evidence qgid:tiny-doc-ev-members .\n\nqgid:membership-tiny-forum-united-kingdom",
                      "    org:organization qgid:tiny-forum, qgid:united-kingdom ;\n"
                      "    qg:attestedOn \"2026-04-08\"^^xsd:date ;\n"
                      "    qg:evidence qgid:tiny-doc-ev-members .\n\nqgid:membership-tiny-forum-united-kingdom")]:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    data.write_text(text, encoding="utf-8")
    shapes = root / "ontology" / "shapes.ttl"
    text = shapes.read_text(encoding="utf-8")
    old = "sh:path org:organization ; sh:minCount 1 ; sh:maxCount 1 ; sh:class qg:Forum ]"
    assert text.count(old) == 1
    shapes.write_text(text.replace(old, old[:-1] + '; sh:message "exactly one forum"@en ]'), encoding="utf-8")
    return root


def _report(problems, loaded) -> Graph:
    g = Graph()
    g.parse(data=report.format_turtle(problems, loaded.prefixes), format="turtle")
    return g


def _results(g: Graph) -> set[tuple]:
    """(focus, path, component, severity, message, value) of every result with an IRI focus node."""
    out = set()
    for r in g.subjects(RDF.type, SH.ValidationResult):
        focus = g.value(r, SH.focusNode)
        if isinstance(focus, URIRef) and not str(g.value(r, SH.sourceShape)).startswith(report.CHECK_NS):
            message = g.value(r, SH.resultMessage)
            out.add((focus, g.value(r, SH.resultPath), g.value(r, SH.sourceConstraintComponent),
                     g.value(r, SH.resultSeverity), message if getattr(message, "language", None) else None,
                     g.value(r, SH.value)))
    return out


@pytest.mark.parametrize("validator", validation.VALIDATORS)
def test_report_follows_the_specification(faulty, validator):
    """Regression: the report said sh:conforms true beside its results, had no
    sh:sourceConstraintComponent, merged the sh:maxCount and sh:class results that share a
    message, and dropped the message's @en."""
    loaded = load(faulty)
    problems = validation.validate(loaded, validator)
    g = _report(problems, loaded)
    results = list(g.subjects(RDF.type, SH.ValidationResult))
    assert results
    (rep,) = g.subjects(RDF.type, SH.ValidationReport)
    assert g.value(rep, SH.conforms) == Literal(False)
    for r in results:
        for p in (SH.sourceConstraintComponent, SH.focusNode, SH.sourceShape, SH.resultSeverity):
            assert len(list(g.objects(r, p))) == 1, (p, r)
    found = _results(g)
    membership = URIRef("https://w3id.org/qgraph/id/membership-tiny-forum-denmark")
    organization = URIRef("http://www.w3.org/ns/org#organization")
    message = Literal("exactly one forum", lang="en")
    # the value node of a value-type constraint's result as sh:value (SHACL §4.1.1); none was given
    uk = URIRef("https://w3id.org/qgraph/id/united-kingdom")
    assert (membership, organization, SH.MaxCountConstraintComponent, SH.Violation, message, None) in found
    assert (membership, organization, SH.ClassConstraintComponent, SH.Violation, message, uk) in found
    assert (URIRef("https://w3id.org/qgraph/id/denmark"), URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
            SH.MinCountConstraintComponent, SH.Warning, Literal("a nation should have a label", lang="en"), None) in found


def test_warnings_only_report_does_not_conform(fixture_root):
    """A report with only a warning: sh:conforms false (the specification), while qgraph's
    own verdict (exit code) still lets the warning pass."""
    data = fixture_root / DATA
    data.write_text(data.read_text(encoding="utf-8").replace('    rdfs:label "Denmark"@en ;\n', ""), encoding="utf-8")
    loaded = load(fixture_root)
    problems = validation.validate(loaded, "fast")
    assert problems and {p.severity for p in problems} == {"Warning"}
    assert report.conforms(problems)
    g = _report(problems, loaded)
    assert g.value(next(g.subjects(RDF.type, SH.ValidationReport)), SH.conforms) == Literal(False)
    assert report.format_turtle([], loaded.prefixes).count("sh:conforms true") == 1


@pytest.mark.slow
@pytest.mark.parametrize("validator", validation.VALIDATORS)
def test_report_agrees_with_jena(faulty, tmp_path, validator):
    """Jena's SHACL validator on the same data graph (data + ontology, as qgraph validates) and
    shapes gives the same results: focus, path, component, severity and tagged messages."""
    jena = need_jena()
    loaded = load(faulty)
    data = tmp_path / "data.nt"
    quads = loaded.quads_except(ENRICHMENT_GRAPH)
    data.write_text("".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in quads), encoding="utf-8")
    r = jena.run("shacl", "validate", "--shapes", str(faulty / "ontology" / "shapes.ttl"), "--data", str(data))
    assert r.returncode in (0, 1), r.stderr
    theirs = Graph()
    theirs.parse(data=r.stdout, format="turtle")
    ours = _report(validation.validate(loaded, validator), loaded)
    (rep,) = theirs.subjects(RDF.type, SH.ValidationReport)
    assert theirs.value(rep, SH.conforms) == Literal(False)
    assert _results(ours) == _results(theirs)
    assert len(_results(theirs)) == 3
