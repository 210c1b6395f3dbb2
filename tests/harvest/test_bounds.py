"""Issue 10, item 9 for harvest: every input bounded. A gzip bomb is refused without expanding,
redirects stay on the Atlas's host (robots.txt included), and no path read from the index leads
out of the archive folder."""

from __future__ import annotations

import gzip
import hashlib
import sqlite3
import zlib

import pytest

from atlas_ld.core.errors import HarvestError
from atlas_ld.harvest.archive_reader import iter_latest_pages, latest_captures, read_capture
from atlas_ld.harvest.archive_writer import Archive
from atlas_ld.harvest.crawl import Harvester
from atlas_ld.harvest.fetcher import _decode_content
from atlas_ld.sample.simulator import SimPage

from .conftest import fast_options


def test_gzip_bomb_is_refused_without_expanding(make_site, tmp_path):
    """Finding: the raw size was capped, the decompressed size was not."""
    sim = make_site(3)
    sim.site.gzip = True
    page = sim.site.pages[2]
    # 50 MB of spaces after a real page gzip to ~50 kB: well under the raw cap.
    sim.site.pages[2] = SimPage(page.body + b" " * 50_000_000, page.content_type)
    options = fast_options(sim.base_url, max_bytes=1_000_000, read_timeout=10.0)
    summary = Harvester(tmp_path, options).run([1, 2, 3])
    assert summary.failures == {2: "gzip body expands past the 1000000-byte cap"}
    assert [hit.prj_id for hit in sim.site.hits].count(2) == 1  # refused, not retried
    assert [c.prj_id for c in latest_captures(tmp_path)] == [1, 3]


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_decompression_stops_at_the_cap(encoding):
    payload = b"x" * 10_000_000
    raw = gzip.compress(payload) if encoding == "gzip" else zlib.compress(payload)
    assert _decode_content(raw, encoding, 10_000_000) == payload
    with pytest.raises(Exception, match="expands past the 9999999-byte cap"):
        _decode_content(raw, encoding, 9_999_999)
    with pytest.raises(Exception, match=f"corrupt or cut {encoding} body"):
        _decode_content(raw[: len(raw) // 2], encoding, 10_000_000)


def test_redirects_are_followed_only_on_the_atlas_host(make_site, tmp_path):
    sim = make_site(4)
    sim.site.faults = {1: ["offsite"], 2: ["moved"]}
    summary = Harvester(tmp_path, fast_options(sim.base_url)).run([1, 2])
    assert summary.failures == {
        1: "redirect off the site to http://elsewhere.invalid/detailProjet.html"
    }
    assert [c.prj_id for c in latest_captures(tmp_path)] == [2]


def test_a_redirect_to_a_page_robots_txt_forbids_is_not_followed(make_site, tmp_path):
    sim = make_site(4)
    sim.site.robots = "User-agent: *\nDisallow: /*&lang=\n"
    sim.site.faults = {2: ["moved"]}  # 301 to ...prjId=2&lang=fr
    summary = Harvester(tmp_path, fast_options(sim.base_url)).run([2])
    assert "which robots.txt disallows" in summary.failures[2]


def test_robots_txt_redirected_off_the_site_stops_the_harvest(tmp_path):
    """Finding: robots.txt was fetched following any redirect, to any host."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    class Elsewhere(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", "http://elsewhere.invalid/robots.txt")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with pytest.raises(HarvestError, match=r"robots\.txt redirects off the site"):
            Harvester(tmp_path / "archive", fast_options(url)).run([1])
    finally:
        server.shutdown()
        server.server_close()
    assert not (tmp_path / "archive").exists()


@pytest.mark.parametrize("name", ["/etc/hostname", "../../outside.warc.gz", "../index.sqlite"])
def test_the_index_cannot_make_the_archive_touch_a_file_outside_it(site, tmp_path, name):
    """Finding: archive.py truncated files at paths read from its index."""
    archive = tmp_path / "archive"
    Harvester(archive, fast_options(site.base_url)).run([1])
    victim = tmp_path / "outside.warc.gz"
    victim.write_bytes(b"precious" * 1000)
    with sqlite3.connect(archive / "index.sqlite") as db:
        db.execute("INSERT INTO segments VALUES (?, 10)", (name,))
        db.execute("UPDATE captures SET segment = ?", (name,))
    before = hashlib.sha256(victim.read_bytes()).hexdigest()
    with pytest.raises(HarvestError, match="outside the archive's warc/ folder"):
        Archive(archive, "next")
    with pytest.raises(HarvestError, match="outside the archive's warc/ folder"):
        list(iter_latest_pages(archive))
    with pytest.raises(HarvestError, match="outside the archive's warc/ folder"):
        read_capture(archive, latest_captures(archive)[0])
    assert hashlib.sha256(victim.read_bytes()).hexdigest() == before


def test_a_segment_that_is_a_symbolic_link_is_never_trimmed(site, tmp_path):
    archive = tmp_path / "archive"
    Harvester(archive, fast_options(site.base_url)).run([1])
    (segment,) = (archive / "warc").glob("*.warc.gz")
    victim = tmp_path / "victim"
    victim.write_bytes(segment.read_bytes() + b"more than the good end")
    segment.unlink()
    segment.symlink_to(victim)
    size = victim.stat().st_size
    with pytest.raises(HarvestError, match="symbolic link"):
        Archive(archive, "next")
    assert victim.stat().st_size == size


def test_robots_txt_is_read_up_to_512_kib_as_rfc_9309_allows(site, tmp_path):
    padding = "# " + "x" * 98 + "\n"
    site.site.robots = "User-agent: *\nDisallow: /nothing\n" + padding * 6000 + "Disallow: /\n"
    summary = Harvester(tmp_path, fast_options(site.base_url)).run([1])
    assert summary.counts["new"] == 1  # the rule past 512 KiB is not read
