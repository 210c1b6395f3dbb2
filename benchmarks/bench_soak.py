"""Soak: 16 clients for 60 s against `atlas-ld serve`, healthy and hostile requests mixed.

    python benchmarks/bench_soak.py [--store DIR] [--clients 16] [--seconds 60]

Without --store, builds the bundled sample. Each client picks, at random (seeded), a canned
query, a resource page, a search, a heavy query (a cross product sorted, which reaches the
worker's memory limit or the time limit) or a nested-brace query (refused before parsing), and
sends it with `Cache-Control: no-cache` one time in ten (`--fresh`) so the evaluation is
exercised as well as the cache. Prints requests/s, p50/p95 per kind, responses by status,
worker processes replaced (and whether any died without the server choosing it: there must be
none), and the peak RSS of the server's main process and of each worker, sampled from /proc
every 0.2 s.

The done-when of issue 10: no 500, no death the server did not choose, healthy requests p95
<= 200 ms, main process <= 300 MB, each worker <= its memory limit + 200 MB.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import requests

from atlas_ld.graph.pipeline import build_sample
from atlas_ld.store.canned import list_queries

BIN = Path(sys.executable).parent
HEAVY = "SELECT * { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?f"
NESTED = "SELECT * WHERE " + "{" * 5000 + "}" * 5000
HEALTHY = ("canned", "page", "search")
PAGE_SIZE = 4096


def rss_mb(pid: int) -> float:
    try:
        return psutil.Process(pid).memory_info().rss / 2**20
    except psutil.Error:
        return 0.0


def children(pid: int) -> set[int]:
    """The server's query workers: its spawned children or, with the memory engine, the
    children of its fork server; not multiprocessing's resource tracker nor the fork server."""
    found: set[int] = set()
    try:
        direct = psutil.Process(pid).children()
    except psutil.Error:
        return found
    for child in direct:
        try:
            line = " ".join(child.cmdline())
            if "resource_tracker" in line:
                continue
            if "forkserver" in line:
                found |= {worker.pid for worker in child.children()}
            else:
                found.add(child.pid)
        except psutil.Error:  # it ended meanwhile
            pass
    return found


