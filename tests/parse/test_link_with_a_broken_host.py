"""Regression: a link whose host holds `<`, `>` or a space lost the whole page.

`href="https://atlas.example.orr><th>contexte</th>…"`, markup swallowed into a link by a
missing quote, resolved to a URL whose host is no host: written into the record, it failed
the page at mapping ("link … is not a valid IRI") and the build left every field of the page
out (found by fuzz/fuzz_page.py). A browser refuses such a URL too. The link is now left out
with a warning that quotes it, and the page maps; the actor keeps its name.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from atlas_ld.core.iris import Ids
from atlas_ld.core.model import Page
from atlas_ld.graph.mapping import map_record
from atlas_ld.parse.parser import parse_page

PAGE = Path(__file__).parent / "pages" / "th_td.html"
LINK = b'href="../atlas/detailCollectiviteEtrangere.html?collId=7"'


@pytest.mark.parametrize(
    "href",
    [
        "https://atlas.example.orr><th>contexte</th><td>Sétif pro<tr><td>x/detail.html?collId=7",
        "https://atlas example.org/detailCollectiviteEtrangere.html?collId=7",
        "http://[::1/detailCollectiviteEtrangere.html?collId=7",
        "https://se\u0301tif.example org/detailCollectiviteEtrangere.html?collId=7",
    ],
    ids=["markup-in-host", "space-in-host", "broken-ipv6", "decomposed-accent"],
)
def test_the_link_is_left_out_and_said_the_page_maps(href):
    body = PAGE.read_bytes()
    assert LINK in body
    escaped = href.replace("<", "&lt;").replace(">", "&gt;")
    page = Page("th_td.html", body.replace(LINK, f'href="{escaped}"'.encode(), 1), None)
    record = parse_page(page)
    setif = [a for a in record.foreign_partners if a.name == "Commune de Sétif"]
    assert len(setif) == 1 and setif[0].atlas_url is None
    said = [w for w in record.warnings if "is no address a browser could open" in w]
    assert len(said) == 1 and unicodedata.normalize("NFC", href)[:20] in said[0]
    assert unicodedata.is_normalized("NFC", said[0])  # found by the fuzzer: quoted as written
    mapped = map_record(record, Ids("https://atlas-ld.example/"), page)
    assert mapped.quads


@pytest.mark.parametrize(
    "href", ["javascript:voir(7)", "mailto:x@example.org", "#haut", "data:text/html,x", ""]
)
def test_a_link_of_another_kind_is_no_web_link_and_no_warning(href):
    body = PAGE.read_bytes().replace(LINK, f'href="{href}"'.encode(), 1)
    record = parse_page(Page("th_td.html", body, None))
    setif = [a for a in record.foreign_partners if a.name == "Commune de Sétif"]
    assert len(setif) == 1 and setif[0].atlas_url is None
    assert not [w for w in record.warnings if "is no address a browser could open" in w]
