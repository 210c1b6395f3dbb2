"""A partnership's page: the facts a researcher asks for first, then its texts, actors, money.

Summary: French authorities → foreign partners, countries, theme path, years, status, total
financing (and the 1 % Eau part apart), funders. Then the long texts with their line breaks, one
row per actor with all its roles, the financing rows, the Atlas pages it was read from, and the
raw statements in a collapsed "Données" section.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from decimal import Decimal

from atlas_ld.core.namespaces import ATLAS, DCTERMS
from atlas_ld.serve.formatting import decimal_of, years
from atlas_ld.serve.i18n import Translator
from atlas_ld.serve.linked_data import describe_query
from atlas_ld.serve.views.base import PREFIX_LINES, Value, local_href, term_value
from atlas_ld.serve.views.labels import term_labels
from atlas_ld.serve.views.summary import bind

# Roles in the order a reader looks for them.
ROLE_ORDER = [
    ATLAS + name
    for name in (
        "FrenchPartnerAuthority",
        "ForeignPartner",
        "Owner",
        "Implementer",
        "Beneficiary",
        "Funder",
        "OtherPartner",
    )
]
# The long texts, in the page's order.
TEXTS = [ATLAS + "context", ATLAS + "history", ATLAS + "objectives", DCTERMS + "description"]
TEXTS += [ATLAS + "evaluation"]


@dataclass(slots=True)
class Participant:
    actor: Value
    roles: list[str] = field(default_factory=list)
    role_iris: set[str] = field(default_factory=set)


@dataclass(slots=True)
class ThemePath:
    main: bool
    steps: list[Value]


async def view(site, iri: str, t: Translator) -> dict:
    # The page's queries are independent: run at once, they use the pool's workers in parallel.
    (
        facts,
        participants,
        (financing, totals),
        labels,
        countries,
        themes,
        texts,
        sources,
    ) = await asyncio.gather(
        _facts(site, iri, t),
        _participants(site, iri, t),
        _financing(site, iri),
        term_labels(site, t),
        _countries(site, iri, t),
        _themes(site, iri, t),
        _texts(site, iri),
        _sources(site, iri),
    )
    row = facts[0] if facts else {}
    text = {k: v["value"] for k, v in row.items() if v["type"] == "literal"}
    funders: list[Value] = []
    for f in financing:
        if all(f["funder"].text != known.text for known in funders):
            funders.append(f["funder"])
    return {
        "template": "partnership.html",
        "title": text.get("title", iri),
        "info": text,
        "years": years(text.get("start"), text.get("end") or text.get("endDate", "")[:4], t.lang),
        "labels": labels,
        "state": row.get("status") and term_value(site, row["status"], row.get("statusLabel")),
        "countries": countries,
        "themes": themes,
        "french": [p for p in participants if ATLAS + "FrenchPartnerAuthority" in p.role_iris],
        "foreign": [p for p in participants if ATLAS + "ForeignPartner" in p.role_iris],
        "participants": participants,
        "financing": financing,
        "totals": totals,
        "funders": funders,
        "texts": texts,
        "sources": sources,
        "query": describe_query(iri),
    }


async def _facts(site, iri: str, t: Translator) -> list[dict]:
    return await site.select(
        PREFIX_LINES
        + """SELECT ?iri ?lang (SAMPLE(?t) AS ?title) (SAMPLE(STR(?s)) AS ?start)
  (SAMPLE(STR(?e)) AS ?end) (SAMPLE(STR(?ed)) AS ?endDate) (SAMPLE(STR(?fa)) AS ?firstAgreement)
  (SAMPLE(?st) AS ?status) (SAMPLE(?stl) AS ?statusLabel) (SAMPLE(?stt) AS ?statusText)
  (SAMPLE(?f) AS ?form)
