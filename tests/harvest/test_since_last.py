"""`--since-last`: conditional requests, no body for unchanged pages, and the run summary."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from warcio.archiveiterator import ArchiveIterator

from atlas_ld.harvest.archive_reader import iter_latest_pages, latest_captures
from atlas_ld.harvest.crawl import Harvester

from .conftest import fast_options, warc_responses


def test_unchanged_site_costs_one_bodiless_request_per_page(site, tmp_path):
    Harvester(tmp_path, fast_options(site.base_url)).run()
    first = {c.prj_id: c.record_id for c in latest_captures(tmp_path)}
    hits_before = len(site.site.hits)

    summary = Harvester(tmp_path, fast_options(site.base_url, since_last=True)).run()

    page_hits = [hit for hit in site.site.hits[hits_before:] if hit.prj_id in first]
    assert sorted(hit.prj_id for hit in page_hits) == sorted(first)
    assert all(hit.conditional and hit.status == 304 for hit in page_hits)
    assert sum(hit.body_bytes for hit in site.site.hits[hits_before:] if hit.status == 304) == 0
    assert summary.counts["unchanged"] == len(first)
    assert summary.counts["new"] == summary.counts["changed"] == 0
    # The archive still points at the first captures; nothing was added.
    assert {c.prj_id: c.record_id for c in latest_captures(tmp_path)} == first
    assert set(warc_responses(tmp_path).values()) == {1}


def test_changed_and_gone_pages_are_told_apart(site, tmp_path):
    Harvester(tmp_path, fast_options(site.base_url)).run()
    pages = site.site.pages
    new_body = pages[2].body.replace(b"</body>", b"<p>mise \xc3\xa0 jour</p></body>")
    pages[2] = replace(pages[2], body=new_body)
    del pages[3]
    pages[18] = pages[1]  # a new page within --max-misses of the previous end (14)

    summary = Harvester(tmp_path, fast_options(site.base_url, since_last=True)).run()

    data = json.loads((tmp_path / "runs" / f"{summary.run}.json").read_text())
    assert (data["new"], data["changed"], data["gone"], data["failed"]) == (1, 1, 1, 0)
    assert data["unchanged"] == len(pages) - 2
    latest = {page.url.rsplit("=", 1)[1]: page.body for page in iter_latest_pages(tmp_path)}
    assert latest["2"] == new_body
    assert "3" not in latest and "18" in latest
    assert "3" in {p.url.rsplit("=", 1)[1] for p in iter_latest_pages(tmp_path, include_gone=True)}

    again = Harvester(tmp_path, fast_options(site.base_url, since_last=True)).run()
    assert again.counts["gone"] == 0  # gone is told once, in the run that sees it go
    assert again.counts["unchanged"] == len(pages)


def test_last_modified_alone_is_enough(site, tmp_path):
    site.site.etags = False
    Harvester(tmp_path, fast_options(site.base_url)).run()
    hits_before = len(site.site.hits)
    summary = Harvester(tmp_path, fast_options(site.base_url, since_last=True)).run()
    pages = [hit for hit in site.site.hits[hits_before:] if hit.prj_id in site.site.pages]
    assert pages and all(hit.status == 304 for hit in pages)
    assert summary.counts["unchanged"] == len(site.site.pages)


def test_gzip_bodies_are_archived_as_transferred_and_read_back_decoded(site, tmp_path):
    site.site.gzip = True
    Harvester(tmp_path, fast_options(site.base_url)).run()
    served = {n: page.body for n, page in site.site.pages.items()}
    read = {int(page.source.rsplit("=", 1)[1]): page.body for page in iter_latest_pages(tmp_path)}
    assert read == served
    segment = next((tmp_path / "warc").glob("*.warc.gz"))
    with open(segment, "rb") as stream:
        payloads = [
            record.raw_stream.read(2)
            for record in ArchiveIterator(stream)
            if record.rec_type == "response"
        ]
    assert payloads and all(p == b"\x1f\x8b" for p in payloads)  # the gzip bytes themselves


def test_the_archive_as_it_stood_at_a_past_moment(site, tmp_path):
    before_any = datetime.now(UTC)
    Harvester(tmp_path, fast_options(site.base_url)).run()
    first = {c.prj_id: c.record_id for c in latest_captures(tmp_path)}
    between = datetime.now(UTC)
    pages = site.site.pages
    pages[2] = replace(pages[2], body=pages[2].body.replace(b"</body>", b"<p>v2</p></body>"))
    del pages[3]
    Harvester(tmp_path, fast_options(site.base_url, since_last=True)).run()

    assert latest_captures(tmp_path, as_of=before_any) == []
    assert {c.prj_id: c.record_id for c in latest_captures(tmp_path, as_of=between)} == first
    now = {c.prj_id: c.record_id for c in latest_captures(tmp_path, as_of=datetime.now(UTC))}
    assert now == {c.prj_id: c.record_id for c in latest_captures(tmp_path)}
    assert 3 not in now and now[2] != first[2]
    cited = {p.source: p.body for p in iter_latest_pages(tmp_path, as_of=between)}
    assert b"<p>v2</p>" not in b"".join(cited.values())


def test_a_maintenance_page_is_a_failure_not_a_disappearance(site, tmp_path):
    Harvester(tmp_path, fast_options(site.base_url)).run()
    site.site.faults = {2: ["maintenance"] * 10}
    summary = Harvester(tmp_path, fast_options(site.base_url, since_last=True)).run()
    assert summary.counts["gone"] == 0
    assert "neither a project page nor the not-found page" in summary.failures[2]
    assert 2 in {c.prj_id for c in latest_captures(tmp_path)}  # the last good capture stays
