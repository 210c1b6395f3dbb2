"""The DCAT-AP 3 catalogue and the VoID description of the graph.

Portals (data.gouv.fr, data.europa.eu) harvest DCAT-AP, so the catalogue follows DCAT-AP 3.0.1
and is checked against its official SHACL shapes in the tests. Every node has an IRI (no blank
nodes) and the files are written from sorted statements, so a catalogue has stable bytes too.

`catalog_graph` and `void_graph` are what `atlas-ld serve` publishes; `write_catalog` puts the same
catalogue in a release as `catalog.ttl` and `catalog.jsonld`.

Versions (DCAT 3 / DCAT-AP 3.0.1): `{base}dataset/atlas` is the dataset as the server serves it;
each release is one version of it, `{base}dataset/atlas/release/{release id}`, a member of the
series `{base}dataset/atlas/releases` (`dcat:inSeries`, `dcat:version`, `adms:versionNotes`,
`dcat:previous` the release it follows), and carries the release's files as distributions and its
SHACL results as DQV quality measurements.
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, SKOS, VOID

from atlas_ld.core.jsonld import write_jsonld
from atlas_ld.core.namespaces import ATLAS
from atlas_ld.core.release import ReleaseFile, ReleaseManifest
from atlas_ld.store.personal import may_see

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
ADMS = Namespace("http://www.w3.org/ns/adms#")
DQV = Namespace("http://www.w3.org/ns/dqv#")
EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"

CATALOG_PREFIXES = {
    "adms": ADMS,
    "dcat": DCAT,
    "dqv": DQV,
    "dcatap": DCATAP,
    "dcterms": DCTERMS,
    "foaf": FOAF,
    "owl": OWL,
    "rdf": RDF,
    "skos": SKOS,
    "spdx": SPDX,
    "vcard": VCARD,
    "xsd": XSD,
}
# DCAT 3 terms missing from rdflib's closed namespace
DCAT_VERSION = URIRef(f"{DCAT}version")
DCAT_SERIES = URIRef(f"{DCAT}DatasetSeries")
DCAT_IN_SERIES = URIRef(f"{DCAT}inSeries")
DCAT_HAS_VERSION = URIRef(f"{DCAT}hasVersion")
DCAT_PREVIOUS = URIRef(f"{DCAT}previous")
DCAT_LAST = URIRef(f"{DCAT}last")
SERIES_TITLE = (
    "Versions de l'Atlas français de la coopération décentralisée (données liées)",
    "Releases of the French atlas of decentralised cooperation (linked data)",
)
SERIES_DESCRIPTION = (
    "Chaque version est un état daté et vérifiable (empreinte SHA-256) des données, à citer "
    "par son identifiant ; le journal des changements dit ce qui a changé d'une version à "
    "l'autre.",
    "Each release is a dated, checkable (SHA-256 digest) state of the data, cited by its id; "
    "its change log says what changed since the previous one.",
)
DATASET_IDENTIFIER = "atlas-ld-cooperation-decentralisee"
LICENCE = URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
LICENCE_SPDX = URIRef("http://spdx.org/licenses/etalab-2.0")
STABLE = f"{EU}planned-availability/STABLE"
SOURCE = URIRef("https://pastel.diplomatie.gouv.fr/cncdext/dyn/public/atlas/accesRegion.html")
SOURCE_TITLE = (
    "Atlas français de la coopération décentralisée et des autres actions extérieures",
    "French atlas of decentralised cooperation and other external actions",
)
SOURCE_DESCRIPTION = (
    "Le site de la Commission nationale de la coopération décentralisée (ministère de l'Europe "
    "et des Affaires étrangères) d'où viennent les pages.",
    "The web site of the national commission for decentralised cooperation (French ministry for "
    "Europe and foreign affairs) the pages come from.",
)
THEMES = {  # EU data themes: government, international issues, regions and cities
    "GOVE": ("Gouvernement et secteur public", "Government and public sector"),
    "INTR": ("Questions internationales", "International issues"),
    "REGI": ("Régions et villes", "Regions and cities"),
}
TITLE = (
    "Atlas français de la coopération décentralisée (données liées)",
    "French atlas of decentralised cooperation (linked data)",
)
DESCRIPTION = (
    "Les partenariats entre collectivités territoriales françaises et autorités locales étrangères "
    "publiés par l'Atlas français de la coopération décentralisée, sous forme de graphe de "
    "connaissances : partenariats, acteurs et leurs rôles, financements, territoires, thématiques, "
    "avec la provenance de chaque page.",
    "Partnerships between French local authorities and local authorities abroad, as published by "
    "the French atlas of decentralised cooperation, as a knowledge graph: partnerships, actors and "
    "their roles, financing, territories, themes, with the provenance of every page.",
)


@dataclass(frozen=True, slots=True)
class Publisher:
    """Who publishes the release: the operator, named on the portal and in the catalogue."""

    name: str
    email: str
    homepage: str

    @classmethod
    def default(cls, base: str) -> Publisher:
        host = urlsplit(base).hostname or "atlas-ld.example"
        return cls(name="atlas-ld", email=f"contact@{host}", homepage=base)


DATASET_PATH = "dataset/atlas"  # under the base; the server redirects it to the catalogue


def dataset_iri(base: str) -> URIRef:
    return URIRef(f"{base}{DATASET_PATH}")


def series_iri(base: str) -> URIRef:
    return URIRef(f"{base}{DATASET_PATH}/releases")


def release_iri(base: str, release_id: str) -> URIRef:
    """The IRI of one release (one version of the dataset), stable for citations."""
    return URIRef(f"{base}{DATASET_PATH}/release/{release_id}")


def published_triples(store: ox.Store) -> set[ox.Triple]:
    """The union of the public graphs: each triple once, personal-data graphs left out."""
    return {
        q.triple
        for q in store.quads_for_pattern(None, None, None, None)
        if may_see(q.graph_name, include_personal=False)
    }


def _years(triples: Collection[ox.Triple]) -> list[str]:
    """Years stated anywhere in the graph (xsd:gYear), for the temporal coverage."""
    gyear = ox.NamedNode(str(XSD.gYear))
    return sorted(
        o.value for _, _, o in triples if isinstance(o, ox.Literal) and o.datatype == gyear
    )


def _countries(triples: Collection[ox.Triple]) -> list[str]:
    """Countries of the EU authority table the graph links to, for the spatial coverage."""
    prefix = f"{EU}country/"
    found = {
        o.value for _, _, o in triples if isinstance(o, ox.NamedNode) and o.value.startswith(prefix)
    }
    return sorted(found | {f"{prefix}FRA"})


def _typed(g: Graph, iri: str, cls: URIRef) -> URIRef:
    """An IRI stated with its class: DCAT-AP's range shapes want every object typed."""
    node = URIRef(iri)
    g.add((node, RDF.type, cls))
    return node


