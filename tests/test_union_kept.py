"""``qgraph validate`` after an edit keeps the rows of a check reading the default graph alone
when no triple pattern of it may match a triple the edit changed (qgraph.checks.unaffected):
then no child parses the corpus for it. Every verdict is held to the uncached one; the edits
that change a check's rows are run again and found."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from qgraph.checks.unaffected import IRI_ONLY, may_match, patterns
from tests.conftest import validate_in_process

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@pytest.fixture(autouse=True)
def no_other_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in tests/test_fastedit.py: the child is forked only where no other thread runs."""
    import threading

    monkeypatch.setattr(threading, "active_count", lambda: 1)


def test_patterns_of_every_part_of_a_query():
    found = patterns("""PREFIX : <urn:x:>
        SELECT * WHERE {
          ?n ?p ?d . FILTER(isIRI(?d))
          FILTER NOT EXISTS { ?n :e ?ev . FILTER EXISTS { ?ev :s ?p }
                              FILTER(EXISTS { ?ev :d ?h } || EXISTS { ?ev :sel/:ex+ ?x }) }
          MINUS { ?d a [] } OPTIONAL { ?d :q ?z } { SELECT ?d WHERE { ?d ^:w ?y } }
        }""")
    assert found is not None
    assert (None, None, IRI_ONLY) in found  # the filter of its group: objects that are IRIs only
    predicates = {p for _, p, _ in found}
    assert {"urn:x:e", "urn:x:s", "urn:x:d", "urn:x:sel", "urn:x:ex", RDF_TYPE, "urn:x:q", "urn:x:w"} <= predicates


@pytest.mark.parametrize("query", [
    "PREFIX : <urn:x:> SELECT * WHERE { ?a :p* ?b }",      # length zero: the graph's nodes
    "PREFIX : <urn:x:> SELECT * WHERE { ?a :p? ?b }",
    "PREFIX : <urn:x:> SELECT * WHERE { ?a !:p ?b }",      # any other predicate
    "SELECT * WHERE { ?a ?p ?b FILTER(isIRI(?b) || isIRI(?a)) }",  # not a conjunct
    "SELECT * WHERE { ?a ?p ?b FILTER(!isIRI(?b)) }",
    "SELECT * WHERE { ?a ?p ?b OPTIONAL { ?b ?q ?c FILTER(isIRI(?c)) } }",
])
def test_what_may_read_anything_reads_anything(query: str):
    import pyoxigraph as ox

    found = patterns(query)
    assert found is not None
    literal = (ox.NamedNode("urn:s"), ox.NamedNode("urn:y"), ox.Literal("2001"))
    assert may_match(found, literal)


@pytest.mark.parametrize("query", [
    "PREFIX : <urn:x:> CONSTRUCT { ?a :p ?b } WHERE { ?a :q ?b }",
    "PREFIX : <urn:x:> DESCRIBE ?a WHERE { ?a :q ?b }",
    "SELECT * WHERE { SERVICE <urn:s> { ?a ?b ?c } }",
    "SELECT * WHERE { ?a nope:p ?b }",                      # a prefix nobody declares
    "SELECT * WHERE { ?a ",                                  # not SPARQL
])
def test_what_is_not_understood_is_never_kept(query: str):
    assert patterns(query) is None


def test_a_pattern_matches_its_predicate_and_iri_terms():
    import pyoxigraph as ox

    found = patterns("PREFIX qg: <https://w3id.org/qgraph/ontology#> SELECT * WHERE { ?a qg:p ?b FILTER(isIRI(?b)) }")
    assert found == [(None, "https://w3id.org/qgraph/ontology#p", IRI_ONLY)]
    p, q = ox.NamedNode("https://w3id.org/qgraph/ontology#p"), ox.NamedNode("https://w3id.org/qgraph/ontology#q")
    s = ox.NamedNode("urn:s")
    assert may_match(found, (s, p, ox.NamedNode("urn:o")))
    assert not may_match(found, (s, p, ox.Literal("o")))      # an object that is not an IRI
    assert not may_match(found, (s, p, ox.BlankNode("b")))
    assert not may_match(found, (s, q, ox.NamedNode("urn:o")))  # another predicate