WHERE {
  ?iri a atlas:Partnership .
  OPTIONAL { ?iri dcterms:title ?t }
  OPTIONAL { ?iri atlas:startYear ?s }
  OPTIONAL { ?iri atlas:endYear ?e }
  OPTIONAL { ?iri atlas:endDate ?ed }
  OPTIONAL { ?iri atlas:firstAgreementYear ?fa }
  OPTIONAL { ?iri atlas:status ?st
             OPTIONAL { ?st skos:prefLabel ?stl FILTER (LANG(?stl) = ?lang) } }
  OPTIONAL { ?iri atlas:statusText ?stt }
  OPTIONAL { ?iri atlas:form ?f }
} GROUP BY ?iri ?lang""",
        bind(iri, t.lang),
    )


async def _countries(site, iri: str, t: Translator) -> list[Value]:
    rows = await site.select(
        PREFIX_LINES
        + """SELECT ?iri ?lang ?c (SAMPLE(?l) AS ?label) (SAMPLE(?fr) AS ?french) WHERE {
  ?iri atlas:country ?c .
  OPTIONAL { ?c skos:prefLabel ?l FILTER (LANG(?l) = ?lang) }
  OPTIONAL { ?c skos:prefLabel ?fr FILTER (LANG(?fr) = "fr") }
} GROUP BY ?iri ?lang ?c ORDER BY ?french""",
        bind(iri, t.lang),
    )
    return [term_value(site, r["c"], r.get("label") or r.get("french")) for r in rows]


async def _themes(site, iri: str, t: Translator) -> list[ThemePath]:
    """Main and other themes, each as its path from the top theme (IRIs nest by path)."""
    rows = await site.select(
        PREFIX_LINES
        + """SELECT ?iri ?lang ?kind ?theme ?step ?label WHERE {
  VALUES ?kind { atlas:mainTheme atlas:otherTheme }
  ?iri ?kind ?theme . ?theme skos:broader* ?step .
  ?step skos:prefLabel ?label FILTER (LANG(?label) IN (?lang, "fr"))
} ORDER BY ?kind ?theme ?step""",
        bind(iri, t.lang),
    )
    paths: dict[tuple[str, str], dict[str, dict]] = {}
    for r in rows:
        steps = paths.setdefault((r["kind"]["value"], r["theme"]["value"]), {})
        step = r["step"]["value"]
        if step not in steps or r["label"].get("xml:lang") == t.lang:
            steps[step] = r
    return [
        ThemePath(
            main=kind == ATLAS + "mainTheme",
            steps=[
                term_value(site, steps[s]["step"], steps[s]["label"])
                for s in sorted(steps, key=len)
            ],
        )
        for (kind, _theme), steps in sorted(
            paths.items(), key=lambda kv: kv[0][0] != ATLAS + "mainTheme"
        )
    ]


async def _participants(site, iri: str, t: Translator) -> list[Participant]:
    """One row per actor, with every role it plays, in `ROLE_ORDER`."""
    rows = await site.select(
        PREFIX_LINES
        + """SELECT ?iri ?lang ?agent (SAMPLE(?n) AS ?name) ?role (SAMPLE(?rl) AS ?roleLabel)
WHERE {
  ?x atlas:inPartnership ?iri ; atlas:agent ?agent ; atlas:role ?role .
  OPTIONAL { ?agent schema:name ?n }
  OPTIONAL { ?role skos:prefLabel ?rl FILTER (LANG(?rl) = ?lang) }
} GROUP BY ?iri ?lang ?agent ?role ORDER BY ?name ?agent""",
        bind(iri, t.lang),
    )
    rank = {role: i for i, role in enumerate(ROLE_ORDER)}
    people: dict[str, Participant] = {}
    for r in sorted(rows, key=lambda r: rank.get(r["role"]["value"], len(rank))):
        key = r["agent"]["value"]
        person = people.setdefault(key, Participant(term_value(site, r["agent"], r.get("name"))))
        person.role_iris.add(r["role"]["value"])
        person.roles.append(
            r.get("roleLabel", {}).get("value") or r["role"]["value"].split("#")[-1]
        )
    last = len(rank)
    return sorted(
        people.values(),
        key=lambda p: (min(rank.get(role, last) for role in p.role_iris), p.actor.text),
    )


async def _financing(site, iri: str) -> tuple[list[dict], dict]:
    rows = await site.select(
        PREFIX_LINES
        + """SELECT ?iri ?funder ?name ?year ?amount ?water WHERE {
  ?iri atlas:financing ?f .
  OPTIONAL { ?f atlas:funderName ?name }
  OPTIONAL { ?f schema:funder ?funder }
  OPTIONAL { ?f atlas:year ?year }
  OPTIONAL { ?f schema:amount ?a . OPTIONAL { ?a schema:value ?amount }
             OPTIONAL { ?a atlas:waterOudinPart ?water } }
} ORDER BY ?year ?name""",
        (("iri", "uri", iri),),
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
                "amount": amount,
                "water": water,
            }
        )
    return table, {"amount": amount_total, "water": water_total}


async def _texts(site, iri: str) -> list[tuple[str, str]]:
    """(property IRI, text) of the long texts, French as the page gives it."""
    rows = await site.select(
        PREFIX_LINES
        + """SELECT ?iri ?p ?text WHERE {
  VALUES ?p { atlas:context atlas:history atlas:objectives dcterms:description atlas:evaluation }
  ?iri ?p ?text
}""",
        (("iri", "uri", iri),),
    )
    found = {r["p"]["value"]: r["text"]["value"] for r in rows}
    return [(p, found[p]) for p in TEXTS if found.get(p, "").strip()]


async def _sources(site, iri: str) -> list[Value]:
    """The Atlas pages the partnership was read from (provenance)."""
    rows = await site.select(
        PREFIX_LINES
        + "PREFIX prov: <http://www.w3.org/ns/prov#>\n"
        + "SELECT DISTINCT ?iri ?source { ?iri prov:wasDerivedFrom/dcterms:source ?source }",
        (("iri", "uri", iri),),
    )
    return [Value(r["source"]["value"], href=local_href(site, r["source"]["value"])) for r in rows]
