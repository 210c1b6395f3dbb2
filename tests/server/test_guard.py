"""The query guard on its own: what it refuses, what it lets through, what it reports."""

from __future__ import annotations

import pytest

from atlas_ld.core.errors import QueryError
from atlas_ld.store.guard import inspect_query, is_trivial, star_columns


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { SERVICE <http://x/> { ?s ?p ?o } }",
        "SELECT * {\n  # comment\n  sErViCe ?endpoint { ?s ?p ?o } }",
        "SELECT * { \\u0053ERVICE <http://x/> { } }",
        # pyoxigraph reads a string "\u0022" here, a reader that decodes first reads '"""'.
        'SELECT * { BIND("\\u0022" AS ?a) SERVICE <http://x/> { } BIND("\\u0022" AS ?b) }',
        # A prefixed name ends where SPARQL's PN_LOCAL ends, not at the next space.
        "SELECT * { ?s ?p ex:o|SERVICE <http://x/> { } }",
        "LOAD <http://x/> INTO GRAPH <http://g>",
    ],
)
def test_network_access_is_refused(query):
    with pytest.raises(QueryError, match="not allowed"):
        inspect_query(query)


@pytest.mark.parametrize(
    "query",
    ["INSERT DATA { <a> <b> <c> }", "PREFIX x: <http://x/> DELETE WHERE { ?s ?p ?o }", "DROP ALL"],
)
def test_updates_are_refused(query):
    with pytest.raises(QueryError, match="read-only"):
        inspect_query(query)


def test_keywords_inside_strings_iris_names_and_comments_are_not_keywords():
    query = (
        "PREFIX service: <http://ex/service#>\n"
        'SELECT ?service WHERE { <http://ex/SERVICE> service:LOAD "SERVICE LOAD" ; '
        "service:x '''INSERT''' } # SERVICE"
    )
    assert inspect_query(query).form == "SELECT"


@pytest.mark.parametrize("form", ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"])
def test_form_is_found_after_the_prologue(form):
    query = f"BASE <http://b/>\nPREFIX with: <http://w/>\n{form.lower()} * WHERE {{ ?s ?p ?o }}"
    assert inspect_query(query).form == form


def test_error_names_the_position():
    with pytest.raises(QueryError) as caught:
        inspect_query("SELECT *\nWHERE {\n    SERVICE <http://x/> {} }")
    assert str(caught.value).startswith("line 3, column 5:")


def test_text_that_is_no_query():
    with pytest.raises(QueryError, match="expected SELECT"):
        inspect_query("# nothing but a comment")


@pytest.mark.parametrize(
    ("query", "columns"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", ["s", "p", "o"]),
        ("PREFIX x: <http://x/>\nselect distinct * { ?z x:p ?a . BIND(1 AS ?m) }", ["z", "a", "m"]),
        ("SELECT ?o ?s WHERE { ?s ?p ?o }", None),
        ("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", None),
        ("ASK { ?s ?p ?o }", None),
    ],
)
def test_star_columns_follow_the_query(query, columns):
    assert star_columns(query) == (tuple(columns) if columns else None)


@pytest.mark.parametrize(
    ("query", "trivial"),
    [
        ("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", True),
        ("ASK { ?s ?p ?o }", True),
        ("PREFIX ex: <http://e/> SELECT * { ?s a ex:C } LIMIT 10", True),
        ("SELECT ?s { ?s ?p ?o }", False),  # no LIMIT: the whole store
        ("SELECT ?s { ?s ?p ?o } LIMIT 1000", False),
        ("SELECT ?s { ?s ?s ?s } LIMIT 1", False),  # a filtered scan of everything
        ("SELECT ?s { ?s ?p ?o . ?o ?q ?r } LIMIT 1", False),
        ("SELECT ?s { ?s ?p ?o } ORDER BY ?s LIMIT 1", False),
        ("SELECT ?s { ?s <p>+ ?o } LIMIT 1", False),
        ("SELECT ?s { ?s ?p ?o } LIMIT 1 OFFSET 100000", False),
        ("SELECT (COUNT(*) AS ?n) { ?s ?p ?o } LIMIT 1", False),
    ],
)
def test_only_queries_bounded_by_their_text_skip_the_workers(query, trivial):
    assert is_trivial(query) is trivial
