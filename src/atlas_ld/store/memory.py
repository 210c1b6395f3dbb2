"""The memory engine: the served copy of a store held in memory by each process that queries it.

pyoxigraph evaluates the same query three to fourteen times faster on its in-memory store than
on its RocksDB store (measured on the canned queries: `roles` 21.8 s on disk, 2.4 s in memory
at Atlas scale; 10.9 ms and 1.9 ms on the sample), at a cost of about 500 bytes of memory per
quad (0.9 GB for 1.73 M quads). A published store does not change until the next build, so a
server that has the memory reads it there (`--engine memory`, or `auto` when it fits).

The copy is loaded from an N-Quads file of the served copy (`<store>.public.nq`, next to the
store), written by `atlas-ld build` and remade when the store's manifest changes: parsing it
takes 4 s at Atlas scale where reading every quad out of RocksDB took 15 s. The file is for the
server only, like the public copy it is made from, and never published.

Rows of a query without `ORDER BY` come out in another order in memory than on disk, so answers
are kept per engine (`ENGINE_SUFFIX` on the build id that names them): an `ETag` always names
the same bytes, and pages cut from a kept answer are the pages an evaluation gives.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Literal

import pyoxigraph as ox

from atlas_ld.core.errors import StoreError
from atlas_ld.core.processes import proc_bytes, readable_size
from atlas_ld.store.disk import remove_dead_scratch
from atlas_ld.store.public_copy import manifest_digest

log = logging.getLogger(__name__)

Engine = Literal["memory", "disk"]
ENGINES = ("auto", "memory", "disk")
ENGINE_SUFFIX = {"memory": "-memory", "disk": ""}
BYTES_PER_QUAD = 600  # measured 490 to 530 in a process holding one copy; some margin
# Copies a server holds: its own and its query workers' fork server's (`serve.workers`)
SERVER_COPIES = 2
MEMORY_SHARE = 0.5  # `auto`: at most this share of the memory available for all copies


def copy_file(store_dir: Path) -> Path:
    """Where the N-Quads of `store_dir`'s served copy live: `<store>.public.nq`, next to it."""
    store_dir = Path(store_dir)
    return store_dir.with_name(store_dir.name + ".public.nq")


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _stamp_text(store_dir: Path, target: Path) -> str:
    """What the stamp says: the store's manifest digest and the file's size (a file cut short,
    by a full disk or by hand, is not taken for a whole one)."""
    return f"{manifest_digest(store_dir)} {target.stat().st_size}"


def current_file(store_dir: Path) -> Path | None:
    """The N-Quads file of `store_dir` when it is there, whole, and made from the store as it
    is now."""
    target = copy_file(store_dir)
    try:
        current = _stamp(target).read_text(encoding="ascii") == _stamp_text(store_dir, target)
    except (OSError, UnicodeError):
        return None
    return target if current else None


def write_file(store_dir: Path, served: Path) -> Path:
    """Write the N-Quads of `served` (the store's served copy) as `store_dir`'s memory file:
    whole, then renamed, then stamped with the store's manifest, so a reader never loads half
    a file and a file of another build is never taken for this one's."""
    store_dir = Path(store_dir)
    target = copy_file(store_dir)
    remove_dead_scratch(target)
    scratch = target.with_name(f"{target.name}.new-{os.getpid()}")
    try:
        source = ox.Store.read_only(str(served))
        source.dump(output=str(scratch), format=ox.RdfFormat.N_QUADS)
        del source
        _stamp(target).unlink(missing_ok=True)
        scratch.replace(target)
        _stamp(target).write_text(_stamp_text(store_dir, target), encoding="ascii")
    except OSError as exc:
        scratch.unlink(missing_ok=True)
        raise StoreError(
            f"cannot write the store's memory copy: {exc}", where=str(target)
        ) from None
    return target


def memory_file(store_dir: Path, served: Path) -> Path:
    """The current N-Quads file of `store_dir`'s served copy, written first when missing."""
    return current_file(store_dir) or write_file(store_dir, served)


