"""Named SPARQL queries shipped in `queries/*.rq`, and running any query on a store.

Import it as `atlas_ld.queries`: that name is the package of the `.rq` files (see resources.py),
whose `__init__` re-exports this module, so code and queries share one import path.

A canned query is a file whose first comment lines carry its metadata:

    # title: Financing by funder and year
    # description: Total amount in euros ...

Queries run on a repository (`atlas_ld.store.repo`), on the union of the named graphs the reader
may see, so the same query gives the same answer from the CLI, the notebook API and the server.
Queries that would make the store fetch a URL (SERVICE, LOAD) or change it are refused, by the
server's own token-based guard (`atlas_ld.store.guard`). A query with its own FROM / FROM NAMED
runs on the graphs it names, as SPARQL says, among those the reader may see: personal-data graphs
are not in the dataset unless `include_personal` is set.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph

from atlas_ld.core.errors import QueryError, syntax_error
from atlas_ld.core.namespaces import XSD
from atlas_ld.core.resources import queries_dir
from atlas_ld.store.guard import inspect_query
from atlas_ld.store.repo import Repo, is_triples, repo_of_store

_HEADER = re.compile(r"^#\s*([a-z]+(?:@[a-z]{2})?(?:\s+\w+)?)\s*:\s*(.*)$")  # key@lang: text
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True, slots=True)
class CannedQuery:
    name: str
    title: str
    description: str
    sparql: str


@dataclass(slots=True)
class QueryRows:
    """A SELECT result: column names and rows of Python values (str, int, Decimal, bool...)."""

    columns: list[str]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def to_csv(self, delimiter: str = ",") -> str:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(["" if v is None else v for v in row] for row in self.rows)
        return out.getvalue()


def read_header(text: str) -> dict[str, str]:
    """The `# key: value` comment lines that open a `.rq` file (`title`, `description`,
    `column NAME`...), so a query file carries its own documentation."""
    meta: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if match:
            meta[" ".join(match.group(1).split())] = match.group(2).strip()
    return meta


def _parse(name: str, text: str) -> CannedQuery:
    meta = read_header(text)
    return CannedQuery(
        name=name,
        title=meta.get("title", name),
        description=meta.get("description", ""),
        sparql=text,
    )


def list_queries() -> list[CannedQuery]:
    """The queries shipped with atlas-ld, by name."""
    entries = [e for e in queries_dir().iterdir() if e.name.endswith(".rq")]
    return [
        _parse(e.name.removesuffix(".rq"), e.read_text(encoding="utf-8"))
        for e in sorted(entries, key=lambda e: e.name)
    ]


def get_query(name_or_path: str) -> CannedQuery:
    """A shipped query by name (`financing-by-funder`) or any `.rq` file by path."""
    if _NAME.match(name_or_path):
        for query in list_queries():
            if query.name == name_or_path:
                return query
        names = ", ".join(q.name for q in list_queries())
        raise QueryError(f"no query named {name_or_path!r}", hint=f"known: {names}")
    path = Path(name_or_path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryError(f"cannot read the query file: {exc}", where=str(path)) from None
    return _parse(path.stem, text)


def execute(store: Repo | pyoxigraph.Store, sparql: str, *, include_personal: bool = False):
    """Run a query on the union of the named graphs the reader may see, or on the graphs its
    FROM clauses name; pyoxigraph's own result object (or `TripleResults` from an endpoint).

    The personal-data rule is applied to the dataset (`repo_of_store`), not to the query text:
    a FROM clause naming a personal graph, however spelt, names a graph that is not there.
    """
    info = inspect_query(sparql)
    repo = repo_of_store(store, include_personal=include_personal)
    try:
        # pyoxigraph ignores FROM when asked for the union default graph: ask only without FROM
        return repo.query(sparql, use_default_graph_as_union=not info.has_from)
    except SyntaxError as exc:
        raise syntax_error(str(exc)) from None
    except OSError as exc:
        raise QueryError(f"the query failed: {exc}") from None


def run_query(
    store: Repo | pyoxigraph.Store, query: str | CannedQuery, *, include_personal: bool = False
) -> QueryRows | bool | list[pyoxigraph.Triple]:
    """SELECT -> `QueryRows`; ASK -> bool; CONSTRUCT/DESCRIBE -> triples."""
    sparql = query.sparql if isinstance(query, CannedQuery) else query
    result = execute(store, sparql, include_personal=include_personal)
    if isinstance(result, pyoxigraph.QueryBoolean):
        return bool(result)
    if is_triples(result):
        return list(result)
    columns = [v.value for v in result.variables]
    rows = [tuple(python_value(solution[c]) for c in columns) for solution in result]
    return QueryRows(columns=columns, rows=rows)


_INTEGERS = {f"{XSD}{t}" for t in ("integer", "int", "long", "short", "gYear")}


def python_value(term: Any) -> Any:
    """A result term as a plain Python value: IRIs and strings as str, numbers as numbers."""
    if term is None:
        return None
    if isinstance(term, pyoxigraph.Literal):
        datatype = term.datatype.value
        if datatype in _INTEGERS and term.value.lstrip("-").isdigit():
            return int(term.value)
        if datatype == f"{XSD}decimal":
            return Decimal(term.value)
        if datatype in (f"{XSD}double", f"{XSD}float"):
            return float(term.value)
        if datatype == f"{XSD}boolean":
            return term.value == "true"
        return term.value
    return term.value
