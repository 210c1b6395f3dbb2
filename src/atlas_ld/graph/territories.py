"""French regions across the 2016 reform, and the territories of foreign authorities.

Regions come from the package table `data/regions.csv` (INSEE codes, validity, successor,
Wikidata), built from the INSEE COG via etalab/geohisto. Countries are in countries.py.

No table of the world's provinces ships with atlas-ld: a foreign authority's territory is read
from its name when the name starts with the kind of territory ("Province du Québec", "Wilaya
d'Oran"), and only then; "Centre jeunesse de Québec" names no territory.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache

from atlas_ld.core.iris import slug
from atlas_ld.core.resources import data_dir


@dataclass(frozen=True, slots=True)
class Region:
    insee_code: str
    name: str
    valid_from: str
    valid_until: str | None
    successor: str | None
    wikidata: str | None
    aliases: tuple[str, ...]


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


# Kinds of territory a foreign authority's name may start with, as the Atlas writes them.
FOREIGN_TERRITORY_KINDS = (
    "Province",
    "Région",
    "Commune",
    "Communauté urbaine",
    "Communauté rurale",
    "Ville",
    "Municipalité",
    "Département",
    "Land",
    "Préfecture",
    "Wilaya",
    "Gouvernorat",
    "Oblast",
    "État",
    "Comté",
    "Canton",
    "District",
    "Cercle",
    "Voïvodie",
    "Judet",
)
_TERRITORY_NAME = re.compile(
    r"^(?P<kind>" + "|".join(FOREIGN_TERRITORY_KINDS) + r")"
    r"\s+(?:du\s+|de\s+la\s+|de\s+l['’]\s*|des\s+|de\s+|d['’]\s*)?"
    r"(?P<name>[A-ZÀ-Ý].*)$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ForeignTerritoryName:
    """What a foreign authority's name says of its territory."""

    kind: str  # as written: "Province"
    name: str  # "Québec"
    full_name: str  # as written: "Province du Québec"


def foreign_territory_name(authority_name: str) -> ForeignTerritoryName | None:
    """'Province du Québec' -> (Province, Québec); None when the name starts with no kind."""
    text = " ".join(authority_name.split())
    match = _TERRITORY_NAME.match(text)
    if match is None or not match.group("name")[0].isupper():
        return None
    return ForeignTerritoryName(kind=match.group("kind"), name=match.group("name"), full_name=text)
