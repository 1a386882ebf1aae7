"""qgraph new, quote and propose (issue 12): exit codes, nothing overwritten, determinism, and
the walk from a new text to a green build."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

import pytest

from qgraph.api import init
from qgraph.cli import main
from tests.conftest import PROJECT, tree_snapshot

TEXT = PROJECT / "data" / "sources" / "us-sweden-quantum-joint-statement.txt"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    init(root)
    return root


def run(root: Path, *argv: str) -> int:
    return main([argv[0], "--root", str(root), *argv[1:]])


def test_new_writes_text_row_and_data_file_and_builds_green(corpus: Path, capsys):
    assert TEXT.is_file()
    assert run(corpus, "new", "us-sweden", "--source", str(TEXT), "--title", "US-Sweden statement",
               "--url", "https://example.org/copy") == 0
    assert (corpus / "data" / "sources" / "us-sweden.txt").read_bytes() == TEXT.read_bytes()
    assert "| `us-sweden.txt` | US-Sweden statement | https://example.org/copy | not stated in the copy |" in \
        (corpus / "data" / "sources" / "README.md").read_text()
    ttl = (corpus / "data" / "us-sweden.ttl").read_text()
    assert "qg:licenceStated false" in ttl and "qg:copySource <https://example.org/copy>" in ttl
    from qgraph.pipeline import check

    outcome = check(corpus)
    # Regression: without --completeness, qgraph new recorded every text as complete (a guess, not
    # what the copy says: most copies are excerpts). It now states none, says so, and the build
    # warns at the document's line until the curator does.
    assert "qg:textCompleteness qgid:" not in ttl and "was not told how complete" in ttl
    assert "no --completeness given" in capsys.readouterr().out
    assert [(p.severity, p.shape) for p in outcome.problems] == [
        ("Warning", "qgsh:SourceDocument-textCompleteness-present")], \
        [p.text() for p in outcome.problems]
    assert outcome.evidence.passages == outcome.evidence.passages_found == 1


def test_new_with_completeness_complete_quotes_the_texts_last_words(corpus: Path):
    assert run(corpus, "new", "us-sweden", "--source", str(TEXT), "--completeness", "complete") == 0
    ttl = (corpus / "data" / "us-sweden.ttl").read_text()
    assert "qg:textCompleteness qgid:text-complete" in ttl and "us-sweden-ev-text-ends" in ttl
    from qgraph.pipeline import check

    outcome = check(corpus)
    assert [p.text() for p in outcome.problems] == []
    assert outcome.evidence.passages == outcome.evidence.passages_found == 2


def test_new_with_licence_and_excerpt(corpus: Path):
    lic = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
    assert run(corpus, "new", "doc-a", "--source", str(TEXT), "--licence", lic, "--completeness", "excerpt") == 0
    ttl = (corpus / "data" / "doc-a.ttl").read_text()
    assert f"dcterms:license <{lic}>" in ttl and "qgid:text-excerpt" in ttl and "licenceStated" not in ttl
    from qgraph.pipeline import check

    assert [p.text() for p in check(corpus).problems] == []


def test_new_never_overwrites(corpus: Path, capsys):
    assert run(corpus, "new", "doc-a", "--source", str(TEXT)) == 0
    before = tree_snapshot(corpus)
    assert run(corpus, "new", "doc-a", "--source", str(TEXT), "--title", "Other") == 2
    assert "already exists" in capsys.readouterr().err
    assert tree_snapshot(corpus) == before
    (corpus / "data" / "doc-b.ttl").write_text("# mine\n")  # only the data file is in the way
    before = tree_snapshot(corpus)
    assert run(corpus, "new", "doc-b", "--source", str(TEXT)) == 2
    assert tree_snapshot(corpus) == before


@pytest.mark.parametrize("argv, message", [
    (["new", "Bad_Id", "--source", str(TEXT)], "document id"),
    (["new", "doc-a", "--source", "/nonexistent/text.txt"], "cannot read"),
    (["new", "doc-a", "--source", str(TEXT), "--url", "not a url"], "--url"),
])
def test_new_bad_input_is_exit_2_and_writes_nothing(corpus: Path, capsys, argv, message):
    before = tree_snapshot(corpus)
    assert run(corpus, *argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert tree_snapshot(corpus) == before


@pytest.fixture
def curly(corpus: Path) -> Path:
    src = corpus / "t.txt"
    src.write_text("The Forum\u2019s members met.\n\nThey agreed. They agreed!\n", encoding="utf-8")
    assert run(corpus, "new", "t-doc", "--source", str(src)) == 0
    return corpus


def test_quote_found_once(curly: Path, capsys):
    capsys.readouterr()
    assert run(curly, "quote", "t-doc", "members  met.") == 0
    out = capsys.readouterr().out
    assert "line 1" in out and 'oa:exact "members met." ;' in out and "oa:prefix" not in out and "oa:suffix" not in out


def test_quote_found_twice_gives_the_shortest_context(curly: Path, capsys):
    capsys.readouterr()
    assert run(curly, "quote", "t-doc", "They agreed") == 1
    out = capsys.readouterr().out
    assert "found 2 times" in out and 'oa:suffix "."' in out and 'oa:suffix "!"' in out or 'oa:prefix "."' in out


def test_quote_explains_a_straight_apostrophe_where_the_text_has_a_curly_one(curly: Path, capsys):
    capsys.readouterr()
    assert run(curly, "quote", "t-doc", "The Forum's members met.") == 1
    out = capsys.readouterr().out
    assert "not found" in out and "The Forum\u2019s members met." in out
    assert "\u2019 (U+2019 RIGHT SINGLE QUOTATION MARK) in the text" in out
    assert "' (U+0027 APOSTROPHE) in the quote" in out


def test_quote_unknown_document_is_exit_2(corpus: Path, capsys):
    assert run(corpus, "quote", "nope", "x") == 2
    assert "no such source text" in capsys.readouterr().err


def _sweden(corpus: Path) -> Path:
    assert run(corpus, "new", "us-sweden", "--source", str(TEXT), "--completeness", "complete") == 0
    return corpus


def test_propose_is_deterministic_parses_and_every_passage_anchors(corpus: Path, capsys):
    from rdflib import Graph, URIRef

    from qgraph.checks.quotes import find_quote
    from qgraph.vocab import OA

    _sweden(corpus)
    capsys.readouterr()
    assert run(corpus, "propose", "us-sweden") == 0
    first = capsys.readouterr().out
    assert run(corpus, "propose", "us-sweden") == 0
    assert capsys.readouterr().out == first
    g = Graph().parse(data=first, format="turtle")
    selectors = list(g.subjects(URIRef(OA + "exact"), None))
    assert selectors, "the draft has no passages"
    text = TEXT.read_text(encoding="utf-8")
    for sel in selectors:
        pre, suf = g.value(sel, URIRef(OA + "prefix")), g.value(sel, URIRef(OA + "suffix"))
        ex = g.value(sel, URIRef(OA + "exact"))
        assert len(find_quote(text, str(ex), pre and str(pre), suf and str(suf))) == 1, ex
    # in a corpus that knows nothing yet, the dates and the statement's kind are still proposed
    assert '"--04-08"^^xsd:gMonthDay' in first


def test_propose_reuses_the_graphs_iris_and_blind_leaves_out_the_documents_own_file(project_root: Path):
    from qgraph.api import propose
    from qgraph.corpus.propose import propose as inner

    draft = propose("us-sweden-quantum-joint-statement", project_root)
    got = {a.proposal.entity for a in draft.proposals if a.proposal.kind == "mention"}
    assert {"https://w3id.org/qgraph/id/sweden", "https://w3id.org/qgraph/id/united-states"} <= got
    assert draft.dropped == 0
    # the ministry only this document describes: known from its own file, NEW when blind
    ministry = "https://w3id.org/qgraph/id/swedish-ministry-of-education-and-research"
    assert ministry in got
    blind = inner("us-sweden-quantum-joint-statement", project_root, blind=True)
    assert ministry not in {a.proposal.entity for a in blind.proposals if a.proposal.kind == "mention"}


def test_propose_out_file_and_never_into_data(corpus: Path, capsys):
    _sweden(corpus)
    out = corpus / "drafts" / "us-sweden.proposed.ttl"
    assert run(corpus, "propose", "us-sweden", "--out", str(out)) == 0
    assert out.read_text().startswith("# qgraph propose us-sweden")
    before = tree_snapshot(corpus)
    assert run(corpus, "propose", "us-sweden", "--out", str(corpus / "data" / "us-sweden-draft.ttl")) == 2
    assert tree_snapshot(corpus) == before


def test_a_plug_in_extractor_goes_through_the_same_checks(corpus: Path, tmp_path: Path, monkeypatch):
    from qgraph.api import propose

    _sweden(corpus)
    (tmp_path / "fake_extractor.py").write_text(
        "def extract(doc_id, text):\n"
        "    return [\n"
        "        {'kind': 'new', 'exact': 'Swedish Ministry of Education and Research', 'label': 'Swedish Ministry of Education and Research', 'confidence': 'high'},\n"
        "        {'kind': 'mention', 'exact': 'Kingdom of Sweden', 'label': 'Sweden'},\n"
        "        {'kind': 'mention', 'exact': 'a sentence the text does not contain', 'label': 'Nowhere'},\n"
        "        'not a proposal',\n"
        "    ]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    base = propose("us-sweden", corpus)
    draft = propose("us-sweden", corpus, ["fake_extractor:extract"])
    assert draft.dropped == base.dropped + 1  # the passage that does not anchor
    mine = [a.proposal for a in draft.proposals if a.proposal.source == "fake_extractor:extract"]
    # the ministry and Sweden (a country of ISO 3166-1, which the empty corpus does not know) are
    # qgraph's own proposals too, the same passage and IRI: proposed once
    assert mine == []
    assert ("new", "https://w3id.org/qgraph/id/sweden", "new") in \
        {(a.proposal.kind, a.proposal.entity, a.proposal.status) for a in draft.proposals}
    assert ("new", "https://w3id.org/qgraph/id/swedish-ministry-of-education-and-research") in \
        {(a.proposal.kind, a.proposal.entity) for a in draft.proposals}
    # against the real graph, the same name reuses the known IRI
    draft = propose("us-sweden-quantum-joint-statement", PROJECT, ["fake_extractor:extract"])
    mine = [a.proposal for a in draft.proposals if a.proposal.source == "fake_extractor:extract"]
    assert ("mention", "https://w3id.org/qgraph/id/swedish-ministry-of-education-and-research", "known") in \
        {(a.proposal.kind, a.proposal.entity, a.proposal.status) for a in draft.proposals}  # its own file describes it
    assert ("mention", "https://w3id.org/qgraph/id/sweden", "known") in {(p.kind, p.entity, p.status) for p in mine}


def test_a_broken_extractor_is_one_line_exit_2(corpus: Path, tmp_path: Path, monkeypatch, capsys):
    _sweden(corpus)
    (tmp_path / "broken_extractor.py").write_text("def extract(doc_id, text):\n    raise RuntimeError('boom')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert run(corpus, "propose", "us-sweden", "--extractor", "broken_extractor:extract") == 2
    assert "boom" in capsys.readouterr().err
    assert run(corpus, "propose", "us-sweden", "--extractor", "no_such_module_x:f") == 2
    sys.modules.pop("broken_extractor", None)


def test_new_propose_accept_build(corpus: Path, capsys):
    """The curator's walk: a text the graph has not seen -> new -> propose -> accept -> green."""
    from qgraph.api import propose
    from qgraph.corpus.passages import selector_turtle
    from qgraph.pipeline import check

    _sweden(corpus)
    draft = propose("us-sweden", corpus)
    [meeting_date] = [a for a in draft.proposals if a.proposal.kind == "date" and a.proposal.value == "--04-08"]
    f = corpus / "data" / "us-sweden.ttl"
    f.write_text(f.read_text() + f"""
qgid:us-sweden-meeting-april-8
    a qg:Meeting ;
    rdfs:label "Meeting at the Swedish Ministry of Education and Research, April 8"@en ;
    qg:startDate "--04-08"^^xsd:gMonthDay ;
    qg:yearStated false ;
    qg:evidence qgid:us-sweden-ev-meeting .

qgid:us-sweden-ev-meeting
    a qg:Evidence ;
    oa:hasSource qgid:doc-us-sweden ;
{selector_turtle(meeting_date.proposal.exact, meeting_date.prefix, meeting_date.suffix)}
    qg:supports rdf:type, rdfs:label, qg:startDate, qg:yearStated .
""")
    outcome = check(corpus)
    assert [p.text() for p in outcome.problems if p.severity == "Violation"] == []
    assert outcome.evidence.passages_found == 3


