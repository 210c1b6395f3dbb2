"""What a release holds, as the dump writes it and the catalogue and portal uploads read it.

These dataclasses sit in `core` because the catalogue (graph stage, also served by the server)
and the release writer (publish stage) both describe releases.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from atlas_ld.core.errors import PublishError

MANIFEST_NAME = "manifest.json"


def release_path(release_dir: Path, relative: str) -> Path:
    """The file a manifest names, confined to the release folder: a manifest is input, and an
    absolute path or `..` in it must not make a command read (or upload) files elsewhere."""
    parts = relative.replace("\\", "/").split("/")
    if not relative or relative.startswith("/") or ":" in parts[0] or ".." in parts:
        raise PublishError(
            f"manifest.json names a file outside the release: {relative!r}",
            where=str(release_dir),
            hint="file paths in a manifest are relative, without '..'",
        )
    path = Path(release_dir) / Path(*parts)
    if not path.resolve().is_relative_to(Path(release_dir).resolve()):
        raise PublishError(
            f"manifest.json names a file outside the release (through a link): {relative!r}",
            where=str(release_dir),
        )
    return path


def release_id(modified: str | None, nquads_digest: str) -> str:
    """A release's id: the date of its newest capture plus the first 12 hex digits of the SHA-256
    of its sorted N-Quads. Equal pages give equal ids; one changed amount gives another id; the
    date makes ids sort in time and read as "the Atlas as of" that day. Pages without capture
    times (read from files) give `undated-` and the digest."""
    return f"{modified[:10] if modified else 'undated'}-{nquads_digest[:12]}"


def nquads_digest(nquads: bytes) -> str:
    """The content digest a release id is made from: SHA-256 of the sorted N-Quads text."""
    return hashlib.sha256(nquads).hexdigest()


@dataclass(frozen=True, slots=True)
class ReleaseFile:
    """One file of a release, as the catalogue and the portal upload describe it."""

    path: str  # relative to the release directory, with "/" separators
    media_type: str
    format: str  # name in the EU file-type authority table (TURTLE, CSV, ...)
    byte_size: int
    sha256: str
    statements: int | None = None  # triples or quads in an RDF file, rows in a table
    title: str = ""


@dataclass(slots=True)
class ReleaseManifest:
    """What a release holds. Written as `manifest.json`; read back by the catalogue and uploads."""

    version: str
    modified: str | None  # newest capture time found in the graph (ISO 8601), not the clock
    include_personal_data: bool
    triples: int
    quads: int
    graphs: int
    files: list[ReleaseFile] = field(default_factory=list)
    release_id: str = ""  # see `release_id()`; empty in releases written before ids existed
    content_sha256: str = ""  # SHA-256 of the sorted N-Quads the id is made from
    previous: str | None = None  # id of the release this one follows (`dump --previous`)
    changes: dict[str, int] = field(default_factory=dict)  # added/removed/changed partnerships
    quality: dict[str, int] = field(default_factory=dict)  # SHACL results per severity

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> ReleaseManifest:
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        values["files"] = [ReleaseFile(**item) for item in data.get("files", [])]
        return cls(**values)

    def file(self, path: str) -> ReleaseFile | None:
        return next((f for f in self.files if f.path == path), None)

    @classmethod
    def read(cls, release_dir: Path) -> ReleaseManifest:
        path = Path(release_dir) / MANIFEST_NAME
        try:
            return cls.from_json(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise PublishError(
                "not a release directory (no manifest.json)",
                where=str(release_dir),
                hint="write one with `atlas-ld dump --out DIR`",
            ) from None
        except (ValueError, TypeError) as exc:
            raise PublishError(f"unreadable manifest: {exc}", where=str(path)) from None


@dataclass(frozen=True, slots=True)
class Citation:
    """What the server's home page and the citation files say about one release."""

    release_id: str
    version: str
    title: str
    publisher: str
    date: str | None  # YYYY-MM-DD of the newest capture, None for undated pages
    dataset_iri: str
    download_url: str
    previous: str | None = None

    def text(self) -> str:
        """A plain reference, as a bibliography would print it."""
        year = f" ({self.date[:4]})" if self.date else ""
        return (
            f"{self.publisher}{year}. {self.title}, version {self.version}. "
            f"{self.dataset_iri} (release {self.release_id}, {self.download_url})"
        )

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Citation:
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})


SERVED_SUFFIX = ".release.json"


@dataclass(slots=True)
class ServedRelease:
    """What `atlas-ld dump` leaves next to the store it released (`STORE.release.json`), for the
    server's home, changes and quality pages: the citation, the change log, and a fingerprint of
    the store (its manifest's digest) so the server can tell whether it still serves that
    release's data or a store built since."""

    citation: Citation
    store_fingerprint: str
    changes: list[dict[str, str]] = field(default_factory=list)
    change_counts: dict[str, int] = field(default_factory=dict)
    quality: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "citation": self.citation.to_json(),
            "store_fingerprint": self.store_fingerprint,
            "changes": self.changes,
            "change_counts": self.change_counts,
            "quality": self.quality,
        }

    @classmethod
    def from_json(cls, data: dict) -> ServedRelease:
        return cls(
            citation=Citation.from_json(data["citation"]),
            store_fingerprint=data["store_fingerprint"],
            changes=list(data.get("changes", [])),
            change_counts=dict(data.get("change_counts", {})),
            quality=dict(data.get("quality", {})),
        )


def served_release_path(store_dir: Path) -> Path:
    store_dir = Path(store_dir)
    return store_dir.with_name(store_dir.name + SERVED_SUFFIX)


def store_fingerprint(store_dir: Path, manifest_name: str = "atlas-ld.json") -> str:
    """SHA-256 of the store's manifest: it lists every page's digest, so equal pages, equal
    fingerprint, and any rebuild with other pages changes it."""
    try:
        return hashlib.sha256((Path(store_dir) / manifest_name).read_bytes()).hexdigest()
    except OSError:
        return ""


def write_served_release(store_dir: Path, served: ServedRelease) -> None:
    path = served_release_path(store_dir)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(served.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)


def read_served_release(store_dir: Path) -> ServedRelease | None:
    """The release last dumped from this store, or None (never dumped, unreadable file)."""
    try:
        data = json.loads(served_release_path(store_dir).read_text(encoding="utf-8"))
        return ServedRelease.from_json(data)
    except (OSError, ValueError, TypeError, KeyError):
        return None
