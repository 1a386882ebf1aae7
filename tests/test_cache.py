"""The validation cache (.qgraph-cache/): ``qgraph validate`` with it prints exactly what
``qgraph validate --no-cache`` prints (text and JSON, exit code) after every kind of edit; a stale,
foreign, damaged or half-written cache is detected and rebuilt, never trusted; a cache folder that
cannot be used is a notice, never a crash."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qgraph.checks import cache as cache_mod
from qgraph.checks.cache import CACHE_DIR, STATE, graph_local
from tests.conftest import validate_in_process

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def corpus(synth_corpus: Path) -> Path:
    return synth_corpus


def _same(capsys: pytest.CaptureFixture, root: Path) -> list[str]:
    """Validate with and without the cache, in text and JSON: identical output and exit code.
    Returns the notices the cached runs printed."""
    notices = []
    for fmt in ("text", "json"):
        cached = validate_in_process(capsys, root, "--format", fmt)
        fresh = validate_in_process(capsys, root, "--format", fmt, "--no-cache")
        assert cached[:2] == fresh[:2], f"{fmt}: the cached verdict differs from the uncached one"
        assert fresh[2] == "", "--no-cache says nothing about a cache"
        notices += [line for line in cached[2].splitlines() if line]
    return notices


def _docs(root: Path) -> list[Path]:
    docs = sorted((root / "data").glob("*.ttl"))
    assert len(docs) >= 3, "the synthetic corpus has documents"
    return docs


def _memo(root: Path) -> dict:
    raw = (root / CACHE_DIR / STATE).read_bytes()
    return json.loads(raw.partition(b"\n")[2])["memo"]


def test_cached_verdict_equals_uncached_through_a_series_of_edits(corpus: Path, capsys: pytest.CaptureFixture):
    docs = _docs(corpus)
    assert validate_in_process(capsys, corpus, "--no-cache")[0] == 1, "the synthetic corpus carries planted faults"
    assert not (corpus / CACHE_DIR).exists(), "--no-cache writes no cache"
    _same(capsys, corpus)  # cold
    assert (corpus / CACHE_DIR / STATE).is_file()
    assert (corpus / CACHE_DIR / ".gitignore").read_text().splitlines()[-1] == "*"
    assert _same(capsys, corpus) == []  # nothing changed: no notice
    memo = _memo(corpus)
    assert len(memo["evidence"]) == len(docs) and memo["shapes"], "per-file and shapes results kept"
    assert any(k.startswith("check:") for k in memo), "graph-local checks kept per graph"

    doc, other = docs[1], docs[2]
    original, other_text = doc.read_text(encoding="utf-8"), other.read_text(encoding="utf-8")
    source = corpus / "data" / "sources" / f"{doc.stem}.txt"
    source_text = source.read_text(encoding="utf-8")
    shapes = corpus / "ontology" / "shapes.ttl"
    shapes_text = shapes.read_text(encoding="utf-8")

    def edit(path: Path, text: str) -> list[str]:
        path.write_text(text, encoding="utf-8")
        return _same(capsys, corpus)

    # an ill-typed date (the literal gate), then a date one year off (a graph-local check)
    bad = re.sub(r'"(\d{4})-(\d\d)-(\d\d)"\^\^xsd:date', '"2020-13-45"^^xsd:date', original, count=1)
    assert bad != original
    notices = edit(doc, bad)
    assert any("changed since the last run" in n and doc.name in n for n in notices)
    off = re.sub(r'"(\d{4})-(\d\d)-(\d\d)"\^\^xsd:date', lambda m: f'"{int(m.group(1)) - 1}-{m.group(2)}-{m.group(3)}"^^xsd:date',
                 original, count=1)
    edit(doc, off)
    # a fact without its evidence, in another document; then both fixed
    no_evidence = re.sub(r"\n\s*qg:evidence [^;.\n]+;", "\n", other_text, count=1)
    assert no_evidence != other_text
    edit(other, no_evidence)
    edit(doc, original)
    edit(other, other_text)
    # a document removed, then added back
    doc.unlink()
    _same(capsys, corpus)
    edit(doc, original)
    # its source text changed (a passage no longer found), then put back
    words = source_text.split()
    edit(source, source_text.replace(words[len(words) // 2], "XYZZY"))
    source.unlink()
    _same(capsys, corpus)
    edit(source, source_text)
    # the shapes: a shape made a warning, then back
    assert "sh:Violation" in shapes_text
    edit(shapes, shapes_text.replace("sh:Violation", "sh:Warning", 1))
    edit(shapes, shapes_text)
    # a check of the corpus's own that is not graph-local (IRIs only: a blank node's label is
    # new on every parse, with or without the cache)
    checks = corpus / "queries" / "checks"
    checks.mkdir(parents=True, exist_ok=True)
    (checks / "no-label-violation.rq").write_text(
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT ?x WHERE { ?x a ?t . FILTER(isIRI(?x)) FILTER NOT EXISTS { ?x rdfs:label ?l } }\n", encoding="utf-8")
    _same(capsys, corpus)
    # after all that, the cache still says "nothing changed" on a second run
    assert _same(capsys, corpus) == []


def _problems(capsys: pytest.CaptureFixture, root: Path) -> list[dict]:
    rc, out, _ = validate_in_process(capsys, root, "--format", "json", "--no-cache")
    return json.loads(out)["problems"]


def test_kept_locations_follow_the_files_that_state_the_node(corpus: Path, capsys: pytest.CaptureFixture):
    """Where a SHACL result is written is kept under the files that state its focus node: when
    an unchanged file's node is stated in an edited file too, the result may move there."""
    docs = _docs(corpus)
    _same(capsys, corpus)
    assert _memo(corpus)["where"], "the results' locations are kept"
    # a violation about a missing property (no file has a triple with its path: the first file,
    # in order, that states the node is where it is written), in a document other than the first
    missing = [p for p in _problems(capsys, corpus) if p["severity"] == "Violation" and p["shape"].startswith("qgsh:")
               and p["component"] == "sh:MinCountConstraintComponent" and p["file"] != f"data/{docs[0].name}"
               and p["focus"].startswith("qgid:")]
    assert missing, "the synthetic corpus has a planted missing property"
    focus = missing[0]["focus"]
    first = docs[0].read_text(encoding="utf-8")
    docs[0].write_text(first + f'\n{focus} rdfs:comment "also stated here"@en .\n', encoding="utf-8")
    _same(capsys, corpus)
    moved = [p for p in _problems(capsys, corpus) if p["focus"] == focus and p["shape"] == missing[0]["shape"]]
    assert moved and moved[0]["file"] == f"data/{docs[0].name}", "the result is now written in the first file"
    docs[0].write_text(first, encoding="utf-8")
    _same(capsys, corpus)


