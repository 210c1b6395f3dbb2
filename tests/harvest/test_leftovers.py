"""Issue 10, item 10 for harvest: what a killed harvest leaves is cleaned or resumed next run."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time

from atlas_ld.core.atlas_urls import page_url
from atlas_ld.harvest.archive_writer import Archive

from .conftest import warc_responses
from .test_resume import _harvest_command


def _runs(archive) -> dict[str, str | None]:
    with sqlite3.connect(archive / "index.sqlite") as db:
        return dict(db.execute("SELECT run, summary FROM runs"))


def test_leftovers_of_a_killed_harvest_are_cleaned_by_the_next_run(make_site, tmp_path):
    sim = make_site(30)
    process = subprocess.Popen(
        _harvest_command(sim.base_url, tmp_path, "25"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while len(sim.site.hits) < 8 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    (killed,) = _runs(tmp_path)
    assert _runs(tmp_path)[killed] is None  # no summary: the run never finished
    # What a kill during the summary's write or the first record of a segment leaves behind:
    (tmp_path / "runs" / f".{killed}.json.tmp").write_text('{"run": "')
    with sqlite3.connect(tmp_path / "index.sqlite") as db:
        db.execute("INSERT INTO segments VALUES ('atlas-empty.warc.gz', 0)")
    (tmp_path / "warc" / "atlas-empty.warc.gz").write_bytes(b"\x1f\x8b")

    with Archive(tmp_path, "next") as archive:
        assert archive.recovered == [killed]
    assert not list((tmp_path / "runs").glob(".*.tmp"))
    assert not (tmp_path / "warc" / "atlas-empty.warc.gz").exists()
    closed = json.loads((tmp_path / "runs" / f"{killed}.json").read_text())
    assert closed["interrupted"] is True and closed["finished_at"] is None
    assert 0 < closed["archived"] == closed["checks"].get("good", 0)
    assert json.loads(_runs(tmp_path)[killed] or "{}") == closed

    done = subprocess.run(
        _harvest_command(sim.base_url, tmp_path, "500"), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    expected = {page_url(sim.base_url, n) for n in sim.site.pages}
    assert warc_responses(tmp_path) == dict.fromkeys(expected, 1)