def _concept(g: Graph, iri: str, label: str) -> URIRef:
    """A concept of an EU authority table, labelled so that the catalogue reads on its own."""
    node = _typed(g, iri, SKOS.Concept)
    g.add((node, SKOS.prefLabel, Literal(label, lang="en")))
    return node


def _add_source(g: Graph, dataset: URIRef) -> None:
    """The Atlas web site itself, as the dataset this one derives from."""
    g.add((dataset, DCTERMS.source, SOURCE))
    g.add((SOURCE, RDF.type, DCAT.Dataset))
    g.add((SOURCE, DCAT.landingPage, _typed(g, str(SOURCE), FOAF.Document)))
    _add_texts(g, SOURCE, SOURCE_TITLE, SOURCE_DESCRIPTION)


def _add_agent(g: Graph, node: URIRef, publisher: Publisher) -> None:
    g.add((node, RDF.type, FOAF.Agent))
    g.add((node, RDF.type, FOAF.Organization))
    g.add((node, FOAF.name, Literal(publisher.name)))
    g.add((node, FOAF.homepage, URIRef(publisher.homepage)))
    # No dct:type: the operator may be a ministry, a region or a university, and a wrong
    # classification is worse than the recommended-shape warning its absence gives.


def _add_texts(
    g: Graph, node: URIRef, title: tuple[str, str], description: tuple[str, str]
) -> None:
    for lang, text in zip(("fr", "en"), title, strict=True):
        g.add((node, DCTERMS.title, Literal(text, lang=lang)))
    for lang, text in zip(("fr", "en"), description, strict=True):
        g.add((node, DCTERMS.description, Literal(text, lang=lang)))


def _add_licence(g: Graph) -> None:
    g.add((LICENCE, RDF.type, DCTERMS.LicenseDocument))
    g.add(
        (LICENCE, DCTERMS.title, Literal("Licence Ouverte / Open Licence version 2.0", lang="fr"))
    )
    g.add((LICENCE, SKOS.exactMatch, LICENCE_SPDX))
    g.add((LICENCE, DCTERMS.type, _concept(g, f"{EU}licence-type/ATTRIBUTION", "Attribution")))


