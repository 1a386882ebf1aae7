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


def test_a_blank_node_in_a_report_has_the_same_name_at_every_run(synth_corpus, capsys):
    """A problem whose value is a blank node (a selector with an empty quote) names it as the
    exports do, from what is around it: two validations print the same report (they named it
    by its parse, anew at each run)."""
    import re

    from qgraph.corpus.loading import load
    from qgraph.publish.exports import Exporter
    from tests.conftest import validate_in_process

    doc = sorted((synth_corpus / "data").glob("*.ttl"))[0]
    text = doc.read_text(encoding="utf-8")
    doc.write_text(re.sub(r'oa:exact "[^"]*"', 'oa:exact ""', text, count=1), encoding="utf-8")
    first = validate_in_process(capsys, synth_corpus, "--no-cache")
    second = validate_in_process(capsys, synth_corpus, "--no-cache")
    labels = re.findall(r"_:(\w+)", first[1])
    assert labels, "the report names a blank node"
    assert first[:2] == second[:2]
    exported = {t.value for q in Exporter(load(synth_corpus)).quads for t in (q.subject, q.object)
                if type(t).__name__ == "BlankNode"}
    assert set(labels) <= exported  # the names the exports give them


def test_pyshacl_failing_on_month_days_is_one_line_not_a_traceback(tmp_path, capsys):
    """Regression: a meeting whose start (--07-31) is after its end (--07-30) made pySHACL compare
    two xsd:gMonthDay with "<=" and `qgraph validate --validator pyshacl` end in a traceback
    (and no JSON with --format json); the default validator reports the violation."""

    from qgraph.cli import main


    root = _real_copy(tmp_path)
    path = root / "data" / "qdg-kickoff-meeting-sunnylands.ttl"
    text = path.read_text(encoding="utf-8")
    assert 'qg:startDate "--07-28"' in text
    path.write_text(text.replace('qg:startDate "--07-28"', 'qg:startDate "--07-31"'), encoding="utf-8")
    assert main(["validate", "--root", str(root), "--validator", "pyshacl", "--format", "json", "--no-cache"]) == 2
    out, err = capsys.readouterr()
    import json

    assert "pySHACL could not evaluate" in json.loads(out)["error"]["message"] and "Traceback" not in err
    assert main(["validate", "--root", str(root), "--no-cache"]) == 1
    assert "[qgsh:Meeting-startDate]" in capsys.readouterr().out


def test_one_result_per_failing_value_as_pyshacl_gives(tmp_path):
    """Regression: the fast validator gave one result per node and shape (a result's value was
    not compared, so two failing values were one result: the second shown only once the first
    was fixed); SHACL and pySHACL give one per value."""
    from qgraph.api import validate as api_validate
    from qgraph.checks.validation import validate
    from qgraph.corpus.loading import load

    root = _real_copy(tmp_path)
    path = root / "data" / "qdg-2026-london-summit.ttl"
    text = path.read_text(encoding="utf-8")
    assert '"UK summit"@en, "London meeting"@en' in text
    path.write_text(text.replace('"UK summit"@en, "London meeting"@en', '"UK summit", "London meeting"'),
                    encoding="utf-8")
    fast = sorted(p.value for p in api_validate(root) if p.shape == "qgsh:altLabel-english")
    assert fast == ["London meeting", "UK summit"], fast
    reference = sorted(p.value for p in validate(load(root), "pyshacl") if p.shape == "qgsh:altLabel-english")
    assert reference == fast


def test_a_literal_not_written_canonically_is_refused_as_jena_would(tmp_path):
    """Regression: "0"^^xsd:boolean for qg:yearStated false and a second ordinal "05" beside "5"
    built green (the build's validators read values: Oxigraph and rdflib made them false and 5),
    and Jena's SHACL, which compares terms, then refused the dump (sh:hasValue, sh:maxCount)."""
    from qgraph.api import validate as api_validate

    root = _real_copy(tmp_path)
    kickoff = root / "data" / "qdg-kickoff-meeting-sunnylands.ttl"
    kickoff.write_text(kickoff.read_text(encoding="utf-8").replace(
        "qg:yearStated false ;", 'qg:yearStated "0"^^xsd:boolean ;', 1), encoding="utf-8")
    london = root / "data" / "qdg-2026-london-summit.ttl"
    text = london.read_text(encoding="utf-8")
    assert 'qg:ordinal "5"^^xsd:positiveInteger ;' in text
    london.write_text(text.replace('qg:ordinal "5"^^xsd:positiveInteger ;',
                                   'qg:ordinal "5"^^xsd:positiveInteger , "05"^^xsd:positiveInteger ;'), encoding="utf-8")
    found = {(p.file, p.value) for p in api_validate(root) if p.shape == "check:ill-typed-literal"}
    assert found == {("data/qdg-kickoff-meeting-sunnylands.ttl", '"0"^^xsd:boolean'),
                     ("data/qdg-2026-london-summit.ttl", '"05"^^xsd:positiveInteger')}, found


def _real_copy(tmp_path):
    """A copy of the project's corpus (its data and qgraph.toml) to edit."""
    import shutil

    from conftest import PROJECT

    root = tmp_path / "c"
    shutil.copytree(PROJECT / "data", root / "data")
    shutil.copy(PROJECT / "qgraph.toml", root / "qgraph.toml")
    return root
