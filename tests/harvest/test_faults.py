"""Every fault of the issue, injected by the simulator: each served project archived once."""

from __future__ import annotations

import pytest

from atlas_ld.core.atlas_urls import page_url
from atlas_ld.harvest.archive_reader import iter_latest_pages, latest_captures
from atlas_ld.harvest.crawl import Harvester
from atlas_ld.sample.simulator import robots_txt

from .conftest import fast_options, utf8_html_ids, warc_responses, windows_1252


def test_every_fault_still_archives_each_served_project_exactly_once(make_site, tmp_path):
    sim = make_site(20)
    site = sim.site
    declared, undeclared = utf8_html_ids(site.pages)[-2:]
    site.pages[declared] = windows_1252(site.pages[declared], declared=True)
    site.pages[undeclared] = windows_1252(site.pages[undeclared], declared=False)
    site.soft_404 = {16}
    site.robots = robots_txt([17])
    site.faults = {
        1: ["500", "500"],
        3: ["503"],
        4: ["429"],
        6: ["slow"],
        9: ["reset"],
        11: ["truncate"],
        12: ["chunk-cut"],
        13: ["garble"],
        14: ["moved"],
    }
    summary = Harvester(tmp_path, fast_options(sim.base_url)).run()

    served = set(site.pages) - site.soft_404 - {17}
    expected = {page_url(sim.base_url, n) + ("&lang=fr" if n == 14 else "") for n in served}
    assert warc_responses(tmp_path) == dict.fromkeys(expected, 1)  # 14 as its redirect target
    assert summary.counts["new"] == len(served)
    assert summary.counts["failed"] == 0
    assert summary.counts["disallowed"] == 1
    # Bodies are kept byte for byte, windows-1252 included.
    pages = {page.source: page for page in iter_latest_pages(tmp_path)}
    for n in served:
        assert pages[page_url(sim.base_url, n)].body == site.pages[n].body
    for n in (declared, undeclared):  # the windows-1252 pages are there, and really not UTF-8
        assert n in served
        with pytest.raises(UnicodeDecodeError):
            site.pages[n].body.decode("utf-8")
    # robots.txt is obeyed: the forbidden page is never requested.
    assert not [hit for hit in site.hits if hit.prj_id == 17]


def test_gaps_and_not_found_pages_are_missing_not_failed(make_site, tmp_path):
    sim = make_site(8)
    sim.site.soft_404 = {3}
    summary = Harvester(tmp_path, fast_options(sim.base_url)).run()
    # ids 1-9 hold 8 pages with 5 missing; 3 is the error page served with status 200.
    assert summary.counts["missing"] == 2 + 5  # 3, 5, then the 5 misses past the highest id 9
    assert [c.prj_id for c in latest_captures(tmp_path)] == [1, 2, 4, 6, 7, 8, 9]
    assert max(hit.prj_id or 0 for hit in sim.site.hits) == 9 + 5


def test_retry_after_is_honoured(make_site, tmp_path):
    sim = make_site(3)
    sim.site.retry_after = "1"
    sim.site.faults = {2: ["503"]}
    Harvester(tmp_path, fast_options(sim.base_url)).run([2])
    first, second = [hit for hit in sim.site.hits if hit.prj_id == 2]
    assert first.status == 503 and second.status == 200
    assert second.at - first.at >= 1.0


def test_a_page_that_keeps_failing_is_recorded_and_retried_next_run(make_site, tmp_path):
    sim = make_site(6)
    sim.site.faults = {2: ["500"] * 4, 3: ["offsite"], 4: ["garble"] * 4}
    first = Harvester(tmp_path, fast_options(sim.base_url, retries=2)).run([1, 2, 3, 4])
    assert set(first.failures) == {2, 3, 4}
    assert "HTTP 500" in first.failures[2]
    assert "redirect off the site" in first.failures[3]
    assert "not valid utf-8" in first.failures[4]
    assert warc_responses(tmp_path) == {page_url(sim.base_url, 1): 1}

    second = Harvester(tmp_path, fast_options(sim.base_url)).run([1, 2, 3, 4])
    assert second.counts["new"] == 3 and second.counts["kept"] == 1
    assert not second.failures
    assert set(warc_responses(tmp_path).values()) == {1}
    assert len(warc_responses(tmp_path)) == 4


def test_pages_over_the_size_cap_are_refused(make_site, tmp_path):
    sim = make_site(2)
    summary = Harvester(tmp_path, fast_options(sim.base_url, max_bytes=100)).run([1])
    assert "cap" in summary.failures[1]
    assert warc_responses(tmp_path) == {}


def test_several_connections_archive_the_same_pages_in_id_order(make_site, tmp_path):
    sim = make_site(15)
    sim.site.faults = {3: ["503"], 4: ["reset"]}
    sim.site.retry_after = "0"
    summary = Harvester(tmp_path, fast_options(sim.base_url, concurrency=3)).run()
    assert summary.counts["new"] == len(sim.site.pages)
    assert list(warc_responses(tmp_path)) == [page_url(sim.base_url, n) for n in sim.site.pages]


def test_retry_after_pauses_every_connection(make_site, tmp_path):
    sim = make_site(10)
    sim.site.retry_after = "1"
    sim.site.faults = {1: ["429"]}
    options = fast_options(sim.base_url, concurrency=3, rate=20.0)
    Harvester(tmp_path, options).run(list(sim.site.pages))
    refused = next(hit for hit in sim.site.hits if hit.status == 429)
    later = [hit for hit in sim.site.hits if hit.at > refused.at]
    # After the 429, requests already on their way may land; then all wait out the second.
    assert len([hit for hit in later if hit.at - refused.at < 0.9]) <= 2
