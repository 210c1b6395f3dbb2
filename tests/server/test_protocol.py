"""SPARQL 1.1 Protocol behaviour with real clients: requests and SPARQLWrapper."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest
import rdflib
import requests
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

from .conftest import BASE

COUNTRIES = """PREFIX atlas: <https://atlas-ld.example/def/atlas#>
SELECT ?c WHERE { ?p a atlas:Partnership ; atlas:country ?c } ORDER BY ?c"""


def _get(server, query, **kwargs):
    return requests.get(f"{server.url}/sparql", params={"query": query}, timeout=30, **kwargs)


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("*/*", "application/sparql-results+json"),
        ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
    ],
)
def test_select_formats_by_accept(server, accept, media):
    response = _get(server, COUNTRIES, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    assert "Accept" in response.headers["Vary"]


def test_select_formats_agree(server):
    as_json = _get(server, COUNTRIES, headers={"Accept": "application/sparql-results+json"})
    countries = [b["c"]["value"] for b in as_json.json()["results"]["bindings"]]
    assert countries and all(c.startswith(f"{BASE}id/country/") for c in countries)
    as_csv = _get(server, COUNTRIES, headers={"Accept": "text/csv"}).text
    assert [row[0] for row in csv.reader(io.StringIO(as_csv))] == ["c", *countries]
    as_tsv = _get(server, COUNTRIES, headers={"Accept": "text/tab-separated-values"}).text
    assert as_tsv.splitlines() == ["?c", *[f"<{c}>" for c in countries]]
    as_xml = _get(server, COUNTRIES, headers={"Accept": "application/sparql-results+xml"})
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    uris = [e.text for e in ET.fromstring(as_xml.content).findall(".//r:uri", ns)]
    assert uris == countries


@pytest.mark.parametrize(
    ("fmt", "media"),
    [
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
        ("xml", "application/sparql-results+xml"),
    ],
)
def test_format_parameter_wins_over_accept(server, fmt, media):
    response = requests.get(
        f"{server.url}/sparql",
        params={"query": COUNTRIES, "format": fmt},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert response.headers["content-type"].split(";")[0] == media


def test_format_that_does_not_fit_the_query_is_a_400(server):
    response = requests.get(
        f"{server.url}/sparql", params={"query": "ASK {}", "format": "csv"}, timeout=30
    )
    assert response.status_code == 400
    assert "format 'csv' does not apply to ASK queries (use json, xml)" in response.text


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_construct_in_every_rdf_format(server, known, accept, rdflib_format):
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{known.graph}> {{ ?s ?p ?o }} }}"
    response = _get(server, query, headers={"Accept": accept})
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.content, format=rdflib_format)
    title = graph.value(rdflib.URIRef(BASE + known.path), rdflib.DCTERMS.title)
    assert str(title) == known.title


def test_post_form_and_direct_give_the_same_answer(server):
    get = _get(server, COUNTRIES).json()
    form = requests.post(f"{server.url}/sparql", data={"query": COUNTRIES}, timeout=30).json()
    direct = requests.post(
        f"{server.url}/sparql",
        data=COUNTRIES.encode(),
        headers={"Content-Type": "application/sparql-query; charset=utf-8"},
        timeout=30,
    ).json()
    assert get == form == direct


def test_named_graph_uri_restricts_graph_patterns(server, known):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = requests.get(
        f"{server.url}/sparql",
        params={"query": query, "named-graph-uri": known.graph},
        timeout=30,
    )
    assert [b["g"]["value"] for b in response.json()["results"]["bindings"]] == [known.graph]


def test_service_description(server):
    response = requests.get(f"{server.url}/sparql", headers={"Accept": "text/turtle"}, timeout=30)
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.content, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    # The server's public URL defaults to the base IRI (--public-url), not to where it was asked.
    service = rdflib.URIRef(f"{BASE}sparql")
    assert (service, rdflib.RDF.type, sd.Service) in graph
    assert (service, sd.supportedLanguage, sd.SPARQL11Query) in graph
    triples = graph.value(
        graph.value(graph.value(service, sd.defaultDataset), sd.defaultGraph),
        rdflib.URIRef("http://rdfs.org/ns/void#triples"),
    )
    assert int(triples) > 1000


def test_sparqlwrapper_select_ask_construct(server, known):
    client = SPARQLWrapper(f"{server.url}/sparql")
    client.setQuery(COUNTRIES)
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]
    assert rows and rows[0]["c"]["type"] == "uri"
    client.setReturnFormat(XML)
    assert client.query().convert().getElementsByTagName("uri")
    client.setReturnFormat(CSV)
    assert client.query().convert().decode().startswith("c\r\n")
    client.setQuery("ASK { ?s a <https://atlas-ld.example/def/atlas#Partnership> }")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True
    client.setQuery(f"DESCRIBE <{BASE}{known.path}>")
    client.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    assert len(graph) > 5
    client.setMethod("POST")
    client.setQuery(COUNTRIES)
    client.setReturnFormat(JSON)
    assert client.query().convert()["results"]["bindings"] == rows


def test_select_star_columns_in_the_order_written(server):
    query = "SELECT * WHERE { ?subject ?predicate ?object } LIMIT 1"
    as_csv = _get(server, query, headers={"Accept": "text/csv"}).text
    assert as_csv.splitlines()[0] == "subject,predicate,object"
    as_json = _get(server, query, headers={"Accept": "application/sparql-results+json"}).json()
    assert as_json["head"]["vars"] == ["subject", "predicate", "object"]
