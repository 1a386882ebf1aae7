"""HTML pages. Every value from the graph or the request goes through :func:`esc`; an IRI becomes
a live link only through :func:`link`, which allows this server's own pages and ``http(s)``
IRIs elsewhere and nothing else (a ``javascript:`` or ``data:`` IRI stays inert text).

The pages carry no inline script or style (the server sends a Content-Security-Policy that
forbids them); ``/static/explorer.js`` runs searches and queries, ``/static/views.js`` draws the
pictures and the "show as" views with the vendored libraries of ``static/vendor/``.
"""

from __future__ import annotations

import html
import json
from typing import Any
from urllib.parse import urlsplit

from qgraph.vocab import DCTERMS, ENRICHMENT_GRAPH, PREFIXES, QG, RDFS_LABEL, WDT
from qgraph.web.explorer import MATCH_PROPS, QGID, Entity, Explorer, Fact, href

NAV = [("/", "Explore"), ("/doc/", "Documents"), ("/network", "Network"), ("/timeline", "Timeline"), ("/map", "Map"),
       ("/query", "SPARQL")]


#: control characters HTML may not carry as text (a NUL, an escape): shown as their pictures
#: (U+2400…), where a search for "%00" put a raw NUL into the page
_CONTROLS = {c: 0x2400 + c for c in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20))} | {0x7F: 0x2421}


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True).translate(_CONTROLS)


def is_web_iri(iri: str) -> bool:
    try:
        parts = urlsplit(iri)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def link(iri: str, text: str | None = None, known: bool = True, cls: str = "") -> str:
    """``<a>`` to this server's page of ``iri`` (``known``), to ``iri`` itself (another web
    dataset), or plain text when ``iri`` is not an http(s) IRI."""
    label = esc(text if text is not None else iri)
    c = f' class="{esc(cls)}"' if cls else ""
    if not is_web_iri(iri):
        return f'<span class="iri inert"{c} title="{esc(iri)}">{label}</span>'
    if known or iri.startswith(QGID):
        return f'<a href="{esc(href(iri))}"{c} title="{esc(iri)}">{label}</a>'
    return f'<a href="{esc(iri)}" class="ext{" " + esc(cls) if cls else ""}" rel="noopener noreferrer nofollow">{label}</a>'


#: the prefixes the explorer's script shortens IRIs with (qgraph.vocab, the one place they are written)
_PREFIXES_JSON = json.dumps({f"{p}:": ns for p, ns in {**PREFIXES, "wdt": WDT}.items() if p not in ("qgsh", "sh", "vann")},
                            separators=(",", ":"))


#: the served corpus's name (:attr:`qgraph.project.Project.name`), after each page's title; set
#: once by the server for the one corpus it serves (:func:`qgraph.web.server.make_app`)
CORPUS_NAME = "qgraph"


def shell(title: str, body: str, active: str = "/", head: str = "") -> bytes:
    on = ' class="on"'
    nav = "".join(f'<a href="{esc(u)}"{on if u == active else ""}>{esc(t)}</a>' for u, t in NAV)
    page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} · {esc(CORPUS_NAME)}</title>
