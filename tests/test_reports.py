"""``qgraph validate``'s machine-readable reports: JSON on every outcome (a Turtle syntax error
included), and the SHACL report as JSON-LD beside the Turtle one."""

from __future__ import annotations

import json
import subprocess
import sys

import rdflib
from rdflib.compare import isomorphic


def qgraph(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qgraph", *args], capture_output=True, text=True, env=env)


def test_json_on_a_turtle_syntax_error(fixture_root, cli_env):
    """Regression: a Turtle syntax error printed nothing on stdout with --format json."""
    (fixture_root / "data" / "broken.ttl").write_text("@prefix qg: <https://w3id.org/qgraph/ontology#> .\n"
                                                      "qg:a qg:b qg:c\nqg:d .\n", encoding="utf-8")
    r = qgraph("validate", "--root", str(fixture_root), "--format", "json", env=cli_env)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and "data/broken.ttl:" in r.stderr
    doc = json.loads(r.stdout)
    assert doc["conforms"] is False and doc["problems"] == []
    assert doc["error"]["file"] == "data/broken.ttl" and doc["error"]["line"] in (2, 3)
    assert "syntax error" in doc["error"]["message"]


def test_json_on_a_missing_folder(tmp_path, cli_env):
    (tmp_path / "qgraph.toml").write_text("", encoding="utf-8")
    r = qgraph("validate", "--root", str(tmp_path), "--format", "json", env=cli_env)
    assert r.returncode == 2
    doc = json.loads(r.stdout)
    assert doc["conforms"] is False and doc["error"]["message"]


def test_jsonld_report_is_the_turtle_report(fixture_root, cli_env):
    # a fault, so the report has a result: a membership without its evidence
    (fixture_root / "data" / "tiny-doc.ttl").write_text(
        (fixture_root / "data" / "tiny-doc.ttl").read_text(encoding="utf-8").replace(
            '    qg:attestedOn "2026-04-08"^^xsd:date ;\n    qg:evidence qgid:tiny-doc-ev-members .',
            '    qg:attestedOn "2026-04-08" ;\n    qg:evidence qgid:tiny-doc-ev-members .', 1), encoding="utf-8")
    ttl = qgraph("validate", "--root", str(fixture_root), "--format", "turtle", env=cli_env)
    jld = qgraph("validate", "--root", str(fixture_root), "--format", "jsonld", env=cli_env)
    assert ttl.returncode == jld.returncode == 1, jld.stderr
    a = rdflib.Graph().parse(data=ttl.stdout, format="turtle")
    b = rdflib.Graph().parse(data=jld.stdout, format="json-ld")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    assert len(list(b.subjects(rdflib.RDF.type, sh.ValidationResult))) >= 1
    assert isomorphic(a, b)
    doc = json.loads(jld.stdout)
    assert doc["@context"]["sh"] == str(sh)
    again = qgraph("validate", "--root", str(fixture_root), "--format", "jsonld", env=cli_env)
    assert again.stdout == jld.stdout  # deterministic
