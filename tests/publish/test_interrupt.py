"""A dump killed midway leaves the previous release exactly as it was."""

from __future__ import annotations

import hashlib
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from atlas_ld.core.release import ReleaseManifest
from atlas_ld.publish.release import dump

BASE = "https://atlas-ld.example/"


def grow(store_dir: Path, graphs: int, per_graph: int) -> None:
    """Add synthetic partnership graphs so that a dump takes seconds, not milliseconds."""
    store = ox.Store(str(store_dir))
    name = ox.NamedNode("http://purl.org/dc/terms/title")
    store.bulk_extend(
        ox.Quad(
            ox.NamedNode(f"{BASE}id/partnership/x{g}"),
            ox.NamedNode(f"{BASE}def/atlas#p{i}") if i else name,
            ox.Literal(f"Partenariat synthétique {g}-{i}", language="fr"),
            ox.NamedNode(f"{BASE}graph/partnership/x{g}"),
        )
        for g in range(graphs)
        for i in range(per_graph)
    )
    store.flush()


def sums_hold(release: Path) -> bool:
    for line in (release / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        if hashlib.sha256((release / name).read_bytes()).hexdigest() != digest:
            return False
    return True


def test_killed_dump_leaves_previous_release(store: ox.Store, store_dir: Path, tmp_path: Path):
    out = tmp_path / "release"
    previous = dump(store, out, base=BASE)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    big = tmp_path / "big-store"
    shutil.copytree(store_dir, big)
    grow(big, graphs=2000, per_graph=50)
    command = "from atlas_ld.cli import main; main()"
    process = subprocess.Popen(
        [sys.executable, "-c", command, "dump", "--store", str(big), "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        staged = None
        while staged is None and process.poll() is None:
            staged = next(tmp_path.glob(".release.tmp-*/atlas.ttl"), None)
            time.sleep(0.01)
        assert staged is not None and process.poll() is None, "the dump ended before the kill"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()

    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert sums_hold(out)
    assert ReleaseManifest.read(out) == previous
    assert list(tmp_path.glob(".release.tmp-*")), "the killed dump's staging directory is left"

    dump(store, out, base=BASE)  # the next dump clears the dead process's staging directory
    assert not list(tmp_path.glob(".release.tmp-*"))
