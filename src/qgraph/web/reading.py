"""The reading view of a source document: ``/doc/<doc-id>``.

The stored text of the document, with every evidence passage of its data file highlighted
(``<mark>``); each mark links to the facts the passage supports, listed beside the text, and each
fact links back to its passage. A banner says when the stored copy is an excerpt or a damaged
copy (the document node's ``qg:textCompleteness``).

Passages are located with the evidence checker's own matcher
(:func:`qgraph.checks.quotes.find_quote`), so the view shows exactly what the check verified.
Every value (the text itself included) goes through :func:`qgraph.web.pages.esc`.

Text reuse: :data:`REUSE_PROVIDERS` is the hook for links to passages of other documents (the
corpus's text-reuse module registers a provider; none is registered by default): each provider
is called with the explorer and the doc-id and returns :class:`Reuse` items.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from qgraph.vocab import GRAPH_NS, QGID, XSD

__all__ = ["Passage", "Reading", "Reuse", "REUSE_PROVIDERS", "reading", "segments", "page", "index_page"]


@dataclass
class Reuse:
    """A stretch of this document's text that another document repeats."""

    start: int
    end: int
    other_doc: str          # the other document's doc-id
    other_start: int | None = None
    other_end: int | None = None
    note: str = ""


#: callables ``(explorer, doc_id) -> list[Reuse]``; the text-reuse module appends one
REUSE_PROVIDERS: list[Callable[[Any, str], list[Reuse]]] = []


@dataclass
class Passage:
    """One evidence node's selector, where it stands in the text, and what it supports."""

    number: int
    evidence: str
    exact: str
    spans: list[tuple[int, int]]
    facts: list[tuple[str, str, Any]] = field(default_factory=list)   # (subject, property, value)
    described: list[str] = field(default_factory=list)                # subjects with no listed support
    derivation: str | None = None
    confidence: str | None = None


@dataclass
class Reading:
    doc_id: str
    iri: str | None
    title: str
    text: str | None
    completeness: str | None               # the concept IRI
    completeness_label: str | None
    completeness_definition: str | None
    passages: list[Passage]
    reuse: list[Reuse]


# the completeness's label and definition asked of the completeness the document states: asked
# beside it, with ?c unbound where the document states none, they matched every concept with a
# label (a document without qg:textCompleteness read as "qgraph topics", or another, by the
# store's order)
_DOC = """SELECT ?doc ?title ?c ?clabel ?cdef ?g ?id WHERE { GRAPH ?g { ?doc a qg:SourceDocument ; dcterms:identifier ?id
  OPTIONAL { ?doc dcterms:title ?title } }
  OPTIONAL { GRAPH ?g { ?doc qg:textCompleteness ?c } OPTIONAL { ?c skos:prefLabel ?clabel } OPTIONAL { ?c skos:definition ?cdef } }
} ORDER BY ?doc ?title ?c ?clabel ?cdef"""
_SELECTORS = """SELECT ?ev ?exact ?prefix ?suffix ?derivation ?confidence ?g ?doc WHERE { GRAPH ?g {
  ?ev oa:hasSource ?doc ; oa:hasSelector ?sel . ?sel oa:exact ?exact
  OPTIONAL { ?sel oa:prefix ?prefix } OPTIONAL { ?sel oa:suffix ?suffix }
  OPTIONAL { ?ev qg:derivation ?derivation } OPTIONAL { ?ev qg:confidence ?confidence } } }"""
_SUPPORTED = """SELECT ?ev ?s ?p ?o ?q ?g WHERE { GRAPH ?g { ?s qg:evidence ?ev
  OPTIONAL { ?ev qg:supports ?p OPTIONAL { ?s ?p ?o } OPTIONAL { ?q ?p ?s } } } }"""


def _keep_stated(passages: dict[str, Passage]) -> None:
    """A text (a title, a name) that one of the passages listing it states word for word is
    listed under those passages alone. ``qg:supports`` names properties, not nodes: a passage
    cited by a node for one property, and supporting another property for another node, listed
    that other property's value on the first node too (the notice's title "Quantum Leap: …"
    under "The United States and Japan signed …", which supports the statement's title)."""
    from rdflib import Literal

    holders: dict[tuple[str, str, Any], list[Passage]] = {}
    for p in passages.values():
        for fact in p.facts:
            holders.setdefault(fact, []).append(p)
    for fact, listing in holders.items():
        value = fact[2]
        if len(listing) < 2 or not isinstance(value, Literal):
            continue
        if value.datatype is not None and str(value.datatype) != XSD + "string":
            continue
        words = " ".join(str(value).split()).lower()
        stating = [p for p in listing if len(words) >= 4 and words in p.exact.lower()]
        if stating and len(stating) < len(listing):
            for p in listing:
                if p not in stating:
                    p.facts.remove(fact)


