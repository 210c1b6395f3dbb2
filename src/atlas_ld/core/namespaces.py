"""Namespaces and the base IRI, shared by every stage that reads or writes the graph.

`schema:` is `https://schema.org/` everywhere, as rdflib binds it, so graphs made by rdflib and by
pyoxigraph agree. The ontology namespace is fixed; only data IRIs follow the configurable base.
"""

from __future__ import annotations

import os

from pyoxigraph import NamedNode

from atlas_ld.core.errors import AtlasError

DEFAULT_BASE = "https://atlas-ld.example/"
BASE_ENV = "ATLAS_LD_BASE"

ATLAS = "https://atlas-ld.example/def/atlas#"
SCHEMA = "https://schema.org/"
CV = "http://data.europa.eu/m8g/"
ORG = "http://www.w3.org/ns/org#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
VCARD = "http://www.w3.org/2006/vcard/ns#"
FOAF = "http://xmlns.com/foaf/0.1/"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SH = "http://www.w3.org/ns/shacl#"

INSEE_REGION = "http://id.insee.fr/geo/region/"
EU_COUNTRY = "http://publications.europa.eu/resource/authority/country/"
WIKIDATA = "http://www.wikidata.org/entity/"

PREFIXES: dict[str, str] = {
    "atlas": ATLAS,
    "schema": SCHEMA,
    "cv": CV,
    "org": ORG,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "vcard": VCARD,
    "foaf": FOAF,
    "dcat": DCAT,
    "void": VOID,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
}


def sparql_prefixes() -> str:
    """The PREFIX lines every canned query may rely on."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


class _Namespace:
    """Attribute access to terms as pyoxigraph `NamedNode`s, cached (the mapping makes millions)."""

    def __init__(self, iri: str):
        self._iri = iri
        self._cache: dict[str, NamedNode] = {}

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def __getitem__(self, name: str) -> NamedNode:
        node = self._cache.get(name)
        if node is None:
            node = self._cache[name] = NamedNode(self._iri + name)
        return node

    def __str__(self) -> str:
        return self._iri


atlas = _Namespace(ATLAS)
schema = _Namespace(SCHEMA)
cv = _Namespace(CV)
org = _Namespace(ORG)
skos = _Namespace(SKOS)
dcterms = _Namespace(DCTERMS)
prov = _Namespace(PROV)
vcard = _Namespace(VCARD)
foaf = _Namespace(FOAF)
rdf = _Namespace(RDF)
rdfs = _Namespace(RDFS)
xsd = _Namespace(XSD)


def check_base(base: str) -> str:
    """A base must be an absolute http(s) IRI ending with '/' so relative paths append cleanly."""
    if not base.startswith(("http://", "https://")) or not base.endswith("/") or " " in base:
        raise AtlasError(
            f"base IRI {base!r} must start with http:// or https:// and end with '/'",
            where="--base",
        )
    return base


def base_from_env() -> str:
    """The base IRI from `ATLAS_LD_BASE`, else `DEFAULT_BASE`."""
    return check_base(os.environ.get(BASE_ENV) or DEFAULT_BASE)
