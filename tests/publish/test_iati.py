"""iati-activities.xml: valid IATI 2.03 (the official schema), readable by iatikit, and saying
what the release's own tables say."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import iatikit
import pyoxigraph as ox
from lxml import etree

from atlas_ld.publish.iati import IatiConfig
from atlas_ld.publish.release import dump

from .conftest import BASE
from .test_dcat import REFERENCE

XSD = REFERENCE / "iati" / "iati-activities-schema.xsd"


def schema_errors(path: Path) -> list[str]:
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    schema.validate(etree.parse(str(path)))
    return [f"{e.line}: {e.message}" for e in schema.error_log]


def table(release: Path, name: str) -> list[dict[str, str]]:
    with (release / "tables" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_sample_validates_against_the_iati_2_03_schema(release: Path):
    assert schema_errors(release / "iati-activities.xml") == []


def test_iatikit_reads_it_back(release: Path):
    dataset = iatikit.Dataset(str(release / "iati-activities.xml"))
    assert dataset.version == "2.03"
    assert dataset.validate_xml()
    partnerships = table(release, "partnerships")
    activities = dataset.activities
    assert len(activities) == len(partnerships)  # every sample partnership fits IATI
    by_id = {a.iati_identifier: a for a in activities}
    for row in partnerships:
        activity = by_id[f"XI-ATLASLD-{row['atlas_id']}"]
        assert activity.title == [row["title"]]


def test_activities_say_what_the_tables_say(release: Path):
    root = etree.parse(str(release / "iati-activities.xml")).getroot()
    status = {"En projet": "1", "En cours": "2", "Terminé": "4"}
    roles = {"financeur": "1", "maître d'ouvrage": "2", "maître d'œuvre": "4"}
    expected_orgs = defaultdict(set)
    for row in table(release, "roles"):
        if row["role_label"] in roles:
            expected_orgs[row["partnership"]].add((roles[row["role_label"]], row["actor_name"]))
    money = defaultdict(Decimal)
    for row in table(release, "financing"):
        money[row["partnership"]] += Decimal(row["amount"])
    for row in table(release, "partnerships"):
        activity = root.find(f"iati-activity[@linked-data-uri='{row['partnership']}']")
        assert activity.find("activity-status").get("code") == status[row["status_label"]]
        dates = {d.get("type"): d.get("iso-date") for d in activity.findall("activity-date")}
        if row["start_year"]:
            assert row["start_year"] in {v[:4] for k, v in dates.items() if k in ("1", "2")}
        orgs = {
            (o.get("role"), o.findtext("narrative"))
            for o in activity.findall("participating-org")
            if o.get("role") in ("1", "2", "4")
        }
        assert expected_orgs[row["partnership"]] <= orgs
        values = [Decimal(v.text) for v in activity.findall("transaction/value")]
        assert sum(values, Decimal(0)) == money[row["partnership"]]
        assert {v.get("currency") for v in activity.findall("transaction/value")} <= {"EUR"}
        for vocabulary in ("1", "99"):
            shares = [
                Decimal(s.get("percentage"))
                for s in activity.findall(f"sector[@vocabulary='{vocabulary}']")
            ]
            assert not shares or sum(shares) == 100


def test_identifier_prefix_and_reporting_org_are_configurable(store: ox.Store, tmp_path: Path):
    config = IatiConfig(prefix="FR-RNA-W123", reporting_ref="FR-RNA-W123", reporting_name="Région")
    dump(store, tmp_path / "r", base=BASE, iati_config=config)
    root = etree.parse(str(tmp_path / "r" / "iati-activities.xml")).getroot()
    identifiers = [e.text for e in root.iter("iati-identifier")]
    assert identifiers and all(i.startswith("FR-RNA-W123-") for i in identifiers)
    reporting = root.find("iati-activity/reporting-org")
    assert reporting.get("ref") == "FR-RNA-W123" and reporting.findtext("narrative") == "Région"
