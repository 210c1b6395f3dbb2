"""The search page (`/search`): full text and facets over the partnerships.

The page reads the SQLite index of `atlas_ld.store.search_index`, kept next to the store. The
server makes the index in a background thread at start when it is missing or belongs to another
build; until it is ready `/search` answers 503 with a one-line reason.

Parameters: `q` (words, each a prefix; accents and case ignored), one per facet (`country=BFA`,
`region=76`, `theme=developpement-economique`, `status=Ongoing`, `funder=...`, `kind=...`;
repeat a facet for "any of"), `year_from`/`year_to` (or `year` for one year), `sort`
(`relevance`, `title`, `year`, `-year`, `amount`, `-amount`), `page`, and `format=csv|json` for
every result as data.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import shutil
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from atlas_ld.core.errors import AtlasError, QueryError, StoreError
from atlas_ld.core.namespaces import ATLAS
from atlas_ld.serve import charts, i18n
from atlas_ld.serve.views.base import env, render
from atlas_ld.store import search_index
from atlas_ld.store.search_index import FACETS, SORTS, SearchIndex, SearchQuery, SearchResult

log = logging.getLogger("atlas_ld.serve.search")

# Any page may import the chart macros; their helpers are registered with the pages' templates.
env.globals.update(charts.TEMPLATE_GLOBALS)

FACET_TITLES = {
    "country": "Pays",
    "region": "Région française",
    "theme": "Thématique",
    "status": "Statut",
    "funder": "Financeur",
    "kind": "Type d'acteur",
    "year": "Année de début",
}
SORT_TITLES = {
    "relevance": "Pertinence",
    "title": "Titre",
    "year": "Année de début (croissante)",
    "-year": "Année de début (décroissante)",
    "amount": "Montant (croissant)",
    "-amount": "Montant (décroissant)",
}
FACETS_SHOWN = 8  # values shown per facet before "more"
MAX_TEXT = 200
WAIT = 10.0  # seconds a search waits for an index being made


class SearchService:
    """The search index of the served store: made in the background when missing or stale."""

    def __init__(self, site):
        self.site = site
        self.ready = threading.Event()
        self.error: str | None = None
        self._lock = threading.Lock()
        self._started = False
        self._index: SearchIndex | None = None
        self._temporary: Path | None = None  # a folder of this server's own, removed at stop
        if site.config.sparql_endpoint:
            # A remote endpoint has no build id: its index lives as long as this server.
            self.path = self._temporary_index()
            self.store_dir: Path | None = None
        else:
            self.store_dir = Path(site.config.store)
            self.path = search_index.index_path(self.store_dir)

    def start(self) -> None:
        """Check the index and, when needed, build it in a thread (once per server)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._prepare, name="search-index", daemon=True).start()

    def _prepare(self) -> None:
        """Build the index if it is missing or stale, then load its facets into memory."""
        try:
            if self.store_dir is None:
                endpoint = self.site.config.sparql_endpoint
                search_index.write_index(self.site.store, self.site.base, endpoint, self.path)
            elif not search_index.is_current(self.store_dir, self.path):
                try:
                    search_index.build_search_index(self.store_dir, self.site.store, self.path)
                except StoreError as exc:  # a read-only place: this server keeps its own copy
                    log.warning("%s; the index goes to a temporary folder", exc)
                    self.path = self._temporary_index()
                    search_index.build_search_index(self.store_dir, self.site.store, self.path)
            self._index = SearchIndex(self.path)
            self._index.load()
            log.info("search index ready: %s", self.path)
        except AtlasError as exc:
            self.error = str(exc)
            log.error("search index: %s", exc)
        except Exception as exc:  # a bug: logged with its traceback, the server goes on
            self.error = "the search index could not be built (see the server's log)"
            log.exception("search index: %s", exc)
        finally:
            self.ready.set()

    def _temporary_index(self) -> Path:
        self._temporary = Path(tempfile.mkdtemp(prefix="atlas-ld-search-"))
        return self._temporary / "index.sqlite"

    def close(self, wait: float = 5.0) -> None:
        """Remove the temporary folder of this server's index, if it made one (each server on a
        remote endpoint made one that nothing removed). An index still being written is given
        `wait` seconds to finish, so its thread does not write into a folder removed under it."""
        if self._started:
            self.ready.wait(wait)
        if self._temporary is not None:
            shutil.rmtree(self._temporary, ignore_errors=True)
            self._temporary = None

    def index(self) -> SearchIndex:
        self.start()
        if not self.ready.is_set():
            raise StoreError("the search index is being built; try again in a few seconds")
        if self.error:
            raise StoreError(self.error)
        assert self._index is not None  # set before `ready`
        return self._index


def service(app) -> SearchService:
    """The app's search service, made on first use (the app's start-up also starts it)."""
    found = getattr(app.state, "search", None)
    if found is None:
        found = app.state.search = SearchService(app.state.site)
    return found


