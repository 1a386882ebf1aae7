"""evidence.py: quotes found exactly once in their own source; every described node has evidence."""

from pathlib import Path

from qgraph.checks.evidence import check
from qgraph.corpus.loading import load


def _problems(root: Path):
    return check(load(root)).problems


def test_fixture_evidence_is_good(fixture_root: Path):
    s = check(load(fixture_root))
    assert s.problems == []
    assert s.passages == s.passages_found == 3
    assert s.described == s.with_evidence == 7


def test_real_evidence_is_good(project_root: Path):
    s = check(load(project_root))
    assert s.passages > 0, "no evidence passages found"
    assert [p.text() for p in s.problems] == []


def test_quote_not_in_source(fixture_root: Path):
    f = fixture_root / "data" / "tiny-doc.ttl"
    f.write_text(f.read_text().replace('oa:exact "Tiny Forum communique"', 'oa:exact "Tiny Forum communiqué"'))
    [p] = _problems(fixture_root)
    assert p.shape == "check:quote-found" and p.severity == "Violation"
    assert p.file == "data/tiny-doc.ttl"
    assert "Tiny Forum communiqué" in f.read_text().splitlines()[p.line - 1]
    assert "not found" in p.message


def test_ambiguous_quote_needs_prefix_or_suffix(fixture_root: Path):
    f = fixture_root / "data" / "tiny-doc.ttl"
    f.write_text(f.read_text().replace('        oa:suffix " They" ;\n', ""))
    [p] = _problems(fixture_root)
    assert "2 times" in p.message and "oa:prefix or oa:suffix" in p.message


def test_page_break_tolerated(fixture_root: Path):
    # the members passage spans a line break in the source; the quote has a space there
    assert "met\nin London" in (fixture_root / "data" / "sources" / "tiny-doc.txt").read_text()
    assert _problems(fixture_root) == []


def test_node_without_evidence(fixture_root: Path):
    f = fixture_root / "data" / "tiny-doc.ttl"
    f.write_text(f.read_text() + "\nqgid:sweden a qg:Nation ; rdfs:label \"Sweden\"@en .\n")
    [p] = _problems(fixture_root)
    assert p.shape == "check:has-evidence" and p.focus == "qgid:sweden"
    assert f.read_text().splitlines()[p.line - 1].startswith("qgid:sweden")


def test_evidence_must_cite_its_own_document(fixture_root: Path):
    f = fixture_root / "data" / "tiny-doc.ttl"
    text = f.read_text().replace(
        "qgid:tiny-doc-ev-title\n    a qg:Evidence ;\n    oa:hasSource qgid:doc-tiny-doc ;",
        "qgid:tiny-doc-ev-title\n    a qg:Evidence ;\n    oa:hasSource qgid:doc-other ;")
    f.write_text(text)
    [p] = _problems(fixture_root)
    assert p.shape == "check:evidence-source" and p.focus == "qgid:tiny-doc-ev-title"


def test_missing_source_text(fixture_root: Path):
    (fixture_root / "data" / "sources" / "tiny-doc.txt").unlink()
    problems = _problems(fixture_root)
    assert any("data/sources/tiny-doc.txt is missing" in p.message for p in problems)


def test_file_without_source_document(fixture_root: Path):
    (fixture_root / "data" / "other-doc.ttl").write_text("")
    (fixture_root / "data" / "sources" / "other-doc.txt").write_text("x")
    problems = _problems(fixture_root)
    assert [p.file for p in problems] == ["data/other-doc.ttl"]
    assert "qg:SourceDocument" in problems[0].message


# Lines of quote problems: the line of the selector's own oa:exact, found among the file's
# string literals, never the first place the quote's words appear (issue 12).

def _line_of(f: Path, line: int) -> str:
    return f.read_text(encoding="utf-8").splitlines()[line - 1]


def test_quote_problem_at_its_oa_exact_not_at_a_description_repeating_it(fixture_root: Path):
    src = fixture_root / "data" / "sources" / "tiny-doc.txt"
    src.write_text(src.read_text(encoding="utf-8") + "\nThe Forum\u2019s members agreed.\n", encoding="utf-8")
    f = fixture_root / "data" / "tiny-doc.ttl"
    text = f.read_text(encoding="utf-8")
    text = text.replace('    rdfs:label "Tiny Forum"@en ;\n',
                        '    rdfs:label "Tiny Forum"@en ;\n    dcterms:description "The Forum\'s members agreed."@en ;\n')
    text += ('\nqgid:tiny-doc-ev-agreed\n    a qg:Evidence ;\n    oa:hasSource qgid:doc-tiny-doc ;\n'
             '    oa:hasSelector [\n        a oa:TextQuoteSelector ;\n'
             '        oa:exact "The Forum\'s members agreed." ;\n    ] .\n')
    text = text.replace("qg:evidence qgid:tiny-doc-ev-meet-again .", "qg:evidence qgid:tiny-doc-ev-meet-again, qgid:tiny-doc-ev-agreed .")
    f.write_text(text, encoding="utf-8")
    [p] = _problems(fixture_root)
    assert p.shape == "check:quote-found" and "not found" in p.message
    assert _line_of(f, p.line).strip().startswith('oa:exact "The Forum\'s')


def test_ambiguous_quote_at_its_own_line_not_the_header_comment(fixture_root: Path):
    f = fixture_root / "data" / "tiny-doc.ttl"
    text = "# They agreed to meet again. (the data file's header repeats a quote)\n" + f.read_text()
    f.write_text(text.replace('        oa:suffix " They" ;\n', ""))
    [p] = _problems(fixture_root)
    assert "2 times" in p.message
    assert p.line != 1
    assert _line_of(f, p.line).strip() == 'oa:exact "They agreed to meet again." ;'


def test_the_same_quote_twice_in_a_file_reported_at_the_selector_that_fails(fixture_root: Path):
    # two evidence nodes quote the same words; the first picks one place (suffix), the second not
    f = fixture_root / "data" / "tiny-doc.ttl"
    text = f.read_text() + ('\nqgid:tiny-doc-ev-again-2\n    a qg:Evidence ;\n    oa:hasSource qgid:doc-tiny-doc ;\n'
                            '    oa:hasSelector [\n        a oa:TextQuoteSelector ;\n'
                            '        oa:exact "They agreed to meet again." ;\n    ] .\n')
    text = text.replace("qg:evidence qgid:tiny-doc-ev-meet-again .", "qg:evidence qgid:tiny-doc-ev-meet-again, qgid:tiny-doc-ev-again-2 .")
    f.write_text(text)
    [p] = _problems(fixture_root)
    assert p.focus == "qgid:tiny-doc-ev-again-2" and "2 times" in p.message
    lines = f.read_text().splitlines()
    assert p.line > next(i for i, ln in enumerate(lines, 1) if ln.startswith("qgid:tiny-doc-ev-again-2"))
    assert lines[p.line - 1].strip() == 'oa:exact "They agreed to meet again." ;'
