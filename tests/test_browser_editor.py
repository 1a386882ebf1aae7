"""The query editor (/query) in headless Chromium: YASGUI (vendored) against /sparql.

Loads with highlighting, runs a query and shows its rows with labels beside the IRIs, fires the
explorer's ``qgraph:result`` event, reopens a query from its permalink, gives the result as CSV
and JSON, binds a catalogue question's parameter, shows a syntax error in one line, and makes
no request outside this server and no CSP violation. Screenshots: test-artifacts/editor*.png.
"""

from __future__ import annotations

import csv
import io
import json
import urllib.parse
import urllib.request

from test_browser import WAIT, browser, console_errors, shot, site, wait  # noqa: F401 - fixtures

from conftest import PROJECT

NATIONS = ("SELECT ?nation ?label WHERE {\n  ?nation a qg:Nation ; rdfs:label ?label .\n"
           "  FILTER(LANG(?label) = \"en\")\n} ORDER BY ?label")
#: the listener the tests install: what each qgraph:result event carried
LISTEN = """window.qgraphResults = [];
document.addEventListener("qgraph:result", ev => window.qgraphResults.push({
  vars: ev.detail.result.head.vars, rows: ev.detail.result.results.bindings.length,
  container: ev.detail.container.id,
  table: ev.detail.table && ev.detail.table.id,
  above: !!(ev.detail.container.compareDocumentPosition(ev.detail.table) & Node.DOCUMENT_POSITION_FOLLOWING)}));"""


def _sparql(base: str, query: str, **params: str) -> list[dict]:
    q = urllib.parse.urlencode({"query": query, **{"$" + k: v for k, v in params.items()}, "format": "json"})
    with urllib.request.urlopen(f"{base}/sparql?{q}") as r:
        return json.load(r)["results"]["bindings"]


def _open(driver, url: str):
    driver.get(url)
    wait(driver, ".CodeMirror")
    driver.execute_script(LISTEN)


def _set_query(driver, text: str) -> None:
    driver.execute_script("window.qgraphEditor.yasqe.setValue(arguments[0])", text)


def _run(driver) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, "run").click()


