"""Parse speed at Atlas scale: 12,700 generated pages, one process and two, against a peer.

    .venv/bin/python benchmarks/bench_parse.py [--pages 12700] [--seed 0] [--processes 2]

Generates the pages, then reads them back from disk:

- peer: lxml alone (`lxml.html.fromstring(bytes).text_content()`), the least any HTML reader
  pays, measured on the same files in the same run;
- `parse_page(read_page(path))` in one process;
- `parse_locations` on `--processes` workers (the fast path `parse --jobs` and the build use).

For each it prints wall time, pages/s, CPU time per page, and the ratio to the peer. Wall time
grows when other work shares the machine; CPU time does not, so the line "on N free cores" gives
the rate the CPU time allows. Target: at least 1,000 pages/s on 2 processes.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import lxml.html

from atlas_ld.core.errors import AtlasError
from atlas_ld.parse.parser import parse_locations, parse_page
from atlas_ld.parse.source import read_page
from atlas_ld.sample.corpus import generate


def _cpu() -> float:
    """CPU seconds of this process and its finished children."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _peer(paths: list[str]) -> int:
    """The least work any reader does: read the bytes, build lxml's tree, take its text."""
    total = 0
    for path in paths:
        total += len(lxml.html.fromstring(Path(path).read_bytes()).text_content())
    return total


class _Timer:
    def __init__(self) -> None:
        self.peer_cpu_per_page: float | None = None

    def run(self, label: str, n: int, function, processes: int = 1):
        start, cpu = time.perf_counter(), _cpu()
        result = function()
        wall, used = time.perf_counter() - start, _cpu() - cpu
        per_page = used / n
        if self.peer_cpu_per_page is None:
            self.peer_cpu_per_page = per_page
        ratio = per_page / self.peer_cpu_per_page
        print(
            f"{label:<24} {n:>6} pages {wall:6.2f} s = {n / wall:6.0f} pages/s;"
            f" CPU {per_page * 1000:5.2f} ms/page ({ratio:4.1f}x peer);"
            f" on {processes} free core(s): {processes / per_page:6.0f} pages/s"
        )
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=12_700)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="atlas-bench-") as tmp:
        start = time.perf_counter()
        paths = [str(p) for p in generate(args.pages, Path(tmp), seed=args.seed)]
        print(f"generated {len(paths)} pages in {time.perf_counter() - start:.1f} s")
        n = len(paths)
        timer = _Timer()
        timer.run("peer: lxml text only", n, lambda: _peer(paths))
        records = timer.run(
            "parse, 1 process", n, lambda: [parse_page(read_page(p)) for p in paths]
        )
        results = timer.run(
            f"parse, {args.processes} processes",
            n,
            lambda: list(parse_locations(paths, processes=args.processes)),
            args.processes,
        )

    errors = sum(isinstance(r, AtlasError) for r in results)
    warned = sum(bool(r.warnings) for r in records)
    print(f"errors: {errors}, pages with warnings: {warned}")
    assert results == records, "pooled and single-process records differ"


if __name__ == "__main__":
    main()
