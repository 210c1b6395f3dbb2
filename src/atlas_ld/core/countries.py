"""Countries by their French names, for the parser and the mapping alike.

ISO 3166-1 from pycountry with its French translations, plus the names the Atlas uses that are
not ISO short names. One table, so the parser's row splitting and the graph's country IRIs agree
on what a country name is.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from functools import cache

import pycountry

from atlas_ld.core.iris import slug

# Names the Atlas uses that differ from the ISO 3166 French short names.
ALIASES = {
    "Vietnam": "VNM",
    "Viêt Nam": "VNM",
    "Bolivie": "BOL",
    "Tanzanie": "TZA",
    "Russie": "RUS",
    "Moldavie": "MDA",
    "Syrie": "SYR",
    "Iran": "IRN",
    "Laos": "LAO",
    "Corée du Sud": "KOR",
    "Macédoine du Nord": "MKD",
    "Palestine": "PSE",
    "Territoires palestiniens": "PSE",
    "République démocratique du Congo": "COD",
    "République du Congo": "COG",
    "Congo": "COG",
    "Cap-Vert": "CPV",
    "Royaume-Uni": "GBR",
    "États-Unis": "USA",
    "Etats-Unis": "USA",
    "Taïwan": "TWN",
    "Vatican": "VAT",
    "Micronésie": "FSM",
    "République tchèque": "CZE",
    "Cabo Verde": "CPV",
    "Venezuela": "VEN",
    "Macédoine": "MKD",
    "Centrafrique": "CAF",
    "États-Unis d'Amérique": "USA",
    "Viet-Nam": "VNM",
    "République de Corée": "KOR",
    "Corée du Nord": "PRK",
    "RDC": "COD",
    "Congo-Brazzaville": "COG",
    "Côte d'Ivoire": "CIV",
    "Taiwan": "TWN",
    "Kosovo": "XKX",  # no ISO 3166 code; XKX is the user-assigned code the EU uses
}


@dataclass(frozen=True, slots=True)
class Country:
    iso3: str
    name_fr: str
    name_en: str


@cache
def _french() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])


@cache
def countries() -> dict[str, Country]:
    """Countries by alpha-3 code, with French and English names."""
    table = {
        c.alpha_3: Country(c.alpha_3, _french().gettext(c.name), c.name)
        for c in pycountry.countries
    }
    table["XKX"] = Country("XKX", "Kosovo", "Kosovo")
    return table


@cache
def country_names() -> dict[str, str]:
    """Country name as written (French or English, ISO or alias) -> ISO 3166-1 alpha-3."""
    names: dict[str, str] = {}
    for c in pycountry.countries:
        english = [n for n in (c.name, getattr(c, "common_name", None)) if n]
        for name in english:
            names.setdefault(_french().gettext(name), c.alpha_3)
            # "Bolivie (État plurinational de)" is also met as plain "Bolivie"
            names.setdefault(_french().gettext(name).split(" (")[0], c.alpha_3)
        for name in [*english, getattr(c, "official_name", None)]:
            if name:
                names.setdefault(name, c.alpha_3)
    names.update(ALIASES)
    return names


@cache
def _index() -> dict[str, str]:
    return {slug(name): code for name, code in country_names().items()}


def find_country(name: str | None) -> Country | None:
    """The country a name designates, forgiving case, accents and punctuation; else None."""
    if not name:
        return None
    code = _index().get(slug(name))
    return countries().get(code) if code else None
