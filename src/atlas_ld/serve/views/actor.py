"""An actor's page (authority, association, funder...): who it is, where, what it does, with whom.

Summary: kind, place, how many partnerships in which roles, years, countries, the money of its
partnerships; for a funder also what it gave (`funder.py`). Then its partnerships, one row each
with its roles there.
"""

from __future__ import annotations

from collections import Counter

from atlas_ld.serve.formatting import number
from atlas_ld.serve.i18n import Translator
from atlas_ld.serve.views import funder
from atlas_ld.serve.views.base import PREFIX_LINES, Value, term_value
from atlas_ld.serve.views.summary import bind, figures, search_link

# ?partnership and how the actor takes part (its role, or the property naming it)
PATTERN = """{ ?x atlas:agent ?iri ; atlas:inPartnership ?partnership ; atlas:role ?r .
  OPTIONAL { ?r skos:prefLabel ?link FILTER (LANG(?link) = ?lang) } }
UNION
{ VALUES ?via { atlas:diplomaticPost atlas:preReformAuthority }
  ?partnership ?via ?iri ; a atlas:Partnership .
  OPTIONAL { ?via rdfs:label ?link FILTER (LANG(?link) = ?lang) } }"""


async def view(site, iri: str, t: Translator) -> dict:
    rows = await site.select(
        PREFIX_LINES
        + """SELECT ?iri ?lang ?p ?o (SAMPLE(?l) AS ?label) (SAMPLE(?fr) AS ?french) WHERE {
  VALUES ?p { schema:name rdf:type atlas:region atlas:territory atlas:country rdfs:seeAlso }
  ?iri ?p ?o
  OPTIONAL { ?o rdfs:label|skos:prefLabel ?l FILTER (LANG(?l) = ?lang) }
  OPTIONAL { ?o rdfs:label|skos:prefLabel ?fr FILTER (LANG(?fr) IN ("fr", "")) }
  FILTER (?o != atlas:Actor)
} GROUP BY ?iri ?lang ?p ?o""",
        bind(iri, t.lang),
    )
    found: dict[str, list[Value]] = {}
    for r in rows:
        found.setdefault(r["p"]["value"].rsplit("/", 1)[-1], []).append(
            term_value(site, r["o"], r.get("label") or r.get("french"))
        )
    name = next((v.text for v in found.get("name", [])), iri)
    numbers = await figures(site, PATTERN, iri, t.lang)
    roles = Counter(link for item in numbers.listed for link in item.links)
    facts = [
        (t("Type"), found.get("22-rdf-syntax-ns#type", [])),
        (t("Région"), found.get("atlas#region", [])),
        (t("Territoire"), found.get("atlas#territory", [])),
        (t("Pays"), found.get("atlas#country", [])),
        (
            t("Rôles"),
            ", ".join(f"{role} ({number(n, t.lang)})" for role, n in roles.most_common()),
        ),
        (t("Fiche de l'Atlas"), found.get("rdf-schema#seeAlso", [])),
    ]
    funded = await funder.funded(site, iri, t)
    return {
        "template": "summary.html",
        "kind": "actor",
        "title": name,
        "facts": facts,
        "figures": numbers,
        "funded": funded,
        "link_header": t("Rôles"),
        "search_link": search_link("funder" if funded else "", iri, site),
    }
