"""The home page (figures, entry points) and the browse lists (`/browse/{facet}`)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from atlas_ld.serve.formatting import money
from atlas_ld.serve.views.base import PREFIX_LINES, Value, not_found, render, term_value

_FIGURES = (
    PREFIX_LINES
    + """SELECT
  (COUNT(DISTINCT ?p) AS ?partnerships)
  (MIN(?start) AS ?first) (MAX(?start) AS ?last)
WHERE { ?p a atlas:Partnership . OPTIONAL { ?p atlas:startYear ?start } }"""
)
_COUNTS = (
    PREFIX_LINES
    + """SELECT (COUNT(DISTINCT ?a) AS ?actors) (COUNT(DISTINCT ?c) AS ?countries)
WHERE { { ?x atlas:agent ?a } UNION { ?p a atlas:Partnership ; atlas:country ?c } }"""
)
_TOTAL = (
    PREFIX_LINES
    + """SELECT (SUM(?v) AS ?total) (COUNT(?f) AS ?rows)
WHERE { ?f a atlas:Financing ; schema:amount/schema:value ?v }"""
)


@dataclass(frozen=True, slots=True)
class Facet:
    title: str
    pattern: str  # binds ?p (a partnership) and ?item
    label: str  # property path from ?item to its label, or "" for literals


FACETS = {
    "country": Facet("Pays partenaires", "?p atlas:country ?item .", "skos:prefLabel"),
    "theme": Facet("Thématiques principales", "?p atlas:mainTheme ?item .", "skos:prefLabel"),
    "french-authority": Facet(
        "Collectivités françaises",
        "?x atlas:inPartnership ?p ; atlas:role atlas:FrenchPartnerAuthority ; atlas:agent ?item .",
        "schema:name",
    ),
    "year": Facet("Année de début", "?p atlas:startYear ?item .", ""),
    "status": Facet("Statut", "?p atlas:status ?item .", "rdfs:label"),
}


def facet_query(facet: Facet) -> str:
    label = (
        f'OPTIONAL {{ ?item {facet.label} ?label FILTER (LANG(?label) IN ("fr", "")) }}'
        if facet.label
        else ""
    )
    return (
        PREFIX_LINES
        + f"""SELECT ?item (SAMPLE(?label) AS ?name) (COUNT(DISTINCT ?p) AS ?partnerships)
WHERE {{ ?p a atlas:Partnership . {facet.pattern} {label} }}
GROUP BY ?item
ORDER BY DESC(?partnerships) ?name ?item"""
    )


async def home(request: Request) -> Response:
    site = request.app.state.site
    figures = (await site.select(_FIGURES))[0]
    counts = (await site.select(_COUNTS))[0]
    total = (await site.select(_TOTAL))[0]
    numbers = {k: v["value"] for row in (figures, counts, total) for k, v in row.items()}
    entries = {}
    for name, facet in FACETS.items():
        rows = await site.select(facet_query(facet) + "\nLIMIT 12")
        entries[name] = (facet, [_facet_entry(site, name, row) for row in rows])
    return render(
        request,
        "home.html",
        numbers=numbers,
        total=money(numbers.get("total")),
        entries=entries,
        triples=site.triples,
    )


def _facet_entry(site, facet: str, row: dict) -> tuple[Value, str]:
    item = row["item"]
    if facet == "year":
        value = Value(item["value"], href="/search?" + urlencode({"year": item["value"]}))
    elif facet == "status":
        value = term_value(site, item, row.get("name"))
        value.href = "/search?" + urlencode({"status": item["value"]})
    else:
        value = term_value(site, item, row.get("name"))
    return value, row["partnerships"]["value"]


async def browse(request: Request) -> Response:
    site = request.app.state.site
    name = request.path_params["facet"]
    facet = FACETS.get(name)
    if facet is None:
        return not_found(request, f"no list named {name!r} (known: {', '.join(FACETS)})")
    query = facet_query(facet)
    rows = [_facet_entry(site, name, row) for row in await site.select(query)]
    return render(request, "browse.html", facet=facet, rows=rows, query=query)


def routes() -> list[Route]:
    return [
        Route("/", home, name="home"),
        Route("/browse/{facet}", browse, name="browse"),
    ]
