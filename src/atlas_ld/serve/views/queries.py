"""The canned queries of `queries/*.rq` as pages: the list, and each one as HTML, CSV or JSON."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from atlas_ld.serve.negotiation import negotiate
from atlas_ld.serve.views.base import not_found, render, result_table
from atlas_ld.store.canned import CannedQuery, list_queries


def canned(name: str) -> CannedQuery | None:
    """A shipped query by its name only: `get_query` would also read a file path."""
    return next((q for q in list_queries() if q.name == name), None)


async def queries_index(request: Request) -> Response:
    return render(request, "queries.html", queries=list_queries())


async def canned_query(request: Request) -> Response:
    """`/queries/NAME` as HTML, `.csv` or `.json` (also by Accept)."""
    site = request.app.state.site
    name = request.path_params["name"]
    fmt = None
    for suffix in ("csv", "json", "html"):
        if name.endswith("." + suffix):
            name, fmt = name[: -len(suffix) - 1], suffix
    found = canned(name)
    if found is None:
        return not_found(request, f"no query named {name!r}")
    if fmt is None:
        offers = ["text/html", "text/csv", "application/sparql-results+json", "application/json"]
        chosen = negotiate(request.headers.get("accept"), offers)
        fmt = {"text/html": "html", "text/csv": "csv"}.get(chosen, "json")
    if fmt == "html":
        result = await result_table(site, found.sparql)
        return render(request, "query.html", canned=found, result=result)
    written = await site.run(found.sparql, fmt)
    media = "text/csv; charset=utf-8" if fmt == "csv" else written.media_type
    return Response(written.body, media_type=media, headers={"Vary": "Accept"})


def routes() -> list[Route]:
    return [
        Route("/queries", queries_index, name="queries"),
        Route("/queries/{name}", canned_query, name="canned_query"),
    ]
