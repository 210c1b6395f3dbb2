"""What every page view shares: the Jinja environment, rendering, error pages, RDF terms as shown.

Pages are rendered on the server with Jinja2 (autoescape on: every string from a harvested page
is escaped), use only files shipped in the package (no CDN) and work without JavaScript. IRIs under
the base are shown as links to this server, so browsing works whatever host serves it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from atlas_ld.core.namespaces import ATLAS, PREFIXES, XSD
from atlas_ld.serve import formatting, i18n
from atlas_ld.serve.i18n import LANGUAGES
from atlas_ld.serve.negotiation import choose
from atlas_ld.store.guard import inspect_query

env = Environment(
    loader=PackageLoader("atlas_ld.serve", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
PREFIX_LINES = (
    "PREFIX atlas: <https://atlas-ld.example/def/atlas#>\n"
    "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
    "PREFIX schema: <https://schema.org/>\n"
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
)
HTML_ROWS = 1000  # a page shows this many rows; CSV and JSON links give them all


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
    note: str | None = None  # the property's prefixed name


def wants_html(request: Request) -> bool:
    offers = ["application/json", "text/html"]
    return choose(request.headers.get("accept"), offers) == "text/html"


# A page differs by the formats asked for and by the language (query, cookie, browser).
VARY = "Accept, Accept-Language, Cookie"
COOKIE_AGE = 365 * 24 * 3600


def _switch(request: Request, lang: str) -> dict:
    """The link to this page in the other language."""
    other = next(code for code in LANGUAGES if code != lang)
    params = {k: v for k, v in request.query_params.items() if k != "lang"}
    return {
        "lang": other,
        "href": request.url.path + "?" + urlencode({**params, "lang": other}),
        "name": {"fr": "Français", "en": "English"}[other],
    }


env.filters["upper_first"] = lambda text: text[:1].upper() + text[1:]
env.globals.update(
    _=i18n.gettext,
    gettext=i18n.gettext,
    ngettext=i18n.ngettext,
    money=lambda value: formatting.money(value, i18n.current.get().lang),
    number=lambda value: formatting.number(value, i18n.current.get().lang),
)


def render(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    """A template in the request's language; `?lang=` is remembered in a cookie."""
    site = request.app.state.site
    t = context.pop("t", None) or i18n.translator(request)
    token = i18n.current.set(t)
    try:
        html = env.get_template(template).render(
            request=request,
            base=site.base,
            lang=t.lang,
            t=t,
            switch=_switch(request, t.lang),
            # the charts' macros need the globals their module registers
            charts_ready="chart_json" in env.globals,
            **context,
        )
    finally:
        i18n.current.reset(token)
    response = HTMLResponse(html, status_code=status, headers={"Vary": VARY})
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(i18n.COOKIE, t.lang, max_age=COOKIE_AGE, samesite="lax")
    return response


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", status=status, status_code=status, message=message)


def not_found(request: Request, message: str) -> Response:
    """404 as a page for browsers, one line of text for programs."""
    if wants_html(request):
        return error_page(request, 404, message)
    return PlainTextResponse(message + "\n", status_code=404)


def editor_link(query: str) -> str:
    return "/query?" + urlencode({"query": query})


env.globals["editor_link"] = editor_link


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


def term_value(site, term: dict, label: dict | None = None) -> Value:
    """A SPARQL-JSON term (and the label found for it) as a `Value`."""
    if term["type"] == "uri":
        text = label["value"] if label else compact(term["value"])
        return Value(text, href=local_href(site, term["value"]))
    if term["type"] == "bnode":
        return Value(f"_:{term['value']}")
    note = term.get("xml:lang") or (compact(term["datatype"]) if "datatype" in term else None)
    return Value(term["value"], note=note)


_NUMBERS = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long")}


def cell(site, term: dict, lang: str) -> Value:
    """A result cell for people: numbers in the page's language, no datatype after each value
    (the CSV and JSON links give the typed values)."""
    if term["type"] == "literal" and term.get("datatype") in _NUMBERS:
        return Value(formatting.number(term["value"], lang))
    if term["type"] == "literal":
        return Value(term["value"])
    return term_value(site, term)


async def result_table(
    site, query: str, headers: dict[str, str] | None = None, lang: str = i18n.DEFAULT
) -> dict:
    """A query's answer as the `_result.html` macro shows it (table, boolean or Turtle);
    `headers` names the columns for people (by variable)."""
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
        [cell(site, b[c], lang) if c in b else Value("") for c in columns]
        for b in bindings[:HTML_ROWS]
    ]
    return {
        "kind": "table",
        "columns": columns,
        "headers": [(headers or {}).get(c, c) for c in columns],
        "numeric": [
            bool(bindings) and all(b.get(c, {}).get("datatype") in _NUMBERS for b in bindings[:50])
            for c in columns
        ],
        "rows": rows,
        "total": len(bindings),
        "truncated": written.truncated,
    }
