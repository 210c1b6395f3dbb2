"""Parse speed at Atlas scale: 12,700 generated pages, one process and all cores.

    .venv/bin/python benchmarks/bench_parse.py [--pages 12700] [--seed 0]

Prints the time to generate the pages, then pages parsed per second reading the files from disk,
single process (`parse_page(read_page(path))` in a loop) and on every core (`parse_locations`,
the fast path the build stage uses), with the CPU time spent (wall time grows when other work
shares the machine; CPU time does not). Target: all 12,700 pages in under 20 s on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from atlas_ld.core.errors import AtlasError
from atlas_ld.parse.parser import parse_locations, parse_page
from atlas_ld.parse.source import read_page
from atlas_ld.sample.corpus import generate


def _report(label: str, n: int, seconds: float, cpu: float) -> None:
    print(
        f"{label:<28} {n:>6} pages in {seconds:6.2f} s = {n / seconds:6.0f} pages/s"
        f"  (CPU {cpu:6.2f} s, {cpu / n * 1000:.2f} ms/page)"
    )


def _cpu() -> float:
    """CPU seconds of this process and its finished children: unlike wall time, not inflated
    when other work shares the cores."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=12_700)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="atlas-bench-") as tmp:
        start, cpu = time.perf_counter(), _cpu()
        paths = [str(p) for p in generate(args.pages, Path(tmp), seed=args.seed)]
        _report("generate", len(paths), time.perf_counter() - start, _cpu() - cpu)

        start, cpu = time.perf_counter(), _cpu()
        records = [parse_page(read_page(p)) for p in paths]
        _report("parse, 1 process", len(records), time.perf_counter() - start, _cpu() - cpu)

        cores = os.cpu_count() or 1
        start, cpu = time.perf_counter(), _cpu()
        results = list(parse_locations(paths, processes=cores))
        _report(
            f"parse, {cores} processes", len(results), time.perf_counter() - start, _cpu() - cpu
        )

    errors = sum(isinstance(r, AtlasError) for r in results)
    warned = sum(bool(r.warnings) for r in records)
    size = sum(len(r.description or "") for r in records) / len(records)
    print(f"errors: {errors}, pages with warnings: {warned}, mean description: {size:.0f} chars")
    assert results == records, "pooled and single-process records differ"


if __name__ == "__main__":
    main()
