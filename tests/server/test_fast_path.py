"""The endpoint's fast path (`atlas_ld.serve.fast`) answers what is at hand before Starlette's
layers: it must give the same status, headers and bytes as the normal path, request by request.

One app on the server tests' store; each request is sent once to warm the cache (or to let a
worker answer it first, which puts it on the lean path), then through the fast path, then with
the fast path switched off: both find the app in the same state. Only `Server-Timing`'s
durations may differ. The inner stack is wrapped to count what fell through to it."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from atlas_ld.serve.fast import FastAnswers
from atlas_ld.store.canned import list_queries

from .conftest import lean_app

TRIVIAL = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
CANNED = next(q for q in list_queries() if q.name == "regions-before-after-reform").sparql
JSON = {"Accept": "application/sparql-results+json"}
ORIGIN = {"Origin": "https://elsewhere.example"}
FRESH = {"Cache-Control": "no-cache"}


@pytest.fixture(scope="module")
def served(sample_store):
    with lean_app(sample_store) as app, TestClient(app) as client:
        client.get("/sparql", params={"query": "ASK {}"})  # builds the middleware stack
        layer = app.middleware_stack
        while not isinstance(layer, FastAnswers):
            layer = layer.app
        fell_through: list[str] = []
        inner = layer.app

        async def counted(scope, receive, send):
            fell_through.append(scope["path"])
            await inner(scope, receive, send)

        layer.app = counted
        yield app, client, fell_through


def _shown(response) -> tuple[int, bytes, dict[str, str]]:
    headers = {k.lower(): v for k, v in response.headers.items() if k.lower() != "date"}
    if "server-timing" in headers:
        headers["server-timing"] = re.sub(r"dur=[\d.]+", "dur=#", headers["server-timing"])
    return response.status_code, response.content, headers


def _both(served, send) -> tuple[tuple, tuple, int]:
    """The request through the fast path, then the normal path; how many fell through."""
    app, client, fell_through = served
    before = len(fell_through)
    fast = send(client)
    through = len(fell_through) - before
    app.state.site.config.fast_path = False
    try:
        normal = send(client)
    finally:
        app.state.site.config.fast_path = True
    return _shown(fast), _shown(normal), through


# (what, method, arguments, answered by the fast path)
REQUESTS = [
    ("POST form", "post", {"data": {"query": TRIVIAL}, "headers": {**JSON, **ORIGIN}}, True),
    ("GET as CSV", "get", {"params": {"query": CANNED, "format": "csv"}}, True),
    (
        "POST sparql-query as XML",
        "post",
        {
            "content": TRIVIAL.encode(),
            "headers": {
                "Content-Type": "application/sparql-query",
                "Accept": "application/sparql-results+xml",
            },
        },
        True,
    ),
    ("no-cache, evaluated here", "post", {"data": {"query": TRIVIAL}, "headers": FRESH}, True),
    ("no-cache canned, lean", "post", {"data": {"query": CANNED}, "headers": FRESH}, True),
    ("syntax error", "post", {"data": {"query": "SELECT ?s WHERE {"}}, False),
    ("update", "get", {"params": {"update": "CLEAR ALL"}}, False),
    ("service description", "get", {"headers": {"Accept": "text/turtle"}}, False),
    ("SERVICE refused", "get", {"params": {"query": "SELECT * { SERVICE <http://x/> {} }"}}, False),
    (
        "wrong content type",
        "post",
        {"content": b"x", "headers": {"Content-Type": "text/plain"}},
        False,
    ),
]


@pytest.mark.parametrize(
    ("what", "method", "kwargs", "fast"), REQUESTS, ids=[r[0] for r in REQUESTS]
)
def test_fast_path_and_normal_path_answer_alike(served, what, method, kwargs, fast):
    def send(client):
        return getattr(client, method)("/sparql", **kwargs)

    send(served[1])  # warm: kept, or answered by a worker once (then on the lean path)
    on_fast, on_normal, through = _both(served, send)
    assert on_fast == on_normal, what
    assert through == (0 if fast else 1), what


def test_a_conditional_request_gets_the_same_304_on_both_paths(served):
    url = "/sparql?query=" + quote(TRIVIAL)
    tag = served[1].get(url, headers=JSON).headers["ETag"]

    def send(client):
        return client.get(url, headers={**JSON, **ORIGIN, "If-None-Match": tag})

    on_fast, on_normal, through = _both(served, send)
    assert on_fast[0] == 304 and on_fast == on_normal and through == 0
