"""A headless Chromium runs a canned query in the editor and opens a partnership page."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]


@pytest.fixture(scope="module")
def page():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page()
        yield page
        browser.close()


def test_a_canned_query_page_opens_a_partnership(server, page, known):
    # The editor itself (YASGUI) is tested in test_editor_browser.py.
    requests_seen: list[str] = []
    page.on("request", lambda request: requests_seen.append(request.url))
    page.goto(f"{server.url}/queries/partnerships")
    page.wait_for_selector("table.results")
    link = f"a[href='/{known.path}']"
    row = page.locator("table.results tr", has=page.locator(link))
    assert known.title in row.inner_text()
    row.locator(link).click()
    page.wait_for_selector("h1")
    assert page.url.endswith(f"/{known.path}")
    assert page.inner_text("h1") == known.title
    assert page.locator("table.financing tfoot").count() == 1
    # Everything the pages load comes from this server: no CDN.
    assert requests_seen and all(url.startswith(server.url) for url in requests_seen)


def test_markup_in_a_title_does_not_run(server, page):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{server.url}/id/partnership/xss")
    assert "<script>" in page.inner_text("h1")
    assert dialogs == []
