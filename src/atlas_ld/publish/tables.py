"""CSV tables of the graph for spreadsheet users, each with its CSVW description.

The SPARQL behind each table is data: `queries/tables/{name}.rq`. Its leading comments describe
the table for the CSVW metadata:

    # title: Partenariats
    # description: One row per partnership.
    # column partnership: IRI of the partnership

Rows are sorted in full before writing, so a table's bytes depend only on the graph. Column
datatypes in the CSVW file are read from the values (IRIs, integers, years...), not declared twice.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from atlas_ld.core import resources
from atlas_ld.store.canned import read_header
from atlas_ld.store.repo import Repo

XSD = "http://www.w3.org/2001/XMLSchema#"
CSVW_DATATYPES = {
    f"{XSD}{name}": name
    for name in ("integer", "decimal", "double", "boolean", "date", "dateTime", "gYear")
}


@dataclass(frozen=True, slots=True)
class TableQuery:
    name: str
    title: str
    description: str
    columns: dict[str, str]  # variable -> description
    sparql: str


@dataclass(frozen=True, slots=True)
class Table:
    query: TableQuery
    variables: list[str]
    rows: list[tuple[ox.NamedNode | ox.Literal | ox.BlankNode | None, ...]]


def parse_table_query(name: str, sparql: str) -> TableQuery:
    meta = read_header(sparql)
    columns = {
        key.removeprefix("column "): value
        for key, value in meta.items()
        if key.startswith("column ")
    }
    return TableQuery(name, meta.get("title", name), meta.get("description", ""), columns, sparql)


def table_queries() -> list[TableQuery]:
    folder = resources.queries_dir() / "tables"
    entries = sorted((e for e in folder.iterdir() if e.name.endswith(".rq")), key=lambda e: e.name)
    return [parse_table_query(e.name[:-3], e.read_text(encoding="utf-8")) for e in entries]


def run_table(store: Repo | ox.Store, query: TableQuery) -> Table:
    """The table's rows from a store or any repository (`atlas_ld.store.repo`), the union of its
    named graphs as the default graph."""
    solutions = store.query(query.sparql, use_default_graph_as_union=True)
    variables = [v.value for v in solutions.variables]
    rows = [tuple(solution[v] for v in variables) for solution in solutions]
    rows.sort(key=lambda row: tuple(cell_text(term) for term in row))
    return Table(query, variables, rows)


def cell_text(term: ox.NamedNode | ox.Literal | ox.BlankNode | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def column_datatype(values: list[ox.NamedNode | ox.Literal | ox.BlankNode | None]) -> str:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, ox.NamedNode) for v in present):
        return "anyURI"
    kinds = {
        CSVW_DATATYPES.get(v.datatype.value, "string") if isinstance(v, ox.Literal) else "string"
        for v in present
    }
    return kinds.pop() if len(kinds) == 1 else "string"


def csv_bytes(table: Table) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.variables)
    writer.writerows([cell_text(term) for term in row] for row in table.rows)
    return buffer.getvalue().encode("utf-8")


def csvw_metadata(table: Table, csv_name: str) -> dict:
    columns = []
    for index, name in enumerate(table.variables):
        column = {
            "name": name,
            "titles": name,
            "datatype": column_datatype([row[index] for row in table.rows]),
        }
        if name in table.query.columns:
            column["dc:description"] = table.query.columns[name]
        columns.append(column)
    return {
        "@context": "http://www.w3.org/ns/csvw",
        "url": csv_name,
        "dc:title": table.query.title,
        "dc:description": table.query.description,
        "dialect": {"encoding": "utf-8", "header": True},
        "tableSchema": {"columns": columns},
    }


def write_table(folder: Path, table: Table) -> tuple[Path, Path]:
    """Write `{name}.csv` and `{name}.csv-metadata.json` (the CSVW naming convention)."""
    csv_path = folder / f"{table.query.name}.csv"
    meta_path = folder / f"{table.query.name}.csv-metadata.json"
    csv_path.write_bytes(csv_bytes(table))
    meta = json.dumps(csvw_metadata(table, csv_path.name), ensure_ascii=False, indent=2)
    meta_path.write_text(meta + "\n", encoding="utf-8")
    return csv_path, meta_path
