"""The pyoxigraph store on disk, and the IRIs of its named graphs.

A store directory is a pyoxigraph (RocksDB) database plus `atlas-ld.json`, the manifest that says it
is ours, with which base it was built and which page (content digest) each partnership graph came
from, so a rebuild can replace only what changed.

Concurrency: pyoxigraph documents that opening a store read-only while another process *writes* to
the same directory is undefined behaviour. So a build never writes into the directory a server
reads: it writes a new directory and swaps it in by replacing the `STORE` symbolic link with one
rename (`swap_in`); the store that was replaced is kept (`<store>.previous`) until the next build,
so a server process that opened it keeps working, and picks up the new store when it reopens the
path. Several processes may open the same directory read-only at once.
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
from atlas_ld.core.processes import process_alive

__all__ = [
    "DEFAULT_STORE",
    "MANIFEST",
    "REFERENCE_GRAPH",
    "BuildLock",
    "StoreManifest",
    "build_lock",
    "is_personal_graph",
    "open_store",
    "partnership_graph",
    "personal_graph",
    "read_manifest",
    "recover",
    "reference_graph",
    "remove_orphans",
    "swap_in",
    "traces",
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
    reference: str = ""  # digest of the reference graph's N-Triples, from which it was loaded

    def write(self, store_dir: Path) -> None:
        data = {
            "format": self.format,
            "base": self.base,
            "quads": self.quads,
            "pages": self.pages,
            "aliases": self.aliases,
            "reference": self.reference,
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
        reference=data.get("reference", ""),
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


# -- the swap: `STORE` is a symbolic link replaced with one rename ----------------------------
#
# Every build writes a complete store into `STORE.new-PID`, moves it to `STORE.stores/N` (one
# generation per build) and points `STORE` at it by renaming a new link over the old one: the
# only step that changes what `STORE` means is that rename, which is atomic. A crash anywhere
# leaves `STORE` naming a complete store (the old or the new one); what a crash leaves beside it
# (`STORE.new-PID`, an unreferenced generation) is removed by the next build. `STORE.previous`
# points at the generation replaced, kept until the next build so open handles keep answering.
#
# A store made before this layout is a real directory: the first swap moves it into the
# generations, and a journal (`STORE.swap`) records the link to make, so the next command
# completes that swap if a crash falls between the two renames.

GENERATIONS = ".stores"
JOURNAL = ".swap"


def sibling(store_dir: Path, suffix: str) -> Path:
    """`STORE<suffix>`, next to the store: same file system, so renames are atomic."""
    return store_dir.with_name(store_dir.name + suffix)


def _link(target: Path, at: Path) -> None:
    """Point the symbolic link `at` at `target` (relative, so the folder can move) atomically."""
    tmp = sibling(at, f".link-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    os.symlink(os.path.relpath(target, at.parent), tmp)
    os.replace(tmp, at)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _next_generation(generations: Path) -> Path:
    numbers = [int(p.name) for p in generations.iterdir() if p.name.isdigit()]
    return generations / str(max(numbers, default=0) + 1)


def swap_in(new_dir: Path, store_dir: Path) -> None:
    """Make the complete store `new_dir` the store at `store_dir`; the old one becomes
    `<store>.previous`. Generations referenced by neither are removed."""
    generations = sibling(store_dir, GENERATIONS)
    generations.mkdir(exist_ok=True)
    previous = sibling(store_dir, ".previous")
    old: Path | None = None
    if store_dir.is_symlink():
        old = store_dir.resolve() if store_dir.exists() else None
    elif store_dir.is_dir():
        old = _next_generation(generations)  # a store of the layout before generations
    target = _next_generation(generations)
    if old is not None and target == old:
        target = generations / str(int(old.name) + 1)
    new_dir.rename(target)
    if old is not None and not store_dir.is_symlink():
        journal = sibling(store_dir, JOURNAL)
        journal.write_text(json.dumps({"link": target.name}), encoding="utf-8")
        store_dir.rename(old)  # a crash here: `recover` makes the link the journal names
        _link(target, store_dir)
        journal.unlink()
    else:
        _link(target, store_dir)
    _fsync_dir(store_dir.parent)
    if previous.exists() and not previous.is_symlink():
        shutil.rmtree(previous)  # a `.previous` directory of the layout before generations
    if old is not None:
        _link(old, previous)
    collect_generations(store_dir)


def _referenced(store_dir: Path) -> set[str]:
    names = set()
    for link in (store_dir, sibling(store_dir, ".previous")):
        if link.is_symlink():
            names.add(Path(os.readlink(link)).name)
    journal = sibling(store_dir, JOURNAL)
    if journal.is_file():
        names.add(json.loads(journal.read_text(encoding="utf-8"))["link"])
    return names


def collect_generations(store_dir: Path) -> list[Path]:
    """Remove the generations neither `STORE` nor `STORE.previous` names; return them."""
    generations = sibling(store_dir, GENERATIONS)
    if not generations.is_dir():
        return []
    keep = _referenced(store_dir)
    removed = [p for p in generations.iterdir() if p.name not in keep]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


def recover(store_dir: Path) -> str | None:
    """Complete a swap a crash interrupted (see above); say what was done, or None."""
    journal = sibling(store_dir, JOURNAL)
    if not journal.is_file():
        return None
    target = sibling(store_dir, GENERATIONS) / json.loads(journal.read_text("utf-8"))["link"]
    if store_dir.exists() or store_dir.is_symlink():
        journal.unlink()  # the swap had finished
        return None
    if not target.is_dir():
        raise StoreError(
            f"an interrupted store swap names {target}, which is gone",
            where=str(store_dir),
            hint=f"look at {sibling(store_dir, GENERATIONS)} and {journal}",
        )
    _link(target, store_dir)
    journal.unlink()
    return f"completed an interrupted store swap: {store_dir} -> {target}"


def traces(store_dir: Path) -> list[Path]:
    """What says a store is or was at `store_dir` (a dangling link, `.previous`, `.new-*`,
    generations, a swap journal): a path with any of these must not get the sample built on it."""
    found = [store_dir] if store_dir.is_symlink() or store_dir.exists() else []
    for suffix in (".previous", GENERATIONS, JOURNAL):
        path = sibling(store_dir, suffix)
        if path.exists() or path.is_symlink():
            found.append(path)
    if store_dir.parent.is_dir():
        found += sorted(store_dir.parent.glob(f"{glob_escape(store_dir.name)}.new-*"))
    return found


def glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def remove_orphans(store_dir: Path) -> list[Path]:
    """`STORE.new-PID` directories and links left by builds that died, and public copies left
    half made by readers that died; call it holding the build lock (so none of them belongs to
    a running build). Returns what was removed."""
    removed = []
    pattern = glob_escape(store_dir.name)
    for path in sorted(store_dir.parent.glob(f"{pattern}.new-*")):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    for path in store_dir.parent.glob(f"{pattern}*.link-*"):
        path.unlink(missing_ok=True)
    for path in sorted(store_dir.parent.glob(f"{pattern}.public.old-*")):
        shutil.rmtree(path, ignore_errors=True)  # a copy replaced by one whose install died
        removed.append(path)
    # A public copy being made by a reader (`public_copy`), outside the build lock.
    removed += remove_dead_scratch(store_dir.with_name(f"{store_dir.name}.public"))
    return removed + collect_generations(store_dir)


def remove_dead_scratch(target: Path) -> list[Path]:
    """`TARGET.new-PID` files and directories whose writer is gone (killed half way, the
    machine down); a live writer's stay. For what readers write outside the build lock (the
    public copy, the memory engine's N-Quads), each as large as what it was to become."""
    removed = []
    for path in sorted(target.parent.glob(f"{glob_escape(target.name)}.new-*")):
        pid = path.name.rpartition("-")[2]
        if pid.isdigit() and not process_alive(int(pid)):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed


# -- one build at a time --------------------------------------------------------------------


@dataclass(slots=True)
class BuildLock:
    """The held lock; `taken_over` names the dead build whose lock this one took."""

    path: Path
    fd: int
    taken_over: int | None = None


@contextmanager
def build_lock(store_dir: Path) -> Iterator[BuildLock]:
    """One build at a time per store: a second one fails at once instead of racing the swap.

    The lock is an `flock` on `STORE.lock`, which holds the owner's PID. The kernel releases
    an flock when its holders die, so a killed build never blocks the next one; the file still
    naming a dead PID then says a build died, which the caller reports. Worker processes close
    their inherited copy (`pipeline`), so only the build's own process holds the lock.
    """
    lock_path = sibling(store_dir, ".lock")
    try:
        store_dir.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise StoreError(
            f"cannot open the build lock: {exc.strerror or exc}", where=str(lock_path)
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = _owner(fd)
            running = f" (process {owner})" if owner and process_alive(owner) else ""
            raise StoreError(
                f"another build of this store is running{running}", where=str(store_dir)
            ) from None
        owner = _owner(fd)
        lock = BuildLock(lock_path, fd, owner if owner and owner != os.getpid() else None)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield lock
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _owner(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None


def scratch_dir(store_dir: Path) -> Path:
    """A fresh directory next to the store (same file system, so renames and hard links work)."""
    store_dir.parent.mkdir(parents=True, exist_ok=True)
    path = sibling(store_dir, f".new-{os.getpid()}")
    if path.exists():
        shutil.rmtree(path)
    return path


def sample_may_be_built(store_dir: Path) -> bool:
    """True when no store is, was, or is about to be at `store_dir`, so `serve` may build the
    sample there. False when a store is there (an interrupted swap is completed first). A path
    with `.previous`, `.new-*`, generations or a swap journal raises `StoreError` naming them."""
    recover(store_dir)
    if store_dir.exists():
        return False
    found = traces(store_dir)
    if found:
        shown = ", ".join(str(p) for p in found[:4])
        raise StoreError(
            f"no store here, but traces of one ({shown}): not building the sample over them",
            where=str(store_dir),
            hint="rebuild it with `atlas-ld build --store`, or remove them",
        )
    return True
