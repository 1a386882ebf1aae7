"""The fast SHACL path (qgraph.checks.shacl on Oxigraph) must report what pySHACL reports.

Compared as sets of (focus node, result path, source shape, severity), on the shapes' valid/ and
invalid/ fixtures, on the real data, and on generated data with planted faults; plus: every
planted violation is found, incremental validation equals a full one, and untranslated SHACL
is refused.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("pyshacl")
import pyoxigraph as ox
from rdflib import Graph

from qgraph import synth
from qgraph.checks import shacl as fastshacl
from qgraph.corpus.loading import GRAPH_NS, ONTOLOGY_GRAPH, load

import oracles.pyshacl_harness as harness
import repo as paths

SHAPES = paths.ONTOLOGY_DIR / "shapes.ttl"
ONTOLOGY = [paths.ONTOLOGY_DIR / f for f in paths.ONTOLOGY_FILES]
FIXTURES = sorted((paths.FIXTURES_DIR / "valid").glob("*.ttl")) + sorted((paths.FIXTURES_DIR / "invalid").glob("*.ttl"))
SH = "http://www.w3.org/ns/shacl#"


@pytest.fixture(scope="module")
def shapes_graph() -> Graph:
    return Graph().parse(SHAPES)


def parse(path: Path, graph: str) -> list:
    g = ox.NamedNode(graph)
    return [ox.Quad(q.subject, q.predicate, q.object, g)
            for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, rename_blank_nodes=True)]


def ontology_quads() -> list:
    return [q for f in ONTOLOGY for q in parse(f, ONTOLOGY_GRAPH)]


def rdflib_union(quads: list) -> Graph:
    """The same quads as one rdflib Graph (what qgraph.checks.validation hands pySHACL)."""
    g = Graph()
    g.parse(data=ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES).decode(), format="nt")
    return g


def both(quads: list, shapes_graph: Graph) -> tuple[set, set, list, ox.Store]:
    store = ox.Store()
    store.extend(quads)
    fast = fastshacl.Validator(store, fastshacl.Shapes(shapes_graph), quads).validate()
    g = rdflib_union(quads)
    ref = harness.pyshacl_results(g, shapes_graph)
    return (harness.canonical_keys(fast, harness.oxigraph_referrers(store)),
            harness.canonical_keys(ref, harness.rdflib_referrers(g)), fast, store)


def assert_same(fast: set, ref: set) -> None:
    only_fast, only_ref = sorted(fast - ref), sorted(ref - fast)
    assert not only_fast and not only_ref, f"fast path only: {only_fast[:10]}\npySHACL only: {only_ref[:10]}"


# --- the project's shapes ----------------------------------------------------------------------

def test_project_shapes_are_all_translated(shapes_graph):
    shapes = fastshacl.Shapes(shapes_graph)
    assert shapes.checks, "no checks compiled from ontology/shapes.ttl"
    assert shapes.targets, "no targeted node shapes in ontology/shapes.ttl"
    # the sh:sparql comparison trap (rdflib evaluates xsd:date < "string" as true) cannot arise
    assert shapes.sparql_comparison_risks() == []


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_same_as_pyshacl(fixture, shapes_graph):
    quads = ontology_quads() + parse(fixture, GRAPH_NS + "fixture")
    fast, ref, results, _ = both(quads, shapes_graph)
    assert_same(fast, ref)
    expected = re.findall(r"^# expect: <([^>]+)> <([^>]+)>", fixture.read_text(encoding="utf-8"), re.M)
    violations = {(r.shape, r.focus) for r in results if r.severity == SH + "Violation"}
    if fixture.parent.name == "valid":
        assert not violations, f"a valid fixture has violations: {sorted(violations)}"
    else:
        assert expected, f"{fixture.name}: no '# expect:' line"
        for shape, focus in expected:
            assert (shape, f"<{focus}>") in violations, f"{fixture.name}: {shape} did not fire on {focus}"


def test_fixtures_found():
    assert FIXTURES, "no shape fixtures found in ontology/fixtures/"


def test_real_data_same_as_pyshacl(shapes_graph):
    loaded = load()
    assert loaded.data_files, "no data files found"
    fast, ref, _, _ = both(loaded.quads, shapes_graph)
    assert_same(fast, ref)


# --- generated data with planted faults -------------------------------------------------------

@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    manifest = synth.generate(6000, seed=3, out=out)
    return out, manifest


def test_generated_same_as_pyshacl_and_every_fault_found(generated, shapes_graph):
    out, manifest = generated
    assert manifest.planted, "no faults planted"
    loaded = load(out)
    fast, ref, results, _ = both(loaded.quads, shapes_graph)
    assert_same(fast, ref)
    planted = {(f"<{p['focus']}>", f"<{p['path']}>", p["shape"]) for p in manifest.planted}
    violations = {(r.focus, r.path, r.shape) for r in results if r.severity == SH + "Violation"}
    assert planted - violations == set(), "planted faults not found"
    assert violations - planted == set(), "violations that were not planted"


def test_incremental_equals_full(generated, shapes_graph, tmp_path):
    out, manifest = generated
    loaded = load(out)
    store = ox.Store()
    store.extend(loaded.quads)
    v = fastshacl.Validator(store, fastshacl.Shapes(shapes_graph), loaded.quads)
    before = v.validate()
    # edit one document: drop the evidence of its meeting and make a provision number a string
    doc = manifest.documents[1]
    text = (out / "data" / f"{doc}.ttl").read_text(encoding="utf-8")
    edited_text, n = re.subn(r'(qg:provisionNumber )"(\d+)"\^\^xsd:positiveInteger', r'\1"\2"', text, count=1)
    edited_text, m = re.subn(r"(qg:attendeeCount [^;]*;\n(?:    qg:participant [^;]*;\n)*)    qg:evidence [^.]*\.",
                             lambda mm: mm.group(1).rstrip().rstrip(";") + " .", edited_text, count=1)
    assert n == 1 and m == 1, "the edit did not apply"
    edited = tmp_path / f"{doc}.ttl"
    edited.write_text(edited_text, encoding="utf-8")
    graph = GRAPH_NS + doc

    def reload():
        store.clear_graph(ox.NamedNode(graph))
        new = parse(edited, graph)
        store.extend(new)
        v.add_raw(new)

    incremental = v.revalidate_graph(graph, reload, before)
    full = v.validate()
    assert {r.key for r in incremental} == {r.key for r in full}
    assert len(full) == len(before) + 2, "the edit should add two violations"


def test_incremental_forgets_a_fixed_fault(generated, shapes_graph, tmp_path):
    """Regression: the parsed literals of a reloaded graph were kept, so a fault fixed by the
    edit ("-5"^^xsd:positiveInteger -> "5") was still reported. Compared with a fresh validator."""
    out, manifest = generated
    doc = manifest.documents[1]
    path = out / "data" / f"{doc}.ttl"
    good = path.read_text(encoding="utf-8")
    bad_text, n = re.subn(r'(qg:provisionNumber )"(\d+)"\^\^xsd:positiveInteger', r'\1"-5"^^xsd:positiveInteger',
                          good, count=1)
    assert n == 1, "the edit did not apply"
    broken = tmp_path / f"{doc}.ttl"
    broken.write_text(bad_text, encoding="utf-8")
    graph = GRAPH_NS + doc
    loaded = load(out)
    quads = [q for q in loaded.quads if q.graph_name.value != graph] + parse(broken, graph)
    store = ox.Store()
    store.extend(quads)
    v = fastshacl.Validator(store, fastshacl.Shapes(shapes_graph), quads)
    before = v.validate()
    assert any('"-5"' in (r.value or "") for r in before), "the planted fault is not reported"

    def reload():
        store.clear_graph(ox.NamedNode(graph))
        new = parse(path, graph)  # the fixed text
        store.extend(new)
        v.add_raw(new)

    after = v.revalidate_graph(graph, reload, before)
    fresh_quads = [q for q in store.quads_for_pattern(None, None, None, None)]
    fresh = fastshacl.Validator(store, fastshacl.Shapes(shapes_graph), loaded.quads).validate()
    assert fresh_quads and not any('"-5"' in (r.value or "") for r in after)
    assert {r.key for r in after} == {r.key for r in fresh}


def test_incremental_sees_a_type_removed_in_another_graph(shapes_graph):
    """sh:class is not local: a membership in graph A points at a nation typed only in graph B;
    removing the type in B must make A's membership fail."""
    loaded = load()
    quads = list(loaded.quads)
    member = next(q for q in quads if q.predicate.value == "http://www.w3.org/ns/org#member")
    nation = ox.NamedNode("https://w3id.org/qgraph/id/test-only-nation")
    quads = [ox.Quad(q.subject, q.predicate, nation, q.graph_name) if q == member else q for q in quads]
    ev = next(q.object for q in quads if q.subject == member.subject
              and q.predicate.value == "https://w3id.org/qgraph/ontology#evidence")
    b = ox.NamedNode(GRAPH_NS + "test-b")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    quads += [ox.Quad(nation, rdf_type, ox.NamedNode("https://w3id.org/qgraph/ontology#Nation"), b),
              ox.Quad(nation, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("T", language="en"), b),
              ox.Quad(nation, ox.NamedNode("https://w3id.org/qgraph/ontology#evidence"), ev, b)]
    store = ox.Store()
    store.extend(quads)
    v = fastshacl.Validator(store, fastshacl.Shapes(shapes_graph), quads)
    before = v.validate()
    assert not any(r.focus == str(member.subject) for r in before)

    def reload():
        store.remove(ox.Quad(nation, rdf_type, ox.NamedNode("https://w3id.org/qgraph/ontology#Nation"), b))

    after = v.revalidate_graph(b.value, reload, before)
    assert {r.key for r in after} == {r.key for r in v.validate()}
    assert any(r.focus == str(member.subject) and r.path == "<http://www.w3.org/ns/org#member>" for r in after)


