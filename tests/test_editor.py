"""The query editor's server side: the /query page, /api/labels, ``$var=`` bindings on /sparql,
and SPARQL syntax errors in one readable line (endpoint, stores, CLI, the message formatter).

HTTP tests talk to a real server on 127.0.0.1 over a private copy of the fixture project (the
``server``/``client`` fixtures of test_server.py)."""

from __future__ import annotations

import json
import urllib.parse

import pytest
from test_cli import assert_clean_error, qgraph
from test_server import QGID, client, rows, server  # noqa: F401 - fixtures

from qgraph.corpus.sparql_syntax import explain, readable
from qgraph.web.server import MAX_LOOKUP

#: (query, the line the user must see): each a mistake a person makes while typing
SYNTAX_CASES = [
    ("SELECT ?x WHERE {\n  ?x a qg:Nation .\n  FILTER(?x = ) }", "syntax error at line 3, column 3: unexpected 'FILTER'"),
    ("SELECT ?x WHERE { ?x a foo:Bar }",
     "syntax error at line 1, column 24: unknown prefix 'foo:' (declare it: PREFIX foo: <…>)"),
    ("SELEC ?x WHERE { ?x ?p ?o }", "syntax error at line 1, column 1: unexpected 'SELEC'; expected SELECT, "
                                   "CONSTRUCT, DESCRIBE or ASK (after PREFIX and BASE declarations)"),
    ("SELECT ?x WHERE { ?x ?p }", "syntax error at line 1, column 19: unexpected '?x'"),
    ("ASK { ?x ?p ?o", "syntax error at line 1, column 15: unexpected end of the query"),
    ("PREFIX ex: <http://e/>\nSELECT ?x WHERE {\n  ?x ex:p zz:y }",
     "syntax error at line 3, column 11: unknown prefix 'zz:' (declare it: PREFIX zz: <…>)"),
]
#: what Oxigraph said about the first unknown-prefix case (pyoxigraph 0.5), wrapped as it wraps it
OXIGRAPH_RAW = ("error at 1:31: expected one of Prefix not found, ['%'], ['-' | '0' ..= '9' | '\\u{00B7}' | "
                "'\\u{0300}'..='\\u{036F}' |\n'\\u{203F}'..='\\u{2040}'], ['.'], [':'], ['A' ..= 'Z' | 'a' ..= 'z' | "
                "'\\u{00C0}'..='\\u{00D6}' | '\\u{00D8}'..='\\u{00F6}'\n| '\\u{00F8}'..='\\u{02FF}'], ['\\\\'], ['_']")


# ---------------------------------------------------------------- the formatter

def test_oxigraph_grammar_dump_becomes_one_line():
    line = readable(OXIGRAPH_RAW, SYNTAX_CASES[1][0])
    assert line == SYNTAX_CASES[1][1]


@pytest.mark.parametrize("query,expected", SYNTAX_CASES)
def test_each_parser_says_it_in_one_readable_line(query, expected):
    import pyoxigraph as ox

    from qgraph.vocab import PREFIXES

    with pytest.raises(SyntaxError) as e:
        ox.Store().query(query, prefixes={k: v for k, v in PREFIXES.items() if k != "foo"})
    assert explain(query, e.value) == expected


def test_a_message_of_neither_parser_is_kept_on_one_line():
    assert readable("something\nodd  happened", "x") == "syntax error: something odd happened"


def test_oxigraph_lists_become_words():
    q = "SELECT * { ?s ?p ?o } LIMIT x"
    line = readable("error at 1:29: expected one of HAVING, OFFSET, OPTIONAL, VALUES, ['0'..='9']", q)
    assert line == "syntax error at line 1, column 29: unexpected 'x'; expected HAVING, OFFSET, OPTIONAL, VALUES or a digit"
    many = "error at 1:5: expected one of " + ", ".join(f"K{i}" for i in range(12)) + ", [_]"
    assert readable(many, "ASK {").endswith("expected one of K0, K1, K2, K3, K4, K5, K6, K7, … (4 more)")


