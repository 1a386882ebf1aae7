"""exports.py: every format round-trips, builds are byte-identical, writes are atomic, and
Apache Jena's riot (an independent toolkit) parses every export."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from qgraph.corpus.loading import load
from qgraph.errors import QgraphError
from qgraph.publish import exports

from conftest import jena, need_jena

PROJECT = Path(__file__).resolve().parents[1]


def _built(root: Path, out: Path) -> tuple:
    loaded = load(root)
    exports.write_atomically(exports.Exporter(loaded).jobs(out))
    return loaded, out


@pytest.fixture(scope="module", params=["fixture", "real"])
def built(request, tmp_path_factory):
    from conftest import FIXTURE_PROJECT

    root = FIXTURE_PROJECT if request.param == "fixture" else PROJECT
    return _built(root, tmp_path_factory.mktemp(f"dist-{request.param}"))


def _triples(quads) -> list[tuple]:
    from qgraph.corpus.terms import to_rdflib

    return [(to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)) for q in quads]


def _union(loaded) -> Graph:
    g = Graph()
    for t in _triples(loaded.quads):
        g.add(t)
    return g


def _graph(loaded, name: str) -> Graph:
    g = Graph()
    for t in _triples(q for q in loaded.quads if q.graph_name.value == name):
        g.add(t)
    return g


def _graphs(ds: Dataset) -> dict[str, Graph]:
    out = {}
    for g in ds.graphs():
        if len(g):
            copy = Graph()
            for t in g:
                copy.add(t)
            out[str(g.identifier)] = copy
    return out


def test_build_writes_every_file(built):
    _, out = built
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == sorted(list(exports.FORMATS.values()) + [exports.CONTEXT_FILE] + [
        f"framed/{v}.jsonld" for v in ("agreements", "forums", "meetings", "people")] + [
        "ontology.html", "shapes.ttl", "void.ttl"])
    assert not list(out.rglob("*.tmp")), "temporary files left behind"


@pytest.mark.parametrize("fmt,parser", [("turtle", "turtle"), ("ntriples", "nt")])
def test_graph_formats_round_trip(built, fmt, parser):
    loaded, out = built
    g = Graph().parse(out / exports.FORMATS[fmt], format=parser)
    assert len(g) > 0
    assert isomorphic(g, _union(loaded))


@pytest.mark.parametrize("fmt,parser", [("nquads", "nquads"), ("trig", "trig"), ("jsonld", "json-ld")])
def test_dataset_formats_round_trip(built, fmt, parser):
    loaded, out = built
    ds = Dataset()
    ds.parse(out / exports.FORMATS[fmt], format=parser)
    got = _graphs(ds)
    want = {f.graph: _graph(loaded, f.graph) for f in loaded.files}
    assert sorted(got) == sorted(want)
    for name, g in want.items():
        assert isomorphic(got[name], g), f"graph {name} differs after {fmt} round trip"


def test_jsonld_is_readable_and_self_contained(built):
    loaded, out = built
    doc = json.loads((out / "qgraph.jsonld").read_text())
    ctx = json.loads((out / exports.CONTEXT_FILE).read_text())["@context"]
    assert doc["@context"] == ctx  # embedded: no reader needs to fetch it
    assert ctx["label"]["@id"] == "http://www.w3.org/2000/01/rdf-schema#label"
    assert ctx["evidence"] == {"@id": "https://w3id.org/qgraph/ontology#evidence", "@type": "@id"}
    text = (out / "qgraph.jsonld").read_text()
    assert '"evidence":' in text and "https://w3id.org/qgraph/ontology#evidence" not in text.split('"@graph"')[1]


def test_framed_evidence_on_root_and_reverse_nodes_only(built):
    """A tree lists the passages of its root and of its @reverse nodes (a linked-data fact of the
    enrichment graph, such as a G7 membership, its provenance instead); a shared node reached by a
    forward link (a nation) is nested without them: it has passages in every document, and
    listing all of them in every tree made a view grow with the square of the data."""
    _, out = built
    trees = checked = 0
    for f in sorted((out / "framed").glob("*.jsonld")):
        for tree in json.loads(f.read_text())["@graph"]:
            trees += 1
            assert "evidence" in tree, (f.name, tree["@id"])
            for key, values in tree.items():
                for v in values if isinstance(values, list) else [values]:
                    if not isinstance(v, dict) or key in ("evidence", "@reverse"):
                        continue
                    if key in ("provisions", "signatures", "agreedHere", "sideEvents", "memberships",
                               "officeHoldings", "quotations"):
                        if v.get("@id", "").startswith("qgid:wd-"):  # a linked-data fact: its provenance
                            assert "evidence" not in v and "wasDerivedFrom" in v, (f.name, tree["@id"], key, v)
                        else:
                            assert "evidence" in v, (f.name, tree["@id"], key, v.get("@id"))
                    else:
                        assert "evidence" not in v, (f.name, tree["@id"], key, v.get("@id"))
                    checked += 1
    assert trees and checked > trees, "no nested nodes checked"


def test_framed_agreements_nest_provisions(built):
    loaded, out = built
    doc = json.loads((out / "framed" / "agreements.jsonld").read_text())
    roots = doc["@graph"]
    assert roots, "no agreement framed"
    if loaded.documents == ["tiny-doc"]:
        [mou] = roots
        assert mou["provisions"][0]["@id"] == "qgid:tiny-doc-clause-1"
        assert mou["party"][0]["label"] == "Denmark"
    # every framed file parses as JSON-LD into triples of the built graph
    for f in (out / "framed").glob("*.jsonld"):
        g = Graph().parse(f, format="json-ld")
        union = _union(loaded)
        missing = [t for t in g if not any(isinstance(x, __import__("rdflib").BNode) for x in t) and t not in union]
        assert not missing, f"{f.name}: triples not in the graph: {missing[:3]}"


def test_determinism_across_processes(tmp_path, cli_env):
    """Two builds in separate processes (different hash seeds) give byte-identical files."""
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"out{seed}"
        env = dict(cli_env, PYTHONHASHSEED=seed)
        r = subprocess.run([sys.executable, "-m", "qgraph", "build", "--out", str(out)], env=env,
                           capture_output=True, text=True, cwd=PROJECT / "data")  # found upwards
        assert r.returncode == 0, r.stderr
        outs.append(out)
    files = sorted(p.relative_to(outs[0]) for p in outs[0].rglob("*") if p.is_file())
    assert len(files) == 13
    # the names the README lists (regression: a module rename once turned qgraph.jsonld into
    # qgraph.publish.jsonld)
    assert sorted(str(f) for f in files) == sorted([
        "context.jsonld", "framed/agreements.jsonld", "framed/forums.jsonld", "framed/meetings.jsonld",
        "framed/people.jsonld", "ontology.html", "qgraph.jsonld", "qgraph.nq", "qgraph.nt", "qgraph.trig",
        "qgraph.ttl", "shapes.ttl", "void.ttl"])
    for rel in files:
        assert (outs[0] / rel).read_bytes() == (outs[1] / rel).read_bytes(), f"{rel} differs between builds"


def test_serialiser_failing_midway_leaves_old_files(tmp_path, monkeypatch):
    from conftest import FIXTURE_PROJECT

    _, out = _built(FIXTURE_PROJECT, tmp_path / "dist")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def broken(self, fh):
        fh.write(b"@prefix half: <http://half.written/> .\nhalf:")
        raise RuntimeError("serialiser crashed")

    monkeypatch.setattr(exports.Exporter, "write_trig", broken)
    loaded = load(FIXTURE_PROJECT)
    with pytest.raises(RuntimeError, match="crashed"):
        exports.write_atomically(exports.Exporter(loaded).jobs(out))
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_unwritable_output(tmp_path):
    from conftest import FIXTURE_PROJECT

    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    loaded = load(FIXTURE_PROJECT)
    with pytest.raises(QgraphError, match="cannot (write into|create folder) .*a-file"):
        exports.write_atomically(exports.Exporter(loaded).jobs(blocker / "dist"))
    assert blocker.read_text() == "x"


def _need_jena() -> None:
    need_jena()


def _riot(*args: str) -> subprocess.CompletedProcess:
    return jena().run("riot", *args)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["qgraph.ttl", "qgraph.nt", "qgraph.nq", "qgraph.trig"])
def test_jena_riot_validates(built, name):
    _need_jena()
    _, out = built
    r = _riot("--validate", str(out / name))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ERROR" not in r.stderr and "WARN" not in r.stderr, r.stderr


@pytest.mark.slow
def test_jena_riot_parses_jsonld(built):
    _need_jena()
    loaded, out = built
    r = _riot("--syntax=JSONLD10", "--count", str(out / "qgraph.jsonld"))
    assert r.returncode == 0, r.stdout + r.stderr
    n = len({(q.subject, q.predicate, q.object, q.graph_name) for q in loaded.quads})
    assert f"Quads = {n:,}" in r.stdout + r.stderr, (n, r.stdout, r.stderr)


def _with_quads(extra: list) -> object:
    from conftest import FIXTURE_PROJECT

    loaded = load(FIXTURE_PROJECT)
    loaded.quads = loaded.quads + extra
    return loaded


def _turtle(loaded) -> str:
    import io

    buf = io.BytesIO()
    exports.Exporter(loaded).write_turtle(buf)
    return buf.getvalue().decode("utf-8")


def test_unknown_namespaces_written_in_full():
    """Namespaces outside the project's prefixes get no generated prefix (rdflib numbered them
    ns1, ns2, … in set order, which changed with the hash seed): full IRIs, the same every time."""
    import pyoxigraph as ox

    g = ox.NamedNode("https://w3id.org/qgraph/graph/tiny-doc")
    x = ox.NamedNode("https://w3id.org/qgraph/id/x")
    extra = [ox.Quad(x, ox.NamedNode("http://b.example/ns#p"), ox.Literal("1"), g),
             ox.Quad(x, ox.NamedNode("http://a.example/ns#q"), ox.Literal("2"), g)]
    text = _turtle(_with_quads(extra))
    assert "<http://a.example/ns#q>" in text and "<http://b.example/ns#p>" in text
    assert "ns1:" not in text
    assert _turtle(_with_quads(extra[::-1])) == text
    assert isomorphic(Graph().parse(data=text, format="turtle"), _union(_with_quads(extra)))


def test_literals_keep_their_lexical_form():
    """``"2000000000"^^xsd:decimal`` stays so (rdflib's writer shortened numbers to another
    lexical form: a different RDF term once read back)."""
    import pyoxigraph as ox

    g = ox.NamedNode("https://w3id.org/qgraph/graph/tiny-doc")
    x = ox.NamedNode("https://w3id.org/qgraph/id/x")
    xsd = "http://www.w3.org/2001/XMLSchema#"
    lits = [ox.Literal("2000000000", datatype=ox.NamedNode(xsd + "decimal")),
            ox.Literal("01", datatype=ox.NamedNode(xsd + "integer")),
            ox.Literal("1.0E3", datatype=ox.NamedNode(xsd + "double")),
            ox.Literal("1", datatype=ox.NamedNode(xsd + "boolean"))]
    extra = [ox.Quad(x, ox.NamedNode(f"http://a.example/ns#p{i}"), o, g) for i, o in enumerate(lits)]
    loaded = _with_quads(extra)
    ex = exports.Exporter(loaded)
    back = {q.object for q in ox.parse(_turtle(loaded).encode(), format=ox.RdfFormat.TURTLE)}
    assert set(lits) <= back
    for text, fmt in ((ex.ntriples, ox.RdfFormat.N_TRIPLES), (ex.nquads, ox.RdfFormat.N_QUADS)):
        assert set(lits) <= {q.object for q in ox.parse(text.encode(), format=fmt)}


def test_blank_node_labels_depend_only_on_content():
    """The same graph with other parser labels (and two blank nodes alike, which the
    canonicaliser must tell apart) gets the same labels; different graphs, different labels."""
    import pyoxigraph as ox

    g = ox.NamedNode("https://w3id.org/qgraph/graph/tiny-doc")
    s = ox.NamedNode("https://w3id.org/qgraph/id/x")
    p, q = ox.NamedNode("http://a.example/ns#p"), ox.NamedNode("http://a.example/ns#q")

    def quads(a: str, b: str, c: str) -> list:
        ba, bb, bc = ox.BlankNode(a), ox.BlankNode(b), ox.BlankNode(c)
        return [ox.Quad(s, p, ba, g), ox.Quad(s, p, bb, g), ox.Quad(ba, q, ox.Literal("same"), g),
                ox.Quad(bb, q, ox.Literal("same"), g), ox.Quad(s, q, bc, g), ox.Quad(bc, p, ox.Literal("other"), g)]

    one = exports.Exporter(_with_quads(quads("x1", "x2", "x3"))).nquads
    two = exports.Exporter(_with_quads(quads("y9", "y8", "y7"))).nquads
    assert one == two
    labels = {t for line in one.splitlines() if "a.example" in line for t in line.split() if t.startswith("_:")}
    assert len(labels) == 3, labels


def test_graphs_and_nquads_agree():
    from conftest import FIXTURE_PROJECT

    ex = exports.Exporter(load(FIXTURE_PROJECT))
    lines = sorted(f"{q} .\n" for quads in ex.graphs.values() for q in quads)
    assert lines and "".join(lines) == ex.nquads
    assert list(ex.graphs) == sorted(ex.graphs)


def test_line_dumps_written_by_the_sort_are_those_written_term_by_term(tmp_path):
    """The build's first export is the N-Quads dump, written by the sort itself, which writes
    the N-Triples lines to an unnamed file beside it: the same dumps as written from the sorted
    quads afterwards, in the order of sorting whole lines; with a triple stated in two graphs,
    a quad stated twice, a literal with escapes, blank nodes, and subjects that are prefixes of
    others (``_:k`` of ``_:k2``, ``<…/x>`` of ``<…/x2>``: a line's subject is followed by a
    space, which sorts before any character of a term)."""
    import io

    import pyoxigraph as ox

    g2 = ox.NamedNode("https://w3id.org/qgraph/graph/zz-other")
    x = ox.NamedNode("https://w3id.org/qgraph/id/x")
    x2 = ox.NamedNode("https://w3id.org/qgraph/id/x2")
    p = ox.NamedNode("http://a.example/ns#p")
    b, b2 = ox.BlankNode("k"), ox.BlankNode("k2")
    tiny = ox.NamedNode("https://w3id.org/qgraph/graph/tiny-doc")
    extra = [ox.Quad(x, p, ox.Literal('a "quoted"\nline'), tiny), ox.Quad(x, p, ox.Literal('a "quoted"\nline'), g2),
             ox.Quad(x, p, b, tiny), ox.Quad(b, p, ox.Literal("in a blank node", language="en"), tiny),
             ox.Quad(x2, p, ox.Literal("x2"), tiny), ox.Quad(b2, p, b, tiny), ox.Quad(x2, p, ox.Literal("x2"), tiny),
             ox.Quad(x, p, ox.Literal("in two graphs"), g2)]
    built = exports.Exporter(_with_quads(extra))
    written = {}
    for path, job in built.jobs(tmp_path).items():  # as the build writes them, the N-Quads first
        if path.name in ("qgraph.nq", "qgraph.nt"):
            buf = io.BytesIO()
            job(buf)
            written[path.name] = buf.getvalue().decode("utf-8")
    assert list(written) == ["qgraph.nq", "qgraph.nt"]
    assert built._counted is not None and built._spool is None  # counted and spooled by the sort
    plain = exports.Exporter(_with_quads(extra))
    nt, nq = plain.ntriples, plain.nquads  # from the sorted quads, term by term
    assert (written["qgraph.nt"], written["qgraph.nq"]) == (nt, nq)
    assert nq.splitlines() == sorted({str(q) + " ." for q in plain.quads})  # every line sorted whole
    assert nt.count('a \\"quoted\\"\\nline') == 1 and nq.count('a \\"quoted\\"\\nline') == 2
    assert nq.count('"x2"') == 1  # stated twice in one graph: one line
    assert built.statistics() == plain.statistics()
    assert list(tmp_path.iterdir()) == []  # the N-Triples lines' file had no name


def test_the_sort_holds_a_batch_of_lines_at_a_time():
    """The sort that writes the N-Quads dump holds the N-Quads text of a batch of subjects' quads
    at a time (and the batch being written), not every line at once (~230 MiB at 1M triples,
    held at the build's highest point). Here 4,000 subjects of long IRIs, 10 quads each."""
    import tracemalloc

    import pyoxigraph as ox

    g = ox.NamedNode("https://w3id.org/qgraph/graph/tiny-doc")
    long = "https://w3id.org/qgraph/id/" + "s" * 400
    extra = [ox.Quad(ox.NamedNode(f"{long}{i}"), ox.NamedNode(f"http://a.example/ns#p{j}"), ox.Literal(str(j)), g)
             for i in range(4000) for j in range(10)]
    exporter = exports.Exporter(_with_quads(extra))
    exporter.quads  # noqa: B018 (relabelled before measuring)
    every_line = sum(len(str(q)) for q in exporter.quads)
    assert every_line > 16_000_000

    class Sink:
        def write(self, data: bytes) -> int:
            return len(data)

    tracemalloc.start()
    try:
        exporter.write_nquads(Sink())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < every_line / 2, (peak, every_line)


@pytest.mark.parametrize("batch", [1, 2, 3, 5, 1 << 20])
def test_the_sort_in_batches_of_any_size(monkeypatch, batch):
    """The sort works a batch of whole subjects at a time (exports._BATCH quads or more): however
    the batches fall (a subject stated in two graphs, a quad stated twice, subjects that are
    prefixes of others, across a batch's edge or inside it), the same dumps, in the order of
    sorting whole lines; the same positions of repeated triples, of each graph's quads and of the
    subjects stated in more than one graph as worked out here quad by quad; and void.ttl's
    counts those of the reference (dataset.statistics, a set of every triple)."""
    import io

    import pyoxigraph as ox

    from qgraph.publish import dataset

    from conftest import FIXTURE_PROJECT

    monkeypatch.setattr(exports, "_BATCH", batch)
    g2 = ox.NamedNode("https://w3id.org/qgraph/graph/zz-other")
    tiny = ox.NamedNode("https://w3id.org/qgraph/graph/tiny-doc")
    p, q = ox.NamedNode("http://a.example/ns#p"), ox.NamedNode("http://a.example/ns#q")
    x, x2 = ox.NamedNode("https://w3id.org/qgraph/id/x"), ox.NamedNode("https://w3id.org/qgraph/id/x2")
    b, b2 = ox.BlankNode("k"), ox.BlankNode("k2")
    extra = [ox.Quad(x, p, ox.Literal("in two graphs"), g2), ox.Quad(x2, p, ox.Literal("x2"), tiny),
             ox.Quad(x, q, b, tiny), ox.Quad(b, p, ox.Literal("blank", language="en"), tiny),
             ox.Quad(x, p, ox.Literal("in two graphs"), tiny), ox.Quad(x2, p, ox.Literal("x2"), tiny),
             ox.Quad(b2, p, b, tiny), ox.Quad(x2, q, x, g2), ox.Quad(x, q, x2, tiny)]
    for loaded, planted in ((_with_quads(extra), True), (load(FIXTURE_PROJECT), False)):
        ex = exports.Exporter(loaded)
        nq, nt = io.BytesIO(), io.BytesIO()
        counts = dataset.SortedCounts()
        s = ex._sort(nq, counts, nt)
        lines = sorted({str(quad) for quad in ex.quads})
        assert nq.getvalue().decode("utf-8") == "".join(f"{line} .\n" for line in lines)
        assert [str(quad) for quad in s.quads] == lines
        triples = [line[:line.rindex(" <")] for line in lines]
        assert s.repeated == {i for i in range(1, len(lines)) if triples[i] == triples[i - 1]}
        assert bool(s.repeated) == planted  # the triple stated in two graphs
        assert nt.getvalue().decode("utf-8") == "".join(f"{t} .\n" for t in sorted(set(triples)))
        graphs: dict[str, list[int]] = {}
        subjects: dict[str, list[int]] = {}
        for i, quad in enumerate(s.quads):
            graphs.setdefault(quad.graph_name.value, []).append(i)
            subjects.setdefault(str(quad.subject), []).append(i)
        assert {g: list(a) for g, a in s.by_graph.items() if a} == graphs
        assert s.shared == sorted((at[0], at[-1] + 1) for at in subjects.values()
                                  if len({s.quads[i].graph_name for i in at}) > 1)
        assert bool(s.shared) == planted  # x and x2, stated in two graphs
        assert counts.statistics(loaded) == dataset.statistics(loaded)


def test_the_n_triples_spool_is_named_as_a_stale_temporary(tmp_path, monkeypatch):
    """Where the system has no unnamed files, the sort's N-Triples file is made with a name and
    unlinked at once: named as the exports' temporary files are, so that one a kill left in
    between is removed by the next build (remove_stale_temporaries)."""
    import io
    import os
    import tempfile

    asked = []
    real = tempfile.TemporaryFile

    def recorded(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        asked.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "TemporaryFile", recorded)
    exporter = exports.Exporter(_with_quads([]))
    jobs = exporter.jobs(tmp_path)
    jobs[tmp_path / "qgraph.nq"](io.BytesIO())
    [kwargs] = asked
    name = f"{kwargs['prefix']}abc123{kwargs['suffix']}"
    m = exports._TEMP.match(name)
    assert m and int(m.group(1)) == os.getpid() and kwargs["dir"] == tmp_path


def test_a_signal_among_the_renames_waits_for_the_last(tmp_path, monkeypatch):
    """Regression: Ctrl-C (or SIGTERM) between two renames left the new Turtle beside the old
    JSON-LD, under "interrupted"; now every file is renamed, then the signal takes effect."""
    import signal

    from qgraph.publish import exports

    targets = [tmp_path / f"f{i}.txt" for i in range(4)]
    for t in targets:
        t.write_text("old")
    real = os.replace
    calls = []

    def replace(src, dst):
        calls.append(dst)
        real(src, dst)
        if len(calls) == 1:
            signal.raise_signal(signal.SIGINT)  # as a Ctrl-C arriving after the first rename

    monkeypatch.setattr(exports.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        exports.write_atomically({t: (lambda fh: fh.write(b"new")) for t in targets})
    assert [t.read_text() for t in targets] == ["new"] * 4
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_link_to_a_file_outside_out_is_written_and_named_as_the_link(tmp_path, fixture_root):
    """Regression: with dist/qgraph.ttl a link to a file outside dist/, the build replaced that
    file, then failed in its summary (a traceback: the file is not under dist/)."""
    from qgraph.cli import main

    out = tmp_path / "dist"
    assert main(["build", "--root", str(fixture_root), "--out", str(out), "--no-cache"]) == 0
    elsewhere = tmp_path / "elsewhere.ttl"
    elsewhere.write_text("keep")
    (out / "qgraph.ttl").unlink()
    (out / "qgraph.ttl").symlink_to(elsewhere)
    assert main(["build", "--root", str(fixture_root), "--out", str(out), "--no-cache"]) == 0
    assert (out / "qgraph.ttl").is_symlink() and elsewhere.read_text().startswith("@prefix")


def test_a_meetings_nested_key_names_what_it_holds(built):
    """Regression: framed/meetings.jsonld nested under "priorityAreas" every node agreed at the
    meeting, the QDG's commitments among them (qg:agreedAt names both): the key says what it is."""
    _, out = built
    trees = json.loads((out / "framed" / "meetings.jsonld").read_text())["@graph"]
    assert all("priorityAreas" not in t for t in trees)
    held = {n["@id"] for t in trees for n in t.get("agreedHere", [])}
    if out.name.startswith("dist-real"):  # the QDG's London meeting: its priority areas and commitments
        assert {"qgid:qdg-2026-commitment-engagement"} <= held and any("priority" in h for h in held), held
