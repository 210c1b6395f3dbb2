"""Pages written by hand in markups the sample generator does not produce, each with the record
a careful reader writes for it, also by hand (tests/parse/expected/<page>.json). Nothing here
comes from the parser's label tables or the page writer: these are independent oracles.

Together the pages cover every block of a project page: header fields, themes, long texts with
paragraphs, actors with links (relative, absolute, `<base href>`, javascript: and data:), the
financing table with 1 % Eau amounts, partner contacts, volunteers, statements, and the
embassy-contact block in h4/p, dl/dt/dd and th/td.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from atlas_ld.parse.parser import parse_page
from atlas_ld.parse.source import read_page

HERE = Path(__file__).parent
PAGES = HERE / "pages"
EXPECTED = HERE / "expected"
HAND_WRITTEN = sorted(p.stem for p in PAGES.glob("*.html"))


def _expected(stem: str, source: str) -> dict:
    return {"source": source} | json.loads((EXPECTED / f"{stem}.json").read_text("utf-8"))


def test_there_are_at_least_six_hand_written_pages():
    assert len(HAND_WRITTEN) >= 6
    assert all((EXPECTED / f"{stem}.json").exists() for stem in HAND_WRITTEN)


@pytest.mark.parametrize("stem", HAND_WRITTEN)
def test_hand_written_page_gives_the_hand_written_record(stem, schema_validator):
    path = str(PAGES / f"{stem}.html")
    record = parse_page(read_page(path)).to_json()
    schema_validator.validate(record)
    expected = _expected(stem, path)
    assert {k: v for k, v in record.items() if k in expected} == expected
    assert set(record) == set(expected)


def test_saved_from_a_browser_the_file_name_gives_the_prj_id(tmp_path):
    """`detailProjet.html?criteres.prjId=20001`, as a browser names a saved page."""
    path = tmp_path / "detailProjet.html?criteres.prjId=20001"
    shutil.copyfile(PAGES / "dl_relative.html", path)
    record = parse_page(read_page(str(path)))
    assert (record.atlas_id, record.id_source) == ("20001", "file name")
