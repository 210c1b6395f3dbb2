"""The build cache: each page's mapped and validated result, under a digest of what shaped it.

A cached result may be reused only when nothing that produced it changed, so its key covers the
page (bytes and provenance), the base IRI, and `fingerprint()`: a digest of the code and data of
the package (every source file, the reference tables), the ontology, the shapes and the versions
of the libraries that parse, map and validate. The program's version number alone is not enough:
it does not change with every edit of the mapping.

The cache is bounded: after a build, entries that build did not use are dropped (`prune`), so it
holds one version of each page. It is only a shortcut: an entry that cannot be written (full
disk, read-only folder) is skipped with a warning, an entry that cannot be read is a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import metadata
from importlib.abc import Traversable
from importlib.resources import files
from pathlib import Path

from atlas_ld.core.errors import BuildError
from atlas_ld.core.model import Page
from atlas_ld.core.resources import ontology_dir, shapes_dir
from atlas_ld.graph.validate import Issue

# Libraries whose output ends up in the store: a new version may change it.
_LIBRARIES = ("pyoxigraph", "pyshacl", "rdflib", "lxml", "w3lib")
# Files of the package that shape the output (code and reference tables, not the sample pages).
_SOURCE_SUFFIXES = (".py", ".csv", ".json", ".ttl", ".rq")


@dataclass(slots=True)
class PageResult:
    """One page's contribution, as cached: serialised quads, SHACL issues, what went wrong.

    `error` and `stage` (read, decode, parse, map, validate) say why a page was left out."""

    digest: str
    source: str
    key: str = ""
    partnership: str = ""
    nquads: str | None = None  # None when read from the cache: `ResultCache.nquads` has them
    personal: str = ""  # the quads of the page's personal-data graph (few: kept with the rest)
    quads: int = 0
    reference: str = ""
    issues: list[Issue] = field(default_factory=list)
    untyped_actors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    stage: str = ""
    search: str | None = None  # the page's facts for the search index (`PageFacts.dumps`)

    def to_json(self) -> dict:
        data = asdict(self)
        del data["nquads"]
        return data

    @classmethod
    def from_json(cls, data: dict) -> PageResult:
        data = dict(data)
        data["issues"] = [Issue(**issue) for issue in data["issues"]]
        return cls(**data)


def file_digest(path: Path | Traversable) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _files(folder: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    found = []
    for entry in folder.iterdir():
        name = f"{prefix}{entry.name}"
        if entry.is_dir():
            if entry.name not in ("__pycache__", "sample"):
                found += _files(entry, name + "/")
        elif entry.name.endswith(_SOURCE_SUFFIXES):
            found.append((name, entry))
    return found


@cache
def fingerprint() -> str:
    """What every cached result depends on besides the page (see the module docstring)."""
    digest = hashlib.sha256()
    for label, folder in (
        ("package", files("atlas_ld")),
        ("shapes", shapes_dir()),
        ("ontology", ontology_dir()),
    ):
        for name, entry in sorted(_files(folder), key=lambda item: item[0]):
            digest.update(f"{label}/{name} {file_digest(entry)}\n".encode())
    for library in _LIBRARIES:
        try:
            version = metadata.version(library)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{library} {version}\n".encode())
    return digest.hexdigest()


def page_digest(page: Page, base: str, fingerprint: str) -> str:
    """The cache key of one page: its bytes and provenance, the base, the program."""
    parts = [
        fingerprint,
        base,
        page.source,
        page.url or "",
        page.fetched_at.isoformat() if page.fetched_at else "",
        page.capture_id or "",
        page.sha256,
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class ResultCache:
    """Per page digest, `<digest>.json` (all but the public quads) and `<digest>.nq` (those), so a
    rebuild that patches the store reads only the small files of unchanged pages. A missing or
    unreadable file is a cache miss; a file that cannot be written is skipped (`problem`)."""

    def __init__(self, directory: Path | None):
        self.directory = directory
        self.problem: str | None = None
        if directory is not None:
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                self._give_up(exc)

    def _give_up(self, exc: OSError) -> None:
        self.problem = f"{self.directory}: cache not written: {exc.strerror or exc}"
        self.directory = None

    def _path(self, digest: str, suffix: str) -> Path:
        assert self.directory is not None
        return self.directory / digest[:2] / f"{digest}{suffix}"

    def get(self, digest: str) -> PageResult | None:
        if self.directory is None or not self._path(digest, ".nq").is_file():
            return None
        try:
            data = json.loads(self._path(digest, ".json").read_text("utf-8"))
            return PageResult.from_json(data)
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def nquads(self, result: PageResult) -> str:
        if result.nquads is not None:
            return result.nquads
        try:
            return self._path(result.digest, ".nq").read_text("utf-8")
        except (OSError, TypeError) as exc:
            raise BuildError(f"cache entry lost: {exc}", where=str(self.directory)) from None

    def put(self, result: PageResult) -> None:
        if self.directory is None or result.error or result.nquads is None:
            return
        written: list[Path] = []
        try:
            self._path(result.digest, "").parent.mkdir(exist_ok=True)
            # the .nq file last: an entry counts only once it is there
            for suffix, text in (
                (".json", json.dumps(result.to_json(), ensure_ascii=False)),
                (".nq", result.nquads),
            ):
                path = self._path(result.digest, suffix)
                tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
                written.append(tmp)
                tmp.write_text(text, encoding="utf-8")
                tmp.replace(path)
                written[-1] = path
        except OSError as exc:
            for path in written:  # no half entry: the .json alone would be a miss, but uses room
                path.unlink(missing_ok=True)
            self._give_up(exc)

    def prune(self, keep: set[str]) -> int:
        """Drop the entries whose digest is not in `keep` (and stray temporary files)."""
        if self.directory is None:
            return 0
        dropped = 0
        for folder in self.directory.iterdir():
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                if path.name.split(".", 1)[0] not in keep or path.name.endswith(".tmp"):
                    path.unlink(missing_ok=True)
                    dropped += path.suffix == ".nq"
            if not any(folder.iterdir()):
                folder.rmdir()
        return dropped
