"""Large canned answers in pages: `?page=N` with LIMIT/OFFSET, next/previous links in HTML and
`Link` headers on downloads; the server's limits stated on the query pages.

Expectations are read from the store with pyoxigraph directly (the full answer, sliced here)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil

import pyoxigraph as ox
import pytest
import requests
from starlette.testclient import TestClient

from atlas_ld.serve.app import ServerConfig, create_app
from atlas_ld.serve.views.queries import PAGE_ROWS
from atlas_ld.store.answers import precompute
from atlas_ld.store.canned import list_queries

from .conftest import record_evaluations, start_server

HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def roles_rows(sample_store) -> list[list[str]]:
    """Every row of `roles` as CSV cells, from pyoxigraph on the store the server serves."""
    roles = next(q for q in list_queries() if q.name == "roles")
    store = ox.Store.read_only(str(sample_store))
    answer = store.query(roles.sparql, use_default_graph_as_union=True)
    text = answer.serialize(format=ox.QueryResultsFormat.CSV).decode()
    rows = list(csv.reader(io.StringIO(text)))[1:]
    assert len(rows) > 2 * PAGE_ROWS + 1, "the sample's roles should fill more than two pages"
    return rows


def _csv(response: requests.Response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))[1:]


def test_page_2_of_roles_is_rows_101_to_200_of_the_full_answer(server, roles_rows):
    response = requests.get(f"{server.url}/queries/roles.csv?page=2", timeout=60)
    assert response.status_code == 200
    assert _csv(response) == roles_rows[100:200]
    as_json = requests.get(f"{server.url}/queries/roles.json?page=2", timeout=60).json()
    titles = [b["title"]["value"] for b in as_json["results"]["bindings"]]
    assert titles == [row[0] for row in roles_rows[100:200]]


def test_downloads_carry_link_headers_to_next_and_previous_pages(server, roles_rows):
    last = (len(roles_rows) - 1) // PAGE_ROWS + 1
    first = requests.get(f"{server.url}/queries/roles.csv?page=1", timeout=60)
    assert first.headers["Link"] == '</queries/roles.csv?page=2>; rel="next"'
    second = requests.get(f"{server.url}/queries/roles.json?page=2", timeout=60)
    assert second.headers["Link"] == (
        '</queries/roles.json?page=3>; rel="next", </queries/roles.json?page=1>; rel="prev"'
    )
    end = requests.get(f"{server.url}/queries/roles.csv?page={last}", timeout=60)
    assert end.headers["Link"] == f'</queries/roles.csv?page={last - 1}>; rel="prev"'
    assert _csv(end) == roles_rows[(last - 1) * PAGE_ROWS :]


def test_the_full_answer_stays_downloadable_without_page(server, roles_rows):
    response = requests.get(f"{server.url}/queries/roles.csv", timeout=60)
    assert response.status_code == 200 and "Link" not in response.headers
    assert _csv(response) == roles_rows


def test_html_page_shows_one_page_with_next_and_previous_links(server, roles_rows):
    page = requests.get(f"{server.url}/queries/roles?page=2&lang=en", headers=HTML, timeout=60)
    assert page.status_code == 200
    body = page.text
    tbody = body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert tbody.count("<tr>") == PAGE_ROWS
    first_title = roles_rows[100][0]
    assert (
        re.sub(r"<[^>]+>", "", tbody.split("</tr>", 1)[0])
        .strip()
        .startswith(
            first_title.replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace("'", "&#39;")
            .replace('"', "&#34;")
        )
    )
    assert 'rel="next" href="/queries/roles?lang=en&amp;page=3"' in body
    assert 'rel="prev" href="/queries/roles?lang=en&amp;page=1"' in body
    assert "Rows 101 to 200 (page 2)." in body
    assert 'href="/queries/roles.csv?page=2"' in body  # this page as data
    assert 'href="/queries/roles.csv"' in body  # the whole answer


def test_first_html_page_has_no_previous_link(server):
    body = requests.get(f"{server.url}/queries/roles", headers=HTML, timeout=60).text
    assert 'rel="next" href="/queries/roles?page=2"' in body
    assert 'rel="prev"' not in body


@pytest.mark.parametrize("page", ["0", "-1", "two", "1.5", "99999999999"])
def test_a_bad_page_number_is_a_one_line_400(server, page):
    response = requests.get(f"{server.url}/queries/roles.csv", params={"page": page}, timeout=30)
    assert response.status_code == 400
    assert response.text.count("\n") == 1 and "page must be a whole number" in response.text
    html = requests.get(f"{server.url}/queries/roles", params={"page": page}, headers=HTML)
    assert html.status_code == 400 and "page must be a whole number" in html.text


def test_canned_queries_have_no_limit_of_their_own():
    """Paging appends LIMIT and OFFSET to the canned query's text: it must have none."""
    for query in list_queries():
        body = "\n".join(line for line in query.sparql.splitlines() if not line.startswith("#"))
        assert not re.search(r"\b(LIMIT|OFFSET)\b", body, re.IGNORECASE), query.name


