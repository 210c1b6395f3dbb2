"""`ProjectRecord` -> quads, without rdflib: the build makes millions of them.

Each page gives three sets of quads:
- its partnership graph (`graph/partnership/{key}`): the partnership, its roles, financing rows
  and the provenance of the page;
- its personal graph (`graph/personal/{key}`): contacts and volunteers, left out of public outputs;
- reference triples (actors' names and kinds, themes, countries met), which the build merges into
  the one reference graph so a shared node is described once, not once per page.
Raw text stays next to anything split or normalised (`atlas:*Text`, `atlas:asWritten`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from pyoxigraph import Literal, NamedNode, Quad, Triple

from atlas_ld import __version__
from atlas_ld.core.countries import countries, find_country
from atlas_ld.core.errors import BuildError
from atlas_ld.core.iris import (
    Ids,
    actor_slug,
    atlas_id_from_url,
    partnership_graph,
    partnership_key,
    personal_graph,
    slug,
)
from atlas_ld.core.model import Authority, Page, ProjectRecord, ThemeTriple
from atlas_ld.core.namespaces import (
    EU_COUNTRY,
    INSEE_REGION,
    WIKIDATA,
    atlas,
    dcterms,
    foaf,
    org,
    prov,
    rdf,
    rdfs,
    schema,
    skos,
    vcard,
    xsd,
)
from atlas_ld.core.text import excerpt
from atlas_ld.graph.actors import ActorMention, kind_of, split_actors
from atlas_ld.graph.territories import Region, find_region, foreign_territory_name, regions

STATUSES: dict[str, NamedNode] = {
    "en cours": atlas.Ongoing,
    "terminé": atlas.Completed,
    "termine": atlas.Completed,
    "en projet": atlas.Planned,
}
MINISTRY = "Ministère de l'Europe et des Affaires étrangères"

# Funder names that name no one: "Autre" on one page and "Autre" on another are two different
# funders, so such a row's funder stays local to its partnership (`{partnership}/funder/{slug}`,
# described in the partnership's graph) instead of becoming one actor across the Atlas.
# Compared by slug, so case, accents and punctuation do not matter.
PLACEHOLDER_FUNDERS = frozenset(
    slug(name)
    for name in (
        "",
        "Autre",
        "Autres",
        "Autre financeur",
        "Autres financeurs",
        "Autres financements",
        "Divers",
        "Non renseigné",
        "Non renseignée",
        "Non communiqué",
        "Non précisé",
        "Inconnu",
        "NC",
        "N/A",
        "NR",
        "-",
        "?",
    )
)

_ROLE_SLUGS = {
    atlas.Implementer: "implementer",
    atlas.Owner: "owner",
    atlas.Beneficiary: "beneficiary",
    atlas.ForeignPartner: "foreign-partner",
    atlas.FrenchPartnerAuthority: "french-authority",
    atlas.OtherPartner: "other-partner",
    atlas.Funder: "funder",
}


@dataclass(slots=True)
class MappedPage:
    """What one page contributes to the store."""

    key: str
    partnership: NamedNode
    personal: str = ""  # IRI of the page's personal graph
    quads: list[Quad] = field(default_factory=list)
    reference: set[Triple] = field(default_factory=set)
    untyped_actors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def is_placeholder_funder(name: str | None) -> bool:
    """True for a funder name that names no one ("Autre", empty, "Non renseigné"...)."""
    return slug(name or "") in PLACEHOLDER_FUNDERS


_WEB_SCHEMES = ("http://", "https://")


def web_iri(url: str, what: str) -> NamedNode:
    """An absolute http(s) URL read from a page, as an IRI. A relative, `javascript:` or `data:`
    link (or one that is not a valid IRI) never becomes an IRI: the page fails at mapping with
    a one-line reason instead of the build stopping."""
    if not url.lower().startswith(_WEB_SCHEMES):
        raise BuildError(f"{what}: link {excerpt(url)} is not an absolute http(s) URL")
    try:
        return NamedNode(url)
    except ValueError:
        raise BuildError(f"{what}: link {excerpt(url)} is not a valid IRI") from None


def _fr(text: str) -> Literal:
    return Literal(text, language="fr")


def _year(value: int) -> Literal:
    return Literal(f"{value:04d}", datatype=xsd.gYear)


def _decimal(value: float | int) -> Literal:
    text = format(Decimal(str(value)).normalize(), "f")
    return Literal(text, datatype=xsd.decimal)


def _date(value: str) -> Literal:
    """ISO text from the parser: YYYY-MM-DD, YYYY-MM or YYYY."""
    kind = {10: xsd.date, 7: xsd.gYearMonth, 4: xsd.gYear}.get(len(value), xsd.string)
    return Literal(value, datatype=kind)


def _datetime(value: datetime) -> Literal:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return Literal(value.isoformat(), datatype=xsd.dateTime)


def _content(record: ProjectRecord) -> str:
    """The record without its location, as stable text: what a partnership without id is."""
    fields = {k: v for k, v in record.to_json().items() if k != "source"}
    return json.dumps(fields, sort_keys=True, ensure_ascii=False)


class _PageMapper:
    """Accumulates the quads of one page; one instance per page."""

    def __init__(self, record: ProjectRecord, page: Page | None, ids: Ids):
        self.record = record
        self.page = page
        self.ids = ids
        # the content is only read for a page without id (and costs a tenth of the mapping)
        key = partnership_key(record.atlas_id, "" if record.atlas_id else _content(record))
        self.out = MappedPage(key=key, partnership=ids.partnership(key))
        self.graph = partnership_graph(ids.base, key)
        self.personal = personal_graph(ids.base, key)
        self.out.personal = self.personal.value
        self.p = self.out.partnership
        self.known_actors: dict[str, NamedNode] = {}

    # -- emit helpers --------------------------------------------------------------------------

    def add(self, s: NamedNode, p: NamedNode, o, graph: NamedNode | None = None) -> None:
        self.out.quads.append(Quad(s, p, o, graph or self.graph))

    def ref(self, s: NamedNode, p: NamedNode, o) -> None:
        self.out.reference.add(Triple(s, p, o))

    def text(self, prop: NamedNode, value: str | None) -> None:
        if value:
            self.add(self.p, prop, _fr(value))

    def flag(self, prop: NamedNode, value: bool | None) -> None:
        if value is not None:
            self.add(self.p, prop, Literal(value))

    # -- the page ------------------------------------------------------------------------------

    def run(self) -> MappedPage:
        r, p = self.record, self.p
        self.add(p, rdf.type, atlas.Partnership)
        self.add(p, dcterms.title, _fr(r.title))
        if r.atlas_id:
            self.add(p, atlas.atlasId, Literal(r.atlas_id))
        if r.first_agreement_year is not None:
            self.add(p, atlas.firstAgreementYear, _year(r.first_agreement_year))
        if r.start_year is not None:
            self.add(p, atlas.startYear, _year(r.start_year))
        if r.end_date:
            self.add(p, atlas.endDate, _date(r.end_date))
            if r.end_date[:4].isdigit():
                self.add(p, atlas.endYear, Literal(r.end_date[:4], datatype=xsd.gYear))
        self.status()
        self.themes()
        for prop, value in (
            (atlas.context, r.context),
            (atlas.history, r.history),
            (atlas.objectives, r.objectives),
            (dcterms.description, r.description),
            (atlas.form, r.form),
            (atlas.implementersText, r.implementers_text),
            (atlas.ownersText, r.owners_text),
            (atlas.beneficiariesText, r.beneficiaries),
            (atlas.otherPartnersFranceText, r.other_partners_france),
            (atlas.otherPartnersAbroadText, r.other_partners_abroad),
            (atlas.preReformAuthorityText, r.pre_reform_authority),
        ):
            self.text(prop, value)
        self.flag(atlas.triennial, r.triennial)
        self.flag(atlas.communicationFrance, r.communication_france)
        self.flag(atlas.communicationPartnerCountries, r.communication_partner_countries)
        self.flag(atlas.evaluation, r.evaluation)
        self.actors()
        self.financing()
        self.people()
        self.provenance()
        return self.out

    def status(self) -> None:
        status = self.record.status
        if not status:
            return
        self.add(self.p, atlas.statusText, _fr(status))
        concept = STATUSES.get(status.strip().lower())
        if concept is None:
            # an IRI outside the scheme, so SHACL reports the value instead of a missing status
            concept = NamedNode(f"{self.ids.base}id/status/{slug(status)}")
            self.out.warnings.append(f"status {status!r} is not in the status scheme")
        self.add(self.p, atlas.status, concept)

    def themes(self) -> None:
        main = self.theme_node(self.record.theme)
        if main is not None:
            self.add(self.p, atlas.mainTheme, main)
        for triple in self.record.other_themes:
            node = self.theme_node(triple)
            if node is not None:
                self.add(self.p, atlas.otherTheme, node)

    def theme_node(self, triple: ThemeTriple) -> NamedNode | None:
        """The finest concept of a theme path, describing each level in the reference graph."""
        labels = [t for t in (triple.theme, triple.sub_theme, triple.sub_sub_theme) if t]
        scheme = self.ids.theme_scheme()
        parent: NamedNode | None = None
        for depth in range(len(labels)):
            node = self.ids.theme(labels[: depth + 1])
            self.ref(node, rdf.type, skos.Concept)
            self.ref(node, skos.prefLabel, _fr(labels[depth]))
            self.ref(node, skos.inScheme, scheme)
            if parent is None:
                self.ref(node, skos.topConceptOf, scheme)
                self.ref(scheme, skos.hasTopConcept, node)
            else:
                self.ref(node, skos.broader, parent)
                self.ref(parent, skos.narrower, node)
            parent = node
        return parent

    # -- actors and roles ----------------------------------------------------------------------

    def actor(
        self,
        name: str,
        kind: str | None,
        *,
        atlas_id: str | None = None,
        default: str | None = None,
    ) -> NamedNode:
        """The actor's node, described in the reference graph; untyped ones are reported."""
        node = self.ids.actor(actor_slug(name, atlas_id))
        self.ref(node, rdf.type, atlas[kind] if kind else atlas.Actor)
        self.ref(node, schema.name, Literal(name))
        if atlas_id:
            self.ref(node, atlas.atlasActorId, Literal(atlas_id))
        if kind is None:
            self.out.untyped_actors.append(name)
        if kind == "RegionalAuthority":
            region = find_region(name)
            if region is not None:
                self.ref(node, atlas.region, self.ids.region(region.insee_code))
        return node

    def participation(self, actor: NamedNode, role: NamedNode, as_written: str) -> None:
        actor_part = actor.value.rsplit("/", 1)[1]
        node = self.ids.participation(self.out.key, _ROLE_SLUGS[role], actor_part)
        self.add(self.p, atlas.participation, node)
        self.add(node, rdf.type, atlas.Participation)
        self.add(node, atlas.inPartnership, self.p)
        self.add(node, atlas.agent, actor)
        self.add(node, atlas.role, role)
        self.add(node, atlas.asWritten, Literal(as_written))

    def named(self, name: str, kind: str | None) -> NamedNode:
        """An actor named in prose or in the financing table: the node of the authority of that
        name in the page's tables if there is one (it may carry an Atlas id), else its own."""
        known = self.known_actors.get(slug(name))
        return known if known is not None else self.actor(name, kind)

    def mentions(self, mentions: list[ActorMention], role: NamedNode) -> None:
        for mention in mentions:
            node = self.named(mention.name, mention.kind)
            self.participation(node, role, mention.as_written)

    def authority(self, authority: Authority, *, foreign: bool) -> NamedNode:
        atlas_id = atlas_id_from_url(authority.atlas_url)
        if foreign:
            node = self.actor(authority.name, "ForeignAuthority", atlas_id=atlas_id)
            country = find_country(authority.country)
            if country is None:
                self.out.warnings.append(
                    f"foreign partner {authority.name!r}: unknown country {authority.country!r}"
                )
            else:
                self.country(node, country.iso3)
                self.foreign_territory(node, authority.name, country.iso3)
        else:
            node = self.actor(authority.name, _french_kind(authority.name), atlas_id=atlas_id)
        if authority.atlas_url:
            self.ref(node, rdfs.seeAlso, web_iri(authority.atlas_url, f"actor {authority.name!r}"))
        self.known_actors.setdefault(slug(authority.name), node)
        return node

    def country(self, actor: NamedNode, iso3: str) -> None:
        country = countries()[iso3]
        node = self.ids.country(iso3)
        self.ref(actor, atlas.country, node)
        self.add(self.p, atlas.country, node)
        self.ref(node, rdf.type, atlas.Country)
        self.ref(node, skos.prefLabel, Literal(country.name_fr, language="fr"))
        self.ref(node, skos.prefLabel, Literal(country.name_en, language="en"))
        self.ref(node, skos.notation, Literal(iso3))
        self.ref(node, skos.exactMatch, NamedNode(EU_COUNTRY + iso3))

    def foreign_territory(self, actor: NamedNode, name: str, iso3: str) -> None:
        """The territory an authority abroad governs, when its name says which."""
        territory = foreign_territory_name(name)
        if territory is None:
            return
        node = self.ids.foreign_territory(iso3, territory.full_name)
        self.ref(actor, atlas.territory, node)
        self.ref(node, rdf.type, atlas.ForeignTerritory)
        self.ref(node, skos.prefLabel, Literal(territory.full_name, language="fr"))
        self.ref(node, skos.altLabel, Literal(territory.name, language="fr"))
        self.ref(node, atlas.territoryKind, Literal(territory.kind, language="fr"))
        self.ref(node, dcterms.isPartOf, self.ids.country(iso3))

    def actors(self) -> None:
        r = self.record
        for authority in r.foreign_partners:
            node = self.authority(authority, foreign=True)
            self.participation(node, atlas.ForeignPartner, authority.name)
        for authority in r.french_authorities:
            node = self.authority(authority, foreign=False)
            self.participation(node, atlas.FrenchPartnerAuthority, authority.name)
        if r.pre_reform_authority:
            node = self.authority(Authority(name=r.pre_reform_authority), foreign=False)
            self.add(self.p, atlas.preReformAuthority, node)
        self.mentions(split_actors(r.implementers_text), atlas.Implementer)
        self.mentions(split_actors(r.owners_text), atlas.Owner)
        self.mentions(split_actors(r.other_partners_france), atlas.OtherPartner)
        self.mentions(split_actors(r.other_partners_abroad), atlas.OtherPartner)
        if r.diplomatic_post:
            post = self.actor(r.diplomatic_post, "DiplomaticPost")
            self.ref(post, org.unitOf, self.actor(MINISTRY, "StateBody"))
            self.add(self.p, atlas.diplomaticPost, post)

    def placeholder_funder(self, name: str) -> NamedNode:
        """A funder the page does not name: its own node, local to this partnership."""
        node = NamedNode(f"{self.p.value}/funder/{slug(name)}")
        self.add(node, rdf.type, atlas.Actor)
        self.add(node, schema.name, Literal(name))
        return node

    def financing(self) -> None:
        seen: dict[tuple[str, int | None], int] = {}
        for row in self.record.financing:
            if is_placeholder_funder(row.funder):
                funder = self.placeholder_funder(row.funder)
            else:
                funder = self.named(row.funder, _funder_kind(row.funder))
            funder_slug = funder.value.rsplit("/", 1)[1]
            n = seen[(funder_slug, row.year)] = seen.get((funder_slug, row.year), 0) + 1
            node = self.ids.financing(self.out.key, funder_slug, row.year, n)
            self.participation(funder, atlas.Funder, row.funder)
            self.add(self.p, atlas.financing, node)
            self.add(node, rdf.type, atlas.Financing)
            self.add(node, schema.funder, funder)
            self.add(node, atlas.funderName, Literal(row.funder))
            if row.year is not None:
                self.add(node, atlas.year, _year(row.year))
            if row.amount_eur is not None or row.water_oudin_eur is not None:
                self.amount(node, row.amount_eur, row.water_oudin_eur)

    def amount(self, financing: NamedNode, value, water) -> None:
        """The row's amount; its 1% water part sits on it so SHACL can compare the two."""
        node = NamedNode(f"{financing.value}/amount")
        self.add(financing, schema.amount, node)
        self.add(node, rdf.type, schema.MonetaryAmount)
        self.add(node, schema.currency, Literal("EUR"))
        if value is not None:
            self.add(node, schema.value, _decimal(value))
        if water is not None:
            self.add(node, atlas.waterOudinPart, _decimal(water))

    # -- personal data and provenance ----------------------------------------------------------

    def person(self, n: int, *, volunteer: bool = False) -> NamedNode:
        key = self.out.key
        node = self.ids.volunteer(key, n) if volunteer else self.ids.contact(key, n)
        self.add(self.p, atlas.volunteer if volunteer else atlas.contact, node, self.personal)
        self.add(node, rdf.type, foaf.Person, self.personal)
        return node

    def personal_text(self, node: NamedNode, prop: NamedNode, value: str | None) -> None:
        if value:
            self.add(node, prop, Literal(value), self.personal)

    def email(self, person: NamedNode, address: str | None) -> None:
        """A `mailto:` IRI; an address that cannot be one is kept as text, with a warning."""
        if not address:
            return
        try:
            value: NamedNode | Literal = NamedNode(f"mailto:{address.strip()}")
        except ValueError:
            value = Literal(address)
            self.out.warnings.append(f"contact e-mail {excerpt(address)} is not a valid address")
        self.add(person, vcard.hasEmail, value, self.personal)

    def people(self) -> None:
        r = self.record
        post = self.ids.actor(slug(r.diplomatic_post)) if r.diplomatic_post else None
        n = 0
        for contact in r.post_contacts:
            n += 1
            node = self.person(n)
            self.personal_text(node, foaf.name, contact.name)
            self.personal_text(node, vcard.role, contact.function)
            self.email(node, contact.email)
            if post is not None:
                self.add(node, org.memberOf, post, self.personal)
        foreign = {a.name: a for a in r.foreign_partners}
        for contact in r.foreign_partner_contacts:
            n += 1
            node = self.person(n)
            self.personal_text(node, foaf.familyName, contact.family_name)
            self.personal_text(node, foaf.givenName, contact.given_name)
            self.personal_text(node, vcard.role, contact.function)
            self.email(node, contact.email)
            authority = foreign.get(contact.authority or "")
            if authority is not None:
                slug_ = actor_slug(authority.name, atlas_id_from_url(authority.atlas_url))
                self.add(node, org.memberOf, self.ids.actor(slug_), self.personal)
        for i, volunteer in enumerate(r.volunteers, start=1):
            node = self.person(i, volunteer=True)
            self.personal_text(node, foaf.familyName, volunteer.family_name)
            self.personal_text(node, foaf.givenName, volunteer.given_name)
            self.personal_text(node, atlas.mission, volunteer.mission)
            self.personal_text(node, atlas.fieldOfAction, volunteer.field)
            self.personal_text(node, atlas.assignment, volunteer.assignment)

    def provenance(self) -> None:
        page_node = NamedNode(f"{self.p.value}/page")
        self.add(self.p, prov.wasDerivedFrom, page_node)
        self.add(self.graph, rdf.type, prov.Entity)
        self.add(self.graph, prov.wasDerivedFrom, page_node)
        self.add(self.graph, atlas.parserVersion, Literal(__version__))
        self.add(page_node, rdf.type, prov.Entity)
        page = self.page
        url = (page.url if page else None) or self.record.source
        if url.lower().startswith(_WEB_SCHEMES):
            self.add(page_node, dcterms.source, web_iri(url, "page URL"))
        else:
            self.add(page_node, dcterms.source, Literal(url))  # a file: its path as given
        if page is not None:
            self.add(page_node, atlas.sha256, Literal(page.sha256))
            if page.fetched_at is not None:
                self.add(page_node, prov.generatedAtTime, _datetime(page.fetched_at))
            if page.capture_id:
                self.add(page_node, atlas.captureId, Literal(page.capture_id))


