"""The fast validator (qgraph.checks.shacl) and pySHACL report the same problems, mapped to the same
file and line, on the real project and on a copy with planted SHACL faults."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qgraph.checks import validation
from qgraph.corpus.loading import load
from qgraph.errors import QgraphError

ROOT = Path(__file__).resolve().parents[1]
QDG = "data/qdg-2026-london-summit.ttl"


def _key(p):
    return (p.file, p.line, p.severity, p.shape, p.focus, p.path)


def test_real_project_same_problems_and_no_violation():
    loaded = load(ROOT)
    fast, ref = validation.validate(loaded, "fast"), validation.validate(loaded, "pyshacl")
    assert ref, "expected the known warnings"
    assert sorted(map(_key, fast)) == sorted(map(_key, ref))
    assert not [p for p in fast if p.severity == "Violation"]


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    for part in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / part, tmp_path / part)
    shutil.copyfile(ROOT / "qgraph.toml", tmp_path / "qgraph.toml")
    f = tmp_path / QDG
    text = f.read_text(encoding="utf-8")
    edits = [
        ('qg:attendeeCount "70"^^xsd:nonNegativeInteger ;', 'qg:attendeeCount "seventy" ;'),  # datatype
        ('qg:currency "GBP" ;', 'qg:currency "pounds" ;'),  # pattern ^[A-Z]{3}$
        # ill-typed literals (issue 13, finding 3): a shaped property (qg:amount, qg:startDate)
        # and properties no shape names (the ingest gate)
        ('qg:amount "2000000000"^^xsd:decimal ;', 'qg:amount "2e9"^^xsd:decimal ;'),
        ('qg:startDate "2026-03-30"^^xsd:date ;',
         'qg:startDate "2026-02-30"^^xsd:date ;\n    qg:plantedA "2026-3-30"^^xsd:date, "NaN"^^xsd:decimal ;\n'
         '    qg:plantedB "many"^^xsd:integer, "25:00:00"^^xsd:time ;'),
    ]
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    f.write_text(text, encoding="utf-8")
    return tmp_path


def test_planted_faults_same_problems(planted: Path):
    loaded = load(planted)
    fast, ref = validation.validate(loaded, "fast"), validation.validate(loaded, "pyshacl")
    assert sorted(map(_key, fast)) == sorted(map(_key, ref))
    violations = {(p.focus, p.path) for p in fast if p.severity == "Violation"}
    assert ("qgid:qdg-meeting-5", "qg:attendeeCount") in violations
    assert any(path == "qg:currency" for _, path in violations)
    assert all(p.file == QDG and p.line for p in fast if p.severity == "Violation")
    ill = {p.value: p for p in fast if p.shape == "check:ill-typed-literal"}
    assert set(ill) == set(ILL_TYPED), ill
    for value, p in ill.items():  # as written, at the line that writes it
        assert p.severity == "Violation" and value in _lines(planted)[p.line - 1], (value, p)


ILL_TYPED = ['"2e9"^^xsd:decimal', '"2026-02-30"^^xsd:date', '"2026-3-30"^^xsd:date', '"NaN"^^xsd:decimal',
             '"many"^^xsd:integer', '"25:00:00"^^xsd:time']


def _lines(root: Path) -> list[str]:
    return (root / QDG).read_text(encoding="utf-8").splitlines()


def test_planted_faults_on_the_command(planted: Path, cli_env):
    """Both validators on the command: exit 1, ``file:line: Violation … (value: <as written>)``,
    the same lines, no traceback (rdflib's conversion warnings) on the pySHACL path."""
    import subprocess
    import sys

    out = {}
    for validator in validation.VALIDATORS:
        r = subprocess.run([sys.executable, "-m", "qgraph", "validate", "--validator", validator, "--root",
                            str(planted)], capture_output=True, text=True, env=cli_env)
        assert r.returncode == 1, (r.returncode, r.stderr)
        assert "Traceback" not in r.stderr and "Failed to convert" not in r.stderr, r.stderr
        out[validator] = r.stdout
    assert out["fast"] == out["pyshacl"]
    for value in ILL_TYPED:
        assert any(line.startswith(QDG + ":") and ": Violation [check:ill-typed-literal]" in line
                   and line.endswith(f"(value: {value})") for line in out["fast"].splitlines()), value


def test_unknown_validator_is_a_clear_error():
    with pytest.raises(QgraphError, match="unknown validator"):
        validation.validate(load(ROOT), "hermit")


def test_blank_node_property_shapes_named_alike(tmp_path: Path):
    """Regression: fastshacl names a blank-node property shape 'parent/<path>'; it must be shown
    as pySHACL's path shows it (qgs:LabelShape/rdfs:label), not as raw IRIs."""
    from conftest import FIXTURE_PROJECT

    root = tmp_path / "p"
    shutil.copytree(FIXTURE_PROJECT, root)
    f = root / "data" / "tiny-doc.ttl"
    f.write_text(f.read_text(encoding="utf-8").replace('    rdfs:label "Denmark"@en ;\n', ""), encoding="utf-8")
    loaded = load(root)
    fast, ref = validation.validate(loaded, "fast"), validation.validate(loaded, "pyshacl")
    assert sorted(map(_key, fast)) == sorted(map(_key, ref))
    assert "qgs:LabelShape/rdfs:label" in {p.shape for p in fast}


def test_a_result_on_a_complex_path_is_shown_as_pyshacl_shows_it(tmp_path: Path):
    """Regression: the fast validator's result on a path that is not one IRI (here an inverse
    path) made ``_problems`` read the path's SPARQL text as a term, and fail (``KeyError`` from
    rdflib's ``from_n3``). It is reported as pySHACL's is: "(complex path)"."""
    from conftest import FIXTURE_PROJECT

    root = tmp_path / "p"
    shutil.copytree(FIXTURE_PROJECT, root)
    shapes = root / "ontology" / "shapes.ttl"
    shapes.write_text(shapes.read_text(encoding="utf-8") + (
        "\nqgs:ForumMembersShape a sh:NodeShape ;\n    sh:targetClass qg:Forum ;\n"
        "    sh:property [ sh:path [ sh:inversePath org:organization ] ; sh:minCount 3 ] .\n"), encoding="utf-8")
    loaded = load(root)
    fast, ref = validation.validate(loaded, "fast"), validation.validate(loaded, "pyshacl")
    assert sorted(map(_key, fast)) == sorted(map(_key, ref))
    assert [(p.focus, p.path) for p in fast if p.shape.startswith("qgs:ForumMembersShape")] == [
        ("qgid:tiny-forum", "(complex path)")]
