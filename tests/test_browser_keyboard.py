"""The three pictures from the keyboard, and the map in a narrow window, in headless Chromium
(the browser and the server of tests/test_browser.py).

Regressions: a keyboard-only user could not reach what a picture shows (a node of the network,
an item of the timeline, a point of the map) nor follow it to its page; each picture, and each
"show as" view of a result, now has under it a list of links, "What this picture shows, as a
list", and the map's points take the focus (Enter opens the point's page). And on /map at 375 px
three points were out of frame: fitBounds was held to the least zoom (1), too close for them.
"""

from __future__ import annotations

from test_browser import (  # noqa: F401 - fixtures
    _run_question,
    api,
    browser,
    browser_log,
    severe_or_csp,
    site,
    until,
    wait,
)

#: a ceiling on the Tab presses to reach something (a count, not a time)
TABS = 120
LIST = "What this picture shows, as a list"


def _tab_to(driver, script: str) -> None:
    """Press Tab until ``script`` (given the focused element) returns true; at most TABS times."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    driver.execute_script("document.activeElement && document.activeElement.blur()")
    for _ in range(TABS):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        if driver.execute_script(f"const e = document.activeElement; return !!({script});"):
            return
    raise AssertionError(f"{TABS} presses of Tab did not reach {script}")


def _press(driver, key: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(key).perform()


def _open_list_from_the_keyboard(driver, box: str):
    """Tab to the picture's list, open it with Enter; its links (href as written) and top-level items."""
    from selenium.webdriver.common.keys import Keys

    _tab_to(driver, f"e.matches('{box} details.qg-list > summary')")
    summary = driver.execute_script("return document.activeElement.textContent")
    assert summary.startswith(LIST), summary
    _press(driver, Keys.ENTER)
    until(driver, f"return document.querySelector('{box} details.qg-list').open")
    links = driver.execute_script(f"return [...document.querySelectorAll('{box} details.qg-list a')].map(a => a.getAttribute('href'))")
    items = driver.execute_script(f"return document.querySelectorAll('{box} details.qg-list > ul > li').length")
    return links, items


def _follow_the_next_link(driver, box: str) -> None:
    """Tab to the list's first link and press Enter: its page opens."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    ActionChains(driver).send_keys(Keys.TAB).perform()
    href = driver.execute_script(f"const e = document.activeElement; return e.matches('{box} details.qg-list a') ? e.getAttribute('href') : null")
    assert href, "the next Tab after the list's summary is not its first link"
    _press(driver, Keys.ENTER)
    until(driver, "return location.pathname + location.search === arguments[0]", href)


def test_each_picture_is_a_list_of_links_from_the_keyboard(browser, site):  # noqa: F811
    """On /network, /timeline and /map: Tab reaches "What this picture shows, as a list", Enter
    opens it, it links every node (with its links), every dated event, every point; Tab and Enter
    on a link open that page."""
    net, events, points = api(site, "network"), api(site, "timeline")["events"], api(site, "map")["points"]
    dated = [e for e in events if e["year_stated"]]
    browser_log(browser)

    browser.get(site + "/network")
    wait(browser, "#network .qg-network[data-ready]")
    links, items = _open_list_from_the_keyboard(browser, "#network")
    assert items == len(net["nodes"])
    assert {n["href"] for n in net["nodes"]} <= set(links)
    # every node's links are listed under it, from where the data gives them
    pairs = {(link["source"], link["target"]) for link in net["links"]}
    assert browser.execute_script("return document.querySelectorAll('#network details.qg-list > ul > li > ul > li').length") == len(pairs)
    _follow_the_next_link(browser, "#network")

    browser.get(site + "/timeline")
    wait(browser, "#timeline .qg-timeline[data-ready]")
    links, items = _open_list_from_the_keyboard(browser, "#timeline")
    # each item as drawn (a day, a kind, a document), with the page of each of its events
    assert items == len({(e["date"], e["kind"], e["document"]) for e in dated})
    assert sorted(links) == sorted(e["href"] for e in dated)
    _follow_the_next_link(browser, "#timeline")

    browser.get(site + "/map")
    wait(browser, "#map .qg-map[data-ready]")
    links, items = _open_list_from_the_keyboard(browser, "#map")
    assert items == len(points) and sorted(links) == sorted(p["href"] for p in points)
    _follow_the_next_link(browser, "#map")
    assert severe_or_csp(browser_log(browser)) == []


def test_a_map_point_takes_the_focus_and_enter_opens_its_page(browser, site):  # noqa: F811
    """Tab reaches the map's points (each a link named by its label, its label shown while it has
    the focus); Enter on one opens its page."""
    from selenium.webdriver.common.keys import Keys

    points = {p["label"]: p["href"] for p in api(site, "map")["points"]}
    browser_log(browser)
    browser.get(site + "/map")
    wait(browser, "#map .qg-map[data-ready]")
    _tab_to(browser, "e.matches('#map path.qg-place')")
    name, role = browser.execute_script("const e = document.activeElement; return [e.getAttribute('aria-label'), e.getAttribute('role')]")
    assert role == "link" and name in points
    shown = browser.execute_script("return [...document.querySelectorAll('#map .qg-label.qg-label-hover')].map(t => t.textContent)")
    assert shown == [name]
    _press(browser, Keys.ENTER)
    until(browser, "return location.pathname === arguments[0]", points[name])
    assert severe_or_csp(browser_log(browser)) == []


def test_show_as_views_are_lists_too(browser, site):  # noqa: F811
    """A result's Map, Graph and Timeline (views.js render, the editor's too) get the same list."""
    from selenium.webdriver.common.by import By

    browser_log(browser)
    browser.get(site + "/")
    box, b = _run_question(browser, "cross-bilateral-partners")
    b["graph"].click()
    wait(browser, "#q-cross-bilateral-partners .view .qg-network[data-ready]")
    nodes = browser.execute_script("return document.querySelector('#q-cross-bilateral-partners .qg-network').qgraph.body.data.nodes.length")
    listed = box.find_elements(By.CSS_SELECTOR, ".view details.qg-list > ul > li")
    assert len(listed) == nodes
    assert box.find_element(By.CSS_SELECTOR, ".view details.qg-list summary").get_attribute("textContent").startswith(LIST)
    box, b = _run_question(browser, "qdg-members")
    b["map"].click()
    wait(browser, "#q-qdg-members .view .qg-map[data-ready]")
    drawn = len(box.find_elements(By.CSS_SELECTOR, ".view path.qg-place"))
    links = [a.get_attribute("href") for a in box.find_elements(By.CSS_SELECTOR, ".view details.qg-list > ul > li a")]
    assert drawn and len(links) == drawn and all("/id/" in h for h in links)
    b["timeline"].click()
    wait(browser, "#q-qdg-members .view .qg-timeline[data-ready]")
    assert box.find_elements(By.CSS_SELECTOR, ".view details.qg-list > ul > li ul li a")
    assert severe_or_csp(browser_log(browser)) == []


INSIDE = """const frame = document.querySelector(arguments[0] + ' .qg-map').getBoundingClientRect();
  const dots = [...document.querySelectorAll(arguments[0] + ' path.qg-place')].map(p => p.getBoundingClientRect());
  return [dots.length, dots.filter(r => !(r.left >= frame.left && r.right <= frame.right
    && r.top >= frame.top && r.bottom <= frame.bottom)).length, frame.width];"""


def test_every_map_point_is_in_frame_at_375_and_1280_px(browser, site):  # noqa: F811
    """/map (and the home page's map) at 375 px (a phone) and at 1280 px: every point is inside the
    map's frame. At 375 px three were out of view: the least zoom (1) was too close for them."""
    points = api(site, "map")["points"]
    browser_log(browser)
    for width in (375, 1280):
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                {"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": width < 640})
        try:
            for path in ("/map", "/"):
                browser.get(site + path)
                wait(browser, "#map .qg-map[data-ready]")
                drawn, out, frame = browser.execute_script(INSIDE, "#map")
                assert drawn == len(points) and frame <= width
                assert out == 0, f"{out} of {drawn} points out of frame at {width} px on {path}"
        finally:
            browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert severe_or_csp(browser_log(browser)) == []


