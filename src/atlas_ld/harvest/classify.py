"""What an HTTP 200 answer from the Atlas is: a project page, the site's error page, or neither.

Judged as the parser reads a page (its layout into visible lines and its labels), so that the
harvester and the parser agree on what a project page is, whatever the markup: a page whose lines
include the labels of the title and the theme is a project page. The Atlas answers unknown ids
with its own error page, sometimes with status 200, which says so in one of `NOT_FOUND_WORDS`.
A page that is neither (a maintenance page, a login wall) is "other": the fetcher fails it and
the next run retries it, since taking it for "not found" would mark every archived project as
gone during an outage.
"""

from __future__ import annotations

import re

from atlas_ld.core.errors import AtlasError
from atlas_ld.parse.labels import is_label, lookup
from atlas_ld.parse.textlayout import Line, html_lines, text_lines

PROJECT_FIELDS = frozenset({"title", "theme"})
NOT_FOUND_WORDS = re.compile(r"erreur|n'existe pas|introuvable|not found", re.IGNORECASE)


def visible_lines(text: str, content_type: str | None = None) -> list[Line]:
    """The page's visible lines as the parser sees them (plain text when served as such)."""
    if (content_type or "").startswith("text/plain"):
        return text_lines(text, is_label)
    try:
        return html_lines(text, is_label)
    except AtlasError:
        return []


def page_kind(text: str, content_type: str | None = None) -> str:
    """ "project", "not-found" (the site's error page) or "other", from the visible lines."""
    lines = visible_lines(text, content_type)
    fields = {label.field for line in lines if (label := lookup(line.text)) is not None}
    if fields >= PROJECT_FIELDS:
        return "project"
    return "not-found" if any(NOT_FOUND_WORDS.search(line.text) for line in lines) else "other"
