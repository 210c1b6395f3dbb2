"""The home page (figures, entry points) and the browse lists (`/browse/{facet}`)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass
from importlib import resources
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from atlas_ld.core.errors import AtlasError
from atlas_ld.serve.i18n import LANGUAGES, translator
from atlas_ld.serve.views import precomputed
from atlas_ld.serve.views.base import (
    PREFIX_LINES,
    Value,
    local_href,
    not_found,
    render,
    term_value,
)
from atlas_ld.serve.views.summary import figures

log = logging.getLogger("atlas_ld.serve.views.home")
# Partnerships per top theme of the scheme (their main theme or a narrower one).
_BROAD_THEMES = (
    PREFIX_LINES
    + """SELECT ?lang ?item (COALESCE(SAMPLE(?l), SAMPLE(?fr)) AS ?label)
  (COUNT(DISTINCT ?partnership) AS ?n)
WHERE {
  ?partnership atlas:mainTheme ?t . ?t skos:broader* ?item . ?item skos:topConceptOf ?scheme .
  OPTIONAL { ?item skos:prefLabel ?l FILTER (LANG(?l) = ?lang) }
  OPTIONAL { ?item skos:prefLabel ?fr FILTER (LANG(?fr) = "fr") }
} GROUP BY ?lang ?item ORDER BY DESC(?n) ?label"""
)
_COUNTS = (
    PREFIX_LINES
    + """SELECT (COUNT(DISTINCT ?a) AS ?actors) (COUNT(DISTINCT ?c) AS ?countries)
  (COUNT(DISTINCT ?f) AS ?rows)
WHERE { { ?x atlas:agent ?a } UNION { ?p a atlas:Partnership ; atlas:country ?c }
  UNION { ?f a atlas:Financing } }"""
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
        f'OPTIONAL {{ ?item {facet.label} ?label FILTER (LANG(?label) IN (?lang, "")) }}'
        f' OPTIONAL {{ ?item {facet.label} ?fr FILTER (LANG(?fr) = "fr") }}'
        if facet.label
        else ""
    )
    return (
        PREFIX_LINES
        + f"""SELECT ?lang ?item (COALESCE(SAMPLE(?label), SAMPLE(?fr)) AS ?name)
  (COUNT(DISTINCT ?p) AS ?partnerships)
WHERE {{ ?p a atlas:Partnership . {facet.pattern} {label} }}
GROUP BY ?lang ?item
ORDER BY DESC(?partnerships) ?name ?item"""
    )


WAIT = 3.0  # seconds a home page request waits for figures still being computed


async def home(request: Request) -> Response:
    site = request.app.state.site
    t = translator(request)
    figures = await ready_figures(site, t.lang)
    return render(request, "home.html", t=t, figures=figures, facets=FACETS, triples=site.triples)


def start(app) -> None:
    """Called when the server starts: compute ahead the home page's figures in both languages,
    unless the files next to the store already have them for this build. (Other pages' slow
    figures are computed when first asked for: computing them all ahead would hold a worker for
    long on a small machine, and slow every page meanwhile.)"""
    site = app.state.site

    async def ahead() -> None:
        for lang in LANGUAGES:
            await home_figures(site, lang)

    task = asyncio.get_running_loop().create_task(ahead())
    task.add_done_callback(_log_failure)
    app.state.precompute = task  # a reference, so the task is not collected while it runs


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and isinstance(task.exception(), AtlasError):
        log.warning("figures not computed ahead: %s", task.exception())


async def ready_figures(site, lang: str) -> dict | None:
    """The home page's figures, or None while they are computed (the page says so)."""
    try:
        return await asyncio.wait_for(asyncio.shield(home_figures(site, lang)), WAIT)
    except TimeoutError:
        return None
    except AtlasError as exc:
        log.warning("home page figures not computed: %s", exc)
        return None


async def home_figures(site, lang: str) -> dict:
    """The home page's figures, computed once per build and language (`precomputed`)."""
    name = f"home-{lang}"
    saved = precomputed.read(site, name)
    if saved is not None:
        return saved
    return await precomputed.in_background(
        site, name, lambda: _compute(precomputed.Patient(site), lang)
    )


async def _compute(site, lang: str) -> dict:
    rows = await site.select(_COUNTS)
    numbers = {k: v["value"] for k, v in (rows[0] if rows else {}).items()}
    found = await figures(
        site, "?partnership a atlas:Partnership .", site.base, lang, top=None, listing=False
    )
    broad = await site.select(_BROAD_THEMES, (("lang", "literal", lang),))
    entries = {}
    for name, facet in FACETS.items():
        rows = await site.select(facet_query(facet) + "\nLIMIT 12", (("lang", "literal", lang),))
        entries[name] = [
            {**asdict(value), "count": int(count)}
            for value, count in (_facet_entry(site, name, row) for row in rows)
        ]
    return {
        "actors": int(numbers.get("actors", 0)),
        "countries": int(numbers.get("countries", 0)),
        "financing_rows": int(numbers.get("rows", 0)),
        "figures": {k: v for k, v in asdict(found).items() if k != "listed"},
        "entries": entries,
        "broad_themes": [
            {
                "label": row["label"]["value"],
                "href": local_href(site, row["item"]["value"]),
                "value": int(row["n"]["value"]),
            }
            for row in broad
        ],
    }


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
    t = translator(request)
    name = request.path_params["facet"]
    facet = FACETS.get(name)
    if facet is None:
        known = ", ".join(FACETS)
        return not_found(
            request, t("Pas de liste %(name)r (listes : %(known)s)", name=name, known=known)
        )
    query = facet_query(facet)
    rows = await site.select(query, (("lang", "literal", t.lang),))
    entries = [_facet_entry(site, name, row) for row in rows]
    return render(request, "browse.html", t=t, facet=facet, rows=entries, query=query)


async def favicon(request: Request) -> Response:
    """Browsers ask for /favicon.ico whatever the page says; the SVG one is in /static."""
    icon = resources.files("atlas_ld.serve") / "static" / "favicon.ico"
    return Response(
        icon.read_bytes(),
        media_type="image/vnd.microsoft.icon",
        headers={"Cache-Control": "public, max-age=86400"},
    )


def routes() -> list[Route]:
    return [
        Route("/", home, name="home"),
        Route("/favicon.ico", favicon),
        Route("/browse/{facet}", browse, name="browse"),
    ]
