"""The canned queries of `queries/*.rq` as pages: the list, and each one as HTML, CSV or JSON.

Paging (docs/server.md, "Canned queries"): `?page=N` (from 1) gives rows `100 (N-1) + 1` to
`100 N` of the answer, evaluated as the canned query with `LIMIT`/`OFFSET` appended, so a page
of an answer too large for one response is still within the time and row limits. Pages are
numbered rather than offsets so that every page's answer is a cache entry others reuse. The
HTML page is always paged (a browser would not hold 144,000 rows); the CSV and JSON downloads
give the full answer (computed ahead by the build where it exists) unless `page` is given,
and then carry `Link` headers (`rel="next"`, `rel="prev"`) as the HTML page carries links.

A page within the kept full answer (the build's, or one a client downloaded) is cut from it
rather than evaluated: with `ORDER BY`, `OFFSET` costs the whole query again, which at Atlas
scale (`roles`: 37 s in Oxigraph) is past the time limit. `Cache-Control: no-cache` evaluates
the page afresh.
"""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import json
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from atlas_ld.serve.cache import answer_response, wants_fresh
from atlas_ld.serve.i18n import DEFAULT, translator
from atlas_ld.serve.negotiation import negotiate
from atlas_ld.serve.results import Written
from atlas_ld.serve.views.base import error_page, not_found, render, result_table, wants_html
from atlas_ld.store.answers import (
    MEDIA_TYPES,
    read_types,
    results_json,
    typed_bindings,
    whole_key,
)
from atlas_ld.store.canned import CannedQuery, list_queries, read_header
from atlas_ld.store.guard import QueryInfo, inspect_query

PAGE_ROWS = 100  # rows per page of a canned query's answer, in HTML and in paged downloads
MAX_PAGE = 1_000_000  # a larger page number is refused rather than sent to the engine


@dataclass(frozen=True, slots=True)
class Paging:
    """Which rows of an answer a request asks for; `page` None means the full answer."""

    page: int | None

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE_ROWS if self.page else 0

    def query(self, sparql: str, extra: int = 0) -> str:
        """The canned query with this page's `LIMIT`/`OFFSET` (and `extra` rows more, which
        tell the HTML page whether a next page exists). Canned queries end with their solution
        modifiers and have no LIMIT or OFFSET of their own (checked by tests/server/
        test_paging.py), so appending them is the SPARQL way to page."""
        if self.page is None:
            return sparql
        return f"{sparql.rstrip()}\nLIMIT {PAGE_ROWS + extra}\nOFFSET {self.offset}\n"


class BadPage(ValueError):
    """A `page` parameter that is not a page number."""


def paging(request: Request) -> Paging:
    raw = request.query_params.get("page")
    if raw is None:
        return Paging(None)
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise BadPage(f"page must be a whole number from 1 to {MAX_PAGE}, not {raw!r}")
    return Paging(int(raw))


def page_href(request: Request, page: int) -> str:
    """This URL with another page number (other parameters, such as `lang`, kept)."""
    params = {k: v for k, v in request.query_params.items() if k != "page"}
    return request.url.path + "?" + urlencode({**params, "page": page})


def link_header(request: Request, page: int, has_next: bool) -> str:
    """The `Link` header of a page of a download (RFC 8288)."""
    links = []
    if has_next:
        links.append(f'<{page_href(request, page + 1)}>; rel="next"')
    if page > 1:
        links.append(f'<{page_href(request, page - 1)}>; rel="prev"')
    return ", ".join(links)


def _cut(full: Written, fmt: str, start: int, stop: int, types: dict | None = None):
    """Rows `start` to `stop` of a full SPARQL JSON or CSV answer, in `fmt`, and how many.

    With `types` (the kinds kept beside a CSV answer, `answers.column_types`), `full` is the CSV
    and the rows are given as SPARQL JSON."""
    if fmt == "json" and types is None:
        data = json.loads(full.read())
        rows = data["results"]["bindings"][start:stop]
        return results_json({"head": data["head"], "results": {"bindings": rows}}), len(rows)
    with _text(full) as text:
        reader = csv.reader(text)
        header = next(reader, [])
        cells = list(itertools.islice(reader, start, stop))
    if types is not None:
        page = {"head": {"vars": types["vars"]}, "results": {"bindings": []}}
        page["results"]["bindings"] = typed_bindings(types, cells, start)
        return results_json(page), len(cells)
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows([header, *cells])
    return out.getvalue().encode("utf-8"), len(cells)


def _text(full: Written) -> io.TextIOBase:
    """A CSV answer as text, read from its file as the rows are taken when it is on disk."""
    if full.path is not None:
        return open(full.path, encoding="utf-8", newline="")
    return io.StringIO(full.body.decode("utf-8"), newline="")


def _full_answer(
    site, sparql: str, fmt: str, info: QueryInfo, stop: int
) -> tuple[Written, dict | None] | None:
    """The kept full answer that holds rows up to `stop`: in `fmt`, or for SPARQL JSON the CSV
    answer with the kinds of its terms kept beside it (where the build kept `roles` as CSV only,
    its JSON being over the byte limit), or the whole CSV kept when the full answer was cut at
    the row limit; None when no kept answer holds them."""

    def holding(key: str | None) -> Written | None:
        full = site.answers.get(key) if key else None
        return None if full is None or (full.truncated and full.rows < stop) else full

    folder = site.answers.folder
    keys = {kind: site.key(site.job(sparql, kind, info=info)) for kind in ("csv", "json")}
    whole = whole_key(site.validators.build_id, sparql) if folder else None
    if fmt == "csv":
        full = holding(keys["csv"]) or holding(whole)
        return (full, None) if full is not None else None
    # SPARQL JSON: from a CSV with its kinds first, read only up to the page (parsing the whole
    # JSON answer, 50 MB for `roles` at Atlas scale, took a second a page)
    for key in (keys["csv"], whole) if folder else ():
        full = holding(key)
        types = read_types(folder, key) if full is not None else None
        if types is not None:
            return full, types
    full = holding(keys["json"])
    return (full, None) if full is not None else None