def test_dates_partial_kept_partial_and_relative_only_against_a_stated_date():
    from qgraph.corpus.propose import _dates

    def values(text):
        return {(p.exact, p.value, p.status) for p in _dates(text)}

    got = values("The meeting ran July 28–30. It was announced last month.")
    assert ("July 28–30", "--07-28", "proposed") in got and ("July 28–30", "--07-30", "proposed") in got
    assert ("last month", None, "flagged") in got  # no date stated: nothing to resolve it against
    got = values("8 April 2026\n\nThe UK committed £2 billion last month.")
    assert ("8 April 2026", "2026-04-08", "proposed") in got
    assert ("last month", "2026-03", "proposed") in got


def test_amounts_and_ordinals():
    from qgraph.corpus.propose import _amounts, _ordinals

    [a] = _amounts("committing £2 billion to quantum")
    assert (a.value, a.note) == ("2000000000", 'currency GBP (qg:currency "GBP")')
    assert {(o.exact, o.value) for o in _ordinals("the 7th MDQ meeting and the fifth meeting")} == {
        ("7th MDQ meeting", "7"), ("fifth meeting", "5")}


def test_propose_knows_organisations_of_no_stated_kind(project_root: Path):
    """An organisation a text names without saying what kind it is (Sunnylands, a plain
    org:Organization) is a known thing a new text's mention of it is proposed as, under that
    class; a thing with a precise class keeps it."""
    from qgraph.corpus.loading import load
    from qgraph.corpus.propose import class_curie, known_entities

    by_name, things = known_entities(load(project_root))
    sunnylands = things["https://w3id.org/qgraph/id/sunnylands"]
    assert (sunnylands.cls, class_curie(sunnylands.cls)) == ("Organization", "org:Organization")
    assert sunnylands in by_name["Sunnylands"]
    assert things["https://w3id.org/qgraph/id/us-state-department"].cls == "GovernmentDepartment"
    assert class_curie("Concept") == "skos:Concept" and class_curie("Nation") == "qg:Nation"