def _file_description(file: ReleaseFile) -> str:
    if file.statements is None:
        return f"{file.path} ({file.media_type})"
    unit = "lignes" if file.format == "CSV" else "déclarations RDF"
    return f"{file.path} ({file.media_type}) : {file.statements} {unit}"


def _schema_of(file: ReleaseFile, download_url: str) -> str | None:
    """What a file's content follows: its CSVW description for a table, the ontology for RDF."""
    if file.format == "CSV" and file.path.startswith("tables/"):
        return f"{download_url}{file.path}-metadata.json"
    if file.path.startswith("atlas."):
        return ATLAS.rstrip("#")
    return None


def _add_distribution(
    g: Graph, dataset: URIRef, file: ReleaseFile, download_url: str, modified: Literal | None
) -> None:
    node = URIRef(f"{dataset}/distribution/{file.path}")
    url = URIRef(f"{download_url}{file.path}")
    media = URIRef(f"{IANA}{file.media_type}")
    fmt = URIRef(f"{EU}file-type/{file.format}")
    checksum = URIRef(f"{node}#sha256")
    g.add((dataset, DCAT.distribution, node))
    g.add((node, RDF.type, DCAT.Distribution))
    g.add((node, DCTERMS.title, Literal(file.title or file.path, lang="fr")))
    g.add((node, DCTERMS.description, Literal(_file_description(file), lang="fr")))
    g.add((node, DCATAP.availability, _concept(g, STABLE, "Stable")))
    schema = _schema_of(file, download_url)
    if schema is not None:
        g.add((node, DCTERMS.conformsTo, _typed(g, schema, DCTERMS.Standard)))
    g.add((node, DCAT.accessURL, url))
    g.add((node, DCAT.downloadURL, url))
    g.add((node, DCAT.mediaType, media))
    g.add((media, RDF.type, DCTERMS.MediaType))
    g.add((node, DCTERMS.format, fmt))
    g.add((fmt, RDF.type, DCTERMS.MediaTypeOrExtent))
    g.add((node, DCAT.byteSize, Literal(file.byte_size, datatype=XSD.nonNegativeInteger)))
    g.add((node, DCTERMS.license, LICENCE))
    g.add((node, SPDX.checksum, checksum))
    g.add((checksum, RDF.type, SPDX.Checksum))
    g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    g.add((checksum, SPDX.checksumValue, Literal(file.sha256, datatype=XSD.hexBinary)))
    if file.path.endswith(".gz"):
        gzip_type = URIRef(f"{IANA}application/gzip")
        g.add((node, DCAT.compressFormat, gzip_type))
        g.add((gzip_type, RDF.type, DCTERMS.MediaType))
    if modified is not None:
        g.add((node, DCTERMS.modified, modified))


def _add_service(
    g: Graph, base: str, dataset: URIRef, endpoint_url: str, publisher: URIRef
) -> None:
    service = URIRef(f"{base}dataset/atlas/service/sparql")
    g.add((service, RDF.type, DCAT.DataService))
    _add_texts(
        g,
        service,
        ("Point d'accès SPARQL de l'Atlas", "SPARQL endpoint of the Atlas"),
        (
            "Requêtes SPARQL 1.1 en lecture seule sur le graphe ; résultats JSON, XML, CSV, TSV.",
            "Read-only SPARQL 1.1 queries over the graph; results as JSON, XML, CSV or TSV.",
        ),
    )
    g.add((service, DCAT.endpointURL, URIRef(endpoint_url)))
    protocol = _typed(g, "https://www.w3.org/TR/sparql11-protocol/", DCTERMS.Standard)
    g.add((service, DCTERMS.conformsTo, protocol))
    g.add((service, DCAT.servesDataset, dataset))
    g.add((service, DCTERMS.license, LICENCE))
    g.add((service, DCTERMS.publisher, publisher))
    g.add((URIRef(f"{base}catalog"), DCAT.service, service))
    access = URIRef(f"{dataset}/distribution/sparql")
    g.add((dataset, DCAT.distribution, access))
    g.add((access, RDF.type, DCAT.Distribution))
    g.add((access, DCTERMS.title, Literal("Point d'accès SPARQL", lang="fr")))
    g.add((access, DCAT.accessURL, URIRef(endpoint_url)))
    g.add((access, DCAT.accessService, service))
    g.add((access, DCTERMS.license, LICENCE))


