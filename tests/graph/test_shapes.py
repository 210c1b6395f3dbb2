"""Each shape catches the graph it is meant to catch, and the intact seed graph passes."""

from __future__ import annotations

import pyoxigraph
import pytest
import rdflib

from atlas_ld.core.iris import Ids
from atlas_ld.core.namespaces import ATLAS, DCTERMS, DEFAULT_BASE, sparql_prefixes
from atlas_ld.graph.mapping import map_record, scheme_triples
from atlas_ld.graph.pipeline import process_pages
from atlas_ld.graph.validate import shape_predicates, validate_graph
from atlas_ld.parse.parser import parse_page
from atlas_ld.parse.source import read_page
from atlas_ld.sample.corpus import sample_pages

from .conftest import seed_variant


@pytest.fixture()
def graph(seed_page) -> rdflib.Graph:
    ids = Ids(DEFAULT_BASE)
    return _whole_graph(map_record(parse_page(seed_page), ids, seed_page), ids)


def _violations(graph: rdflib.Graph) -> set[tuple[str, str]]:
    issues = validate_graph(graph, partnership="p", source="seed")
    return {(i.severity, i.path) for i in issues if i.severity != "Info"}


def test_the_seed_graph_conforms(graph):
    assert _violations(graph) == set()


P = "?p a atlas:Partnership ."
FIN = "?f a atlas:Financing ."
PART = "?x a atlas:Participation ."

