"""Typed records that flow between the stages.

`ProjectRecord` is the parsed form of one Atlas project page, field for field the JSON contract in
`data/project-record.schema.json` (`atlas-ld parse --json` prints `record.to_json()`), plus the
page's own text next to what the parser split or normalised: `text` of each table row (its cells
as shown, joined by a space) and `end_date_text`. Money is `Decimal`, exactly as the page
writes it (JSON gives it as a number). `Page` is what a stage hands to the parser: the bytes as
fetched plus where and when they came from, so the provenance of every triple can name its
capture.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class Page:
    """One project page as read from a file, a URL or a web archive."""

    source: str
    body: bytes
    content_type: str | None = None
    url: str | None = None
    fetched_at: datetime | None = None
    capture_id: str | None = None  # WARC-Record-ID when the page comes from the archive
    # Where `url` came from when it is not the address the page was read from: "manifest" for
    # a saved page whose folder's manifest.csv names it (see docs/parsing.md, Ids).
    url_source: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


@dataclass(slots=True)
class ThemeTriple:
    theme: str | None = None
    sub_theme: str | None = None
    sub_sub_theme: str | None = None
    priority: str | None = None
    text: str | None = None  # the table row as the page shows it (see module docstring)


@dataclass(slots=True)
class Authority:
    name: str
    country: str | None = None
    atlas_url: str | None = None
    text: str | None = None


@dataclass(slots=True)
class PartnerContact:
    authority: str | None = None
    family_name: str | None = None
    given_name: str | None = None
    function: str | None = None
    email: str | None = None
    text: str | None = None


@dataclass(slots=True)
class Financing:
    funder: str
    amount_eur: Decimal | None
    water_oudin_eur: Decimal | None
    year: int | None
    text: str | None = None


@dataclass(slots=True)
class Volunteer:
    family_name: str | None = None
    given_name: str | None = None
    mission: str | None = None
    field: str | None = None
    assignment: str | None = None
    text: str | None = None


@dataclass(slots=True)
class PostContact:
    function: str
    name: str
    email: str | None = None


@dataclass(slots=True)
class ProjectRecord:
    source: str
    title: str
    atlas_id: str | None = None
    first_agreement_year: int | None = None
    theme: ThemeTriple = field(default_factory=ThemeTriple)
    other_themes: list[ThemeTriple] = field(default_factory=list)
    start_year: int | None = None
    status: str | None = None
    end_date: str | None = None
    end_date_text: str | None = None  # as the page shows it, e.g. 31/12/2015
    context: str | None = None
    history: str | None = None
    objectives: str | None = None
    description: str | None = None
    form: str | None = None
    implementers_text: str | None = None
    owners_text: str | None = None
    beneficiaries: str | None = None
    foreign_partners: list[Authority] = field(default_factory=list)
    foreign_partner_contacts: list[PartnerContact] = field(default_factory=list)
    french_authorities: list[Authority] = field(default_factory=list)
    other_partners_france: str | None = None
    other_partners_abroad: str | None = None
    pre_reform_authority: str | None = None
    triennial: bool | None = None
    financing: list[Financing] = field(default_factory=list)
    communication_france: bool | None = None
    communication_partner_countries: bool | None = None
    evaluation: bool | None = None
    volunteers: list[Volunteer] = field(default_factory=list)
    diplomatic_post: str | None = None
    post_contacts: list[PostContact] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Which source gave `atlas_id`: capture, manifest, URL, page, file name (docs/parsing.md).
    id_source: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The contract's JSON object (keys in the dataclass order, so output is stable).
        Amounts become JSON numbers: integers when whole, else the shortest decimal that reads
        back as the same value (`Decimal("1500.50")` -> `1500.5`)."""
        data = asdict(self)
        for row in data["financing"]:
            for key in ("amount_eur", "water_oudin_eur"):
                row[key] = _json_number(row[key])
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProjectRecord:
        nested = {
            "theme": ThemeTriple,
            "other_themes": ThemeTriple,
            "foreign_partners": Authority,
            "foreign_partner_contacts": PartnerContact,
            "french_authorities": Authority,
            "financing": Financing,
            "volunteers": Volunteer,
            "post_contacts": PostContact,
        }
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                continue
            kind = nested.get(key)
            if kind is None:
                values[key] = value
            elif isinstance(value, list):
                values[key] = [
                    kind(**_money_in(item) if kind is Financing else item) for item in value
                ]
            elif value is not None:
                values[key] = kind(**value)
        return cls(**values)


def _json_number(value: Decimal | float | int | None) -> float | int | None:
    if not isinstance(value, Decimal):
        return value
    return int(value) if value == value.to_integral_value() else float(value)


def _money_in(row: dict[str, Any]) -> dict[str, Any]:
    """JSON numbers back to `Decimal` through their shortest text (`1500.5` -> `1500.5`)."""
    return {
        key: Decimal(str(value))
        if key in ("amount_eur", "water_oudin_eur") and isinstance(value, int | float)
        else value
        for key, value in row.items()
    }
