"""The pages in a real headless browser: Debian's ``chromium`` driven by Selenium through Debian's
``chromedriver`` (same version as the browser). Clicks through search → entity → evidence →
document → question, draws the three pictures, and saves full-page screenshots under
``test-artifacts/``.

Without chromium the tests are skipped on a workstation, but fail when ``CI=true``:
scripts/test.sh installs ``chromium`` and ``chromium-driver`` in CI.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import tempfile
import urllib.request
from pathlib import Path

import pytest
from test_server import make_project

from conftest import PROJECT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = PROJECT / "test-artifacts"
ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1280,900")
WAIT = 30  # seconds a page may take (a ceiling, not a timed assertion)


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).is_file():
            return f"{path} not found (apt-get install -y chromium chromium-driver)"
    return None


@pytest.fixture(scope="module")
def browser():
    why = _missing()
    if why:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests cannot run in CI: {why}")
        pytest.skip(why)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="qgraph-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ARGS:
        opts.add_argument(a)
    opts.add_argument(f"--user-data-dir={profile}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=opts, service=Service(CHROMEDRIVER))
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def site():
    """The server over the project's own data (read-only; the pictures need real links)."""
    from qgraph.web.server import Running

    with Running(PROJECT) as running:
        yield running.url


def shot(driver, name: str, full: bool = True) -> Path:
    """Save a screenshot (``full``: the whole page; else the window, for pages with a sticky column)."""
    ARTIFACTS.mkdir(exist_ok=True)
    png = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": full})
    path = ARTIFACTS / f"{name}.png"
    path.write_bytes(base64.b64decode(png["data"]))
    assert path.stat().st_size > 1000
    return path


def wait(driver, css: str, count: int = 1):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, WAIT).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, css)) >= count)
    return driver.find_elements(By.CSS_SELECTOR, css)


def console_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_search_entity_evidence_question(browser, site):
    from selenium.webdriver.common.by import By

    browser.get(site + "/")
    box = wait(browser, "#search")[0]
    box.send_keys("Denmark")
    hits = wait(browser, "#search-results a.hit")
    hit = next(h for h in hits if h.text == "Denmark")
    shot(browser, "01-search")
    hit.click()
    wait(browser, "article.entity h1")
    assert browser.current_url.endswith("/id/denmark")
    assert browser.find_element(By.CSS_SELECTOR, "article.entity h1").text == "Denmark"
    passages = wait(browser, "#evidence figure.passage blockquote")
    assert all(p.text.strip() for p in passages)
    shot(browser, "02-entity-denmark")
    doc = browser.find_element(By.CSS_SELECTOR, "#evidence figure.passage figcaption a.doc")
    title = doc.text
    doc.click()
    wait(browser, "article.entity h1")
    assert browser.find_element(By.CSS_SELECTOR, "article.entity h1").text == title
    assert "/id/doc-" in browser.current_url
    shot(browser, "03-evidence-document")
    browser.get(site + "/")
    run = wait(browser, 'button.run[data-name="qdg-members"]')[0]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", run)
    run.click()
    cells = wait(browser, "#q-qdg-members table.results tbody tr")
    expected = (PROJECT / "queries" / "qdg-members.csv").read_text(encoding="utf-8").strip().splitlines()
    assert len(cells) == len(expected) - 1
    links = browser.find_elements(By.CSS_SELECTOR, "#q-qdg-members table.results a")
    assert any(a.get_attribute("href").endswith("/id/denmark") for a in links)
    shot(browser, "04-question-qdg-members")
    assert console_errors(browser) == []


def test_query_editor(browser, site):
    from selenium.webdriver.common.by import By

    browser.get(site + "/#query")
    area = wait(browser, "#query-text")[0]
    area.clear()
    area.send_keys("SELECT ?forum ?label WHERE { ?forum a qg:Forum ; rdfs:label ?label } ORDER BY ?label")
    browser.find_element(By.CSS_SELECTOR, "#query-run").click()
    rows = wait(browser, "#query-result table.results tbody tr")
    assert any("Quantum Development Group" in r.text for r in rows)
    area.clear()
    area.send_keys("INSERT DATA { <http://e/s> <http://e/p> 1 }")
    browser.find_element(By.CSS_SELECTOR, "#query-run").click()
    err = wait(browser, "#query-result .error")[0]
    assert err.text.startswith("403")
    browser.get_log("browser")  # drain: the refused update logged its 403 on purpose


