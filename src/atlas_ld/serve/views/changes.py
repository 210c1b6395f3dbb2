"""Which release the server serves, how to cite it, and what changed in it (`/changes`).

`atlas-ld dump` leaves `STORE.release.json` next to the store it released
(`core.release.ServedRelease`): the citation, the change log since the previous release, and a
fingerprint of the store. The home page's citation (`_citation.html`, through the
`served_release` template global) and this page read it; when the store was rebuilt since that
dump, they say so instead of claiming the release.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from atlas_ld.core.release import (
    ServedRelease,
    read_served_release,
    served_release_path,
    store_fingerprint,
)
from atlas_ld.serve.i18n import translator
from atlas_ld.serve.views.base import Value, env, local_href, render

# Field names of the change log (publish.diff) as people read them; French is the source text.
FIELD_LABELS = {
    "title": "Titre",
    "status": "Statut",
    "first_agreement_year": "Année de première signature",
    "start_year": "Année de début",
    "end_year": "Année de fin",
    "form": "Forme",
    "description": "Description",
    "theme": "Thématique",
    "partner": "Partenaire",
    "country": "Pays",
    "financing": "Financement",
}
CHANGE_LABELS = {"added": "ajouté", "removed": "retiré", "changed": "modifié"}


@dataclass(frozen=True, slots=True)
class ReleaseNote:
    """The served release as the pages show it; `current` is False when the store was rebuilt
    after the dump (the data served is then newer than the release)."""

    served: ServedRelease
    current: bool


_read: dict[str, tuple[tuple, ServedRelease | None]] = {}


def _served(store: Path) -> ServedRelease | None:
    """The file, parsed again only when it changed (the home page asks on every view)."""
    path = served_release_path(store)
    try:
        info = path.stat()
    except OSError:
        return None
    stamp = (info.st_mtime_ns, info.st_size)
    if _read.get(str(path), ((), None))[0] != stamp:
        _read[str(path)] = (stamp, read_served_release(store))
    return _read[str(path)][1]


def release_note(site) -> ReleaseNote | None:
    store = getattr(site.config, "store", None)
    if store is None or getattr(site.config, "sparql_endpoint", None):
        return None
    served = _served(Path(store))
    if served is None:
        return None
    return ReleaseNote(served, served.store_fingerprint == store_fingerprint(Path(store)))


def _served_release(request: Request) -> ReleaseNote | None:
    return release_note(request.app.state.site)


env.globals["served_release"] = _served_release


def field_label(t, name: str) -> str:
    """`financing FUNDER, YEAR` -> `Financement FUNDER, YEAR` in the page's language."""
    head, _, rest = name.partition(" ")
    label = t(FIELD_LABELS[head]) if head in FIELD_LABELS else head
    return f"{label} {rest}".strip()


async def changes(request: Request) -> Response:
    site = request.app.state.site
    t = translator(request)
    note = release_note(site)
    groups: list[dict] = []
    if note is not None:
        for row in note.served.changes:
            if not groups or groups[-1]["partnership"] != row["partnership"]:
                groups.append(
                    {
                        "partnership": row["partnership"],
                        "link": Value(
                            row["title"] or row["atlas_id"] or row["partnership"],
                            local_href(site, row["partnership"])
                            if row["change"] != "removed"
                            else None,
                        ),
                        "atlas_id": row["atlas_id"],
                        "change": t(CHANGE_LABELS.get(row["change"], row["change"])),
                        "fields": [],
                    }
                )
            if row["change"] == "changed":
                groups[-1]["fields"].append((field_label(t, row["field"]), row["old"], row["new"]))
    return render(request, "changes.html", t=t, note=note, groups=groups)


def routes() -> list[Route]:
    return [Route("/changes", changes, name="changes")]
