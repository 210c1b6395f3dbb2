"""Issue 13: answers cached per build, validated, and computed ahead; pages validated too."""

from __future__ import annotations

import shutil
import time
import uuid
from email.utils import formatdate

import pyoxigraph as ox
import pytest
import requests

from atlas_ld.store.answers import BuildStamp, answer_key, answers_root, precompute, read_answer
from atlas_ld.store.canned import list_queries

from .conftest import start_server


def _count_query() -> str:
    """A query no other test sends (a fresh literal), so its first answer is a miss."""
    return f'SELECT (COUNT(*) AS ?n) {{ ?s ?p ?o FILTER(?o != "{uuid.uuid4()}") }}'


def _get(url: str, query: str, **headers) -> requests.Response:
    return requests.get(f"{url}/sparql", params={"query": query}, headers=headers, timeout=60)


def test_second_answer_comes_from_the_cache_with_validators(server, sample_store):
    query = _count_query()
    first = _get(server.url, query)
    assert first.status_code == 200 and first.headers["X-Cache"] == "miss"
    second = _get(server.url, query)
    assert second.headers["X-Cache"] == "hit"
    assert second.content == first.content
    public = ox.Store.read_only(str(sample_store.with_name(sample_store.name + ".public")))
    expected = str(sum(1 for _ in public.quads_for_pattern(None, None, None)))
    assert first.json()["results"]["bindings"][0]["n"]["value"] == expected
    for name in ("ETag", "Last-Modified", "Cache-Control", "Server-Timing"):
        assert first.headers[name] == second.headers[name] or name == "Server-Timing"
    # Spelling does not matter: comments and layout are not part of the key.
    respelled = _get(server.url, "# the same\n" + query.replace(" ", "\n  "))
    assert respelled.headers["X-Cache"] == "hit"


def test_conditional_requests_get_304(server):
    query = _count_query()
    first = _get(server.url, query)
    tag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = _get(server.url, query, **{"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == tag
    since = _get(server.url, query, **{"If-Modified-Since": modified})
    assert since.status_code == 304
    older = formatdate(0, usegmt=True)
    assert _get(server.url, query, **{"If-Modified-Since": older}).status_code == 200
    other = _get(server.url, query, **{"If-None-Match": '"another"'})
    assert other.status_code == 200


def test_no_cache_evaluates_afresh(server):
    query = _count_query()
    _get(server.url, query)
    fresh = _get(server.url, query, **{"Cache-Control": "no-cache"})
    assert fresh.status_code == 200 and fresh.headers["X-Cache"] == "miss"


def test_pages_carry_validators_and_answer_304(server, known):
    page = requests.get(f"{server.url}/{known.path}", headers={"Accept": "text/html"}, timeout=60)
    assert page.status_code == 200 and page.headers["ETag"]
    again = requests.get(
        f"{server.url}/{known.path}",
        headers={"Accept": "text/html", "If-None-Match": page.headers["ETag"]},
        timeout=60,
    )
    assert again.status_code == 304
    turtle = requests.get(f"{server.url}/{known.path}.ttl", timeout=60)
    assert turtle.headers["ETag"] != page.headers["ETag"]  # another document, another tag


def test_answers_survive_a_restart(sample_store, tmp_path):
    """Answers that took some time (over 20 ms) are kept on disk too."""
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    query = _count_query().replace("?s ?p ?o", "?s ?p ?o . ?s ?q ?x . ?x ?r ?y")
    for server in start_server(store, "--workers", "1"):
        assert _get(server.url, query).headers["X-Cache"] == "miss"
    for server in start_server(store, "--workers", "1"):
        assert _get(server.url, query).headers["X-Cache"] == "hit"


@pytest.mark.parametrize("engine", ["disk", "memory"])
def test_precomputed_canned_answers_match_the_store(sample_store, tmp_path, engine):
    """`precompute` (called by the build) writes each canned query's answer, for the engine
    given, in that engine's folder; the rows are those pyoxigraph gives on the public copy,
    read independently here."""
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    written = precompute(store, engine=engine)
    assert written >= len(list_queries())  # JSON and CSV of each SELECT
    build = BuildStamp.of(store).id + ("-memory" if engine == "memory" else "")
    folder = answers_root(store) / build
    public = ox.Store.read_only(str(store.with_name("store.public")))
    for canned in list_queries():
        key = answer_key(build, canned.sparql, "json", row_limit=100_000, max_bytes=50_000_000)
        stored = read_answer(folder, key)
        assert stored is not None, canned.name
        rows = list(public.query(canned.sparql, use_default_graph_as_union=True))
        assert stored.rows == len(rows), canned.name


@pytest.mark.parametrize("header", ["If-None-Match", "If-Modified-Since"])
def test_a_new_build_invalidates_validators(sample_store, tmp_path, header):
    """The ETag and Last-Modified of one build do not validate the next build's answers."""
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    query = _count_query()
    for server in start_server(store, "--workers", "1"):
        first = _get(server.url, query)
    manifest = store / "atlas-ld.json"
    manifest.write_text(manifest.read_text(encoding="utf-8") + " ", encoding="utf-8")
    value = first.headers["ETag" if header == "If-None-Match" else "Last-Modified"]
    for server in start_server(store, "--workers", "1"):
        again = _get(server.url, query, **{header: value})
        assert again.status_code == 200 and again.headers["X-Cache"] == "miss"


def test_a_long_canned_answer_is_computed_ahead_cut_at_the_row_limit(sample_store, tmp_path):
    """At Atlas scale `roles` runs past the time limit: computed ahead, cut at the row limit as
    the server cuts answers, it answers at once and says it was cut."""
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    assert precompute(store, row_limit=10, engine="disk") >= len(list_queries())
    build = BuildStamp.of(store).id
    roles = next(q for q in list_queries() if q.name == "roles")
    key = answer_key(build, roles.sparql, "csv", row_limit=10, max_bytes=50_000_000)
    stored = read_answer(answers_root(store) / build, key)
    assert stored is not None and stored.rows == 10 and stored.truncated
    lines = stored.path.read_text(encoding="utf-8").strip().splitlines()
    assert len(lines) == 11  # the header and ten rows
    limits = ("--max-rows", "10", "--timeout", "0.1")
    for server in start_server(store, "--workers", "1", "--engine", "disk", *limits):
        response = requests.get(f"{server.url}/queries/roles.csv", timeout=60)
        assert response.status_code == 200
        assert response.content == stored.path.read_bytes()


def test_answers_with_personal_data_never_reach_a_public_server(sample_store, tmp_path):
    """A server run with --include-personal-data keeps its answers apart: a public server on
    the same store, later, evaluates the same query on the public copy."""
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    query = "SELECT * { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?g), '/personal/')) }"
    for server in start_server(store, "--workers", "1", "--include-personal-data"):
        assert _get(server.url, query).json()["results"]["bindings"]
    for server in start_server(store, "--workers", "1"):
        public = _get(server.url, query)
        assert public.headers["X-Cache"] == "miss"
        assert public.json()["results"]["bindings"] == []


def test_precompute_within_a_budget_never_holds_the_build_up(sample_store, tmp_path):
    """The canned answers are computed in a child process killed when the budget is spent."""
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    started = time.monotonic()
    written = precompute(store, budget=0.01)
    assert time.monotonic() - started < 5
    assert written < 2 * len(list_queries())