def test_kept_footprints_follow_the_shapes_that_select_nothing(corpus: Path, capsys: pytest.CaptureFixture):
    """The "shape selects nothing" warnings come from what each file holds, kept per file: a
    target appearing in (then removed from) one edited file shows in the verdict."""
    docs = _docs(corpus)
    _same(capsys, corpus)
    assert len(_memo(corpus)["footprint"]) == len(docs), "one footprint per data file"
    unused = [p for p in _problems(capsys, corpus) if p["shape"] == "check:shape-selects-nothing"
              and "sh:targetSubjectsOf qg:yearStated" in p["message"]]
    assert unused, "the synthetic corpus has no qg:yearStated"
    text = docs[1].read_text(encoding="utf-8")
    docs[1].write_text(text + '\nqgid:a-year-stated qg:yearStated "2020"^^xsd:gYear .\n', encoding="utf-8")
    _same(capsys, corpus)
    assert not [p for p in _problems(capsys, corpus) if p["shape"] == "check:shape-selects-nothing"
                and "sh:targetSubjectsOf qg:yearStated" in p["message"]], "the shape selects a node now"
    docs[1].write_text(text, encoding="utf-8")
    _same(capsys, corpus)
    assert [p for p in _problems(capsys, corpus) if p["shape"] == "check:shape-selects-nothing"
            and "sh:targetSubjectsOf qg:yearStated" in p["message"]], "and nothing again"