@pytest.mark.parametrize("path", ["queries/roles", "query"])
def test_query_pages_state_the_limits_in_french_and_english(server, path):
    """The server runs with --max-rows 1000 --timeout 3 (tests/server/conftest.py)."""
    en = requests.get(f"{server.url}/{path}?lang=en", headers=HTML, timeout=60).text
    assert "limits for every query: 1,000 rows, 50 MB of answer, 3 seconds" in en
    fr = requests.get(f"{server.url}/{path}?lang=fr", headers=HTML, timeout=60).text
    limits = re.sub(r"\s", " ", fr.split('class="limits">', 1)[1].split("</p>", 1)[0])
    assert "Limites de ce serveur pour chaque requête : 1 000 lignes, 50 Mo" in limits
    assert "3 secondes" in limits


def test_a_page_is_cut_from_the_kept_full_answer_and_equals_the_evaluated_one(server, roles_rows):
    """Once the full answer is kept, a page not asked before is cut from it (a cache hit, no
    evaluation); `no-cache` evaluates the page with LIMIT/OFFSET: both give the same rows."""
    for fmt in ("csv", "json"):
        assert requests.get(f"{server.url}/queries/roles.{fmt}", timeout=60).status_code == 200
    cut = requests.get(f"{server.url}/queries/roles.csv?page=3", timeout=60)
    assert cut.headers["X-Cache"] == "hit"
    assert _csv(cut) == roles_rows[200:300]
    fresh = requests.get(
        f"{server.url}/queries/roles.csv?page=3", headers={"Cache-Control": "no-cache"}, timeout=60
    )
    assert fresh.headers["X-Cache"] == "miss"
    assert _csv(fresh) == roles_rows[200:300]
    as_json = requests.get(f"{server.url}/queries/roles.json?page=3", timeout=60)
    assert as_json.headers["X-Cache"] == "hit"
    bindings = as_json.json()["results"]["bindings"]
    assert [b["actor"]["value"] for b in bindings] == [row[5] for row in roles_rows[200:300]]


def test_pages_past_the_row_limit_of_the_full_answer_stay_reachable(sample_store, roles_rows):
    """With --max-rows 150 the full answer is cut at 150 rows: page 2 (rows 101-200) cannot be
    cut from it; it comes from the whole CSV kept beside it (or is evaluated)."""
    for server in start_server(sample_store, "--workers", "1", "--max-rows", "150"):
        full = requests.get(f"{server.url}/queries/roles.csv", timeout=60)
        assert len(_csv(full)) == 150 and "X-Atlas-Truncated" in full.headers
        page = requests.get(f"{server.url}/queries/roles.csv?page=2", timeout=60)
        assert _csv(page) == roles_rows[100:200]
        html = requests.get(f"{server.url}/queries/roles?page=2", headers=HTML, timeout=60)
        assert html.text.split("<tbody>", 1)[1].count("<tr>") == PAGE_ROWS