def browser_log(driver) -> list[dict]:
    """The console messages since the last call (reading them drains the log)."""
    return driver.get_log("browser")


def severe_or_csp(log: list[dict]) -> list[str]:
    """Errors, and any Content-Security-Policy violation whatever its level."""
    return [e["message"] for e in log if e["level"] == "SEVERE" or "Content Security Policy" in e["message"]
            or "Refused to" in e["message"]]


def until(driver, script: str, *args):
    """Wait until ``script`` (JavaScript returning a value) returns something truthy; return it."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT).until(lambda d: d.execute_script(script, *args))


def api(site: str, name: str):
    with urllib.request.urlopen(f"{site}/api/{name}") as r:
        return json.load(r)


def test_network_picture(browser, site):
    """vis-network draws every node on a canvas; parallel links are one edge; linked-data-only
    links are dashed; the wheel zooms; a click on a node opens its page."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.wheel_input import ScrollOrigin

    net = api(site, "network")
    assert net["nodes"] and net["links"], "the project has no network"
    browser_log(browser)
    browser.get(site + "/network")
    canvas = wait(browser, "#network .qg-network[data-ready] canvas")[0]
    get = "return document.querySelector('#network .qg-network').qgraph"
    assert browser.execute_script(get + ".body.data.nodes.length") == len(net["nodes"])
    pairs = {(link["source"], link["target"]) for link in net["links"]}
    assert browser.execute_script(get + ".body.data.edges.length") == len(pairs)
    dashed = browser.execute_script(get + ".body.data.edges.get().filter(e => e.dashes).length")
    linked_only = {(a, b) for a, b in pairs if all(link["linked"] for link in net["links"]
                                                  if (link["source"], link["target"]) == (a, b))}
    assert dashed == len(linked_only)
    labels = browser.execute_script(get + ".body.data.edges.get().filter(e => e.label).length")
    assert labels == len(pairs)  # every edge is labelled
    shot(browser, "pictures-network")
    scale = browser.execute_script(get + ".getScale()")
    ActionChains(browser).scroll_from_origin(ScrollOrigin.from_element(canvas), 0, -300).perform()
    zoomed = until(browser, "const s = document.querySelector('#network .qg-network').qgraph.getScale();"
                            "return s !== arguments[0] ? s : null;", scale)
    assert zoomed > scale
    # a click on Denmark's node opens Denmark's page
    denmark = next(n for n in net["nodes"] if n["href"] == "/id/denmark")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", canvas)
    browser.execute_script("const n = document.querySelector('#network .qg-network').qgraph;"
                           "n.moveTo({position: n.getPositions([arguments[0]])[arguments[0]], scale: 1.5, animation: false});",
                           denmark["id"])
    shot(browser, "pictures-network-zoomed", full=False)
    x, y = browser.execute_script("const n = document.querySelector('#network .qg-network').qgraph;"
                                  "const p = n.canvasToDOM(n.getPositions([arguments[0]])[arguments[0]]);"
                                  "const r = arguments[1].getBoundingClientRect(); return [p.x - r.width / 2, p.y - r.height / 2];",
                                  denmark["id"], canvas)
    ActionChains(browser).move_to_element_with_offset(canvas, int(x), int(y)).click().perform()
    until(browser, "return location.pathname === '/id/denmark'")
    assert severe_or_csp(browser_log(browser)) == []


