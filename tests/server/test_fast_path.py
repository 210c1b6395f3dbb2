"""The endpoint's fast path (`atlas_ld.serve.fast`) answers what is at hand before Starlette's
layers: it must give the same status, headers and bytes as the normal path, request by request.

Two apps on the server tests' store, one with the fast path and one without, get the same
requests in the same order (so their caches are in the same state); only `Server-Timing`'s
durations may differ. The fast app's inner stack is wrapped to count what fell through to it."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from atlas_ld.serve.app import ServerConfig, create_app
from atlas_ld.serve.fast import FastAnswers
from atlas_ld.store.canned import list_queries

TRIVIAL = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
CANNED = next(q for q in list_queries() if q.name == "regions-before-after-reform").sparql
JSON = {"Accept": "application/sparql-results+json"}
ORIGIN = {"Origin": "https://elsewhere.example"}
FRESH = {"Cache-Control": "no-cache"}


@pytest.fixture(scope="module")
def pair(sample_store):
    fast = create_app(ServerConfig(store=sample_store, workers=1))
    normal = create_app(ServerConfig(store=sample_store, workers=1, fast_path=False))
    with TestClient(fast) as fast_client, TestClient(normal) as normal_client:
        fast_client.get("/sparql", params={"query": "ASK {}"})  # builds the middleware stack
        layer = fast.middleware_stack
        while not isinstance(layer, FastAnswers):
            layer = layer.app
        fell_through: list[str] = []
        inner = layer.app

        async def counted(scope, receive, send):
            fell_through.append(scope["path"])
            await inner(scope, receive, send)

        layer.app = counted
        yield fast_client, normal_client, fell_through


def _same(fast, normal) -> None:
    assert fast.status_code == normal.status_code
    assert fast.content == normal.content

    def shown(response) -> dict[str, str]:
        headers = {k.lower(): v for k, v in response.headers.items() if k.lower() != "date"}
        if "server-timing" in headers:
            headers["server-timing"] = re.sub(r"dur=[\d.]+", "dur=#", headers["server-timing"])
        return headers

    assert shown(fast) == shown(normal)


REQUESTS = [
    ("first POST form", "post", {"data": {"query": TRIVIAL}, "headers": {**JSON, **ORIGIN}}, 1),
    ("cached again", "post", {"data": {"query": TRIVIAL}, "headers": JSON}, 0),
    ("GET as CSV", "get", {"params": {"query": CANNED, "format": "csv"}}, 1),
    ("GET as CSV, kept", "get", {"params": {"query": CANNED, "format": "csv"}}, 0),
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
        0,
    ),
    ("no-cache, evaluated here", "post", {"data": {"query": TRIVIAL}, "headers": FRESH}, 0),
    ("no-cache canned, a worker", "post", {"data": {"query": CANNED}, "headers": FRESH}, 1),
    ("no-cache canned, lean", "post", {"data": {"query": CANNED}, "headers": FRESH}, 0),
    ("syntax error", "post", {"data": {"query": "SELECT ?s WHERE {"}}, 1),
    ("update", "get", {"params": {"update": "CLEAR ALL"}}, 1),
    ("service description", "get", {"headers": {"Accept": "text/turtle"}}, 1),
    ("SERVICE refused", "get", {"params": {"query": "SELECT * { SERVICE <http://x/> {} }"}}, 1),
    (
        "wrong content type",
        "post",
        {"content": b"x", "headers": {"Content-Type": "text/plain"}},
        1,
    ),
]


def test_fast_path_and_normal_path_answer_alike(pair):
    """One test, in order: each request's outcome depends on what the ones before it kept."""
    fast_client, normal_client, fell_through = pair
    for what, method, kwargs, through in REQUESTS:
        before = len(fell_through)
        fast = getattr(fast_client, method)("/sparql", **kwargs)
        normal = getattr(normal_client, method)("/sparql", **kwargs)
        _same(fast, normal)
        # answers at hand never reach the inner stack; the others go the normal way
        assert len(fell_through) - before <= through, what
        if through == 0:
            assert len(fell_through) == before, what


def test_a_conditional_request_gets_the_same_304_on_both_paths(pair):
    fast_client, normal_client, fell_through = pair
    url = "/sparql?query=" + quote(TRIVIAL)
    tag = fast_client.get(url, headers=JSON).headers["ETag"]
    before = len(fell_through)
    fast = fast_client.get(url, headers={**JSON, **ORIGIN, "If-None-Match": tag})
    normal = normal_client.get(url, headers={**JSON, **ORIGIN, "If-None-Match": tag})
    assert fast.status_code == 304
    _same(fast, normal)
    assert len(fell_through) == before
