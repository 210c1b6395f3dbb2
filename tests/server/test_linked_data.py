"""Dereferencing IRIs: content negotiation, suffixes, 404s, and rdflib as a linked-data client."""

from __future__ import annotations

import pytest
import rdflib
import requests

from .conftest import BASE


def test_rdflib_dereferences_a_partnership_by_conneg(server, known):
    graph = rdflib.Graph().parse(f"{server.url}/{known.path}")
    subject = rdflib.URIRef(BASE + known.path)
    assert str(graph.value(subject, rdflib.DCTERMS.title)) == known.title
    atlas = rdflib.Namespace("https://atlas-ld.example/def/atlas#")
    country = graph.value(subject, atlas.country)
    # Labels of what it links to come along, so a client can show them without more requests.
    assert graph.value(country, rdflib.SKOS.prefLabel) is not None
    # So do links pointing to it.
    assert any(graph.subjects(atlas.inPartnership, subject))


@pytest.mark.parametrize(
    ("accept", "media", "rdflib_format"),
    [
        ("text/turtle", "text/turtle", "turtle"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
    ],
)
def test_conneg_and_suffixes_agree(server, known, accept, media, rdflib_format):
    by_accept = requests.get(
        f"{server.url}/{known.actor_path}", headers={"Accept": accept}, timeout=30
    )
    assert by_accept.status_code == 200
    assert by_accept.headers["content-type"].startswith(media)
    assert "Accept" in by_accept.headers["Vary"]
    location = by_accept.headers["Content-Location"]
    by_suffix = requests.get(f"{server.url}{location}", timeout=30)
    assert by_suffix.headers["content-type"].startswith(media)
    one = rdflib.Graph().parse(data=by_accept.content, format=rdflib_format)
    two = rdflib.Graph().parse(data=by_suffix.content, format=rdflib_format)
    assert len(one) == len(two) > 3
    assert (rdflib.URIRef(BASE + known.actor_path), None, None) in one


def test_browsers_get_html_with_links_to_every_format(server, known):
    response = requests.get(
        f"{server.url}/{known.path}",
        headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
        timeout=30,
    )
    assert response.headers["content-type"].startswith("text/html")
    for suffix in (".ttl", ".jsonld", ".nt", ".rdf"):
        assert f'href="/{known.path}{suffix}"' in response.text
    assert "/query?query=" in response.text


@pytest.mark.parametrize("path", ["id/partnership/999999", "id/actor/nobody.ttl", "nothing"])
def test_unknown_iris_are_404(server, path):
    for accept in ("text/turtle", "text/html"):
        response = requests.get(f"{server.url}/{path}", headers={"Accept": accept}, timeout=30)
        assert response.status_code == 404


def test_ontology_is_served_at_its_namespace(server):
    turtle = requests.get(f"{server.url}/def/atlas", headers={"Accept": "text/turtle"}, timeout=30)
    graph = rdflib.Graph().parse(data=turtle.content, format="turtle")
    assert (rdflib.URIRef("https://atlas-ld.example/def/atlas#Partnership"), None, None) in graph
    html = requests.get(f"{server.url}/def/atlas", headers={"Accept": "text/html"}, timeout=30)
    assert html.headers["content-type"].startswith("text/html")


def test_catalogue_and_void(server):
    catalog = rdflib.Graph().parse(f"{server.url}/catalog.ttl", format="turtle")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    assert any(catalog.subjects(rdflib.RDF.type, dcat.Catalog))
    services = list(catalog.objects(None, dcat.endpointURL))
    assert rdflib.URIRef(f"{BASE}sparql") in services  # --public-url defaults to the base
    jsonld = requests.get(f"{server.url}/catalog.jsonld", timeout=30)
    assert jsonld.headers["content-type"].startswith("application/ld+json")
    void = rdflib.Graph().parse(f"{server.url}/.well-known/void")
    void_ns = rdflib.Namespace("http://rdfs.org/ns/void#")
    assert int(next(void.objects(None, void_ns.triples))) > 1000


def test_personal_graph_iris_are_404(server, personal_graph):
    path = personal_graph.removeprefix(BASE)
    response = requests.get(f"{server.url}/{path}", headers={"Accept": "text/turtle"}, timeout=30)
    assert response.status_code == 404


def test_dataset_iris_lead_to_the_documents_describing_them(server):
    catalog = rdflib.Graph().parse(f"{server.url}/dataset/atlas")
    dataset = rdflib.URIRef(f"{BASE}dataset/atlas")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    assert (dataset, rdflib.RDF.type, dcat.Dataset) in catalog
    void_ns = rdflib.Namespace("http://rdfs.org/ns/void#")
    void = rdflib.Graph().parse(f"{server.url}/.well-known/void")
    partition = next(void.objects(dataset, void_ns.classPartition))
    response = requests.get(
        f"{server.url}/{partition.removeprefix(BASE)}", allow_redirects=False, timeout=30
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/.well-known/void"


def test_jsonld_uses_the_project_context_and_says_the_same_as_turtle(server, known):
    from rdflib.compare import isomorphic

    url = f"{server.url}/{known.path}"
    jsonld = requests.get(url, headers={"Accept": "application/ld+json"}, timeout=30)
    data = jsonld.json()
    assert "@context" in data and any("title" in node for node in data["@graph"])
    turtle = requests.get(url, headers={"Accept": "text/turtle"}, timeout=30)
    as_jsonld = rdflib.Graph().parse(data=jsonld.content, format="json-ld")
    as_turtle = rdflib.Graph().parse(data=turtle.content, format="turtle")
    assert len(as_turtle) > 10 and isomorphic(as_jsonld, as_turtle)


def test_finding_11_iris_reach_sparql_only_through_the_iri_parser():
    """A request path that would close `<...>` and add SPARQL never becomes query text."""
    from atlas_ld.serve.linked_data import describe_query, safe_iri

    hostile = BASE + "id/x> ?p ?o } UNION { ?s ?p ?o"
    assert not safe_iri(hostile)
    with pytest.raises(ValueError):
        describe_query(hostile)
    assert safe_iri(f"{BASE}id/actor/région-île-de-france")
