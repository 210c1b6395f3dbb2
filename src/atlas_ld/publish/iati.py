"""The partnerships as IATI activities (IATI Standard 2.03), for the aid-transparency world.

One `iati-activity` per partnership, built from the release's own tables (so the IATI file and
the CSV agree) and from the ontology's alignments kept in the graph: the role and status
concepts carry `skos:exactMatch` / `skos:closeMatch` links to the IATI code lists, and this
module reads the codes from there. docs/publish.md documents every mapping; in short:

- `iati-identifier`: `{prefix}-{prjId}` (`IatiConfig.prefix`, default `XI-ATLASLD`; an operator
  with an IATI organisation identifier sets its own);
- `reporting-org`: `IatiConfig.reporting_ref` / `reporting_name` (type 10, Government, by default);
- `participating-org` per actor and role: funder 1 (Funding), maître d'ouvrage 2 (Accountable),
  French partner authority 3 (Extending), maître d'œuvre and foreign partner 4 (Implementing);
  beneficiaries and other partners have no IATI role and are left out (counted in the report);
- `activity-status` from the status concept's IATI match (En projet 1, En cours 2, Terminé 4);
- `activity-date`: start (type 2 actual, or 1 planned when the partnership is only planned) and
  end (type 4 actual when completed, else 3 planned), from the years (1 January / 31 December);
- `recipient-country`: ISO 3166-1 alpha-2 of each partner country;
- `sector`: OECD DAC CRS 5-digit codes (vocabulary 1) where an Atlas theme matches one clearly
  (`DAC_SECTORS`), otherwise vocabulary 99 with the Atlas theme's IRI path and label; the
  percentages of each vocabulary sum to 100;
- each financing row (funder × year) is a `transaction` of type 11 (Incoming Commitment) in EUR,
  dated 1 January of its year, with the funder as `provider-org`.

An activity the schema cannot hold (no status, no description or no year at all) is left out and
counted, never written half.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pycountry
import pyoxigraph as ox
from lxml import etree

from atlas_ld.publish import tables

IATI_VERSION = "2.03"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ATLAS = "https://atlas-ld.example/def/atlas#"
# Atlas roles without an IATI match in the ontology, mapped here (see the module docstring).
EXTRA_ROLES = {f"{ATLAS}FrenchPartnerAuthority": "3", f"{ATLAS}ForeignPartner": "4"}
# Atlas themes (French label as the Atlas writes it) -> OECD DAC CRS purpose code, where clear.
DAC_SECTORS = {
    "Aide alimentaire": "72040",  # Emergency food assistance
    "Reconstruction post-crise": "73010",  # Immediate post-emergency reconstruction
    "Processus électoraux": "15151",  # Elections
    "Élevage": "31163",  # Livestock
    "Pêche et aquaculture": "31320",  # Fishery development
    "Tourisme": "33210",  # Tourism policy and administrative management
    "Tourisme durable": "33210",
    "Écotourisme": "33210",
    "Microfinance": "24040",  # Informal/semi-formal financial intermediaries
    "Formation professionnelle": "11330",  # Vocational training
    "Accès à l'eau potable": "14031",  # Basic drinking water supply
    "Assainissement": "14032",  # Basic sanitation
    "Gestion des déchets": "14050",  # Waste management/disposal
    "Énergies renouvelables": "23210",  # Energy generation, renewable sources
    "Efficacité énergétique": "23183",  # Energy conservation and demand-side efficiency
    "Forêts": "31220",  # Forestry development
    "Renforcement des capacités des collectivités": "15112",  # Decentralisation, subnational gov.
    "Finances locales": "15112",
    "Formation des élus et agents": "15112",
    "Planification urbaine": "43030",  # Urban development and management
    "Culture et patrimoine": "16061",  # Culture and recreation
    "Patrimoine bâti": "16061",
    "Lecture publique": "16061",
    "Spectacle vivant": "16061",
    "Sport": "16061",
    "Enseignement supérieur et recherche": "11420",  # Higher education
    "Action sociale": "16010",  # Social protection
    "Protection de l'enfance": "16010",
    "Personnes handicapées": "16010",
    "Travail social": "16010",
}
ALIGNMENTS_QUERY = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?concept ?match WHERE {
  { ?concept skos:exactMatch ?match } UNION { ?concept skos:closeMatch ?match }
  FILTER (STRSTARTS(STR(?match), "https://iatistandard.org/en/iati-standard/203/codelists/"))
}"""


