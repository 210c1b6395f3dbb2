"""The direct JSON-LD writer expands (with pyld) to exactly the triples it was given."""

from __future__ import annotations

import io
import json

import pyoxigraph as ox
import rdflib
from pyld import jsonld
from rdflib.compare import isomorphic

from atlas_ld.core.jsonld import write_jsonld
from atlas_ld.publish.release import project_context

TRICKY = """
@prefix atlas: <https://atlas-ld.example/def/atlas#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://atlas-ld.example/id/partnership/1> a atlas:Partnership, <http://example.org/Other> ;
    atlas:startYear "2011"^^xsd:gYear, "2011-05-01"^^xsd:date ;
    atlas:evaluation true, "peut-être" ;
    atlas:country <https://atlas-ld.example/id/country/CAN>, "Canada" ;
    skos:prefLabel "Partenariat"@fr, "Partnership"@en, "Zusammenarbeit"@de, "sans langue" ;
    <http://example.org/unprefixed> [ <http://example.org/p> "dans un nœud anonyme" ] ;
    atlas:form "ligne 1\\nligne 2 « guillemets » \\"échappés\\"" .
"""


def test_tricky_values_round_trip():
    triples = sorted(ox.parse(TRICKY, ox.RdfFormat.TURTLE), key=str)
    out = io.StringIO()
    write_jsonld(triples, project_context()["@context"], out)
    document = json.loads(out.getvalue())
    node = next(n for n in document["@graph"] if n["@id"].endswith("partnership/1"))
    assert "Partnership" in node["@type"]  # a project term, not a full IRI
    expanded = jsonld.to_rdf(document, {"format": "application/n-quads"})
    written = rdflib.Graph().parse(data=expanded, format="nt")
    expected = rdflib.Graph().parse(data=TRICKY, format="turtle")
    assert isomorphic(written, expected)
