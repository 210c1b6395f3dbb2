"""Regression: an XML declaration cut before its `?>` crashed the parser.

lxml refuses a `str` that starts with an encoding declaration, and reads one even without
its closing `?>`. The parser removed only whole declarations, so a page starting with
`<?xml version="1.0" encoding="ISO-` and a broken doctype raised lxml's ValueError from
`parse_page`: a traceback instead of a record (found by fuzz/fuzz_page.py). A browser reads
`<?...>` as a bogus comment that ends at the first `>`; the parser now does the same, for
every declaration the page starts with (a second one, found by the fuzzer too, raised again).
"""

from __future__ import annotations

import pytest

from atlas_ld.core.model import Page
from atlas_ld.parse.parser import parse_page

BODY = (
    "<dl><dt>Titre</dt><dd>Adduction d'eau à Kaya</dd>"
    "<dt>Le partenariat est</dt><dd>En cours</dd></dl></body></html>"
)


@pytest.mark.parametrize(
    "start",
    [
        '<?xml version="1.0" encoding="ISO- PUBLIC "-//W3C//DTD XHTML 1.0//EN" "x.dtd">'
        '\n<html xmlns="http://www.w3.org/1999/xhtml"><body>',
        "<?xml version='1.0' encoding='utf-8' <html><body>",
        "<?xml encoding='utf-8'><html><body>",
        "  <?xml version='1.0' encoding='utf-8'?><html><body>",
        "<?xml version='1.0' encoding='utf-8'?>\x01<?xml version='1.0' encoding='utf-8'?><html>",
    ],
    ids=["cut-into-doctype", "no-end-before-html", "no-question-mark", "whole-after-spaces", "two"],
)
@pytest.mark.parametrize("content_type", [None, "text/html", "application/xhtml+xml"])
def test_a_page_with_a_broken_xml_declaration_parses(start, content_type):
    record = parse_page(Page("p.html", (start + BODY).encode("utf-8"), content_type))
    assert record.title == "Adduction d'eau à Kaya"
    assert record.status == "En cours"