BROKEN = {
    "no title": (f"DELETE {{ ?p dcterms:title ?t }} WHERE {{ {P} ?p dcterms:title ?t }}", "title"),
    "two titles": (f'INSERT {{ ?p dcterms:title "Autre titre"@fr }} WHERE {{ {P} }}', "title"),
    "year out of range": (
        f"DELETE {{ ?p atlas:startYear ?y }} INSERT {{ ?p atlas:startYear "
        f'"1850"^^xsd:gYear }} WHERE {{ {P} ?p atlas:startYear ?y }}',
        "startYear",
    ),
    "year not a gYear": (
        f'INSERT {{ ?p atlas:firstAgreementYear "deux mille" }} WHERE {{ {P} }}',
        "firstAgreementYear",
    ),
    "start after end": (
        f'INSERT {{ ?p atlas:endDate "2005-06-30"^^xsd:date ; atlas:endYear "2005"^^xsd:gYear }}'
        f" WHERE {{ {P} }}",
        "startYear",
    ),
    "unknown status": (
        f"DELETE {{ ?p atlas:status ?s }} INSERT {{ ?p atlas:status "
        f"<https://atlas-ld.example/id/status/suspendu> }} WHERE {{ {P} ?p atlas:status ?s }}",
        "status",
    ),
    "negative amount": (
        'DELETE { ?a schema:value ?v } INSERT { ?a schema:value "-5.0"^^xsd:decimal } '
        "WHERE { ?a a schema:MonetaryAmount ; schema:value ?v }",
        "value",
    ),
    "amount not decimal": (
        'DELETE { ?a schema:value ?v } INSERT { ?a schema:value "15 000 €" } '
        "WHERE { ?a a schema:MonetaryAmount ; schema:value ?v }",
        "value",
    ),
    "not in euros": (
        'DELETE { ?a schema:currency ?c } INSERT { ?a schema:currency "USD" } '
        "WHERE { ?a a schema:MonetaryAmount ; schema:currency ?c }",
        "currency",
    ),
    "financing without funder": (
        f"DELETE {{ ?f schema:funder ?x }} WHERE {{ {FIN} ?f schema:funder ?x }}",
        "funder",
    ),
    "financing without year": (
        f"DELETE {{ ?f atlas:year ?y }} WHERE {{ {FIN} ?f atlas:year ?y }}",
        "year",
    ),
    "participation without agent": (
        f"DELETE {{ ?x atlas:agent ?a }} WHERE {{ {PART} ?x atlas:agent ?a }}",
        "agent",
    ),
    "participation without role": (
        f"DELETE {{ ?x atlas:role ?r }} WHERE {{ {PART} ?x atlas:role ?r }}",
        "role",
    ),
    "role outside the scheme": (
        f"DELETE {{ ?x atlas:role ?r }} INSERT {{ ?x atlas:role atlas:Partnership }} "
        f"WHERE {{ {PART} ?x atlas:role ?r }}",
        "role",
    ),
    "foreign partner without country": (
        "DELETE { ?a atlas:country ?c } WHERE { ?a a atlas:ForeignAuthority ; atlas:country ?c }",
        "country",
    ),
    "theme outside the scheme": (
        f"DELETE {{ ?t skos:inScheme ?s }} WHERE {{ {P} ?p atlas:mainTheme ?t . "
        "?t skos:inScheme ?s }",
        "inScheme",
    ),
    "foreign territory outside any country": (
        "DELETE { ?t dcterms:isPartOf ?c } WHERE { ?t a atlas:ForeignTerritory ; "
        "dcterms:isPartOf ?c }",
        "isPartOf",
    ),
    "foreign territory without a name": (
        "DELETE { ?t skos:prefLabel ?l } WHERE { ?t a atlas:ForeignTerritory ; skos:prefLabel ?l }",
        "prefLabel",
    ),
    "actor without name": (
        "DELETE { ?a schema:name ?n } WHERE { ?x atlas:agent ?a . ?a schema:name ?n }",
        "name",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_each_shape_catches_its_broken_graph(graph, case):
    update, path = BROKEN[case]
    graph.update(sparql_prefixes() + update)
    assert ("Violation", path) in _violations(graph)


def test_water_part_above_the_amount_is_a_warning(graph):
    graph.update(
        sparql_prefixes()
        + "DELETE { ?a atlas:waterOudinPart ?w } INSERT { ?a atlas:waterOudinPart 999999.0 } "
        "WHERE { ?a a schema:MonetaryAmount ; schema:value ?v . "
        "OPTIONAL { ?a atlas:waterOudinPart ?w } FILTER (?v = 15000) }"
    )
    assert _violations(graph) == {("Warning", "waterOudinPart")}


def test_untyped_actors_are_reported_as_notes(graph):
    issues = validate_graph(graph, partnership="p", source="seed")
    notes = {i.focus.rsplit("/", 1)[1] for i in issues if i.severity == "Info"}
    assert notes == {"autre", "regions-et-irts-bretagne-basse-normandie-lorrain"}
    assert all(i.message_fr and i.message_en for i in issues)


def test_the_build_validates_cut_down_graphs_with_the_same_results(tmp_path, seed_page):
    """The build gives pySHACL only the triples the shapes read (`shape_predicates`); on pages
    with violations, warnings and notes, it must find exactly what the whole graph gives."""
    label = "Date de fin du partenariat\n"
    pages = [
        seed_page,
        read_page(str(seed_variant(tmp_path, label, label + "2005\n"))),
        read_page(str(seed_variant(tmp_path, "En cours", "Suspendu", "status.txt"))),
        read_page(str(seed_variant(tmp_path, "Canada", "Atlantide", "country.txt"))),
        *sample_pages()[:6],
    ]
    results, _ = process_pages(pages, processes=1)
    ids = Ids(DEFAULT_BASE)
    found = 0
    for page, result in zip(pages, results, strict=True):
        mapped = map_record(parse_page(page), ids, page)
        whole = _whole_graph(mapped, ids)
        expected = {(i.severity, i.focus, i.path, i.value) for i in validate_graph(whole, **NO_SRC)}
        assert {(i.severity, i.focus, i.path, i.value) for i in result.issues} == expected
        found += len(expected)
    assert found > len(pages)
    assert shape_predicates() >= {f"{DCTERMS}isPartOf", f"{ATLAS}startYear", f"{ATLAS}endYear"}


NO_SRC = {"partnership": "", "source": ""}


def _whole_graph(mapped, ids) -> rdflib.Graph:
    triples = [
        pyoxigraph.Triple(q.subject, q.predicate, q.object)
        for q in mapped.quads
        if "/graph/personal/" not in q.graph_name.value
    ]
    triples += [*mapped.reference, *scheme_triples(ids)]
    data = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=data, format="nt")
