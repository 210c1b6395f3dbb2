"""Pages read over HTTP from a real local server."""

from __future__ import annotations

from atlas_ld import __version__
from atlas_ld.parse.parser import parse_page
from atlas_ld.parse.source import read_page

from .conftest import SEED_HTML


def test_url_page_keeps_url_content_type_and_gives_the_atlas_id(http_site):
    base, routes, seen = http_site
    path = "/cncdext/dyn/public/atlas/detailProjet.html?criteres.prjId=17384"
    body = SEED_HTML.read_bytes().replace(b'<meta charset="utf-8">', b"")
    routes[path] = (200, {"Content-Type": "text/html;charset=UTF-8"}, body)
    page = read_page(base + path)
    assert page.url == base + path and page.source == base + path
    assert page.content_type == "text/html;charset=UTF-8"
    assert page.fetched_at is not None
    assert seen[-1]["User-Agent"] == f"atlas-ld/{__version__}"
    record = parse_page(page)
    assert record.atlas_id == "17384"
    assert record.source == base + path
    assert record.foreign_partners[0].name == "Province du Québec"


def test_file_page_without_manifest_has_no_url(tmp_path):
    path = tmp_path / "fiche.html"
    path.write_bytes(SEED_HTML.read_bytes())
    page = read_page(str(path))
    assert page.url is None and page.source == str(path)
    record = parse_page(page)
    assert record.atlas_id is None and record.id_source is None
