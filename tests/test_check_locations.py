"""A check's problem is written where the faulty statement is: the file of the graph that
states it (a shared node, a nation, is described in many files), and a data file rather than
the ontology (a row that begins with a class)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import PROJECT

UK = "    skos:altLabel \"United Kingdom of Great Britain and Northern Ireland\"@en ;\n"


def _real_copy(tmp_path: Path) -> Path:
    root = tmp_path / "real"
    shutil.copytree(PROJECT / "data", root / "data")
    shutil.copy(PROJECT / "qgraph.toml", root / "qgraph.toml")
    return root


def _check_problems(root: Path) -> list:
    from qgraph.api import validate

    return [p for p in validate(root) if p.severity == "Violation"]


def test_a_shared_nodes_faulty_triple_is_reported_in_the_file_that_states_it(tmp_path):
    root = _real_copy(tmp_path)
    path = root / "data" / "us-uk-quantum-joint-statement.ttl"
    text = path.read_text(encoding="utf-8")
    assert UK in text
    path.write_text(text.replace(UK, "    qg:mentions qgid:no-such-org ;\n" + UK, 1), encoding="utf-8")
    others = [f.name for f in (root / "data").glob("*.ttl") if f != path and "qgid:united-kingdom" in f.read_text()]
    assert others, "the node must be described in another file too"
    found = [p for p in _check_problems(root) if p.shape in ("check:dangling-reference-violation",
                                                             "check:fact-property-without-supporting-evidence-violation")]
    assert {p.shape for p in found} == {"check:dangling-reference-violation",
                                        "check:fact-property-without-supporting-evidence-violation"}
    lines = path.read_text(encoding="utf-8").splitlines()
    subject = next(i for i, line in enumerate(lines, 1) if line.startswith("qgid:united-kingdom"))
    assert all(p.file == "data/us-uk-quantum-joint-statement.ttl" and p.line == subject for p in found), found


def test_a_duplicate_entity_is_reported_in_a_data_file_not_the_ontology(tmp_path):
    root = _real_copy(tmp_path)
    path = root / "data" / "us-uk-quantum-joint-statement.ttl"
    # a second nation with the label of an existing one (its row begins with the class, qg:Nation)
    extra = ('\nqgid:uk-again a qg:Nation ;\n    rdfs:label "United Kingdom"@en ;\n'
             '    qg:evidence qgid:us-uk-quantum-joint-statement-ev-uk-again .\n')
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    found = [p for p in _check_problems(root) if p.shape == "check:duplicate-entity-violation"]
    assert found, "the duplicate is not found"
    assert all(p.file is not None and p.file.startswith("data/") for p in found), found
    assert any(re.search(r"uk-again|united-kingdom", p.focus or "") for p in found), found


def _city_member(root: Path) -> int:
    """An enrichment membership whose org:member is a city: the line of its node."""
    path = root / "data" / "links" / "enrichment.ttl"
    text = path.read_text(encoding="utf-8")
    assert "    org:member qgid:denmark ;\n" in text and "qgid:copenhagen\n    a qg:City" in "".join(
        f.read_text(encoding="utf-8") for f in (root / "data").glob("*.ttl"))
    path.write_text(text.replace("    org:member qgid:denmark ;\n", "    org:member qgid:copenhagen ;\n", 1),
                    encoding="utf-8")
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines, 1) if line == "    org:member qgid:copenhagen ;")
    return max(i for i, line in enumerate(lines[:at], 1) if line.startswith("qgid:wd-membership-"))


def test_the_enrichment_graph_is_held_to_the_shapes_by_validate_and_build(tmp_path):
    """Regression: the build's SHACL read every graph but the enrichment's, so a membership of
    the enrichment graph whose member is a city built green (Jena's SHACL then refused the dump)."""
    from qgraph.api import build
    from qgraph.errors import NonConformant

    root = _real_copy(tmp_path)
    line = _city_member(root)
    found = [p for p in _check_problems(root) if p.shape == "qgsh:Membership-member"]
    assert [(p.file, p.line, p.value) for p in found] == [("data/links/enrichment.ttl", line, "qgid:copenhagen")], found
    out = tmp_path / "dist"
    with pytest.raises(NonConformant):
        build(out, root)
    assert not out.exists() or not any(out.iterdir())


def test_the_enrichment_graph_draws_no_warning_for_its_sources_dates():
    """Its memberships are dated by their sources, not by a passage: no qg:attestedOn is asked of
    them (the build checking that graph drew 32 such warnings in every `qgraph validate`)."""
    from qgraph.api import validate

    problems = [p for p in validate(PROJECT) if p.file == "data/links/enrichment.ttl"]
    assert problems == [], problems


def test_an_evidence_nodes_fault_is_at_its_description_not_in_the_list_naming_it(tmp_path):
    """Regression: every evidence node is named, indented, in its fact's `qg:evidence` list before
    its own description; a fault of the node (no oa:hasSource) was located at that list's line."""
    root = _real_copy(tmp_path)
    path = root / "data" / "us-sweden-quantum-joint-statement.ttl"
    lines = path.read_text(encoding="utf-8").splitlines(True)
    node = "qgid:us-sweden-quantum-joint-statement-ev-parties"
    at = next(i for i, line in enumerate(lines) if line.startswith(node))
    named = [i for i, line in enumerate(lines[:at]) if line.strip().startswith(node)]
    assert named, "the evidence node must be named in a list before its description"
    source = next(k for k in range(at, at + 6) if "oa:hasSource" in lines[k])
    del lines[source]
    path.write_text("".join(lines), encoding="utf-8")
    found = [p for p in _check_problems(root) if p.shape == "qgsh:Evidence-source"]
    assert [(p.file, p.line) for p in found] == [("data/us-sweden-quantum-joint-statement.ttl", at + 1)], found


def test_a_source_text_that_is_a_folder_is_said_so(tmp_path):
    """Regression: data/sources/DOC.txt made a folder was reported as "is missing"."""
    root = _real_copy(tmp_path)
    text = root / "data" / "sources" / "us-uk-quantum-joint-statement.txt"
    text.unlink()
    text.mkdir()
    found = [p.message for p in _check_problems(root) if p.shape == "check:source-document"]
    assert any("us-uk-quantum-joint-statement.txt is a folder, not a text file" in m for m in found), found


def test_a_shared_node_cited_without_its_class_is_named_in_that_file(tmp_path):
    """Regression (a curator's walk): a nation typed in one file and cited in another without its
    class validated green, and every question reading the second document's graph left it out
    (cross-nation-passages dropped Sweden from the MDQ document)."""
    root = _real_copy(tmp_path)
    path = root / "data" / "us-sweden-quantum-joint-statement.ttl"
    text = path.read_text(encoding="utf-8")
    assert "qgid:sweden\n    a qg:Nation ;\n" in text
    path.write_text(text.replace("qgid:sweden\n    a qg:Nation ;\n", "qgid:sweden\n", 1), encoding="utf-8")
    found = [p for p in _check_problems(root) if p.shape == "check:typed-in-file"]
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines, 1) if line == "qgid:sweden")
    assert [(p.file, p.line, p.focus) for p in found] == [
        ("data/us-sweden-quantum-joint-statement.ttl", at, "qgid:sweden")], found