def reading(x: Any, doc_id: str) -> Reading | None:
    """The reading of ``doc_id`` (``None`` when the project has no such document)."""
    from rdflib import Literal, URIRef

    from qgraph.checks.quotes import find_quote

    if doc_id not in x.loaded.documents:
        return None
    g = URIRef(GRAPH_NS + doc_id)
    rows = x.store.query(_DOC, {"g": g, "id": Literal(doc_id)}).rows
    iri = title = comp = clabel = cdef = None
    if rows:
        doc, t, c, cl, cd = rows[0][:5]
        iri, title = str(doc), (str(t) if t is not None else None)
        comp = str(c) if c is not None else None
        clabel, cdef = (str(cl) if cl is not None else None), (str(cd) if cd is not None else None)
    path = x.loaded.project.source_text(doc_id)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = None
    passages: dict[str, Passage] = {}
    if iri is not None:
        for ev, exact, prefix, suffix, der, conf, _, _ in x.store.query(_SELECTORS, {"g": g, "doc": URIRef(iri)}).rows:
            spans: list[tuple[int, int]] = []
            if text is not None:
                try:
                    spans = find_quote(text, str(exact), str(prefix) if prefix is not None else None,
                                       str(suffix) if suffix is not None else None)
                except ValueError:  # an empty quote (the checker reports it)
                    spans = []
            p = passages.setdefault(str(ev), Passage(0, str(ev), " ".join(str(exact).split()), []))
            p.spans = sorted(set(p.spans) | set(spans))
            p.derivation = str(der) if der is not None else p.derivation
            p.confidence = str(conf) if conf is not None else p.confidence
    for ev, s, prop, o, q, _ in x.store.query(_SUPPORTED, {"g": g}).rows:
        p = passages.get(str(ev))
        if p is None:
            continue
        if prop is None:
            if str(s) not in p.described:
                p.described.append(str(s))
        elif o is not None and (str(s), str(prop), o) not in p.facts:
            p.facts.append((str(s), str(prop), o))
        elif q is not None and (str(q), str(prop), s) not in p.facts:
            p.facts.append((str(q), str(prop), s))
        elif o is None and q is None and str(s) not in p.described:
            p.described.append(str(s))
    _keep_stated(passages)
    ordered = sorted(passages.values(), key=lambda p: (p.spans[0] if p.spans else (len(text or "") + 1, 0), p.evidence))
    for n, p in enumerate(ordered, 1):
        p.number = n
        p.facts.sort(key=lambda f: (f[0], f[1], str(f[2])))
        p.described.sort()
    reuse = [r for provider in REUSE_PROVIDERS for r in provider(x, doc_id)]
    return Reading(doc_id, iri, title or (x.label(iri) if iri else doc_id), text, comp, clabel, cdef, ordered, reuse)


def segments(length: int, spans: list[tuple[int, tuple[int, int]]]) -> list[tuple[int, int, list[int]]]:
    """Cut ``[0, length)`` at every span boundary: ``(start, end, [passage numbers covering it])``.

    >>> segments(10, [(1, (2, 6)), (2, (4, 8))])
    [(0, 2, []), (2, 4, [1]), (4, 6, [1, 2]), (6, 8, [2]), (8, 10, [])]
    """
    cuts = sorted({0, length, *(a for _, (a, _) in spans), *(b for _, (_, b) in spans)})
    out = []
    for a, b in pairwise(cuts):
        if a < b:
            out.append((a, b, sorted({n for n, (s, e) in spans if s <= a and b <= e})))
    return out


def _text_html(r: Reading) -> str:
    from qgraph.web.pages import esc

    assert r.text is not None
    spans = [(p.number, s) for p in r.passages for s in p.spans]
    length = {p.number: min(e - s for s, e in p.spans) for p in r.passages if p.spans}
    starts: dict[int, list[int]] = {}
    for p in r.passages:
        if p.spans:
            starts.setdefault(p.spans[0][0], []).append(p.number)
    out = []
    for a, b, cover in segments(len(r.text), spans):
        out.extend(f'<span class="anchor" id="p-{n}"></span>' for n in starts.get(a, []))
        chunk = esc(r.text[a:b])
        if not cover:
            out.append(chunk)
            continue
        inner = min(cover, key=lambda n: (length[n], n))  # the innermost passage takes the link
        names = ", ".join(str(n) for n in cover)
        out.append(f'<mark class="ev{" many" if len(cover) > 1 else ""}" data-passages="{esc(names)}">'
                   f'<a href="#ev-{inner}" title="passage {esc(names)}: see the facts it supports">{chunk}</a></mark>')
    return "".join(out)