async def prime_page(site, sparql: str, fmt: str, page: Paging, extra: int = 0) -> None:
    """Keep this page's answer cut from the full answer, when that one is kept and holds the
    page's rows, so that evaluating the page (`site.run`, `site.answer`) finds it cached."""
    info = inspect_query(sparql)
    paged = site.job(page.query(sparql, extra), fmt, info=info)
    page_key = site.key(paged)
    if fmt not in ("json", "csv") or site.answers.get(page_key) is not None:
        return
    stop = page.offset + PAGE_ROWS + extra
    found = _full_answer(site, sparql, fmt, info, stop)
    if found is None:
        return  # rows past the cut, or no full answer kept: the engine evaluates the page
    full, types = found
    body, rows = await asyncio.to_thread(_cut, full, fmt, page.offset, stop, types)
    written = Written(body, MEDIA_TYPES[fmt], rows, False, max_bytes=full.max_bytes)
    site.answers.put(page_key, written, persist=False)


def limits(site) -> dict[str, float]:
    """The server's limits on every query, as the query pages state them."""
    config = site.config
    return {
        "rows": config.max_rows,
        "megabytes": config.max_result_bytes / 1_000_000,
        "seconds": config.timeout,
    }


def canned(name: str) -> CannedQuery | None:
    """A shipped query by its name only: `get_query` would also read a file path."""
    return next((q for q in list_queries() if q.name == name), None)


@dataclass(frozen=True, slots=True)
class Localized:
    """A canned query's title, description and column headers in one language, from its
    `# title@en:`, `# description@en:`, `# column@en NAME:` header lines (French without `@`)."""

    query: CannedQuery
    title: str
    description: str
    columns: dict[str, str]

    @property
    def name(self) -> str:
        return self.query.name

    @property
    def sparql(self) -> str:
        return self.query.sparql


def localized(query: CannedQuery, lang: str) -> Localized:
    meta = read_header(query.sparql)
    suffix = "" if lang == DEFAULT else f"@{lang}"
    columns = {k.split()[1]: v for k, v in meta.items() if k.startswith("column ")}
    columns.update(
        {k.split()[1]: v for k, v in meta.items() if suffix and k.startswith(f"column{suffix} ")}
    )
    return Localized(
        query,
        title=meta.get("title" + suffix) or query.title,
        description=meta.get("description" + suffix) or query.description,
        columns=columns,
    )


async def queries_index(request: Request) -> Response:
    t = translator(request)
    queries = [localized(q, t.lang) for q in list_queries()]
    return render(request, "queries.html", t=t, queries=queries)


async def canned_query(request: Request) -> Response:
    """`/queries/NAME` as HTML, `.csv` or `.json` (also by Accept)."""
    site = request.app.state.site
    name = request.path_params["name"]
    fmt = None
    for suffix in ("csv", "json", "html"):
        if name.endswith("." + suffix):
            name, fmt = name[: -len(suffix) - 1], suffix
    t = translator(request)
    found = canned(name)
    if found is None:
        return not_found(request, t("Pas de requête nommée %(name)r", name=name))
    if fmt is None:
        offers = ["text/html", "text/csv", "application/sparql-results+json", "application/json"]
        chosen = negotiate(request.headers.get("accept"), offers)
        fmt = {"text/html": "html", "text/csv": "csv"}.get(chosen, "json")
    try:
        wanted = paging(request)
    except BadPage as exc:
        if fmt == "html" and wants_html(request):
            return error_page(request, 400, str(exc))
        return PlainTextResponse(f"{exc}\n", status_code=400)
    if fmt == "html":
        shown = localized(found, t.lang)
        page = Paging(wanted.page or 1)
        if not wants_fresh(request.headers):
            await prime_page(site, found.sparql, "json", page, extra=1)
        # one row more than a page says whether there is a next page, without counting all
        result = await result_table(site, page.query(found.sparql, extra=1), shown.columns, t.lang)
        has_next = result.get("kind") == "table" and len(result["rows"]) > PAGE_ROWS
        if result.get("kind") == "table":
            result["rows"] = result["rows"][:PAGE_ROWS]
            result["total"] = min(result["total"], PAGE_ROWS)
        return render(
            request,
            "query.html",
            t=t,
            canned=shown,
            result=result,
            limits=limits(site),
            paging={
                "page": page.page,
                "first": page.offset + 1,
                "last": page.offset + len(result.get("rows", [])),
                "next": page_href(request, page.page + 1) if has_next else None,
                "prev": page_href(request, page.page - 1) if page.page > 1 else None,
            },
        )
    # large answers streamed from their file (the full one computed ahead by the build)
    fresh = wants_fresh(request.headers)
    if wanted.page is not None and not fresh:
        await prime_page(site, found.sparql, fmt, wanted)
    query = wanted.query(found.sparql)
    answer = await site.answer(site.job(query, fmt, info=inspect_query(query)), fresh=fresh)
    written = answer.written
    media = "text/csv; charset=utf-8" if fmt == "csv" else written.media_type
    headers = {"Vary": "Accept", "X-Cache": answer.cache}
    if wanted.page is not None:
        link = link_header(request, wanted.page, written.rows >= PAGE_ROWS)
        if link:
            headers["Link"] = link
    return answer_response(written, media, headers)


def routes() -> list[Route]:
    return [
        Route("/queries", queries_index, name="queries"),
        Route("/queries/{name}", canned_query, name="canned_query"),
    ]
