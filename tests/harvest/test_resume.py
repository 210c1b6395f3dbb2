"""Interrupted harvests: SIGKILL mid-run, torn WARC tails, and resuming without refetching."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from atlas_ld.core.atlas_urls import page_url
from atlas_ld.harvest.archive_reader import iter_latest_pages, latest_captures
from atlas_ld.harvest.archive_writer import Archive
from atlas_ld.harvest.crawl import Harvester

from .conftest import fast_options, warc_responses

HARVEST = [sys.executable, "-c", "from atlas_ld.cli import main; main()", "harvest"]
# Python keeps SIGINT ignored when it starts with it ignored, as a job started in the background
# by a non-interactive shell does (`.ci/run &`), and the test's children inherit that: the
# harvest that must be interrupted restores Python's handler first, as a terminal's Ctrl-C has.
INTERRUPTIBLE = [
    sys.executable,
    "-c",
    "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from atlas_ld.cli import main; main()",
    "harvest",
]


def _harvest_command(base_url: str, archive_dir, rate: str, harvest=HARVEST) -> list[str]:
    return [
        *harvest,
        "--base-url", base_url,
        "--archive", str(archive_dir),
        "--rate", rate,
        "--max-misses", "5",
        "--backoff", "0.01",
        "--no-progress",
    ]  # fmt: skip


def _kill_after(base_url: str, archive_dir, site, hits: int) -> set[int]:
    """Run a harvest, SIGKILL it once the site has seen `hits` requests; the ids archived."""
    process = subprocess.Popen(
        _harvest_command(base_url, archive_dir, "25"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while len(site.hits) < hits and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    return {c.prj_id for c in latest_captures(archive_dir)}


def test_sigkill_mid_run_then_resume_leaves_no_duplicate_and_no_corrupt_record(make_site, tmp_path):
    sim = make_site(40)
    archived = set()
    for hits in (10, 20, 30):  # three kills, each at a different point of a different run
        hits_before = len(sim.site.hits)
        now_archived = _kill_after(sim.base_url, tmp_path, sim.site, hits)
        refetched = {hit.prj_id for hit in sim.site.hits[hits_before:]}
        assert not refetched & archived  # what an earlier run archived is not fetched again
        archived = now_archived
    assert 0 < len(archived) < len(sim.site.pages)

    hits_before = len(sim.site.hits)
    done = subprocess.run(
        _harvest_command(sim.base_url, tmp_path, "500"), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr

    # Every served page archived exactly once; every record's digest checks out.
    expected = {page_url(sim.base_url, n) for n in sim.site.pages}
    assert warc_responses(tmp_path) == dict.fromkeys(expected, 1)
    assert [p.body for p in iter_latest_pages(tmp_path)] == [
        p.body for p in sim.site.pages.values()
    ]
    refetched = {hit.prj_id for hit in sim.site.hits[hits_before:]}
    assert not refetched & archived


def test_a_torn_warc_tail_is_trimmed_and_ignored(make_site, tmp_path):
    sim = make_site(4)
    Harvester(tmp_path, fast_options(sim.base_url)).run([1, 2])
    segment = next((tmp_path / "warc").glob("*.warc.gz"))
    good_size = segment.stat().st_size
    with open(segment, "ab") as out:  # what a crash in the middle of a record leaves behind
        out.write(b"\x1f\x8b\x08\x00 torn gzip member")

    with Archive(tmp_path, "reopen") as archive:
        assert archive.trimmed == [segment.name]
    assert segment.stat().st_size == good_size
    Harvester(tmp_path, fast_options(sim.base_url)).run([1, 2, 3])
    expected = {page_url(sim.base_url, n) for n in (1, 2, 3)}
    assert warc_responses(tmp_path) == dict.fromkeys(expected, 1)


def test_a_second_writer_is_refused(site, tmp_path):
    import pytest

    from atlas_ld.core.errors import HarvestError

    with Archive(tmp_path, "one"), pytest.raises(HarvestError, match="another harvest"):
        Archive(tmp_path, "two")


def test_ctrl_c_stops_writes_the_summary_and_the_next_run_goes_on(make_site, tmp_path):
    sim = make_site(30)
    process = subprocess.Popen(
        _harvest_command(sim.base_url, tmp_path, "5", INTERRUPTIBLE),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    while len(sim.site.hits) < 3 and process.poll() is None:
        time.sleep(0.01)
    assert process.poll() is None, "the harvest ended before it could be interrupted"
    hits_then = len(sim.site.hits)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130, f"SIGINT sent after {hits_then} requests:\n{err}"
    assert "interrupted" in err and "summary:" in out
    (summary_file,) = (tmp_path / "runs").glob("*.json")
    summary = json.loads(summary_file.read_text())
    assert summary["interrupted"] is True and 0 < summary["new"] < len(sim.site.pages)

    done = subprocess.run(
        _harvest_command(sim.base_url, tmp_path, "500"), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    expected = {page_url(sim.base_url, n) for n in sim.site.pages}
    assert warc_responses(tmp_path) == dict.fromkeys(expected, 1)
