"""This endpoint against `oxigraph serve-read-only` on the same store and the same canned queries.

    python benchmarks/bench_server.py [--pages 2000] [--store DIR] [--repeat 10] [--seconds 8]

Builds a store from N generated pages (or uses --store), starts three endpoints on it in one
run — Oxigraph's own server (union default graph), `atlas-ld serve --include-personal-data`
(the same dataset) and `atlas-ld serve` as deployed (reading the public copy of the store,
without the personal-data graphs) — then prints, per canned query, the median latency of
each and the ratio to Oxigraph, and the throughput with 4 concurrent clients cycling through
the queries. All requests ask for SPARQL JSON results.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from atlas_ld.core.model import Page
from atlas_ld.graph.pipeline import build
from atlas_ld.sample.corpus import atlas_url, generate_pages
from atlas_ld.store.canned import list_queries

BIN = Path(sys.executable).parent
ACCEPT = {"Accept": "application/sparql-results+json"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_store(pages: int, directory: Path) -> Path:
    store = directory / "store"
    generated = [
        Page(source=g.file_name, body=g.body, url=atlas_url(g.record.atlas_id))
        for g in generate_pages(pages, seed=7)
    ]
    started = time.perf_counter()
    report = build(generated, store, validate=False)
    print(
        f"store: {report.partnerships} partnerships, {report.quads} quads "
        f"(built in {time.perf_counter() - started:.1f} s)"
    )
    return store


def start(command: list[str], url: str) -> subprocess.Popen:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(3000):  # the first start of atlas-ld makes the public copy
        try:
            requests.get(url, params={"query": "ASK {}"}, headers=ACCEPT, timeout=2)
            return process
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"could not start: {' '.join(command)}")


def endpoints(store: Path) -> dict[str, tuple[list[str], str]]:
    ports = [free_port() for _ in range(3)]
    atlas = [
        str(BIN / "atlas-ld"),
        "serve",
        "--store",
        str(store),
        "--timeout",
        "120",
        "--max-rows",
        "100000000",
    ]
    return {
        "oxigraph": (
            [
                str(BIN / "oxigraph"),
                "serve-read-only",
                "--location",
                str(store),
                "--bind",
                f"127.0.0.1:{ports[0]}",
                "--union-default-graph",
            ],
            f"http://127.0.0.1:{ports[0]}/query",
        ),
        "atlas-ld (same data)": (
            [*atlas, "--port", str(ports[1]), "--include-personal-data"],
            f"http://127.0.0.1:{ports[1]}/sparql",
        ),
        "atlas-ld (public)": (
            [*atlas, "--port", str(ports[2])],
            f"http://127.0.0.1:{ports[2]}/sparql",
        ),
    }


def latency(url: str, query: str, repeat: int) -> tuple[float, int]:
    times, rows = [], 0
    for i in range(repeat + 1):
        started = time.perf_counter()
        response = requests.post(url, data={"query": query}, headers=ACCEPT, timeout=300)
        elapsed = time.perf_counter() - started
        response.raise_for_status()
        rows = len(response.json()["results"]["bindings"])
        if i:  # the first run warms the caches
            times.append(elapsed)
    return statistics.median(times), rows


def throughput(url: str, queries: list[str], seconds: float, clients: int = 4) -> float:
    done = [0] * clients
    stop = time.perf_counter() + seconds

    def client(n: int) -> None:
        i = n
        with requests.Session() as session:
            while time.perf_counter() < stop:
                query = queries[i % len(queries)]
                session.post(url, data={"query": query}, headers=ACCEPT, timeout=300)
                done[n] += 1
                i += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--store", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-server-"))
    try:
        store = args.store or build_store(args.pages, scratch)
        canned = {q.name: q.sparql for q in list_queries()}
        servers = endpoints(store)
        processes = [start(command, url) for command, url in servers.values()]
        try:
            medians: dict[str, dict[str, float]] = {name: {} for name in servers}
            print(f"\nmedian latency over {args.repeat} runs (ms), ratio to oxigraph")
            header = f"{'query':32}" + "".join(f"{name:>24}" for name in servers) + "    rows"
            print(header)
            for qname, query in canned.items():
                cells, rows = [], 0
                for name, (_, url) in servers.items():
                    median, rows = latency(url, query, args.repeat)
                    medians[name][qname] = median
                    ratio = median / medians["oxigraph"][qname]
                    cells.append(f"{median * 1000:10.1f} (x{ratio:5.2f})")
                print(f"{qname:32}" + "".join(f"{c:>24}" for c in cells) + f"{rows:8}")
            print(f"\nthroughput, 4 concurrent clients, {args.seconds:g} s each (queries/s)")
            queries = list(canned.values())
            for name, (_, url) in servers.items():
                print(f"{name:32}{throughput(url, queries, args.seconds):10.1f}")
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=30)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
