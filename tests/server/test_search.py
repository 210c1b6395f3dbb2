"""The search page and its index: full text, facets, sorting, pages, data downloads.

Expectations come from the store itself, read with SPARQL (`sample_store_rows`), never from the
index: the index is SQLite, the oracle is the RDF. The app runs in-process (Starlette's
TestClient) on the server tests' store, with its real worker pool and index file.
"""

from __future__ import annotations

import csv
import io
import shutil
import sqlite3
import time
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from starlette.testclient import TestClient

from atlas_ld.core.errors import StoreError
from atlas_ld.serve.app import ServerConfig, create_app
from atlas_ld.store import search_index
from atlas_ld.store.search_index import SearchIndex, SearchQuery

BASE = "https://atlas-ld.example/"
ATLAS = BASE + "def/atlas#"
HTML = {"accept": "text/html"}


@pytest.fixture(scope="module")
def client(sample_store):
    app = create_app(ServerConfig(store=sample_store, workers=2, timeout=5))
    with TestClient(app) as client:
        for _ in range(300):  # the index is made in the background at start
            if client.get("/search?format=json").status_code != 503:
                break
            time.sleep(0.05)
        yield client


def found(client, query: str) -> list[str]:
    response = client.get(f"/search?{query}&format=json")
    assert response.status_code == 200, response.text
    return [hit["iri"] for hit in response.json()["results"]]


def iris(rows, var: str = "p") -> set[str]:
    return {row[var].value for row in rows}


def test_kaya_finds_the_partnership_whose_foreign_partner_is_the_commune_de_kaya(
    client, sample_store_rows
):
    expected = iris(
        sample_store_rows(
            """SELECT ?p WHERE { ?x atlas:inPartnership ?p ; atlas:agent ?a ;
                                    atlas:role atlas:ForeignPartner .
                                 ?a <https://schema.org/name> "Commune de Kaya" }"""
        )
    )
    assert expected, "the sample has a partnership with the Commune de Kaya"
    assert expected <= set(found(client, "q=Kaya"))


def test_burkina_finds_the_partnerships_in_burkina_faso(client, sample_store_rows):
    in_bfa = iris(
        sample_store_rows(
            f"SELECT ?p WHERE {{ ?p a atlas:Partnership ; atlas:country <{BASE}id/country/BFA> }}"
        )
    )
    assert len(in_bfa) >= 2
    assert in_bfa <= set(found(client, "q=Burkina"))
    assert set(found(client, "country=BFA")) == in_bfa


def test_accents_case_and_prefixes_are_folded(client, sample_store_rows):
    with_quebec = iris(
        sample_store_rows('SELECT ?p WHERE { ?p dcterms:title ?t FILTER (CONTAINS(?t, "Québec")) }')
    )
    assert with_quebec
    plain = found(client, "q=quebec")
    assert with_quebec <= set(plain)
    assert found(client, "q=QU%C3%89BEC") == plain
    assert found(client, "q=qu%C3%A9b") == plain  # a prefix of the word
    assert set(found(client, "q=Burk")) == set(found(client, "q=burkina"))


def test_every_word_is_required(client):
    assert set(found(client, "q=Burkina+Kaya")) == set(found(client, "q=Kaya")) & set(
        found(client, "q=Burkina")
    )
    assert found(client, "q=zzzzqqq") == []


def test_facet_counts_are_those_of_the_store(client, sample_store_rows):
    data = client.get("/search?format=json").json()
    counts = {
        name: {f["value"]: f["count"] for f in facet} for name, facet in data["facets"].items()
    }
    countries = sample_store_rows(
        "SELECT ?c (COUNT(DISTINCT ?p) AS ?n) "
        "WHERE { ?p a atlas:Partnership ; atlas:country ?c } GROUP BY ?c"
    )
    assert counts["country"] == {
        r["c"].value.removeprefix(f"{BASE}id/country/"): int(r["n"].value) for r in countries
    }
    statuses = sample_store_rows(
        "SELECT ?s (COUNT(DISTINCT ?p) AS ?n) "
        "WHERE { ?p a atlas:Partnership ; atlas:status ?s } GROUP BY ?s"
    )
    assert counts["status"] == {
        r["s"].value.removeprefix(ATLAS): int(r["n"].value) for r in statuses
    }
    # A theme counts the partnerships of its narrower themes too.
    themes = sample_store_rows(
        """SELECT ?t (COUNT(DISTINCT ?p) AS ?n) WHERE {
             ?p a atlas:Partnership ; atlas:mainTheme|atlas:otherTheme ?sub .
             ?sub <http://www.w3.org/2004/02/skos/core#broader>* ?t } GROUP BY ?t"""
    )
    expected = {r["t"].value.removeprefix(f"{BASE}id/theme/"): int(r["n"].value) for r in themes}
    top = dict(sorted(expected.items(), key=lambda kv: (-kv[1], kv[0]))[:10])
    for theme, n in top.items():
        assert counts["theme"][theme] == n, theme
    assert data["total"] == len(
        iris(sample_store_rows("SELECT ?p WHERE { ?p a atlas:Partnership }"))
    )


