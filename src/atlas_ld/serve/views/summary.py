"""Figures about a set of partnerships, shared by the actor, territory, theme and funder pages.

A page kind gives a SPARQL pattern that binds `?partnership` (and `?link`, how it is linked, a
label in the page's language) from `?iri`, the page's resource; `?iri` and `?lang` are bound by
pyoxigraph substitutions, never pasted into the query text. Each query projects them because
pyoxigraph only substitutes projected variables.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from atlas_ld.serve.formatting import decimal_of
from atlas_ld.serve.views import precomputed
from atlas_ld.serve.views.base import PREFIX_LINES, Value, local_href, term_value
from atlas_ld.serve.workers import QueryTimeout, ServerBusy

Bindings = tuple[tuple[str, str, str], ...]
TOP = 12  # countries and themes shown in a page's summary
LISTED = 100  # partnerships listed on a page; the search page has them all
SLOW = 1.0  # seconds: figures that took longer are kept next to the store


def bind(iri: str, lang: str) -> Bindings:
    return (("iri", "uri", iri), ("lang", "literal", lang))


@dataclass(slots=True)
class Listed:
    """One partnership in a page's list: what a researcher scans for."""

    partnership: Value
    start: str = ""
    status: str = ""
    countries: list[Value] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Figures:
    partnerships: int = 0
    first: str = ""
    last: str = ""
    total: Decimal = Decimal(0)
    water: Decimal = Decimal(0)
    per_year: list[dict] = field(default_factory=list)  # {year, partnerships}
    financing_per_year: list[dict] = field(default_factory=list)  # {year, amount}
    countries: list[dict] = field(default_factory=list)  # {label, href, iso3, value}
    themes: list[dict] = field(default_factory=list)  # {label, href, value}
    listed: list[Listed] = field(default_factory=list)
    pending: bool = False  # too slow for a page: being computed in the background

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Figures:
        return cls(
            partnerships=data["partnerships"],
            first=data["first"],
            last=data["last"],
            total=Decimal(str(data["total"])),
            water=Decimal(str(data["water"])),
            per_year=data["per_year"],
            financing_per_year=[
                {**row, "amount": Decimal(str(row["amount"]))} for row in data["financing_per_year"]
            ],
            countries=data["countries"],
            themes=data["themes"],
            listed=[
                Listed(
                    Value(**item["partnership"]),
                    start=item["start"],
                    status=item["status"],
                    countries=[Value(**c) for c in item["countries"]],
                    links=item["links"],
                )
                for item in data["listed"]
            ],
        )


# The search page's facet of each kind of page, and the IRIs its values are made from.
_SEARCH_FACETS = {"country": "id/country/", "region": "id/region/", "theme": "id/theme/"}
_SEARCH_FACETS["funder"] = "id/actor/"


def search_link(facet: str, iri: str, site) -> str | None:
    """The search page listing every partnership of a page (its lists stop at `LISTED`)."""
    prefix = site.base + _SEARCH_FACETS.get(facet, "\0")
    if not iri.startswith(prefix):
        return None
    return "/search?" + urlencode({facet: iri.removeprefix(prefix)})


def _set(pattern: str) -> str:
    return f"{{ SELECT DISTINCT ?iri ?lang ?partnership WHERE {{ {pattern} }} }}"


async def figures(
    site, pattern: str, iri: str, lang: str, top: int | None = TOP, listing: bool = True
) -> Figures:
    """Every figure of a summary, for the partnerships `pattern` finds; the `top` countries and
    themes (all: None); the list of the partnerships unless `listing` is False.

    Figures that took long are kept next to the store (`precomputed`); figures that do not fit
    in a page's time limit are computed in the background and the page says so meanwhile."""
    name = precomputed.name_for("figures", pattern, iri, lang, str(top), str(listing))
    saved = precomputed.read(site, name)
    if saved is not None:
        return Figures.from_json(saved)
    started = time.perf_counter()
    try:
        out = await _figures(site, pattern, iri, lang, top, listing)
    except (QueryTimeout, ServerBusy):
        patient = precomputed.Patient(site)

        async def compute() -> dict:
            found = await _figures(patient, pattern, iri, lang, top, listing)
            return found.to_json()

        precomputed.in_background(site, name, compute)
        return Figures(pending=True)
    if time.perf_counter() - started > SLOW:
        precomputed.write(site, name, out.to_json())
    return out


