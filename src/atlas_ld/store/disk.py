"""The pyoxigraph store on disk, and the IRIs of its named graphs.

A store directory is a pyoxigraph (RocksDB) database plus `atlas-ld.json`, the manifest that says it
is ours, with which base it was built and which page (content digest) each partnership graph came
from, so a rebuild can replace only what changed.

Concurrency: pyoxigraph documents that opening a store read-only while another process *writes* to
the same directory is undefined behaviour. So a build never writes into the directory a server
reads: it writes a new directory and swaps it in with renames (`swap_in`); the store that was
replaced is kept as `<store>.previous` until the next build, so a server process that opened it
keeps working, and picks up the new store when it reopens the path. Several processes may open the
same directory read-only at once.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph

from atlas_ld.core.errors import StoreError
from atlas_ld.core.iris import is_personal_graph, partnership_graph, personal_graph, reference_graph
from atlas_ld.core.namespaces import DEFAULT_BASE

__all__ = [
    "DEFAULT_STORE",
    "MANIFEST",
    "REFERENCE_GRAPH",
    "StoreManifest",
    "build_lock",
    "is_personal_graph",
    "open_store",
    "partnership_graph",
    "personal_graph",
    "read_manifest",
    "reference_graph",
    "swap_in",
]

DEFAULT_STORE = Path("atlas-ld-store")
MANIFEST = "atlas-ld.json"
FORMAT = "atlas-ld-store/1"
REFERENCE_GRAPH = reference_graph(DEFAULT_BASE)


@dataclass(slots=True)
class StoreManifest:
    """What a store holds: its base IRI and, per partnership key, the digest of its page."""

    base: str
    pages: dict[str, str] = field(default_factory=dict)
    quads: int = 0
    format: str = FORMAT
    aliases: str = ""  # digest of the actor merges the build made (build.actor_aliases)

    def write(self, store_dir: Path) -> None:
        data = {
            "format": self.format,
            "base": self.base,
            "quads": self.quads,
            "pages": self.pages,
            "aliases": self.aliases,
        }
        tmp = store_dir / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(data, indent=0, sort_keys=True), encoding="utf-8")
        tmp.replace(store_dir / MANIFEST)


def read_manifest(store_dir: Path) -> StoreManifest:
    """The manifest of an atlas-ld store; `StoreError` if the directory is not one."""
    path = Path(store_dir)
    if not path.is_dir():
        raise StoreError(
            "no store here", where=str(path), hint="run `atlas-ld build --store DIR` first"
        )
    try:
        data = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise StoreError(
            f"not an atlas-ld store (no readable {MANIFEST})",
            where=str(path),
            hint="run `atlas-ld build --store DIR` to make one",
        ) from None
    if data.get("format") != FORMAT:
        raise StoreError(f"unknown store format {data.get('format')!r}", where=str(path))
    return StoreManifest(
        base=data["base"],
        pages=data.get("pages", {}),
        quads=data.get("quads", 0),
        aliases=data.get("aliases", ""),
    )


def open_store(path: str | os.PathLike[str], *, read_only: bool) -> pyoxigraph.Store:
    """Open an existing atlas-ld store; `StoreError` naming the path when that is impossible."""
    store_dir = Path(path)
    read_manifest(store_dir)
    try:
        if read_only:
            return pyoxigraph.Store.read_only(str(store_dir))
        return pyoxigraph.Store(str(store_dir))
    except OSError as exc:
        raise StoreError(f"cannot open the store: {exc}", where=str(store_dir)) from None


def swap_in(new_dir: Path, store_dir: Path) -> None:
    """Make `new_dir` the store at `store_dir`; the old one becomes `<store>.previous`."""
    previous = store_dir.with_name(store_dir.name + ".previous")
    if previous.exists():
        shutil.rmtree(previous)
    if store_dir.exists():
        store_dir.rename(previous)
    new_dir.rename(store_dir)


@contextmanager
def build_lock(store_dir: Path) -> Iterator[None]:
    """One build at a time per store: a second one fails at once instead of racing the swap."""
    store_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = store_dir.with_name(store_dir.name + ".lock")
    with open(lock_path, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(
                "another build of this store is running", where=str(store_dir)
            ) from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def scratch_dir(store_dir: Path) -> Path:
    """A fresh directory next to the store (same file system, so renames and hard links work)."""
    store_dir.parent.mkdir(parents=True, exist_ok=True)
    path = store_dir.with_name(f"{store_dir.name}.new-{os.getpid()}")
    if path.exists():
        shutil.rmtree(path)
    return path