def test_pages_of_an_answer_kept_as_csv_only_are_cut_from_it(sample_store, tmp_path):
    """Finding: at Atlas scale the build keeps `roles` as CSV only (its SPARQL JSON is over the
    byte limit), and the HTML and JSON pages were evaluated (11.5 s, past the time limit). With
    a byte limit between the sizes of the two answers, the pages are cut from the CSV, typed as
    pyoxigraph types the same page evaluated, and no query reaches the workers."""
    roles = next(q for q in list_queries() if q.name == "roles")
    store_dir = tmp_path / "store"
    shutil.copytree(sample_store, store_dir)
    store = ox.Store.read_only(str(sample_store))
    sizes = {
        fmt: len(
            store.query(roles.sparql, use_default_graph_as_union=True).serialize(format=format_)
        )
        for fmt, format_ in (
            ("json", ox.QueryResultsFormat.JSON),
            ("csv", ox.QueryResultsFormat.CSV),
        )
    }
    limit = (sizes["json"] + sizes["csv"]) // 2
    assert sizes["csv"] < limit < sizes["json"]
    precompute(store_dir, max_bytes=limit, budget=None)
    page_query = f"{roles.sparql}\nLIMIT {PAGE_ROWS} OFFSET {PAGE_ROWS}"
    expected = json.loads(
        store.query(page_query, use_default_graph_as_union=True).serialize(
            format=ox.QueryResultsFormat.JSON
        )
    )
    app = create_app(ServerConfig(store=store_dir, workers=1, max_result_bytes=limit))
    evaluated = record_evaluations(app)
    with TestClient(app) as client:
        kept = app.state.site.answers
        assert kept.get(app.state.site.key(app.state.site.job(roles.sparql, "json"))) is None
        assert kept.get(app.state.site.key(app.state.site.job(roles.sparql, "csv"))) is not None
        as_json = client.get("/queries/roles.json?page=2")
        assert as_json.status_code == 200 and as_json.headers["X-Cache"] == "hit"
        assert as_json.json()["results"]["bindings"] == expected["results"]["bindings"]
        assert as_json.json()["head"]["vars"] == expected["head"]["vars"]
        html = client.get("/queries/roles?page=3", headers=HTML)
        assert html.status_code == 200
        assert html.text.split("<tbody>", 1)[1].count("<tr>") == PAGE_ROWS
    assert not [query for query in evaluated if "asWritten" in query]


def test_pages_past_the_row_limit_are_cut_from_the_whole_csv_kept_beside(sample_store, tmp_path):
    """Finding: at Atlas scale the full answer of `roles` is cut at the 100,000-row limit, and
    the pages past the cut were evaluated (past the time limit). The build keeps the whole CSV
    beside it (never sent whole); with a row limit of 150 here, pages 3 and 4 come from it."""
    roles = next(q for q in list_queries() if q.name == "roles")
    store_dir = tmp_path / "store"
    shutil.copytree(sample_store, store_dir)
    precompute(store_dir, row_limit=150, budget=None)
    store = ox.Store.read_only(str(sample_store))
    page_query = f"{roles.sparql}\nLIMIT {PAGE_ROWS} OFFSET {3 * PAGE_ROWS}"
    expected = json.loads(
        store.query(page_query, use_default_graph_as_union=True).serialize(
            format=ox.QueryResultsFormat.JSON
        )
    )
    expected_csv = store.query(page_query, use_default_graph_as_union=True).serialize(
        format=ox.QueryResultsFormat.CSV
    )
    app = create_app(ServerConfig(store=store_dir, workers=1, max_rows=150))
    evaluated = record_evaluations(app)
    with TestClient(app) as client:
        full = client.get("/queries/roles.csv")
        assert full.headers["X-Atlas-Truncated"] and len(full.text.splitlines()) == 151
        as_json = client.get("/queries/roles.json?page=4")
        assert as_json.json()["results"]["bindings"] == expected["results"]["bindings"]
        as_csv = client.get("/queries/roles.csv?page=4")
        assert _rows_of(as_csv.content) == _rows_of(expected_csv)
        html = client.get("/queries/roles?page=3", headers=HTML)
        assert html.text.split("<tbody>", 1)[1].count("<tr>") == PAGE_ROWS
    assert not [query for query in evaluated if "asWritten" in query]


def _rows_of(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode(), newline="")))[1:]
