"""Every shipped query runs on the sample store and gives the columns researchers rely on."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from atlas_ld import api
from atlas_ld.cli import main
from atlas_ld.core.errors import QueryError
from atlas_ld.core.iris import is_personal_graph, reference_graph
from atlas_ld.core.namespaces import DEFAULT_BASE
from atlas_ld.store.canned import get_query, list_queries, run_query

COLUMNS = {
    "partnerships": ["partnership", "title", "start_year", "status", "countries", "total_eur"],
    "partnerships-by-country": ["country", "partnerships"],
    "financing-by-funder": ["funder", "year", "total_eur"],
    "actors": ["actor", "name", "kind", "partnerships"],
    "roles": ["title", "actor_name", "role"],
    "themes": ["theme", "sub_theme", "sub_sub_theme", "partnerships"],
    "regions-before-after-reform": ["region", "pre_reform_region", "partnerships"],
    "water-oudin": ["funder", "total_water_eur"],
}


def test_the_required_queries_ship_with_a_title_and_description():
    queries = {q.name: q for q in list_queries()}
    assert set(COLUMNS) <= set(queries)
    for query in queries.values():
        assert query.title and query.title != query.name
        assert len(query.description) > 20


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_each_query_gives_its_columns_and_rows(sample_store, name):
    result = run_query(sample_store, get_query(name))
    assert result.columns[: len(COLUMNS[name])] == COLUMNS[name]
    assert result.rows, name
    assert len(set(result.rows)) == len(result.rows), f"{name} repeats rows"


def test_partnerships_lists_every_partnership_once(sample_store):
    rows = run_query(sample_store, get_query("partnerships")).records()
    assert len(rows) == 31 == len({r["partnership"] for r in rows})
    assert all(r["total_eur"] >= 0 for r in rows)


def test_water_totals_match_the_financing_rows(sample_store):
    water = run_query(sample_store, get_query("water-oudin")).records()
    check = run_query(
        sample_store,
        "PREFIX atlas: <https://atlas-ld.example/def/atlas#> "
        "SELECT (SUM(?w) AS ?total) WHERE { ?a atlas:waterOudinPart ?w }",
    )
    assert sum(r["total_water_eur"] for r in water) == check.rows[0][0] > 0


def test_a_query_file_by_path(tmp_path, sample_store):
    path = tmp_path / "count.rq"
    path.write_text("# title: Count\nSELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }\n")
    query = get_query(str(path))
    assert (query.name, query.title) == ("count", "Count")
    assert run_query(sample_store, query).rows[0][0] > 1000


def test_bad_queries_get_one_line_errors(sample_store):
    with pytest.raises(QueryError, match="no query named 'nope'"):
        get_query("nope")
    with pytest.raises(QueryError, match="cannot read"):
        get_query("missing/file.rq")
    with pytest.raises(QueryError, match="SPARQL syntax error"):
        run_query(sample_store, "SELECT WHERE {")
    with pytest.raises(QueryError, match="SERVICE is not allowed"):
        run_query(sample_store, "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }")


def test_personal_graphs_are_left_out_unless_asked(sample_store):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://xmlns.com/foaf/0.1/Person> }"
    assert run_query(sample_store, query).rows == [(0,)]
    assert run_query(sample_store, query, include_personal=True).rows[0][0] > 0


def test_the_server_guard_refuses_network_access_and_updates(sample_store):
    for query, word in [
        ("SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:1/> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * WHERE {\n  service ?endpoint { ?s ?p ?o } }", "SERVICE"),
        ("LOAD <http://127.0.0.1:1/data.ttl>", "LOAD"),
    ]:
        with pytest.raises(QueryError, match=f"{word} is not allowed") as caught:
            run_query(sample_store, query)
        assert caught.value.where.startswith("line ")
    with pytest.raises(QueryError, match="updates are not accepted"):
        run_query(sample_store, "DELETE WHERE { ?s ?p ?o }")
    # the word in a string or a variable name is not the keyword
    query = 'SELECT ?service WHERE { BIND("SERVICE <http://x/>" AS ?service) }'
    assert run_query(sample_store, query).rows == [("SERVICE <http://x/>",)]


def _count(store, query: str, **options) -> int:
    return run_query(store, query, **options).rows[0][0]


def test_a_query_with_from_runs_on_the_graphs_it_names(sample_store):
    reference = reference_graph(DEFAULT_BASE).value
    in_reference = sum(
        1 for _ in sample_store.quads_for_pattern(None, None, None, reference_graph(DEFAULT_BASE))
    )
    everything = _count(sample_store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    from_reference = _count(
        sample_store, f"SELECT (COUNT(*) AS ?n) FROM <{reference}> WHERE {{ ?s ?p ?o }}"
    )
    assert from_reference == in_reference < everything
    named = run_query(
        sample_store,
        f"SELECT DISTINCT ?g FROM NAMED <{reference}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    )
    assert named.rows == [(reference,)]


def test_from_a_personal_graph_finds_nothing_without_the_personal_data_option(sample_store):
    """The rule is applied to the dataset evaluated: a personal graph is not in it, whatever a
    FROM clause names."""
    graph = next(g.value for g in sample_store.named_graphs() if is_personal_graph(g.value))
    prefix, key = graph.rsplit("/", 1)
    query = f"PREFIX p: <{prefix}/> SELECT (COUNT(*) AS ?n) FROM p:{key} WHERE {{ ?s ?p ?o }}"
    assert _count(sample_store, query) == 0
    assert (
        run_query(sample_store, f"ASK FROM NAMED <{graph}> {{ GRAPH ?g {{ ?s ?p ?o }} }}") is False
    )
    assert _count(sample_store, query, include_personal=True) > 0


def _escaped_slash_query(store_dir) -> tuple[str, str]:
    """Issue 10, finding 7: `FROM p:personal\\/101`, whose escaped `/` a text check misread."""
    store = ox.Store.read_only(str(store_dir))
    graph = next(g.value for g in store.named_graphs() if is_personal_graph(g.value))
    base, key = graph.split("/graph/personal/")
    query = (
        f"PREFIX p: <{base}/graph/> SELECT ?s ?p ?o FROM p:personal\\/{key} WHERE {{ ?s ?p ?o }}"
    )
    return query, graph


def test_personal_graph_named_with_an_escaped_slash_stays_hidden_in_api_query(built_sample):
    query, graph = _escaped_slash_query(built_sample)
    assert api.query(query, built_sample, rows=True) == []
    leaked = api.query(query, built_sample, rows=True, include_personal=True)
    assert leaked, f"the query should reach {graph} when personal data is asked for"


def test_personal_graph_named_with_an_escaped_slash_stays_hidden_in_the_query_command(
    built_sample, tmp_path
):
    query, _ = _escaped_slash_query(built_sample)
    path = tmp_path / "leak.rq"
    path.write_text(query, encoding="utf-8")
    runner = CliRunner()
    hidden = runner.invoke(main, ["query", str(path), "--store", str(built_sample)])
    assert hidden.exit_code == 0, hidden.output
    assert hidden.stdout.splitlines() == ["s,p,o"]
    shown = runner.invoke(
        main, ["query", str(path), "--store", str(built_sample), "--include-personal-data"]
    )
    assert "mailto:" in shown.stdout or len(shown.stdout.splitlines()) > 1
