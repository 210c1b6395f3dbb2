"""Regression: a store loaded in memory by the thread that then serves requests fragmented that
thread's heap. Its millions of allocations, and the loader's freed buffers between them, stayed
in glibc's main arena, and every later allocation searched their free chunks: `_int_malloc` took
a third of the server's CPU and a trivial query went from 18,500 to 11,000 requests/s at Atlas
scale. `store.memory.load` now fills the store in a thread of its own, whose arena holds it.

The oracle is glibc's own account of its arenas (`malloc_info`): loading the same file in the
calling thread (the control) grows the main arena by about the store's size; `load` must not."""

from __future__ import annotations

import ctypes
import re
import sys

import pyoxigraph as ox
import pytest

from atlas_ld.store.memory import load

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="glibc's malloc_info")

QUADS = 60_000  # about 30 MB in memory: well above the main arena's noise


def _main_arena_bytes(tmp_path) -> int:
    """Bytes glibc's main arena (heap 0) holds from the system now."""
    libc = ctypes.CDLL("libc.so.6")
    libc.fopen.restype = ctypes.c_void_p
    report = tmp_path / "malloc-info.xml"
    stream = libc.fopen(str(report).encode(), b"w")
    libc.malloc_info(0, ctypes.c_void_p(stream))
    libc.fclose(ctypes.c_void_p(stream))
    text = report.read_text(encoding="ascii")
    heap = re.search(r'<heap nr="0">(.*?)</heap>', text, re.S)
    assert heap is not None, text[:500]
    current = re.search(r'<system type="current" size="(\d+)"/>', heap.group(1))
    assert current is not None
    return int(current.group(1))


@pytest.fixture(scope="module")
def nquads(tmp_path_factory):
    path = tmp_path_factory.mktemp("heap") / "copy.nq"
    with path.open("w", encoding="utf-8") as out:
        for i in range(QUADS):
            out.write(
                f"<https://e.example/s{i}> <https://e.example/p{i % 50}> "
                f'"valeur {i} de la coopération" <https://e.example/g{i % 300}> .\n'
            )
    return path


def test_loading_in_the_calling_thread_grows_its_arena(nquads, tmp_path):
    """The control: the measure sees a store filled in the calling thread."""
    before = _main_arena_bytes(tmp_path)
    store = ox.Store()
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    grown = _main_arena_bytes(tmp_path) - before
    assert len(store) == QUADS
    assert grown > 10 << 20, grown


def test_the_memory_copy_is_not_in_the_serving_threads_arena(nquads, tmp_path):
    before = _main_arena_bytes(tmp_path)
    store = load(nquads)
    grown = _main_arena_bytes(tmp_path) - before
    assert len(store) == QUADS
    assert grown < 4 << 20, grown
