"""Checks a curator relies on (issue 12): undeclared qg: terms, stale qg:supports, and a label
clash on a shared node reported in the file that introduced it, naming both labels."""

from __future__ import annotations

from pathlib import Path

import qgraph
from qgraph.api import init


def _edited(root: Path, old: str, new: str) -> Path:
    """The fixture's document with ``old`` replaced by ``new`` (which must be there)."""
    f = root / "data" / "tiny-doc.ttl"
    text = f.read_text()
    assert old in text
    f.write_text(text.replace(old, new))
    return f


def test_undeclared_own_namespace_term_is_a_violation_at_its_line(fixture_root: Path):
    f = _edited(fixture_root, '    rdfs:label "Tiny Forum"@en ;\n',
                '    rdfs:label "Tiny Forum"@en ;\n    qg:chairedBy qgid:denmark ;\n')
    problems = [p for p in qgraph.validate(fixture_root) if p.severity == "Violation"]
    [p] = [p for p in problems if p.shape == "check:term-declared"]
    assert p.file == "data/tiny-doc.ttl" and p.focus == "qg:chairedBy"
    assert f.read_text().splitlines()[p.line - 1].strip() == "qg:chairedBy qgid:denmark ;"
    assert "not declared in the ontology" in p.message


def test_declared_terms_pass(fixture_root: Path):
    assert [p for p in qgraph.validate(fixture_root) if p.shape.startswith("check:")] == []


def test_supports_naming_a_property_the_node_lacks_is_a_violation(fixture_root: Path):
    f = _edited(fixture_root, '    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "Tiny Forum communique" ] .',
                '    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "Tiny Forum communique" ] ;\n'
                '    qg:supports rdfs:label, qg:signedOn .')
    problems = [p for p in qgraph.validate(fixture_root) if p.shape == "check:supports-stated"]
    assert [(p.focus, p.value) for p in problems] == [("qgid:tiny-doc-ev-title", "qg:signedOn")]
    assert f.read_text().splitlines()[problems[0].line - 1] == "qgid:tiny-doc-ev-title"


def test_undeclared_terms_found_in_every_position_and_only_as_iris(fixture_root: Path):
    """An undeclared qg: term is found as a class (object) and as a predicate, each once, in the
    order the file first uses them; a literal that reads like such an IRI is no term."""
    f = _edited(fixture_root, '    rdfs:label "Tiny Forum"@en ;\n',
                '    rdfs:label "Tiny Forum"@en ;\n    a qg:Tribunal ;\n'
                '    rdfs:comment "https://w3id.org/qgraph/ontology#notATerm" ;\n    qg:chairedBy qgid:denmark ;\n')
    problems = [p for p in qgraph.validate(fixture_root) if p.shape == "check:term-declared"]
    assert sorted(p.focus for p in problems) == ["qg:Tribunal", "qg:chairedBy"]
    lines = f.read_text().splitlines()
    assert {p.focus: lines[p.line - 1].strip() for p in problems} == {
        "qg:Tribunal": "a qg:Tribunal ;", "qg:chairedBy": "qg:chairedBy qgid:denmark ;"}


def test_real_data_has_no_undeclared_terms_or_stale_supports(project_root: Path):
    from qgraph.checks.vocabulary import check
    from qgraph.corpus.loading import load

    loaded = load(project_root)
    assert loaded.data_files, "no data files found"
    assert [p.text() for p in check(loaded)] == []


_DOC = """\
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix qg: <https://w3id.org/qgraph/ontology#> .
@prefix qgid: <https://w3id.org/qgraph/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

qgid:doc-{d}
    a qg:SourceDocument ;
    rdfs:label "Doc {d}"@en ;
    dcterms:identifier "{d}" ;
    qg:licenceStated false ;
    qg:evidence qgid:{d}-ev-dk .

qgid:denmark
    a qg:Nation ;
    rdfs:label "{label}"@en ;
    qg:evidence qgid:{d}-ev-dk .

qgid:{d}-ev-dk
    a qg:Evidence ;
    oa:hasSource qgid:doc-{d} ;
    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "{label}" ] ;
    qg:supports rdfs:label .
"""


def test_label_clash_reported_in_the_file_that_introduced_it_naming_both(tmp_path: Path):
    root = tmp_path / "corpus"
    init(root)
    for d, label in (("a-doc", "Denmark"), ("b-doc", "Kingdom of Denmark"), ("c-doc", "Denmark")):
        (root / "data" / f"{d}.ttl").write_text(_DOC.format(d=d, label=label))
        (root / "data" / "sources" / f"{d}.txt").write_text(f"About {label}.\n")
    for validator in ("fast", "pyshacl"):
        from qgraph.pipeline import check

        problems = [p for p in check(root, validator=validator).problems if p.severity == "Violation"]
        [p] = problems
        assert p.file == "data/b-doc.ttl", validator
        assert (root / p.file).read_text().splitlines()[p.line - 1].strip() == 'rdfs:label "Kingdom of Denmark"@en ;'
        assert '"Kingdom of Denmark"@en' in p.message and '"Denmark"@en' in p.message
        assert "data/a-doc.ttl" in p.message
        # its constraint component kept, for the Turtle report (it was check:CheckConstraintComponent)
        assert p.component == "sh:UniqueLangConstraintComponent", validator
