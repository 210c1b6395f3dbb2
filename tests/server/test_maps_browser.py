"""Maps, charts and the search page's facets in a real browser (Debian's chromium).

The search page draws the countries, French regions and start years of its results: the world
map and the bar chart with Vega-Lite from /static/vendor, the regions as SVG tiles from the
server. Each keeps its table. Nothing may come from another host and the console stays clean.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlparse

import pytest
import requests

from .conftest import ARTEFACTS, BROWSER_MARKS

pytestmark = BROWSER_MARKS


def wait_for_search(url: str) -> None:
    """The server makes its search index in the background at start."""
    for _ in range(300):
        if requests.get(f"{url}/search?format=json", timeout=30).status_code != 503:
            return
        time.sleep(0.1)


@pytest.fixture
def watched(browser, server):
    """A page in French, with what it requested and what its console said."""
    wait_for_search(server.url)
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.seen_hosts = set()
    page.console_errors = []
    page.on("request", lambda r: page.seen_hosts.add(urlparse(r.url).netloc))
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    yield page
    context.close()


def test_world_map_regions_and_chart_render_from_the_server_alone(server, watched):
    page = watched
    data = requests.get(f"{server.url}/search?q=eau&format=json", timeout=30).json()
    countries = {f["value"] for f in data["facets"]["country"]}
    years = {f["value"] for f in data["facets"]["year"]}
    page.goto(f"{server.url}/search?q=eau")
    page.locator("#results-years").scroll_into_view_if_needed()
    page.wait_for_selector("#results-map [data-drawn=true]", timeout=20_000)
    page.wait_for_selector("#results-years [data-drawn=true]", timeout=20_000)
    # The map: every country of world-atlas drawn, the partners' ones coloured.
    shapes = page.locator("#results-map .chart-view svg path")
    assert shapes.count() > 150
    fills = shapes.evaluate_all("ps => ps.map(p => p.getAttribute('fill'))")
    plain = ("#e6e6e6", "none", "transparent")
    coloured = [f for f in fills if f and f.lower() not in plain and not f.startswith("url(")]
    assert coloured and len(coloured) <= len(countries)
    # The chart: one bar per start year; its table folded away once drawn.
    assert page.locator("#results-years .mark-rect path").count() == len(years)
    assert page.locator("#results-years details.chart-data").get_attribute("open") is None
    # The regions: SVG tiles that link to the regions' pages.
    regions = {f["value"] for f in data["facets"]["region"]}
    for code in regions:
        assert page.locator(f"#results-regions svg a[href='/id/region/{code}']").count() == 1
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "search-maps.png"), full_page=True)
    assert page.seen_hosts == {urlparse(server.url).netloc}
    assert page.console_errors == []


def test_the_chart_libraries_load_only_when_a_chart_comes_into_view(server, watched):
    page = watched
    sizes: dict[str, int] = {}
    page.on("response", lambda r: sizes.__setitem__(r.url, len(r.body())))
    page.set_viewport_size({"width": 1280, "height": 700})
    page.goto(f"{server.url}/search?q=eau", wait_until="networkidle")
    assert not any("/vendor/vega" in url for url in sizes)
    assert sum(sizes.values()) < 300_000  # the page's weight before any chart is drawn
    page.locator("#results-map").scroll_into_view_if_needed()
    page.wait_for_selector("#results-map [data-drawn=true]", timeout=20_000)
    assert any("/vendor/vega/" in url for url in sizes)
    assert page.console_errors == []


def test_tables_stand_in_for_the_charts_without_javascript(server, browser):
    wait_for_search(server.url)
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{server.url}/search?q=eau")
    assert page.locator("#results-map table tbody tr").count() >= 1
    assert page.locator("#results-years table tbody tr").count() >= 1
    assert page.locator("#results-regions svg rect").count() >= 13
    context.close()


def test_facets_work_from_the_keyboard(server, watched):
    page = watched
    page.goto(f"{server.url}/search")
    first = page.locator("#facet-country input[type=checkbox]").first
    value = first.get_attribute("value")
    page.focus("#search-q")
    for _ in range(60):  # Tab through the form to the first country
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "country":
            break
    assert page.evaluate("document.activeElement.value") == value
    with page.expect_navigation():
        page.keyboard.press("Space")
    assert f"country={value}" in page.url
    # The focus comes back to the same box, now ticked, and the results are that country's.
    assert page.evaluate("document.activeElement.id") == f"f-country-{value}"
    assert page.evaluate("document.activeElement.checked") is True
    expected = requests.get(f"{server.url}/search?country={value}&format=json", timeout=30).json()
    assert page.locator(".hits > li").count() == min(expected["total"], 20)
    # The sort order too: a select changed with the keyboard.
    page.focus("#search-sort")
    with page.expect_navigation():
        page.select_option("#search-sort", "-year")
    assert "sort=-year" in page.url
    assert page.console_errors == []


def test_a_country_on_the_world_map_links_to_its_page(server, watched):
    page = watched
    page.goto(f"{server.url}/search?country=BFA")
    page.locator("#results-map").scroll_into_view_if_needed()
    page.wait_for_selector("#results-map [data-drawn=true]", timeout=20_000)
    shapes = page.locator("#results-map .chart-view svg path")
    fills = shapes.evaluate_all("ps => ps.map(p => p.getAttribute('fill'))")
    coloured = next(i for i, f in enumerate(fills) if f and f.startswith("rgb"))
    with page.expect_navigation():
        shapes.nth(coloured).click(force=True)
    assert re.search(r"/id/country/[A-Z]{3}$", page.url), page.url
    assert page.console_errors == []
