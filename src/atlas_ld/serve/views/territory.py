"""Pages of places: a partner country, a foreign territory (a province, a commune abroad), a
French region (the 2016 regions and the ones before). Which partnerships are there, since when,
with how much money, on which themes; for a region or territory, by which of its authorities.
"""

from __future__ import annotations

from atlas_ld.serve.i18n import Translator
from atlas_ld.serve.views.base import PREFIX_LINES, Value, term_value
from atlas_ld.serve.views.summary import bind, figures, search_link

# ?partnership (and ?link, how it is linked) from ?iri, by kind of place (`id/{kind}/...`)
PATTERNS = {
    "country": "?partnership atlas:country ?iri ; a atlas:Partnership .",
    "territory": """?actor atlas:territory ?iri .
  ?x atlas:agent ?actor ; atlas:inPartnership ?partnership . ?actor schema:name ?link""",
    "region": """{ ?actor atlas:region ?iri .
    ?x atlas:agent ?actor ; atlas:inPartnership ?partnership . ?actor schema:name ?link }
  UNION
  { ?actor atlas:region ?iri . ?partnership atlas:preReformAuthority ?actor .
    ?actor schema:name ?link }""",
}
LINK_HEADERS = {"territory": "Acteur du territoire", "region": "Acteur de la région"}


async def view(site, iri: str, t: Translator, kind: str) -> dict:
    rows = await site.select(
        PREFIX_LINES
        + """SELECT ?iri ?lang ?p ?o (SAMPLE(?l) AS ?label) (SAMPLE(?fr) AS ?french) WHERE {
  VALUES ?p { skos:prefLabel rdf:type skos:notation atlas:territoryKind dcterms:isPartOf
              atlas:successor atlas:predecessor skos:exactMatch }
  ?iri ?p ?o
  OPTIONAL { ?o rdfs:label|skos:prefLabel ?l FILTER (LANG(?l) = ?lang) }
  OPTIONAL { ?o rdfs:label|skos:prefLabel ?fr FILTER (LANG(?fr) = "fr") }
} GROUP BY ?iri ?lang ?p ?o""",
        bind(iri, t.lang),
    )
    found: dict[str, list[Value]] = {}
    names: dict[str, str] = {}
    for r in rows:
        prop = r["p"]["value"].rsplit("/", 1)[-1]
        if prop.endswith("#prefLabel"):
            names[r["o"].get("xml:lang", "")] = r["o"]["value"]
            continue
        found.setdefault(prop, []).append(
            term_value(site, r["o"], r.get("label") or r.get("french"))
        )
    facts = [
        (t("Type"), found.get("22-rdf-syntax-ns#type", []) + found.get("atlas#territoryKind", [])),
        (t("Code"), found.get("core#notation", [])),
        (t("Dans le pays"), found.get("isPartOf", [])),
        (t("Région issue de la réforme"), found.get("atlas#successor", [])),
        (t("Régions d'avant la réforme"), found.get("atlas#predecessor", [])),
        (t("Équivalents"), found.get("core#exactMatch", [])),
    ]
    numbers = await figures(site, PATTERNS[kind], iri, t.lang)
    header = LINK_HEADERS.get(kind)
    return {
        "template": "summary.html",
        "kind": kind,
        "title": t.pick(names, iri),
        "facts": facts,
        "figures": numbers,
        "link_header": t(header) if header else None,
        "search_link": search_link(kind if kind in ("country", "region") else "", iri, site),
    }