def test_footprints_are_kept_as_positions_in_one_list_of_iris(corpus: Path, capsys: pytest.CaptureFixture):
    """Each file's footprint is kept as positions in one list of IRIs, not with the IRIs spelt
    out in each (at 1M triples they were 5.7 of the state's 10 MB); a list that no longer reads
    (emptied: every position points nowhere) has the footprints computed again, the verdict
    unchanged."""
    from qgraph.checks.cache import _hash

    _same(capsys, corpus)
    memo = _memo(corpus)
    iris = memo["footprint-terms"]["iris"][1]
    assert iris and all(isinstance(i, str) for i in iris)
    prints = [entry[1] for entry in memo["footprint"].values()]
    assert prints and all(isinstance(i, int) and 0 <= i < len(iris) for fp in prints for i in fp["p"] + fp["t"])
    assert any(fp["p"] for fp in prints)
    path = corpus / CACHE_DIR / STATE
    state = json.loads(path.read_bytes().partition(b"\n")[2])
    state["memo"]["footprint-terms"]["iris"][1] = []
    body = json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    path.write_bytes(_hash(body).encode("ascii") + b"\n" + body)
    doc = _docs(corpus)[0]  # an edit, so that the run does not stop at the last verdict
    doc.write_text(doc.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    _same(capsys, corpus)
    again = _memo(corpus)
    assert again["footprint-terms"]["iris"][1], "the footprints computed again, and their IRIs listed"
    assert len(again["footprint"]) == len(prints)


KEPT = "SHACL: the last results kept"


def test_shacl_results_kept_but_for_the_nodes_an_edit_reaches(corpus: Path, capsys: pytest.CaptureFixture):
    """After an edit, the SHACL results are the last run's but for the focus nodes the edited
    file can reach, validated again; reached across files: a membership in one document whose
    member is typed in another loses its member's type when that other document is edited."""
    docs = _docs(corpus)
    member_doc, typing_doc = docs[2], docs[1]
    member_doc.write_text(member_doc.read_text(encoding="utf-8") + (
        "\nqgid:ec-membership a org:Membership ; org:member qgid:ec-agent .\n"), encoding="utf-8")
    typed = typing_doc.read_text(encoding="utf-8")
    typing_doc.write_text(typed + '\nqgid:ec-agent a foaf:Agent ; rdfs:label "An agent"@en .\n', encoding="utf-8")
    _same(capsys, corpus)

    def wrong_member() -> list[dict]:
        return [p for p in _problems(capsys, corpus) if p["focus"] == "qgid:ec-membership"
                and p["shape"] == "qgsh:Membership-member"]

    assert not wrong_member(), "the member is a foaf:Agent"
    typing_doc.write_text(typed + '\nqgid:ec-agent rdfs:label "An agent"@en .\n', encoding="utf-8")
    _, _, err = validate_in_process(capsys, corpus, "--progress")
    assert KEPT in err, "validated again only near the edit"
    assert _same(capsys, corpus) == []
    found = wrong_member()
    assert found and found[0]["file"] == f"data/{member_doc.name}", "the unchanged document's membership fails"
    typing_doc.write_text(typed + '\nqgid:ec-agent a foaf:Agent ; rdfs:label "An agent"@en .\n', encoding="utf-8")
    _, _, err = validate_in_process(capsys, corpus, "--progress")
    assert KEPT in err
    assert _same(capsys, corpus) == []
    assert not wrong_member()


def test_shacl_results_kept_but_for_a_node_read_through_sh_node(corpus: Path, capsys: pytest.CaptureFixture):
    """sh:node reads the value's own triples: a provision in one document whose topic's scheme
    is stated in another fails when that other document moves the topic to another scheme."""
    docs = _docs(corpus)
    member_doc, typing_doc = docs[2], docs[1]
    member_doc.write_text(member_doc.read_text(encoding="utf-8") + (
        "\nqgid:ec-provision a qg:Provision ; qg:topic qgid:ec-topic .\n"), encoding="utf-8")
    typed = typing_doc.read_text(encoding="utf-8")
    concept = '\nqgid:ec-topic a skos:Concept ; skos:prefLabel "A topic"@en ; skos:inScheme qgid:{} .\n'
    typing_doc.write_text(typed + concept.format("scheme-topics"), encoding="utf-8")
    _same(capsys, corpus)

    def wrong_topic() -> list[dict]:
        return [p for p in _problems(capsys, corpus) if p["focus"] == "qgid:ec-provision"
                and p["shape"] == "qgsh:Provision-topic"]

    assert not wrong_topic(), "the topic is in the topics scheme"
    typing_doc.write_text(typed + concept.format("scheme-technology-areas"), encoding="utf-8")
    _, _, err = validate_in_process(capsys, corpus, "--progress")
    assert KEPT in err, "validated again only near the edit"
    assert _same(capsys, corpus) == []
    found = wrong_topic()
    assert found and found[0]["file"] == f"data/{member_doc.name}", "the unchanged document's provision fails"


def test_kept_shacl_results_follow_the_links(corpus: Path, capsys: pytest.CaptureFixture):
    """The links (data/links/, beside the documents) are part of the validated union: a change
    there is never taken for an unchanged corpus by the kept SHACL results."""
    _same(capsys, corpus)
    links = corpus / "data" / "links" / "links.ttl"
    links.parent.mkdir(exist_ok=True)
    links.write_text("@prefix org: <http://www.w3.org/ns/org#> .\n"
                     "<https://w3id.org/qgraph/id/ec-linked-membership> a org:Membership .\n", encoding="utf-8")
    _same(capsys, corpus)
    assert [p for p in _problems(capsys, corpus) if p["focus"] == "qgid:ec-linked-membership"], \
        "the membership in the links fails its shapes"
    links.unlink()
    _same(capsys, corpus)


@pytest.mark.parametrize("damage", ["missing", "garbage", "other-content", "left-by-a-killed-run"])
def test_damaged_copy_of_a_data_file_is_not_trusted(corpus: Path, capsys: pytest.CaptureFixture, damage: str):
    """The copy of a data file the cache keeps (to know what an edit changed) that is missing,
    damaged or of other content is never used: the SHACL step validates everything; a
    temporary copy left by a stopped run is removed."""
    from qgraph.checks.cache import SNAPSHOTS, _hash

    docs = _docs(corpus)
    _same(capsys, corpus)
    folder = corpus / CACHE_DIR / SNAPSHOTS
    copies = sorted(folder.glob("*.ttl"))
    assert len(copies) == len(docs), "one copy per data file"
    text = docs[0].read_text(encoding="utf-8")
    copy = folder / f"{_hash(docs[0].read_bytes())}.ttl"
    assert copy.is_file()
    left = folder / f".{copy.name}.999999999.tmp"
    if damage == "missing":
        copy.unlink()
    elif damage == "garbage":
        copy.write_bytes(os.urandom(512))
    elif damage == "other-content":  # parses, but is not the content its name says
        copy.write_text(docs[1].read_text(encoding="utf-8"), encoding="utf-8")
    else:
        left.write_bytes(b"half a copy")
    docs[0].write_text(re.sub(r'"(\d{4})-', lambda m: f'"{int(m.group(1)) - 1}-', text, count=1), encoding="utf-8")
    _, _, err = validate_in_process(capsys, corpus, "--progress")
    assert (KEPT in err) == (damage == "left-by-a-killed-run"), err
    assert _same(capsys, corpus) == []
    assert not left.exists(), "a stopped run's temporary copy is removed"
    docs[0].write_text(text, encoding="utf-8")
    _, _, err = validate_in_process(capsys, corpus, "--progress")
    assert KEPT in err, "the copies are whole again"
    assert _same(capsys, corpus) == []


def test_the_whole_command_in_new_processes(corpus: Path, cli_env: dict[str, str]):
    def run(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "qgraph", "validate", "--root", str(corpus), *extra],
                              capture_output=True, text=True, env=cli_env, timeout=600)

    fresh = run("--no-cache")
    cold, warm = run(), run()
    assert (cold.returncode, cold.stdout) == (warm.returncode, warm.stdout) == (fresh.returncode, fresh.stdout)
    doc = _docs(corpus)[0]
    doc.write_text(doc.read_text(encoding="utf-8").replace("@en", "@en", 1) + "\n# edited\n", encoding="utf-8")
    edited = run()
    assert "changed since the last run" in edited.stderr
    assert (edited.returncode, edited.stdout) == (fresh.returncode, fresh.stdout)


