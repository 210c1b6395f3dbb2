"""A simulated Atlas on 127.0.0.1 and fast harvest options (tests only; defaults stay polite)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from atlas_ld.core.retry import Backoff
from atlas_ld.harvest.fetcher import HarvestOptions
from atlas_ld.sample.simulator import AtlasSimulator, SimPage, SiteState, corpus, numbered


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


def windows_1252(page: SimPage, *, declared: bool) -> SimPage:
    """A UTF-8 HTML page re-encoded as windows-1252, its charset declared in the header or not."""
    text = page.body.decode("utf-8")
    text = re.sub(r"<meta charset=[^>]*>", "", text)
    body = text.encode("cp1252", "xmlcharrefreplace")
    return SimPage(body, "text/html; charset=windows-1252" if declared else "text/html")


def utf8_html_ids(pages: dict[int, SimPage]) -> list[int]:
    return [
        n
        for n, page in pages.items()
        if page.content_type.startswith("text/html") and b'<meta charset="utf-8">' in page.body
    ]


@pytest.fixture
def make_site():
    """Start simulators over `count` pages (the sample corpus first, renumbered 1, 2, 3, 4, 6...
    with every 5th id missing); all are stopped at the end."""
    running: list[AtlasSimulator] = []

    def start(count: int = 12, **state: object) -> AtlasSimulator:
        pages = numbered(list(corpus(count).values())[:count])
        site = SiteState(pages=pages, slow_seconds=1.0, **state)  # type: ignore[arg-type]
        sim = AtlasSimulator(site).start()
        running.append(sim)
        return sim

    yield start
    for sim in running:
        sim.stop()


@pytest.fixture
def site(make_site) -> Iterator[AtlasSimulator]:
    return make_site()
