"""The search page (`/search`): partnerships by title, start year and status."""

from __future__ import annotations

import re
import unicodedata

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from atlas_ld.core.errors import QueryError
from atlas_ld.core.namespaces import ATLAS
from atlas_ld.serve.linked_data import safe_iri
from atlas_ld.serve.views.base import PREFIX_LINES, render, term_value

_SEARCH_TEXT = re.compile(r"[^\w\s\-'’.,()]")


# People type "quebec" or "Lao Cai" for "Québec" and "Lào Cai": a title search ignores accents,
# ligatures and the kind of apostrophe. SPARQL has no accent folding, so each letter of the
# folded text becomes a class of its accented forms in a case-insensitive REGEX.
_ACCENTED = {
    "a": "aàâäáãå",
    "c": "cç",
    "e": "eéèêë",
    "i": "iîïíì",
    "n": "nñ",
    "o": "oôöóòõ",
    "u": "uùûüú",
    "y": "yÿý",
}
_LIGATURES = {"oe": "œ", "ae": "æ"}


def _fold(text: str) -> str:
    text = " ".join(text.lower().replace("œ", "oe").replace("æ", "ae").split())
    text = unicodedata.normalize("NFD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def _title_pattern(text: str) -> str:
    """A regex (written as the inside of a SPARQL string) matching `text` in any accenting.

    `text` has been reduced to `_SEARCH_TEXT`'s characters, so no quote or backslash remains.
    """
    folded, out, i = _fold(text), [], 0
    while i < len(folded):
        pair = folded[i : i + 2]
        if pair in _LIGATURES:
            out.append(f"(?:{pair}|{_LIGATURES[pair]})")
            i += 2
            continue
        char = folded[i]
        if char in _ACCENTED:
            out.append(f"[{_ACCENTED[char]}]")
        elif char in "'’":
            out.append("['’]")
        elif char in ".()-":
            out.append("\\\\" + char)
        elif char.isspace():
            out.append("\\\\s+")
        else:
            out.append(char)
        i += 1
    return "".join(out)


async def search(request: Request) -> Response:
    site = request.app.state.site
    text = _SEARCH_TEXT.sub(" ", request.query_params.get("q", "")).strip()[:200]
    year = request.query_params.get("year", "").strip()
    status = request.query_params.get("status", "").strip()
    filters = []
    if text:
        filters.append(f'FILTER (REGEX(?title, "{_title_pattern(text)}", "i"))')
    if year:
        if not year.isdigit() or len(year) != 4:
            raise QueryError(f"year {year!r} is not a four-digit year")
        # startYear is an xsd:gYear; comparing its text also matches integer-typed years.
        filters.append(f'?p atlas:startYear ?y . FILTER (STR(?y) = "{int(year)}")')
    if status:
        if not (status.startswith(ATLAS) and safe_iri(status)):
            raise QueryError(f"unknown status {status!r}")
        filters.append(f"?p atlas:status <{status}> .")
    query = (
        PREFIX_LINES
        + f"""SELECT ?p ?title ?start WHERE {{
  ?p a atlas:Partnership ; dcterms:title ?title .
  OPTIONAL {{ ?p atlas:startYear ?start }}
  {" ".join(filters)}
}} ORDER BY ?title ?p LIMIT 500"""
    )
    rows = [
        (term_value(site, row["p"], row["title"]), row.get("start", {}).get("value", ""))
        for row in await site.select(query)
    ]
    return render(request, "search.html", q=text, year=year, rows=rows, query=query)


def routes() -> list[Route]:
    return [Route("/search", search, name="search")]
