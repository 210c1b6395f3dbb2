"""The web server: SPARQL endpoint, linked-data IRIs, pages for people, query editor.

One Starlette app over one store directory opened read-only. Every query — from the endpoint
and from the pages alike — is guarded (`query_guard`) and evaluated in the killable worker pool
(`workers`), so the time limit and the row limit apply to all of them. Unless asked otherwise,
the server reads a copy of the store without personal data (`public_store`). Errors reach clients
as one line of text with a 4xx/5xx status, never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from atlas_ld.core.errors import AtlasError, QueryError, StoreError
from atlas_ld.core.namespaces import PREFIXES, base_from_env, check_base
from atlas_ld.serve import views
from atlas_ld.serve.negotiation import NotAcceptable
from atlas_ld.serve.protocol import (
    ProtocolError,
    ProtocolRequest,
    read_request,
    result_format,
    service_description,
)
from atlas_ld.serve.results import Written, write_triples
from atlas_ld.serve.workers import QueryJob, QueryPool, QueryTimeout, ServerBusy
from atlas_ld.store.disk import read_manifest
from atlas_ld.store.guard import QueryInfo, inspect_query
from atlas_ld.store.remote import RemoteSource
from atlas_ld.store.repo import Repo, open_embedded

log = logging.getLogger("atlas_ld.serve.app")
PAGE_CACHE = 2000
Bindings = tuple[tuple[str, str, str], ...]  # see QueryJob.substitutions


@dataclass(slots=True)
class ServerConfig:
    """What `atlas-ld serve` lets an operator choose."""

    store: Path
    base: str | None = None  # None: the base the store was built with
    timeout: float = 10.0
    max_rows: int = 100_000
    max_body: int = 1_000_000
    workers: int | None = None  # None: one per core (at least two)
    include_personal: bool = False
    sparql_endpoint: str | None = None  # serve a remote SPARQL endpoint instead of `store`
    graph_prefix: str | None = None  # of the endpoint, serve only graphs whose IRI starts so


class Site:
    """The running server's shared state: the base, the query pool, cached descriptions."""

    def __init__(self, config: ServerConfig):
        self.config = config
        # The repository applies the personal-data rule (atlas_ld.store.repo). The main process
        # keeps its own handle for the catalogue and VoID, which need the whole store at once;
        # queries from clients never run on it but in the workers, which reopen `served`.
        if config.sparql_endpoint:
            self.base = check_base(config.base) if config.base else base_from_env()
            remote = RemoteSource(
                config.sparql_endpoint,
                include_personal=config.include_personal,
                timeout=config.timeout + 1,  # the worker's kill comes first
                graph_prefix=config.graph_prefix,
            )
            self.store: Repo = remote.open()
            served: Path | RemoteSource = remote
        else:
            manifest = read_manifest(config.store)
            self.base = check_base(config.base) if config.base else manifest.base
            embedded = open_embedded(config.store, include_personal=config.include_personal)
            self.store, served = embedded, Path(embedded.source.path)
        self.triples = self._count_triples()
        self.pool = QueryPool(served, size=config.workers, timeout=config.timeout)
        self._cache: dict[str, object] = {}
        self._rows: OrderedDict[tuple, list[dict[str, dict]]] = OrderedDict()

    def _count_triples(self) -> int:
        query = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
        result = self.store.query(query, use_default_graph_as_union=True)
        return int(next(iter(result))["n"].value)

    def job(
        self,
        query: str,
        fmt: str,
        request: ProtocolRequest | None = None,
        info: QueryInfo | None = None,
        base_iri: str | None = None,
    ) -> QueryJob:
        """A job on the union of the served graphs, or the dataset the request names."""
        default = request.default_graphs if request else None
        named = request.named_graphs if request else None
        if request and (default or named):
            default, named = tuple(default), tuple(named)
        else:
            default = named = None
        return QueryJob(
            query=query,
            result_format=fmt,
            row_limit=self.config.max_rows,
            default_graphs=default,
            named_graphs=named,
            prefixes=tuple(PREFIXES.items()),
            base_iri=base_iri,
            union_default=not (info and info.has_from),
        )

    async def run(self, query: str, fmt: str = "json", bind: Bindings = ()) -> Written:
        """Guard and run a query the server itself wrote (pages, canned queries); `bind` gives
        values from the request as pyoxigraph substitutions."""
        info = inspect_query(query)
        job = replace(self.job(query, fmt, info=info), substitutions=bind)
        return await self.pool.run(job)

    async def select(self, query: str, bind: Bindings = ()) -> list[dict[str, dict]]:
        """SELECT rows as SPARQL-JSON bindings, for the HTML pages.

        The store does not change while it is served, so the answers of the pages' own queries
        are kept (the most recent `PAGE_CACHE` of them): the home page costs its queries once.
        """
        key = (query, bind)
        rows = self._rows.pop(key, None)
        if rows is None:
            written = await self.run(query, "json", bind)
            rows = json.loads(written.body)["results"]["bindings"]
        self._rows[key] = rows
        while len(self._rows) > PAGE_CACHE:
            self._rows.popitem(last=False)
        return rows

    async def cached(self, key: str, make):
        """`make()` once, in a thread: the catalogue and VoID read the whole store."""
        if key not in self._cache:
            self._cache[key] = await asyncio.to_thread(make)
        return self._cache[key]