# ---------------------------------------------------------------- the endpoint, stores and CLI

@pytest.mark.parametrize("query,expected", SYNTAX_CASES)
def test_endpoint_syntax_error_is_one_readable_line(client, query, expected):  # noqa: F811
    status, ctype, body, _ = client.query(query)
    assert status == 400 and ctype.startswith("text/plain")
    text = body.decode("utf-8")
    assert text == expected + "\n"
    assert "expected one of Prefix not found" not in text and "(at char" not in text


def test_stores_say_the_same_line(fixture_root):
    from qgraph.corpus.loading import load
    from qgraph.corpus.store import open_store
    from qgraph.errors import QgraphError

    loaded = load(fixture_root)
    for kind in ("oxigraph", "rdflib"):
        store = open_store(loaded, kind)
        for query, expected in SYNTAX_CASES[:2]:
            with pytest.raises(QgraphError) as e:
                store.query(query)
            assert str(e.value) == expected, kind


def test_cli_syntax_error_names_line_and_column(fixture_root, cli_env, tmp_path):
    q = tmp_path / "bad.rq"
    q.write_text(SYNTAX_CASES[1][0] + "\n", encoding="utf-8")
    r = qgraph("query", str(q), "--root", str(fixture_root), env=cli_env)
    assert_clean_error(r, 2, "bad.rq", SYNTAX_CASES[1][1])
    assert len(r.stderr.strip().splitlines()) == 1


# ---------------------------------------------------------------- $var bindings

NATIONS = "SELECT ?n ?name WHERE { ?n a qg:Nation ; rdfs:label ?name } ORDER BY ?name"


def _form(client, query: str, **params: str):  # noqa: F811
    body = urllib.parse.urlencode({"query": query, **{"$" + k: v for k, v in params.items()}})
    return client.request("POST", "/sparql", body, {"Content-Type": "application/x-www-form-urlencoded",
                                                    "Accept": "application/sparql-results+json"})


def test_dollar_parameter_binds_the_variable(client):  # noqa: F811
    every = rows(_form(client, NATIONS)[2])
    assert len(every) >= 2, "the fixture project has fewer than two nations"
    status, _, body, _ = _form(client, NATIONS, n="qgid:denmark")
    assert status == 200
    assert rows(body) == [{"n": {"type": "uri", "value": QGID + "denmark"}, "name": {"type": "literal", "value": "Denmark", "xml:lang": "en"}}]
    # GET, with a format, as the editor's download links send it
    q = urllib.parse.urlencode({"query": NATIONS, "$n": f"<{QGID}denmark>", "format": "csv"})
    status, ctype, body, _ = client.get("/sparql?" + q)
    assert status == 200 and ctype.startswith("text/csv")
    assert body.decode().splitlines() == ["n,name", f"{QGID}denmark,Denmark"]
    # an empty field leaves the variable unbound
    assert len(rows(_form(client, NATIONS, n="")[2])) == len(every)


def test_dollar_parameter_errors_are_400(client):  # noqa: F811
    status, _, body, _ = _form(client, NATIONS, nope="qgid:denmark")
    assert status == 400 and b"no variable ?nope" in body
    status, _, body, _ = _form(client, NATIONS, n="zz:denmark")
    assert status == 400 and b"unknown prefix 'zz'" in body
    q = "query=" + urllib.parse.quote(NATIONS) + "&%24n=qgid%3Aa&%24n=qgid%3Ab"
    status, _, body, _ = client.get("/sparql?" + q)
    assert status == 400 and b"more than one value" in body
    # regression: a variable the SELECT does not return was bound by Oxigraph's refusal, a 500
    status, _, body, _ = _form(client, "SELECT ?n WHERE { ?n a qg:Nation ; rdfs:label ?name }", name="'Denmark'@en")
    assert status == 400 and b"?name is not among the variables the query's SELECT returns (?n)" in body


# ---------------------------------------------------------------- /api/labels and /query

