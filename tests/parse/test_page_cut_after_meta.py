"""Regression: a page cut short just after `<meta` stopped the whole build.

A download cut mid-head (`...<head><meta`) is an ordinary broken page. w3lib 2.6 looks for the
page's `<meta charset>` with frostwork's Rust scanner, which panicked on it: a
`pyo3_runtime.PanicException`, a BaseException no handler of bad input catches, so
`atlas-ld build` died with a Rust backtrace and no store (found by fuzz/fuzz_page.py).
w3lib is held below 2.6 (pyproject.toml); this test fails again if the scanner comes back
with the bug.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from atlas_ld.cli import main
from atlas_ld.core.errors import ParseError
from atlas_ld.core.model import Page
from atlas_ld.parse.decode import decode
from atlas_ld.parse.parser import parse_page

GOOD = Path(__file__).parent / "pages" / "th_td.html"
CUT = [
    b"<meta",
    b"<!DOCTYPE html>\n<html>\n<head>\n<meta",
    b'<html><head><meta http-equiv="Content-Type" content="text/html"><meta',
]


@pytest.mark.parametrize("body", CUT, ids=["meta-alone", "cut-in-head", "after-another-meta"])
def test_a_page_cut_after_meta_is_decoded_and_refused_in_one_line(body):
    assert decode(body).text == body.decode("ascii")
    with pytest.raises(ParseError) as info:
        parse_page(Page("cut.html", body, "text/html"))
    assert "\n" not in str(info.value) and str(info.value).startswith("cut.html: ")


def test_the_build_goes_on_without_it(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "good.html").write_bytes(GOOD.read_bytes())
    (pages / "cut.html").write_bytes(CUT[1])
    store = str(tmp_path / "store")
    options = ["--store", store, "--max-failures", "50", str(pages)]
    result = CliRunner().invoke(main, ["build", *options])
    assert isinstance(result.exception, SystemExit), result.output  # not a panic
    assert "cut.html: parse: not an Atlas project page" in result.output
    assert "1 partnerships from 2 pages" in result.output
    assert "Traceback" not in result.output and "panicked" not in result.output
