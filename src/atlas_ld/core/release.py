"""What a release holds, as the dump writes it and the catalogue and portal uploads read it.

These dataclasses sit in `core` because the catalogue (graph stage, also served by the server)
and the release writer (publish stage) both describe releases.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from atlas_ld.core.errors import PublishError

MANIFEST_NAME = "manifest.json"


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

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> ReleaseManifest:
        values = dict(data)
        values["files"] = [ReleaseFile(**item) for item in data.get("files", [])]
        return cls(**values)

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
