"""Harvest speed and archive size against the local Atlas simulator; prints the figures.

    .venv/bin/python benchmarks/bench_harvest.py [--polite-pages 20] [--fast-pages 2000]

Runs: the default politeness (1 request/s, one connection) over a few pages; full speed over many
pages with one and with four connections; then `--since-last` over the same archive (all 304).
The peer, measured in the same run: the same pages fetched by a bare `requests` loop (no robots,
no checks, no archive); the ratio is what the harvester's checks and its durable archive cost.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from pathlib import Path

import requests

from atlas_ld.core.atlas_urls import page_url
from atlas_ld.harvest.crawl import Harvester
from atlas_ld.harvest.fetcher import HarvestOptions
from atlas_ld.sample.simulator import AtlasSimulator, SiteState, corpus, numbered


def _size(root: Path) -> int:
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())


def _run(label: str, base_url: str, archive: Path, pages: int, **options: object) -> float:
    harvester = Harvester(archive, HarvestOptions(base_url=base_url, **options))  # type: ignore[arg-type]
    start = time.perf_counter()
    summary = harvester.run()
    seconds = time.perf_counter() - start
    counts = summary.to_json()
    print(
        f"{label:<38} {pages:>5} pages  {seconds:8.2f} s  {1000 * seconds / pages:8.1f} ms/page"
        f"  (new {counts['new']}, unchanged {counts['unchanged']}, requests {counts['requests']})"
    )
    return seconds


def _peer(base_url: str, pages: int) -> float:
    """The same GETs with a bare requests loop over one connection, bodies read and dropped."""
    start = time.perf_counter()
    with requests.Session() as session:
        for n in range(1, pages + 1):
            with contextlib.closing(session.get(page_url(base_url, n))) as response:
                response.content  # noqa: B018 - read the body as the harvester does
    seconds = time.perf_counter() - start
    print(f"{'peer: bare requests loop, 1 connection':<38} {pages:>5} pages  {seconds:8.2f} s"
          f"  {1000 * seconds / pages:8.1f} ms/page")  # fmt: skip
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polite-pages", type=int, default=20)
    parser.add_argument("--fast-pages", type=int, default=2000)
    args = parser.parse_args()

    bodies = list(corpus(args.fast_pages).values())[: args.fast_pages]
    served = sum(len(page.body) for page in bodies)
    print(f"corpus: {len(bodies)} pages, mean body {served // len(bodies)} B")
    with (
        tempfile.TemporaryDirectory() as tmp,
        AtlasSimulator(
            SiteState(pages=numbered(bodies[: args.polite_pages], gap_every=0))
        ) as polite_site,
        AtlasSimulator(SiteState(pages=numbered(bodies, gap_every=0))) as site,
    ):
        root = Path(tmp)
        _run("default politeness (1 req/s, 1 conn)", polite_site.base_url, root / "polite",
             args.polite_pages, max_misses=1)  # fmt: skip
        fast = {"rate": 1e6, "max_misses": 1}
        peer = _peer(site.base_url, args.fast_pages)
        one = _run("full speed, 1 connection", site.base_url, root / "one", args.fast_pages, **fast)
        print(f"full speed, 1 connection / bare requests loop: {one / peer:.2f}x")
        _run("full speed, 4 connections", site.base_url, root / "four", args.fast_pages,
             concurrency=4, **fast)  # fmt: skip
        _run("--since-last, unchanged (304s)", site.base_url, root / "one", args.fast_pages,
             since_last=True, **fast)  # fmt: skip
        warc = _size(root / "one" / "warc")
        index = (root / "one" / "index.sqlite").stat().st_size
        per_k = 1000 / args.fast_pages
        print(
            f"archive per 1,000 pages: WARC {warc * per_k / 1e6:.2f} MB"
            f" + index {index * per_k / 1e6:.2f} MB"
            f" (body as served {served * per_k / 1e6:.2f} MB)"
        )


if __name__ == "__main__":
    main()