def test_facets_combine_and_count_the_other_choices(client, sample_store_rows):
    completed = iris(sample_store_rows("SELECT ?p WHERE { ?p atlas:status atlas:Completed }"))
    in_bfa = iris(
        sample_store_rows(
            f"SELECT ?p WHERE {{ ?p a atlas:Partnership ; atlas:country <{BASE}id/country/BFA> }}"
        )
    )
    assert set(found(client, "country=BFA&status=Completed")) == completed & in_bfa
    # Two values of one facet: either.
    in_sen = iris(
        sample_store_rows(
            f"SELECT ?p WHERE {{ ?p a atlas:Partnership ; atlas:country <{BASE}id/country/SEN> }}"
        )
    )
    assert set(found(client, "country=BFA&country=SEN")) == in_bfa | in_sen
    # With a country chosen, the country facet still counts every country among the completed
    # partnerships, so another can be added.
    data = client.get("/search?country=BFA&status=Completed&format=json").json()
    shown = {f["value"]: f["count"] for f in data["facets"]["country"]}
    rows = sample_store_rows(
        "SELECT ?p ?c WHERE { ?p a atlas:Partnership ; atlas:status atlas:Completed ; "
        "atlas:country ?c }"
    )
    expected = Counter(r["c"].value.removeprefix(f"{BASE}id/country/") for r in rows)
    assert shown == dict(expected)


def test_start_year_range(client, sample_store_rows):
    rows = sample_store_rows("SELECT ?p ?y WHERE { ?p a atlas:Partnership ; atlas:startYear ?y }")
    expected = {r["p"].value for r in rows if 2010 <= int(r["y"].value[:4]) <= 2015}
    assert set(found(client, "year_from=2010&year_to=2015")) == expected
    one = {r["p"].value for r in rows if r["y"].value.startswith("2007")}
    assert set(found(client, "year=2007")) == one


def test_sorting_and_pages(client):
    data = client.get("/search?sort=-year&format=json").json()["results"]
    years = [hit["start_year"] for hit in data if hit["start_year"]]
    assert years == sorted(years, reverse=True)
    amounts = [
        float(hit["total_eur"])
        for hit in client.get("/search?sort=-amount&format=json").json()["results"]
        if hit["total_eur"]
    ]
    assert amounts == sorted(amounts, reverse=True)
    total = len(data)
    first = client.get("/search?sort=title", headers=HTML)
    assert first.status_code == 200
    assert first.text.count('class="hit-title"') == min(total, search_index.PAGE_SIZE)
    if total > search_index.PAGE_SIZE:
        second = client.get("/search?sort=title&page=2", headers=HTML)
        assert second.text.count('class="hit-title"') == min(
            total - search_index.PAGE_SIZE, search_index.PAGE_SIZE
        )
        assert 'rel="prev"' in second.text
        assert 'rel="next"' in first.text


