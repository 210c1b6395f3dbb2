"""A theme's page: its place in the themes' tree, and the partnerships on it or on a narrower
theme (a partnership on "Eau potable" is also on "Eau et assainissement")."""

from __future__ import annotations

from atlas_ld.serve.i18n import Translator
from atlas_ld.serve.views.base import PREFIX_LINES, Value, term_value
from atlas_ld.serve.views.summary import bind, figures, search_link

PATTERN = """{ ?partnership atlas:mainTheme|atlas:otherTheme ?iri }
UNION
{ ?sub skos:broader+ ?iri . ?partnership atlas:mainTheme|atlas:otherTheme ?sub .
  ?sub skos:prefLabel ?link FILTER (LANG(?link) IN (?lang, "fr")) }"""


async def view(site, iri: str, t: Translator) -> dict:
    rows = await site.select(
        PREFIX_LINES
        + """SELECT ?iri ?lang ?rel ?o ?label WHERE {
  { ?iri skos:broader+ ?o BIND ("broader" AS ?rel) }
  UNION { ?iri skos:narrower ?o BIND ("narrower" AS ?rel) }
  UNION { BIND (?iri AS ?o) BIND ("self" AS ?rel) }
  ?o skos:prefLabel ?label FILTER (LANG(?label) IN (?lang, "fr"))
} ORDER BY ?rel ?label""",
        bind(iri, t.lang),
    )
    chosen: dict[tuple[str, str], dict] = {}
    for r in rows:
        key = (r["rel"]["value"], r["o"]["value"])
        if key not in chosen or r["label"].get("xml:lang") == t.lang:
            chosen[key] = r
    related: dict[str, list[Value]] = {"broader": [], "narrower": [], "self": []}
    for (rel, _o), r in sorted(chosen.items(), key=lambda kv: (kv[0][0], len(kv[0][1]))):
        related[rel].append(term_value(site, r["o"], r["label"]))
    title = related["self"][0].text if related["self"] else iri
    return {
        "template": "summary.html",
        "kind": "theme",
        "title": title,
        "facts": [
            (t("Dans le thème"), related["broader"]),
            (t("Sous-thématiques"), related["narrower"]),
        ],
        "figures": await figures(site, PATTERN, iri, t.lang),
        "link_header": t("Sous-thématique"),
        "search_link": search_link("theme", iri, site),
    }
