"""IRIs of everything the graph names, built from page content only (docs/design.md, Identifiers).

Rebuilding the same pages must give byte-identical IRIs, so nothing here depends on time, order
or randomness.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from pyoxigraph import NamedNode

from atlas_ld.core import atlas_urls

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """NFKD, accents stripped, lower case, runs of non-alphanumerics to '-'; never empty."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NON_ALNUM.sub("-", ascii_text.lower()).strip("-") or "x"


def partnership_key(atlas_id: str | None, content: str) -> str:
    """The path segment naming a partnership: its Atlas prjId, else a hash of its content.

    The hash covers what the page says, not where it was read from, so the same page copied to
    another folder or machine keeps its IRI.
    """
    if atlas_id:
        return slug(atlas_id)
    digest = hashlib.sha256(content.encode()).hexdigest()
    return "h" + digest[:16]


def atlas_id_from_url(url: str | None) -> str | None:
    """The identifier carried by an Atlas link (magnifier icon or page URL), if any; the URL
    forms are `atlas_urls`'s."""
    return atlas_urls.link_id(url)


class Ids:
    """Mints the IRIs of one base. One instance per build; cheap string concatenation only."""

    def __init__(self, base: str):
        self.base = base

    def partnership(self, key: str) -> NamedNode:
        return NamedNode(f"{self.base}id/partnership/{key}")

    def participation(self, key: str, role: str, actor_slug: str) -> NamedNode:
        return NamedNode(f"{self.base}id/partnership/{key}/role/{role}/{actor_slug}")

    def financing(self, key: str, funder_slug: str, year: int | None, n: int) -> NamedNode:
        """`n` > 1 tells apart rows with the same funder and year on one page."""
        suffix = f"-{n}" if n > 1 else ""
        return NamedNode(
            f"{self.base}id/partnership/{key}/financing/{funder_slug}/{year or 'na'}{suffix}"
        )

    def contact(self, key: str, n: int) -> NamedNode:
        return NamedNode(f"{self.base}id/partnership/{key}/contact/{n}")

    def volunteer(self, key: str, n: int) -> NamedNode:
        return NamedNode(f"{self.base}id/partnership/{key}/volunteer/{n}")

    def actor(self, actor_slug: str) -> NamedNode:
        return NamedNode(f"{self.base}id/actor/{actor_slug}")

    def theme(self, path: list[str]) -> NamedNode:
        return NamedNode(f"{self.base}id/theme/" + "/".join(slug(p) for p in path))

    def theme_scheme(self) -> NamedNode:
        return NamedNode(f"{self.base}id/theme")

    def country(self, iso3: str) -> NamedNode:
        return NamedNode(f"{self.base}id/country/{iso3}")

    def region(self, insee_code: str) -> NamedNode:
        return NamedNode(f"{self.base}id/region/{insee_code}")

    def foreign_territory(self, iso3: str, name: str) -> NamedNode:
        """Named within its country: 'Région de Dakar' and 'Région de Kolda' differ, and a
        'Province de Liège' is not a 'Ville de Liège'."""
        return NamedNode(f"{self.base}id/territory/{iso3}/{slug(name)}")


def actor_slug(name: str, atlas_id: str | None = None) -> str:
    """Actors with an Atlas id are named by it, the others by their normalised name."""
    return f"atlas-{slug(atlas_id)}" if atlas_id else slug(name)


def partnership_graph(base: str, key: str) -> NamedNode:
    """The named graph holding one page's public triples and their provenance."""
    return NamedNode(f"{base}graph/partnership/{key}")


def personal_graph(base: str, key: str) -> NamedNode:
    """The named graph holding one page's personal data (contacts, volunteers)."""
    return NamedNode(f"{base}graph/personal/{key}")


def reference_graph(base: str) -> NamedNode:
    """The one graph of shared data: themes scheme, territories, actors' names and kinds."""
    return NamedNode(f"{base}graph/reference")


def is_personal_graph(iri: str | NamedNode) -> bool:
    """True for `graph/personal/...` graphs of any base: those stay out of public outputs."""
    value = iri.value if isinstance(iri, NamedNode) else str(iri)
    return "/graph/personal/" in value