def _rows(driver, count: int):
    """The YASR table's body rows, once there are ``count`` of them."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, WAIT).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#yasr table tbody tr td a.iri, #yasr table tbody tr td .nonIri"))
        and len(d.find_elements(By.CSS_SELECTOR, "#yasr table tbody tr")) == count)
    return driver.find_elements(By.CSS_SELECTOR, "#yasr table tbody tr")


def _no_outside_requests(driver, base: str) -> None:
    urls = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert urls, "the page loaded no resources"
    outside = [u for u in urls if not u.startswith(base + "/")]
    assert outside == [], outside


def test_editor_runs_a_query_with_labels_and_the_result_event(browser, site):  # noqa: F811
    from selenium.webdriver.common.by import By

    _open(browser, site + "/query")
    # highlighting: CodeMirror's DOM with SPARQL tokens styled by YASQE's mode
    keywords = [k.text for k in browser.find_elements(By.CSS_SELECTOR, ".CodeMirror .cm-keyword")]
    assert "SELECT" in keywords and "WHERE" in keywords
    assert browser.find_elements(By.CSS_SELECTOR, ".CodeMirror .cm-atom")  # ?variables
    # the project's prefixes are predeclared: YASQE's own check finds no error in qg:/rdfs: names
    assert browser.execute_script("const y = window.qgraphEditor.yasqe; y.checkSyntax(); return y.queryValid")
    _set_query(browser, NATIONS)
    _run(browser)
    expected = _sparql(site, NATIONS)
    assert len(expected) >= 10, "the project has fewer than ten nations"
    rows = _rows(browser, min(len(expected), 50))
    # labels beside IRIs, and each IRI leads to this server's page for it
    denmark = wait(browser, '#yasr td a.iri[href="/id/denmark"] + span.iri-label')[0]
    assert denmark.text == "Denmark"
    assert len(browser.find_elements(By.CSS_SELECTOR, "#yasr td span.iri-label")) == len(rows)
    # the AGREEMENT's event: after the result, with the SPARQL JSON, an empty container above the table
    events = browser.execute_script("return window.qgraphResults")
    assert events == [{"vars": ["nation", "label"], "rows": len(expected), "container": "views",
                       "table": "yasr", "above": True}]
    assert f"{len(expected)} rows" in browser.find_element(By.ID, "query-status").text
    shot(browser, "editor")
    assert console_errors(browser) == []
    _no_outside_requests(browser, site)


def test_permalink_reopens_and_runs_the_query(browser, site):  # noqa: F811
    from selenium.webdriver.common.by import By

    _open(browser, site + "/query")
    query = "SELECT ?forum ?label WHERE { ?forum a qg:Forum ; rdfs:label ?label } ORDER BY ?label"
    _set_query(browser, query)
    browser.find_element(By.ID, "copy-link").click()
    link = browser.find_element(By.ID, "permalink-text").get_attribute("value")
    assert link.startswith(site + "/query?query=")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["query"] == [query]
    assert browser.current_url == link  # the address bar shows it too
    browser.find_element(By.CSS_SELECTOR, ".yasqe_share").click()  # YASQE's own share button: the same link
    assert wait(browser, ".yasqe_sharePopup input")[0].get_attribute("value") == link
    expected = _sparql(site, query)
    assert expected, "no forums in the project"
    browser.get("about:blank")
    _open(browser, link)
    rows = _rows(browser, len(expected))  # it ran by itself
    assert browser.execute_script("return window.qgraphEditor.yasqe.getValue()") == query
    assert any("Quantum Development Group" in r.text for r in rows)
    assert console_errors(browser) == []


def test_csv_and_json_downloads(browser, site):  # noqa: F811
    from selenium.webdriver.common.by import By

    _open(browser, site + "/query")
    _set_query(browser, NATIONS)
    _run(browser)
    expected = _sparql(site, NATIONS)
    _rows(browser, min(len(expected), 50))
    csv_link = browser.find_element(By.ID, "download-csv")
    json_link = browser.find_element(By.ID, "download-json")
    assert csv_link.get_attribute("download") == "query.csv" and json_link.get_attribute("download") == "query.json"
    with urllib.request.urlopen(csv_link.get_attribute("href")) as r:
        assert r.headers["Content-Type"].startswith("text/csv")
        table = list(csv.reader(io.StringIO(r.read().decode("utf-8"))))
    assert table[0] == ["nation", "label"]
    assert table[1:] == [[b["nation"]["value"], b["label"]["value"]] for b in expected]
    with urllib.request.urlopen(json_link.get_attribute("href")) as r:
        assert r.headers["Content-Type"].startswith("application/sparql-results+json")
        data = json.load(r)
    assert data["head"]["vars"] == ["nation", "label"] and data["results"]["bindings"] == expected


def test_question_with_a_parameter(browser, site):  # noqa: F811
    from selenium.webdriver.common.by import By

    _open(browser, site + "/query")
    name = "cross-forums-listing-nation"  # "# param: ?nation — a nation (default: all listed by both)"
    link = wait(browser, f'#question-list a.question[data-name="{name}"]')[0]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    link.click()
    text = (PROJECT / "queries" / f"{name}.rq").read_text(encoding="utf-8")
    assert browser.execute_script("return window.qgraphEditor.yasqe.getValue()") == text
    box = wait(browser, "#params input#param-nation")[0]
    assert box.get_attribute("placeholder").startswith("e.g. qgid:japan")  # the catalogue's example
    assert browser.find_element(By.ID, "question-title").text == name
    every = list(csv.DictReader(io.StringIO((PROJECT / "queries" / f"{name}.csv").read_text(encoding="utf-8"))))
    mine = [r for r in every if r["nation"].endswith("/denmark")]
    assert len(every) > 1 and len(mine) == 1, "the expected answer has no single Denmark row"
    box.send_keys("qgid:denmark")
    _run(browser)
    rows = _rows(browser, 1)
    cells = [td.text for td in rows[0].find_elements(By.CSS_SELECTOR, "td")][1:]  # after the row number
    assert cells == ["qgid:denmark Denmark", '"Denmark"@en', f'"{mine[0]["mdqLists"]}"^^xsd:integer',
                     f'"{mine[0]["qdgLists"]}"^^xsd:integer'], cells
    assert browser.execute_script("return window.qgraphResults.map(e => e.rows)") == [1]
    # the parameter travels in the permalink and the downloads
    assert "%24nation=qgid%3Adenmark" in browser.find_element(By.ID, "permalink-text").get_attribute("value")
    with urllib.request.urlopen(browser.find_element(By.ID, "download-csv").get_attribute("href")) as r:
        assert len(r.read().decode().strip().splitlines()) == 2
    shot(browser, "editor-question")
    # emptied, the field leaves ?nation unbound: every row again
    box.clear()
    _run(browser)
    _rows(browser, len(every))
    assert console_errors(browser) == []
    _no_outside_requests(browser, site)


def test_syntax_error_in_one_readable_line(browser, site):  # noqa: F811
    from selenium.webdriver.common.by import By

    _open(browser, site + "/query")
    _set_query(browser, "SELECT ?nation WHERE {\n  ?nation a qg:Nation .\n  FILTER(?nation = ) }")
    _run(browser)
    err = wait(browser, "#query-error:not([hidden])")[0]
    assert err.text == "syntax error at line 3, column 3: unexpected 'FILTER'"
    # YASQE marks the line too (its own parser); its tooltip's style is allowed by the page's CSP
    from selenium.webdriver.common.action_chains import ActionChains

    marker = wait(browser, ".CodeMirror .parseErrorIcon")[0]
    ActionChains(browser).move_to_element(marker).perform()
    tip = wait(browser, ".yasqe_tooltip")[0]
    assert "This line is invalid" in tip.text
    assert tip.find_element(By.TAG_NAME, "strong").value_of_css_property("text-decoration-line") == "underline"
    _set_query(browser, "SELECT ?x WHERE { ?x a foo:Nation }")
    _run(browser)
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, WAIT).until(lambda d: "foo" in d.find_element(By.ID, "query-error").text)
    assert err.text == "syntax error at line 1, column 24: unknown prefix 'foo:' (declare it: PREFIX foo: <…>)"
    assert "\n" not in err.text and "expected one of" not in err.text
    assert browser.find_elements(By.CSS_SELECTOR, "#yasr table tbody tr") == []
    assert browser.execute_script("return window.qgraphResults.length") == 0
    shot(browser, "editor-error")
    logs = browser.get_log("browser")
    assert not [e for e in logs if "Content Security Policy" in e["message"]], logs
    # the two 400 answers are the only errors in the console
    assert [e for e in logs if e["level"] == "SEVERE" and " 400 " not in e["message"]] == []
    _no_outside_requests(browser, site)


def test_editor_result_shown_as_map_and_graph(browser, site):  # noqa: F811
    """The editor and the views together: static/views.js answers the editor's qgraph:result event
    with its Show-as bar above YASR's table; Map draws the nations of the result over the country
    outlines, Graph draws pairs of IRIs, Table brings YASR's table back."""
    from selenium.webdriver.common.by import By

    _open(browser, site + "/query")
    _set_query(browser, NATIONS)
    _run(browser)
    expected = _sparql(site, NATIONS)
    _rows(browser, min(len(expected), 50))
    wait(browser, "#views .showas button")
    buttons = {b.get_attribute("data-kind"): b for b in browser.find_elements(By.CSS_SELECTOR, "#views .showas button")}
    assert list(buttons) == ["table", "map", "graph", "timeline"]
    assert buttons["graph"].get_attribute("disabled") and buttons["timeline"].get_attribute("disabled")
    buttons["map"].click()
    q = urllib.parse.urlencode([("iri", b["nation"]["value"]) for b in expected])
    with urllib.request.urlopen(f"{site}/api/coordinates?{q}") as r:
        with_point = len(json.load(r))
    assert with_point >= 10, "fewer than ten nations have coordinates"
    wait(browser, "#views .view .qg-map[data-ready] path.qg-place", with_point)
    assert not browser.find_element(By.ID, "yasr").is_displayed()
    browser.execute_script("document.getElementById('query-status').scrollIntoView()")
    shot(browser, "editor-views-map", full=False)
    buttons["table"].click()
    assert browser.find_element(By.ID, "yasr").is_displayed()
    # pairs of IRIs: a graph
    pairs = ("SELECT ?nation ?forum WHERE { ?m org:member ?nation ; org:organization ?forum . "
             "?nation a qg:Nation }")
    _set_query(browser, pairs)
    _run(browser)
    wait(browser, "#views .showas button[data-kind=graph]:not([disabled])")
    browser.find_element(By.CSS_SELECTOR, "#views .showas button[data-kind=graph]").click()
    wait(browser, "#views .view .qg-network[data-ready] canvas")
    browser.execute_script("document.getElementById('query-status').scrollIntoView()")
    shot(browser, "editor-views-graph", full=False)
    # regression: run again with the graph shown, the new answer's table stayed hidden ("2 rows"
    # and nothing, Table marked as chosen); a CONSTRUCT's Turtle likewise
    assert not browser.find_element(By.ID, "yasr").is_displayed()
    _run(browser)
    wait(browser, "#views .showas button[data-kind=graph]:not([disabled])")
    assert browser.find_element(By.ID, "yasr").is_displayed()
    browser.find_element(By.CSS_SELECTOR, "#views .showas button[data-kind=graph]").click()
    wait(browser, "#views .view .qg-network[data-ready] canvas")
    _set_query(browser, "CONSTRUCT { ?n a qg:Nation } WHERE { ?n a qg:Nation }")
    _run(browser)
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, WAIT).until(lambda d: "ms" in d.find_element(By.ID, "query-status").text
                                       and "rows" not in d.find_element(By.ID, "query-status").text)
    assert browser.find_element(By.ID, "yasr").is_displayed()
    assert console_errors(browser) == []
    _no_outside_requests(browser, site)


def test_an_unknown_question_is_said_so(browser, site):  # noqa: F811
    """Regression: /query?question=<a name the catalogue does not hold> showed the editor as if
    no question had been asked, without a word."""
    from selenium.webdriver.common.by import By

    _open(browser, site + "/query?question=" + urllib.parse.quote("no-such-question<b>"))
    info = wait(browser, "#question-info:not([hidden])")[0]
    assert browser.find_element(By.ID, "question-title").text == "No such question"
    summary = browser.find_element(By.ID, "question-summary").text
    assert "no question named “no-such-question<b>”" in summary, summary
    assert info.find_elements(By.TAG_NAME, "b") == []  # the name stays text
    assert browser.find_elements(By.CSS_SELECTOR, "#question-list a.question.on") == []
    # a known one still opens as before
    _open(browser, site + "/query?question=cross-forums-listing-nation")
    wait(browser, "#question-info:not([hidden])")
    assert browser.find_element(By.ID, "question-title").text == "cross-forums-listing-nation"
    assert console_errors(browser) == []
