"""The reading view (/doc/<doc-id>, qgraph.web.reading): every evidence passage of every document
highlighted in its stored text with the checker's own matcher, each mark linked to the facts it
supports, the banner for excerpts and damaged copies, and every value HTML-escaped."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser

import pytest

from conftest import FIXTURE_PROJECT, PROJECT

HOSTILE_DOC = """\
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix qg: <https://w3id.org/qgraph/ontology#> .
@prefix qgid: <https://w3id.org/qgraph/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

qgid:doc-hostile-text
    a qg:SourceDocument, qg:WebPage ;
    rdfs:label "<b>Hostile</b> & text"@en ;
    dcterms:title "<script>alert('title')</script>"@en ;
    dcterms:identifier "hostile-text" ;
    qg:textCompleteness qgid:text-excerpt ;
    qg:evidence qgid:hostile-text-ev-title .

qgid:hostile-text-ev-title
    a qg:Evidence ;
    oa:hasSource qgid:doc-hostile-text ;
    qg:supports rdfs:label ;
    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "<b>Hostile</b> & text" ] .

qgid:hostile-text-ev-script
    a qg:Evidence ;
    oa:hasSource qgid:doc-hostile-text ;
    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "<script>alert(1)</script>" ] .
"""
HOSTILE_TEXT = "<b>Hostile</b> & text\n\nThen <script>alert(1)</script> and \"quotes\" <img src=x onerror=alert(2)>.\n"


@pytest.fixture(scope="module")
def explorer():
    from qgraph.corpus.loading import load
    from qgraph.corpus.store import open_store
    from qgraph.web.explorer import Explorer

    loaded = load(PROJECT)
    return Explorer(loaded, open_store(loaded, "oxigraph"))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    from qgraph.corpus.loading import load
    from qgraph.corpus.store import open_store
    from qgraph.web.explorer import Explorer

    root = tmp_path_factory.mktemp("reading") / "project"
    shutil.copytree(FIXTURE_PROJECT, root)
    (root / "data" / "hostile-text.ttl").write_text(HOSTILE_DOC, encoding="utf-8")
    (root / "data" / "sources" / "hostile-text.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    loaded = load(root)
    return Explorer(loaded, open_store(loaded, "oxigraph"))


class _Marks(HTMLParser):
    """The text inside each <mark>, the href of its link, and every element id."""

    def __init__(self) -> None:
        super().__init__()
        self.marks: list[list[str]] = []   # [href, text]
        self.ids: set[str] = set()
        self.depth = 0
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "mark":
            self.depth += 1
            self.marks.append(["", ""])
        elif tag == "a" and self.depth:
            self.marks[-1][0] = a.get("href", "")

    def handle_endtag(self, tag):
        if tag == "mark":
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.marks[-1][1] += data


def test_segments_split_overlapping_passages():
    from qgraph.web.reading import segments

    assert segments(12, [(1, (0, 5)), (2, (3, 9)), (3, (3, 9))]) == [
        (0, 3, [1]), (3, 5, [1, 2, 3]), (5, 9, [2, 3]), (9, 12, [])]
    assert segments(4, []) == [(0, 4, [])]


def test_every_document_has_every_passage_located(explorer):
    from qgraph.checks.quotes import find_quote
    from qgraph.web.reading import reading

    docs = explorer.loaded.documents
    assert len(docs) >= 2, "the project has no documents"
    for doc_id in docs:
        r = reading(explorer, doc_id)
        assert r is not None and r.text is not None, doc_id
        assert r.passages, f"{doc_id}: no evidence passages"
        for p in r.passages:
            assert len(p.spans) == 1, (doc_id, p.evidence, p.spans)  # the build's check holds: one place each
            assert p.facts or p.described, (doc_id, p.evidence)
            s, e = p.spans[0]
            assert find_quote(r.text[s:e], p.exact) == [(0, e - s)]


def test_page_marks_link_to_the_facts_beside_the_text(explorer):
    from qgraph.web.reading import page, reading

    doc_id = "uk-denmark-quantum-mou"
    r = reading(explorer, doc_id)
    html = page(explorer, doc_id).decode("utf-8")
    parsed = _Marks()
    parsed.feed(html)
    assert parsed.marks
    for href, _ in parsed.marks:  # every mark links to a fact list that is on the page
        assert href.startswith("#ev-") and href[1:] in parsed.ids, href
    for p in r.passages:          # every passage has its anchor in the text and its facts beside it
        assert f"p-{p.number}" in parsed.ids and f"ev-{p.number}" in parsed.ids
    # the marked text, joined, covers every passage's words
    marked = " ".join(" ".join(t.split()) for _, t in parsed.marks)
    assert "Christina Egelund" in marked
    fact = re.search(r'<li class="passage-facts" id="ev-(\d+)">(.*?)</li>\s*(?=<li class="passage-facts"|</ol>)',
                     html, re.S)
    assert fact and "href=" in fact.group(2)
    assert 'class="read-text"' not in html  # the link to the reading view lives on the document's own page


def test_banner_for_excerpt_and_damaged_copies(explorer):
    from qgraph.web.reading import page, reading

    kinds = {}
    for doc_id in explorer.loaded.documents:
        r = reading(explorer, doc_id)
        kinds[doc_id] = r.completeness.rsplit("/", 1)[-1] if r.completeness else None
        html = page(explorer, doc_id).decode("utf-8")
        if kinds[doc_id] == "text-excerpt":
            assert 'class="banner excerpt"' in html and "excerpt" in html
        elif kinds[doc_id] == "text-damaged":
            assert 'class="banner damaged"' in html
        else:
            assert 'class="banner' not in html
    assert {"text-excerpt", "text-damaged", "text-complete"} <= set(kinds.values())


def test_hostile_text_and_labels_are_escaped(hostile):
    from qgraph.web.reading import page

    html = page(hostile, "hostile-text").decode("utf-8")
    assert "<script>" not in html and "<img" not in html and "<b>Hostile" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    parsed = _Marks()
    parsed.feed(html)
    assert [t for _, t in parsed.marks] == ["<b>Hostile</b> & text", "<script>alert(1)</script>"]
    assert 'class="banner excerpt"' in html


def test_reuse_hook(hostile, monkeypatch):
    from qgraph.web import reading

    monkeypatch.setattr(reading, "REUSE_PROVIDERS",
                        [lambda x, doc: [reading.Reuse(0, 21, "tiny-doc", 0, 5, "<same>")] if doc == "hostile-text" else []])
    html = reading.page(hostile, "hostile-text").decode("utf-8")
    assert "Shared with other documents" in html
    assert 'href="/doc/tiny-doc#c-0"' in html and "&lt;same&gt;" in html
    monkeypatch.setattr(reading, "REUSE_PROVIDERS", [])
    assert "Shared with other documents" not in reading.page(hostile, "hostile-text").decode("utf-8")


def test_routes(tmp_path):
    import urllib.error
    import urllib.request

    from qgraph.web.server import Running

    root = tmp_path / "project"
    shutil.copytree(FIXTURE_PROJECT, root)
    with Running(root) as running:
        with urllib.request.urlopen(running.url + "/doc/tiny-doc") as r:
            body = r.read().decode("utf-8")
            assert r.status == 200 and "<mark" in body and "Content-Security-Policy" in r.headers
        with urllib.request.urlopen(running.url + "/doc/") as r:
            assert 'href="/doc/tiny-doc"' in r.read().decode("utf-8")
        with urllib.request.urlopen(running.url + "/id/doc-tiny-doc") as r:
            assert 'href="/doc/tiny-doc"' in r.read().decode("utf-8")
        for bad in ("/doc/no-such-doc", "/doc/..%2Fqgraph.toml", "/doc/%3Cscript%3E"):
            with pytest.raises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(running.url + bad)
            assert e.value.code == 404
            assert b"<script>" not in e.value.read()


def test_a_text_is_listed_under_the_passage_that_states_it(explorer):
    """The notice's title "Quantum Leap: …" was listed under "The United States and Japan signed
    …" too: that passage supports dcterms:title for the statement it names, and the notice cites
    it (for qg:about). A title one of the passages states word for word is listed under those."""
    from qgraph.web.reading import reading

    r = reading(explorer, "us-japan-tokyo-statement-embassy-notice")
    title = "Quantum Leap: United States and Japan Sign Statement Promoting Quantum Cooperation"
    notice = "https://w3id.org/qgraph/id/doc-us-japan-tokyo-statement-embassy-notice"
    under = [p.exact for p in r.passages
             if any(s == notice and prop.endswith("/title") and str(o) == title for s, prop, o in p.facts)]
    assert under == [title]
    # the signing passage keeps its own facts
    signed = next(p for p in r.passages if p.exact.startswith("The United States and Japan signed"))
    assert any(prop.endswith("#about") for _, prop, _ in signed.facts)
