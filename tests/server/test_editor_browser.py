"""The SPARQL editor (YASGUI) in a real browser (Debian's chromium), on the server's /sparql.

Expectations are read from the store with SPARQL (`sample_store_rows`), not from the page.
"""

from __future__ import annotations

from urllib.parse import quote, urlparse

import pytest
import requests

from atlas_ld.store.canned import list_queries

from .conftest import ARTEFACTS, BROWSER_MARKS

EDITOR_TEXT = "document.querySelector('.tabPanel.active .CodeMirror').CodeMirror.getValue()"

pytestmark = BROWSER_MARKS


@pytest.fixture
def editor(browser, server):
    """The editor page, ready, with what it requested and what its console said."""
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.seen_hosts = set()
    page.console_errors = []
    page.on("request", lambda r: page.seen_hosts.add(urlparse(r.url).netloc))
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))

    def open_editor(path: str = "/query"):
        page.goto(server.url + path)
        page.wait_for_selector("#yasgui[data-ready=true]", timeout=20_000)
        return page

    yield open_editor
    context.close()


def run(page) -> None:
    page.locator(".tabPanel.active .yasqe_queryButton").click()


def test_yasgui_runs_a_query_and_shows_its_rows(server, editor, sample_store_rows):
    page = editor()
    # One tab for the query of the page, one per canned query.
    assert page.locator(".tabsList .tab").count() == len(list_queries()) + 1
    assert "PREFIX atlas:" in page.evaluate(EDITOR_TEXT)
    run(page)
    page.wait_for_selector(".tabPanel.active .yasr table tbody tr", timeout=20_000)
    count = sample_store_rows(
        "SELECT (COUNT(*) AS ?n) { ?p a atlas:Partnership ; dcterms:title ?t }"
    )
    assert page.locator(".tabPanel.active .yasr table tbody tr").count() == min(
        20, int(count[0]["n"].value)
    )
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "editor.png"), full_page=True)
    assert page.seen_hosts == {urlparse(server.url).netloc}
    assert page.console_errors == []


def test_a_canned_query_tab_runs_and_draws_a_chart(server, editor, sample_store_rows):
    canned = next(q for q in list_queries() if q.name == "partnerships-by-country")
    page = editor()
    page.locator(".tabsList .tab", has_text=canned.title).first.click()
    assert page.evaluate(EDITOR_TEXT).strip() == canned.sparql.strip()
    run(page)
    page.wait_for_selector(".tabPanel.active .yasr table tbody tr", timeout=20_000)
    countries = sample_store_rows(
        "SELECT (COUNT(DISTINCT ?c) AS ?n) { ?p a atlas:Partnership ; atlas:country ?c }"
    )
    rows = page.locator(".tabPanel.active .yasr table tbody tr").count()
    assert rows == min(50, int(countries[0]["n"].value))  # YASR shows 50 rows a page
    page.locator(".tabPanel.active .yasr .select_chart").first.click()
    page.wait_for_selector(
        ".tabPanel.active .yasr .editor-chart svg .mark-rect path", timeout=20_000
    )
    assert page.locator(".tabPanel.active .yasr .editor-chart svg .mark-rect path").count() >= 1
    assert page.console_errors == []


def test_a_link_opens_its_query_and_an_error_keeps_it(server, editor):
    broken = "SELECT * WHERE { ?s ?p }"
    page = editor("/query?query=" + quote(broken))
    assert page.evaluate(EDITOR_TEXT) == broken
    run(page)
    page.wait_for_selector(".tabPanel.active .yasr .errorResult", timeout=20_000)
    assert "syntax" in page.locator(".tabPanel.active .yasr .errorResult").inner_text().lower()
    assert page.evaluate(EDITOR_TEXT) == broken
    # The only console message is the browser's note of the 400 answer.
    assert all("400" in message for message in page.console_errors)


def test_without_javascript_the_form_runs_and_keeps_a_broken_query(server):
    ok = requests.get(f"{server.url}/query", params={"name": "themes"}, timeout=30)
    assert ok.status_code == 200 and "<table" in ok.text
    broken = "SELECT * WHERE { ?s ?p }"
    bad = requests.get(f"{server.url}/query", params={"query": broken}, timeout=30)
    assert bad.status_code == 400
    assert 'role="alert"' in bad.text and "SELECT * WHERE { ?s ?p }</textarea>" in bad.text
