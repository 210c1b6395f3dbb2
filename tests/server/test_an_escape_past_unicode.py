"""Regression: a query holding `\\UFFFFFFFF` got a 500 and a traceback in the log.

The guard decodes `\\u`/`\\U` escapes before looking for SERVICE (spec 19.2), and `chr()` of a
value past U+10FFFF raised OverflowError or ValueError, which no handler of bad queries
expected: `internal server error` for a query sent by anyone (found by fuzz/fuzz_query.py).
Such an escape names no character; it is left as written, and the SPARQL parser answers for
it: a syntax error where it matters (in a string), nothing in a comment.
"""

from __future__ import annotations

import pytest
import requests

from atlas_ld.core.errors import QueryError
from atlas_ld.store.guard import inspect_query


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("SELECT * {} #\\UFFFFFFFF", 200),
        ("SELECT * {} #\\U5C2020EE", 200),
        ('SELECT * { BIND("\\UFFFFFFFF" AS ?x) }', 400),
        ("ASK { <http://a.example/\\U00110000> ?p ?o }", 400),
    ],
    ids=["comment-max", "comment-fuzzed", "in-a-string", "in-an-iri"],
)
def test_the_endpoint_answers_a_query_with_an_escape_past_unicode(server, query, status):
    logged = len(server.log())  # the server is shared with other tests: read only what follows
    response = requests.get(
        f"{server.url}/sparql", params={"query": query}, headers={"Accept": "application/json"}
    )
    assert response.status_code == status, response.text
    assert "Traceback" not in server.log()[logged:]


def test_the_guard_still_refuses_service_around_such_an_escape():
    with pytest.raises(QueryError, match="SERVICE"):
        inspect_query("SELECT * { \\u0053ERVICE <http://a.example/> { ?s ?p ?o } } #\\UFFFFFFFF")
