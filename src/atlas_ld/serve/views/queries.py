"""The canned queries of `queries/*.rq` as pages: the list, and each one as HTML, CSV or JSON."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from atlas_ld.serve.cache import answer_response
from atlas_ld.serve.i18n import DEFAULT, translator
from atlas_ld.serve.negotiation import negotiate
from atlas_ld.serve.views.base import not_found, render, result_table
from atlas_ld.store.canned import CannedQuery, list_queries, read_header


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
    if fmt == "html":
        shown = localized(found, t.lang)
        result = await result_table(site, found.sparql, shown.columns, t.lang)
        return render(request, "query.html", t=t, canned=shown, result=result)
    written = await site.run(found.sparql, fmt, keep_file=True)  # large answers streamed
    media = "text/csv; charset=utf-8" if fmt == "csv" else written.media_type
    return answer_response(written, media, {"Vary": "Accept"})


def routes() -> list[Route]:
    return [
        Route("/queries", queries_index, name="queries"),
        Route("/queries/{name}", canned_query, name="canned_query"),
    ]