def test_propose_drafts_a_mention_of_a_plain_organisation(corpus: Path, capsys):
    from rdflib import Graph, URIRef

    text = PROJECT / "data" / "sources" / "qdg-kickoff-meeting-sunnylands.txt"
    data = PROJECT / "data" / "qdg-kickoff-meeting-sunnylands.ttl"
    assert text.is_file() and data.is_file()
    (corpus / "data" / "sources" / "kickoff.txt").write_bytes(text.read_bytes())
    (corpus / "data" / "kickoff.ttl").write_bytes(data.read_bytes())
    (corpus / "notice.txt").write_text("Sunnylands convened the meeting.\n", encoding="utf-8")
    assert run(corpus, "new", "notice", "--source", str(corpus / "notice.txt")) == 0
    capsys.readouterr()
    assert run(corpus, "propose", "notice") == 0
    out = capsys.readouterr().out
    assert "mention qgid:sunnylands (org:Organization)" in out
    g = Graph().parse(data=out, format="turtle")
    qgd = "https://w3id.org/qgraph/draft#"
    proposal = next(g.subjects(URIRef(qgd + "entity"), URIRef("https://w3id.org/qgraph/id/sunnylands")))
    assert g.value(proposal, URIRef(qgd + "class")) == URIRef("http://www.w3.org/ns/org#Organization")


@pytest.mark.parametrize("argv", [
    ("build", "--out", "data"),
    ("build", "--out", "ontology/x"),
    ("build", "--out", "queries"),
    ("export", "--format", "turtle", "--out", "data/us-sweden.ttl"),
    ("export", "--format", "turtle", "--out", "data/new.ttl"),
    ("propose", "us-sweden", "--out", "data/sources/us-sweden.txt"),
    ("propose", "us-sweden", "--out", "data/links/x.ttl"),
    ("propose", "us-sweden", "--out", "data/NEW.TTL"),
    ("propose", "us-sweden", "--out", "qgraph.toml"),
])
def test_outputs_never_go_among_the_corpus_inputs(corpus: Path, capsys, monkeypatch, argv):
    """Regression: `build --out data`, `export --out data/x.ttl` and `propose --out
    data/sources/x.txt` replaced curated files (exit 0), or wrote files the next build loaded."""
    _sweden(corpus)
    monkeypatch.chdir(corpus)
    capsys.readouterr()
    before = tree_snapshot(corpus)
    assert main([argv[0], *argv[1:]]) == 2
    err = capsys.readouterr().err
    assert "which the tool reads; write it elsewhere" in err and "Traceback" not in err
    assert tree_snapshot(corpus) == before


def _latin_source(corpus: Path) -> None:
    (corpus / "data" / "sources" / "latin.txt").write_bytes(b"Caf\xe9\n")
    (corpus / "data" / "latin.ttl").write_text(
        (corpus / "data" / "us-sweden.ttl").read_text(encoding="utf-8").replace("us-sweden", "latin"), encoding="utf-8")


def _loop(corpus: Path) -> None:
    (corpus / "data" / "loop.ttl").symlink_to("loop.ttl")


def _bom_data(corpus: Path) -> None:
    path = corpus / "data" / "us-sweden.ttl"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())


def _toml(content: bytes) -> Callable[[Path], None]:
    return lambda corpus: (corpus / "qgraph.toml").write_bytes(content)