def test_the_shipped_checks_read_what_they_say(project_root: Path):
    """Each shipped check reading the default graph alone has patterns, none of which reads a
    literal of an arbitrary predicate (an edit of a date keeps them all)."""
    import pyoxigraph as ox

    from qgraph.ask.catalogue import checks, reads_default_graph_only
    from qgraph.corpus.loading import project_prefixes

    union = [e for e in checks(project_root) if reads_default_graph_only(e.text)]
    assert len(union) >= 9
    date = (ox.NamedNode("https://w3id.org/qgraph/id/x"), ox.NamedNode("http://purl.org/dc/terms/issued"),
            ox.Literal("2001-01-01", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")))
    for e in union:
        found = patterns(e.text, project_prefixes())
        assert found, e.name
        assert not may_match(found, date), e.name


# --- qgraph validate after an edit -------------------------------------------------------------

def _same(capsys: pytest.CaptureFixture, root: Path) -> tuple[str, str]:
    """Cached and uncached verdicts, text and JSON, the same; (the cached text output, its stderr)."""
    out = err = ""
    for fmt in ("text", "json"):
        cached = validate_in_process(capsys, root, "--format", fmt, "--progress")
        fresh = validate_in_process(capsys, root, "--format", fmt, "--no-cache")
        assert cached[:2] == fresh[:2], f"{fmt}: the cached verdict differs from the uncached one"
        if fmt == "text":
            out, err = cached[1], cached[2]
    return out, err


def _line(err: str) -> str:
    lines = [line for line in err.splitlines() if "checks (queries/checks)" in line]
    assert lines, err
    return lines[-1]


def _doc(root: Path, k: int = 0) -> Path:
    docs = sorted((root / "data").glob("*.ttl"))
    assert len(docs) > k
    return docs[k]


def _sub(path: Path, pattern: str, repl: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    new, n = re.subn(pattern, repl, text, count=count)
    assert n, f"{pattern!r} not in {path.name}"
    path.write_text(new, encoding="utf-8")


def test_a_date_edited_keeps_every_check_and_forks_no_child(synth_corpus: Path, capsys: pytest.CaptureFixture,
                                                           monkeypatch: pytest.MonkeyPatch):
    from qgraph import pipeline

    _same(capsys, synth_corpus)

    def no_child(*args):  # noqa: ANN002, ANN202
        raise AssertionError("a child was forked")

    _sub(_doc(synth_corpus), r'"(\d{4})(-\d\d-\d\d)"\^\^xsd:date', lambda m: f'"{int(m.group(1)) - 1}{m.group(2)}"^^xsd:date')
    monkeypatch.setattr(pipeline, "_union_child", no_child)
    out, err = _same(capsys, synth_corpus)
    line = _line(err)
    assert "9 kept from the last run" in line and "run beside" not in line, line
    assert "the whole query store not needed" in line, line


@pytest.mark.parametrize("edit, found", [
    # a reference to a node nobody describes: dangling-reference finds it
    (lambda root: _sub(_doc(root), r"(oa:hasSource qgid:doc-synth-00001) ;", r"\1, qgid:nobody-describes-this ;"),
     "qgid:nobody-describes-this"),
    # a second node with another's label (in another case): duplicate-entity finds it, naming the
    # same label run in the child as in process (it took SAMPLE of the labels, which differed)
    (lambda root: _sub(_doc(root), r'rdfs:label "Synthetic Forum 8"@en',
                       'rdfs:label "Synthetic Forum 8"@en . qgid:twin-forum a qg:Forum ; rdfs:label "synthetic forum 8"@en ; '
                       "qg:evidence qgid:synth-00001-ev-2"),
     "qgid:twin-forum"),
    # an evidence without its source
    (lambda root: _sub(_doc(root), r"oa:hasSource qgid:doc-synth-00001 ;", ""), "evidence-without-source"),
    # an evidence's blank-node selector taken out
    (lambda root: _sub(_doc(root), r"oa:hasSelector \[[^\]]*\] ;", ""), "evidence-without-quote"),
])
def test_an_edit_that_changes_a_checks_rows_runs_it_again(synth_corpus: Path, capsys: pytest.CaptureFixture,
                                                          edit, found: str):
    _same(capsys, synth_corpus)
    edit(synth_corpus)
    out, err = _same(capsys, synth_corpus)
    assert found in out, out[-2000:]
    assert "run beside" in _line(err)  # not kept: run in the child


def test_a_file_removed_or_added_is_an_edit_too(synth_corpus: Path, capsys: pytest.CaptureFixture):
    _same(capsys, synth_corpus)
    gone = _doc(synth_corpus, 1)
    kept_text = gone.read_bytes()
    gone.unlink()
    out, err = _same(capsys, synth_corpus)
    assert "run beside" in _line(err)
    gone.write_bytes(kept_text)  # back again: the rows of the run before are not those
    _same(capsys, synth_corpus)


def test_nothing_is_kept_when_the_ontology_changed(synth_corpus: Path, capsys: pytest.CaptureFixture):
    _same(capsys, synth_corpus)
    _sub(_doc(synth_corpus), r'"(\d{4})(-\d\d-\d\d)"\^\^xsd:date', lambda m: f'"{int(m.group(1)) - 1}{m.group(2)}"^^xsd:date')
    onto = sorted((synth_corpus / "ontology").glob("*.ttl"))
    assert onto
    with open(onto[0], "a", encoding="utf-8") as fh:
        fh.write("\n# a comment: the ontology's bytes changed\n")
    out, err = _same(capsys, synth_corpus)
    assert "kept from the last run" not in _line(err)


def test_a_check_with_blank_nodes_in_its_rows_is_run_again(synth_corpus: Path, capsys: pytest.CaptureFixture):
    """A row holding a blank node is neither kept nor taken from the child (whose blank nodes
    are its own): the check runs here, and the report names the node as the exports do, the
    same cached and uncached."""
    checks = synth_corpus / "queries" / "checks"
    checks.mkdir(parents=True, exist_ok=True)
    (checks / "selector-listed-violation.rq").write_text(
        "# every selector (blank nodes)\n"
        "PREFIX oa: <http://www.w3.org/ns/oa#>\n"
        'SELECT ?s WHERE { ?s a oa:TextQuoteSelector ; oa:exact "The Synthetic Forum 8 (SF8) is an international forum." }\n',
        encoding="utf-8")
    _same(capsys, synth_corpus)
    _sub(_doc(synth_corpus), r'"(\d{4})(-\d\d-\d\d)"\^\^xsd:date', lambda m: f'"{int(m.group(1)) - 1}{m.group(2)}"^^xsd:date')
    out, err = _same(capsys, synth_corpus)
    line = _line(err)
    assert "9 kept from the last run" in line and "the whole query store built" in line, line
    assert out.count("check:selector-listed-violation") >= 1


def test_the_kept_rows_follow_the_files_through_several_edits(synth_corpus: Path, capsys: pytest.CaptureFixture):
    """Edits in turn, each verdict the uncached one: kept rows are those of the last run."""
    _same(capsys, synth_corpus)
    for k in range(3):
        _sub(_doc(synth_corpus, k), r'"(\d{4})(-\d\d-\d\d)"\^\^xsd:date',
             lambda m: f'"{int(m.group(1)) - 1}{m.group(2)}"^^xsd:date')
        _same(capsys, synth_corpus)
    _sub(_doc(synth_corpus, 0), r"(oa:hasSource qgid:doc-synth-00001) ;", r"\1, qgid:nobody-describes-this ;")
    out, _ = _same(capsys, synth_corpus)
    assert "qgid:nobody-describes-this" in out
    shutil.rmtree(synth_corpus / ".qgraph-cache" / "files")  # the copies gone: run again, as before
    _sub(_doc(synth_corpus, 1), r'"(\d{4})(-\d\d-\d\d)"\^\^xsd:date', lambda m: f'"{int(m.group(1)) - 1}{m.group(2)}"^^xsd:date')
    out, err = _same(capsys, synth_corpus)
    assert "kept from the last run" not in _line(err)


def test_patterns_read_back_from_the_cache_match_as_before():
    """The patterns are kept in the cache's JSON: read back, they match the same triples (an
    IRI-only term compared by value, not by identity)."""
    import json

    import pyoxigraph as ox

    found = patterns("SELECT * WHERE { ?a ?p ?b FILTER(isIRI(?b)) }")
    back = [tuple(p) for p in json.loads(json.dumps(found))]
    iri = (ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.NamedNode("urn:o"))
    literal = (ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("o"))
    assert may_match(found, iri) and may_match(back, iri)
    assert not may_match(found, literal) and not may_match(back, literal)


def test_the_patterns_are_read_once_and_kept(synth_corpus: Path, capsys: pytest.CaptureFixture,
                                              monkeypatch: pytest.MonkeyPatch):
    """A run that keeps the checks' rows keeps their patterns too: the edit-check after it does
    not parse the checks again."""
    from qgraph.checks import unaffected

    _same(capsys, synth_corpus)

    def not_again(*args):  # noqa: ANN002, ANN202
        raise AssertionError("the checks were parsed again")

    monkeypatch.setattr(unaffected, "patterns", not_again)
    _sub(_doc(synth_corpus), r'"(\d{4})(-\d\d-\d\d)"\^\^xsd:date', lambda m: f'"{int(m.group(1)) - 1}{m.group(2)}"^^xsd:date')
    rc, out, err = validate_in_process(capsys, synth_corpus, "--progress")
    assert "9 kept from the last run" in _line(err)


def test_a_file_edited_again_after_the_scan_is_not_kept(synth_corpus: Path, capsys: pytest.CaptureFixture,
                                                       monkeypatch: pytest.MonkeyPatch):
    """The edit is read as the cache's scan hashed it: a file changed again between the scan and
    the reading of its new version keeps nothing (the checks run)."""
    from qgraph.checks import cache

    _same(capsys, synth_corpus)
    doc = _doc(synth_corpus)
    _sub(doc, r'"(\d{4})(-\d\d-\d\d)"\^\^xsd:date', lambda m: f'"{int(m.group(1)) - 1}{m.group(2)}"^^xsd:date')
    real_scan = cache.Cache.scan

    def scan_then_edit(self):  # noqa: ANN001, ANN202
        real_scan(self)
        with open(doc, "a", encoding="utf-8") as fh:
            fh.write("\n# edited after the scan\n")

    monkeypatch.setattr(cache.Cache, "scan", scan_then_edit)
    rc, out, err = validate_in_process(capsys, synth_corpus, "--progress")
    assert "kept from the last run" not in _line(err)