@dataclass(frozen=True, slots=True)
class IatiConfig:
    """What an operator sets: the identifier prefix and the reporting organisation."""

    prefix: str = "XI-ATLASLD"
    reporting_ref: str = "XI-ATLASLD"
    reporting_name: str = "atlas-ld"
    reporting_type: str = "10"  # OrganisationType: Government


@dataclass(slots=True)
class IatiReport:
    activities: int = 0
    left_out: list[str] = field(default_factory=list)  # "IRI: why"
    roles_without_iati: int = 0
    financing_without_year: int = 0


def _rows(table: tables.Table) -> Iterable[dict[str, ox.NamedNode | ox.Literal | None]]:
    for row in table.rows:
        yield dict(zip(table.variables, row, strict=True))


def _text(term) -> str:
    return "" if term is None else term.value


def _lang(term) -> str:
    return (getattr(term, "language", None) or "fr") if term is not None else "fr"


def _alpha2(iso3: str) -> str | None:
    if iso3 == "XKX":
        return "XK"  # Kosovo: the code IATI's Country code list uses
    country = pycountry.countries.get(alpha_3=iso3)
    return country.alpha_2 if country else None


def _percentages(n: int) -> list[str]:
    """n shares of 100 with two decimals, summing to exactly 100 (none for n = 0)."""
    if n == 0:
        return []
    share = (Decimal(100) / n).quantize(Decimal("0.01"))
    return [str(share)] * (n - 1) + [str(Decimal(100) - share * (n - 1))]


@dataclass(slots=True)
class _Activity:
    iri: str
    atlas_id: str = ""
    title: ox.Literal | None = None
    description: ox.Literal | None = None
    status: str = ""
    start: str = ""
    end: str = ""
    orgs: list[tuple[str, str]] = field(default_factory=list)  # (role code, name)
    countries: set[str] = field(default_factory=set)
    themes: dict[str, str] = field(default_factory=dict)  # theme IRI -> label
    financing: list[tuple[str, str, Decimal, str]] = field(default_factory=list)


def _collect(
    store: ox.Store, results: dict[str, tables.Table], base: str, report: IatiReport
) -> list[_Activity]:
    matches = {
        row["concept"].value: row["match"].value
        for row in store.query(ALIGNMENTS_QUERY, use_default_graph_as_union=True)
    }
    role_codes = {c: m.rsplit("#", 1)[-1] for c, m in matches.items() if "/organisationrole/" in m}
    role_codes.update(EXTRA_ROLES)
    status_codes = {c: m.rsplit("#", 1)[-1] for c, m in matches.items() if "/activitystatus/" in m}
    activities: dict[str, _Activity] = {}
    for row in _rows(results["partnerships"]):
        item = activities.setdefault(row["partnership"].value, _Activity(row["partnership"].value))
        item.atlas_id = _text(row["atlas_id"])
        item.title = row["title"]
        item.status = status_codes.get(_text(row["status"]), "")
        item.start = _text(row["start_year"]) or _text(row["first_agreement_year"])
        item.end = _text(row["end_year"])
    descriptions = store.query(
        f"SELECT ?p ?d {{ ?p a <{ATLAS}Partnership> ; <http://purl.org/dc/terms/description> ?d }}",
        use_default_graph_as_union=True,
    )
    for row in descriptions:
        if row["p"].value in activities:
            activities[row["p"].value].description = row["d"]
    for row in _rows(results["roles"]):
        item = activities.get(_text(row["partnership"]))
        if item is None:
            continue
        code = role_codes.get(_text(row["role"]))
        if code is None:
            report.roles_without_iati += 1
            continue
        name = _text(row["actor_name"]) or _text(row["as_written"])
        if (code, name) not in item.orgs:
            item.orgs.append((code, name))
    for row in _rows(results["partnership_countries"]):
        item = activities.get(_text(row["partnership"]))
        code = _alpha2(_text(row["country_code"]) or _text(row["country"]).rsplit("/", 1)[-1])
        if item is not None and code:
            item.countries.add(code)
    for row in _rows(results["themes"]):
        item = activities.get(_text(row["partnership"]))
        if item is not None:
            item.themes[_text(row["theme"])] = _text(row["theme_label"])
    for row in _rows(results["financing"]):
        item = activities.get(_text(row["partnership"]))
        if item is None:
            continue
        year = _text(row["year"])
        try:
            amount = Decimal(_text(row["amount"]))
        except InvalidOperation:
            amount = None
        if not year or amount is None:
            report.financing_without_year += 1
            continue
        funder = _text(row["funder_name"])
        item.financing.append((year, funder, amount, _text(row["currency"]) or "EUR"))
    for item in activities.values():
        item.orgs.sort()
        item.financing.sort()
    return [activities[k] for k in sorted(activities)]