# --- literals the Oxigraph store normalises ---------------------------------------------------

def test_integer_family_checked_on_parsed_literals(shapes_graph, tmp_path):
    """The store keeps "3"^^xsd:integer and "3"^^xsd:positiveInteger alike; the check must not."""
    data = tmp_path / "ord.ttl"
    data.write_text("""@prefix qg: <https://w3id.org/qgraph/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
<urn:x:a> qg:n "3"^^xsd:integer . <urn:x:b> qg:n "3"^^xsd:positiveInteger . <urn:x:c> qg:n "0"^^xsd:positiveInteger .
<urn:x:d> qg:n "04"^^xsd:positiveInteger .
""", encoding="utf-8")
    shapes = Graph().parse(data="""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<urn:x:S> a sh:NodeShape ; sh:targetSubjectsOf <https://w3id.org/qgraph/ontology#n> ;
  sh:property <urn:x:P> . <urn:x:P> sh:path <https://w3id.org/qgraph/ontology#n> ; sh:datatype xsd:positiveInteger .
""", format="turtle")
    fast, ref, results, _ = both(parse(data, GRAPH_NS + "t"), shapes)
    assert_same(fast, ref)
    assert {r.focus for r in results} == {"<urn:x:a>", "<urn:x:c>"}


def test_store_needs_parsed_quads_for_integer_datatypes(shapes_graph):
    shapes = fastshacl.Shapes(shapes_graph)
    assert shapes.raw_predicates, "the project shapes check xsd:positiveInteger somewhere"
    with pytest.raises(fastshacl.Unsupported, match="normalises"):
        fastshacl.Validator(ox.Store(), shapes)