def test_stale_file_changed_behind_the_caches_back(corpus: Path, capsys: pytest.CaptureFixture):
    """A file rewritten with its size and mtime put back is seen (its ctime changed)."""
    _same(capsys, corpus)
    doc = _docs(corpus)[0]
    text = doc.read_text(encoding="utf-8")
    st = doc.stat()
    bad = re.sub(r'"(\d{4})-(\d\d)-(\d\d)"\^\^xsd:date', '"2020-13-45"^^xsd:date', text, count=1)
    assert len(bad.encode()) == len(text.encode()) and bad != text
    doc.write_text(bad, encoding="utf-8")
    os.utime(doc, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert doc.stat().st_mtime_ns == st.st_mtime_ns and doc.stat().st_size == st.st_size
    # and the cache believes it was written long after the file (outside the racy window)
    path = corpus / CACHE_DIR / STATE
    state = json.loads(path.read_bytes().partition(b"\n")[2])
    state["written_ns"] += 3_600 * 10**9
    body = json.dumps(state).encode()
    path.write_bytes(cache_mod._hash(body).encode() + b"\n" + body)
    notices = _same(capsys, corpus)
    assert any("changed since the last run" in n and doc.name in n for n in notices)
    rc, out, _ = validate_in_process(capsys, corpus)
    assert "ill-typed" in out


def _rewrite_state(root: Path, change) -> None:
    path = root / CACHE_DIR / STATE
    state = json.loads(path.read_bytes().partition(b"\n")[2])
    change(state)
    body = json.dumps(state).encode()
    path.write_bytes(cache_mod._hash(body).encode() + b"\n" + body)


@pytest.mark.parametrize("damage", [None, "not-a-compilation", "a-check-of-numbers", "subclass-pairs-of-numbers",
                                    "reading-predicates-not-lists"])
def test_the_shapes_are_kept_compiled(corpus: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch,
                                      damage: str | None):
    """The shapes compiled to SPARQL are kept under the shapes file's hash: the next run after an
    edit compiles nothing (1M triples: ~30 ms of each edit-check), and says what the uncached
    run says. A kept compilation that is not one is compiled again, never used."""
    from qgraph.checks import shacl

    docs = _docs(corpus)
    _same(capsys, corpus)
    kept = _memo(corpus)["compiled"]["shapes"]
    assert isinstance(kept, list) and kept[1]["checks"], "the compiled checks are kept"
    compiled = []
    real = shacl.Shapes._compile
    monkeypatch.setattr(shacl.Shapes, "_compile", lambda self: (compiled.append(1), real(self))[1])
    if damage == "not-a-compilation":
        _rewrite_state(corpus, lambda s: s["memo"]["compiled"]["shapes"].__setitem__(1, {"checks": 3}))
    elif damage == "a-check-of-numbers":
        _rewrite_state(corpus, lambda s: s["memo"]["compiled"]["shapes"][1]["checks"].__setitem__(0, [1] * 9))
    elif damage == "subclass-pairs-of-numbers":
        _rewrite_state(corpus, lambda s: s["memo"]["compiled"]["shapes"][1].__setitem__("sub", [[1, 2]]))
    elif damage == "reading-predicates-not-lists":
        _rewrite_state(corpus, lambda s: s["memo"]["compiled"]["shapes"][1].__setitem__("reading", ["a", "b", "c", "d"]))
    text = docs[1].read_text(encoding="utf-8")
    docs[1].write_text(text + '\nqgid:one-more rdfs:label "one more"@en .\n', encoding="utf-8")
    validate_in_process(capsys, corpus)  # with the cache: what it kept compiled is used, or not
    assert len(compiled) == (0 if damage is None else 1)
    assert _memo(corpus)["compiled"]["shapes"] == kept, "kept as compiled"
    _same(capsys, corpus)


def test_compiled_shapes_read_back_are_the_shapes_compiled():
    """Shapes.from_compiled(Shapes.compiled()), through JSON, is the compilation itself: every
    check (its raw datatype included), target, SPARQL constraint and raw predicate."""
    from rdflib import Graph

    from qgraph.checks import shacl
    from qgraph.project import resources

    g = Graph().parse(resources() / "ontology" / "shapes.ttl")
    g.parse(data="<urn:x:a> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <urn:x:b> .\n"
                 "<urn:x:c> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <urn:x:a> .", format="nt")
    shapes = shacl.Shapes(g)
    assert shapes.checks and shapes.raw_predicates, "the shipped shapes check raw literals"
    back = shacl.Shapes.from_compiled(g, json.loads(json.dumps(shapes.compiled())))
    assert back.compiled() == shapes.compiled()
    # read back with a function for the graph: the graph is not made to find a class's subclasses
    unread = shacl.Shapes.from_compiled(lambda: pytest.fail("the shapes graph was made"),
                                        json.loads(json.dumps(shapes.compiled())))
    classes = {o for _, o in shapes.compiled()["sub"]}
    assert classes == {"urn:x:a", "urn:x:b"}
    assert all(unread._subclasses(c) == shapes._subclasses(c) for c in classes | {"urn:x:none"})
    assert back.checks == shapes.checks and back.targets == shapes.targets and back.local == shapes.local
    assert [getattr(c, "raw_datatype", None) for c in back.checks] == [getattr(c, "raw_datatype", None)
                                                                       for c in shapes.checks]
    assert back.sparql_constraints == shapes.sparql_constraints and back.raw_predicates == shapes.raw_predicates


def test_cache_of_another_version_is_rebuilt(corpus: Path, capsys: pytest.CaptureFixture):
    _same(capsys, corpus)
    # another version whose verdict would be wrong: it must not be used
    _rewrite_state(corpus, lambda s: (s["version"].update(qgraph="0.0.1"),
                                      [v[1].clear() for v in s["verdicts"].values()]))
    notices = _same(capsys, corpus)
    assert notices[0] == f"qgraph: cache {CACHE_DIR}/{STATE} made by another version of qgraph: rebuilt"
    assert len(notices) == 1, "one notice; the rebuilt cache is used from then on"
    assert _same(capsys, corpus) == []


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "valid-json-wrong-hash", "wrong-shape"])
def test_damaged_cache_is_rebuilt(corpus: Path, capsys: pytest.CaptureFixture, damage: str):
    _same(capsys, corpus)
    path = corpus / CACHE_DIR / STATE
    raw = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "garbage":
        path.write_bytes(os.urandom(4096))
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "valid-json-wrong-hash":  # a verdict emptied by hand: the hash no longer matches
        state = json.loads(raw.partition(b"\n")[2])
        for v in state["verdicts"].values():
            v[1].clear()
        path.write_bytes(raw.partition(b"\n")[0] + b"\n" + json.dumps(state).encode())
    else:
        _rewrite_state(corpus, lambda s: s.pop("memo"))
    notices = _same(capsys, corpus)
    assert len(notices) == 1 and notices[0].startswith(f"qgraph: cache {CACHE_DIR}/{STATE} damaged")
    assert notices[0].endswith(": rebuilt")
    assert _same(capsys, corpus) == []  # rebuilt: trusted again


