"""atlas-ld serve against `oxigraph serve-read-only --union-default-graph`, side by side in one run.

    python benchmarks/bench_server.py [--pages 12700] [--repeat 5] [--seconds 5] [--skip-sample]
                                      [--store S] [--engine disk]

With `--store S` (a store built with `atlas-ld build`), that store is measured instead of
building N generated pages.

For the bundled sample and for N generated pages, builds the store (`atlas-ld build`, which
writes the public copy and answers the canned queries ahead), starts `atlas-ld serve` on it and
Oxigraph's own server on the same public copy (the same data: no personal graphs), checks that
both give the same rows for every canned query, then prints:

- server start: seconds from launch to the first answer;
- each canned query, median latency: atlas-ld uncached (`Cache-Control: no-cache`, so the query
  is evaluated) and cached, each as a ratio to Oxigraph's, the three requests sent in turns
  (Oxigraph, uncached, cached, again); and whether a conditional request (`If-None-Match`)
  gets 304;
- a trivial query's throughput with 1, 4 and 16 clients: Oxigraph, atlas-ld uncached, cached,
  with `wrk` (when installed) and with Python client threads;
- partnership pages (HTML) and search, p50/p95, with Oxigraph's DESCRIBE of the same IRIs and a
  title FILTER as the peer;
- page 2 of the `roles` canned query (`/queries/roles.json?page=2`, uncached and cached) against
  Oxigraph's answer to the same query with `LIMIT 100 OFFSET 100`, checking the rows are the same;
- the load average (1 minute) at the start and end of each part, since the machine may be shared.

All SPARQL requests ask for SPARQL JSON results. Latencies are measured with one keep-alive
connection per server, written and read on the raw socket (`Lean`): a heavier client would add
its own cost to both servers, pulling every ratio towards 1, or charge a server for the
headers it sends. Throughput is measured twice: with `wrk` (a C client: Debian's package),
which measures the servers, and with Python client threads (`requests`, as a script would
send), which measure the client as much. Both run on the same machine as both servers:
absolute figures depend on the machine, the ratios are the result.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import requests

from atlas_ld.core.model import Page
from atlas_ld.graph.pipeline import build, build_sample
from atlas_ld.sample.corpus import atlas_url, generate_pages
from atlas_ld.store.canned import list_queries

BIN = Path(sys.executable).parent
ACCEPT = {"Accept": "application/sparql-results+json"}
FRESH = {**ACCEPT, "Cache-Control": "no-cache"}
TRIVIAL = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
PARTNERSHIPS = (
    "SELECT ?p ?title WHERE { ?p a <https://atlas-ld.example/def/atlas#Partnership> ; "
    "<http://purl.org/dc/terms/title> ?title } ORDER BY ?p"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_generated(pages: int, store: Path) -> None:
    generated = [
        Page(source=g.file_name, body=g.body, url=atlas_url(g.record.atlas_id))
        for g in generate_pages(pages, seed=7)
    ]
    report = build(generated, store)
    print(f"  store: {report.partnerships} partnerships, {report.quads} quads")


def wait_ready(url: str, process: subprocess.Popen, deadline: float = 900) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            requests.get(url, params={"query": "ASK {}"}, headers=ACCEPT, timeout=5)
            return time.perf_counter() - started
        except requests.RequestException:
            time.sleep(0.05)
    process.kill()
    raise SystemExit(f"{url} did not answer within {deadline} s")


def start_atlas(
    store: Path, log: Path, engine: str = "auto"
) -> tuple[subprocess.Popen, str, float]:
    with log.open("wb") as out:
        command = [
            str(BIN / "atlas-ld"),
            "serve",
            "--store",
            str(store),
            "--port",
            "0",
            "--timeout",
            "120",
            "--engine",
            engine,
        ]
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    for _ in range(6000):
        found = re.search(r"serving on (http://\S+?)/?$", log.read_text(), re.MULTILINE)
        if found:
            break
        time.sleep(0.05)
    else:
        raise SystemExit(f"atlas-ld did not start: {log.read_text()}")
    url = found.group(1)
    wait_ready(url + "/sparql", process)
    return process, url, time.perf_counter() - started


def start_oxigraph(public: Path) -> tuple[subprocess.Popen, str, float]:
    port = free_port()
    command = [
        str(BIN / "oxigraph"),
        "serve-read-only",
        "--location",
        str(public),
        "--bind",
        f"127.0.0.1:{port}",
        "--union-default-graph",
    ]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_ready(url + "/query", process)
    return process, url, time.perf_counter() - started


def sparql(session, url: str, query: str, headers: dict) -> requests.Response:
    response = session.post(url, data={"query": query}, headers=headers, timeout=300)
    response.raise_for_status()
    return response


def rows(response: requests.Response) -> list[tuple]:
    """Comparable rows: values by variable, numbers by value (engines write them apart)."""
    data = response.json()
    names = data["head"]["vars"]
    out = []
    for binding in data["results"]["bindings"]:
        row = []
        for name in names:
            term = binding.get(name)
            value = term["value"] if term else None
            if term and term.get("datatype", "").endswith(("#decimal", "#integer", "#double")):
                value = float(value)
            row.append(value)
        out.append(tuple(row))
    return sorted(out, key=repr)


class Lean:
    """One keep-alive connection to a server, requests written and answers read on the raw
    socket: status, `content-length` or chunks, nothing else. `http.client` would parse every
    header with the `email` package, which charges a server that sends more headers with the
    client's work; `requests` costs 300 to 500 µs a request."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.host, self.port, self.path = parts.hostname, parts.port, parts.path
        self.connect()

    def connect(self) -> None:
        self.sock = socket.create_connection((self.host, self.port), timeout=300)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.sock.makefile("rb")

    def post(self, query: str, headers: dict) -> tuple[int, bytes]:
        body = urlencode({"query": query})
        form = {"Content-Type": "application/x-www-form-urlencoded", **headers}
        return self.send("POST", self.path, body, form)

    def send(self, method: str, path: str, body: str | None, headers: dict) -> tuple[int, bytes]:
        data = (body or "").encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body is not None:
            lines.append(f"Content-Length: {len(data)}")
        request = ("\r\n".join(lines) + "\r\n\r\n").encode() + data
        try:
            self.sock.sendall(request)
            first = self.reader.readline()
        except OSError:
            first = b""
        if not first:  # the server closed the idle connection (keep-alive timeout): again
            self.close()
            self.connect()
            self.sock.sendall(request)
            first = self.reader.readline()
        status = int(first.split()[1])
        length, chunked = None, False
        while (line := self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
        if not chunked:
            return status, self.reader.read(length or 0)
        chunks = []
        while size := int(self.reader.readline().split(b";")[0], 16):
            chunks.append(self.reader.read(size))
            self.reader.readline()
        self.reader.readline()
        return status, b"".join(chunks)

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


def timed(client: Lean, query: str, headers: dict) -> float:
    """Seconds for one answer; a request that fails is sent again (at most twice, and said):
    Oxigraph once answered 500 ("Resource temporarily unavailable") in an Atlas-scale run."""
    for _ in range(3):
        started = time.perf_counter()
        status, body = client.post(query, headers)
        if status == 200:
            return time.perf_counter() - started
        print(f"({client.path}: status {status} for {query[:40]!r}: {body[:120]!r})")
    raise SystemExit(f"{client.path}: no answer after 3 attempts")


def paired_ms(sends: list[tuple[Lean, dict]], query: str, repeat: int) -> list[float]:
    """Median latency of each (client, headers) in ms, the requests taken in turns, so that a
    change of load during the run weighs on every server alike."""
    times: list[list[float]] = [[] for _ in sends]
    for _ in range(repeat):
        for kept, (client, headers) in zip(times, sends, strict=True):
            kept.append(timed(client, query, headers))
    return [statistics.median(kept) * 1000 for kept in times]


def percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return times[len(times) // 2] * 1000, times[int(len(times) * 0.95)] * 1000


def throughput(send, clients: int, seconds: float) -> float:
    done = [0] * clients
    stop = time.perf_counter() + seconds

    def client(n: int) -> None:
        with requests.Session() as session:
            while time.perf_counter() < stop:
                send(session)
                done[n] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - started)


def wrk(url: str, query: str, headers: dict, clients: int, seconds: float) -> float | None:
    """Requests/s measured by `wrk` (GET with the query in the URL), None without `wrk`."""
    if shutil.which("wrk") is None:
        return None
    command = ["wrk", f"-t{min(clients, 2)}", f"-c{clients}", f"-d{seconds:g}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"{url}?query={quote(query)}")
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if re.search(r"Non-2xx or 3xx responses", out):
        raise SystemExit(f"wrk got errors from {url}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def print_rates(client: str, clients: int, oxi: float, fresh: float, cached: float) -> None:
    print(
        f"| {client} | {clients} | {oxi:.0f} | {fresh:.0f} ({fresh / oxi:.2f}x) "
        f"| {cached:.0f} ({cached / oxi:.2f}x) |"
    )


def load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def paged_roles(session, atlas: str, query_url: str, repeat: int) -> None:
    """Page 2 of `roles` through the canned-query route against Oxigraph's LIMIT/OFFSET."""
    roles = next(q for q in list_queries() if q.name == "roles")
    query = f"{roles.sparql.rstrip()}\nLIMIT 100\nOFFSET 100\n"
    url = f"{atlas}/queries/roles.json?page=2"

    def page_rows(headers: dict) -> tuple[list, float]:
        started = time.perf_counter()
        response = session.get(url, headers=headers, timeout=300)
        response.raise_for_status()
        return rows(response), time.perf_counter() - started

    expected = rows(sparql(session, query_url, query, ACCEPT))
    if page_rows(FRESH)[0] != expected:
        raise SystemExit("roles page 2: atlas-ld and oxigraph give different rows")
    oxi, ours = Lean(query_url), Lean(atlas)
    path = urlsplit(url).path + "?page=2"

    def page(headers: dict) -> float:
        started = time.perf_counter()
        ours.send("GET", path, None, headers)
        return time.perf_counter() - started

    times: list[list[float]] = [[], [], []]
    for _ in range(repeat):  # in turns, as `paired_ms`
        times[0].append(timed(oxi, query, ACCEPT))
        times[1].append(page(FRESH))
        times[2].append(page(ACCEPT))
    oxi_ms, fresh_ms, cached_ms = (statistics.median(kept) * 1000 for kept in times)
    oxi.close(), ours.close()
    print(
        f"\nroles page 2 ({len(expected)} rows): oxigraph LIMIT/OFFSET {oxi_ms:.1f} ms, "
        f"atlas-ld /queries/roles.json?page=2 uncached {fresh_ms:.1f} ms "
        f"({fresh_ms / oxi_ms:.2f}x), cached {cached_ms:.1f} ms ({cached_ms / oxi_ms:.3f}x)"
    )


def run_scale(label: str, store: Path, args, scratch: Path) -> None:
    print(f"\n## {label}")
    print(f"load average (1 min) at start: {load()}")
    atlas, atlas_url_, atlas_start = start_atlas(store, scratch / f"{label}.log", args.engine)
    oxi, oxi_url, oxi_start = start_oxigraph(store.with_name(store.name + ".public"))
    endpoint, query_url = atlas_url_ + "/sparql", oxi_url + "/query"
    try:
        print(f"server start: atlas-ld {atlas_start:.2f} s, oxigraph {oxi_start:.2f} s")
        session = requests.Session()
        print(
            "\n| query | rows | oxigraph ms | atlas-ld uncached ms (ratio) "
            "| atlas-ld cached ms (ratio) | 304 |"
        )
        print("|---|---:|---:|---:|---:|---|")
        uncached_ratios, cached_ratios = [], []
        oxi_client, atlas_client = Lean(query_url), Lean(endpoint)
        for canned in list_queries():
            expected = rows(sparql(session, query_url, canned.sparql, ACCEPT))
            answer = sparql(session, endpoint, canned.sparql, FRESH)
            got = rows(answer)
            cut = "X-Atlas-Truncated" in answer.headers  # the row limit: a part of the rows
            if (
                (collections.Counter(got) - collections.Counter(expected))
                if cut
                else got != expected
            ):
                raise SystemExit(f"{canned.name}: atlas-ld and oxigraph give different rows")
            if cut:
                print(f"({canned.name}: atlas-ld cut at {len(got)} rows, as its row limit says)")
            sends = [(oxi_client, ACCEPT), (atlas_client, FRESH), (atlas_client, ACCEPT)]
            oxi_ms, fresh_ms, cached_ms = paired_ms(sends, canned.sparql, args.repeat)
            cached = sparql(session, endpoint, canned.sparql, ACCEPT)
            conditional = session.post(
                endpoint,
                data={"query": canned.sparql},
                headers={**ACCEPT, "If-None-Match": cached.headers["ETag"]},
                timeout=60,
            ).status_code
            uncached_ratios.append(fresh_ms / oxi_ms)
            cached_ratios.append(cached_ms / oxi_ms)
            print(
                f"| {canned.name} | {len(expected)} | {oxi_ms:.1f} | {fresh_ms:.1f} "
                f"({fresh_ms / oxi_ms:.2f}x) | {cached_ms:.1f} ({cached_ms / oxi_ms:.3f}x) "
                f"| {conditional} |"
            )
        print(
            f"\nuncached: median {statistics.median(uncached_ratios):.2f}x, "
            f"max {max(uncached_ratios):.2f}x; cached: median "
            f"{statistics.median(cached_ratios):.3f}x, max {max(cached_ratios):.3f}x"
        )

        oxi_client.close(), atlas_client.close()

        print(f"\ntrivial query ({TRIVIAL}), requests/s over {args.seconds:g} s")
        print("\n| client | clients | oxigraph | atlas-ld uncached (ratio) | cached (ratio) |")
        print("|---|---:|---:|---:|---:|")
        for clients in (1, 4, 16):
            rates = [
                wrk(url, TRIVIAL, headers, clients, args.seconds)
                for url, headers in ((query_url, ACCEPT), (endpoint, FRESH), (endpoint, ACCEPT))
            ]
            if rates[0] is not None:
                print_rates("wrk", clients, *rates)
        for clients in (1, 4, 16):
            rates = [
                throughput(
                    lambda s, u=url, h=headers: sparql(s, u, TRIVIAL, h), clients, args.seconds
                )
                for url, headers in ((query_url, ACCEPT), (endpoint, FRESH), (endpoint, ACCEPT))
            ]
            print_rates("Python threads", clients, *rates)

        listed = rows(sparql(session, query_url, PARTNERSHIPS, ACCEPT))
        sample = random.Random(7).sample(listed, min(args.pages_sampled, len(listed)))
        page_times, describe_times, search_times, filter_times = [], [], [], []
        for iri, title in sample:
            path = iri.removeprefix("https://atlas-ld.example/")
            started = time.perf_counter()
            page = session.get(f"{atlas_url_}/{path}", headers={"Accept": "text/html"}, timeout=60)
            page_times.append(time.perf_counter() - started)
            page.raise_for_status()
            started = time.perf_counter()
            sparql(session, query_url, f"DESCRIBE <{iri}>", {"Accept": "text/turtle"})
            describe_times.append(time.perf_counter() - started)
            word = max(re.findall(r"\w+", title), key=len).lower()
            started = time.perf_counter()
            session.get(f"{atlas_url_}/search", params={"q": word}, timeout=60).raise_for_status()
            search_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            sparql(
                session,
                query_url,
                "SELECT ?p ?t { ?p <http://purl.org/dc/terms/title> ?t "
                f'FILTER(CONTAINS(LCASE(?t), "{word}")) }} LIMIT 50',
                ACCEPT,
            )
            filter_times.append(time.perf_counter() - started)
        print(f"\npages and search, {len(sample)} partnerships, p50 / p95 ms")
        print("\n| what | atlas-ld | oxigraph peer |")
        print("|---|---:|---:|")
        for name, ours, peer in (
            ("partnership page (HTML) / DESCRIBE", page_times, describe_times),
            ("search page / title FILTER", search_times, filter_times),
        ):
            (a50, a95), (o50, o95) = percentiles(ours), percentiles(peer)
            print(f"| {name} | {a50:.1f} / {a95:.1f} | {o50:.1f} / {o95:.1f} |")
        paged_roles(session, atlas_url_, query_url, args.repeat)
        print(f"\nload average (1 min) at end: {load()}")
    finally:
        for process in (atlas, oxi):
            process.terminate()
            process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000, help="generated pages (12700: Atlas)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--pages-sampled", type=int, default=40)
    parser.add_argument("--skip-sample", action="store_true")
    parser.add_argument("--store", type=Path, help="a built store to measure instead of --pages")
    parser.add_argument(
        "--engine",
        choices=["auto", "memory", "disk"],
        default="auto",
        help="atlas-ld's --engine (docs/server.md: the memory engine); Oxigraph reads its disk",
    )
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-server-"))
    try:
        if not args.skip_sample:
            sample = scratch / "sample" / "store"
            build_sample(sample)
            run_scale("sample", sample, args, scratch)
        if args.store:
            run_scale(f"store {args.store.name}", args.store, args, scratch)
        elif args.pages:
            store = scratch / "generated" / "store"
            started = time.perf_counter()
            print(f"\nbuilding {args.pages} generated pages...")
            build_generated(args.pages, store)
            print(f"  built in {time.perf_counter() - started:.0f} s")
            run_scale(f"{args.pages} generated pages", store, args, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
