"""Build figures at Atlas scale: parse, map, SHACL and load N generated pages, then rebuild.

    python benchmarks/bench_build.py [--pages 12700] [--changed 0.01] [--processes 2]

Prints the wall and CPU time of a full build (empty cache), of a rebuild with nothing changed, and
of a rebuild after a fraction of the pages changed, with the store size. CPU time (this process and
its workers) is the figure to compare when other work shares the machine. Pages are generated in
memory by the sample generator (deterministic): the run needs no network and no files.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from atlas_ld.core.model import Page
from atlas_ld.graph.pipeline import build
from atlas_ld.sample.corpus import atlas_url, generate_pages


def generated(n: int, seed: int) -> list[Page]:
    pages = []
    for item in generate_pages(n, seed=seed):
        prj_id = item.record.atlas_id
        pages.append(Page(source=item.file_name, body=item.body, url=atlas_url(prj_id)))
    return pages


def changed(pages: list[Page], fraction: float) -> list[Page]:
    """Every 1/fraction-th page gets a different body (one more word in its HTML)."""
    step = max(1, round(1 / fraction))
    return [
        replace(p, body=p.body.replace(b"</body>", b"<!-- v2 --></body>")) if i % step == 0 else p
        for i, p in enumerate(pages)
    ]


def _cpu() -> float:
    """CPU seconds of this process and its finished workers: comparable on a busy machine."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(label: str, pages: list[Page], store: Path, processes: int | None) -> None:
    started, cpu = time.perf_counter(), _cpu()
    report = build(pages, store, processes=processes)
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    print(
        f"{label:28} {seconds:7.1f} s wall {cpu:7.1f} s CPU  {report.partnerships} partnerships, "
        f"{report.quads} quads, {report.reused} from cache, {report.violations} violations, "
        f"{len(report.failed)} failed"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=12700)
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument("--processes", type=int, default=None)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    started = time.perf_counter()
    pages = generated(args.pages, args.seed)
    size = sum(len(p.body) for p in pages) / 1e6
    print(f"generated {len(pages)} pages ({size:.0f} MB) in {time.perf_counter() - started:.1f} s")
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    workdir = Path(tempfile.mkdtemp(prefix="atlas-bench-"))
    try:
        store = workdir / "store"
        timed("full build (empty cache)", pages, store, args.processes)
        timed("rebuild, nothing changed", pages, store, args.processes)
        timed(
            f"rebuild, {args.changed:.0%} changed",
            changed(pages, args.changed),
            store,
            args.processes,
        )
        disk = sum(f.stat().st_size for f in store.rglob("*") if f.is_file()) / 1e6
        print(f"store on disk: {disk:.0f} MB")
    finally:
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