def test_run_killed_while_writing_leaves_the_old_state(corpus: Path, capsys: pytest.CaptureFixture,
                                                       cli_env: dict[str, str]):
    """The state is written to a temporary file and renamed: a run killed before the rename
    leaves the earlier state whole (and its temporary file is removed by the next run)."""
    _same(capsys, corpus)
    before = (corpus / CACHE_DIR / STATE).read_bytes()
    doc = _docs(corpus)[0]
    doc.write_text(doc.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    # killed as the state is renamed into place (the data files' copies, written before on a
    # thread of their own, are renamed as usual)
    killer = ("import os, sys\nreplace = os.replace\n"
              f"os.replace = lambda a, b: os._exit(9) if str(b).endswith({STATE!r}) else replace(a, b)\n"
              "from qgraph.cli import main\n"
              f"main(['validate', '--root', {str(corpus)!r}])\n")
    p = subprocess.run([sys.executable, "-c", killer], capture_output=True, env=cli_env, timeout=600)
    assert p.returncode == 9
    leftovers = list((corpus / CACHE_DIR).glob(f".{STATE}.*.tmp"))
    assert len(leftovers) == 1, "killed after writing the temporary file"
    assert (corpus / CACHE_DIR / STATE).read_bytes() == before
    leftovers[0].write_bytes(leftovers[0].read_bytes()[:100])  # and half-written
    notices = _same(capsys, corpus)
    assert any("changed since the last run" in n for n in notices)
    assert not list((corpus / CACHE_DIR).glob(f".{STATE}.*.tmp")), "the dead run's temporary file removed"


def test_run_stopped_while_writing_removes_its_temporary_state(corpus: Path, capsys: pytest.CaptureFixture,
                                                               cli_env: dict[str, str]):
    """Regression: a run stopped (SIGTERM, Ctrl-C) between writing the state's temporary file and
    renaming it left that file for a later run to remove; it now removes it, the earlier state
    whole, and exits 143 (SIGTERM)."""
    _same(capsys, corpus)
    before = (corpus / CACHE_DIR / STATE).read_bytes()
    doc = _docs(corpus)[0]
    doc.write_text(doc.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    stopper = ("import os, signal, sys\nreplace = os.replace\n"
               "def stop(a, b):\n"
               f"    if str(b).endswith({STATE!r}):\n"
               "        os.kill(os.getpid(), signal.SIGTERM)\n"
               "    return replace(a, b)\n"
               "os.replace = stop\n"
               "from qgraph.cli import main\n"
               f"sys.exit(main(['validate', '--root', {str(corpus)!r}]))\n")
    p = subprocess.run([sys.executable, "-c", stopper], capture_output=True, text=True, env=cli_env, timeout=600)
    assert p.returncode == 143, (p.returncode, p.stderr)
    assert "Traceback" not in p.stderr, p.stderr
    assert not list((corpus / CACHE_DIR).glob(f".{STATE}.*.tmp"))
    assert (corpus / CACHE_DIR / STATE).read_bytes() == before


def test_unusable_cache_folder_is_a_notice_not_a_crash(corpus: Path, capsys: pytest.CaptureFixture):
    # the cache folder's name taken by a file: nothing can be written
    (corpus / CACHE_DIR).write_text("not a folder", encoding="utf-8")
    notices = _same(capsys, corpus)
    assert any("not writable" in n for n in notices)
    assert all("not writable" in n or "unreadable" in n for n in notices)
    assert (corpus / CACHE_DIR).read_text(encoding="utf-8") == "not a folder"
    # the state's name taken by a folder: unreadable and unwritable
    (corpus / CACHE_DIR).unlink()
    (corpus / CACHE_DIR / STATE).mkdir(parents=True)
    notices = _same(capsys, corpus)
    assert any("unreadable" in n for n in notices) and any("not writable" in n for n in notices)


def test_permission_denied_is_a_notice(corpus: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch):
    _same(capsys, corpus)

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cache_mod.os, "replace", denied)
    doc = _docs(corpus)[0]
    doc.write_text(doc.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    notices = _same(capsys, corpus)
    assert any("not writable (Permission denied)" in n for n in notices)
    assert not list((corpus / CACHE_DIR).glob(f".{STATE}.*.tmp")), "no temporary file left behind"


def test_read_only_cache_folder(corpus: Path, capsys: pytest.CaptureFixture):
    if os.geteuid() == 0:  # root reads and writes any folder: run the command as an unprivileged user
        return _read_only_as_nobody(corpus)
    _same(capsys, corpus)
    folder = corpus / CACHE_DIR
    folder.chmod(0o500)
    (folder / STATE).chmod(0o000)
    try:
        notices = _same(capsys, corpus)
        assert any("unreadable" in n for n in notices)
    finally:
        (folder / STATE).chmod(0o600)
        folder.chmod(0o700)


def test_cache_folder_is_git_ignored():
    assert ".qgraph-cache/" in (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_graph_local_checks_are_recognised():
    shipped = {p.name: graph_local(p.read_text(encoding="utf-8")) for p in (REPO / "queries" / "checks").glob("*.rq")}
    assert len(shipped) >= 10, "the shipped checks are found"
    assert shipped["date-without-derivation-violation.rq"] == "graph"
    assert shipped["fact-property-without-supporting-evidence-violation.rq"] == "graph"
    assert shipped["dangling-reference-violation.rq"] is None  # reads the union graph
    assert shipped["duplicate-entity-violation.rq"] is None  # an aggregate
    ok = ["SELECT ?g ?x WHERE { GRAPH ?g { ?x ?p ?o } MINUS { GRAPH ?g { ?x a ?t } } FILTER(?x != 3) }",
          "SELECT ?g ?x WHERE { GRAPH ?g { ?x ?p ?o } OPTIONAL { GRAPH ?g { ?x a ?t } } } ORDER BY ?g",
          "SELECT ?g ?x WHERE { GRAPH ?g { ?x ?p ?o } FILTER(NOT EXISTS { GRAPH ?g { ?x a ?t } }) }",
          "SELECT ?graph WHERE { GRAPH ?graph { ?x <urn:graph> \"GRAPH ?h { }\" } }",
          "SELECT ?x ?g WHERE { GRAPH ?g { ?x ?p ?o OPTIONAL { ?o ?q ?v } } } GROUP BY ?x ?g "
          "HAVING (SUM(IF(BOUND(?v), 1, 0)) = 0) ORDER BY ?g",
          # a subquery selecting the graph variable, itself graph-local (nested too)
          "SELECT ?g ?x WHERE { GRAPH ?g { ?x ?p ?o } MINUS { SELECT ?g ?x WHERE { GRAPH ?g { ?x a ?t } } } }",
          "SELECT ?g ?x WHERE { GRAPH ?g { ?x ?p ?o } { SELECT DISTINCT ?x ?g WHERE { GRAPH ?g { ?x a ?t } "
          "MINUS { SELECT ?g ?x WHERE { GRAPH ?g { ?x ?q ?t } } } } } }"]
    refused = ["SELECT ?g ?x WHERE { GRAPH ?g { ?x ?p ?o } FILTER(NOT EXISTS { ?x ?p ?o }) }",
               "SELECT ?g ?x WHERE { GRAPH ?g { ?x ?p ?o } FILTER NOT EXISTS { ?x a ?t } }",
               "SELECT ?g ?x WHERE { GRAPH ?g { ?x ?p ?o } MINUS { ?x a ?t } }",
               "SELECT ?g ?x WHERE { GRAPH ?g { ?x ?p ?o GRAPH ?h { ?x a ?t } } }",
               "SELECT ?g ?x WHERE { GRAPH ?g { ?x ?p ?o } ?x a ?t }",
               "SELECT ?g ?x WHERE { GRAPH ?g { ?x ?p ?o } MINUS { GRAPH ?h { ?x a ?t } } }",
               "SELECT ?g ?x WHERE { GRAPH ?g { ?x ?p ?o } MINUS { GRAPH <urn:x> { ?x a ?t } } }",
               "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?x ?p ?o } }",
               "SELECT ?g ?x WHERE { GRAPH ?g { ?x ?p ?o } } LIMIT 3",
               "SELECT ?g ?x WHERE { GRAPH ?g { ?x ?p ?o } { SELECT ?x WHERE { ?x a ?t } } }",
               "SELECT ?g ?x WHERE { GRAPH ?g { ?x ?p ?o } } VALUES ?x { <urn:a> }",
               "SELECT ?g ?x WHERE { { GRAPH ?g { ?x ?p ?o } } UNION { ?x ?p ?o } }",
               "SELECT ?g ?x WHERE { ?x ?p ?o GRAPH ?g { ?x ?p ?o } }",
               # groups across graphs; a pattern in HAVING (reads the default graph)
               "SELECT ?x WHERE { GRAPH ?g { ?x ?p ?o } } GROUP BY ?x HAVING (COUNT(?o) = 1)",
               "SELECT ?x ?g WHERE { GRAPH ?g { ?x ?p ?o } } GROUP BY ?x ?g HAVING (EXISTS { ?x a ?t })",
               "SELECT ?x ?g WHERE { GRAPH ?g { ?x ?p ?o } } GROUP BY ?x ?g LIMIT 3",
               # subqueries: not selecting the graph variable, another graph variable, reading the
               # default graph, a LIMIT, an aggregate, all variables, first in the WHERE clause
               "SELECT ?g ?x WHERE { GRAPH ?g { ?x ?p ?o } MINUS { SELECT ?x WHERE { GRAPH ?g { ?x a ?t } } } }",
               "SELECT ?g ?x WHERE { GRAPH ?g { ?x ?p ?o } MINUS { SELECT ?h ?x WHERE { GRAPH ?h { ?x a ?t } } } }",
               "SELECT ?g ?x WHERE { GRAPH ?g { ?x ?p ?o } MINUS { SELECT ?g ?x WHERE { GRAPH ?g { ?x a ?t } ?x ?p ?o } } }",
               "SELECT ?g ?x WHERE { GRAPH ?g { ?x ?p ?o } MINUS { SELECT ?g ?x WHERE { GRAPH ?g { ?x a ?t } } LIMIT 1 } }",
               "SELECT ?g ?x WHERE { GRAPH ?g { ?x ?p ?o } { SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?x a ?t } } "
               "GROUP BY ?g } }",
               "SELECT ?g ?x WHERE { GRAPH ?g { ?x ?p ?o } MINUS { SELECT * WHERE { GRAPH ?g { ?x a ?t } } } }",
               "SELECT ?g ?x WHERE { { SELECT ?g ?x WHERE { GRAPH ?g { ?x a ?t } } } GRAPH ?g { ?x ?p ?o } }",
               "SELECT ?g ?x WHERE { GRAPH ?g { ?x ?p ?o } MINUS { SELECT ?g ?x WHERE { GRAPH ?g { ?x a ?t } } }"]
    assert [graph_local(q) for q in ok] == ["g", "g", "g", "graph", "g", "g", "g"]
    assert [graph_local(q) for q in refused] == [None] * len(refused)


def _read_only_as_nobody(corpus: Path) -> None:
    """The read-only case for a root test run: ``qgraph validate`` in new processes started by
    util-linux's ``setpriv`` without the capabilities that let root ignore file permissions
    (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), the cache folder read-only and its state unreadable:
    the same report as --no-cache, a notice, no crash."""
    import subprocess
    import sys

    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed to test a read-only folder as root"
    drop = "-dac_override,-dac_read_search"

    def run(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([setpriv, f"--inh-caps={drop}", f"--bounding-set={drop}", sys.executable, "-m",
                               "qgraph", "validate", "--root", str(corpus), *extra],
                              capture_output=True, text=True, timeout=600)

    first = run()
    assert "Traceback" not in first.stderr, first.stderr
    folder = corpus / CACHE_DIR
    assert (folder / STATE).is_file(), first.stderr
    (folder / STATE).chmod(0o000)
    folder.chmod(0o500)
    try:
        cached, fresh = run(), run("--no-cache")
        assert (cached.returncode, cached.stdout) == (fresh.returncode, fresh.stdout)
        assert "Traceback" not in cached.stderr
        assert "unreadable" in cached.stderr, cached.stderr
    finally:
        (folder / STATE).chmod(0o600)
        folder.chmod(0o700)


def test_copies_of_the_data_files_are_written_beside_the_checks(corpus: Path, capsys: pytest.CaptureFixture,
                                                                  monkeypatch: pytest.MonkeyPatch):
    """At a cold cache the copy of every data file (for the next run's diff) is written on a thread
    of its own, started before the corpus is loaded, while the run goes on (a build's exports:
    ~1.3 s at 1M triples that it spent after them), and is complete once the state is saved; a
    run stopped before saving leaves a git-ignored folder."""
    from qgraph.corpus import loading

    calls: list[tuple[str, set[str]]] = []
    write = cache_mod._write_copies
    order: list[str] = []
    copy, load = cache_mod.Memo._copy, loading.load

    def kept(self, wanted: dict) -> None:  # the copies asked for (each run's first: every data file)
        order.append(f"copies of {len(wanted)}")
        copy(self, wanted)

    def loaded(*args: object) -> object:
        order.append("load")
        return load(*args)

    monkeypatch.setattr(cache_mod.Memo, "_copy", kept)
    monkeypatch.setattr(loading, "load", loaded)

    def recording(folder: Path, wanted: dict, quiet: bool = True, made: list | None = None) -> set[str]:
        import threading

        calls.append((threading.current_thread().name, {p.name for p in wanted.values()}))
        return write(folder, wanted, quiet, made)

    monkeypatch.setattr(cache_mod, "_write_copies", recording)
    _same(capsys, corpus)
    docs = {p.name for p in _docs(corpus)}
    assert calls and calls[0] == ("qgraph-copies", docs)
    assert order[:2] == [f"copies of {len(docs)}", "load"], order  # started before the corpus loads
    copies = {p.name for p in (corpus / CACHE_DIR / "files").glob("*.ttl")}
    assert len(copies) == len(docs)
    # a run stopped before its state is saved: the copies' folder is git-ignored already
    other = corpus.parent / "other"
    other.mkdir()
    memo = cache_mod.Memo({})
    memo.dir = other / CACHE_DIR
    memo.keep_copies({cache_mod._hash(p.read_bytes()): p for p in _docs(corpus)})
    memo.copies_written()
    assert (other / CACHE_DIR / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    assert len(list((other / CACHE_DIR / "files").glob("*.ttl"))) == len(docs)
    # a run that keeps no SHACL results (pySHACL) wants no copy: those started are removed
    shutil.rmtree(corpus / CACHE_DIR)
    validate_in_process(capsys, corpus, "--validator", "pyshacl")
    assert (corpus / CACHE_DIR / STATE).is_file()
    assert not list((corpus / CACHE_DIR / "files").glob("*.ttl"))


@pytest.mark.parametrize("command", ["validate", "build"])
def test_a_run_that_fails_leaves_no_cache_behind(corpus: Path, tmp_path: Path, cli_env: dict[str, str], command: str):
    """The copies of the data files are written from the start of a run; a run that then fails
    (a malformed data file: at loading; a malformed check: after SHACL) removes what writing them
    made, and the corpus is as it was (cold: no cache folder; warm: the same cache)."""
    from tests.conftest import tree_snapshot

    extra = ["--out", str(tmp_path / "dist")] if command == "build" else []
    checks = corpus / "queries" / "checks"
    checks.mkdir(parents=True, exist_ok=True)
    broken = checks / "broken-violation.rq"
    doc = _docs(corpus)[0]
    text = doc.read_text(encoding="utf-8")
    for warm in (False, True):
        if warm:
            r = subprocess.run([sys.executable, "-m", "qgraph", "validate", "--root", str(corpus)],
                               capture_output=True, text=True, env=cli_env)
            assert r.returncode in (0, 1), r.stderr
            assert (corpus / CACHE_DIR / "files").is_dir()
        for break_it, mend in ((lambda: doc.write_text(text + "\nthis is not turtle\n", encoding="utf-8"),
                                lambda: doc.write_text(text, encoding="utf-8")),
                               (lambda: broken.write_text("SELECT ?x WHERE { ?x", encoding="utf-8"),
                                lambda: broken.unlink())):
            break_it()
            before = tree_snapshot(corpus)
            r = subprocess.run([sys.executable, "-m", "qgraph", command, "--root", str(corpus), *extra],
                               capture_output=True, text=True, env=cli_env)
            assert r.returncode == 2, r.stdout + r.stderr
            assert tree_snapshot(corpus) == before, f"{command} (warm: {warm}) changed the corpus"
            assert warm or not (corpus / CACHE_DIR).exists()
            mend()


def test_rows_are_the_fields_in_order():
    """What the cache keeps of a problem or a SHACL result: its fields in order, as
    ``dataclasses.astuple`` gives them (without its deep copy)."""
    from dataclasses import astuple

    from qgraph.checks.cache import problem, problem_row, row
    from qgraph.checks.report import Problem
    from qgraph.checks.shacl import Result

    p = Problem("data/x.ttl", 3, "Violation", "qgsh:S", "qgid:a", "qg:p", "why", "v", "sh:X", "en")
    assert problem_row(p) == list(astuple(p)) and problem(problem_row(p)) == p
    r = Result("<urn:a>", "<urn:p>", "urn:shape", "sh:Violation", "sh:X", '"v"', "why", "en")
    assert row(r) == list(astuple(r)) and Result(*row(r)) == r


def test_the_state_and_the_kept_store_are_written_as_the_stdlib_json_writes_them(
        corpus: Path, capsys: pytest.CaptureFixture):
    """orjson writes the cache's state and the kept store's JSON (at 1M: 0.04-0.055 s -> 0.009 s
    for the state's 10 MB): the same bytes as ``json.dumps(..., separators=(",", ":"),
    ensure_ascii=False)``, so a cache written before reads the same and its hash holds."""
    import re

    from qgraph.checks import kept_store

    doc = _docs(corpus)[0]  # an ill-typed date beyond ASCII: its problem row is in the state
    text, n = re.subn(r'"(\d{4}-\d\d-\d\d)"\^\^xsd:date', r'"\1Ø"^^xsd:date', doc.read_text(encoding="utf-8"), count=1)
    assert n == 1
    doc.write_text(text, encoding="utf-8")
    rc, _, _ = validate_in_process(capsys, corpus)
    kept_store.settled(corpus / CACHE_DIR)
    files = [corpus / CACHE_DIR / STATE] + sorted((corpus / CACHE_DIR / kept_store.STORE).glob("*.json"))
    assert len(files) == 3, files
    for path in files:
        raw = path.read_bytes()
        body = raw.partition(b"\n")[2] if path.name == STATE else raw
        value = json.loads(body)
        assert value and json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8") == body
    assert "Ø".encode() in files[0].read_bytes(), "text beyond ASCII written as UTF-8, not escaped"


def test_a_copy_stopped_while_written_leaves_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Regression: a data file's copy in the cache, stopped between its temporary file and the
    rename (Ctrl-C or SIGTERM where the copies are written in the command's own thread), left that
    file for a later run to remove."""
    data = tmp_path / "doc.ttl"
    data.write_bytes(b"<urn:a> <urn:b> <urn:c> .\n")
    folder = tmp_path / CACHE_DIR

    def stop(a: object, b: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cache_mod.os, "replace", stop)
    with pytest.raises(KeyboardInterrupt):
        cache_mod._write_copies(folder, {cache_mod._hash(data.read_bytes()): data}, quiet=False)
    monkeypatch.undo()
    left = [p.name for p in (folder / cache_mod.SNAPSHOTS).iterdir()]
    assert left == [], left


@pytest.mark.parametrize("damage", [None, "not-a-table", "a-row-of-numbers"])
def test_what_is_read_of_the_shapes_graph_is_kept_beside_their_compilation(
        corpus: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, damage: str | None):
    """Besides the compilation, what else a run reads of the shapes graph (the target nodes and
    the table the "shape selects nothing" warnings are made of) is kept under the shapes file's
    hash and the prefixes: a run after an edit makes no graph of the shapes (no rdflib). Kept
    facts that are not such are worked out again, never used; either way the run says what the
    uncached one says."""
    from qgraph.checks import validation

    docs = _docs(corpus)
    _same(capsys, corpus)
    kept = _memo(corpus)["shape-facts"]["shapes"]
    assert kept[1]["unused"]["shapes"], "the table of the shapes with targets is kept"
    made = []
    real = validation.ParsedShapes.graph.func
    monkeypatch.setattr(validation.ParsedShapes, "graph",
                        validation.cached_property(lambda self: (made.append(1), real(self))[1]))
    validation.ParsedShapes.graph.__set_name__(validation.ParsedShapes, "graph")
    if damage == "not-a-table":
        _rewrite_state(corpus, lambda s: s["memo"]["shape-facts"]["shapes"][1].__setitem__("unused", [3]))
    elif damage == "a-row-of-numbers":
        _rewrite_state(corpus, lambda s: s["memo"]["shape-facts"]["shapes"][1]["unused"]["shapes"].__setitem__(
            0, [1, 2, 3, 4]))
    text = docs[1].read_text(encoding="utf-8")
    docs[1].write_text(text + '\nqgid:one-more rdfs:label "one more"@en .\n', encoding="utf-8")
    validate_in_process(capsys, corpus)
    assert len(made) == (0 if damage is None else 1), "the shapes graph is made only to work the facts out again"
    assert _memo(corpus)["shape-facts"]["shapes"] == kept
    _same(capsys, corpus)


def test_a_library_is_told_apart_by_its_installed_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The cache's version names each library by where it is and its top files' names, sizes and
    mtimes (not its version, which ``importlib.metadata`` took ~25 ms of each run to read):
    another version installed, or a module rewritten, makes another version of the cache."""
    import importlib

    pkg = tmp_path / "qgraph_probe_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "qgraph_probe_mod.py").write_text("y = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    first = {name: cache_mod._installed(name) for name in ("qgraph_probe_pkg", "qgraph_probe_mod")}
    assert all(first.values()) and first == {name: cache_mod._installed(name) for name in first}
    (pkg / "__init__.py").write_text("x = 22\n", encoding="utf-8")
    (tmp_path / "qgraph_probe_mod.py").write_text("y = 22\n", encoding="utf-8")
    again = {name: cache_mod._installed(name) for name in first}
    assert all(again[name] != first[name] for name in first)
    assert cache_mod._installed("qgraph_no_such_library") is None
    assert cache_mod.tool_version()["rdflib"] == cache_mod._installed("rdflib") is not None