<link rel="stylesheet" href="/static/style.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<script src="/static/common.js" defer></script>
<script src="/static/explorer.js" defer></script>
{head}</head>
<body data-prefixes="{esc(_PREFIXES_JSON)}">
<header class="top"><a class="brand" href="/">qgraph</a><nav>{nav}</nav>
<form class="quick" action="/search" method="get" role="search"><input name="q" type="search" placeholder="Search labels…" aria-label="Search labels"></form></header>
<main>
{body}
</main>
<footer>A knowledge graph of quantum diplomacy: every fact traced to the passage of its source document.
<a href="/sparql">SPARQL endpoint</a> · <a href="/api/graphs">named graphs</a></footer>
</body>
</html>
"""
    return page.encode("utf-8")


def _term(x: Explorer, value: Any, label: str | None = None, blanks: dict | None = None) -> str:
    from rdflib import BNode, Literal, URIRef

    if isinstance(value, URIRef):
        iri = str(value)
        return link(iri, label or x.label(iri), known=x.has_page(iri))
    if isinstance(value, Literal):
        extra = ""
        if value.language:
            extra = f'<span class="lang">@{esc(value.language)}</span>'
        elif value.datatype is not None:
            extra = f'<span class="dt">{esc(x.label(str(value.datatype)))}</span>'
        return f'<span class="lit">{esc(value)}</span>{extra}'
    if isinstance(value, BNode) and blanks and str(value) in blanks:
        inner = "".join(f"<li>{_vocab(x, p)} {_term(x, o)}</li>" for p, o in blanks[str(value)])
        return f'<ul class="bnode">{inner}</ul>'
    return '<span class="inert">(blank node)</span>'


def _vocab(x: Explorer, iri: str) -> str:
    """A property or class: linked to its page here where the graph describes it, else to the
    IRI itself (another vocabulary's term the graph only uses: ``rdfs:subClassOf``)."""
    return link(iri, x.label(iri), known=x.has_page(iri))


def _fact_rows(x: Explorer, facts: list[Fact], incoming: bool = False, blanks: dict | None = None) -> str:
    rows = []
    for f in facts:
        docs = ", ".join(esc(g.rsplit("/", 1)[-1]) for g in f.graphs)
        prop = _vocab(x, f.prop)
        val = _term(x, f.value, f.label, blanks)
        if incoming:
            rows.append(f"<tr><td>{val}</td><td>{prop}</td><td class='this'>this</td></tr>")
        else:
            rows.append(f"<tr><td>{prop}</td><td>{val}</td><td class='graphs'>{docs}</td></tr>")
    return "\n".join(rows)


def _reading_link(e: Entity) -> str:
    """A source document's page leads to its reading view (/doc/<doc-id>)."""
    if QG + "SourceDocument" not in e.types:
        return ""
    ids = [str(f.value) for f in e.facts if f.prop == DCTERMS + "identifier"]
    if not ids:
        return ""
    return (f'<p class="read"><a class="read-text" href="/doc/{esc(ids[0])}">Read the text with its '
            f'evidence passages highlighted</a></p>')


def entity_page(x: Explorer, e: Entity, blanks: dict | None = None) -> bytes:
    types = " ".join(f'<span class="type">{_vocab(x, t)}</span>' for t in e.types) or '<span class="inert">untyped</span>'
    # other names than the heading's, each once ("Liz Kendall — Also called: Liz Kendall", her
    # foaf:name, on 80 of the pages)
    names = dict.fromkeys(str(f.value) for f in e.facts if f.prop.endswith(("#altLabel", "#prefLabel", "/name")))
    alts = ", ".join(esc(n) for n in names if n != str(e.label))
    body = [f"""<article class="entity">
<h1>{esc(e.label)}</h1>
<p class="iri">{esc(e.iri)}</p>
<p class="types">{types}</p>
{f'<p class="alt">Also called: {alts}</p>' if alts else ''}
{_reading_link(e)}
<p class="formats">This description as <a href="{esc(href(e.iri))}{'&' if '?' in href(e.iri) else '?'}format=turtle">Turtle</a>,
<a href="{esc(href(e.iri))}{'&' if '?' in href(e.iri) else '?'}format=jsonld">JSON-LD</a>,
<a href="{esc(href(e.iri))}{'&' if '?' in href(e.iri) else '?'}format=ntriples">N-Triples</a></p>
"""]
    facts = [f for f in e.facts if f.prop != RDFS_LABEL]
    body.append("<section><h2>Facts</h2>")
    body.append(f"<table class='facts'><thead><tr><th>property</th><th>value</th><th>from</th></tr></thead><tbody>"
                f"{_fact_rows(x, facts, blanks=blanks)}</tbody></table>" if facts else "<p class='none'>No facts.</p>")
    body.append("</section><section><h2>Referenced by</h2>")
    body.append(f"<table class='facts incoming'><tbody>{_fact_rows(x, e.incoming, True)}</tbody></table>"
                if e.incoming else "<p class='none'>Nothing points here.</p>")
    body.append("</section><section id='evidence'><h2>Evidence</h2>")
    if e.evidence:
        for ev in e.evidence:
            sup = ", ".join(_vocab(x, s) for s in ev["supports"])
            conf = f'<span class="badge conf-{esc(ev["confidence"])}">confidence: {esc(ev["confidence"])}</span>' if ev["confidence"] else ""
            der = f'<p class="derivation">Derived: {esc(ev["derivation"])}</p>' if ev["derivation"] else ""
            body.append(f"""<figure class="passage">
<blockquote>{esc(ev["exact"])}</blockquote>
<figcaption>{link(ev["doc"], ev["doc_label"], cls="doc")}{f' <span class="docid">[{esc(ev["id"])}]</span>' if ev["id"] else ''}
{f'· supports {sup}' if sup else ''} {conf} · {link(ev["iri"], "passage node", cls="evnode")}</figcaption>
{der}</figure>""")
    else:
        body.append("<p class='none'>No evidence passage is attached to this node.</p>")
    body.append("</section><section id='elsewhere'><h2>In other datasets</h2>")
    if e.matches:
        items = []
        for m in e.matches:
            iri = str(m.value)
            here = f' · <a href="{esc(href(iri))}">what this graph says about it</a>' if x.exists(iri) else ""
            items.append(f"<li>{esc(MATCH_PROPS.get(m.prop, x.label(m.prop)))}: {link(iri, iri, known=False)}"
                         f"{here} <span class='graphs'>{esc(', '.join(g.rsplit('/', 1)[-1] for g in m.graphs))}</span></li>")
        body.append(f"<ul class='matches'>{''.join(items)}</ul>")
    else:
        body.append("<p class='none'>No links to other datasets.</p>")
    body.append("</section></article>")
    return shell(e.label, "\n".join(body), active="")


def not_found(what: str) -> bytes:
    return shell("Not found", f"<h1>Not found</h1><p>{esc(what)}</p><p><a href='/'>Back to the explorer</a></p>", "")


def search_page(x: Explorer, q: str, hits: list[dict[str, Any]]) -> bytes:
    items = "".join(f"<li>{link(h['iri'], h['label'])} <span class='types'>{esc(', '.join(h['types']))}</span>"
                    f"{'' if h['matched'] == h['label'] else ' <span class=matched>(' + esc(h['matched']) + ')</span>'}</li>"
                    for h in hits)
    body = (f"<h1>Search</h1><form action='/search' method='get'><input name='q' value='{esc(q)}' type='search' "
            "aria-label='Search labels'>"
            f" <button>Search</button></form>"
            + (f"<ol class='hits'>{items}</ol>" if hits else f"<p class='none'>No label contains “{esc(q)}”.</p>"))
    return shell(f"Search: {q}", body, "")


def _questions(x: Explorer) -> str:
    out = []
    for qn in x.questions():
        params = (f"<span class='params'>parameters: {esc(', '.join('?' + p['name'] for p in qn['params']))}"
                  " (unbound here: all rows)</span>" if qn["params"] else "")
        out.append(f"""<li class="question" id="q-{esc(qn['name'])}">
<div class="qhead"><button type="button" class="run" data-name="{esc(qn['name'])}">Run</button>
<a class="edit" href="/query?question={esc(qn['name'])}">Edit</a>
<span class="qname">{esc(qn['name'])}</span> <span class="summary">{esc(qn['summary'])}</span> {params}</div>
<pre class="qtext" hidden>{esc(qn['query'])}</pre>
<div class="qresult" aria-live="polite"></div></li>""")
    return "\n".join(out)


#: the vendored libraries (static/vendor/, see its README.md) and static/views.js, which draws the
#: pictures and the "show as" views of a query's result; only the pages that draw them load them
VIEWS_HEAD = "".join(
    [f'<link rel="stylesheet" href="/static/vendor/{css}">\n' for css in (
        "vis-network/vis-network.min.css", "vis-timeline/vis-timeline-graph2d.min.css", "leaflet/leaflet.css")]
    + [f'<script src="/static/{js}" defer></script>\n' for js in (
        "vendor/vis-network/vis-network.min.js", "vendor/vis-timeline/vis-timeline-graph2d.min.js",
        "vendor/leaflet/leaflet.js", "vendor/topojson-client/topojson-client.min.js", "views.js")])


def picture(kind: str, heading: str = "h2") -> str:
    """A picture's section; ``heading``: its title's element (``h1`` on the picture's own page,
    which had no h1)."""
    titles = {"network": ("Network", "Nations, forums, agreements, joint statements and institutions, and how the documents connect them. "
                          "Dashed lines come only from linked data (the enrichment graph). Scroll or use the buttons "
                          "to zoom, drag the background to pan, drag a node to move it; click a node to open its page. "
                          "From the keyboard: the list under the picture links every node and names its links."),
              "timeline": ("Timeline", "The dated events of the documents, to scale, one row per kind of event; "
                           "events of the same kind on the same day from the same document are one item with a count "
                           "(click it for the list). Scroll to zoom, drag to pan. Days the texts give without a year "
                           "are listed below the timeline, not placed on a year. From the keyboard: the list under "
                           "the picture links every event on it."),
              "map": ("Map", f"Nations and places with coordinates from the linked data "
                      f"(the enrichment graph <code>{esc(ENRICHMENT_GRAPH)}</code>), over the country outlines of "
                      "Natural Earth (1:110m). Zoom with the buttons or the wheel, drag to pan; a label that would "
                      "overlap another is hidden until you zoom in (hover over its point to read it). From the keyboard: "
                      "Tab reaches each point (its label shows) and Enter opens its page; the list under the map "
                      "links every point.")}
    title, about = titles[kind]
    return (f"<section id='{kind}-section' class='picture'><{heading}>{title}</{heading}><p class='about'>{about}</p>"
            f"<div id='{kind}' class='{kind} canvas' data-src='/api/{kind}'><p class='loading'>Drawing…</p></div></section>")


def home(x: Explorer) -> bytes:
    n_docs = len(x.loaded.documents)
    body = f"""<section class="intro"><h1>Quantum diplomacy, traced to the text</h1>
<p>{len(x.loaded.quads)} statements in the graphs of {n_docs} source documents, the ontology and the linked data
(a fact two documents state is counted in each; <code>qgraph stats</code> counts the distinct triples).
Search for a nation, a person or an agreement; run a question; or write your own SPARQL.</p></section>
<section id="search-section"><h2>Search</h2>
<form id="search-form" action="/search" method="get" role="search">
<input id="search" name="q" type="search" placeholder="e.g. Denmark, Kendall, memorandum" autocomplete="off" aria-label="Search by label">
<button type="submit">Search</button></form>
<ol id="search-results" class="hits" aria-live="polite"></ol></section>
<section id="questions-section"><h2>Questions</h2>
<p class="about">The competency questions of the catalogue (<code>queries/*.rq</code>). Run one to see its answer as a table,
then show it as a map, a graph or a timeline when it fits.</p>
<ol class="questions">{_questions(x)}</ol></section>
<section id="query"><h2>SPARQL</h2>
<p class="open-editor"><a id="open-editor" href="/query">Open the query editor</a>: highlighting, the questions with inputs
for their parameters, a link to share, CSV and JSON downloads, labels beside IRIs. Or type a query here:</p>
<form id="query-form" action="/sparql" method="post">
<textarea id="query-text" name="query" rows="9" spellcheck="false" aria-label="SPARQL query">SELECT ?nation ?label WHERE {{
  ?nation a qg:Nation ; rdfs:label ?label .
}} ORDER BY ?label</textarea>
<div class="row"><button type="submit" id="query-run">Run query</button>
<span class="hint">Read-only; the project's prefixes (qg:, qgid:, org:, skos:, …) are predeclared. Endpoint: <code>/sparql</code></span></div>
</form>
<div id="query-result" class="qresult" aria-live="polite"></div></section>
{picture("network")}
{picture("timeline")}
{picture("map")}
"""
    return shell("Explorer", body, "/", VIEWS_HEAD)


def picture_page(kind: str) -> bytes:
    return shell(kind.capitalize(), picture(kind, "h1"), "/" + kind, VIEWS_HEAD)


#: the query the editor opens with (its PREFIX lines are the project's, from the loaded project)
DEFAULT_QUERY = """SELECT ?nation ?label WHERE {
  ?nation a qg:Nation ; rdfs:label ?label .
} ORDER BY ?label"""


def _prefix_lines(prefixes: dict[str, str], used: list[str]) -> str:
    return "".join(f"PREFIX {p}: <{prefixes[p]}>\n" for p in used if p in prefixes)


def query_page(x: Explorer) -> bytes:
    """``/query``: YASGUI's editor (YASQE) and result view (YASR), vendored under
    /static/vendor/yasgui/, driven by /static/editor.js against /sparql. Without script the
    page is a plain form that POSTs the query to /sparql. The "show as" views (VIEWS_HEAD:
    static/views.js and its libraries) listen for the ``qgraph:result`` event editor.js sends."""
    prefixes = dict(x.loaded.prefixes)
    items = []
    for qn in x.questions():
        params = json.dumps([{"name": p["name"], "about": p["about"]} for p in qn["params"]], ensure_ascii=False)
        n = len(qn["params"])
        badge = f' <span class="nparams">{n} parameter{"s" if n > 1 else ""}</span>' if n else ""
        items.append(f"""<li><a class="question" href="/query?question={esc(qn['name'])}" data-name="{esc(qn['name'])}"
data-params="{esc(params)}"><span class="qname">{esc(qn['name'])}</span>{badge}<span class="summary">{esc(qn['summary'])}</span></a>
<pre class="qtext" hidden>{esc(qn['query'])}</pre></li>""")
    default = _prefix_lines(prefixes, ["qg", "rdfs"]) + DEFAULT_QUERY
    names = ", ".join(f"{p}:" for p in prefixes)
    body = f"""<div class="editor-page">
<aside id="question-list" class="question-list" aria-label="Questions">
<h2>Questions</h2>
<input id="question-filter" type="search" placeholder="Filter the questions…" aria-label="Filter the questions">
<ol>{"".join(items)}</ol>
</aside>
<div class="editor-main">
<h1>SPARQL query editor</h1>
<p class="about">Read-only SPARQL 1.1 against this graph (endpoint <code>/sparql</code>). The project's prefixes
are predeclared (<code>{esc(names)}</code>): a query may use them without PREFIX lines. Ctrl-Enter runs the query.</p>
<div id="question-info" class="question-info" hidden>
<h2 id="question-title"></h2><p id="question-summary" class="about"></p>
<form id="params" class="params" autocomplete="off"></form>
</div>
<div id="editor" data-prefixes="{esc(json.dumps(prefixes, separators=(',', ':')))}">
<form id="fallback" class="fallback" action="/sparql" method="post">
<textarea id="fallback-query" name="query" rows="9" spellcheck="false" aria-label="SPARQL query">{esc(default)}</textarea>
<div class="row"><button type="submit">Run query</button> <span class="hint">(the page's script is off: the answer opens as a file)</span></div>
</form>
</div>
<div id="actions" class="actions" hidden>
<button type="button" id="run" class="primary">Run query</button>
<button type="button" id="copy-link">Copy link</button>
<input id="permalink-text" class="permalink" readonly aria-label="Link to this query" value="">
<span class="downloads">Download: <a id="download-csv" download="query.csv" href="/sparql">CSV</a>
<a id="download-json" download="query.json" href="/sparql">JSON</a></span>
<button type="button" id="add-prefixes" title="Write the project's PREFIX lines into the query">Add PREFIX lines</button>
</div>
<p id="query-error" class="error" role="alert" hidden></p>
<p id="query-status" class="count" aria-live="polite"></p>
<div id="views" class="views"></div>
<div id="yasr"></div>
</div>
</div>"""
    head = ('<link rel="stylesheet" href="/static/vendor/yasgui/yasgui.min.css">\n'
            '<link rel="stylesheet" href="/static/editor.css">\n'
            '<script src="/static/vendor/yasgui/yasgui.min.js" defer></script>\n'
            '<script src="/static/editor.js" defer></script>\n' + VIEWS_HEAD)
    return shell("Query editor", body, "/query", head)
