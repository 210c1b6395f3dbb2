"""The done-when checks on the seed page: funders, actors, regions across the reform, privacy."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from atlas_ld.core.namespaces import sparql_prefixes
from atlas_ld.store.canned import get_query, run_query


def test_financing_by_funder_sums_to_100000_over_four_funders(seed_store):
    rows = run_query(seed_store, get_query("financing-by-funder")).records()
    assert len({row["funder"] for row in rows}) == 4
    assert sum(row["total_eur"] for row in rows) == Decimal(100000)
    by_funder = {row["funder"]: row["total_eur"] for row in rows}
    assert by_funder["Ministère de l'Europe et des Affaires étrangères"] == 50000
    assert {row["year"] for row in rows} == {2011}


def test_the_twelve_implementers_with_their_kinds(seed_store):
    roles = run_query(seed_store, get_query("roles")).records()
    implementers = {row["actor"] for row in roles if row["role"] == "maître d'œuvre"}
    assert len(implementers) == 12
    actors = {row["actor"]: row for row in run_query(seed_store, get_query("actors")).records()}
    kinds = Counter(actors[actor]["kind"] for actor in implementers)
    assert kinds == {"TrainingInstitute": 5, "YouthCentre": 5, "Association": 2}
    assert actors[next(iter(implementers))]["partnerships"] == 1


def test_nouvelle_aquitaine_is_reached_from_poitou_charentes(seed_store):
    rows = run_query(seed_store, get_query("regions-before-after-reform")).records()
    assert rows == [
        {"region": "Nouvelle-Aquitaine", "pre_reform_region": "Poitou-Charentes", "partnerships": 1}
    ]
    linked = run_query(
        seed_store,
        sparql_prefixes()
        + """SELECT ?wd WHERE { ?old skos:prefLabel "Poitou-Charentes"@fr ;
                atlas:successor ?new . ?new skos:exactMatch ?wd .
                FILTER STRSTARTS(STR(?wd), "http://www.wikidata.org/") }""",
    )
    assert linked.rows == [("http://www.wikidata.org/entity/Q18678082",)]


def test_split_actors_keep_the_text_as_written(seed_store):
    rows = run_query(
        seed_store,
        sparql_prefixes() + "SELECT ?text WHERE { ?p atlas:implementersText ?text }",
    )
    assert rows.rows[0][0].startswith("IRTS Poitou-Charentes, IRTS Bretagne")
    as_written = {row["as_written"] for row in run_query(seed_store, get_query("roles")).records()}
    assert "Montérégie" in as_written


def test_contacts_stay_in_the_personal_graph(seed_store):
    people = sparql_prefixes() + "SELECT ?email WHERE { ?person vcard:hasEmail ?email }"
    assert run_query(seed_store, people).rows == []
    private = run_query(seed_store, people, include_personal=True)
    assert sorted(r[0] for r in private.rows) == [
        "mailto:sarah.vaillant@diplomatie.gouv.fr",
        "mailto:stephane.catta@diplomatie.gouv.fr",
    ]
    for quad in seed_store.quads_for_pattern(None, None, None, None):
        if "vaillant" in str(quad.object).lower() or "catta" in str(quad.object).lower():
            assert "/graph/personal/" in quad.graph_name.value


def test_provenance_names_the_page_and_its_digest(seed_store, seed_page):
    rows = run_query(
        seed_store,
        sparql_prefixes()
        + """SELECT ?g ?sha ?version WHERE { GRAPH ?g { ?g prov:wasDerivedFrom ?page ;
               atlas:parserVersion ?version . ?page atlas:sha256 ?sha } }""",
    )
    assert len(rows.rows) == 1
    graph, sha, _version = rows.rows[0]
    assert sha == seed_page.sha256
    assert "/graph/partnership/h" in graph  # the seed text has no prjId: a content hash


def test_reference_data_is_stored_once(seed_store):
    """Shared nodes live in the reference graph only, so the union never repeats them."""
    rows = run_query(
        seed_store,
        sparql_prefixes()
        + 'SELECT ?name WHERE { ?a schema:name ?name FILTER(?name = "IRTS Bretagne") }',
    )
    assert rows.rows == [("IRTS Bretagne",)]


def test_the_province_du_quebec_is_a_territory_of_canada(seed_store):
    rows = run_query(
        seed_store,
        sparql_prefixes()
        + """SELECT ?name ?territory ?label ?kind ?country WHERE {
            ?p atlas:participation [ atlas:role atlas:ForeignPartner ; atlas:agent ?a ] .
            ?a schema:name ?name ; atlas:territory ?t .
            ?t a atlas:ForeignTerritory ; skos:prefLabel ?label ; skos:altLabel ?territory ;
               atlas:territoryKind ?kind ; dcterms:isPartOf ?c .
            ?c skos:notation ?country }""",
    ).records()
    assert rows == [
        {
            "name": "Province du Québec",
            "territory": "Québec",
            "label": "Province du Québec",
            "kind": "Province",
            "country": "CAN",
        }
    ]