def test_timeline_picture(browser, site):
    """vis-timeline, to scale: one group row per kind; the events of one kind on one day from one
    document are one item with their count; the days given without a year are listed apart."""
    from collections import Counter

    from selenium.webdriver.common.by import By

    events = api(site, "timeline")["events"]
    dated = [e for e in events if e["year_stated"]]
    undated = [e for e in events if not e["year_stated"]]
    assert dated and undated, "the project needs dated events and days without a year"
    assert all(e["date"].startswith("--") for e in undated)
    buckets = Counter((e["date"], e["kind"], e["document"]) for e in dated)
    biggest = max(buckets.values())
    assert biggest >= 2, "no repeated event to group"
    browser_log(browser)
    browser.get(site + "/timeline")
    wait(browser, "#timeline .qg-timeline[data-ready]")
    items = browser.find_elements(By.CSS_SELECTOR, "#timeline .qg-timeline .vis-item.vis-box")
    assert len(items) == len(buckets)
    groups = browser.find_elements(By.CSS_SELECTOR, "#timeline .vis-labelset .vis-label")
    assert len(groups) == len({e["kind"] for e in events})
    counts = sorted(int(c.get_attribute("textContent").lstrip("×")) for c in browser.find_elements(By.CSS_SELECTOR, "#timeline .vis-item.qg-grouped .qg-count"))
    assert counts == sorted(n for n in buckets.values() if n > 1)
    listed = browser.find_elements(By.CSS_SELECTOR, "#timeline .qg-undated li")
    assert len(listed) == len(undated) and all("year not stated" in li.text for li in listed)
    # regression: a row counted the days without a year too ("meeting (7)" over four meetings)
    drawn = Counter(e["kind"] for e in dated)
    labels = {g.get_attribute("textContent") for g in groups}
    assert labels == {f"{k} ({drawn.get(k, 0)})" for k in {e["kind"] for e in events}}, labels
    # the time axis is a scale: the labels of the years between the first and the last event
    years = {int(e["date"][:4]) for e in dated}
    axis = {t.get_attribute("textContent") for t in browser.find_elements(By.CSS_SELECTOR, "#timeline .vis-time-axis .vis-text.vis-major, #timeline .vis-time-axis .vis-text.vis-minor")}
    assert {str(y) for y in range(min(years) + 1, max(years))} <= axis
    shot(browser, "pictures-timeline")
    big = next(c for c in browser.find_elements(By.CSS_SELECTOR, "#timeline .vis-item.qg-grouped .qg-count")
               if c.get_attribute("textContent") == f"×{biggest}")
    big.click()
    links = wait(browser, "#timeline .qg-details li a", biggest)
    assert len(links) == biggest
    shot(browser, "pictures-timeline-group-open")
    assert severe_or_csp(browser_log(browser)) == []
    # regression: in a narrow window (375 px) the window was widened to the year 6997, to make
    # room for boxes that could not fit: it stays within the dates and as much again
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 375, "height": 800, "deviceScaleFactor": 1, "mobile": True})
    try:
        browser.get(site + "/timeline")
        wait(browser, "#timeline .qg-timeline[data-ready]")
        end = browser.execute_script("return document.querySelector('.qg-timeline').qgraph.getWindow().end.getUTCFullYear()")
        assert end <= 2 * max(years) - min(years) + 1, end
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_map_picture(browser, site):
    """Leaflet over the Natural Earth country outlines: more than 100 countries in the base layer,
    one point per place, the zoom button zooms, visible labels never overlap, Korea is in view."""
    from selenium.webdriver.common.by import By

    places = api(site, "map")["points"]
    assert places, "the project has no coordinates"
    browser_log(browser)
    browser.get(site + "/map")
    wait(browser, "#map .qg-map[data-ready]")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#map .leaflet-overlay-pane path.qg-country")) > 100
    assert len(browser.find_elements(By.CSS_SELECTOR, "#map path.qg-place")) == len(places)
    overlap = """const shown = [...document.querySelectorAll('#map .qg-label')].filter(t => !t.classList.contains('qg-label-hidden'))
        .map(t => t.getBoundingClientRect());
      let n = 0;
      for (let i = 0; i < shown.length; i++) for (let j = i + 1; j < shown.length; j++) {
        const a = shown[i], b = shown[j];
        if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) n++;
      }
      return [shown.length, n];"""
    shown, overlaps = browser.execute_script(overlap)
    assert overlaps == 0 and shown >= len(places) // 2
    korea = next(i for i, p in enumerate(places) if p["label"] == "Republic of Korea")
    inside = browser.execute_script("""const f = document.querySelector('#map .qg-map').getBoundingClientRect();
      const r = document.querySelectorAll('#map path.qg-place')[arguments[0]].getBoundingClientRect();
      return r.left >= f.left && r.right <= f.right && r.top >= f.top && r.bottom <= f.bottom;""", korea)
    assert inside
    shot(browser, "pictures-map")
    zoom = browser.execute_script("return document.querySelector('#map .qg-map').qgraph.getZoom()")
    browser.find_element(By.CSS_SELECTOR, "#map .leaflet-control-zoom-in").click()
    # the zoom has ended (and the labels were decluttered) when the frame says so
    until(browser, "return +document.querySelector('#map .qg-map').dataset.zoom > arguments[0]", zoom)
    browser.execute_script("document.querySelector('#map .qg-map').qgraph.setView([50.5, 6], 5, {animate: false})")
    until(browser, "return document.querySelector('#map .qg-map').dataset.zoom === '5'")
    shown5, overlaps5 = browser.execute_script(overlap)
    assert overlaps5 == 0
    europe = {"France", "Germany", "Netherlands", "Switzerland", "Denmark", "United Kingdom"}
    visible = {t.text for t in browser.find_elements(By.CSS_SELECTOR, "#map .qg-label:not(.qg-label-hidden)")}
    assert europe & {p["label"] for p in places} <= visible
    shot(browser, "pictures-map-europe")
    assert severe_or_csp(browser_log(browser)) == []


