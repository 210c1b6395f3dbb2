"""The store the server reads when personal data must stay hidden: a copy without those graphs.

Hiding `graph/personal/*` at query time means running every query on an explicit list of all the
other graphs, and pyoxigraph then looks each pattern up graph by graph: on 300 partnerships that
made queries 30 to 450 times slower than on the union default graph. So the server reads a copy of
the store whose personal graphs are removed (`<store>.public`, next to the store), made once and
remade only when the store's manifest changes. Queries keep the fast union default graph, and no
query, `FROM` clause or protocol parameter can reach quads that are not there.

`atlas-ld build` writes the copy first and the store from it (a hard-link backup plus the personal
graphs), then installs both (`install`): the copy never held a personal quad. A store made
otherwise (an older build, a store copied by hand) gets its copy from `public_copy`, which removes
the personal graphs from a backup; that copy's string table may still hold texts of the removed
graphs (pyoxigraph keeps strings that no quad uses any more), which no query can reach. The
copy's files are for the server only, never published. Releases and dumps are written from
quads, filtered by `personal.may_see`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pyoxigraph as ox

from atlas_ld.core.errors import StoreError
from atlas_ld.store.disk import MANIFEST, open_store
from atlas_ld.store.personal import may_see

STAMP = "source-manifest.sha256"


def _is_current(target: Path, digest: str) -> bool:
    stamp = target / STAMP
    try:
        return stamp.is_file() and stamp.read_text(encoding="ascii") == digest
    except (OSError, UnicodeError):
        return False


def manifest_digest(store_dir: Path) -> str:
    """The digest copies made from `store_dir` are stamped with: a new build, a new digest."""
    return hashlib.sha256((store_dir / MANIFEST).read_bytes()).hexdigest()


def copy_path(store_dir: Path) -> Path:
    """Where the public copy of `store_dir` lives: `<store>.public`, next to it."""
    return store_dir.with_name(store_dir.name + ".public")


def current_copy(store_dir: Path) -> Path | None:
    """The public copy of `store_dir` when it is there and made from the store as it is now."""
    store_dir = Path(store_dir)
    try:
        digest = manifest_digest(store_dir)
    except OSError:
        return None
    target = copy_path(store_dir)
    return target if _is_current(target, digest) else None


def public_copy(store_dir: Path) -> Path:
    """The path of an up-to-date copy of `store_dir` without personal-data graphs."""
    store_dir = Path(store_dir)
    found = current_copy(store_dir)
    if found is not None:
        return found
    source = open_store(store_dir, read_only=True)
    scratch = store_dir.with_name(f"{store_dir.name}.public.new-{os.getpid()}")
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        _copy_without_personal_graphs(source, scratch)
    except OSError as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        raise StoreError(
            f"cannot write the public copy of the store: {exc}", where=str(copy_path(store_dir))
        ) from None
    return install(scratch, store_dir)


def install(scratch: Path, store_dir: Path) -> Path:
    """Make `scratch`, a store holding every quad of `store_dir` but its personal graphs, the
    public copy of `store_dir` (stamped with the store's manifest); returns its path. A copy
    another process made meanwhile for the same store is kept and `scratch` removed."""
    target = copy_path(store_dir)
    try:
        digest = manifest_digest(store_dir)
        shutil.copyfile(store_dir / MANIFEST, scratch / MANIFEST)
        (scratch / STAMP).write_text(digest, encoding="ascii")
        if _is_current(target, digest):
            shutil.rmtree(scratch)
            return target
        old = target.with_name(f"{target.name}.old-{os.getpid()}")
        if target.exists():
            target.rename(old)  # then one rename: no reader finds the copy half removed
        scratch.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        raise StoreError(
            f"cannot write the public copy of the store: {exc}", where=str(target)
        ) from None
    return target


def _copy_without_personal_graphs(source: ox.Store, scratch: Path) -> None:
    """Write to `scratch` a store holding every quad of `source` but those of personal graphs.

    A backup is made of hard links to the source's immutable files: at 2,000 partnerships it
    took 0.4 s where loading every visible quad into a new store took 6.5 s. The personal
    graphs are then removed; compacting the copy (0.6 s there) rewrites the files without their
    quads, so no query steps over deletion markers.
    """
    source.backup(str(scratch))
    copy = ox.Store(str(scratch))
    for graph in list(copy.named_graphs()):
        if not may_see(graph, include_personal=False):
            copy.remove_graph(graph)
    copy.optimize()
    copy.flush()
    del copy
