"""Names of properties and classes in the page's language, read from the ontology in the store.

The ontology (graph/reference) labels its own terms in French and English; the few terms of other
vocabularies a page shows get a message here, translated in the `.po` catalogue.
"""

from __future__ import annotations

from atlas_ld.core.namespaces import DCTERMS, FOAF, PROV, RDF, RDFS, SCHEMA, SKOS
from atlas_ld.serve.i18n import Translator
from atlas_ld.serve.views.base import compact

# msgids (French) of terms from other vocabularies
OTHER_TERMS = {
    RDF + "type": "type",
    RDFS + "label": "libellé",
    RDFS + "seeAlso": "voir aussi",
    DCTERMS + "title": "titre",
    DCTERMS + "description": "description",
    DCTERMS + "source": "source",
    SCHEMA + "name": "nom",
    SCHEMA + "funder": "financeur",
    SCHEMA + "amount": "montant",
    SCHEMA + "value": "valeur",
    SKOS + "prefLabel": "libellé",
    SKOS + "altLabel": "autre libellé",
    SKOS + "notation": "code",
    SKOS + "broader": "thème plus large",
    SKOS + "narrower": "thème plus précis",
    SKOS + "inScheme": "dans le schéma",
    SKOS + "topConceptOf": "thème principal de",
    SKOS + "exactMatch": "équivalent exact",
    SKOS + "closeMatch": "équivalent proche",
    SKOS + "definition": "définition",
    PROV + "wasDerivedFrom": "tiré de",
    FOAF + "name": "nom",
}

_QUERY = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX atlas: <https://atlas-ld.example/def/atlas#>
SELECT ?lang ?term ?label WHERE {
  ?term rdfs:label ?label FILTER (LANG(?label) = ?lang)
  FILTER (STRSTARTS(STR(?term), STR(atlas:)))
}"""


async def term_labels(site, t: Translator) -> dict[str, str]:
    """IRI -> label of every ontology term, in `t`'s language (one cached query)."""
    rows = await site.select(_QUERY, (("lang", "literal", t.lang),))
    labels = {r["term"]["value"]: r["label"]["value"] for r in rows}
    labels.update({iri: t(msgid) for iri, msgid in OTHER_TERMS.items()})
    return labels


def label_of(labels: dict[str, str], iri: str) -> str:
    return labels.get(iri) or compact(iri)
