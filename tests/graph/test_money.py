"""Faithful money (issue 9, item 8): placeholder funders stay local to their partnership, amounts
and 1 % Eau amounts are kept as the pages give them, and query totals say what they sum.

The expected totals come from the parser's records of the sample pages, not from the graph."""

from __future__ import annotations

from decimal import Decimal

import pytest

from atlas_ld.graph.mapping import is_placeholder_funder
from atlas_ld.parse.parser import parse_page
from atlas_ld.sample.corpus import sample_pages
from atlas_ld.store.canned import get_query, run_query

SCHEMA_FUNDER = "https://schema.org/funder"


@pytest.fixture(scope="module")
def records():
    return [parse_page(page) for page in sample_pages()]


def _rows(store, name: str) -> list[dict]:
    return run_query(store, get_query(name).sparql).records()


@pytest.mark.parametrize("name", ["Autre", "autres", "", " Non renseigné ", "N/A", "Divers"])
def test_placeholder_names(name):
    assert is_placeholder_funder(name)


@pytest.mark.parametrize("name", ["Autrement Dit", "Région Bretagne", "Agence de l'eau"])
def test_real_funder_names(name):
    assert not is_placeholder_funder(name)


def test_placeholder_funders_are_never_one_actor_across_partnerships(sample_store, records):
    """Issue 9: "Autre" was one actor `id/actor/autre` shared by every partnership using it."""
    placeholders = {r.atlas_id for r in records for f in r.financing if f.funder == "Autre"}
    assert len(placeholders) >= 2
    funders = {
        str(q.object.value)
        for q in sample_store.quads_for_pattern(None, None, None, None)
        if q.predicate.value == SCHEMA_FUNDER
    }
    autre = {iri for iri in funders if iri.endswith("/funder/autre")}
    assert not any(iri.endswith("/id/actor/autre") for iri in funders)
    assert {iri.split("/id/partnership/")[1].split("/")[0] for iri in autre} == placeholders


def test_financing_by_funder_totals_both_columns_and_flags_unnamed_funders(sample_store, records):
    """Issue 9: funder totals left the 1 % Eau money out without saying so, and listed "Autre"
    as a funder."""
    rows = _rows(sample_store, "financing-by-funder")
    rows_expected = [f for r in records for f in r.financing]
    assert sum(int(row["rows"]) for row in rows) == len(rows_expected)
    amount = sum(Decimal(str(f.amount_eur)) for f in rows_expected if f.amount_eur is not None)
    water = sum(
        Decimal(str(f.water_oudin_eur)) for f in rows_expected if f.water_oudin_eur is not None
    )
    assert water > 0
    assert sum(Decimal(str(row["total_eur"])) for row in rows) == amount
    assert sum(Decimal(str(row["total_water_oudin_eur"])) for row in rows) == water
    unnamed = [row for row in rows if row["funder"] == "Autre"]
    assert unnamed and all(row["funder_named"] is False for row in unnamed)
    assert all(row["funder_named"] is True for row in rows if row["funder"] != "Autre")


def test_partnerships_show_the_water_column_apart(sample_store, records):
    table = _rows(sample_store, "partnerships")
    rows = {row["partnership"].rsplit("/", 1)[1]: row for row in table}
    for record in records:
        row = rows[record.atlas_id]
        water = sum(Decimal(str(f.water_oudin_eur)) for f in record.financing if f.water_oudin_eur)
        amount = sum(Decimal(str(f.amount_eur)) for f in record.financing if f.amount_eur)
        assert Decimal(str(row["total_water_oudin_eur"])) == water, record.atlas_id
        assert Decimal(str(row["total_eur"])) == amount, record.atlas_id