def _facts_html(x: Any, r: Reading) -> str:
    from qgraph.web.pages import _term, esc, link

    items = []
    for p in r.passages:
        back = (f'<a class="back" href="#p-{p.number}" title="show the passage in the text">¶ {p.number}</a>'
                if p.spans else f'<span class="back missing">¶ {p.number}</span>')
        where = "" if p.spans else '<p class="warn">Not found in the stored text.</p>'
        if len(p.spans) > 1:
            where = f'<p class="warn">Found {len(p.spans)} times in the stored text.</p>'
        facts = []
        for s, prop, o in p.facts:
            facts.append(f"<li>{link(s, x.label(s))} <span class='prop'>{link(prop, x.label(prop), known=x.has_page(prop))}</span> "
                         f"{_term(x, o)}</li>")
        for s in p.described:
            facts.append(f"<li>{link(s, x.label(s))} <span class='prop none'>(described by this passage)</span></li>")
        conf = f' <span class="badge">confidence: {esc(p.confidence)}</span>' if p.confidence else ""
        der = f'<p class="derivation">Derived: {esc(p.derivation)}</p>' if p.derivation else ""
        items.append(f'<li class="passage-facts" id="ev-{p.number}">{back}{conf} <q>{esc(p.exact)}</q>{where}'
                     f'<ul class="facts">{"".join(facts)}</ul>{der}'
                     f'<p class="evnode">{link(p.evidence, "passage node")}</p></li>')
    return "".join(items)


def _banner(r: Reading) -> str:
    from qgraph.web.pages import esc

    if r.completeness in (QGID + "text-excerpt", QGID + "text-damaged"):
        kind = "excerpt" if r.completeness.endswith("excerpt") else "damaged"
        what = {"excerpt": "This stored copy is an excerpt", "damaged": "This stored copy is damaged"}[kind]
        return (f'<div class="banner {kind}" role="note"><strong>{esc(what)}</strong> '
                f'({esc(r.completeness_label or kind)}): {esc(r.completeness_definition or "")}</div>')
    if r.completeness is None:
        return ('<div class="banner unknown" role="note">The data file does not say whether this stored copy '
                'is complete (no qg:textCompleteness).</div>')
    return ""


def _reuse_html(x: Any, r: Reading) -> str:
    from qgraph.web.pages import esc

    if not r.reuse:
        return ""
    items = []
    for u in r.reuse:
        target = f"/doc/{u.other_doc}" + (f"#c-{u.other_start}" if u.other_start is not None else "")
        excerpt = " ".join((r.text or "")[u.start:u.end].split())
        items.append(f'<li><q>{esc(excerpt)}</q> also in <a href="{esc(target)}">{esc(u.other_doc)}</a>'
                     f'{" · " + esc(u.note) if u.note else ""}</li>')
    return f"<section id='reuse'><h2>Shared with other documents</h2><ul class='reuse'>{''.join(items)}</ul></section>"


def page(x: Any, doc_id: str) -> bytes | None:
    """The HTML reading view, or ``None`` for an unknown doc-id."""
    from qgraph.web.explorer import href
    from qgraph.web.pages import esc, shell

    r = reading(x, doc_id)
    if r is None:
        return None
    located = sum(1 for p in r.passages if p.spans)
    about = (f"{len(r.passages)} evidence passages, {located} located in the stored text. "
             "Click a highlighted passage to see the facts it supports; ¶ leads back to the text.")
    desc = f' · <a href="{esc(href(r.iri))}">the document node</a>' if r.iri else ""
    text = (f'<div class="source-text" lang="en">{_text_html(r)}</div>' if r.text is not None
            else '<p class="none">No stored text for this document.</p>')
    body = f"""<article class="reading">
<h1>{esc(r.title)}</h1>
<p class="docid">{esc(r.doc_id)}{desc} · <a href="/doc/">all documents</a></p>
{_banner(r)}
<p class="about">{esc(about)}</p>
<div class="reading-grid">
<section class="text-col"><h2>Text</h2>{text}</section>
<aside class="facts-col"><h2>Facts by passage</h2><ol class="passages">{_facts_html(x, r)}</ol></aside>
</div>
{_reuse_html(x, r)}
</article>"""
    return shell(r.title, body, active="/doc/", head='<link rel="stylesheet" href="/static/reading.css">')


def index_page(x: Any) -> bytes:
    """Every document of the project, each linked to its reading view."""
    from rdflib import Literal, URIRef

    from qgraph.web.pages import esc, shell

    items = []
    for doc_id in sorted(x.loaded.documents):
        rows = x.store.query(_DOC, {"g": URIRef(GRAPH_NS + doc_id), "id": Literal(doc_id)}).rows
        title = str(rows[0][1]) if rows and rows[0][1] is not None else x.label(str(rows[0][0])) if rows else doc_id
        comp = str(rows[0][3]) if rows and rows[0][3] is not None else ""
        flag = f' <span class="badge">{esc(comp)}</span>' if comp and not rows[0][2].endswith("text-complete") else ""
        items.append(f'<li><a href="/doc/{esc(doc_id)}">{esc(title)}</a> <span class="docid">{esc(doc_id)}</span>{flag}</li>')
    body = (f"<section><h1>Documents</h1><p class='about'>Each source document's text with the passages the "
            f"facts rest on.</p><ol class='documents'>{''.join(items)}</ol></section>")
    return shell("Documents", body, active="/doc/", head='<link rel="stylesheet" href="/static/reading.css">')