def _describe_dataset(
    g: Graph,
    dataset: URIRef,
    base: str,
    agent: URIRef,
    contact: URIRef,
    publisher: Publisher,
    triples: Collection[ox.Triple],
) -> None:
    """What the live dataset and each release say alike: texts, coverage, contact, themes."""
    g.add((dataset, RDF.type, DCAT.Dataset))
    _add_texts(g, dataset, TITLE, DESCRIPTION)
    g.add((dataset, DCTERMS.identifier, Literal(DATASET_IDENTIFIER)))
    g.add((dataset, DCTERMS.publisher, agent))
    _add_source(g, dataset)
    g.add((dataset, DCAT.landingPage, _typed(g, base, FOAF.Document)))
    public = _typed(g, f"{EU}access-right/PUBLIC", DCTERMS.RightsStatement)
    g.add((dataset, DCTERMS.accessRights, public))
    g.add((dataset, DCTERMS.language, _typed(g, f"{EU}language/FRA", DCTERMS.LinguisticSystem)))
    g.add((dataset, DCTERMS.conformsTo, _typed(g, ATLAS.rstrip("#"), DCTERMS.Standard)))
    for keyword in ("coopération décentralisée", "collectivités territoriales", "partenariats"):
        g.add((dataset, DCAT.keyword, Literal(keyword, lang="fr")))
    g.add((dataset, DCAT.contactPoint, contact))
    g.add((contact, RDF.type, VCARD.Kind))
    g.add((contact, RDF.type, VCARD.Organization))
    g.add((contact, VCARD.fn, Literal(publisher.name)))
    g.add((contact, VCARD.hasEmail, URIRef(f"mailto:{publisher.email}")))
    for code, (fr, en) in THEMES.items():
        theme = URIRef(f"{EU}data-theme/{code}")
        g.add((dataset, DCAT.theme, theme))
        g.add((theme, RDF.type, SKOS.Concept))
        g.add((theme, SKOS.prefLabel, Literal(fr, lang="fr")))
        g.add((theme, SKOS.prefLabel, Literal(en, lang="en")))
        g.add((theme, SKOS.inScheme, URIRef(f"{EU}data-theme")))
    for country in _countries(triples):
        g.add((dataset, DCTERMS.spatial, URIRef(country)))
        g.add((URIRef(country), RDF.type, DCTERMS.Location))
    years = _years(triples)
    if years:
        period = URIRef(f"{dataset}/period")
        g.add((dataset, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        g.add((period, DCAT.startDate, Literal(years[0], datatype=XSD.gYear)))
        g.add((period, DCAT.endDate, Literal(years[-1], datatype=XSD.gYear)))


def catalog_graph(
    store: ox.Store,
    *,
    base: str,
    release: ReleaseManifest | None = None,
    endpoint_url: str | None = None,
    download_url: str | None = None,
    publisher: Publisher | None = None,
    triples: Collection[ox.Triple] | None = None,
) -> Graph:
    """The DCAT-AP 3 catalogue: one dataset, a distribution per release file, the SPARQL service.

    Dates come from the release (its newest capture), never from the clock, so the same store and
    release always describe themselves the same way. `download_url` is where the release files
    are served (default `{base}release/`). Coverage is read from the store's public triples, a
    full scan: pass `triples` when you already hold them (the dump does).
    """
    publisher = publisher or Publisher.default(base)
    download_url = download_url or f"{base}release/"
    triples = published_triples(store) if triples is None else triples
    g = Graph(bind_namespaces="none")
    for prefix, ns in CATALOG_PREFIXES.items():
        g.bind(prefix, ns)
    catalog, dataset = URIRef(f"{base}catalog"), dataset_iri(base)
    agent, contact = (
        URIRef(f"{base}dataset/atlas/publisher"),
        URIRef(f"{base}dataset/atlas/contact"),
    )
    _add_agent(g, agent, publisher)
    _add_licence(g)

    g.add((catalog, RDF.type, DCAT.Catalog))
    _add_texts(g, catalog, ("Catalogue atlas-ld", "atlas-ld catalogue"), DESCRIPTION)
    g.add((catalog, DCTERMS.publisher, agent))
    g.add((catalog, FOAF.homepage, URIRef(base)))
    g.add((catalog, DCTERMS.license, LICENCE))
    g.add((catalog, DCTERMS.language, _typed(g, f"{EU}language/FRA", DCTERMS.LinguisticSystem)))
    g.add((catalog, DCAT.dataset, dataset))
    scheme = _typed(g, f"{EU}data-theme", SKOS.ConceptScheme)
    g.add((scheme, DCTERMS.title, Literal("Data theme", lang="en")))
    g.add((catalog, DCAT.themeTaxonomy, scheme))

    _describe_dataset(g, dataset, base, agent, contact, publisher, triples)
    if release is not None:
        modified = Literal(release.modified, datatype=XSD.dateTime) if release.modified else None
        version = dataset
        if release.release_id:
            version = release_iri(base, release.release_id)
            g.add((catalog, DCAT.dataset, version))
            _describe_dataset(g, version, base, agent, contact, publisher, triples)
            _add_version(g, base, dataset, version, release, agent)
        g.add((version, DCAT_VERSION, Literal(release.version)))
        g.add((version, OWL.versionInfo, Literal(release.version)))
        if modified is not None:
            for node in {catalog, dataset, version}:
                g.add((node, DCTERMS.issued, modified))
                g.add((node, DCTERMS.modified, modified))
        for file in release.files:
            _add_distribution(g, version, file, download_url, modified)
    if endpoint_url:
        _add_service(g, base, dataset, endpoint_url, agent)
    return g


def version_notes(release: ReleaseManifest) -> tuple[str, str]:
    """What changed in this release, in French and English, from its change counts."""
    if not release.previous:
        return (
            "Version sans version précédente désignée (pas de journal des changements).",
            "Release with no previous release given (no change log).",
        )
    c = release.changes
    return (
        f"Depuis la version {release.previous} : {c.get('added', 0)} partenariats ajoutés, "
        f"{c.get('removed', 0)} retirés, {c.get('changed', 0)} modifiés (changes/changes.md).",
        f"Since release {release.previous}: {c.get('added', 0)} partnerships added, "
        f"{c.get('removed', 0)} removed, {c.get('changed', 0)} changed (changes/changes.md).",
    )


def _add_version(
    g: Graph,
    base: str,
    dataset: URIRef,
    version: URIRef,
    release: ReleaseManifest,
    agent: URIRef,
) -> None:
    """One release as a version of the dataset, a member of the series, with its quality."""
    series = series_iri(base)
    g.add((series, RDF.type, DCAT_SERIES))
    _add_texts(g, series, SERIES_TITLE, SERIES_DESCRIPTION)
    g.add((series, DCTERMS.publisher, agent))
    g.add((series, DCAT_LAST, version))
    g.add((version, DCAT_IN_SERIES, series))
    g.add((version, DCTERMS.identifier, Literal(release.release_id)))
    for relation in (DCAT_HAS_VERSION, DCTERMS.hasVersion):
        g.add((dataset, relation, version))
    for lang, text in zip(("fr", "en"), version_notes(release), strict=True):
        g.add((version, ADMS.versionNotes, Literal(text, lang=lang)))
    if release.previous:
        g.add((version, DCAT_PREVIOUS, release_iri(base, release.previous)))
    _add_quality(g, base, version, release)


QUALITY_REPORT = "quality/shacl-report.ttl"


def _add_quality(g: Graph, base: str, version: URIRef, release: ReleaseManifest) -> None:
    """DQV: one measurement per SHACL severity, and the report file as quality metadata."""
    report = release.file(QUALITY_REPORT)
    if not release.quality or report is None:
        return
    metadata = URIRef(f"{version}/quality")
    g.add((version, DQV.hasQualityMetadata, metadata))
    g.add((metadata, RDF.type, DQV.QualityMetadata))
    g.add((metadata, FOAF.page, URIRef(f"{version}/distribution/{QUALITY_REPORT}")))
    for severity, n in sorted(release.quality.items()):
        metric = URIRef(f"{base}{DATASET_PATH}/quality/shacl-{severity.lower()}")
        g.add((metric, RDF.type, DQV.Metric))
        g.add(
            (
                metric,
                SKOS.definition,
                Literal(f"Number of SHACL results of severity sh:{severity}", lang="en"),
            )
        )
        measurement = URIRef(f"{version}/quality/shacl-{severity.lower()}")
        g.add((version, DQV.hasQualityMeasurement, measurement))
        g.add((measurement, RDF.type, DQV.QualityMeasurement))
        g.add((measurement, DQV.isMeasurementOf, metric))
        g.add((measurement, DQV.computedOn, version))
        g.add((measurement, DQV.value, Literal(n, datatype=XSD.integer)))


def void_graph(
    store: ox.Store,
    *,
    base: str,
    endpoint_url: str | None = None,
    data_dumps: Sequence[str] = (),
    triples: Collection[ox.Triple] | None = None,
) -> Graph:
    """VoID statistics of the published graph (personal-data graphs left out), with partitions.

    A full scan of the store (seconds at Atlas scale): compute once per store and keep it, or
    pass the public `triples` when you already hold them."""
    triples = published_triples(store) if triples is None else triples
    rdf_type = ox.NamedNode(str(RDF.type))
    subjects = {s for s, _, _ in triples}
    per_class: dict[ox.NamedNode, set] = {}
    for s, p, o in triples:
        if p == rdf_type:
            per_class.setdefault(o, set()).add(s)
    per_property = Counter(p for _, p, _ in triples)

    g = Graph(bind_namespaces="none")
    for prefix, ns in (("void", VOID), ("dcterms", DCTERMS), ("xsd", XSD)):
        g.bind(prefix, ns)
    dataset = dataset_iri(base)
    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, DCTERMS.title, Literal(TITLE[0], lang="fr")))
    g.add((dataset, DCTERMS.license, LICENCE))
    g.add((dataset, VOID.uriSpace, Literal(f"{base}id/")))
    g.add((dataset, VOID.vocabulary, URIRef(ATLAS)))
    g.add((dataset, VOID.triples, Literal(len(triples))))
    g.add((dataset, VOID.entities, Literal(sum(isinstance(s, ox.NamedNode) for s in subjects))))
    g.add((dataset, VOID.classes, Literal(len(per_class))))
    g.add((dataset, VOID.properties, Literal(len(per_property))))
    g.add((dataset, VOID.distinctSubjects, Literal(len(subjects))))
    g.add((dataset, VOID.distinctObjects, Literal(len({o for _, _, o in triples}))))
    if endpoint_url:
        g.add((dataset, VOID.sparqlEndpoint, URIRef(endpoint_url)))
    for url in data_dumps:
        g.add((dataset, VOID.dataDump, URIRef(url)))
    for cls, members in per_class.items():
        part = URIRef(f"{dataset}/void/class/{_slug(cls.value)}")
        g.add((dataset, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls.value)))
        g.add((part, VOID.entities, Literal(len(members))))
    for prop, count in per_property.items():
        part = URIRef(f"{dataset}/void/property/{_slug(prop.value)}")
        g.add((dataset, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop.value)))
        g.add((part, VOID.triples, Literal(count)))
    return g


