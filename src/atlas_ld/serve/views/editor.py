"""The SPARQL editor page (`/query`, and `/sparql` asked for by a browser): YASGUI.

YASGUI (vendored in static/vendor/yasgui) runs the queries on this server's own `/sparql`, with
each canned query of `queries/` in a tab of its own and the project's prefixes declared in a new
tab. A link `/query?query=...` (every page has one) opens that query in the first tab;
`/query?name=NAME` opens a canned query. Errors come back from the endpoint as one line of text
that YASGUI shows under the editor, and the query stays in the editor.

Without JavaScript the page is a form: the query of the link in a text area, run on the server,
the answer (or the error, with the query kept) shown below it; the script hides that form.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from atlas_ld.core.errors import QueryError
from atlas_ld.core.namespaces import PREFIXES
from atlas_ld.serve.i18n import translator
from atlas_ld.serve.views.base import not_found, render, result_table
from atlas_ld.serve.views.queries import canned, limits, localized
from atlas_ld.store.canned import list_queries

# A new query starts with the prefixes most queries use (the endpoint knows all of `PREFIXES`
# even undeclared; declaring them keeps the query valid anywhere else).
STARTER_PREFIXES = "".join(
    f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in ("atlas", "dcterms", "schema", "skos", "rdfs", "xsd")
)
STARTER = """SELECT ?partnership ?title ?start WHERE {
  ?partnership a atlas:Partnership ; dcterms:title ?title .
  OPTIONAL { ?partnership atlas:startYear ?start }
}
ORDER BY ?title
LIMIT 20
"""


def _config(query: str, tab: str, queries: list) -> dict:
    """What static/editor.js needs to set YASGUI up (sent as JSON in the page)."""
    return {
        "endpoint": "/sparql",
        "prefixes": PREFIXES,
        "starter": STARTER_PREFIXES + "\n" + STARTER,
        "query": query,
        "tab": tab,
        "queries": [{"name": q.name, "title": q.title, "sparql": q.sparql} for q in queries],
    }


def _page(request: Request, query: str = "", tab: str = "", **context) -> HTMLResponse:
    t = translator(request)
    queries = [localized(q, t.lang) for q in list_queries()]
    return render(
        request,
        "editor.html",
        t=t,
        query=query,
        queries=queries,
        editor_config=_config(query, tab, queries),
        limits=limits(request.app.state.site),
        **{"result": None, "error": None, **context},
    )


def editor_page(request: Request) -> HTMLResponse:
    return _page(request)


async def editor(request: Request) -> Response:
    site = request.app.state.site
    query = request.query_params.get("query", "")
    name = request.query_params.get("name", "")
    tab = ""
    if name and not query:
        found = canned(name)
        if found is None:
            return not_found(request, f"no query named {name!r}")
        query, tab = found.sparql, localized(found, translator(request).lang).title
    if not query.strip():
        return _page(request, query, tab)
    try:
        result = await result_table(site, query)
    except QueryError as exc:  # the query stays in the editor, the reason above it
        response = _page(request, query, tab, error=str(exc))
        response.status_code = 400
        return response
    return _page(request, query, tab, result=result)


def routes() -> list[Route]:
    return [Route("/query", editor, name="editor")]
