"""Dump figures: time and size per format, on the sample store and on an Atlas-scale store.

    python benchmarks/bench_dump.py [--pages 12700] [--store DIR] [--processes 2] [--graph-store]

The Atlas-scale store is built from N generated pages with the graph stage's build (deterministic
pages from the sample generator), unless --store names an existing store to reuse. Each run also
dumps twice and checks that the bytes are the same, then dumps a third time with `previous=` the
first release (the change log). It prints the time of the files a release held before versions,
IATI, quality and change logs existed (RDF, tables, VoID, catalogue) as the peer, and the ratio of
the whole dump to it; and validates iati-activities.xml against the IATI 2.03 schema of the tests
and reads it back with iatikit.
With --graph-store, the Atlas-scale store is also published twice to a local `oxigraph serve`
through the Graph Store Protocol.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import iatikit
import pyoxigraph as ox
import requests
from lxml import etree

from atlas_ld.core.model import Page
from atlas_ld.core.release import ReleaseManifest
from atlas_ld.graph.pipeline import build, build_sample
from atlas_ld.publish.graph_store import publish_graphs
from atlas_ld.publish.release import dump
from atlas_ld.sample.corpus import atlas_url, generate_pages
from atlas_ld.store.disk import read_manifest


def atlas_scale_store(path: Path, pages: int, processes: int | None) -> None:
    started = time.perf_counter()
    generated = [
        Page(source=g.file_name, body=g.body, url=atlas_url(g.record.atlas_id))
        for g in generate_pages(pages, seed=7)
    ]
    report = build(generated, path, processes=processes)
    print(
        f"built {report.partnerships} partnerships, {report.quads} quads "
        f"in {time.perf_counter() - started:.0f} s"
    )


IATI_XSD = (
    Path(__file__).resolve().parents[1] / "tests/data/reference/iati/iati-activities-schema.xsd"
)
# The steps a release had before ids, IATI, quality and change logs: the peer of the ratio.
EARLIER_STEPS = (
    "read and sort",
    "atlas.ttl",
    "atlas.nt.gz",
    "atlas.nq.gz",
    "atlas.jsonld",
    "tables",
    "void.ttl",
    "catalog",
)


def measure(label: str, store_dir: Path, workdir: Path) -> None:
    store = ox.Store.read_only(str(store_dir))
    base = read_manifest(store_dir).base
    steps: dict[str, float] = {}
    warnings: list[str] = []
    started = time.perf_counter()
    manifest = dump(
        store,
        workdir / label,
        base=base,
        progress=steps.__setitem__,
        store_dir=store_dir,
        log=warnings.append,
    )
    total = time.perf_counter() - started
    again = dump(store, workdir / f"{label}-again", base=base, store_dir=store_dir)
    same = all(
        (workdir / label / f.path).read_bytes()
        == (workdir / f"{label}-again" / f.path).read_bytes()
        for f in again.files
    )
    earlier = sum(seconds for name, seconds in steps.items() if name in EARLIER_STEPS)
    print(
        f"\n{label}: {manifest.triples} triples, {manifest.quads} quads, {manifest.graphs} graphs; "
        f"release {manifest.release_id}; dump {total:.1f} s; second dump byte-identical: {same}"
    )
    sizes = sizes_by_step(manifest)
    for name, seconds in steps.items():
        size = f"{sizes[name] / 1e6:9.2f} MB" if name in sizes else " " * 12
        print(f"  {name:16} {seconds:7.2f} s {size}")
    print(f"  earlier steps {earlier:.1f} s; whole dump / earlier steps = {total / earlier:.2f}")
    for warning in warnings:
        print(f"  warning: {warning}")
    schema = etree.XMLSchema(etree.parse(str(IATI_XSD)))
    valid = schema.validate(etree.parse(str(workdir / label / "iati-activities.xml")))
    error = schema.error_log.last_error or ""
    print(f"  iati-activities.xml valid against IATI 2.03: {valid} {error}")
    activities = iatikit.Dataset(str(workdir / label / "iati-activities.xml")).activities
    print(f"  iatikit reads {len(activities)} activities back")
    steps.clear()
    started = time.perf_counter()
    with_log = dump(
        store,
        workdir / f"{label}-next",
        base=base,
        progress=steps.__setitem__,
        store_dir=store_dir,
        previous=workdir / label,
    )
    print(
        f"  dump with previous= the first release: {time.perf_counter() - started:.1f} s "
        f"(changes step {steps.get('changes', 0):.1f} s), changes {with_log.changes}"
    )


def graph_store(store_dir: Path, workdir: Path) -> None:
    """Publish twice to a fresh `oxigraph serve` and count the quads there after each run."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    binary = Path(sys.executable).with_name("oxigraph")
    server = subprocess.Popen(
        [
            str(binary),
            "serve",
            "--location",
            str(workdir / "remote"),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    try:
        for _ in range(100):
            try:
                requests.get(f"{url}/query", params={"query": "ASK {}"}, timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        store = ox.Store.read_only(str(store_dir))
        for run in (1, 2):
            started = time.perf_counter()
            report = publish_graphs(store, f"{url}/store")
            seconds = time.perf_counter() - started
            quads = requests.get(
                f"{url}/query", params={"query": count}, headers={"Accept": "text/csv"}, timeout=600
            ).text.split()[-1]
            print(
                f"graph store, run {run}: {report.graphs} graphs, {report.triples} triples in "
                f"{report.requests} requests, {seconds:.1f} s; {quads} quads on the server"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


def sizes_by_step(manifest: ReleaseManifest) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for file in manifest.files:
        key = file.path.split("/", 1)[0] if "/" in file.path else file.path
        key = "catalog" if key.startswith("catalog.") else key
        key = {"iati-activities.xml": "iati", "CITATION.cff": "citation"}.get(key, key)
        key = "citation" if key == ".zenodo.json" else key
        sizes[key] = sizes.get(key, 0) + file.byte_size
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=12700)
    parser.add_argument("--store", type=Path, default=None, help="reuse this Atlas-scale store")
    parser.add_argument("--processes", type=int, default=None)
    parser.add_argument("--graph-store", action="store_true", help="also time publish graph-store")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="atlas-bench-dump-"))
    try:
        sample = workdir / "sample-store"
        build_sample(sample)
        measure("sample", sample, workdir)
        big = args.store
        if big is None or not big.exists():
            big = args.store or workdir / "atlas-store"
            atlas_scale_store(big, args.pages, args.processes)
        measure(f"atlas-{args.pages}", big, workdir)
        if args.graph_store:
            graph_store(big, workdir)
    finally:
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