# --- refusal ----------------------------------------------------------------------------------

@pytest.mark.parametrize("constraint", ["sh:closed true", "sh:xone ( [ sh:datatype xsd:string ] )",
                                        "sh:qualifiedValueShape [ sh:class <urn:x:C> ]", "sh:equals <urn:x:p>"])
def test_untranslated_constraint_is_refused(constraint):
    g = Graph().parse(data=f"""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<urn:x:S> a sh:NodeShape ; sh:targetClass <urn:x:C> ; sh:property [ sh:path <urn:x:p> ; {constraint} ] .
""", format="turtle")
    with pytest.raises(fastshacl.Unsupported):
        fastshacl.Shapes(g)


def test_sparql_comparison_trap_is_flagged():
    g = Graph().parse(data="""@prefix sh: <http://www.w3.org/ns/shacl#> .
<urn:x:S> a sh:NodeShape ; sh:targetClass <urn:x:C> ;
  sh:sparql [ sh:select "SELECT $this WHERE { $this <urn:x:start> ?s ; <urn:x:end> ?e . FILTER (?e < ?s) }" ] .
""", format="turtle")
    assert fastshacl.Shapes(g).sparql_comparison_risks() == ["urn:x:S"]


# --- blank-node focus nodes and sh:sparql (not used by the project shapes, so tested here) ---