#: the map in arguments[0] shows the zoom arguments[1], Leaflet has the frame's new size, and every
#: point is inside the frame (a condition to wait on, polled: no sleep)
SETTLED = f"""const [drawn, out] = (() => {{ {INSIDE} }})();
  const frame = document.querySelector(arguments[0] + ' .qg-map');
  return drawn > 0 && out === 0 && frame.dataset.zoom === arguments[1] && frame.qgraph.getSize().x === frame.clientWidth;"""
FRAME = "document.querySelector('#map .qg-map')"


def _viewport(driver, width: int) -> None:
    """The window at ``width`` px (a desktop window resized: no mobile emulation)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": False})


def _open_map(driver, url: str, width: int) -> str:
    """/map opened at ``width`` px; its zoom (the map's frame says it once each zoom has ended)."""
    _viewport(driver, width)
    driver.get(url + "/map")
    wait(driver, "#map .qg-map[data-ready]")
    return driver.execute_script(f"return {FRAME}.dataset.zoom")


def test_the_map_is_refitted_when_the_window_is_resized(browser, site):  # noqa: F811
    """/map opened at 1280 px and the window narrowed to 375 px, and the reverse: the map is fitted
    again, as a page opened at the new width (its zoom, every point in frame). A map the user has
    zoomed is left as they made it. Regression: the map was fitted once, when drawn, and in the
    narrowed window the points at the edges were out of view."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By

    browser_log(browser)
    try:
        fresh = {width: _open_map(browser, site, width) for width in (375, 1280)}
        assert fresh[375] != fresh[1280], f"the same zoom at both widths ({fresh}): the test would show nothing"
        for start, end in ((1280, 375), (375, 1280)):
            _open_map(browser, site, start)
            _viewport(browser, end)
            try:
                until(browser, SETTLED, "#map", fresh[end])
            except TimeoutException:
                drawn, out, _ = browser.execute_script(INSIDE, "#map")
                zoom = browser.execute_script(f"return {FRAME}.dataset.zoom")
                raise AssertionError(f"{start} → {end} px: zoom {zoom} (opened at {end} px: {fresh[end]}),"
                                     f" {out} of {drawn} points out of frame") from None
        # the user's own view is kept: zoomed in at 1280 px, then the window narrowed
        _open_map(browser, site, 1280)
        browser.find_element(By.CSS_SELECTOR, "#map .leaflet-control-zoom-in").click()
        zoomed = until(browser, f"const z = {FRAME}.dataset.zoom; return z !== arguments[0] && z", fresh[1280])
        _viewport(browser, 375)
        until(browser, f"return {FRAME}.qgraph.getSize().x === {FRAME}.clientWidth")  # the resize is handled
        assert browser.execute_script(f"return {FRAME}.dataset.zoom") == zoomed
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert severe_or_csp(browser_log(browser)) == []