def _narrative(parent: etree._Element, text: str, lang: str | None = None) -> None:
    node = etree.SubElement(parent, "narrative")
    if lang:
        node.set(XML_LANG, lang)
    node.text = text


def _activity_element(item: _Activity, config: IatiConfig, base: str) -> etree._Element:
    key = item.atlas_id or item.iri.rsplit("/", 1)[-1]
    activity = etree.Element("iati-activity")
    activity.set(XML_LANG, _lang(item.title))
    activity.set("default-currency", "EUR")
    activity.set("linked-data-uri", item.iri)
    etree.SubElement(activity, "iati-identifier").text = f"{config.prefix}-{key}"
    reporting = etree.SubElement(
        activity, "reporting-org", ref=config.reporting_ref, type=config.reporting_type
    )
    _narrative(reporting, config.reporting_name)
    _narrative(etree.SubElement(activity, "title"), item.title.value, _lang(item.title))
    description = etree.SubElement(activity, "description", type="1")
    _narrative(description, item.description.value, _lang(item.description))
    for code, name in item.orgs:
        org = etree.SubElement(activity, "participating-org", role=code)
        if name:
            _narrative(org, name)
    etree.SubElement(activity, "activity-status", code=item.status)
    planned = item.status == "1"
    if item.start:
        etree.SubElement(
            activity,
            "activity-date",
            type="1" if planned else "2",
            **{"iso-date": f"{item.start}-01-01"},
        )
    if item.end:
        etree.SubElement(
            activity,
            "activity-date",
            type="4" if item.status == "4" else "3",
            **{"iso-date": f"{item.end}-12-31"},
        )
    countries = sorted(item.countries)
    for code, share in zip(countries, _percentages(len(countries)), strict=False):
        country = etree.SubElement(activity, "recipient-country", code=code)
        if len(countries) > 1:  # IATI asks for shares summing to 100 when there are several
            country.set("percentage", share)
    _sectors(activity, item, base)
    for year, funder, amount, currency in item.financing:
        transaction = etree.SubElement(activity, "transaction")
        etree.SubElement(transaction, "transaction-type", code="11")
        etree.SubElement(transaction, "transaction-date", **{"iso-date": f"{year}-01-01"})
        value = etree.SubElement(
            transaction, "value", currency=currency, **{"value-date": f"{year}-01-01"}
        )
        value.text = str(amount)
        if funder:
            _narrative(etree.SubElement(transaction, "provider-org"), funder)
    return activity


def _sectors(activity: etree._Element, item: _Activity, base: str) -> None:
    dac = sorted({DAC_SECTORS[label] for label in item.themes.values() if label in DAC_SECTORS})
    other = sorted((iri, label) for iri, label in item.themes.items() if label not in DAC_SECTORS)
    for code, share in zip(dac, _percentages(len(dac)), strict=True):
        etree.SubElement(activity, "sector", vocabulary="1", code=code, percentage=share)
    for (iri, label), share in zip(other, _percentages(len(other)), strict=True):
        sector = etree.SubElement(
            activity,
            "sector",
            vocabulary="99",
            **{"vocabulary-uri": f"{base}id/theme"},
            code=iri.removeprefix(f"{base}id/theme/"),
            percentage=share,
        )
        _narrative(sector, label, "fr")


def write_iati(
    path: Path,
    store: ox.Store,
    results: dict[str, tables.Table],
    *,
    base: str,
    config: IatiConfig | None = None,
    generated: str | None = None,
) -> IatiReport:
    """Write `iati-activities.xml`; what was left out and why is in the returned report.

    `generated` (ISO 8601) becomes `generated-datetime`; it comes from the release (its newest
    capture), never from the clock, so the file's bytes depend only on the graph."""
    config = config or IatiConfig()
    report = IatiReport()
    root = etree.Element("iati-activities", version=IATI_VERSION)
    if generated:
        root.set("generated-datetime", generated)
    for item in _collect(store, results, base, report):
        missing = [
            name
            for name, value in (
                ("status", item.status),
                ("title", item.title),
                ("description", item.description),
                ("start or end year", item.start or item.end),
                ("participating organisation", item.orgs),
            )
            if not value
        ]
        if missing:
            report.left_out.append(f"{item.iri}: no {', no '.join(missing)}")
            continue
        root.append(_activity_element(item, config, base))
        report.activities += 1
    etree.ElementTree(root).write(
        str(path), encoding="UTF-8", xml_declaration=True, pretty_print=True
    )
    return report
