"""The HTML side of the server, and the routes that pick HTML or data by content negotiation.

Pages are rendered on the server with Jinja2 (autoescape on: every string from a harvested page
is escaped), use only files shipped in the package (no CDN) and work without JavaScript. Every
page links to its data in each RDF format and to the SPARQL editor with a query prefilled.
IRIs under the base are shown as links to this server, so browsing works whatever host serves it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from atlas_ld.core.errors import QueryError
from atlas_ld.core.namespaces import ATLAS, PREFIXES
from atlas_ld.core.resources import ontology_dir
from atlas_ld.graph.catalogue import DATASET_PATH, catalog_graph, void_graph
from atlas_ld.serve.linked_data import (
    LABEL_PROPERTIES,
    RESOURCE_OFFERS,
    SUFFIXES,
    describe_query,
    exists_query,
    safe_iri,
    split_suffix,
    suffix_for,
)
from atlas_ld.serve.negotiation import choose, negotiate
from atlas_ld.serve.results import GRAPH_TYPES
from atlas_ld.store.canned import CannedQuery, list_queries
from atlas_ld.store.guard import inspect_query

_env = Environment(
    loader=PackageLoader("atlas_ld.serve", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_PREFIX_LINES = (
    "PREFIX atlas: <https://atlas-ld.example/def/atlas#>\n"
    "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
    "PREFIX schema: <https://schema.org/>\n"
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)
_LABELS = " ".join(f"<{p}>" for p in LABEL_PROPERTIES)
HTML_ROWS = 1000  # a page shows this many rows; CSV and JSON links give them all
_SEARCH_TEXT = re.compile(r"[^\w\s\-'’.,()]")
# (suffix, name, media type) of the data links on every resource page
DATA_LINKS = [
    (
        suffix,
        {"turtle": "Turtle", "jsonld": "JSON-LD", "ntriples": "N-Triples"}.get(fmt, "RDF/XML"),
        GRAPH_TYPES[fmt],
    )
    for suffix, fmt in SUFFIXES.items()
]


@dataclass(slots=True)
class Value:
    """One RDF term as a page shows it: text, and a link when it is an IRI."""

    text: str
    href: str | None = None
    note: str | None = None  # language or datatype, shown small


@dataclass(slots=True)
class Row:
    label: str
    values: list[Value] = field(default_factory=list)


def wants_html(request: Request) -> bool:
    offers = ["application/json", "text/html"]
    return choose(request.headers.get("accept"), offers) == "text/html"


def render(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    site = request.app.state.site
    html = _env.get_template(template).render(request=request, base=site.base, **context)
    return HTMLResponse(html, status_code=status, headers={"Vary": "Accept"})


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", status=status, status_code=status, message=message)


def not_found(request: Request, message: str) -> Response:
    """404 as a page for browsers, one line of text for programs."""
    if wants_html(request):
        return error_page(request, 404, message)
    return PlainTextResponse(message + "\n", status_code=404)


def _canned(name: str) -> CannedQuery | None:
    """A shipped query by its name only: `get_query` would also read a file path."""
    return next((q for q in list_queries() if q.name == name), None)


def editor_page(request: Request) -> HTMLResponse:
    return render(request, "editor.html", query="", queries=list_queries(), result=None)


def editor_link(query: str) -> str:
    return "/query?" + urlencode({"query": query})


_env.globals["editor_link"] = editor_link


def local_href(site, iri: str) -> str | None:
    """Links to IRIs under the base go to this server; the ontology goes to /def/atlas.

    Only http(s) IRIs become links: an IRI from a harvested page could be `javascript:...`.
    """
    if not iri.startswith(("http://", "https://")):
        return None
    if iri.startswith(site.base):
        return "/" + iri[len(site.base) :]
    if iri.startswith(ATLAS):
        return "/def/atlas#" + iri[len(ATLAS) :]
    return iri


def compact(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def _value(site, term: dict, label: dict | None = None) -> Value:
    if term["type"] == "uri":
        text = label["value"] if label else compact(term["value"])
        return Value(text, href=local_href(site, term["value"]))
    if term["type"] == "bnode":
        return Value(f"_:{term['value']}")
    note = term.get("xml:lang") or (compact(term["datatype"]) if "datatype" in term else None)
    return Value(term["value"], note=note)


# ---------------------------------------------------------------------------------------------
# Home, browse, search


_FIGURES = (
    _PREFIX_LINES
    + """SELECT
  (COUNT(DISTINCT ?p) AS ?partnerships)
  (MIN(?start) AS ?first) (MAX(?start) AS ?last)
