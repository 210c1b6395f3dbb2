"""What the remote repository sends an engine, checked without one: the dataset read from FROM
clauses, values bound into the query text, and Virtuoso's way of answering ASK."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from atlas_ld.core.errors import QueryError
from atlas_ld.store.guard import dataset_clauses, where_group_start
from atlas_ld.store.remote import _boolean, _substitute


def test_from_clauses_are_read_as_the_grammar_reads_them():
    query = (
        "PREFIX p: <https://atlas-ld.example/graph/>\n"
        "SELECT * FROM p:personal\\/101 FROM NAMED <http://example.org/g> "
        'WHERE { ?from ?p "FROM <http://x/>" } # FROM <http://y/>'
    )
    assert dataset_clauses(query) == (
        ["https://atlas-ld.example/graph/personal/101"],
        ["http://example.org/g"],
    )
    assert dataset_clauses("SELECT * WHERE { ?s ?p ?o }") == ([], [])


def test_values_open_the_where_group_never_the_construct_template():
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    start = where_group_start(construct)
    assert construct[:start].endswith("WHERE {")
    hostile = '") } } DELETE WHERE { ?s ?p ?o } #'
    bound = _substitute(
        construct,
        {
            ox.Variable("s"): ox.NamedNode("http://example.org/a"),
            ox.Variable("o"): ox.Literal(hostile),
        },
    )
    # pyoxigraph writes the terms (and refuses invalid IRIs): a value never ends its string early
    assert f"VALUES (?s ?o) {{ (<http://example.org/a> {ox.Literal(hostile)}) }}" in bound
    assert str(ox.Literal(hostile)) == '"\\") } } DELETE WHERE { ?s ?p ?o } #"'
    with pytest.raises(ValueError):
        ox.NamedNode("http://example.org/a> } DROP ALL")
    assert bound.startswith("CONSTRUCT { ?s ?p ?o } WHERE {")
    with pytest.raises(QueryError, match="WHERE group"):
        _substitute("DESCRIBE <http://example.org/a>", {ox.Variable("x"): ox.Literal("1")})


def test_virtuoso_ask_answer_becomes_a_boolean():
    answer = (
        '{"head": {"vars": ["__ASK_RETVAL"]}, "results": {"bindings": [{"__ASK_RETVAL": '
        '{"type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#integer", '
        '"value": "1"}}]}}'
    )
    solutions = ox.parse_query_results(answer, ox.QueryResultsFormat.JSON)
    assert bool(_boolean(solutions)) is True
    empty = ox.parse_query_results(
        '{"head": {"vars": ["__ASK_RETVAL"]}, "results": {"bindings": []}}',
        ox.QueryResultsFormat.JSON,
    )
    assert bool(_boolean(empty)) is False