def start(app) -> None:
    """Called when the server starts: check the index, build it in the background if needed."""
    service(app).start()


def stop(app) -> None:
    """Called when the server stops: remove what the index left in temporary folders."""
    found = getattr(app.state, "search", None)
    if found is not None:
        found.close()


def _int(request: Request, name: str, low: int, high: int) -> int | None:
    text = request.query_params.get(name, "").strip()
    if not text:
        return None
    if not text.isdigit() or not low <= int(text) <= high:
        raise QueryError(f"{name}={text!r} is not a number from {low} to {high}")
    return int(text)


def _facet_values(request: Request, name: str) -> tuple[str, ...]:
    values = []
    for raw in request.query_params.getlist(name):
        value = raw.strip()
        if name in ("status", "kind"):  # links written with the whole IRI keep working
            value = value.removeprefix(ATLAS)
        if value and value not in values:
            values.append(value[:300])
    return tuple(values[:50])


def parse_query(request: Request, lang: str) -> SearchQuery:
    """The search a request asks for; `QueryError` (400) naming the bad parameter."""
    year = _int(request, "year", 1000, 9999)
    year_from = _int(request, "year_from", 1000, 9999) or year
    year_to = _int(request, "year_to", 1000, 9999) or year
    if year_from and year_to and year_from > year_to:
        raise QueryError(f"year_from {year_from} is after year_to {year_to}")
    sort = request.query_params.get("sort", "").strip()
    if sort and sort not in SORTS:
        raise QueryError(f"sort={sort!r} is not one of {', '.join(SORTS)}")
    facets = {name: _facet_values(request, name) for name in FACETS if name != "year"}
    return SearchQuery(
        text=request.query_params.get("q", "").strip()[:MAX_TEXT],
        facets={name: values for name, values in facets.items() if values},
        year_from=year_from,
        year_to=year_to,
        sort=sort,
        page=_int(request, "page", 1, 100_000) or 1,
        lang=lang,
    )


def query_params(query: SearchQuery, **changes) -> str:
    """The URL query of `query` with some parameters changed (None removes one)."""
    params: list[tuple[str, str]] = []
    if query.text:
        params.append(("q", query.text))
    for name, values in query.facets.items():
        params += [(name, v) for v in values]
    if query.year_from:
        params.append(("year_from", str(query.year_from)))
    if query.year_to:
        params.append(("year_to", str(query.year_to)))
    if query.sort:
        params.append(("sort", query.sort))
    if query.page > 1:
        params.append(("page", str(query.page)))
    for name, value in changes.items():
        params = [(k, v) for k, v in params if k != name]
        if value is not None:
            params.append((name, str(value)))
    return urlencode(params)


def _csv(result: SearchResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["iri", "title", "countries", "start_year", "end_year", "status", "total_eur"])
    for hit in result.hits:
        writer.writerow(
            [
                hit.iri,
                hit.title,
                " ".join(code for code, _ in hit.countries),
                hit.start_year or "",
                hit.end_year or "",
                hit.status[1] if hit.status else "",
                "" if hit.total is None else str(hit.total),
            ]
        )
    return out.getvalue()


async def search(request: Request) -> Response:
    lang = i18n.translator(request).lang
    query = parse_query(request, lang)
    fmt = request.query_params.get("format", "html")
    if fmt not in ("html", "csv", "json"):
        raise QueryError(f"format={fmt!r} is not one of html, csv, json")
    found = service(request.app)
    found.start()
    # A search arriving while the index is made waits a little before a 503.
    await asyncio.to_thread(found.ready.wait, WAIT)
    index = found.index()
    if fmt != "html":
        result = await asyncio.to_thread(index.all_hits, query)
        if fmt == "csv":
            return Response(_csv(result), media_type="text/csv; charset=utf-8")
        return Response(search_index.dumps(result), media_type="application/json")
    result = await asyncio.to_thread(index.search, query)
    if query.page > result.pages:
        raise QueryError(f"page {query.page} is past the last page ({result.pages})")
    return render(
        request,
        "search.html",
        result=result,
        query=query,
        facet_titles=FACET_TITLES,
        sort_titles=SORT_TITLES,
        facets_shown=FACETS_SHOWN,
        country_rows=[
            {"iso3": c.value, "value": c.count, "label": c.label, "href": c.href}
            for c in result.facets["country"]
        ],
        region_rows=[
            {"code": c.value, "value": c.count, "label": c.label, "href": c.href}
            for c in result.facets["region"]
        ],
        year_rows=sorted(
            ({"year": c.value, "partnerships": c.count} for c in result.facets["year"]),
            key=lambda row: row["year"],
        ),
        link=lambda **changes: "/search?" + query_params(query, **changes),
        data_link=lambda fmt: "/search?" + query_params(query, page=None, format=fmt),
    )


def routes() -> list[Route]:
    return [Route("/search", search, name="search")]