async def _figures(
    site, pattern: str, iri: str, lang: str, top: int | None, listing: bool
) -> Figures:
    b = bind(iri, lang)
    group = _set(pattern)
    out = Figures()
    rows = await site.select(
        PREFIX_LINES
        + f"""SELECT ?iri ?lang (COUNT(DISTINCT ?partnership) AS ?n)
WHERE {{ {group} }} GROUP BY ?iri ?lang""",
        b,
    )
    if rows:
        out.partnerships = int(rows[0]["n"]["value"])
    if not out.partnerships:
        return out
    money, per_year, out.countries, out.themes, out.listed = await asyncio.gather(
        site.select(
            PREFIX_LINES
            + f"""SELECT ?iri ?lang ?year (SUM(COALESCE(?v, 0)) AS ?amount)
  (SUM(COALESCE(?w, 0)) AS ?water)
WHERE {{ {group} ?partnership atlas:financing ?f . OPTIONAL {{ ?f atlas:year ?y }}
  ?f schema:amount ?a . OPTIONAL {{ ?a schema:value ?v }} OPTIONAL {{ ?a atlas:waterOudinPart ?w }}
  BIND (STR(?y) AS ?year) }}
GROUP BY ?iri ?lang ?year ORDER BY ?year""",
            b,
        ),
        site.select(
            PREFIX_LINES
            + f"""SELECT ?iri ?lang ?year (COUNT(DISTINCT ?partnership) AS ?n)
WHERE {{ {group} ?partnership atlas:startYear ?y BIND (STR(?y) AS ?year) }}
GROUP BY ?iri ?lang ?year ORDER BY ?year""",
            b,
        ),
        _counted(
            site,
            group,
            "?partnership atlas:country ?item . OPTIONAL { ?item skos:notation ?code }",
            "skos:prefLabel",
            b,
            top,
        ),
        _counted(site, group, "?partnership atlas:mainTheme ?item .", "skos:prefLabel", b, top),
        listed(site, pattern, iri, lang) if listing else _nothing(),
    )
    for row in money:
        amount = decimal_of(row.get("amount")) or Decimal(0)
        out.total += amount
        out.water += decimal_of(row.get("water")) or Decimal(0)
        if "year" in row:
            out.financing_per_year.append({"year": row["year"]["value"], "amount": amount})
    out.per_year = [
        {"year": r["year"]["value"], "partnerships": int(r["n"]["value"])} for r in per_year
    ]
    # from the years found, not MIN/MAX in SPARQL: one partnership without a start year would
    # make them unbound
    if out.per_year:
        out.first, out.last = out.per_year[0]["year"], out.per_year[-1]["year"]
    return out


async def _nothing() -> list:
    return []


async def _counted(
    site, group: str, link: str, label: str, b: Bindings, top: int | None
) -> list[dict]:
    rows = await site.select(
        PREFIX_LINES
        + f"""SELECT ?iri ?lang ?item (SAMPLE(?code) AS ?notation) (SAMPLE(?l) AS ?label)
  (SAMPLE(?fr) AS ?french) (COUNT(DISTINCT ?partnership) AS ?n)
WHERE {{ {group} {link}
  OPTIONAL {{ ?item {label} ?l FILTER (LANG(?l) = ?lang) }}
  OPTIONAL {{ ?item {label} ?fr FILTER (LANG(?fr) = "fr") }} }}
GROUP BY ?iri ?lang ?item ORDER BY DESC(?n) ?french {f"LIMIT {top}" if top else ""}""",
        b,
    )
    return [
        {
            "label": (r.get("label") or r.get("french") or r["item"])["value"],
            "href": local_href(site, r["item"]["value"]),
            "iso3": r.get("notation", {}).get("value", ""),
            "value": int(r["n"]["value"]),
        }
        for r in rows
    ]


async def listed(site, pattern: str, iri: str, lang: str, limit: int = LISTED) -> list[Listed]:
    """The partnerships of `pattern`: title, start year, status, countries, and how linked."""
    rows = await site.select(
        PREFIX_LINES
        + f"""SELECT ?iri ?lang ?partnership ?title ?start ?status ?country ?cl ?link
WHERE {{
  {{ SELECT ?iri ?lang ?partnership ?link WHERE {{ {pattern} }} }}
  ?partnership dcterms:title ?title .
  OPTIONAL {{ ?partnership atlas:startYear ?s BIND (STR(?s) AS ?start) }}
  OPTIONAL {{ ?partnership atlas:status/skos:prefLabel ?status FILTER (LANG(?status) = ?lang) }}
  OPTIONAL {{ ?partnership atlas:country ?country .
             OPTIONAL {{ ?country skos:prefLabel ?cl FILTER (LANG(?cl) = ?lang) }} }}
}} ORDER BY DESC(?start) ?title ?partnership LIMIT {limit * 4}""",
        bind(iri, lang),
    )
    found: dict[str, Listed] = {}
    countries: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        key = r["partnership"]["value"]
        item = found.get(key)
        if item is None:
            if len(found) >= limit:
                break
            item = found[key] = Listed(
                term_value(site, r["partnership"], r["title"]),
                start=r.get("start", {}).get("value", ""),
                status=r.get("status", {}).get("value", ""),
            )
        if "country" in r and r["country"]["value"] not in countries[key]:
            countries[key].add(r["country"]["value"])
            item.countries.append(term_value(site, r["country"], r.get("cl")))
        link = r.get("link", {}).get("value")
        if link and link not in item.links:
            item.links.append(link)
    return list(found.values())
