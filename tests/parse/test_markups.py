"""The same page gives the same record whatever its markup, encoding or layout quirks."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from atlas_ld.core.text import clean
from atlas_ld.parse.labels import is_label
from atlas_ld.parse.parser import parse_page
from atlas_ld.parse.source import read_page
from atlas_ld.parse.textlayout import page_lines, text_lines
from atlas_ld.sample.corpus import seed_html_record
from atlas_ld.sample.markups import MARKUPS, Style, write_page

from .conftest import SEED_HTML, SEED_TEXT, page_of

MAGNIFIER_SUFFIX = " Icone d'une loupe"


def seed_lines() -> list[str]:
    return [line.text for line in text_lines(SEED_TEXT.read_text(encoding="utf-8"))]


def test_seed_html_shows_the_seed_text_line_for_line():
    shown = [line.text for line in page_lines(read_page(str(SEED_HTML)), is_label)]
    assert shown == seed_lines()


def test_seed_html_record_is_the_seed_record_plus_magnifier_links(expected_seed):
    record = parse_page(read_page(str(SEED_HTML))).to_json()
    links = [p["atlas_url"] for p in record["foreign_partners"] + record["french_authorities"]]
    assert all(link.startswith("https://pastel.diplomatie.gouv.fr/") for link in links)
    for key in ("foreign_partners", "french_authorities"):
        for item in record[key]:
            item["atlas_url"] = None
    # the sample folder's manifest.csv names the file
    assert record == expected_seed | {"source": str(SEED_HTML), "id_source": "manifest"}


STYLES = [
    Style(markup=m, encoding=e, declare_charset=d, raw_keys=q, nbsp=q)
    for m in MARKUPS
    if m != "text"
    for e in ("utf-8", "windows-1252")
    for d in (True, False)
    for q in (False, True)
]


@pytest.mark.parametrize(
    "style", STYLES, ids=lambda s: f"{s.markup}-{s.encoding}-{s.declare_charset}-{s.raw_keys}"
)
def test_seed_in_every_markup_gives_the_same_record(style):
    record = seed_html_record()
    body = write_page(record, style)
    parsed = parse_page(page_of(body, source=record.source))
    assert parsed.id_source == "file name"  # the same prjId, from `17384.html` alone
    parsed.id_source = record.id_source
    if (
        style.nbsp
    ):  # amounts grouped by no-break spaces: rows show `15 000` where the seed has 15000
        assert parsed.financing[1].text == "Conseil régional de la Nouvelle-Aquitaine 15 000 0 2011"
        parsed.financing = [dataclasses.replace(f, text=None) for f in parsed.financing]
        record.financing = [dataclasses.replace(f, text=None) for f in record.financing]
    assert parsed == record


def test_seed_written_as_text_reproduces_the_real_page():
    body = write_page(parse_page(read_page(str(SEED_TEXT))), Style(markup="text"))
    assert [line.text for line in text_lines(body.decode("utf-8"))] == seed_lines()


# Markups written by hand: label and value in spans, in a definition list, in table rows, as
# heading and paragraphs, inside a layout table; labels with curly apostrophes or colons.
HAND_WRITTEN = {
    "span": """<div><span class="l">Titre</span><span class="v">Eau potable à Kaya</span></div>
        <div><span>Année de début du partenariat</span> <span>2012</span></div>
        <div><span>Maître(s) d’œuvre</span><span>Commune de Chambéry</span></div>
        <div><span>Contexte</span><div><p>FRANCE</p><p>Premier paragraphe.</p></div></div>""",
    "dl": """<dl><dt>Titre</dt><dd>Eau potable à Kaya</dd>
        <dt>Année de début du partenariat :</dt><dd>2012</dd>
        <dt>Maître(s) d'oeuvre</dt><dd>Commune de Chambéry</dd>
        <dt>Contexte</dt><dd>FRANCE<br>Premier paragraphe.</dd></dl>""",
    "table": """<table><tr><th>Titre</th><td>Eau potable à Kaya</td></tr>
        <tr><th>Année de début du partenariat</th><td> 2012 </td></tr>
        <tr><td>Maître(s) d'œuvre</td><td>Commune de Chambéry</td></tr>
        <tr><th>Contexte</th><td><p>FRANCE</p><p>Premier   paragraphe.</p></td></tr></table>""",
    "headings": """<h2>Titre</h2><p>Eau potable à Kaya</p>
        <h3>Année de début du partenariat</h3><p>2012</p>
        <h3>MAÎTRE(S) D'ŒUVRE</h3><p>Commune de Chambéry</p>
        <h3>Contexte</h3><p>FRANCE</p><p>Premier paragraphe.</p>""",
    "layout-table": """<table><tr><td><div>Titre</div><div>Eau potable à Kaya</div>
        <div>Année de début du partenariat</div><div>2012</div></td>
        <td><div>Maître(s) d'œuvre</div><div>Commune de Chambéry</div>
        <div>Contexte</div><div>FRANCE</div><div>Premier paragraphe.</div></td></tr></table>""",
    "html4-capitals": """<TABLE BORDER=0><TR><TD>Titre</TD><TD>Eau potable à Kaya</TD></TR>
        <TR><TD>Année de début du partenariat</TD><TD>2012</TD></TR></TABLE>
        <P><B>Maître(s) d'œuvre</B><BR>Commune de Chambéry</P>
        <P><B>Contexte</B><BR>FRANCE<BR>Premier paragraphe.<!-- fin --></P>""",
    "inline-colon": """<p>Titre : Eau potable à Kaya</p><p>Année de début du partenariat : 2012</p>
        <p>Maître(s) d'œuvre</p><p>Commune de Chambéry</p><p>Contexte</p><p>FRANCE</p>
        <p>Premier paragraphe.</p>""",
}


@pytest.mark.parametrize("name", list(HAND_WRITTEN))
def test_hand_written_markups_give_the_same_fields(name):
    html = f"<html><head><meta charset='utf-8'></head><body>{HAND_WRITTEN[name]}</body></html>"
    record = parse_page(page_of(html))
    got = (record.title, record.start_year, record.implementers_text, record.context)
    assert got == ("Eau potable à Kaya", 2012, "Commune de Chambéry", "FRANCE\nPremier paragraphe.")
    assert record.warnings == []


@pytest.mark.browser
def test_a_browser_shows_the_seed_html_as_the_seed_text():
    """Chromium's own rendering of the bundled HTML is the real page's text (Chromium leaves out
    the alt text of images, which the copied page kept)."""
    if shutil.which("chromium") is None:
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            tab = browser.new_page()
            tab.goto(SEED_HTML.resolve().as_uri())
            shown = tab.inner_text("body")
        finally:
            browser.close()
    lines = [clean(line) for line in shown.splitlines() if clean(line)]
    assert lines == [line.removesuffix(MAGNIFIER_SUFFIX) for line in seed_lines()]


def test_records_compare_field_by_field():
    """Guard for the tests above: records are dataclasses compared on every field."""
    assert dataclasses.is_dataclass(seed_html_record())