def test_labels_route(client):  # noqa: F811
    q = urllib.parse.urlencode([("iri", QGID + "denmark"), ("iri", QGID + "no-such-thing")])
    status, ctype, body, headers = client.get("/api/labels?" + q)
    assert status == 200 and ctype.startswith("application/json")
    assert json.loads(body) == {QGID + "denmark": "Denmark"}
    assert json.loads(client.get("/api/labels")[2]) == {}
    many = urllib.parse.urlencode([("iri", f"{QGID}x{i}") for i in range(MAX_LOOKUP + 1)])
    assert client.get("/api/labels?" + many)[0] == 400


def test_query_page(client, server):  # noqa: F811
    from qgraph.web.server import CSP

    status, ctype, body, headers = client.get("/query")
    assert status == 200 and ctype.startswith("text/html")
    page = body.decode("utf-8")
    for src in ("/static/vendor/yasgui/yasgui.min.js", "/static/vendor/yasgui/yasgui.min.css", "/static/editor.js",
                "/static/editor.css"):
        assert src in page
        assert client.get(src)[0] == 200
    assert 'id="fallback"' in page and 'action="/sparql"' in page  # works without script
    names = [e["name"] for e in server.app.explorer.questions()]
    assert names, "no questions in the fixture project"
    for n in names:
        assert f'data-name="{n}"' in page
    assert "data-params=\"[{&quot;name&quot;: &quot;forum&quot;" in page  # tiny-members' parameter
    prefixes = json.loads(__import__("html").unescape(page.split('data-prefixes="')[2].split('"')[0]))
    assert prefixes == server.app.loaded.prefixes
    csp = headers["content-security-policy"]
    assert "script-src 'self';" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert csp != CSP  # the one extension, for YASQE's error tooltip (style only)
    assert client.get("/")[3]["content-security-policy"] == CSP
    home = client.get("/")[2].decode()
    assert 'href="/query"' in home and 'href="/query?question=tiny-members"' in home


def test_editor_csp_hashes_are_those_of_the_vendored_yasgui():
    """The /query page's CSP allows YASGUI's own inline styles by hash: recomputed here from the
    vendored file, so that a new YASGUI with other styles fails this test, not the page."""
    import base64
    import hashlib
    import re
    from importlib.resources import files

    from qgraph.web.server import CSP, EDITOR_CSP, EDITOR_STYLE_HASHES

    js = (files("qgraph.web") / "static" / "vendor" / "yasgui" / "yasgui.min.js").read_text(encoding="utf-8")
    grip = re.search(r"createStyle\(a,`( \.grip-resizable\{[^`]*)`\)", js)
    drag = re.search(r"createStyle\(document\.querySelector\(`head`\),`(\*\{cursor:)`\+n\.opt\.dragCursor\+`(!important\})`", js)
    cursor = re.search(r"dragCursor:`([^`]+)`", js)
    tooltip = re.search(r"<strong style='([^']*)'>", js)
    assert grip and drag and cursor and tooltip, "YASGUI's inline styles are not where 4.6.2 has them"
    texts = {"column-resizer": grip.group(1), "column-resizer-drag": drag.group(1) + cursor.group(1) + drag.group(2),
             "yasqe-tooltip": tooltip.group(1)}
    for name, text in texts.items():
        digest = "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
        assert EDITOR_STYLE_HASHES[name] == digest, name
        assert f"'{digest}'" in EDITOR_CSP
    assert "'unsafe-inline'" not in EDITOR_CSP
    assert EDITOR_CSP.replace(" 'unsafe-hashes'", "").split("style-src")[0] == CSP.split("style-src")[0]


def test_a_browser_opening_the_endpoint_is_sent_to_the_editor(client):  # noqa: F811
    status, _, _, headers = client.get("/sparql", accept="text/html,application/xhtml+xml,*/*;q=0.8")
    assert status == 303 and headers["location"] == "/query"
    assert client.get("/sparql", accept="application/sparql-results+json")[0] == 400  # a client: no query