def load(path: str | os.PathLike[str]) -> ox.Store:
    """A pyoxigraph in-memory store holding the quads of the N-Quads file at `path`.

    `lenient`: the file was written by pyoxigraph from a valid store, so its IRIs need no
    second validation (parsing is the whole cost of loading).

    The store is made in a thread of its own, so that glibc gives its millions of allocations,
    and the loader's freed buffers between them, a heap (arena) of their own. Made in the
    calling thread, they fragmented the heap the server's requests allocate from: `_int_malloc`
    searching its free chunks took a third of the CPU, and a trivial query went from 18,500 to
    11,000 requests/s at Atlas scale (`malloc_trim` afterwards did not help)."""
    made: list[ox.Store] = []
    failed: list[BaseException] = []

    def fill() -> None:
        try:
            store = ox.Store()
            store.bulk_load(path=os.fspath(path), format=ox.RdfFormat.N_QUADS, lenient=True)
            made.append(store)
        except (OSError, SyntaxError, ValueError) as exc:
            failed.append(exc)

    loader = threading.Thread(target=fill, name="atlas-ld-load-memory-copy")
    loader.start()
    loader.join()
    if failed or not made:
        msg = f"cannot load the store's memory copy: {failed[0] if failed else 'no store'}"
        raise StoreError(" ".join(msg.split()), where=str(path)) from None
    return made[0]


def available_memory() -> int:
    """Bytes of memory available to new processes (`MemAvailable`), or 0 when unknown."""
    return proc_bytes("/proc/meminfo", "MemAvailable:") or 0


def choose(setting: str, quads: int, *, copies: int) -> tuple[Engine, str]:
    """The engine for `setting` ("auto", "memory" or "disk") on a store of `quads` quads (its
    manifest's count), and one line for the server's start saying which and why. `auto` takes
    memory when `copies` copies fit in `MEMORY_SHARE` of the memory available now."""
    if setting not in ENGINES:
        raise StoreError(f"unknown engine {setting!r}: choose one of {', '.join(ENGINES)}")
    needed = quads * BYTES_PER_QUAD * copies
    available = available_memory()
    if setting == "memory" or (setting == "auto" and needed and needed <= available * MEMORY_SHARE):
        size = readable_size(needed)
        return "memory", f"queries read the store in memory ({copies} copies, about {size})"
    if setting == "disk":
        return "disk", "queries read the store on disk (--engine disk)"
    return "disk", (
        f"queries read the store on disk: {copies} copies in memory would take about "
        f"{readable_size(needed)}, more than half the {readable_size(available)} available "
        "(--engine memory to force it)"
    )


# -- copies shared by the query workers ------------------------------------------------------

PRELOAD_VARIABLE = "ATLAS_LD_MEMORY_FILE"
_loaded: dict[tuple[str, str], ox.Store] = {}


def _identity(path: str) -> tuple[str, str]:
    """A memory file and the build it holds: a fork server that loaded another build's file
    under the same name never gives that copy for this one."""
    try:
        built = _stamp(Path(path)).read_text(encoding="ascii")  # the build and the size
    except (OSError, UnicodeError):
        built = ""
    return os.path.abspath(path), built


def preload_environment() -> None:
    """Load the memory file named by `PRELOAD_VARIABLE`, once per process. The query workers'
    fork server imports `atlas_ld.store.preload`, which calls this: each worker forked from it
    then shares the copy's pages with the others instead of loading its own."""
    path = os.environ.get(PRELOAD_VARIABLE)
    if path and _identity(path) not in _loaded:
        identity = _identity(path)  # before loading: the file may be replaced meanwhile
        try:
            _loaded[identity] = load(path)
        except StoreError as exc:
            log.warning("%s", exc)  # each worker will load (and report) it itself


def shared(path: str) -> ox.Store:
    """The in-memory store of the memory file at `path`: the copy this process preloaded for
    the same build, or a new one."""
    found = _loaded.get(_identity(path))
    return found if found is not None else load(path)
