"""The kinds of terms kept beside a CSV answer (`store.answers.column_types`) give back, from the
CSV cells, the SPARQL JSON bindings pyoxigraph wrote for the same evaluation: IRIs, blank nodes,
language-tagged and typed literals, unbound cells and empty strings, mixed in one column."""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox

from atlas_ld.store.answers import _csv, column_types, typed_bindings


def test_csv_cells_typed_back_equal_pyoxigraph_json():
    store = ox.Store()
    ex = "http://example.org/"
    values = [
        ox.NamedNode(ex + "a"),
        ox.BlankNode("b1"),
        ox.Literal("été", language="fr"),
        ox.Literal("12.50", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")),
        ox.Literal(""),
        ox.Literal('with "quotes",\nand a newline'),
    ]
    for n, value in enumerate(values):
        store.add(ox.Quad(ox.NamedNode(f"{ex}s{n}"), ox.NamedNode(ex + "p"), value))
    query = f"""SELECT ?s ?o ?same WHERE {{ ?s <{ex}p> ?o
        OPTIONAL {{ ?s <{ex}p> ?same FILTER(isIRI(?same)) }} }} ORDER BY ?s"""
    data = json.loads(store.query(query).serialize(format=ox.QueryResultsFormat.JSON))
    types = column_types(data)
    assert isinstance(types["columns"]["s"], int)  # one kind for the whole column
    assert isinstance(types["columns"]["o"], list)  # one per row
    cells = list(csv.reader(io.StringIO(_csv(data).decode(), newline="")))[1:]
    assert typed_bindings(types, cells, 0) == data["results"]["bindings"]
    assert typed_bindings(types, cells[2:4], 2) == data["results"]["bindings"][2:4]