def start(store: Path, log: Path, memory: str, workers: int) -> tuple[subprocess.Popen, str]:
    out = log.open("wb")
    process = subprocess.Popen(
        [
            *(str(BIN / "atlas-ld"), "serve", "--store", str(store), "--port", "0"),
            *("--query-memory", memory, "--timeout", "10", "--workers", str(workers)),
        ],
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        found = re.search(r"serving on (http://\S+?)/?$", log.read_text(), re.MULTILINE)
        if found:
            url = found.group(1)
            try:
                requests.get(url + "/sparql", timeout=5)
                return process, url
            except requests.RequestException:
                pass
        time.sleep(0.1)
    process.kill()
    raise SystemExit(f"server did not start: {log.read_text()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--query-memory", default="1GiB")
    parser.add_argument("--workers", type=int, default=3, help="the server's query workers")
    parser.add_argument(
        "--fresh", type=float, default=0.1, help="share of requests sent with no-cache"
    )
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    try:
        store = args.store
        if store is None:
            store = scratch / "store"
            build_sample(store)
        process, url = start(store, scratch / "server.log", args.query_memory, args.workers)
        try:
            soak(process, url, args)
        finally:
            process.terminate()
            process.wait(timeout=30)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def soak(process: subprocess.Popen, url: str, args) -> None:
    canned = [q.sparql for q in list_queries()]
    listing = requests.get(
        url + "/sparql",
        params={
            "query": "SELECT ?p ?t { ?p a <https://atlas-ld.example/def/atlas#Partnership> ; "
            "<http://purl.org/dc/terms/title> ?t }"
        },
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    ).json()["results"]["bindings"]
    pages = [b["p"]["value"].removeprefix("https://atlas-ld.example/") for b in listing]
    words = [max(re.findall(r"\w+", b["t"]["value"]), key=len) for b in listing]

    times: dict[str, list[float]] = collections.defaultdict(list)
    statuses: collections.Counter = collections.Counter()
    errors: collections.Counter = collections.Counter()
    examples: dict[tuple[str, object], str] = {}
    peak = {"main": 0.0, "worker": 0.0}
    workers_seen: set[int] = set()
    load_at_start = os.getloadavg()[0]  # the machine may be shared: say how busy it was
    stop = time.monotonic() + args.seconds
    lock = threading.Lock()

    def sample_memory() -> None:
        while time.monotonic() < stop:
            peak["main"] = max(peak["main"], rss_mb(process.pid))
            for child in children(process.pid):
                workers_seen.add(child)
                peak["worker"] = max(peak["worker"], rss_mb(child))
            time.sleep(0.2)

    def client(n: int) -> None:
        rng = random.Random(n)
        session = requests.Session()
        while time.monotonic() < stop:
            kind = rng.choices(
                ["canned", "page", "search", "heavy", "nested"], weights=[4, 4, 2, 1, 1]
            )[0]
            fresh = {"Cache-Control": "no-cache"} if rng.random() < args.fresh else {}
            started = time.perf_counter()
            try:
                if kind in ("canned", "heavy", "nested"):
                    query = {"heavy": HEAVY, "nested": NESTED}.get(kind) or rng.choice(canned)
                    response = session.post(
                        url + "/sparql",
                        data={"query": query},
                        headers={"Accept": "application/sparql-results+json", **fresh},
                        timeout=60,
                    )
                elif kind == "page":
                    response = session.get(
                        f"{url}/{rng.choice(pages)}", headers={"Accept": "text/html"}, timeout=60
                    )
                else:
                    response = session.get(
                        url + "/search", params={"q": rng.choice(words)}, timeout=60
                    )
                status = response.status_code
                if status >= 500 and kind in HEALTHY:
                    examples.setdefault((kind, status), response.text.strip()[:200])
                if status == 503 and "stopped its worker" in response.text:
                    status = "503 (worker died)"  # a death the server did not choose
            except requests.RequestException as exc:
                status = type(exc).__name__
            elapsed = time.perf_counter() - started
            with lock:
                times[kind].append(elapsed)
                statuses[(kind, status)] += 1
                if status == 500:
                    errors[kind] += 1

    before = children(process.pid)
    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    threads.append(threading.Thread(target=sample_memory))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    after = children(process.pid)

    total = sum(len(v) for v in times.values())
    print(
        f"{args.clients} clients, {elapsed:.0f} s, {args.fresh:.0%} no-cache: {total} requests, "
        f"{total / elapsed:.1f} req/s"
    )
    print("\n| kind | requests | p50 ms | p95 ms | statuses |")
    print("|---|---:|---:|---:|---|")
    for kind in ("canned", "page", "search", "heavy", "nested"):
        found = sorted(times[kind])
        if not found:
            continue
        p50, p95 = found[len(found) // 2] * 1000, found[int(len(found) * 0.95)] * 1000
        by_status = ", ".join(
            f"{status}: {count}"
            for (k, status), count in sorted(statuses.items(), key=str)
            if k == kind
        )
        print(f"| {kind} | {len(found)} | {p50:.0f} | {p95:.0f} | {by_status} |")
    for (kind, status), text in sorted(examples.items(), key=str):
        print(f"{kind} {status}: {text}")
    healthy = sorted(t for kind in HEALTHY for t in times[kind])
    print(f"\nhealthy requests p95: {healthy[int(len(healthy) * 0.95)] * 1000:.0f} ms")
    print(f"responses with status 500: {sum(errors.values())}")
    died = sum(c for (_, status), c in statuses.items() if status == "503 (worker died)")
    print(f"workers that died without the server choosing it: {died}")
    print(
        f"worker processes seen: {len(workers_seen)} ({len(before)} at the start, "
        f"{len(after)} at the end; every other one was replaced by the server after a kill)"
    )
    print(f"peak RSS: main process {peak['main']:.0f} MB, largest worker {peak['worker']:.0f} MB")
    print(f"load average (1 min) at start {load_at_start:.2f}, at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
