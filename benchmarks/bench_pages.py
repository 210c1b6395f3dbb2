"""The pages' speed and weight at Atlas scale, against Oxigraph's own server on the same store.

    python benchmarks/bench_pages.py [--pages 12700] [--store DIR] [--repeat 20]

Builds a store from N generated pages (or uses --store), starts `atlas-ld serve` (and says how
long the home page's figures took to be ready after the start) and, as the
peer, `oxigraph serve-read-only` on the same store. For each kind of page (home, partnership,
actor, country, theme) it prints the cold time (first request after start) and the warm median
(p50 over --repeat requests of pages already seen), next to the median time Oxigraph takes to
answer the page's DESCRIBE query (the raw data behind the page) and the ratio of the two; then
each page's weight: the HTML and everything it loads from /static, in kilobytes; and for pages
whose figures are computed in the background ("ready s"), how long the slowest took.
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from atlas_ld.core.model import Page
from atlas_ld.graph.pipeline import build
from atlas_ld.sample.corpus import atlas_url, generate_pages

BIN = Path(sys.executable).parent
atlas_prefix = "PREFIX atlas: <https://atlas-ld.example/def/atlas#>\n"

HTML = {"Accept": "text/html"}
BASE = "https://atlas-ld.example/"


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
    print(f"store: {report.partnerships} partnerships ({time.perf_counter() - started:.0f} s)")
    return store


def wait(url: str, process: subprocess.Popen) -> None:
    for _ in range(6000):
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise SystemExit(f"no answer from {url}")


def timed(url: str, headers=HTML, **kwargs) -> tuple[float, requests.Response]:
    started = time.perf_counter()
    response = requests.get(url, headers=headers, timeout=600, **kwargs)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed, response


def settled(url: str) -> bool:
    try:
        return timed(url)[0] < 0.5
    except requests.HTTPError:  # 503 while every worker is busy
        return False


def pick(oxigraph: str, query: str, n: int) -> list[str]:
    response = requests.post(
        oxigraph,
        data={"query": query + f" LIMIT {n}"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=600,
    )
    response.raise_for_status()
    return [b["x"]["value"] for b in response.json()["results"]["bindings"]]


def weight(site: str, page: requests.Response) -> int:
    """The page's bytes plus those of the stylesheets, scripts and images it links in /static."""
    total = len(page.content)
    for path in sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text))):
        total += len(requests.get(site + path, timeout=60).content)
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=12700)
    parser.add_argument("--store", type=Path, help="an existing store (else one is built)")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store or build_store(args.pages, Path(tmp))
        ports = free_port(), free_port()
        site, oxigraph = f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}/query"
        servers = [
            subprocess.Popen(
                [str(BIN / "atlas-ld"), "serve", "--store", str(store), "--port", str(ports[0])],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
            subprocess.Popen(
                [
                    str(BIN / "oxigraph"),
                    "serve-read-only",
                    "--location",
                    str(store),
                    "--bind",
                    f"127.0.0.1:{ports[1]}",
                    "--union-default-graph",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
        ]
        try:
            started = time.perf_counter()
            wait(site + "/sparql?query=ASK%7B%7D", servers[0])
            # The home page's figures are computed when the server starts (or read from the
            # file a previous start wrote): wait until the page shows them.
            while 'class="figures"' not in requests.get(site + "/", headers=HTML, timeout=600).text:
                time.sleep(0.5)
            print(f"home figures ready {time.perf_counter() - started:.1f} s after start")
            # Then the server computes ahead the biggest pages' figures (and the canned queries'
            # answers) on its workers: wait until a small page answers fast again.
            probe = (
                site
                + "/"
                + pick(oxigraph, atlas_prefix + "SELECT ?x { ?x a atlas:Partnership }", 1)[
                    0
                ].removeprefix(BASE)
            )
            while not settled(probe) and time.perf_counter() - started < 1800:
                time.sleep(2)
            print(f"settled {time.perf_counter() - started:.1f} s after start")
            wait(oxigraph + "?query=ASK%7B%7D", servers[1])
            atlas = atlas_prefix
            kinds = {
                "home": [BASE],
                "partnership": pick(oxigraph, atlas + "SELECT ?x { ?x a atlas:Partnership }", 50),
                "actor": pick(
                    oxigraph,
                    atlas + "SELECT ?x (COUNT(*) AS ?n) { ?y atlas:agent ?x } GROUP BY ?x "
                    "ORDER BY DESC(?n)",
                    5,
                ),
                "country": pick(
                    oxigraph,
                    atlas + "SELECT ?x (COUNT(*) AS ?n) { ?p atlas:country ?x } GROUP BY ?x "
                    "ORDER BY DESC(?n)",
                    5,
                ),
                "theme": pick(
                    oxigraph,
                    "SELECT ?x { ?x <http://www.w3.org/2004/02/skos/core#topConceptOf> ?s }",
                    5,
                ),
            }
            print(
                f"{'page':12} {'cold ms':>8} {'warm p50':>9} {'oxigraph':>9} "
                f"{'ratio':>6} {'KB':>6} {'ready s':>8}"
            )
            for kind, iris in kinds.items():
                urls = [site + "/" + iri.removeprefix(BASE) for iri in iris]
                cold, first = timed(urls[0])
                ready = 0.0
                for url in urls:  # every page once, until its figures are there: then warm
                    waited = time.perf_counter()
                    while 'class="notice"' in timed(url)[1].text:
                        time.sleep(1)
                    ready = max(ready, time.perf_counter() - waited)
                first = timed(urls[0])[1]
                warm = [timed(urls[i % len(urls)])[0] for i in range(args.repeat)]
                if kind == "home":  # the raw figure behind the page: counting partnerships
                    peer_query = atlas + "SELECT (COUNT(*) AS ?n) { ?p a atlas:Partnership }"
                    accept = "application/sparql-results+json"
                else:
                    peer_query, accept = f"DESCRIBE <{iris[0]}>", "text/turtle"
                peer = []
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    requests.post(
                        oxigraph,
                        data={"query": peer_query},
                        headers={"Accept": accept},
                        timeout=600,
                    ).raise_for_status()
                    peer.append(time.perf_counter() - started)
                p50, peer50 = statistics.median(warm), statistics.median(peer)
                print(
                    f"{kind:12} {cold * 1000:8.0f} {p50 * 1000:9.1f} {peer50 * 1000:9.1f} "
                    f"{p50 / peer50:6.1f} {weight(site, first) / 1024:6.0f} {ready:8.1f}"
                )
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=30)


if __name__ == "__main__":
    main()