EXTRA_SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
<urn:x:Selector> a sh:NodeShape ; sh:targetClass oa:TextQuoteSelector ;
    sh:property [ sh:path oa:exact ; sh:minLength 60 ] .
<urn:x:Dates> a sh:NodeShape ; sh:targetClass <https://w3id.org/qgraph/ontology#Meeting> ;
    sh:sparql [ sh:select \"\"\"SELECT $this ?value WHERE {
        $this <https://w3id.org/qgraph/ontology#startDate> ?value .
        FILTER (datatype(?value) != <http://www.w3.org/2001/XMLSchema#date> || str(?value) > "2010") }\"\"\" ] .
"""


def test_blank_node_focus_and_sparql_constraint(generated, shapes_graph, tmp_path):
    out, manifest = generated
    g = Graph()
    g += shapes_graph
    g.parse(data=EXTRA_SHAPES, format="turtle")
    shapes = fastshacl.Shapes(g)
    assert shapes.sparql_comparison_risks() == [], "this constraint checks the datatype first"
    loaded = load(out)
    fast, ref, results, store = both(loaded.quads, g)
    assert_same(fast, ref)
    assert any(r.focus.startswith("_:") for r in results), "no blank-node focus node was exercised"
    assert any(r.shape == "urn:x:Dates" for r in results), "the sh:sparql constraint never fired"
    # incremental on a document with selectors (blank nodes) equals a full validation; without
    # the sh:sparql shape, which would make revalidate_graph fall back to a full validation
    local = Graph()
    local += shapes_graph
    local.parse(data=EXTRA_SHAPES.split("<urn:x:Dates>")[0], format="turtle")
    v = fastshacl.Validator(store, fastshacl.Shapes(local), loaded.quads)
    assert v.shapes.local
    before = v.validate()
    graph = GRAPH_NS + manifest.documents[0]
    path = out / "data" / f"{manifest.documents[0]}.ttl"

    def reload():
        store.clear_graph(ox.NamedNode(graph))
        new = parse(path, graph)
        store.extend(new)
        v.add_raw(new)

    after = v.revalidate_graph(graph, reload, before)
    canon = harness.oxigraph_referrers(store)
    assert harness.canonical_keys(after, canon) == harness.canonical_keys(v.validate(), canon)


@pytest.mark.parametrize("order", ["values first", "focus first"])
def test_either_order_of_a_check_finds_the_same(generated, shapes_graph, monkeypatch, order):
    """A check of every focus node on a one-predicate path reads the path's triples first and
    tests each subject after, where the path has few triples per focus node (1M triples: the
    whole validation's CPU ~6.5 s to ~5.1 s); else it selects the focus nodes first. Each order,
    forced on every check, finds what pySHACL finds on data with planted faults, and the build's
    own choice between them is used on some checks and not on others here."""
    out, manifest = generated
    loaded = load(out)
    store = ox.Store()
    store.extend(loaded.quads)
    chosen = []
    choose = fastshacl.Validator._values_first

    def spy(self, *args):
        chosen.append(choose(self, *args))
        return chosen[-1]

    monkeypatch.setattr(fastshacl.Validator, "_values_first", spy)
    natural = fastshacl.Validator(store, fastshacl.Shapes(shapes_graph), loaded.quads).validate()
    assert True in chosen and False in chosen, "both orders occur in the build's own choice"
    monkeypatch.setattr(fastshacl.Validator, "_values_first", lambda self, *a: order == "values first")
    forced = fastshacl.Validator(store, fastshacl.Shapes(shapes_graph), loaded.quads).validate()
    assert any(r.severity == SH + "Violation" for r in forced), "the planted faults are found"
    assert sorted(forced, key=repr) == sorted(natural, key=repr)
    g = rdflib_union(loaded.quads)
    assert_same(harness.canonical_keys(forced, harness.oxigraph_referrers(store)),
                harness.canonical_keys(harness.pyshacl_results(g, shapes_graph), harness.rdflib_referrers(g)))
