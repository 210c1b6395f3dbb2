"""What a funder gave: the financing rows that name the actor as `schema:funder`, by year.

Shown on the actor's page when it funds anything; the amounts are those of the rows, in euros,
with the 1 % Eau (loi Oudin-Santini) part apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from atlas_ld.serve.formatting import decimal_of
from atlas_ld.serve.i18n import Translator
from atlas_ld.serve.views.base import PREFIX_LINES


@dataclass(slots=True)
class Funded:
    partnerships: int = 0
    total: Decimal = Decimal(0)
    water: Decimal = Decimal(0)
    per_year: list[dict] = field(default_factory=list)  # {year, amount, water}


async def funded(site, iri: str, t: Translator) -> Funded | None:
    rows = await site.select(
        PREFIX_LINES
        + """SELECT ?iri ?year (SUM(COALESCE(?v, 0)) AS ?amount) (SUM(COALESCE(?w, 0)) AS ?water)
  (COUNT(DISTINCT ?p) AS ?n)
WHERE {
  ?f schema:funder ?iri . ?p atlas:financing ?f .
  OPTIONAL { ?f atlas:year ?y } BIND (STR(?y) AS ?year)
  OPTIONAL { ?f schema:amount ?a OPTIONAL { ?a schema:value ?v }
             OPTIONAL { ?a atlas:waterOudinPart ?w } }
} GROUP BY ?iri ?year ORDER BY ?year""",
        (("iri", "uri", iri),),
    )
    if not rows:
        return None
    count = await site.select(
        PREFIX_LINES
        + """SELECT ?iri (COUNT(DISTINCT ?p) AS ?n) WHERE {
  ?f schema:funder ?iri . ?p atlas:financing ?f } GROUP BY ?iri""",
        (("iri", "uri", iri),),
    )
    out = Funded(partnerships=int(count[0]["n"]["value"]) if count else 0)
    for r in rows:
        amount = decimal_of(r.get("amount")) or Decimal(0)
        water = decimal_of(r.get("water")) or Decimal(0)
        out.total += amount
        out.water += water
        if "year" in r:
            out.per_year.append({"year": r["year"]["value"], "amount": amount, "water": water})
    return out