WHERE { ?p a atlas:Partnership . OPTIONAL { ?p atlas:startYear ?start } }"""
)
_COUNTS = (
    _PREFIX_LINES
    + """SELECT (COUNT(DISTINCT ?a) AS ?actors) (COUNT(DISTINCT ?c) AS ?countries)
WHERE { { ?x atlas:agent ?a } UNION { ?p a atlas:Partnership ; atlas:country ?c } }"""
)
_TOTAL = (
    _PREFIX_LINES
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
        _PREFIX_LINES
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
        total=_money(numbers.get("total")),
        entries=entries,
        triples=site.triples,
    )


def _facet_entry(site, facet: str, row: dict) -> tuple[Value, str]:
    item = row["item"]
    if facet == "year":
        value = Value(item["value"], href="/search?" + urlencode({"year": item["value"]}))
    elif facet == "status":
        value = _value(site, item, row.get("name"))
        value.href = "/search?" + urlencode({"status": item["value"]})
    else:
        value = _value(site, item, row.get("name"))
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


# People type "quebec" or "Lao Cai" for "Québec" and "Lào Cai": a title search ignores accents,
# ligatures and the kind of apostrophe. SPARQL has no accent folding, so each letter of the
# folded text becomes a class of its accented forms in a case-insensitive REGEX.
_ACCENTED = {
    "a": "aàâäáãå",
    "c": "cç",
    "e": "eéèêë",
    "i": "iîïíì",
    "n": "nñ",
    "o": "oôöóòõ",
    "u": "uùûüú",
    "y": "yÿý",
}
_LIGATURES = {"oe": "œ", "ae": "æ"}


def _fold(text: str) -> str:
    text = " ".join(text.lower().replace("œ", "oe").replace("æ", "ae").split())
    text = unicodedata.normalize("NFD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def _title_pattern(text: str) -> str:
    """A regex (written as the inside of a SPARQL string) matching `text` in any accenting.

    `text` has been reduced to `_SEARCH_TEXT`'s characters, so no quote or backslash remains.
    """
    folded, out, i = _fold(text), [], 0
    while i < len(folded):
        pair = folded[i : i + 2]
        if pair in _LIGATURES:
            out.append(f"(?:{pair}|{_LIGATURES[pair]})")
            i += 2
            continue
        char = folded[i]
        if char in _ACCENTED:
            out.append(f"[{_ACCENTED[char]}]")
        elif char in "'’":
            out.append("['’]")
        elif char in ".()-":
            out.append("\\\\" + char)
        elif char.isspace():
            out.append("\\\\s+")
        else:
            out.append(char)
        i += 1
    return "".join(out)


async def search(request: Request) -> Response:
    site = request.app.state.site
    text = _SEARCH_TEXT.sub(" ", request.query_params.get("q", "")).strip()[:200]
    year = request.query_params.get("year", "").strip()
    status = request.query_params.get("status", "").strip()
    filters = []
    if text:
        filters.append(f'FILTER (REGEX(?title, "{_title_pattern(text)}", "i"))')
    if year:
        if not year.isdigit() or len(year) != 4:
            raise QueryError(f"year {year!r} is not a four-digit year")
        # startYear is an xsd:gYear; comparing its text also matches integer-typed years.
        filters.append(f'?p atlas:startYear ?y . FILTER (STR(?y) = "{int(year)}")')
    if status:
        if not (status.startswith(ATLAS) and safe_iri(status)):
            raise QueryError(f"unknown status {status!r}")
        filters.append(f"?p atlas:status <{status}> .")
    query = (
        _PREFIX_LINES
        + f"""SELECT ?p ?title ?start WHERE {{
  ?p a atlas:Partnership ; dcterms:title ?title .
  OPTIONAL {{ ?p atlas:startYear ?start }}
  {" ".join(filters)}
}} ORDER BY ?title ?p LIMIT 500"""
    )
    rows = [
        (_value(site, row["p"], row["title"]), row.get("start", {}).get("value", ""))
        for row in await site.select(query)
    ]
    return render(request, "search.html", q=text, year=year, rows=rows, query=query)


# ---------------------------------------------------------------------------------------------
# Query editor and canned queries


async def editor(request: Request) -> Response:
    site = request.app.state.site
    query = request.query_params.get("query", "")
    name = request.query_params.get("name", "")
    if name and not query:
        canned = _canned(name)
        if canned is None:
            return not_found(request, f"no query named {name!r}")
        query = canned.sparql
    result = await _result_table(site, query) if query.strip() else None
    return render(request, "editor.html", query=query, queries=list_queries(), result=result)


async def _result_table(site, query: str) -> dict:
    info = inspect_query(query)
    if info.form in ("CONSTRUCT", "DESCRIBE"):
        written = await site.run(query, "turtle")
        return {"kind": "graph", "text": written.body.decode(), "truncated": written.truncated}
    written = await site.run(query, "json")
    data = json.loads(written.body)
    if "boolean" in data:
        return {"kind": "boolean", "value": data["boolean"]}
    columns = data["head"]["vars"]
    bindings = data["results"]["bindings"]
    rows = [
        [_value(site, b[c]) if c in b else Value("") for c in columns] for b in bindings[:HTML_ROWS]
    ]
    return {
        "kind": "table",
        "columns": columns,
        "rows": rows,
        "total": len(bindings),
        "truncated": written.truncated,
    }


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
    canned = _canned(name)
    if canned is None:
        return not_found(request, f"no query named {name!r}")
    if fmt is None:
        offers = ["text/html", "text/csv", "application/sparql-results+json", "application/json"]
        chosen = negotiate(request.headers.get("accept"), offers)
        fmt = {"text/html": "html", "text/csv": "csv"}.get(chosen, "json")
    if fmt == "html":
        result = await _result_table(site, canned.sparql)
        return render(request, "query.html", canned=canned, result=result)
    written = await site.run(canned.sparql, fmt)
    media = "text/csv; charset=utf-8" if fmt == "csv" else written.media_type
    return Response(written.body, media_type=media, headers={"Vary": "Accept"})


# ---------------------------------------------------------------------------------------------
# Resources (linked data)


async def resource(request: Request) -> Response:
    site = request.app.state.site
    raw = request.scope.get("raw_path") or request.url.path.encode()
    path, fmt = split_suffix(raw.decode("ascii", "replace").split("?", 1)[0].lstrip("/"))
    iri = site.base + path
    if not path or not safe_iri(iri):
        return error_page(request, 404, "nothing here")
    if path == DATASET_PATH or path.startswith(DATASET_PATH + "/"):
        return _self_description_redirect(path)
    if not await _known(site, iri):
        if fmt in (None, "html"):
            return not_found(request, f"{iri} is not in this dataset")
        return PlainTextResponse(f"{iri} is not in this dataset\n", status_code=404)
    if fmt is None:
        chosen = negotiate(request.headers.get("accept"), [m for _, m in RESOURCE_OFFERS])
        fmt = next(name for name, media in RESOURCE_OFFERS if media == chosen)
    headers = {"Vary": "Accept", "Content-Location": f"/{path}{suffix_for(fmt)}"}
    headers["Link"] = ", ".join(
        f'</{path}{suffix}>; rel="alternate"; type="{GRAPH_TYPES[name]}"'
        for suffix, name in SUFFIXES.items()
    )
    if fmt != "html":
        written = await site.run(describe_query(iri), fmt)
        return Response(written.body, media_type=GRAPH_TYPES[fmt], headers=headers)
    page = await _resource_view(site, iri)
    response = render(request, "resource.html", iri=iri, path=path, data_links=DATA_LINKS, **page)
    response.headers.update(headers)
    return response


def _self_description_redirect(path: str) -> Response:
    """The dataset, its distributions and VoID partitions are described by the catalogue and
    VoID documents, not by the store: `303 See Other` to the document that describes them."""
    target = "/.well-known/void" if path.startswith(DATASET_PATH + "/void/") else "/catalog"
    return RedirectResponse(target, status_code=303, headers={"Vary": "Accept"})


async def _known(site, iri: str) -> bool:
    written = await site.run(exists_query(iri), "json")
    return bool(json.loads(written.body)["boolean"])


# Links a page already shows as its roles, financing or partnerships table; listed again as bare
# IRIs of participations and financings, they would bury the description.
_SHOWN_AS_TABLES = frozenset(
    ATLAS + name for name in ("participation", "financing", "inPartnership", "agent")
)


async def _resource_view(site, iri: str) -> dict:
    label_of = (
        f'OPTIONAL {{ VALUES ?lp {{ {_LABELS} }} ?o ?lp ?l FILTER (LANG(?l) IN ("fr", "")) }}'
    )
    outgoing = await site.select(
        f"SELECT ?p ?o (SAMPLE(?l) AS ?label) WHERE {{ <{iri}> ?p ?o {label_of} }}"
        " GROUP BY ?p ?o ORDER BY ?p ?o"
    )
    rows: dict[str, Row] = {}
    title, types = compact(iri), []
    for binding in outgoing:
        prop = binding["p"]["value"]
        row = rows.setdefault(prop, Row(compact(prop)))
        row.values.append(_value(site, binding["o"], binding.get("label")))
        if prop in LABEL_PROPERTIES and binding["o"].get("xml:lang", "fr") == "fr":
            title = binding["o"]["value"]
        if prop.endswith("22-rdf-syntax-ns#type"):
            types.append(binding["o"]["value"])
    incoming = await site.select(
        f"SELECT ?o ?p (SAMPLE(?l) AS ?label) WHERE {{ ?o ?p <{iri}> {label_of} }}"
        " GROUP BY ?o ?p ORDER BY ?p ?o LIMIT 500"
    )
    links = [
        (compact(b["p"]["value"]), _value(site, b["o"], b.get("label")))
        for b in incoming
        if b["p"]["value"] not in _SHOWN_AS_TABLES
    ]
    view = {"title": title, "rows": list(rows.values()), "incoming": links}
    if ATLAS + "Partnership" in types:
        view["rows"] = [r for p, r in rows.items() if p not in _SHOWN_AS_TABLES]
        view["sources"] = await _sources(site, iri)
        view["roles"] = await _roles(site, iri)
        view["financing"], view["totals"] = await _financing(site, iri)
        view["query"] = describe_query(iri)
    else:
        view["partnerships"] = await _partnerships_of(site, iri)
        view["link_header"] = _link_header(site, iri)
        view["query"] = _partnerships_query(iri)
    return view


async def _sources(site, iri: str) -> list[Value]:
    """The Atlas pages the partnership was read from (provenance)."""
    rows = await site.select(
        _PREFIX_LINES
        + "PREFIX prov: <http://www.w3.org/ns/prov#>\n"
        + f"SELECT DISTINCT ?source {{ <{iri}> prov:wasDerivedFrom/dcterms:source ?source }}"
    )
    return [_value(site, row["source"]) for row in rows]


async def _roles(site, iri: str) -> list[tuple[str, Value]]:
    rows = await site.select(
        _PREFIX_LINES
        + f"""SELECT ?role (SAMPLE(?rl) AS ?roleLabel) ?agent (SAMPLE(?al) AS ?agentLabel) WHERE {{
  ?x atlas:inPartnership <{iri}> ; atlas:role ?role ; atlas:agent ?agent .
  OPTIONAL {{ ?role rdfs:label ?rl FILTER (LANG(?rl) = "fr") }}
  OPTIONAL {{ ?agent schema:name ?al }}
}} GROUP BY ?role ?agent ORDER BY ?roleLabel ?agentLabel"""
    )
    return [
        (
            r.get("roleLabel", {}).get("value") or compact(r["role"]["value"]),
            _value(site, r["agent"], r.get("agentLabel")),
        )
        for r in rows
    ]


async def _financing(site, iri: str) -> tuple[list[dict], dict]:
    rows = await site.select(
        _PREFIX_LINES
        + f"""SELECT ?funder ?name ?year ?amount ?water WHERE {{
  <{iri}> atlas:financing ?f .
  OPTIONAL {{ ?f atlas:funderName ?name }}
  OPTIONAL {{ ?f schema:funder ?funder }}
  OPTIONAL {{ ?f atlas:year ?year }}
  OPTIONAL {{ ?f schema:amount ?a . OPTIONAL {{ ?a schema:value ?amount }}
             OPTIONAL {{ ?a atlas:waterOudinPart ?water }} }}
}} ORDER BY ?year ?name"""
    )
    table, amount_total, water_total = [], Decimal(0), Decimal(0)
    for r in rows:
        amount, water = _decimal(r.get("amount")), _decimal(r.get("water"))
        amount_total += amount or 0
        water_total += water or 0
        funder = (
            _value(site, r["funder"], r.get("name"))
            if "funder" in r
            else Value(r.get("name", {}).get("value", ""))
        )
        table.append(
            {
                "funder": funder,
                "year": r.get("year", {}).get("value", ""),
                "amount": _money(amount),
                "water": _money(water),
            }
        )
    return table, {"amount": _money(amount_total), "water": _money(water_total)}


# The second column of a page's list of partnerships, by the kind of IRI (`id/{kind}/...`).
_LINK_HEADERS = {
    "actor": "Rôle",
    "region": "Acteur de la région",
    "territory": "Acteur du territoire",
    "theme": "Sous-thématique",
}


def _link_header(site, iri: str) -> str:
    parts = iri.removeprefix(site.base).split("/")
    return _LINK_HEADERS.get(parts[1] if len(parts) > 1 else "", "Lien")


def _partnerships_query(iri: str) -> str:
    return (
        _PREFIX_LINES
        + f"""SELECT DISTINCT ?partnership ?title ?role WHERE {{
  {{ ?partnership ?any <{iri}>
     OPTIONAL {{ ?any rdfs:label ?role FILTER (LANG(?role) = "fr") }} }}
  UNION
  {{ ?x atlas:agent <{iri}> ; atlas:inPartnership ?partnership ; atlas:role ?r .
     OPTIONAL {{ ?r rdfs:label ?role FILTER (LANG(?role) = "fr") }} }}
  UNION
  {{ ?actor atlas:region|atlas:territory <{iri}> .
     ?x atlas:agent ?actor ; atlas:inPartnership ?partnership .
     ?actor schema:name ?role }}
  UNION
  {{ ?sub skos:broader+ <{iri}> . ?partnership atlas:mainTheme|atlas:otherTheme ?sub .
     OPTIONAL {{ ?sub skos:prefLabel ?role FILTER (LANG(?role) = "fr") }} }}
  ?partnership a atlas:Partnership ; dcterms:title ?title .
}} ORDER BY ?title ?partnership ?role LIMIT 1000"""
    )


async def _partnerships_of(site, iri: str) -> list[tuple[Value, str]]:
    rows = await site.select(_partnerships_query(iri))
    return [
        (_value(site, r["partnership"], r["title"]), r.get("role", {}).get("value", ""))
        for r in rows
    ]


def _decimal(term: dict | None) -> Decimal | None:
    if not term:
        return None
    try:
        return Decimal(term["value"])
    except InvalidOperation:
        return None


def _money(value) -> str:
    """French notation, to the cent when the page gives cents: a total must add up on screen."""
    if value is None or value == "":
        return ""
    amount = Decimal(str(value))
    places = ".0f" if amount == amount.to_integral_value() else ".2f"
    return format(amount, "," + places).replace(",", "\u202f").replace(".", ",") + " €"


# ---------------------------------------------------------------------------------------------
# Self-description: catalogue, VoID, ontology


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


async def ontology(request: Request) -> Response:
    path = request.url.path
    turtle = path.endswith(".ttl")
    if not turtle and not path.endswith(".html"):
        chosen = negotiate(request.headers.get("accept"), ["text/html", "text/turtle"])
        turtle = chosen == "text/turtle"
    name, media = ("atlas.ttl", "text/turtle") if turtle else ("atlas.html", "text/html")
    entry = ontology_dir() / name
    if not entry.is_file():
        return PlainTextResponse(f"{name} is not bundled with this installation\n", 404)
    return Response(entry.read_bytes(), media_type=media, headers={"Vary": "Accept"})


def routes() -> list[Route]:
    return [
        Route("/", home, name="home"),
        Route("/query", editor, name="editor"),
        Route("/queries", queries_index, name="queries"),
        Route("/queries/{name}", canned_query, name="canned_query"),
        Route("/search", search, name="search"),
        Route("/browse/{facet}", browse, name="browse"),
        Route("/catalog", catalog),
        Route("/catalog.ttl", catalog),
        Route("/catalog.jsonld", catalog),
        Route("/.well-known/void", void),
        Route("/def/atlas", ontology),
        Route("/def/atlas.ttl", ontology),
        Route("/def/atlas.html", ontology),
        Route("/{path:path}", resource, name="resource"),
    ]
