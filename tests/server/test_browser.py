"""Pages in a real browser (Debian's chromium driven by playwright), in French and English.

For each kind of page: a screenshot kept as a test artefact (in the pytest temporary directory,
or in $ATLAS_LD_SCREENSHOTS), the summary within the first 800 pixels, no request to any host
but the server, no console error, `<html lang>` right. Then the language switch, a 390-pixel
wide screen, and axe-core (vendored under tests/server/vendor, injected by the test) on landmarks,
table headers and contrast. One browser for the module, the session's server.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .conftest import BASE, BROWSER_MARKS

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
FOLD = 800  # pixels: what a reader sees without scrolling

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": FOLD})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    chosen = os.environ.get("ATLAS_LD_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.getbasetemp() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def paths(sample_store_rows, known) -> dict[str, str]:
    """One page of each kind, found in the served store."""

    def first(query: str) -> str:
        return sample_store_rows(query + " LIMIT 1")[0]["x"].value.removeprefix(BASE)

    return {
        "home": "",
        "partnership": known.path,
        "actor": known.actor_path,
        "funder": first(
            "SELECT ?x (COUNT(*) AS ?n) { ?f <https://schema.org/funder> ?x } "
            "GROUP BY ?x ORDER BY DESC(?n) ?x"
        ),
        "country": first(
            "SELECT ?x (COUNT(*) AS ?n) { ?p a atlas:Partnership ; atlas:country ?x } "
            "GROUP BY ?x ORDER BY DESC(?n) ?x"
        ),
        "territory": first("SELECT ?x { ?a atlas:territory ?x } ORDER BY ?x"),
        "region": first("SELECT ?x { ?a atlas:region ?x . ?y atlas:agent ?a } ORDER BY ?x"),
        "theme": first(
            "SELECT ?x { ?x <http://www.w3.org/2004/02/skos/core#topConceptOf> ?s . "
            "?p atlas:mainTheme/<http://www.w3.org/2004/02/skos/core#broader>* ?x } ORDER BY ?x"
        ),
        "catalogue": "catalog",
        "ontology": "def/atlas",
        "query": "queries/partnerships-by-country",
    }


SUMMARY_KINDS = {"partnership", "actor", "funder", "country", "territory", "region", "theme"}


def _visit(page, url: str) -> tuple[list[str], list[str]]:
    """Open `url`; the URLs it requested and the console errors it raised."""
    requested: list[str] = []
    errors: list[str] = []

    def on_request(request):
        requested.append(request.url)

    def on_console(message):
        if message.type == "error":
            errors.append(message.text)

    def on_error(exc):
        errors.append(str(exc))

    page.on("request", on_request)
    page.on("console", on_console)
    page.on("pageerror", on_error)
    try:
        page.goto(url, wait_until="networkidle")
    finally:
        page.remove_listener("request", on_request)
        page.remove_listener("console", on_console)
        page.remove_listener("pageerror", on_error)
    return requested, errors


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize(
    "kind",
    [
        "home",
        "partnership",
        "actor",
        "funder",
        "country",
        "territory",
        "region",
        "theme",
        "catalogue",
        "ontology",
        "query",
    ],
)
def test_page_in_a_browser(server, page, paths, screenshots, kind, lang):
    requested, errors = _visit(page, f"{server.url}/{paths[kind]}?lang={lang}")
    page.screenshot(path=str(screenshots / f"{kind}-{lang}.png"), full_page=True)
    assert page.get_attribute("html", "lang") == lang
    assert requested and all(url.startswith(server.url + "/") for url in requested), requested
    assert errors == []
    title = page.locator("h1")
    assert title.count() == 1 and title.bounding_box()["y"] < FOLD
    if kind in SUMMARY_KINDS:
        facts = page.locator(".summary dl.facts dd")
        assert facts.count() >= 1
        # the first lines of the summary are on the first screen
        for i in range(min(facts.count(), 4)):
            box = facts.nth(i).bounding_box()
            assert box and box["y"] + box["height"] <= FOLD, (kind, i, box)
        data = page.locator("details.data")
        assert data.count() == 1 and data.get_attribute("open") is None


def test_the_partnership_summary_says_who_where_and_how_much(server, page, paths, known):
    _visit(page, f"{server.url}/{paths['partnership']}?lang=fr")
    summary = page.locator(".summary").inner_text()
    for label in ("Pays", "Thématique principale", "Années", "État", "Financement total"):
        assert label in summary
    assert "→" in summary and "€" in summary


def test_the_language_switch_is_remembered(server, page, paths):
    _visit(page, f"{server.url}/{paths['partnership']}?lang=fr")
    title = page.inner_text("h1")
    page.click("header .lang-switch")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("h1") == title  # harvested text stays as the Atlas wrote it
    assert "Total financing" in page.locator(".summary").inner_text()
    page.click("header a.brand")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    page.click("header .lang-switch")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "fr"


@pytest.mark.parametrize("kind", ["home", "partnership", "country", "ontology", "catalogue"])
def test_a_390_pixel_screen_does_not_scroll_sideways(server, browser, paths, kind):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        small = context.new_page()
        small.goto(f"{server.url}/{paths[kind]}", wait_until="networkidle")
        width = small.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (kind, width)
    finally:
        context.close()


@pytest.mark.parametrize(
    "kind", ["home", "partnership", "actor", "country", "theme", "ontology", "catalogue", "query"]
)
def test_axe_finds_no_accessibility_violation(server, browser, paths, kind):
    """WCAG 2 A and AA rules plus axe's best practices (landmarks, regions, headings)."""
    # The pages forbid inline scripts (Content-Security-Policy); the test's own script needs
    # a context that ignores the policy.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": FOLD})
    try:
        checked = context.new_page()
        checked.goto(f"{server.url}/{paths[kind]}", wait_until="networkidle")
        checked.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        # Vega's drawing has no text alternative of its own (svg-img-alt): each chart's data
        # table, kept in the page, is its accessible form; the drawing is left out.
        result = checked.evaluate(
            """() => axe.run({exclude: [['.chart-view']]}, {runOnly: {type: 'tag',
                 values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice']}})"""
        )
        problems = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"][:3]])
            for v in result["violations"]
        ]
        assert problems == []
    finally:
        context.close()


def test_markup_in_a_title_does_not_run(server, page):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{server.url}/id/partnership/xss")
    assert "<script>" in page.inner_text("h1")
    assert dialogs == []