def test_home_pictures(browser, site):
    browser_log(browser)
    browser.get(site + "/")
    wait(browser, "#network .qg-network[data-ready] canvas")
    wait(browser, "#timeline .qg-timeline[data-ready] .vis-item.vis-box")
    wait(browser, "#map .qg-map[data-ready] path.qg-country", 100)
    shot(browser, "00-home")
    assert severe_or_csp(browser_log(browser)) == []


def _run_question(browser, name: str):
    from selenium.webdriver.common.by import By

    run = wait(browser, f'button.run[data-name="{name}"]')[0]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", run)
    run.click()
    wait(browser, f"#q-{name} .views[data-ready] .showas button")
    box = browser.find_element(By.CSS_SELECTOR, f"#q-{name}")
    buttons = {b.get_attribute("data-kind"): b for b in box.find_elements(By.CSS_SELECTOR, ".showas button")}
    assert list(buttons) == ["table", "map", "graph", "timeline"]
    return box, buttons


def _csv_rows(name: str) -> list[dict]:
    import csv

    path = PROJECT / "queries" / f"{name}.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows, f"{path} has no rows"
    return rows


def test_show_as_views(browser, site):
    """A question's result gets the Show-as bar; each view that fits renders with its library, the
    others are disabled with the reason; Table brings the table back."""
    from selenium.webdriver.common.by import By

    browser_log(browser)
    browser.get(site + "/")
    # qdg-members: nations (with coordinates in the graph) and the day each is attested
    members = _csv_rows("qdg-members")
    box, b = _run_question(browser, "qdg-members")
    assert not b["map"].get_attribute("disabled") and not b["timeline"].get_attribute("disabled")
    assert b["graph"].get_attribute("disabled") and "two variables holding IRIs" in b["graph"].get_attribute("title")
    table = box.find_element(By.CSS_SELECTOR, ".scroll")
    b["map"].click()
    wait(browser, "#q-qdg-members .view .qg-map[data-ready] path.qg-country", 100)
    assert len(box.find_elements(By.CSS_SELECTOR, ".view path.qg-place")) == len({r["nation"] for r in members})
    assert not table.is_displayed() and b["map"].get_attribute("aria-pressed") == "true"
    browser.execute_script("arguments[0].scrollIntoView()", box)
    shot(browser, "views-map", full=False)
    b["timeline"].click()
    wait(browser, "#q-qdg-members .view .qg-timeline[data-ready]")
    count = browser.find_element(By.CSS_SELECTOR, "#q-qdg-members .view .vis-item.qg-grouped .qg-count")
    assert count.get_attribute("textContent") == f"×{len(members)}"  # thirteen rows of one day: one item
    shot(browser, "views-timeline-grouped", full=False)
    b["table"].click()
    assert table.is_displayed() and not box.find_element(By.CSS_SELECTOR, ".view").is_displayed()

    # links-qdg-map: WKT literals and a latitude/longitude pair
    box, b = _run_question(browser, "links-qdg-map")
    b["map"].click()
    wait(browser, "#q-links-qdg-map .view .qg-map[data-ready] path.qg-place", len(_csv_rows("links-qdg-map")))

    # cross-bilateral-partners: pairs of IRIs (nation → partner)
    pairs = _csv_rows("cross-bilateral-partners")
    box, b = _run_question(browser, "cross-bilateral-partners")
    assert b["map"].get_attribute("disabled") is None and b["timeline"].get_attribute("disabled")
    b["graph"].click()
    wait(browser, "#q-cross-bilateral-partners .view .qg-network[data-ready] canvas")
    get = "return document.querySelector('#q-cross-bilateral-partners .qg-network').qgraph"
    assert browser.execute_script(get + ".body.data.nodes.length") == len({r["nation"] for r in pairs} | {r["partner"] for r in pairs})
    # A→B and B→A with the same document count are one edge with two arrows (they were two)
    directed = {(r["nation"], r["partner"]): r["documents"] for r in pairs}
    undirected = {frozenset(k) for k, n in directed.items() if directed.get(k[::-1]) == n}
    one_way = [k for k, n in directed.items() if directed.get(k[::-1]) != n]
    assert undirected, "the partners question gave no symmetric pair"
    assert browser.execute_script(get + ".body.data.edges.length") == len(undirected) + len(one_way)
    two_headed = browser.execute_script(get + ".body.data.edges.get().filter(e => e.arrows && e.arrows.from && e.arrows.from.enabled).length")
    assert two_headed == len(undirected)
    names = browser.execute_script(get + ".body.data.nodes.get().map(n => n.label)")
    assert "Denmark" in names  # labels from ?nationName, not IRIs
    browser.execute_script("arguments[0].scrollIntoView()", box)
    shot(browser, "views-graph", full=False)

    # cross-timeline: dates, some of them days without a year
    dates = _csv_rows("cross-timeline")
    box, b = _run_question(browser, "cross-timeline")
    b["timeline"].click()
    wait(browser, "#q-cross-timeline .view .qg-timeline[data-ready] .vis-item.vis-box")
    no_year = [r for r in dates if r["date"].startswith("--")]
    assert len(box.find_elements(By.CSS_SELECTOR, ".view .qg-undated li")) == len(no_year)
    browser.execute_script("arguments[0].scrollIntoView()", box)
    shot(browser, "views-timeline", full=False)

    # mou-recitals: clauses, numbers and headings: no view fits but the table
    box, b = _run_question(browser, "mou-recitals")
    for kind in ("map", "graph", "timeline"):
        assert b[kind].get_attribute("disabled") and b[kind].get_attribute("title").startswith(kind.capitalize() + " needs")
    browser.execute_script("arguments[0].scrollIntoView()", box)
    shot(browser, "views-none-fit", full=False)

    # the SPARQL form's result gets the bar too
    browser.find_element(By.CSS_SELECTOR, "#query-run").click()
    wait(browser, "#query-result .views[data-ready] .showas button")
    assert browser.find_element(By.CSS_SELECTOR, '#query-result .showas button[data-kind="map"]').get_attribute("disabled") is None
    assert severe_or_csp(browser_log(browser)) == []


