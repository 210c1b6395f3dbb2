"""The lean path (docs/server.md): a query a worker answered whole and cheaply is evaluated again
in the server process, with the same bytes and headers; the others keep going to the workers.

The server runs in-process (Starlette's TestClient) on the server tests' store with its real
worker pool; `pool.run` is wrapped to count what reaches the workers. The byte-for-byte oracle
for SPARQL JSON is pyoxigraph's own serializer."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from starlette.testclient import TestClient

from atlas_ld.serve.app import ServerConfig, create_app
from atlas_ld.serve.results import write_solutions
from atlas_ld.store.canned import list_queries

from .conftest import lean_app, record_evaluations

JSON = {"Accept": "application/sparql-results+json"}
FRESH = {**JSON, "Cache-Control": "no-cache"}
SAME = ("content-type", "etag", "last-modified", "cache-control", "vary", "x-content-type-options")


@pytest.fixture(scope="module")
def lean(sample_store):
    with lean_app(sample_store, timeout=10) as app:
        sent = record_evaluations(app)
        with TestClient(app) as client:
            yield client, sent


def _post(client, query: str, headers: dict):
    response = client.post("/sparql", data={"query": query}, headers=headers)
    assert response.status_code == 200, response.text
    return response


def test_a_cheap_query_answered_by_a_worker_is_then_answered_here_with_the_same_bytes(lean):
    client, sent = lean
    query = next(q for q in list_queries() if q.name == "partnerships-by-country").sparql
    first = _post(client, query, FRESH)
    assert sent.count(query) == 1
    again = [_post(client, query, FRESH) for _ in range(3)]
    assert sent.count(query) == 1  # no worker: the lean path
    for response in again:
        assert response.content == first.content
        assert {h: response.headers[h] for h in SAME} == {h: first.headers[h] for h in SAME}
        assert (
            response.headers["X-Cache"] == "miss"
            and "eval;dur=" in response.headers["Server-Timing"]
        )


def test_select_star_keeps_the_columns_in_query_order_on_the_lean_path(lean):
    client, sent = lean
    query = "SELECT * WHERE { ?s <http://purl.org/dc/terms/title> ?title } ORDER BY ?s LIMIT 5"
    first = _post(client, query, FRESH)
    second = _post(client, query, FRESH)
    assert sent.count(query) == 1
    assert first.json()["head"]["vars"] == second.json()["head"]["vars"] == ["s", "title"]
    assert first.content == second.content


def test_an_answer_cut_at_the_row_limit_never_takes_the_lean_path(sample_store):
    app = create_app(ServerConfig(store=sample_store, workers=1, max_rows=3))
    sent = record_evaluations(app)
    query = "SELECT ?s WHERE { ?s a ?type } ORDER BY ?s"
    with TestClient(app) as client:
        for _ in range(2):
            response = _post(client, query, FRESH)
            assert "X-Atlas-Truncated" in response.headers
    assert sent.count(query) == 2


def test_our_sparql_json_writer_gives_pyoxigraphs_bytes():
    """The worker writes row by row (to watch the limits), the lean path lets pyoxigraph write
    the whole answer: both must be the same representation, byte for byte."""
    store = ox.Store()
    ex = "http://example.org/"
    tricky = [
        ox.Literal('quote " backslash \\ slash / tab \t newline \n cr \r'),
        ox.Literal("control \x01\x1f and \u2028 \u2029 separators"),
        ox.Literal("Île-de-France, cœur, 🌍, 中文", language="fr"),
        ox.Literal("12.50", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")),
        ox.Literal("<script>alert(1)</script>"),
        ox.NamedNode(ex + "é?x=1&y=2#frag"),
        ox.BlankNode("b0"),
        ox.Literal(""),
    ]
    for n, value in enumerate(tricky):
        store.add(ox.Quad(ox.NamedNode(f"{ex}s{n}"), ox.NamedNode(ex + "p"), value))
    query = f"SELECT ?s ?o ?none WHERE {{ ?s <{ex}p> ?o OPTIONAL {{ ?s <{ex}q> ?none }} }}"
    ours = write_solutions(store.query(query), "json", 100).body
    theirs = store.query(query).serialize(format=ox.QueryResultsFormat.JSON)
    assert ours == theirs
