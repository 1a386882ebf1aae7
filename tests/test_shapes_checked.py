"""The shapes are checked by the command (issue 13, findings 1, 2, 4 and 17): a shape never makes
qgraph reach the network, the fast validator refuses what it does not run, and a broken or
misspelt shape is one clear line (exit 2) on both validators, never a traceback or a green run."""

from __future__ import annotations

import http.server
import shutil
import threading
from pathlib import Path

import pytest
from test_cli import assert_clean_error, qgraph

from qgraph.checks import validation
from qgraph.corpus.loading import load
from qgraph.errors import QgraphError

from conftest import FIXTURE_PROJECT

VALIDATORS = ("fast", "pyshacl")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "p"
    shutil.copytree(FIXTURE_PROJECT, root)
    return root


def _shapes(root: Path) -> Path:
    return root / "ontology" / "shapes.ttl"


def _append(root: Path, text: str) -> None:
    f = _shapes(root)
    f.write_text(f.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")


def _replace(root: Path, old: str, new: str) -> None:
    f = _shapes(root)
    text = f.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    f.write_text(text.replace(old, new), encoding="utf-8")


class _Recorder(http.server.BaseHTTPRequestHandler):
    """A SPARQL endpoint on 127.0.0.1 that only records that it was asked."""

    hits: list[str] = []

    def _answer(self) -> None:
        type(self).hits.append(self.path)
        body = b'{"head": {"vars": ["this"]}, "results": {"bindings": []}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def endpoint():
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql", _Recorder.hits
    server.shutdown()
    server.server_close()


SERVICE_CONSTRAINT = """
qgs:ServiceShape a sh:NodeShape ;
    sh:targetClass qg:Nation ;
    sh:sparql [ sh:select \"\"\"SELECT $this WHERE { SERVICE <%s> { $this ?p ?o } }\"\"\" ] .
"""
SERVICE_TARGET = """
qgs:ServiceTargetShape a sh:NodeShape ;
    sh:target [ a sh:SPARQLTarget ;
                sh:select \"\"\"SELECT ?this WHERE { SERVICE <%s> { ?this ?p ?o } }\"\"\" ] ;
    sh:property [ sh:path qg:party ; sh:minCount 1 ] .
"""
SERVICE_RULE = """
qgs:ServiceRuleShape a sh:NodeShape ;
    sh:targetClass qg:Nation ;
    sh:rule [ a sh:SPARQLRule ;
              sh:construct \"\"\"CONSTRUCT { $this qg:party ?o } WHERE { SERVICE <%s> { $this ?p ?o } }\"\"\" ] .
"""
FROM_CONSTRAINT = """
qgs:FromShape a sh:NodeShape ;
    sh:targetClass qg:Nation ;
    sh:sparql [ sh:select \"\"\"SELECT $this FROM <%s> WHERE { $this ?p ?o }\"\"\" ] .
"""


@pytest.mark.parametrize("validator", VALIDATORS)
@pytest.mark.parametrize("shape", [SERVICE_CONSTRAINT, SERVICE_TARGET, SERVICE_RULE, FROM_CONSTRAINT],
                         ids=["service-constraint", "service-target", "service-rule", "from"])
def test_shapes_never_reach_the_network(project, endpoint, validator, shape):
    """Regression (finding 1): the fast validator POSTed the SERVICE query of a constraint;
    pySHACL (advanced=True) fetched the SERVICE of SPARQL targets and rules."""
    url, hits = endpoint
    _append(project, shape % url)
    with pytest.raises(QgraphError) as e:
        validation.validate(load(project), validator)
    assert not hits, f"the validator asked {url}: {hits}"
    message = str(e.value)
    assert message.startswith("ontology/shapes.ttl:") and "\n" not in message
    assert "never make qgraph reach the network" in message
    assert ("SERVICE" in message) or ("FROM" in message)


def test_network_refusal_is_exit_2_on_the_command(project, endpoint, cli_env):
    url, hits = endpoint
    _append(project, SERVICE_CONSTRAINT % url)
    for validator in VALIDATORS:
        r = qgraph("validate", "--validator", validator, "--root", str(project), env=cli_env)
        assert_clean_error(r, 2, "ontology/shapes.ttl:", "qgs:ServiceShape", "SERVICE")
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not hits


SPARQL_TARGET = """
qgs:TargetShape a sh:NodeShape ;
    sh:target [ a sh:SPARQLTarget ;
                sh:select "SELECT ?this WHERE { ?this a <https://w3id.org/qgraph/ontology#Nation> }" ] ;
    sh:property [ sh:path qg:party ; sh:minCount 1 ] .
"""


def test_fast_validator_refuses_a_sparql_target(project):
    """Regression (finding 2): the fast validator ignored a SPARQL target and said "conforms"
    where pySHACL finds the two nations without qg:party."""
    _append(project, SPARQL_TARGET)
    loaded = load(project)
    ref = validation.validate(loaded, "pyshacl")
    assert {p.focus for p in ref if p.severity == "Violation"} == {"qgid:denmark", "qgid:united-kingdom"}
    with pytest.raises(QgraphError, match=r"^ontology/shapes.ttl: the fast validator cannot check this: "
                                          r"shape \S*TargetShape uses sh:target .* \(use --validator pyshacl\)$"):
        validation.validate(loaded, "fast")


@pytest.mark.parametrize("feature", ["sh:rule [ a sh:TripleRule ; sh:subject sh:this ; sh:predicate qg:party ; "
                                     "sh:object sh:this ]",
                                     "sh:target [ a qgs:CustomTarget ]"])
def test_fast_validator_refuses_what_it_does_not_run(project, feature):
    _append(project, f"qgs:AFShape a sh:NodeShape ; sh:targetClass qg:Nation ; {feature} .\n")
    with pytest.raises(QgraphError, match="the fast validator cannot check this: shape .*AFShape uses"):
        validation.validate(load(project), "fast")


@pytest.mark.parametrize(("old", "new", "needles"), [
    ("sh:targetClass qg:Nation", "sh:targetClass qg:Natoin",
     ["ontology/shapes.ttl:15:", "qgs:LabelShape", "sh:targetClass qg:Natoin is not declared in the ontology"]),
    ("sh:path qg:attestedOn", "sh:path qg:attestedOnn",
     ["ontology/shapes.ttl:12:", "qgs:MembershipShape", "sh:path qg:attestedOnn is not declared in the ontology"]),
    ("sh:datatype xsd:date", "sh:datatype xsd:strng",
     ["ontology/shapes.ttl:12:", "sh:datatype xsd:strng is not a known datatype"]),
    ("sh:path org:member ; sh:minCount 1", 'sh:path org:member ; sh:minCount "one"',
     ["ontology/shapes.ttl:10:", 'sh:minCount "one" is not valid SHACL', "SHACL-for-SHACL"]),
], ids=["target-typo", "path-typo", "unknown-datatype", "mincount-not-a-number"])
def test_broken_shapes_are_one_line_exit_2(project, cli_env, old, new, needles):
    """Regression (findings 4, 17): a misspelt target or path left validate green on bad data,
    xsd:strng failed every node without naming it, sh:minCount "one" was a traceback."""
    _replace(project, old, new)
    for validator in VALIDATORS:
        r = qgraph("validate", "--validator", validator, "--root", str(project), env=cli_env)
        assert_clean_error(r, 2, *needles)
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = qgraph("build", "--root", str(project), "--out", str(project / "dist"), env=cli_env)
    assert_clean_error(r, 2, needles[0])
    assert not (project / "dist").exists()


def test_shape_selecting_nothing_is_a_warning(project):
    _append(project, "@prefix oa: <http://www.w3.org/ns/oa#> .\n"
                     "qgs:NowhereShape a sh:NodeShape ; sh:targetSubjectsOf oa:prefix ;\n"
                     "    sh:property [ sh:path oa:prefix ; sh:maxCount 1 ] .\n")
    loaded = load(project)
    for validator in VALIDATORS:
        found = [p for p in validation.validate(loaded, validator) if p.shape == "check:shape-selects-nothing"]
        assert [(p.severity, p.focus, p.file, p.line) for p in found] == [
            ("Warning", "qgs:NowhereShape", "ontology/shapes.ttl", 20)], found
        assert "selects no node of the corpus (sh:targetSubjectsOf oa:prefix)" in found[0].message


def test_real_shapes_pass_the_checks(project_root):
    """The shipped shapes are valid SHACL, name declared terms only and each selects something."""
    problems = validation.validate(load(project_root), "fast")
    assert not [p for p in problems if p.shape == "check:shape-selects-nothing"]


def _meta_inputs(root: Path) -> tuple:
    from qgraph.corpus.loading import project_prefixes, read_text

    path = _shapes(root)
    shapes, shape_prefixes = validation.load_shapes(path, "ontology/shapes.ttl")
    prefixes = {**shape_prefixes, **project_prefixes()}
    return path, shapes, prefixes, read_text(path, "x").splitlines()


def test_shacl_for_shacl_in_a_child_process_finds_what_it_finds_in_process(project):
    """The build runs SHACL-for-SHACL in a child process while the corpus loads: the same
    problems as run in the process itself."""
    from qgraph.checks import shapecheck

    _replace(project, "sh:path org:member ; sh:minCount 1", 'sh:path org:member ; sh:minCount "one"')
    path, shapes, prefixes, lines = _meta_inputs(project)
    expected = shapecheck.meta_shacl(shapes, "ontology/shapes.ttl", lines, prefixes)
    assert expected and "SHACL-for-SHACL" in expected[0]
    assert validation.MetaShacl(path, "ontology/shapes.ttl").result(path, prefixes) == expected


def test_shacl_for_shacl_from_the_child_is_not_used_for_other_shapes(project):
    """The child's answer is for the file it read: edited since (or other prefixes), the
    caller is told to check the shapes itself (``None``)."""

    path, _, prefixes, _ = _meta_inputs(project)
    child = validation.MetaShacl(path, "ontology/shapes.ttl")
    child._child._child.join()  # the forked process: it has read the file and answered
    _append(project, "# edited after the child read it")
    assert child.result(path, prefixes) is None
    again = validation.MetaShacl(path, "ontology/shapes.ttl")
    assert again.result(path, {**prefixes, "zz": "urn:zz:"}) is None
    assert validation.MetaShacl(path, "ontology/shapes.ttl").result(path, prefixes) == []


def test_shape_targeting_a_node_selects_something_only_if_the_node_is_in_the_data(project):
    """sh:targetNode: the nodes of the data are looked up only for the IRIs a shape names (a
    subject or an object of the data counts; a literal with that text does not)."""
    _append(project, "@prefix qgid: <https://w3id.org/qgraph/id/> .\n"
                     "qgs:HereShape a sh:NodeShape ; sh:targetNode qgid:denmark ;\n"
                     "    sh:property [ sh:path rdfs:label ; sh:minCount 1 ] .\n"
                     "qgs:AlsoHereShape a sh:NodeShape ; sh:targetNode qg:Nation ;\n"
                     "    sh:property [ sh:path rdfs:label ; sh:minCount 0 ] .\n"
                     "qgs:GoneShape a sh:NodeShape ; sh:targetNode qgid:atlantis ;\n"
                     "    sh:property [ sh:path rdfs:label ; sh:minCount 1 ] .\n")
    text = _shapes(project).read_text(encoding="utf-8")
    for prefix in ("qgid", "rdfs", "qg"):
        assert f"@prefix {prefix}:" in text, prefix
    loaded = load(project)
    found = [p.focus for p in validation.validate(loaded, "fast") if p.shape == "check:shape-selects-nothing"]
    assert found == ["qgs:GoneShape"], found


def test_shipped_shapes_pass_shacl_for_shacl():
    """What lets a validation skip SHACL-for-SHACL on the shipped shapes (validation.shipped_shapes):
    run here on them, it finds nothing."""
    from qgraph.checks import shapecheck
    from qgraph.corpus.loading import project_prefixes, read_text
    from qgraph.project import resources

    path = Path(str(resources() / "ontology" / "shapes.ttl"))
    shapes, shape_prefixes = validation.load_shapes(path, "ontology/shapes.ttl")
    assert len(shapes) > 1000
    lines = read_text(path, "ontology/shapes.ttl").splitlines()
    assert shapecheck.meta_shacl(shapes, "ontology/shapes.ttl", lines, {**shape_prefixes, **project_prefixes()}) == []
    assert validation.shipped_shapes(path)


def test_shacl_for_shacl_is_not_run_again_on_the_shipped_shapes(clean_corpus: Path, monkeypatch: pytest.MonkeyPatch):
    """A corpus whose shapes are the shipped ones byte for byte is built and validated without
    SHACL-for-SHACL (neither in a child nor in process); shapes differing by one byte are checked."""
    from qgraph import pipeline
    from qgraph.checks import shapecheck
    from qgraph.project import Project, resources

    shapes = Project.at(clean_corpus).shapes_file
    assert Path(str(shapes)).read_bytes() == (resources() / "ontology" / "shapes.ttl").read_bytes()
    ran: list[str] = []

    def meta(*args: object, **kwargs: object) -> list[str]:
        ran.append("in process")
        return []

    monkeypatch.setattr(shapecheck, "meta_shacl", meta)
    monkeypatch.setattr(validation, "MetaShacl", lambda *a: ran.append("child"))
    assert pipeline.build(clean_corpus / "dist", clean_corpus, cache=True).conforms
    assert pipeline.check(clean_corpus).conforms
    assert ran == []
    own = clean_corpus / "ontology" / "shapes.ttl"
    own.parent.mkdir(exist_ok=True)
    own.write_bytes(Path(str(shapes)).read_bytes() + b"\n# the corpus's own copy\n")
    assert Project.at(clean_corpus).shapes_file == own
    assert pipeline.check(clean_corpus).conforms
    assert ran == ["in process"]