def test_hostile_label_stays_text_in_the_browser(browser, tmp_path):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    from qgraph.web.server import Running

    root = make_project(tmp_path / "project")
    with Running(root) as running:
        browser.get(running.url + "/id/hostile-nation")
        h1 = wait(browser, "article.entity h1")[0]
        assert h1.text == "<script>alert('x')</script> Evilland"
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.text  # noqa: B018
        anchors = [a.get_attribute("href") or "" for a in browser.find_elements(By.TAG_NAME, "a")]
        assert anchors and not any(h.lower().startswith(("javascript:", "data:")) for h in anchors)
        browser.get(running.url + "/")
        wait(browser, "#search")[0].send_keys("<script>")
        hits = wait(browser, "#search-results a.hit")
        assert hits[0].text.startswith("<script>")
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.text  # noqa: B018
        shot(browser, "08-hostile-label-escaped")


def test_reading_view(browser, site):
    from selenium.webdriver.common.by import By

    browser.get(site + "/id/doc-uk-denmark-quantum-mou")
    wait(browser, "a.read-text")[0].click()
    marks = wait(browser, ".source-text mark a")
    assert browser.current_url.endswith("/doc/uk-denmark-quantum-mou")
    n_passages = len(browser.find_elements(By.CSS_SELECTOR, "li.passage-facts"))
    assert n_passages >= 10 and len(marks) >= n_passages
    shot(browser, "09-reading-mou", full=False)
    mark = next(m for m in marks if "Christina Egelund" in m.text)
    target = mark.get_attribute("href").rsplit("#", 1)[1]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", mark)
    mark.click()
    assert browser.current_url.endswith("#" + target)
    item = browser.find_element(By.ID, target)
    assert item.is_displayed()
    assert any(a.get_attribute("href").endswith("/id/christina-egelund")
               for a in item.find_elements(By.CSS_SELECTOR, "ul.facts a"))
    shot(browser, "10-reading-passage-facts", full=False)
    back = item.find_element(By.CSS_SELECTOR, "a.back")
    back.click()
    assert browser.current_url.endswith("#" + back.get_attribute("href").rsplit("#", 1)[1])
    browser.get(site + "/doc/g7-kananaskis-quantum-common-vision")
    banner = wait(browser, ".banner.damaged")[0]
    assert "damaged" in banner.text
    wait(browser, ".source-text mark")
    shot(browser, "11-reading-damaged-banner", full=False)
    browser.get(site + "/doc/")
    assert len(wait(browser, "ol.documents li a")) >= 2
    assert console_errors(browser) == []


