"""The SPARQL editor page (`/query`, and `/sparql` asked for by a browser)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from atlas_ld.serve.views.base import not_found, render, result_table
from atlas_ld.serve.views.queries import canned
from atlas_ld.store.canned import list_queries


def editor_page(request: Request) -> HTMLResponse:
    return render(request, "editor.html", query="", queries=list_queries(), result=None)


async def editor(request: Request) -> Response:
    site = request.app.state.site
    query = request.query_params.get("query", "")
    name = request.query_params.get("name", "")
    if name and not query:
        found = canned(name)
        if found is None:
            return not_found(request, f"no query named {name!r}")
        query = found.sparql
    result = await result_table(site, query) if query.strip() else None
    return render(request, "editor.html", query=query, queries=list_queries(), result=result)


def routes() -> list[Route]:
    return [Route("/query", editor, name="editor")]