def _slug(iri: str) -> str:
    """A readable, unique path segment for a class or property IRI (partitions need IRIs)."""
    tail = iri.rstrip("/#").replace("#", "/").rsplit("/", 1)[-1]
    return f"{tail}-{hashlib.sha256(iri.encode()).hexdigest()[:8]}"


def sorted_turtle(graph: Graph) -> bytes:
    """Turtle with statements in a fixed order (rdflib's own order varies between runs)."""
    triples = sorted(
        ox.parse(graph.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES),
        key=lambda t: (str(t.subject), str(t.predicate), str(t.object)),
    )
    prefixes = {prefix: str(ns) for prefix, ns in graph.namespaces() if prefix}
    return ox.serialize(triples, None, ox.RdfFormat.TURTLE, prefixes=dict(sorted(prefixes.items())))


def compact_jsonld(graph: Graph) -> str:
    """Compact JSON-LD whose context is the graph's prefixes, written inline for offline use."""
    triples = sorted(
        ox.parse(graph.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES),
        key=lambda t: (str(t.subject), str(t.predicate), str(t.object)),
    )
    context = {prefix: str(ns) for prefix, ns in sorted(graph.namespaces()) if prefix}
    out = io.StringIO()
    write_jsonld(triples, context, out)
    return out.getvalue()


def write_catalog(
    root: Path,
    store: ox.Store,
    *,
    base: str,
    release: ReleaseManifest,
    download_url: str | None = None,
    endpoint_url: str | None = None,
    publisher: Publisher | None = None,
    triples: Collection[ox.Triple] | None = None,
) -> list[str]:
    """Write `catalog.ttl` and `catalog.jsonld` into a release directory; their names."""
    graph = catalog_graph(
        store,
        base=base,
        release=release,
        endpoint_url=endpoint_url,
        download_url=download_url,
        publisher=publisher,
        triples=triples,
    )
    (root / "catalog.ttl").write_bytes(sorted_turtle(graph))
    (root / "catalog.jsonld").write_text(compact_jsonld(graph), encoding="utf-8")
    return ["catalog.ttl", "catalog.jsonld"]