def test_ontology_documentation_page(browser, site):
    from selenium.webdriver.common.by import By

    browser.get(site + "/ontology")
    terms = wait(browser, "section.term", 50)
    # the page's one style element is allowed by its hash: the term boxes are styled
    radius = browser.execute_script("return getComputedStyle(arguments[0]).borderTopLeftRadius", terms[0])
    assert radius == "8px"
    shot(browser, "12-ontology", full=False)
    browser.find_element(By.CSS_SELECTOR, '#class-tree a[href="#Membership"], #class-tree ~ ul a[href="#Nation"]').click()
    target = browser.current_url.rsplit("#", 1)[1]
    section = browser.find_element(By.ID, target)
    assert "shapes" in section.text and "qgsh:" in section.text
    shot(browser, "13-ontology-term", full=False)
    assert console_errors(browser) == []


def test_void_description_in_the_browser(browser, site):
    """The dataset's VoID/DCAT description, opened by a browser at /.well-known/void (Accept: text/html
    first, which the description does not offer: the server answers Turtle, shown as text), is the
    build's dist/void.ttl: a void:Dataset with a SPARQL endpoint, its partitions and
    dcat:Distributions of the dumps. No console error: the browser's /favicon.ico is served
    (it was a 404 on every non-HTML page)."""
    import rdflib

    browser.get(site + "/.well-known/void")
    text = wait(browser, "body")[0].text
    assert "void:Dataset" in text or "void#Dataset" in text
    g = rdflib.Graph().parse(data=text, format="turtle")
    void, dcat = rdflib.Namespace("http://rdfs.org/ns/void#"), rdflib.Namespace("http://www.w3.org/ns/dcat#")
    datasets = set(g.subjects(rdflib.RDF.type, void.Dataset))
    assert datasets
    with urllib.request.urlopen(f"{site}/api/graphs") as r:
        graphs = json.load(r)["graphs"]
    assert len(graphs) > 18
    parts = {o for s in datasets for o in g.objects(s, void.subset)} | {
        o for s in datasets for o in g.objects(s, void.classPartition)}
    assert parts, "no partitions"
    assert any(g.objects(None, void.sparqlEndpoint)), "no SPARQL endpoint"
    assert len(set(g.subjects(rdflib.RDF.type, dcat.Distribution))) >= 4
    shot(browser, "14-void", full=False)
    assert console_errors(browser) == []


def test_pictures_pages_headings_labels_and_a_narrow_window(browser, site):
    """Regression (an analyst's QA pass): /network, /timeline and /map had no h1; the network's
    canvas had no text alternative; the search page's field had no label; and at 375 px the
    header ran off the page (830 px wide), Timeline, Map, SPARQL and the search out of reach."""
    from selenium.webdriver.common.by import By

    for kind in ("network", "timeline", "map"):
        browser.get(f"{site}/{kind}")
        assert [h.text for h in browser.find_elements(By.TAG_NAME, "h1")] == [kind.capitalize()]
    browser.get(site + "/network")
    frame = wait(browser, "#network .qg-network[data-ready]")[0]
    assert frame.get_attribute("role") == "img" and "nodes" in frame.get_attribute("aria-label")
    browser.get(site + "/search?q=korea")
    boxes = browser.find_elements(By.CSS_SELECTOR, "main input[name=q], article input[name=q], h1 ~ form input[name=q]")
    assert boxes and all(b.get_attribute("aria-label") for b in boxes)
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 375, "height": 800, "deviceScaleFactor": 1, "mobile": True})
    try:
        for path in ("/", "/network", "/query"):
            browser.get(site + path)
            width = browser.execute_script("return document.querySelector('header.top').scrollWidth")
            assert width <= 375, (path, width)
            links = browser.find_elements(By.CSS_SELECTOR, "header.top nav a")
            assert links and all(a.rect["x"] + a.rect["width"] <= 375 for a in links), path
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
