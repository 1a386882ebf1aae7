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


def test_token_search_is_the_reference_pattern():
    """``locate`` finds a node's token without compiling a pattern per token (``_find``): the
    same first match as the pattern it replaced, on random lines made of the characters that
    decide (word characters of several scripts, the separators of IRIs and prefixed names,
    dots, spaces) and on lines from the real data."""
    import random
    import re
    from pathlib import Path

    from qgraph.checks.report import TOKEN_PATTERN, _find, locate

    rng = random.Random(15)
    alphabet = "ab_1٣é中:/#.-%< >\t;"
    tokens = ["a", "ab", "a:b", "<a>", "a.b", "qg:x", "_:b", "é", "-"]
    checked = 0
    for _ in range(20000):
        line = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 14)))
        token = rng.choice(tokens)
        m = re.search(TOKEN_PATTERN.format(token=re.escape(token)), line)
        assert _find(line, token) == (m.start() if m else -1), (line, token)
        checked += m is not None
    assert checked > 300  # the random lines did hold tokens
    data = sorted((Path(__file__).resolve().parents[1] / "data").glob("*.ttl"))
    assert data
    lines = data[0].read_text(encoding="utf-8").splitlines()
    for token in ("qg:Nation", "a", "qgid:doc-" + data[0].stem, "rdfs:label", "."):
        m = [i for i, ln in enumerate(lines, 1) if re.search(TOKEN_PATTERN.format(token=re.escape(token)), ln)]
        assert locate(lines, [token], prefer_subject=False) == (m[0] if m else None)


def test_the_problems_sort_key_is_every_field_in_order_none_as_empty():
    """Problem.sort_key is spelt out field by field (for speed): it must stay the fields in
    their declared order, ``None`` as empty and a missing line as -1, whatever fields the class
    gains."""
    import dataclasses
    import itertools

    from qgraph.checks.report import Problem

    names = [f.name for f in dataclasses.fields(Problem)]

    def generic(p: Problem) -> tuple:
        return tuple(-1 if getattr(p, k) is None and k == "line" else ("" if getattr(p, k) is None else getattr(p, k))
                     for k in names)

    full = Problem("data/a.ttl", 3, "Violation", "qgsh:S", "qgid:a", "qg:p", "a message", "v", "sh:C", "en", '"v"')
    assert len(names) == 11 and full.sort_key() == generic(full)
    for field in names:  # each field None in turn (even those typed str), then all of them
        p = dataclasses.replace(full, **{field: None})
        assert p.sort_key() == generic(p), field
    empty = Problem(*([None] * len(names)))
    assert empty.sort_key() == generic(empty) == ("", -1, *[""] * 9)
    problems = [dataclasses.replace(full, line=line, focus=focus) for line, focus in
                itertools.product((None, 0, 2, 10), (None, "qgid:a", "qgid:b"))]
    assert sorted(problems, key=Problem.sort_key) == sorted(problems, key=generic)
