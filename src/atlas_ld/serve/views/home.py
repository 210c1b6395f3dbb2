"""The home page (figures, entry points) and the browse lists (`/browse/{facet}`)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from dataclasses import asdict, dataclass, replace
from importlib import resources
from pathlib import Path
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from atlas_ld.core.errors import AtlasError
from atlas_ld.serve.i18n import LANGUAGES, translator
from atlas_ld.serve.views.base import PREFIX_LINES, Value, not_found, render, term_value
from atlas_ld.serve.views.summary import figures
from atlas_ld.store.disk import MANIFEST
from atlas_ld.store.guard import inspect_query

log = logging.getLogger("atlas_ld.serve.views.home")
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


FIGURES_TIMEOUT = 600.0  # seconds: the home page's figures read the whole store, once
WAIT = 3.0  # seconds a home page request waits for figures still being computed


async def home(request: Request) -> Response:
    site = request.app.state.site
    t = translator(request)
    figures = await ready_figures(request.app, t.lang)
    return render(request, "home.html", t=t, figures=figures, facets=FACETS, triples=site.triples)


def start(app) -> None:
    """Called when the server starts: compute the home page's figures in both languages in the
    background, unless the file next to the store already has them for this build."""
    for lang in LANGUAGES:
        _task(app, lang)


async def ready_figures(app, lang: str) -> dict | None:
    """The home page's figures, or None while they are computed (the page says so)."""
    task = _task(app, lang)
    try:
        return await asyncio.wait_for(asyncio.shield(task), WAIT)
    except TimeoutError:
        return None
    except AtlasError as exc:
        log.warning("home page figures not computed: %s", exc)
        app.state.home_figures.pop(lang, None)  # the next request tries again
        return None


def _task(app, lang: str) -> asyncio.Task:
    tasks = getattr(app.state, "home_figures", None)
    if tasks is None:
        tasks = app.state.home_figures = {}
    if lang not in tasks:
        tasks[lang] = asyncio.get_running_loop().create_task(home_figures(app.state.site, lang))
    return tasks[lang]


async def home_figures(site, lang: str) -> dict:
    """The home page's figures, computed once per build and language and kept in a file next
    to the store (`<store>.pages.json`), so a restarted server does not compute them again."""
    cache = _cache_file(site)
    build = _build_id(site)
    saved = _read_cache(cache, build)
    if lang in saved:
        return saved[lang]
    computed = await _compute(_Patient(site), lang)
    saved = _read_cache(cache, build)  # the other language may have been written meanwhile
    saved[lang] = computed
    if cache is not None:
        tmp = cache.with_name(f"{cache.name}.{lang}.tmp")
        tmp.write_text(json.dumps({"build": build, **saved}, default=str), encoding="utf-8")
        tmp.replace(cache)
    return computed


class _Patient:
    """The site, with the longer time limit of queries computed ahead of any request (the
    pages' own limit is the endpoint's); what the page views read of a site."""

    def __init__(self, site):
        self.site = site
        self.base = site.base

    async def select(self, query: str, bind=()) -> list[dict]:
        job = replace(self.site.job(query, "json", info=inspect_query(query)), substitutions=bind)
        written = await self.site.pool.run(job, timeout=FIGURES_TIMEOUT)
        body = written.body if written.path is None else written.read()
        return json.loads(body)["results"]["bindings"]


def _cache_file(site) -> Path | None:
    store = getattr(site.config, "store", None)
    if store is None or getattr(site.config, "sparql_endpoint", None):
        return None
    return Path(store).with_name(Path(store).name + ".pages.json")


def _build_id(site) -> str:
    """A digest of the store's manifest: every build writes a new one."""
    store = getattr(site.config, "store", None)
    manifest = Path(store) / MANIFEST if store is not None else None
    if manifest is None or not manifest.is_file():
        return ""
    return hashlib.sha256(manifest.read_bytes()).hexdigest()


def _read_cache(cache: Path | None, build: str) -> dict:
    if cache is None or not build:
        return {}
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if data.pop("build", None) != build:
        return {}
    return data


async def _compute(site, lang: str) -> dict:
    rows = await site.select(_COUNTS)
    numbers = {k: v["value"] for k, v in (rows[0] if rows else {}).items()}
    found = await figures(
        site, "?partnership a atlas:Partnership .", site.base, lang, top=None, listing=False
    )
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
