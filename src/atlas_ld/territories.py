"""French regions across the 2016 reform and countries by their French names.

Regions come from the package table `data/regions.csv` (INSEE codes, validity, successor,
Wikidata), built from the INSEE COG via etalab/geohisto. Countries come from pycountry's ISO 3166-1
table and its French translations, so a page's "Canada" or "Sénégal" finds its alpha-3 code.
"""

from __future__ import annotations

import csv
import gettext
import io
from dataclasses import dataclass
from functools import cache

import pycountry

from atlas_ld.ids import slug
from atlas_ld.resources import data_dir


@dataclass(frozen=True, slots=True)
class Region:
    insee_code: str
    name: str
    valid_from: str
    valid_until: str | None
    successor: str | None
    wikidata: str | None
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Country:
    iso3: str
    name_fr: str
    name_en: str


@cache
def regions() -> dict[str, Region]:
    """All regions by INSEE code."""
    text = (data_dir() / "regions.csv").read_text(encoding="utf-8")
    table: dict[str, Region] = {}
    for row in csv.DictReader(io.StringIO(text)):
        table[row["insee_code"]] = Region(
            insee_code=row["insee_code"],
            name=row["name"],
            valid_from=row["valid_from"],
            valid_until=row["valid_until"] or None,
            successor=row["successor"] or None,
            wikidata=row["wikidata"] or None,
            aliases=tuple(a for a in row["aliases"].split("|") if a),
        )
    return table


@cache
def _region_slugs() -> list[tuple[str, str]]:
    """(slug, code) pairs, longest first, so 'Basse-Normandie' wins over 'Normandie'."""
    pairs = [
        (slug(name), region.insee_code)
        for region in regions().values()
        for name in (region.name, *region.aliases)
    ]
    return sorted(pairs, key=lambda pair: (-len(pair[0]), pair[0]))


def find_region(text: str) -> Region | None:
    """The region whose name appears in `text` (e.g. 'Conseil régional de Poitou-Charentes')."""
    padded = f"-{slug(text)}-"
    for region_slug, code in _region_slugs():
        if f"-{region_slug}-" in padded:
            return regions()[code]
    return None


# Names the Atlas uses that are not ISO 3166 French names.
_COUNTRY_ALIASES = {
    "etats-unis": "USA",
    "etats-unis-d-amerique": "USA",
    "royaume-uni": "GBR",
    "russie": "RUS",
    "vietnam": "VNM",
    "viet-nam": "VNM",
    "coree-du-sud": "KOR",
    "republique-de-coree": "KOR",
    "coree-du-nord": "PRK",
    "syrie": "SYR",
    "iran": "IRN",
    "laos": "LAO",
    "bolivie": "BOL",
    "venezuela": "VEN",
    "tanzanie": "TZA",
    "moldavie": "MDA",
    "macedoine": "MKD",
    "palestine": "PSE",
    "territoires-palestiniens": "PSE",
    "republique-democratique-du-congo": "COD",
    "rdc": "COD",
    "congo-brazzaville": "COG",
    "cote-d-ivoire": "CIV",
    "cap-vert": "CPV",
    "taiwan": "TWN",
    "kosovo": "XKX",
}


@cache
def countries() -> dict[str, Country]:
    """Countries by alpha-3 code, with French and English names."""
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    table = {
        c.alpha_3: Country(c.alpha_3, french.gettext(c.name), c.name) for c in pycountry.countries
    }
    table["XKX"] = Country("XKX", "Kosovo", "Kosovo")
    return table


@cache
def _country_index() -> dict[str, str]:
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    index: dict[str, str] = {}
    for c in pycountry.countries:
        names = [c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)]
        names += [french.gettext(n) for n in names if n]
        for name in names:
            if name:
                index.setdefault(slug(name), c.alpha_3)
                # "Bolivie (État plurinational de)" is also met as plain "Bolivie"
                index.setdefault(slug(name.split(" (")[0]), c.alpha_3)
    index.update(_COUNTRY_ALIASES)
    return index


def find_country(name: str | None) -> Country | None:
    """The country a French (or English) country name designates, or None."""
    if not name:
        return None
    code = _country_index().get(slug(name))
    return countries().get(code) if code else None