def test_csv_and_json_give_the_same_list(client):
    json_iris = found(client, "q=eau&sort=title")
    response = client.get("/search?q=eau&sort=title&format=csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["iri"] for row in rows] == json_iris
    assert set(rows[0]) == {
        "iri",
        "title",
        "countries",
        "start_year",
        "end_year",
        "status",
        "total_eur",
    }


def test_the_page_links_to_its_data(client):
    page = client.get("/search?q=eau&country=MAR", headers=HTML).text
    assert 'href="/search?q=eau&amp;country=MAR&amp;format=csv"' in page
    assert 'href="/search?q=eau&amp;country=MAR&amp;format=json"' in page


def test_results_show_title_countries_years_status_and_total(client, sample_store_rows):
    row = sample_store_rows(
        f"""SELECT ?p ?title ?start WHERE {{ ?p atlas:country <{BASE}id/country/BFA> ;
               dcterms:title ?title ; atlas:startYear ?start ; atlas:financing ?f }} LIMIT 1"""
    )[0]
    page = client.get("/search?country=BFA", headers=HTML).text
    assert row["title"].value.replace("'", "&#39;") in page
    assert ">Burkina Faso</a>" in page
    assert row["start"].value in page
    assert "€" in page


@pytest.mark.parametrize(
    "query",
    [
        "sort=bad",
        "year_from=abc",
        "page=0",
        "format=xml",
        "year_from=2015&year_to=2010",
        "page=999",
    ],
)
def test_a_bad_parameter_is_a_one_line_400(client, query):
    response = client.get(f"/search?{query}")
    assert response.status_code == 400
    assert response.text.count("\n") == 1 and "Traceback" not in response.text


def test_harvested_markup_is_escaped(client):
    page = client.get("/search?q=Jumelage", headers=HTML).text
    assert "&lt;script&gt;alert" in page
    assert "<script>alert" not in page


def test_personal_data_is_not_indexed(sample_store, client):
    """Contacts' names and e-mail addresses (graph/personal/*) are in no column of the index."""
    store = ox.Store.read_only(str(sample_store))
    people = {"http://xmlns.com/foaf/0.1/name", "http://www.w3.org/2006/vcard/ns#hasEmail"}
    personal = {
        q.object.value.removeprefix("mailto:")
        for q in store.quads_for_pattern(None, None, None)
        if "/graph/personal/" in q.graph_name.value and q.predicate.value in people
    }
    assert personal, "the sample has contacts"
    with sqlite3.connect(search_index.index_path(sample_store)) as db:
        texts = "\n".join(
            " ".join(str(v) for v in row)
            for table in ("text", "partnership", "facet_value")
            for row in db.execute(f"SELECT * FROM {table}")
        )
    assert not {value for value in personal if value in texts}
    name = sorted(personal)[0]
    assert found(client, "q=" + name.split("@")[0].replace(" ", "+")) == []


def test_the_index_follows_the_build(sample_store, tmp_path):
    store_dir = tmp_path / "store"
    shutil.copytree(sample_store, store_dir, ignore=shutil.ignore_patterns("LOCK"))
    assert not search_index.is_current(store_dir)
    path = search_index.build_search_index(store_dir)
    assert path == tmp_path / "store.search.sqlite"
    assert search_index.is_current(store_dir)
    manifest = store_dir / "atlas-ld.json"
    manifest.write_text(manifest.read_text().replace('"quads"', '"quads" ', 1))
    assert not search_index.is_current(store_dir)  # another build: the index is stale


def test_a_failed_index_build_keeps_the_previous_index(sample_store, tmp_path):
    store_dir = tmp_path / "store"
    shutil.copytree(sample_store, store_dir, ignore=shutil.ignore_patterns("LOCK"))
    path = search_index.build_search_index(store_dir)
    before = path.read_bytes()

    class Broken:
        def query(self, *args, **kwargs):
            raise OSError("disk gone")

    with pytest.raises(OSError):
        search_index.build_search_index(store_dir, Broken())
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store", "store.search.sqlite"]


def test_an_unwritable_place_is_a_store_error(sample_store, tmp_path):
    with pytest.raises(StoreError, match="cannot write the search index"):
        search_index.build_search_index(sample_store, path=tmp_path / "missing" / "index.sqlite")


def test_unknown_facet_or_sort_in_the_library_api_is_a_query_error():
    from atlas_ld.core.errors import QueryError

    with pytest.raises(QueryError, match="unknown facet"):
        SearchQuery(facets={"planet": ("Mars",)})
    with pytest.raises(QueryError, match="unknown sort"):
        SearchQuery(sort="random")


def test_index_search_by_library(sample_store):
    index = SearchIndex(search_index.index_path(Path(sample_store)))
    result = index.search(SearchQuery(text="Kaya"))
    assert result.total == len(result.hits) >= 1


def test_the_build_writes_the_index_next_to_the_store(built_sample):
    assert search_index.is_current(built_sample)
    result = SearchIndex(search_index.index_path(built_sample)).search(SearchQuery(text="Kaya"))
    assert result.total >= 1


def test_the_page_in_english(client, sample_store_rows):
    page = client.get("/search?lang=en&country=BFA", headers=HTML).text
    assert '<html lang="en">' in page
    assert "Search partnerships" in page and "Start year" in page
    english = sample_store_rows(
        "SELECT ?l WHERE { atlas:Completed <http://www.w3.org/2004/02/skos/core#prefLabel> ?l "
        'FILTER (LANG(?l) = "en") }'
    )[0]["l"].value
    assert f"{english} <span" in page  # the status facet's label in English


def test_a_server_that_cannot_write_next_to_the_store_keeps_its_index_elsewhere(
    sample_store, tmp_path
):
    store_dir = tmp_path / "store"
    shutil.copytree(sample_store, store_dir, ignore=shutil.ignore_patterns("LOCK"))
    public = Path(f"{sample_store}.public")
    if public.exists():  # the copy without personal data, as a build leaves it
        shutil.copytree(public, Path(f"{store_dir}.public"), ignore=shutil.ignore_patterns("LOCK"))
    blocker = search_index.index_path(store_dir)
    blocker.mkdir()  # something that is not an index is in the way (tests run as root)
    app = create_app(ServerConfig(store=store_dir, workers=1, timeout=5))
    with TestClient(app) as client:
        response = client.get("/search?q=Kaya&format=json")
        assert response.status_code == 200, response.text
        assert response.json()["total"] >= 1
    assert blocker.is_dir() and not any(blocker.iterdir())
