"""`publish graph-store` into a real `oxigraph serve`, against `oxigraph load` of the same N-Quads.

    python benchmarks/bench_graph_store.py [--pages 12700] [--store DIR]

Builds N generated pages (or reads `--store`, a store built by `atlas-ld build`), writes the
public N-Quads of the store to a file, then times in the same run:

1. `oxigraph load --location NEW --file public.nq` (the peer: Oxigraph's own bulk loader);
2. `publish_graphs` into a fresh `oxigraph serve` (what `atlas-ld publish graph-store` does);
3. the same push again (every graph replaced), which must leave the same number of quads.

Prints the times and the ratio of 2 to 1, the figure docs/publish.md reports.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
import requests

from atlas_ld.core.model import Page
from atlas_ld.graph.pipeline import build
from atlas_ld.publish.graph_store import publish_graphs
from atlas_ld.sample.corpus import atlas_url, generate_pages
from atlas_ld.store.repo import open_repo

OXIGRAPH = Path(sys.executable).with_name("oxigraph")
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def generated(n: int) -> list[Page]:
    return [
        Page(source=item.file_name, body=item.body, url=atlas_url(item.record.atlas_id))
        for item in generate_pages(n, seed=1)
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def remote_count(url: str) -> int:
    response = requests.get(
        f"{url}/query", params={"query": COUNT}, headers={"Accept": "text/csv"}, timeout=600
    )
    response.raise_for_status()
    return int(response.text.splitlines()[1])


def start_oxigraph(location: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [str(OXIGRAPH), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"{url}/query", params={"query": "ASK {}"}, timeout=1)
            return process, url
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("oxigraph serve did not start within 30 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=12_700)
    parser.add_argument("--store", type=Path, default=None, help="an existing store to push")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-graph-store-"))
    try:
        store_dir = args.store
        if store_dir is None:
            store_dir = work / "store"
            started = time.monotonic()
            build(generated(args.pages), store_dir, use_cache=False)
            print(f"build of {args.pages} pages: {time.monotonic() - started:.1f} s")
        repo = open_repo(store_dir)
        nquads = work / "public.nq"
        with nquads.open("wb") as out:
            ox.serialize(repo.quads_for_pattern(None, None, None), out, ox.RdfFormat.N_QUADS)
        quads = sum(1 for _ in repo.quads_for_pattern(None, None, None))
        print(f"public quads: {quads} ({nquads.stat().st_size / 1e6:.0f} MB of N-Quads)")

        started = time.monotonic()
        subprocess.run(
            [str(OXIGRAPH), "load", "--location", str(work / "loaded"), "--file", str(nquads)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        peer = time.monotonic() - started
        print(f"oxigraph load:               {peer:7.1f} s ({quads / peer:,.0f} quads/s)")

        process, url = start_oxigraph(work / "served")
        try:
            for label in ("publish graph-store (new)", "publish graph-store (again)"):
                report = publish_graphs(repo, f"{url}/store", store_dir=store_dir)
                ours = report.seconds
                print(
                    f"{label}: {ours:7.1f} s ({report.triples / ours:,.0f} quads/s, "
                    f"{report.requests} requests, {report.method}) "
                    f"= {ours / peer:.2f} x oxigraph load"
                )
                loaded = remote_count(url)
                if loaded != quads:
                    raise SystemExit(f"the served store holds {loaded} quads, not {quads}")
        finally:
            process.terminate()
            process.wait(timeout=60)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
