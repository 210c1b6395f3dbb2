"""Every table query runs on the real sample graph and fills every column it declares.

A column that comes out empty on the whole sample means the query and the ontology drifted
apart (a renamed property, a label in another language): that must fail here, not in a user's
spreadsheet.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from atlas_ld.publish import tables

QUERIES = tables.table_queries()


def test_the_seven_tables_are_there():
    assert {q.name for q in QUERIES} == {
        "partnerships",
        "partnership_countries",
        "actors",
        "roles",
        "financing",
        "territories",
        "themes",
    }


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_table_fills_every_described_column(store: ox.Store, query: tables.TableQuery):
    table = tables.run_table(store, query)
    assert table.rows, f"{query.name}: no row on the sample"
    assert set(table.variables) == set(query.columns), "every column has a description"
    for index, name in enumerate(table.variables):
        assert any(row[index] is not None for row in table.rows), f"{query.name}.{name} is empty"
    assert table.rows == sorted(table.rows, key=lambda r: tuple(tables.cell_text(t) for t in r))


def test_csvw_datatypes_follow_the_values(store: ox.Store):
    query = next(q for q in QUERIES if q.name == "financing")
    columns = {
        c["name"]: c["datatype"]
        for c in tables.csvw_metadata(tables.run_table(store, query), "financing.csv")[
            "tableSchema"
        ]["columns"]
    }
    assert columns["partnership"] == "anyURI"
    assert columns["year"] == "gYear"
    assert columns["amount"] == "decimal"
    assert columns["currency"] == "string"


def test_every_territory_the_graph_links_to_is_a_row(store: ox.Store):
    linked = {
        row["t"].value
        for row in store.query(
            "PREFIX atlas: <https://atlas-ld.example/def/atlas#>\n"
            "SELECT DISTINCT ?t { ?x atlas:country|atlas:region|atlas:territory ?t }",
            use_default_graph_as_union=True,
        )
    }
    table = tables.run_table(store, next(q for q in QUERIES if q.name == "territories"))
    column = table.variables.index("territory")
    assert linked and linked <= {row[column].value for row in table.rows}
