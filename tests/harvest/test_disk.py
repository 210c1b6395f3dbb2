"""Issue 10, item 8: a full disk or a read-only folder is one line, the archive stays consistent,
and the same command resumes. Real constraints: RLIMIT_FSIZE on the harvest's process, a
size-limited tmpfs, a read-only bind mount (or a folder without write permission)."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from atlas_ld.core.atlas_urls import page_url
from atlas_ld.core.errors import HarvestError
from atlas_ld.harvest.archive_reader import iter_latest_pages, latest_captures
from atlas_ld.harvest.crawl import Harvester
from atlas_ld.sample.simulator import AtlasSimulator, SimPage, SiteState, corpus

from .conftest import fast_options, utf8_html_ids, warc_responses

CLI = [sys.executable, "-c", "from atlas_ld.cli import main; main()", "harvest"]


def _command(base_url: str, archive: Path) -> list[str]:
    return [*CLI, "--base-url", base_url, "--archive", str(archive), "--rate", "500",
            "--backoff", "0.01", "--max-misses", "3", "--no-progress"]  # fmt: skip


def _file_size_limit(limit: int):
    """For `preexec_fn`: files of this process cannot grow past `limit` bytes (EFBIG)."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, no signal
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def _padded_site(count: int, pad_bytes: int) -> AtlasSimulator:
    """`count` real project pages, each padded with `pad_bytes` of hex in an HTML comment."""
    pages = corpus(count)
    html = utf8_html_ids(pages)
    body = pages[html[0]].body
    served = {}
    for n in range(1, count + 1):
        pad = hashlib.shake_256(str(n).encode()).hexdigest(pad_bytes // 2).encode()
        served[n] = SimPage(body + b"<!-- " + pad + b" -->\n", "text/html; charset=utf-8")
    return AtlasSimulator(SiteState(pages=served)).start()


def _error_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("atlas-ld: error:")]
    assert len(errors) == 1, stderr
    return errors[0]


def _assert_consistent(archive: Path) -> set[int]:
    """Every indexed capture reads back and checks its digest; the WARC files hold exactly
    the indexed responses, nothing torn past them. Returns the ids archived."""
    captures = latest_captures(archive)
    pages = list(iter_latest_pages(archive))  # each body checked against its SHA-256
    assert len(pages) == len(captures)
    assert sum(warc_responses(archive).values()) == len(captures)
    with sqlite3.connect(archive / "index.sqlite") as db:
        for name, good_end in db.execute("SELECT name, good_end FROM segments"):
            assert (archive / "warc" / name).stat().st_size == good_end
    return {c.prj_id for c in captures}


def _resume_and_check(sim: AtlasSimulator, archive: Path, before: set[int]) -> None:
    hits = len(sim.site.hits)
    done = subprocess.run(_command(sim.base_url, archive), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    refetched = {hit.prj_id for hit in sim.site.hits[hits:]}
    assert not refetched & before  # what was archived before the disk filled is kept
    expected = {page_url(sim.base_url, n) for n in sim.site.pages}
    assert warc_responses(archive) == dict.fromkeys(expected, 1)
    stopped = [json.loads(p.read_text()) for p in (archive / "runs").glob("*.json")]
    assert [s["interrupted"] for s in stopped].count(True) == 1  # the run the disk stopped


def test_full_disk_in_the_index_is_one_line_not_an_sqlite_traceback(tmp_path):
    """Finding: `sqlite3.OperationalError: database or disk is full` as a traceback."""
    sim = _padded_site(60, 200)
    try:
        archive = tmp_path / "archive"
        # Pages are small, so the index's write-ahead log reaches the limit before any WARC file.
        stopped = subprocess.run(
            _command(sim.base_url, archive),
            capture_output=True,
            text=True,
            preexec_fn=_file_size_limit(400_000),
        )
        assert stopped.returncode == 1
        line = _error_line(stopped.stderr)
        assert "index.sqlite: cannot write the index" in line
        assert "run the same command again" in line
        before = _assert_consistent(archive)
        assert 0 < len(before) < 60
        _resume_and_check(sim, archive, before)
    finally:
        sim.stop()


def test_full_disk_in_a_warc_file_cuts_the_record_back_and_resumes(tmp_path):
    sim = _padded_site(8, 600_000)  # hex: ~320 kB per record once gzipped
    try:
        archive = tmp_path / "archive"
        stopped = subprocess.run(
            _command(sim.base_url, archive),
            capture_output=True,
            text=True,
            preexec_fn=_file_size_limit(1_200_000),
        )
        assert stopped.returncode == 1
        line = _error_line(stopped.stderr)
        assert ".warc.gz: cannot write the archive (File too large)" in line
        before = _assert_consistent(archive)  # the torn record is already cut off
        assert 0 < len(before) < 8
        _resume_and_check(sim, archive, before)
    finally:
        sim.stop()


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs at tmp_path/disk (root, or a sandbox that allows mounts) and a function
    that gives it room."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")

    def grow() -> None:
        subprocess.run(["mount", "-o", "remount,size=64m", str(mount)], check=True)

    yield mount, grow
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_no_space_left_on_device_then_space_freed_resumes(small_disk):
    disk, grow = small_disk
    sim = _padded_site(12, 400_000)
    try:
        archive = disk / "archive"
        with pytest.raises(HarvestError, match="No space left on device") as stopped:
            Harvester(archive, fast_options(sim.base_url, max_misses=3)).run()
        assert "\n" not in str(stopped.value)
        before = _assert_consistent(archive)
        assert 0 < len(before) < 12
        grow()
        Harvester(archive, fast_options(sim.base_url, max_misses=3)).run()
        expected = {page_url(sim.base_url, n) for n in sim.site.pages}
        assert warc_responses(archive) == dict.fromkeys(expected, 1)
    finally:
        sim.stop()


@pytest.fixture
def read_only(tmp_path):
    """Make a folder read-only for this process: a read-only bind mount when running as root
    (root ignores permissions), its permissions otherwise."""
    made: list[Path] = []

    def protect(folder: Path) -> None:
        if os.geteuid() == 0:
            for args in (["--bind", str(folder), str(folder)],
                         ["-o", "remount,bind,ro", str(folder)]):  # fmt: skip
                if subprocess.run(["mount", *args], capture_output=True).returncode != 0:
                    pytest.skip("running as root and cannot bind-mount read-only")
        else:
            folder.chmod(0o555)
        made.append(folder)

    yield protect
    for folder in made:
        if os.geteuid() == 0:
            subprocess.run(["umount", str(folder)], check=False)
        else:
            folder.chmod(0o755)


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_read_only_archive_folder_is_one_line_and_leaves_it_untouched(site, tmp_path, read_only):
    archive = tmp_path / "archive"
    Harvester(archive, fast_options(site.base_url)).run([1, 2])
    before = _digests(archive)
    read_only(archive)
    done = subprocess.run(_command(site.base_url, archive), capture_output=True, text=True)
    assert done.returncode == 1
    line = _error_line(done.stderr)
    assert str(archive) in line and ("Read-only" in line or "Permission denied" in line)
    assert _digests(archive) == before
    # ... and the build stage still reads it, as from any read-only medium.
    assert [page.source for page in iter_latest_pages(archive)] == [
        page_url(site.base_url, n) for n in (1, 2)
    ]


def test_archive_in_a_read_only_folder_is_one_line(site, tmp_path, read_only):
    parent = tmp_path / "parent"
    parent.mkdir()
    read_only(parent)
    done = subprocess.run(
        _command(site.base_url, parent / "archive"), capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "cannot create the archive" in _error_line(done.stderr)
