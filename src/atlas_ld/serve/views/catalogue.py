"""The dataset's description: DCAT-AP catalogue (`/catalog`), VoID (`/.well-known/void`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import rdflib
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, VOID
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from atlas_ld.graph.catalogue import catalog_graph, void_graph
from atlas_ld.serve.i18n import translator
from atlas_ld.serve.negotiation import negotiate
from atlas_ld.serve.views.base import VARY, Row, Value, compact, local_href, render


async def catalog(request: Request) -> Response:
    site = request.app.state.site
    endpoint = str(request.url_for("sparql"))
    graph = await site.cached(
        "catalog", lambda: catalog_graph(site.store, base=site.base, endpoint_url=endpoint)
    )
    return _rdflib_response(request, graph, "Catalogue DCAT-AP")


async def void(request: Request) -> Response:
    site = request.app.state.site
    endpoint = str(request.url_for("sparql"))
    graph = await site.cached(
        "void", lambda: void_graph(site.store, base=site.base, endpoint_url=endpoint)
    )
    return _rdflib_response(request, graph, "Description VoID")


def _rdflib_response(request: Request, graph, title: str) -> Response:
    """Turtle, JSON-LD or N-Triples by suffix or Accept; a page for a browser (Accept: text/html,
    which programs asking for `*/*` or nothing do not get: Turtle comes first)."""
    path = request.url.path
    offers = {
        "turtle": "text/turtle",
        "jsonld": "application/ld+json",
        "ntriples": "application/n-triples",
        "html": "text/html",
    }
    fmt = "jsonld" if path.endswith(".jsonld") else "turtle" if path.endswith(".ttl") else None
    if fmt is None:
        chosen = negotiate(request.headers.get("accept"), list(offers.values()))
        fmt = next(k for k, v in offers.items() if v == chosen)
    if fmt == "html":
        t = translator(request)
        site = request.app.state.site
        return render(
            request, "description.html", t=t, title=t(title), path=path, **_describe(site, graph, t)
        )
    rdflib_format = {"turtle": "turtle", "jsonld": "json-ld", "ntriples": "nt"}[fmt]
    body = graph.serialize(format=rdflib_format, encoding="utf-8")
    return Response(body, media_type=offers[fmt], headers={"Vary": VARY})


# The order of the sections: the catalogue, then what it holds.
_KINDS = [DCAT.Catalog, DCAT.Dataset, DCAT.DataService, DCAT.Distribution, VOID.Dataset]


@dataclass(slots=True)
class Described:
    """One subject of the description: its title, kind, and its statements as rows."""

    anchor: str
    title: str
    kind: str
    rows: list[Row] = field(default_factory=list)


def _text(term, site) -> Value:
    if isinstance(term, rdflib.URIRef):
        return Value(compact(str(term)), href=local_href(site, str(term)))
    if isinstance(term, rdflib.BNode):
        return Value("_:" + str(term))
    return Value(str(term), note=getattr(term, "language", None))


def _describe(site, graph, t) -> dict:
    """Every subject of the graph as a section, in `_KINDS` order; texts in the page's language
    when the description has them in several."""
    rank = {kind: i for i, kind in enumerate(_KINDS)}
    subjects = sorted(
        set(graph.subjects()),
        key=lambda s: (
            min((rank.get(k, 99) for k in graph.objects(s, RDF.type)), default=99),
            str(s),
        ),
    )
    sections = []
    for subject in subjects:
        titles = {
            getattr(o, "language", None) or "": str(o)
            for p in (DCTERMS.title, RDFS.label)
            for o in graph.objects(subject, p)
        }
        kinds = [compact(str(k)) for k in graph.objects(subject, RDF.type)]
        rows: dict[str, Row] = {}
        for p, o in sorted(
            graph.predicate_objects(subject), key=lambda po: (str(po[0]), str(po[1]))
        ):
            lang = getattr(o, "language", None)
            if (
                lang
                and lang != t.lang
                and any(getattr(x, "language", None) == t.lang for x in graph.objects(subject, p))
            ):
                continue  # the same text in the other language
            rows.setdefault(str(p), Row(compact(str(p)))).values.append(_text(o, site))
        sections.append(
            Described(
                anchor=f"s{len(sections)}",
                title=t.pick(titles, compact(str(subject))) if titles else compact(str(subject)),
                kind=", ".join(kinds),
                rows=list(rows.values()),
            )
        )
    return {"sections": sections}


def routes() -> list[Route]:
    return [
        Route("/catalog", catalog),
        Route("/catalog.ttl", catalog),
        Route("/catalog.jsonld", catalog),
        Route("/.well-known/void", void),
        Route("/.well-known/void.ttl", void),
        Route("/.well-known/void.jsonld", void),
    ]