@pytest.mark.parametrize("setup,argv,needle", [
    (_latin_source, ("quote", "latin", "Caf"), "data/sources/latin.txt:1: not UTF-8 text"),
    (_latin_source, ("propose", "latin"), "data/sources/latin.txt:1: not UTF-8 text"),
    (_loop, ("validate",), "data/loop.ttl: cannot read"),
    (_loop, ("stats",), "data/loop.ttl: cannot read"),
    (_toml(b"defaults = [1, 2]\n"), ("validate",), "qgraph.toml: defaults must be a table"),
    (_toml(b"\xff\xfe[corpus]\n"), ("validate",), "qgraph.toml: not UTF-8 text"),
    (_toml(b"\xef\xbb\xbf[corpus]\nname = 'x'\n"), ("validate",), "qgraph.toml: the file begins with a byte-order mark"),
    (_bom_data, ("validate", "--no-cache"), "data/us-sweden.ttl:1: the file begins with a byte-order mark"),
    (_bom_data, ("build", "--out", "dist"), "data/us-sweden.ttl:1: the file begins with a byte-order mark"),
])
def test_unreadable_inputs_are_one_line_exit_2(corpus: Path, capsys, monkeypatch, setup, argv, needle):
    """Regression (a sweep of hostile inputs): each of these ended in a traceback
    (UnicodeDecodeError, RuntimeError 'Symlink loop', AttributeError)."""
    _sweden(corpus)
    setup(corpus)
    monkeypatch.chdir(corpus)
    capsys.readouterr()
    assert main([argv[0], *argv[1:]]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err, err


def test_export_through_a_link_keeps_the_link(corpus: Path, capsys, monkeypatch):
    """Regression: the temporary file renamed over --out replaced a symbolic link with a file
    of its own (the file the link named untouched)."""
    _sweden(corpus)
    monkeypatch.chdir(corpus)
    target = corpus / "target.ttl"
    target.write_text("old\n", encoding="utf-8")
    (corpus / "link.ttl").symlink_to("target.ttl")
    assert main(["export", "--format", "turtle", "--out", "link.ttl"]) == 0
    assert (corpus / "link.ttl").is_symlink()
    assert target.read_text(encoding="utf-8").startswith("@prefix")


def test_export_into_a_pipe_writes_into_it(corpus: Path, capsys, monkeypatch):
    """Regression: `--out` on a pipe (or a device: `--out /dev/stdout` as root) replaced it with a
    regular file, and its reader never saw a byte."""
    import os
    import threading

    _sweden(corpus)
    monkeypatch.chdir(corpus)
    fifo = corpus / "pipe.ttl"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert main(["export", "--format", "turtle", "--out", "pipe.ttl"]) == 0
    reader.join(60)
    assert got and got[0].startswith(b"@prefix")
    import stat

    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_new_writes_nothing_when_one_of_its_files_cannot_be_written(corpus: Path, capsys):
    """Regression: with data/sources/README.md a folder, `qgraph new` renamed the text and the
    data file into place before the README failed, and a second try said they existed."""
    readme = corpus / "data" / "sources" / "README.md"
    readme.unlink()
    readme.mkdir()
    before = tree_snapshot(corpus)
    assert run(corpus, "new", "us-sweden", "--source", str(TEXT)) == 2
    err = capsys.readouterr().err
    assert "README.md: it is a folder" in err and ".tmp" not in err, err
    assert tree_snapshot(corpus) == before


def test_export_onto_a_folder_names_the_folder(corpus: Path, capsys, monkeypatch):
    _sweden(corpus)
    monkeypatch.chdir(corpus)
    (corpus / "somedir").mkdir()
    capsys.readouterr()
    assert main(["export", "--format", "turtle", "--out", "somedir"]) == 2
    err = capsys.readouterr().err
    assert "cannot write somedir: it is a folder" in err and ".tmp" not in err, err


def test_new_with_an_id_too_long_for_a_file_name_is_one_line(corpus: Path, capsys):
    """Regression: OSError (File name too long) from a 300-character id."""
    before = tree_snapshot(corpus)
    assert run(corpus, "new", "a" * 300, "--source", str(TEXT)) == 2
    assert "300 characters; at most 200" in capsys.readouterr().err
    assert tree_snapshot(corpus) == before


def test_init_where_no_folder_can_be_made_is_one_line(tmp_path: Path, capsys):
    """Regression: NotADirectoryError from `qgraph init a-file/sub`."""
    (tmp_path / "f").write_text("hi\n", encoding="utf-8")
    assert main(["init", str(tmp_path / "f" / "sub")]) == 2
    err = capsys.readouterr().err
    assert "cannot create" in err and "Not a directory" in err and "Traceback" not in err


def test_new_with_a_title_on_two_lines_builds_green(corpus: Path, capsys):
    """Regression: the title went raw into the data file's first comment line; its second line
    was read as Turtle."""
    from qgraph.pipeline import check

    assert run(corpus, "new", "doc-a", "--source", str(TEXT), "--title", "US-Sweden\nstatement",
               "--completeness", "excerpt") == 0
    assert (corpus / "data" / "doc-a.ttl").read_text(encoding="utf-8").startswith("# qgraph data: US-Sweden statement\n")
    assert [p.text() for p in check(corpus).problems] == []


def test_a_pipe_named_like_a_data_file_is_one_line(corpus: Path, capsys):
    """Regression: `mkfifo data/x.ttl` made `qgraph validate` wait for ever."""
    import os

    _sweden(corpus)
    os.mkfifo(corpus / "data" / "x.ttl")
    capsys.readouterr()
    assert run(corpus, "validate", "--no-cache") == 2
    assert "data/x.ttl: not a file (a pipe, a socket or a device)" in capsys.readouterr().err


def test_new_with_an_attribution_table_not_utf8_is_one_line(corpus: Path, capsys):
    (corpus / "data" / "sources" / "README.md").write_bytes(b"\xff\xfe")
    before = tree_snapshot(corpus)
    assert run(corpus, "new", "doc-a", "--source", str(TEXT)) == 2
    assert "data/sources/README.md:1: not UTF-8 text" in capsys.readouterr().err
    assert tree_snapshot(corpus) == before


@pytest.mark.parametrize("argv", [("quote", "../../x", "Hello"), ("propose", "../x"), ("quote", ".hidden", "x")])
def test_quote_and_propose_take_a_document_name_not_a_path(corpus: Path, capsys, argv):
    """Regression: `qgraph quote ../../../bom "Hello"` read a text outside the corpus."""
    assert run(corpus, *argv) == 2
    assert "the name of a data file (data/NAME.ttl), not a path" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["<not an iri", '"x"@', "_:b0", "?x", "$x"])
def test_a_parameter_meant_as_a_term_and_not_one_is_refused(corpus: Path, capsys, value):
    """Regression: these became plain literals, and the query quietly answered nothing."""
    _sweden(corpus)
    capsys.readouterr()
    assert run(corpus, "query", "SELECT ?n WHERE { ?n a qg:Nation }", "--param", f"n={value}") == 2
    assert "is not a term" in capsys.readouterr().err


def test_expected_names_the_question_whose_query_is_broken(corpus: Path, capsys):
    _sweden(corpus)
    (corpus / "queries").mkdir()
    (corpus / "queries" / "broken.rq").write_text("# Broken.\nSELECT ?s WHERE { ?s ?p }\n", encoding="utf-8")
    capsys.readouterr()
    assert run(corpus, "expected", "broken") == 2
    assert "broken: " in capsys.readouterr().err


@pytest.mark.parametrize("bad", [("queries/mine.csv", b"\xff\xfe"), ("data/links/accepted.sssom.tsv", b"\xe9\n")])
def test_expected_answers_and_link_tables_not_utf8_are_one_line(corpus: Path, capsys, bad):
    """Regression: UnicodeDecodeError from `qgraph expected` and `qgraph link`."""
    _sweden(corpus)
    (corpus / "queries").mkdir()
    (corpus / "queries" / "mine.rq").write_text("# Mine.\nSELECT ?n WHERE { ?n a qg:Nation }\n", encoding="utf-8")
    path = corpus / bad[0]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bad[1])
    capsys.readouterr()
    assert run(corpus, "expected" if bad[0].startswith("queries") else "link") == 2
    err = capsys.readouterr().err
    assert "not UTF-8 text" in err and "Traceback" not in err, err


@pytest.fixture
def real_copy(tmp_path: Path) -> Path:
    import shutil

    root = tmp_path / "real"
    shutil.copytree(PROJECT / "data", root / "data")
    shutil.copy(PROJECT / "qgraph.toml", root / "qgraph.toml")
    return root


def _cache_edit(edit: Callable[[dict], None]) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        import json

        path = root / "data" / "links" / "enrichment-cache.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        edit(data)
        path.write_text(json.dumps(data), encoding="utf-8")
    return apply


