"""What the build stage reads back: the archived pages parse exactly as the pages served."""

from __future__ import annotations

from dataclasses import replace

from atlas_ld.core.atlas_urls import page_url
from atlas_ld.harvest.archive_reader import iter_latest_pages, latest_captures
from atlas_ld.harvest.crawl import Harvester
from atlas_ld.parse.parser import parse_page
from atlas_ld.sample.corpus import sample_pages
from atlas_ld.sample.simulator import AtlasSimulator, SiteState, corpus

from .conftest import fast_options


def test_archived_sample_corpus_parses_like_the_pages_served(tmp_path):
    pages = corpus()
    sample = {int(p.url.rsplit("=", 1)[1]): p for p in sample_pages()}  # type: ignore[union-attr]
    with AtlasSimulator(SiteState(pages=pages)) as sim:
        Harvester(tmp_path, fast_options(sim.base_url)).run(sorted(pages))
        base_url = sim.base_url

    archived = list(iter_latest_pages(tmp_path))
    assert [int(page.url.rsplit("=", 1)[1]) for page in archived] == sorted(pages)
    captures = {c.record_id: c for c in latest_captures(tmp_path)}
    for page in archived:
        prj_id = int(page.url.rsplit("=", 1)[1])
        served = pages[prj_id]
        assert page.body == served.body
        assert page.sha256 == captures[page.capture_id].sha256
        assert page.fetched_at is not None and page.fetched_at.tzinfo is not None
        bundled = replace(
            sample[prj_id], source=page.source, url=page.url, capture_id=page.capture_id
        )
        assert parse_page(page) == parse_page(bundled)
        assert page.url == page_url(base_url, prj_id)
