"""The dataset's description: DCAT-AP catalogue (`/catalog`), VoID (`/.well-known/void`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from atlas_ld.graph.catalogue import catalog_graph, void_graph
from atlas_ld.serve.negotiation import negotiate


async def catalog(request: Request) -> Response:
    site = request.app.state.site
    endpoint = str(request.url_for("sparql"))
    graph = await site.cached(
        "catalog", lambda: catalog_graph(site.store, base=site.base, endpoint_url=endpoint)
    )
    return _rdflib_response(request, graph)


async def void(request: Request) -> Response:
    site = request.app.state.site
    endpoint = str(request.url_for("sparql"))
    graph = await site.cached(
        "void", lambda: void_graph(site.store, base=site.base, endpoint_url=endpoint)
    )
    return _rdflib_response(request, graph)


def _rdflib_response(request: Request, graph) -> Response:
    path = request.url.path
    offers = {
        "turtle": "text/turtle",
        "jsonld": "application/ld+json",
        "ntriples": "application/n-triples",
    }
    fmt = "jsonld" if path.endswith(".jsonld") else "turtle" if path.endswith(".ttl") else None
    if fmt is None:
        chosen = negotiate(request.headers.get("accept"), list(offers.values()))
        fmt = next(k for k, v in offers.items() if v == chosen)
    rdflib_format = {"turtle": "turtle", "jsonld": "json-ld", "ntriples": "nt"}[fmt]
    body = graph.serialize(format=rdflib_format, encoding="utf-8")
    return Response(body, media_type=offers[fmt], headers={"Vary": "Accept"})


def routes() -> list[Route]:
    return [
        Route("/catalog", catalog),
        Route("/catalog.ttl", catalog),
        Route("/catalog.jsonld", catalog),
        Route("/.well-known/void", void),
    ]