def _tsv_object(bad: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / "data" / "links" / "accepted.sssom.tsv"
        text = path.read_text(encoding="utf-8")
        assert "\twd:Q408\t" in text, "the table links Australia to wd:Q408 no more"
        path.write_text(text.replace("\twd:Q408\t", f"\t{bad}\t", 1), encoding="utf-8")
    return apply


@pytest.mark.parametrize("setup,needle", [
    (_cache_edit(lambda d: d["memberships"][0].pop("org")), "enrichment-cache.json: an entry is malformed"),
    (_cache_edit(lambda d: d.__setitem__("memberships", "x")), "enrichment-cache.json: an entry is malformed"),
    (_cache_edit(lambda d: d["memberships"][0].__setitem__("start", 1949)), "enrichment-cache.json"),
    (_tsv_object("wd:Q 408"), "accepted.sssom.tsv:"),
    (_tsv_object("wd:Q408>"), "accepted.sssom.tsv:"),
])
def test_link_tables_and_cache_malformed_are_one_line_and_write_nothing(real_copy: Path, capsys, setup, needle):
    """Regression: a cache entry of the wrong kind or missing a key (KeyError, TypeError), or a
    CURIE that expands to no valid IRI (rdflib's "does not look like a valid URI"), was a traceback."""
    setup(real_copy)
    before = tree_snapshot(real_copy)
    capsys.readouterr()
    assert main(["link", "--root", str(real_copy)]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err, err
    assert tree_snapshot(real_copy) == before


def test_reuse_and_expected_where_a_folder_or_file_is_in_the_way_are_one_line(real_copy: Path, capsys):
    """Regression: IsADirectoryError from `qgraph reuse` (text-reuse.ttl a folder) and
    FileExistsError from `qgraph expected --write` (queries a file)."""
    reuse_file = real_copy / "data" / "links" / "text-reuse.ttl"
    reuse_file.unlink()
    reuse_file.mkdir()
    capsys.readouterr()
    assert main(["reuse", "--root", str(real_copy)]) == 2
    err = capsys.readouterr().err
    assert "text-reuse.ttl: cannot read" in err and "Traceback" not in err, err
    reuse_file.rmdir()
    (real_copy / "queries").write_text("not a folder\n", encoding="utf-8")
    assert main(["expected", "--write", "--root", str(real_copy)]) == 2
    err = capsys.readouterr().err
    assert "queries" in err and "not a folder" in err and "Traceback" not in err, err


def test_a_link_to_an_entity_no_data_file_describes_is_refused(real_copy: Path, capsys):
    """Regression: a row of the link table for qgid:atlantis (no document describes it) was
    written into links.ttl, exit 0, and the graph still conformed."""
    path = real_copy / "data" / "links" / "accepted.sssom.tsv"
    text = path.read_text(encoding="utf-8")
    assert "qgid:australia\t" in text, "the table links Australia no more"
    path.write_text(text.replace("qgid:australia\t", "qgid:atlantis\t", 1), encoding="utf-8")
    before = tree_snapshot(real_copy)
    capsys.readouterr()
    assert main(["link", "--root", str(real_copy)]) == 2
    err = capsys.readouterr().err
    assert "subject qgid:atlantis is described by no data file" in err and "accepted.sssom.tsv:" in err, err
    assert tree_snapshot(real_copy) == before


def _new_doc(corpus: Path, tmp_path: Path, doc_id: str, text: bytes) -> str:
    src = tmp_path / f"{doc_id}.txt"
    src.write_bytes(text)
    assert run(corpus, "new", doc_id, "--source", str(src), "--completeness", "complete") == 0
    return (corpus / "data" / f"{doc_id}.ttl").read_text(encoding="utf-8")


def test_new_labels_a_text_by_its_first_line_even_when_it_recurs(corpus: Path, tmp_path: Path, capsys):
    """The first line found again later was skipped for the next line that occurs once (the label
    "Body text says things. ###", under a note saying it was the first line); the last words
    likewise ("More text." quoted as where the text ends)."""
    ttl = _new_doc(corpus, tmp_path, "r-one",
                   b"Quantum Statement Repeated\n\nBody text says things. ###\nMore text.\nQuantum Statement Repeated\n###\n")
    assert 'rdfs:label "Quantum Statement Repeated"@en' in ttl and "the label is the text's first line" in ttl
    assert 'oa:exact "###" ;' in ttl and 'oa:exact "More text."' not in ttl
    from qgraph.pipeline import check

    assert [p.text() for p in check(corpus).problems] == []


def test_new_leaves_a_byte_order_mark_out_of_the_label(corpus: Path, tmp_path: Path, capsys):
    ttl = _new_doc(corpus, tmp_path, "s-bom", b"\xef\xbb\xbfBOM Statement\nThe end.\n")
    assert "\ufeff" not in ttl and 'rdfs:label "BOM Statement"@en' in ttl
    assert (corpus / "data" / "sources" / "s-bom.txt").read_bytes().startswith(b"\xef\xbb\xbf")  # byte for byte
    capsys.readouterr()
    assert run(corpus, "show", "BOM Statement", "--no-cache") == 0


def test_quote_says_when_no_context_picks_a_place(corpus: Path, tmp_path: Path, capsys):
    """Beyond 200 characters of identical context, the selectors printed for each place had
    neither prefix nor suffix: each, pasted, was found twice."""
    words = " ".join(f"word{i}" for i in range(120))
    block = f"Start. {words} MIDDLE PASSAGE HERE {words} End.\n"
    _new_doc(corpus, tmp_path, "rep-doc", ("Repeat header\n\nIntro A.\n" + block + "Middle.\n" + block + "Outro.\n").encode())
    capsys.readouterr()
    assert run(corpus, "quote", "rep-doc", "MIDDLE PASSAGE HERE") == 1
    out = capsys.readouterr().out
    assert "found 2 times" in out and out.count("no oa:prefix or oa:suffix of at most 200 characters picks this place") == 2
    assert "oa:exact" not in out


def test_two_documents_of_one_title_build(corpus: Path, tmp_path: Path, capsys):
    """Two texts whose first line is "Joint Statement" (a common title) are two documents: the
    second `qgraph new` left a corpus that no longer built (a duplicate-entity violation)."""
    _new_doc(corpus, tmp_path, "us-se", b"Joint Statement\n\nThe United States and Sweden met in Stockholm.\nThey signed nothing.\n")
    _new_doc(corpus, tmp_path, "us-fi", b"Joint Statement\n\nThe United States and Finland met in Helsinki.\nThey agreed to meet again.\n")
    from qgraph.pipeline import check

    assert [p.text() for p in check(corpus).problems] == []
    # two nations of one label are still one thing
    (corpus / "data" / "us-fi.ttl").write_text((corpus / "data" / "us-fi.ttl").read_text(encoding="utf-8") + (
        '\nqgid:sweden-a a qg:Nation ; rdfs:label "Sweden"@en ; qg:evidence qgid:us-fi-ev-title .\n'
        'qgid:sweden-b a qg:Nation ; rdfs:label "Sweden"@en ; qg:evidence qgid:us-fi-ev-title .\n'), encoding="utf-8")
    assert any(p.shape == "check:duplicate-entity-violation" for p in check(corpus).problems)


def _real_corpus(tmp_path: Path) -> Path:
    import shutil

    root = tmp_path / "real"
    for folder in ("data", "ontology", "queries"):
        shutil.copytree(PROJECT / folder, root / folder)
    shutil.copy(PROJECT / "qgraph.toml", root / "qgraph.toml")
    return root


def test_propose_finds_a_known_name_wrapped_across_lines(tmp_path: Path, capsys):
    """The build's quotes let a line break stand for a space; propose did not: "The United\\nStates
    of America" named nothing, and the sentence listing three nations lost its participants."""
    from qgraph.api import propose

    root = _real_corpus(tmp_path)
    _new_doc(root, tmp_path, "qa-split", b"Note on a meeting\n\nThe United\nStates of America, Sweden and Finland met "
             b"at the meeting of the Quantum\nDevelopment Group.\nEnd two.\n")
    found = [a.proposal for a in propose("qa-split", root).proposals]
    kinds = {(p.kind, p.entity) for p in found}
    assert {("mention", "https://w3id.org/qgraph/id/united-states"), ("mention", "https://w3id.org/qgraph/id/qdg")} <= kinds
    assert any(p.kind == "participants" for p in found)
    assert all("\n" not in p.exact for p in found)


def test_propose_names_the_speaker_nearest_each_quotation(tmp_path: Path, capsys):
    """A full stop inside a name ran "Minister Anna Svensson. The Minister" into one speaker, given
    to both quotations."""
    from qgraph.api import propose

    root = _real_corpus(tmp_path)
    _new_doc(root, tmp_path, "qa-quote", "Statement on quantum\n\n“Quantum technology is a shared priority,” said Minister "
             "Anna Svensson. The Minister added: “We will act together on this.”\nEnd of text.\n".encode())
    speakers = [a.proposal.label for a in propose("qa-quote", root).proposals if a.proposal.kind == "quotation"]
    assert speakers == ["Anna Svensson", "The Minister"]
    # an office's words before a name are not the name ("State Antony Blinken")
    _new_doc(root, tmp_path, "qa-quote-2", "Remarks\n\n“We will work with our partners on quantum,” Secretary of State "
             "Antony Blinken said.\nEnd of remarks.\n".encode())
    speakers = [a.proposal.label for a in propose("qa-quote-2", root).proposals if a.proposal.kind == "quotation"]
    assert speakers == ["Antony Blinken"]


def test_a_plug_ins_items_that_are_not_proposals_are_counted_and_its_class_read(corpus: Path, tmp_path: Path,
                                                                               monkeypatch, capsys):
    """A plug-in's item without a kind or a passage vanished without a word, and a class given as
    "qg:Nation" was written qgd:class qg:qg:Nation."""
    from qgraph.api import propose

    _new_doc(corpus, tmp_path, "hdr", b"Header line\n\nSome text here.\nThe end.\n")
    (tmp_path / "myext.py").write_text(
        'def extract(doc_id, text):\n'
        '    return [42, {"kind": "mention"}, {"kind": "mention", "exact": "Header line", "label": "Hdr", "cls": "qg:Nation"}]\n',
        encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    draft = propose("hdr", corpus, ["myext:extract"])
    assert draft.unreadable == 2 and "2 item(s) from extractors ignored" in draft.summary()
    assert "qg:qg:" not in draft.turtle and "qgd:class qg:Nation" in draft.turtle


def test_a_plug_ins_items_of_the_wrong_kind_are_ignored_and_the_draft_parses(corpus: Path, tmp_path: Path,
                                                                             monkeypatch):
    """Regression: a plug-in's number as a value stopped `qgraph propose` with a traceback (its
    sort compared an int with a str), and an entity, a datatype or a class with a space wrote a
    draft no parser reads."""
    import pyoxigraph as ox

    from qgraph.api import propose

    _new_doc(corpus, tmp_path, "plg", b"Header line\n\nSome text here, April 8.\nThe end.\n")
    (tmp_path / "badext.py").write_text(
        'def extract(doc_id, text):\n'
        '    return [{"kind": "date", "exact": "April 8", "value": 8},\n'
        '            {"kind": "date", "exact": "April 8", "value": "--04-08", "datatype": "http://x/a b"},\n'
        '            {"kind": "mention", "exact": "Some text", "entity": "https://example.org/a b"},\n'
        '            {"kind": "mention", "exact": "Some text", "label": 42},\n'
        '            {"kind": "new", "exact": "Some text", "label": "Some", "cls": "Not A Class"},\n'
        '            {"kind": "mention", "exact": "Header line", "entity": "https://example.org/ok"}]\n',
        encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    draft = propose("plg", corpus, ["badext:extract"])
    assert draft.unreadable == 5, draft.summary()
    assert "<https://example.org/ok>" in draft.turtle
    ox.Store().load(draft.turtle.encode("utf-8"), format=ox.RdfFormat.TURTLE)  # the draft parses


def test_quote_never_writes_a_sources_control_characters_raw(corpus: Path, tmp_path: Path, capsys):
    """A source text with an escape sequence: `qgraph quote` printed it raw to the terminal, in
    the selector and in the nearest passage."""
    _new_doc(corpus, tmp_path, "esc-doc", b"Escape header\n\nSome \x1b[31mred\x1b[0m text here.\nThe end.\n")
    capsys.readouterr()
    run(corpus, "quote", "esc-doc", "Some \x1b[31mred\x1b[0m text")
    run(corpus, "quote", "esc-doc", "Some \x1b[32mred text")
    run(corpus, "quote", "esc-doc", "Some [31mred text")  # the difference is the escape itself
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\u001B" in out and "\\x1b" in out
    assert "U+001B (a control character)" in out


def test_the_verdict_teaches_the_fix(corpus: Path, tmp_path: Path, capsys):
    """Regression (a curator's walk): a check's fix read "add … to ?node" with the placeholder
    unfilled; a node that states a fact without citing the evidence that supports it was told only
    to remove the claim (correct data thrown away); a quote with a straight " where the text has
    a curly one was "not found" without a word of where it differs."""
    _new_doc(corpus, tmp_path, "walk", "Walk statement\n\nThey met at “the Ministry” on April 8.\nThe end.\n".encode())
    data = corpus / "data" / "walk.ttl"
    data.write_text(data.read_text(encoding="utf-8") + (
        'qgid:m1 a qg:Meeting ; rdfs:label "Meeting, April 8"@en ; qg:startDate "--04-08"^^xsd:gMonthDay ;\n'
        '    qg:yearStated false ; qg:venue qgid:v1 .\n'
        'qgid:v1 a qg:Venue ; rdfs:label "the Ministry"@en ; qg:evidence qgid:walk-ev-m .\n'
        'qgid:walk-ev-m a qg:Evidence ; oa:hasSource qgid:doc-walk ; oa:hasSelector [ a oa:TextQuoteSelector ;\n'
        '    oa:exact "at \\"the Ministry\\" on April 8" ] ; qg:supports rdf:type, rdfs:label, qg:startDate, qg:venue .\n'),
        encoding="utf-8")
    capsys.readouterr()
    assert run(corpus, "validate", "--no-cache") == 1
    out = capsys.readouterr().out
    assert "?node" not in out and "to qgid:m1)" in out, out
    assert "cite this evidence from qgid:m1 (qg:evidence), which states qg:startDate" in out, out
    assert "first difference at character 4 of the quote: “ (U+201C LEFT DOUBLE QUOTATION MARK) in the text" in out, out


def test_expected_in_a_new_corpus_shows_what_a_document_changes(corpus: Path, tmp_path: Path, capsys):
    """Regression: in a new corpus `qgraph expected` compared the shipped questions with qgraph's
    own corpus's answers, and listed ~1,700 rows as removed before a document was added (the
    rows a first document added were buried among them)."""
    capsys.readouterr()
    assert run(corpus, "expected") == 1
    out, err = capsys.readouterr()
    assert "questions have no expected answer yet" in out and "- (" not in out and "differ" not in err, out
    assert run(corpus, "expected", "--write") == 0
    assert run(corpus, "expected") == 0
    assert run(corpus, "new", "us-sweden", "--source", str(TEXT)) == 0
    capsys.readouterr()
    run(corpus, "expected")
    out = capsys.readouterr().out
    assert "- (" not in out, out  # nothing of qgraph's own corpus removed


def test_propose_names_new_things_as_the_text_names_them():
    """Regression (a curator's walk): "The Cabinet Office" at a sentence's start was proposed as
    qgid:the-cabinet-office beside qgid:cabinet-office; "…Education and Research." kept its full
    stop; "Secretariat for Science, Technology and Innovation" was cut at its comma; and "the
    first time the MDQ meeting was held in Asia" was read as the meeting numbered 1."""
    from qgraph.corpus.propose import _new_things, _ordinals

    text = ("The Cabinet Office hosted it. The Secretariat for Science, Technology and Innovation spoke "
            "at the Swedish Ministry of Education and Research. It was in Washington, D.C. at the "
            "Embassy of Switzerland, D.C. This was the first time the MDQ meeting was held in Asia.")
    names = [p.label for p in _new_things(text, {}, {})]
    assert names == ["Cabinet Office", "Secretariat for Science, Technology and Innovation",
                     "Swedish Ministry of Education and Research", "Embassy of Switzerland"], names
    assert _ordinals(text) == []
    assert [p.value for p in _ordinals("the 7th MDQ meeting")] == ["7"]


def test_propose_takes_a_name_whole_when_the_text_gives_its_short_form_and_splits_two_names():
    """Regression (found last session, a curator's walk): "Global Research and Development Center
    for Business by Quantum-AI technology (G-QuAT)" was proposed as "Development Center for
    Business" (a name stopped at a lower-case word), and "the U.S. State Department and National
    Security Council" as one body. A long form defined by a short form in brackets is now taken
    whole (Schwartz and Hearst's algorithm), with its short form in the note; two institutions
    joined by "and" are two proposals; "Ministry of Education and Research" stays one."""
    from qgraph.corpus.propose import _long_forms, _new_things

    text = ("The Cabinet Office convened it, with the Global Research and Development Center for "
            "Business by Quantum-AI technology (G-QuAT) of the National Institute of Advanced "
            "Industrial Science and Technology as the venue. Sunnylands partnered with the U.S. State "
            "Department and National Security Council. The Swedish Ministry of Education and Research "
            "and the Defence Innovation Accelerator for the North Atlantic (DIANA) spoke.")
    found = {text[s:e]: short for s, e, short in _long_forms(text)}
    assert found == {"Global Research and Development Center for Business by Quantum-AI technology": "G-QuAT",
                     "Defence Innovation Accelerator for the North Atlantic": "DIANA"}, found
    proposals = _new_things(text, {}, {})
    names = [p.label for p in proposals]
    assert names == ["Cabinet Office", "Global Research and Development Center for Business by Quantum-AI technology",
                     "National Institute of Advanced Industrial Science and Technology", "U.S. State Department",
                     "National Security Council", "Swedish Ministry of Education and Research"], names
    assert "short as G-QuAT" in proposals[1].note
    assert proposals[1].entity.endswith("/g-quat")  # the project's style: qgid:mdq, qgid:g-quat
    # a thing the graph knows by its short form's IRI is not proposed as new
    from qgraph.corpus.propose import Known

    assert "G-QuAT" not in str(_new_things(text, {}, {proposals[1].entity: Known(proposals[1].entity, "G-QuAT", "x")}))


def test_void_states_no_dataset_licence_where_no_document_states_one(corpus: Path, tmp_path: Path, capsys):
    """Regression (an installed tool's walk): in a corpus whose documents state no licence (every
    one `qgraph new` makes without --licence), void.ttl gave the whole dataset the ontology's CC BY
    4.0, the one licence stated anywhere; a licence is not inferred. Each graph keeps its own."""
    import rdflib

    assert run(corpus, "new", "us-sweden", "--source", str(TEXT)) == 0
    out = tmp_path / "dist"
    assert run(corpus, "build", "--out", str(out), "--no-progress") == 0
    void = rdflib.Graph().parse(out / "void.ttl", format="turtle")
    dataset = rdflib.URIRef("https://w3id.org/qgraph/dataset")
    license_ = rdflib.URIRef("http://purl.org/dc/terms/license")
    assert (dataset, rdflib.RDF.type, rdflib.URIRef("http://rdfs.org/ns/void#Dataset")) in void
    assert void.value(dataset, license_) is None
    subsets = list(void.objects(dataset, rdflib.URIRef("http://rdfs.org/ns/void#subset")))
    assert any(void.value(s, license_) is not None for s in subsets)  # the ontology's graph keeps its own


def test_link_works_in_a_corpus_that_has_no_link_tables_yet(corpus: Path, capsys):
    """Regression (an installed tool's walk): in a corpus `qgraph init` made, `qgraph link` said
    "data/links/accepted.sssom.tsv: cannot read" and exited 2, and so did `--suggest`: only qgraph's
    own checkout has the tables. No table is no link; no cache is no enrichment: the graphs are
    written empty, and the corpus still builds."""
    assert not (corpus / "data" / "links").exists()
    assert run(corpus, "link") == 0
    out = capsys.readouterr().out
    assert "links: none" in out and "wrote data/links/links.ttl" in out
    for name in ("links.ttl", "enrichment.ttl"):
        text = (corpus / "data" / "links" / name).read_text(encoding="utf-8")
        assert text.startswith("# GENERATED FILE") and not [x for x in text.splitlines() if x and not x.startswith("#")]
    from qgraph.pipeline import check

    assert [p.text() for p in check(corpus).problems] == []


def test_the_python_build_writes_into_the_corpus_dist_by_default(corpus: Path, tmp_path: Path, monkeypatch):
    """Regression (a data engineer's script): `qgraph.build()` wrote into the current folder's
    dist/ (from the corpus's data/: refused, "--out dist: inside the corpus's data/"; from another
    folder with root= given: into that folder). As `qgraph build` does, it writes the corpus's dist/."""
    import qgraph

    assert run(corpus, "new", "us-sweden", "--source", str(TEXT)) == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    qgraph.build(root=corpus)
    assert (corpus / "dist" / "qgraph.nq").is_file() and not (elsewhere / "dist").exists()
    monkeypatch.chdir(corpus / "data")
    monkeypatch.setenv("QGRAPH_ROOT", str(corpus))
    (corpus / "dist" / "qgraph.nq").unlink()
    qgraph.build()
    assert (corpus / "dist" / "qgraph.nq").is_file()


def test_init_says_the_next_command_as_the_shell_reads_it(tmp_path: Path, capsys):
    """Regression (an installed tool's walk): `qgraph init "/tmp/a b ç"` suggested
    `cd /tmp/a b ç && …`, which the shell reads as three arguments."""
    import shlex
    import subprocess

    folder = tmp_path / "a b ç"
    assert main(["init", str(folder)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("next: "))
    cd = line.removeprefix("next: ").split(" && ")[0]
    assert shlex.split(cd) == ["cd", str(folder)]
    assert subprocess.run(["bash", "-c", cd + " && pwd"], capture_output=True, text=True).stdout.strip() == str(folder)


@pytest.mark.parametrize("question, params", [
    ("qdg-members", [("nation", "qgid:denmark")]),
    ("qdg-members", {5: "qgid:denmark"}),
    (None, None),
    (42, None),
    ("qdg-members", {"nation": 5}),
    ("qdg-members", {"nation": __import__("rdflib").BNode()}),
    ("qdg-members", {"nation": __import__("rdflib").Variable("x")}),
])
def test_the_python_query_says_a_mistake_of_type_as_a_qgraph_error(question, params):
    """Regression (a data engineer's script): params as a list of pairs, a number as a variable's
    name, None as the question raised AttributeError/TypeError from deep inside; a blank node or
    a variable as a value was taken, and matched nothing. The README: a mistake raises
    qgraph.QgraphError."""
    import qgraph

    with pytest.raises(qgraph.QgraphError):
        qgraph.query(question, params=params, root=PROJECT)


def test_the_python_query_takes_a_path_to_a_question_file(tmp_path: Path):
    import qgraph

    rq = PROJECT / "queries" / "qdg-members.rq"
    assert qgraph.query(rq, root=PROJECT).rows == qgraph.query(str(rq), root=PROJECT).rows


def test_the_corpus_name_titles_its_void_and_its_pages(tmp_path: Path):
    """Regression (an installed tool's walk): `qgraph init --name` wrote the name into qgraph.toml,
    and nothing read it: void.ttl was titled "qgraph: a knowledge graph of quantum diplomacy"
    whatever the corpus, and the explorer's pages "… · qgraph"."""
    import rdflib

    from qgraph.web import pages

    root = tmp_path / "nordic"
    init(root, "Nordic quantum statements")
    out = tmp_path / "dist"
    assert main(["build", "--root", str(root), "--out", str(out), "--no-progress"]) == 0
    void = rdflib.Graph().parse(out / "void.ttl", format="turtle")
    title = void.value(rdflib.URIRef("https://w3id.org/qgraph/dataset"), rdflib.URIRef("http://purl.org/dc/terms/title"))
    assert str(title) == "Nordic quantum statements"
    from qgraph.web.server import make_app

    before = pages.CORPUS_NAME
    try:
        app = make_app(root, quiet=True)
        try:
            assert "<title>Network · Nordic quantum statements</title>".encode("utf-8") in pages.shell("Network", "")
        finally:
            app.close()
    finally:
        pages.CORPUS_NAME = before


def test_the_python_api_says_an_ill_typed_literal_without_rdflibs_traceback(fixture_root: Path, capfd):
    """Regression (a data engineer's script): on data holding "one"^^xsd:positiveInteger, or with
    such a literal as a query's parameter, qgraph.show, qgraph.stats and qgraph.query printed
    rdflib's "Failed to convert Literal lexical form" and a traceback on stderr, once per term made
    (the command had silenced them; the library had not). A parameter of that kind now draws a
    warning that says why it matches nothing; the caller's logging is left as it was."""
    import logging
    import warnings

    import qgraph

    doc = fixture_root / "data" / "tiny-doc.ttl"
    doc.write_text(doc.read_text().replace('"1"^^xsd:positiveInteger', '"one"^^xsd:positiveInteger'))
    card = qgraph.show("qgid:tiny-doc-clause-1", root=fixture_root)
    assert "one" in card
    qgraph.stats(fixture_root)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        answer = qgraph.query("SELECT ?n WHERE { ?p qg:provisionNumber ?n }", root=fixture_root,
                              params={"n": '"two"^^xsd:positiveInteger'})
    assert answer.rows == []
    said = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert any("n=" in s and "not a valid" in s and "positiveInteger" in s for s in said), said
    assert all(w.filename == __file__ for w in caught if "not a valid" in str(w.message)), "the caller's line"
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Failed to convert" not in err, err
    assert not logging.getLogger("rdflib.term").filters, "the caller's logging left as it was"


def test_propose_names_the_nations_of_a_new_corpus_first_text(corpus: Path, tmp_path: Path):
    """Regression (a curator's first document in a new corpus): `qgraph propose` knew a nation only
    from the graph's labels, so a corpus's first text, "the Governments of the United States of
    America and the Republic of Finland", drew no nation and no list of participants. The
    countries of ISO 3166-1 (pycountry) are now proposed as NEW nations, under the IRI of their
    short name, once each, at the first place named; a name inside a longer one is the longer."""
    from qgraph.api import propose

    _new_doc(corpus, tmp_path, "us-fi", (
        b"Joint Statement\n\nThe Governments of the United States of America and the Republic of Finland met.\n"
        b"Delegates from Australia, Canada and Sweden joined them, and Finland spoke.\n"
        b"Nothing was said of the United States Minor Outlying Islands.\n"))
    draft = propose("us-fi", corpus)
    new = {a.proposal.entity: a.proposal for a in draft.proposals if a.proposal.kind == "new" and a.proposal.cls == "Nation"}
    q = "https://w3id.org/qgraph/id/"
    assert sorted(new) == [q + n for n in ("australia", "canada", "finland", "sweden", "united-states",
                                            "united-states-minor-outlying-islands")], sorted(new)
    assert new[q + "united-states"].exact == "United States of America" and new[q + "united-states"].label == "United States"
    assert new[q + "finland"].exact == "Republic of Finland" and "ISO 3166-1 (FI" in new[q + "finland"].note
    [listed] = [a.proposal for a in draft.proposals if a.proposal.kind == "participants"]
    assert listed.value.split() == [q + n for n in ("australia", "canada", "finland", "sweden")]


def test_propose_names_no_new_nation_the_graph_knows_by_another_name(real_copy: Path, tmp_path: Path):
    """A country the graph knows by one of its names ("Finland", "Republic of Korea") is a
    mention of the known thing, never a NEW nation beside it ("Republic of Finland" -> qgid:finland
    known; "South Korea" is the Republic of Korea's common name, qgid:republic-of-korea known)."""
    from qgraph.api import propose

    _new_doc(real_copy, tmp_path, "kr-fi", b"Joint Statement\n\nThe Republic of Finland and South Korea met; so did Peru.\n")
    draft = propose("kr-fi", real_copy)
    new = sorted(a.proposal.entity for a in draft.proposals if a.proposal.kind == "new" and a.proposal.cls == "Nation")
    assert new == ["https://w3id.org/qgraph/id/peru"], new
    known = {a.proposal.entity for a in draft.proposals if a.proposal.kind == "mention"}
    assert "https://w3id.org/qgraph/id/finland" in known