_FRENCH_AUTHORITY_KINDS = {
    "RegionalAuthority",
    "DepartmentalAuthority",
    "MunicipalAuthority",
    "IntercommunalAuthority",
}


def _french_kind(name: str) -> str:
    kind = kind_of(name)
    return kind if kind in _FRENCH_AUTHORITY_KINDS else "FrenchTerritorialAuthority"


def _funder_kind(name: str) -> str | None:
    """A funder row names one actor or a group ('Régions et IRTS ...'): only the former is typed."""
    mentions = split_actors(name)
    return mentions[0].kind if len(mentions) == 1 else None


def map_record(record: ProjectRecord, ids: Ids, page: Page | None = None) -> MappedPage:
    """The quads of one parsed page (`page` gives the provenance: URL, time, digest, capture)."""
    return _PageMapper(record, page, ids).run()


def territory_triples(ids: Ids) -> list[Triple]:
    """French regions before and after the 2016 reform, with their links across it."""
    triples: list[Triple] = []
    table = regions()
    for region in table.values():
        triples += _region_triples(ids, region)
    return triples


def _region_triples(ids: Ids, region: Region) -> list[Triple]:
    node = ids.region(region.insee_code)
    out = [
        Triple(node, rdf.type, atlas.FrenchRegion),
        Triple(node, skos.prefLabel, Literal(region.name, language="fr")),
        Triple(node, skos.notation, Literal(region.insee_code)),
        Triple(node, skos.exactMatch, NamedNode(INSEE_REGION + region.insee_code)),
        Triple(node, schema.validFrom, Literal(region.valid_from, datatype=xsd.date)),
    ]
    if region.valid_until:
        out.append(
            Triple(node, schema.validThrough, Literal(region.valid_until, datatype=xsd.date))
        )
    if region.successor:
        successor = ids.region(region.successor)
        out.append(Triple(node, atlas.successor, successor))
        out.append(Triple(successor, atlas.predecessor, node))
    if region.wikidata:
        out.append(Triple(node, skos.exactMatch, NamedNode(WIKIDATA + region.wikidata)))
    return out


def scheme_triples(ids: Ids) -> list[Triple]:
    """The theme concept scheme itself (its concepts come from the pages)."""
    scheme = ids.theme_scheme()
    return [
        Triple(scheme, rdf.type, skos.ConceptScheme),
        Triple(scheme, skos.prefLabel, Literal("Thématiques d'intervention", language="fr")),
        Triple(scheme, skos.prefLabel, Literal("Themes of intervention", language="en")),
    ]
