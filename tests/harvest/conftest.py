"""A simulated Atlas on 127.0.0.1 and fast harvest options (tests only; defaults stay polite)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from atlas_ld.harvest import HarvestOptions
from atlas_ld.politeness import Backoff
from atlas_ld.simulator import AtlasSimulator, SiteState, corpus, numbered


def fast_options(base_url: str, **overrides: object) -> HarvestOptions:
    values: dict[str, object] = {
        "base_url": base_url,
        "rate": 500.0,
        "read_timeout": 0.5,
        "connect_timeout": 2.0,
        "retries": 3,
        "backoff": Backoff(base=0.01, cap=0.05),
        "max_misses": 5,
    }
    values.update(overrides)
    return HarvestOptions(**values)  # type: ignore[arg-type]


def warc_responses(archive_dir: Path) -> Counter[str]:
    """Response records per target URL over every WARC file, read with warcio from the start."""
    seen: Counter[str] = Counter()
    for path in sorted((archive_dir / "warc").glob("*.warc.gz")):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream, check_digests=True):
                if record.rec_type == "response":
                    record.content_stream().read()
                    seen[record.rec_headers.get_header("WARC-Target-URI")] += 1
    return seen


@pytest.fixture
def make_site():
    """Start simulators over `count` pages (every 5th id missing); all are stopped at the end."""
    running: list[AtlasSimulator] = []

    def start(count: int = 12, **state: object) -> AtlasSimulator:
        site = SiteState(pages=numbered(corpus(count)), slow_seconds=1.0, **state)  # type: ignore[arg-type]
        sim = AtlasSimulator(site).start()
        running.append(sim)
        return sim

    yield start
    for sim in running:
        sim.stop()


@pytest.fixture
def site(make_site) -> Iterator[AtlasSimulator]:
    return make_site()
