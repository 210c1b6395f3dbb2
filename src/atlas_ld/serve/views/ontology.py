"""The ontology (`/def/atlas`): a page in the site's layout, or its Turtle by content negotiation.

The page is read from `ontology/atlas.ttl` itself: one title (the ontology's), then its classes,
properties and concept schemes, each with its French and English labels and its definition in
the page's language, under an anchor named after the term (`/def/atlas#Partnership`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from atlas_ld.core.namespaces import ATLAS
from atlas_ld.core.resources import ontology_dir
from atlas_ld.serve.i18n import LANGUAGES, translator
from atlas_ld.serve.negotiation import negotiate
from atlas_ld.serve.views.base import VARY, compact, local_href, render


@dataclass(slots=True)
class Term:
    name: str  # the anchor: the IRI's local name
    iri: str
    labels: dict[str, str]
    definitions: dict[str, str]
    links: list[tuple[str, list[tuple[str, str | None]]]] = field(default_factory=list)


@dataclass(slots=True)
class Ontology:
    titles: dict[str, str]
    descriptions: dict[str, str]
    version: str
    sections: list[tuple[str, list[Term]]]  # (msgid of the section's title, terms)


def _texts(graph: rdflib.Graph, subject, *predicates) -> dict[str, str]:
    found: dict[str, str] = {}
    for predicate in predicates:
        for value in graph.objects(subject, predicate):
            lang = getattr(value, "language", None) or ""
            if lang in (*LANGUAGES, "") and lang not in found:
                found[lang] = str(value)
    return found


@cache
def read_ontology() -> Ontology:
    graph = rdflib.Graph().parse(ontology_dir() / "atlas.ttl", format="turtle")
    ontology = next(graph.subjects(RDF.type, OWL.Ontology))
    kinds = [
        ("Classes", OWL.Class, [(RDFS.subClassOf, "Sous-classe de")]),
        (
            "Propriétés d'objet",
            OWL.ObjectProperty,
            [
                (RDFS.domain, "Domaine"),
                (RDFS.range, "Portée"),
                (RDFS.subPropertyOf, "Sous-propriété de"),
            ],
        ),
        (
            "Propriétés de données",
            OWL.DatatypeProperty,
            [
                (RDFS.domain, "Domaine"),
                (RDFS.range, "Portée"),
                (RDFS.subPropertyOf, "Sous-propriété de"),
            ],
        ),
        (
            "Concepts (rôles, états)",
            SKOS.Concept,
            [
                (SKOS.inScheme, "Dans le schéma"),
                (SKOS.exactMatch, "Équivalent exact"),
                (SKOS.closeMatch, "Équivalent proche"),
            ],
        ),
    ]
    sections = []
    for title, kind, link_props in kinds:
        terms = []
        for subject in sorted(set(graph.subjects(RDF.type, kind)), key=str):
            iri = str(subject)
            if not iri.startswith(ATLAS):
                continue
            links = [
                (
                    label,
                    [(compact(str(o)), str(o)) for o in sorted(graph.objects(subject, p), key=str)],
                )
                for p, label in link_props
            ]
            terms.append(
                Term(
                    name=iri[len(ATLAS) :],
                    iri=iri,
                    labels=_texts(graph, subject, RDFS.label, SKOS.prefLabel),
                    definitions=_texts(graph, subject, SKOS.definition, RDFS.comment),
                    links=[(label, values) for label, values in links if values],
                )
            )
        sections.append((title, terms))
    return Ontology(
        titles=_texts(graph, ontology, DCTERMS.title, RDFS.label),
        descriptions=_texts(graph, ontology, DCTERMS.description, RDFS.comment),
        version=str(graph.value(ontology, OWL.versionInfo) or ""),
        sections=sections,
    )


async def ontology(request: Request) -> Response:
    path = request.url.path
    turtle = path.endswith(".ttl")
    if not turtle and not path.endswith(".html"):
        chosen = negotiate(request.headers.get("accept"), ["text/html", "text/turtle"])
        turtle = chosen == "text/turtle"
    entry = ontology_dir() / "atlas.ttl"
    if not entry.is_file():
        return PlainTextResponse("atlas.ttl is not bundled with this installation\n", 404)
    if turtle:
        return Response(entry.read_bytes(), media_type="text/turtle", headers={"Vary": VARY})
    site = request.app.state.site
    return render(
        request,
        "ontology.html",
        t=translator(request),
        ontology=read_ontology(),
        href=lambda iri: local_href(site, iri),
    )


def routes() -> list[Route]:
    return [
        Route("/def/atlas", ontology),
        Route("/def/atlas.ttl", ontology),
        Route("/def/atlas.html", ontology),
    ]
