"""Resource pages: every IRI under `id/` as HTML for people or RDF by content negotiation.

The catch-all route: it must come after every other route.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from atlas_ld.core.namespaces import ATLAS
from atlas_ld.graph.catalogue import DATASET_PATH
from atlas_ld.serve.formatting import years
from atlas_ld.serve.i18n import translator
from atlas_ld.serve.linked_data import (
    LABEL_PROPERTIES,
    RESOURCE_OFFERS,
    SUFFIXES,
    describe_query,
    safe_iri,
    split_suffix,
    suffix_for,
)
from atlas_ld.serve.negotiation import negotiate
from atlas_ld.serve.results import GRAPH_TYPES
from atlas_ld.serve.views import actor, partnership, territory, theme
from atlas_ld.serve.views.base import (
    VARY,
    Row,
    compact,
    error_page,
    not_found,
    render,
    term_value,
)
from atlas_ld.serve.views.labels import label_of, term_labels

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
    t = translator(request)
    raw = request.scope.get("raw_path") or request.url.path.encode()
    path, fmt = split_suffix(raw.decode("ascii", "replace").split("?", 1)[0].lstrip("/"))
    iri = site.base + path
    if not path or not safe_iri(iri):
        return error_page(request, 404, t("Il n'y a rien à cette adresse."))
    if path == DATASET_PATH or path.startswith(DATASET_PATH + "/"):
        return _self_description_redirect(path)
    if not await _known(site, iri):
        message = t("%(iri)s n'est pas dans ce jeu de données.", iri=iri)
        if fmt in (None, "html"):
            return not_found(request, message)
        return PlainTextResponse(message + "\n", status_code=404)
    if fmt is None:
        chosen = negotiate(request.headers.get("accept"), [m for _, m in RESOURCE_OFFERS])
        fmt = next(name for name, media in RESOURCE_OFFERS if media == chosen)
    headers = {"Vary": VARY, "Content-Location": f"/{path}{suffix_for(fmt)}"}
    headers["Link"] = ", ".join(
        f'</{path}{suffix}>; rel="alternate"; type="{GRAPH_TYPES[name]}"'
        for suffix, name in SUFFIXES.items()
    )
    if fmt != "html":
        written = await site.run(describe_query(iri), fmt)
        return Response(written.body, media_type=GRAPH_TYPES[fmt], headers=headers)
    page, page_statements = await asyncio.gather(
        _view(site, iri, path, t), statements(site, iri, t)
    )
    page.setdefault("query", describe_query(iri))
    if "figures" in page:
        page["years"] = years(page["figures"].first, page["figures"].last, t.lang)
    page["statements"] = page_statements
    template = page.pop("template")
    response = render(request, template, t=t, iri=iri, path=path, data_links=DATA_LINKS, **page)
    response.headers.update(headers)
    return response


def kind_of(path: str) -> str | None:
    """`id/partnership/109` -> "partnership"; deeper IRIs (roles, financings) have no page kind."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "id":
        return None
    kind = parts[1]
    if kind in ("partnership", "actor", "country", "region") and len(parts) == 3:
        return kind
    if kind in ("theme", "territory"):
        return kind
    return None


async def _view(site, iri: str, path: str, t) -> dict:
    kind = kind_of(path)
    if kind == "partnership":
        return await partnership.view(site, iri, t)
    if kind == "actor":
        return await actor.view(site, iri, t)
    if kind in territory.PATTERNS:
        return await territory.view(site, iri, t, kind)
    if kind == "theme":
        return await theme.view(site, iri, t)
    return {"template": "resource.html", "title": await _title(site, iri, t)}


def _self_description_redirect(path: str) -> Response:
    """The dataset, its distributions and VoID partitions are described by the catalogue and
    VoID documents, not by the store: `303 See Other` to the document that describes them."""
    target = "/.well-known/void" if path.startswith(DATASET_PATH + "/void/") else "/catalog"
    return RedirectResponse(target, status_code=303, headers={"Vary": "Accept"})


async def _known(site, iri: str) -> bool:
    rows = await site.select(
        "SELECT ?iri WHERE { { ?iri ?p ?o } UNION { ?s ?q ?iri } } LIMIT 1",
        (("iri", "uri", iri),),
    )
    return bool(rows)


async def _title(site, iri: str, t) -> str:
    rows = await site.select(
        f"SELECT ?iri ?p ?l WHERE {{ VALUES ?p {{ {_LABELS} }} ?iri ?p ?l }}",
        (("iri", "uri", iri),),
    )
    texts = {r["l"].get("xml:lang", ""): r["l"]["value"] for r in rows}
    return t.pick(texts, compact(iri)) if texts else compact(iri)


# Links a page already shows as its roles or financing tables; listed again as bare IRIs of
# participations and financings, they would bury the description. Contacts are personal data,
# served only when the operator asks for them, and then only in the data formats.
_SHOWN_AS_TABLES = frozenset(
    ATLAS + name for name in ("participation", "financing", "inPartnership", "agent", "contact")
)


async def statements(site, iri: str, t) -> list[Row]:
    """The resource's own triples, by property (labelled in the page's language): the
    "Données" section."""
    rows = await site.select(
        f"""SELECT ?iri ?lang ?p ?o (SAMPLE(?l) AS ?label) WHERE {{
  ?iri ?p ?o
  OPTIONAL {{ VALUES ?lp {{ {_LABELS} }} ?o ?lp ?l FILTER (LANG(?l) IN (?lang, "")) }}
}} GROUP BY ?iri ?lang ?p ?o ORDER BY ?p ?o""",
        (("iri", "uri", iri), ("lang", "literal", t.lang)),
    )
    labels = await term_labels(site, t)
    found: dict[str, Row] = {}
    for r in rows:
        prop = r["p"]["value"]
        if prop in _SHOWN_AS_TABLES:
            continue
        row = found.setdefault(prop, Row(label_of(labels, prop), note=compact(prop)))
        row.values.append(term_value(site, r["o"], r.get("label")))
    return list(found.values())


def routes() -> list[Route]:
    return [Route("/{path:path}", resource, name="resource")]