def _site(request: Request) -> Site:
    return request.app.state.site


async def sparql(request: Request) -> Response:
    """The SPARQL 1.1 Protocol endpoint (query only)."""
    site = _site(request)
    parsed = await read_request(request, site.config.max_body)
    if parsed.query is None:
        return _service_description(request, site, parsed)
    info: QueryInfo = inspect_query(parsed.query)
    fmt, media = result_format(info.form, request.headers.get("accept"), parsed.format)
    endpoint = str(request.url.replace(query=""))
    written = await site.pool.run(site.job(parsed.query, fmt, parsed, info, endpoint))
    return _results_response(written, media)


def _results_response(written: Written, media: str) -> Response:
    headers = {"Vary": "Accept"}
    if written.truncated:
        headers["X-Atlas-Truncated"] = f"results cut at {written.rows} rows"
    charset = "" if "charset" in media else "; charset=utf-8"
    return Response(written.body, headers=headers, media_type=f"{media}{charset}")


def _service_description(request: Request, site: Site, parsed: ProtocolRequest) -> Response:
    if parsed.format is None and views.wants_html(request):
        return views.editor_page(request)
    fmt, media = result_format("CONSTRUCT", request.headers.get("accept"), parsed.format)
    endpoint = str(request.url.replace(query=""))
    triples = service_description(endpoint, site.triples, union_default=True)
    written = write_triples(triples, fmt, len(triples), PREFIXES)
    return Response(written.body, media_type=media, headers={"Vary": "Accept"})


def _error_status(exc: AtlasError) -> int:
    if isinstance(exc, ProtocolError):
        return exc.status
    if isinstance(exc, NotAcceptable):
        return 406
    if isinstance(exc, QueryTimeout | ServerBusy):
        return 503
    if isinstance(exc, QueryError):
        return 400
    if isinstance(exc, StoreError):
        return 503
    return 400


async def _atlas_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AtlasError)
    status = _error_status(exc)
    if views.wants_html(request) and not request.url.path.startswith("/sparql"):
        return views.error_page(request, status, str(exc))
    headers = {"Retry-After": "5"} if status == 503 else None
    return PlainTextResponse(f"{exc}\n", status_code=status, headers=headers)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s", request.url.path)
    return PlainTextResponse("internal server error\n", status_code=500)


# Our pages load nothing from elsewhere and run no inline script: a CSP makes any markup that
# slipped past escaping inert. pyLODE's ontology page has inline styles, so it keeps its own.
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
# YASGUI's result table adds <style> elements as its columns are sized: the editor page allows
# inline styles (never inline scripts).
EDITOR_POLICY = PAGE_POLICY.replace(
    "default-src 'self';", "default-src 'self'; style-src 'self' 'unsafe-inline';"
)
EDITOR_PATHS = ("/query", "/sparql", "/sparql/")


class SecurityHeaders:
    """Adds `nosniff` to every response (error text must never be sniffed as HTML), a
    Content-Security-Policy to HTML pages, and a referrer policy."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "same-origin"
                html = headers.get("content-type", "").startswith("text/html")
                if html and not path.startswith("/def/atlas"):
                    editor = path in EDITOR_PATHS
                    headers["Content-Security-Policy"] = EDITOR_POLICY if editor else PAGE_POLICY
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(config: ServerConfig) -> Starlette:
    """The ASGI app; the worker pool starts with the app and stops with it."""
    site = Site(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        site.pool.start()
        views.search.start(app)  # the search index, built in the background when stale
        try:
            yield
        finally:
            site.pool.close()

    routes = [
        Route("/sparql", sparql, methods=["GET", "POST"], name="sparql"),
        Route("/sparql/", sparql, methods=["GET", "POST"]),
        Mount("/static", StaticFiles(packages=[("atlas_ld.serve", "static")]), name="static"),
        *views.routes(),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                CORSMiddleware,
                allow_origins=["*"],
                allow_methods=["GET", "POST"],
                allow_headers=["Accept", "Content-Type"],
                expose_headers=["X-Atlas-Truncated"],
            ),
        ],
        exception_handlers={AtlasError: _atlas_error, Exception: _unexpected},
        lifespan=lifespan,
    )
    app.state.site = site
    return app


def serve(config: ServerConfig, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the app under uvicorn until interrupted (SIGINT/SIGTERM end it gracefully)."""
    import uvicorn

    app = create_app(config)
    uvicorn.run(app, host=host, port=port, access_log=True, log_level="info", proxy_headers=True)
