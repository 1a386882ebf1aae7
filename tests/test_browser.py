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


def test_pictures(browser, site):
    from selenium.webdriver.common.by import By

    def api(name: str):
        with urllib.request.urlopen(f"{site}/api/{name}") as r:
            return json.load(r)

    net, events, places = api("network"), api("timeline")["events"], api("map")["points"]
    assert net["nodes"] and events, "the project has no network or no dated events"
    browser.get(site + "/network")
    nodes = wait(browser, "#network svg g.node", len(net["nodes"]))
    assert len(nodes) == len(net["nodes"])
    assert len(browser.find_elements(By.CSS_SELECTOR, "#network svg line.link")) == len(net["links"])
    shot(browser, "05-network")
    browser.get(site + "/timeline")
    dots = wait(browser, "#timeline svg circle", len(events))
    assert len(dots) == len(events)
    shot(browser, "06-timeline")
    browser.get(site + "/map")
    if places:
        assert len(wait(browser, "#map svg g.place", len(places))) == len(places)
    else:
        assert "No coordinates yet" in wait(browser, "#map p.none")[0].text
    shot(browser, "07-map")
    browser.get(site + "/")
    wait(browser, "#network svg g.node")
    wait(browser, "#timeline svg circle")
    shot(browser, "00-home")
    assert console_errors(browser) == []


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
