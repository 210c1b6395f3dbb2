"""The ontology parses, documents every term in French and English, and its @context matches it."""

from __future__ import annotations

import json

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from atlas_ld.core.namespaces import ATLAS
from atlas_ld.core.resources import ontology_dir


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(data=(ontology_dir() / "atlas.ttl").read_text(), format="turtle")


def _atlas_terms(graph: rdflib.Graph) -> list[rdflib.URIRef]:
    return sorted({s for s in graph.subjects() if str(s).startswith(ATLAS)})


def test_every_term_has_french_and_english_label_and_definition(ontology):
    terms = _atlas_terms(ontology)
    assert len(terms) > 40
    missing = []
    for term in terms:
        for prop in (RDFS.label, SKOS.definition):
            langs = {o.language for o in ontology.objects(term, prop)}
            missing += [f"{term} {prop} @{lang}" for lang in ("fr", "en") if lang not in langs]
    assert missing == []


def test_classes_reuse_standard_vocabularies(ontology):
    classes = [t for t in _atlas_terms(ontology) if (t, RDF.type, OWL.Class) in ontology]
    assert 10 <= len(classes) <= 20
    for cls in classes:
        assert list(ontology.objects(cls, RDFS.subClassOf)), f"{cls} extends nothing"


def test_context_covers_every_property_with_its_type(ontology):
    context = json.loads((ontology_dir() / "atlas.context.jsonld").read_text())["@context"]
    for term in _atlas_terms(ontology):
        name = str(term)[len(ATLAS) :]
        assert name in context, name
        entry = context[name]
        iri = entry["@id"] if isinstance(entry, dict) else entry
        assert iri == f"atlas:{name}"
        if (term, RDF.type, OWL.ObjectProperty) in ontology:
            assert entry["@type"] == "@id", name


def test_context_expands_a_partnership_to_ontology_iris(ontology):
    pyld = pytest.importorskip("pyld")
    context = json.loads((ontology_dir() / "atlas.context.jsonld").read_text())["@context"]
    doc = {
        "@context": context,
        "@id": "https://atlas-ld.example/id/partnership/1",
        "@type": "Partnership",
        "startYear": "2011",
        "status": "atlas:Ongoing",
    }
    expanded = pyld.jsonld.expand(doc)[0]
    assert expanded["@type"] == [ATLAS + "Partnership"]
    assert expanded[ATLAS + "startYear"][0]["@type"] == "http://www.w3.org/2001/XMLSchema#gYear"
    assert expanded[ATLAS + "status"][0]["@id"] == ATLAS + "Ongoing"
