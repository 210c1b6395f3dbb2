"""Resource pages: every IRI under `id/` as HTML for people or RDF by content negotiation.

The catch-all route: it must come after every other route.
"""

from __future__ import annotations

import json
from decimal import Decimal

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from atlas_ld.core.namespaces import ATLAS
from atlas_ld.graph.catalogue import DATASET_PATH
from atlas_ld.serve.formatting import decimal_of, money
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
from atlas_ld.serve.negotiation import negotiate
from atlas_ld.serve.results import GRAPH_TYPES
from atlas_ld.serve.views.base import (
    PREFIX_LINES,
    Row,
    Value,
    compact,
    error_page,
    not_found,
    render,
    term_value,
)

_LABELS = " ".join(f"<{p}>" for p in LABEL_PROPERTIES)
# (suffix, name, media type) of the data links on every resource page
DATA_LINKS = [
    (
        suffix,
        {"turtle": "Turtle", "jsonld": "JSON-LD", "ntriples": "N-Triples"}.get(fmt, "RDF/XML"),
        GRAPH_TYPES[fmt],
    )
    for suffix, fmt in SUFFIXES.items()
]


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
        row.values.append(term_value(site, binding["o"], binding.get("label")))
        if prop in LABEL_PROPERTIES and binding["o"].get("xml:lang", "fr") == "fr":
            title = binding["o"]["value"]
        if prop.endswith("22-rdf-syntax-ns#type"):
            types.append(binding["o"]["value"])
    incoming = await site.select(
        f"SELECT ?o ?p (SAMPLE(?l) AS ?label) WHERE {{ ?o ?p <{iri}> {label_of} }}"
        " GROUP BY ?o ?p ORDER BY ?p ?o LIMIT 500"
    )
    links = [
        (compact(b["p"]["value"]), term_value(site, b["o"], b.get("label")))
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
        PREFIX_LINES
        + "PREFIX prov: <http://www.w3.org/ns/prov#>\n"
        + f"SELECT DISTINCT ?source {{ <{iri}> prov:wasDerivedFrom/dcterms:source ?source }}"
    )
    return [term_value(site, row["source"]) for row in rows]


async def _roles(site, iri: str) -> list[tuple[str, Value]]:
    rows = await site.select(
        PREFIX_LINES
        + f"""SELECT ?role (SAMPLE(?rl) AS ?roleLabel) ?agent (SAMPLE(?al) AS ?agentLabel) WHERE {{
  ?x atlas:inPartnership <{iri}> ; atlas:role ?role ; atlas:agent ?agent .
  OPTIONAL {{ ?role rdfs:label ?rl FILTER (LANG(?rl) = "fr") }}
  OPTIONAL {{ ?agent schema:name ?al }}
}} GROUP BY ?role ?agent ORDER BY ?roleLabel ?agentLabel"""
    )
    return [
        (
            r.get("roleLabel", {}).get("value") or compact(r["role"]["value"]),
            term_value(site, r["agent"], r.get("agentLabel")),
        )
        for r in rows
    ]


async def _financing(site, iri: str) -> tuple[list[dict], dict]:
    rows = await site.select(
        PREFIX_LINES
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
        amount, water = decimal_of(r.get("amount")), decimal_of(r.get("water"))
        amount_total += amount or 0
        water_total += water or 0
        funder = (
            term_value(site, r["funder"], r.get("name"))
            if "funder" in r
            else Value(r.get("name", {}).get("value", ""))
        )
        table.append(
            {
                "funder": funder,
                "year": r.get("year", {}).get("value", ""),
                "amount": money(amount),
                "water": money(water),
            }
        )
    return table, {"amount": money(amount_total), "water": money(water_total)}


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
        PREFIX_LINES
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
        (term_value(site, r["partnership"], r["title"]), r.get("role", {}).get("value", ""))
        for r in rows
    ]


def routes() -> list[Route]:
    return [Route("/{path:path}", resource, name="resource")]
