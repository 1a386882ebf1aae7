"""validation.py: pySHACL results with file, line and shape; only violations fail."""

from pathlib import Path

from qgraph.checks.validation import shacl
from qgraph.corpus.loading import load


def test_fixture_conforms(fixture_root: Path):
    assert shacl(load(fixture_root)) == []


def test_violation_has_file_line_and_shape(fixture_root: Path):
    f = fixture_root / "data" / "tiny-doc.ttl"
    f.write_text(f.read_text().replace(
        'qgid:membership-tiny-forum-denmark\n    a org:Membership ;\n    org:member qgid:denmark ;',
        'qgid:membership-tiny-forum-denmark\n    a org:Membership ;\n    org:member qgid:tiny-forum ;'))
    problems = shacl(load(fixture_root))
    assert [(p.severity, p.focus, p.path) for p in problems] == [
        ("Violation", "qgid:membership-tiny-forum-denmark", "org:member")]
    p = problems[0]
    assert p.shape.startswith("qgs:MembershipShape")
    assert p.file == "data/tiny-doc.ttl"
    assert f.read_text().splitlines()[p.line - 1].startswith("qgid:membership-tiny-forum-denmark")


def test_warning_is_reported_not_failing(fixture_root: Path):
    f = fixture_root / "data" / "tiny-doc.ttl"
    f.write_text(f.read_text().replace('    rdfs:label "Denmark"@en ;\n', ""))
    problems = shacl(load(fixture_root))
    assert [(p.severity, p.focus) for p in problems] == [("Warning", "qgid:denmark")]
    assert problems[0].message == "a nation should have a label"


def test_ill_typed_date_is_a_violation(fixture_root: Path):
    f = fixture_root / "data" / "tiny-doc.ttl"
    f.write_text(f.read_text().replace('"2026-04-08"^^xsd:date', '"8 April 2026"^^xsd:date', 1))
    problems = shacl(load(fixture_root))
    assert [(p.severity, p.path) for p in problems] == [("Violation", "qg:attestedOn")]
