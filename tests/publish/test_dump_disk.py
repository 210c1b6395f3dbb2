"""`atlas-ld dump` on a full disk, a read-only or forbidden folder, and after a killed dump.

Findings of issue 10: "a full disk gives tracebacks" (item 8) and "OUT.old-PID orphans stay
forever" (item 10). The full and read-only disks are real: a small tmpfs mounted for the test
(skipped where mounting is not allowed), and a file-size limit (RLIMIT_FSIZE, EFBIG) that
works anywhere.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from atlas_ld.core.release import ReleaseManifest

from .conftest import BASE

DUMP = "from atlas_ld.cli import main; main()"


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def run_dump(store: Path, out: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", DUMP, "dump", "--store", str(store), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def assert_one_line_error(result: subprocess.CompletedProcess, reason: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if not line.startswith("warning:")]
    assert len(errors) == 1, result.stderr
    assert reason in errors[0] and "previous release is unchanged" in errors[0], errors[0]


def leftovers(folder: Path, name: str) -> list[str]:
    return sorted(p.name for p in folder.glob(f".{name}.*"))


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs: room for one sample release (about 1.7 MB), not for two."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path, leave: int) -> None:
    """Fill the file system but `leave` bytes."""
    free = shutil.disk_usage(disk).free
    with (disk / "filler").open("wb") as handle:
        handle.write(b"\0" * max(free - leave, 0))


def test_full_disk_during_dump_gives_one_line_and_keeps_previous_release(
    store_dir: Path, tmpfs: Path
):
    out = tmpfs / "release"
    assert run_dump(store_dir, out).returncode == 0
    before = snapshot(out)
    fill(tmpfs, leave=300_000)
    result = run_dump(store_dir, out)
    assert_one_line_error(result, "No space left on device")
    assert snapshot(out) == before
    assert leftovers(tmpfs, "release") == []


def test_read_only_folder_during_dump_gives_one_line_and_keeps_previous_release(
    store_dir: Path, tmpfs: Path
):
    out = tmpfs / "release"
    assert run_dump(store_dir, out).returncode == 0
    before = snapshot(out)
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    result = run_dump(store_dir, out)
    assert_one_line_error(result, "Read-only file system")
    assert snapshot(out) == before


def test_forbidden_folder_gives_one_line(store_dir: Path, tmp_path: Path):
    folder = tmp_path / "locked"
    folder.mkdir()
    os.chmod(folder, 0o500)
    # root ignores modes: make the folder immutable instead
    if (
        os.access(folder, os.W_OK)
        and subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0
    ):
        pytest.skip("cannot make a folder unwritable here")
    try:
        result = run_dump(store_dir, folder / "release")
        assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert not (folder / "release").exists()
    finally:
        subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
        os.chmod(folder, 0o700)


def test_file_too_large_during_dump_gives_one_line(store_dir: Path, tmp_path: Path):
    out = tmp_path / "release"
    assert run_dump(store_dir, out).returncode == 0
    before = snapshot(out)

    def limit() -> None:  # atlas.ttl (about 440 KB) cannot be written
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))

    result = run_dump(store_dir, out, preexec_fn=limit)
    assert_one_line_error(result, "File too large")
    assert snapshot(out) == before
    assert leftovers(tmp_path, "release") == []


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_killed_dump_old_orphan_removed_by_next_dump(store_dir: Path, tmp_path: Path):
    out = tmp_path / "release"
    assert run_dump(store_dir, out).returncode == 0
    orphan = tmp_path / f".release.old-{dead_pid()}"
    shutil.copytree(out, orphan)  # what a dump killed after its swap leaves
    assert run_dump(store_dir, out).returncode == 0
    assert not orphan.exists()
    assert leftovers(tmp_path, "release") == []


def test_dump_killed_between_renames_gets_its_release_back(store_dir: Path, tmp_path: Path):
    out = tmp_path / "release"
    assert run_dump(store_dir, out).returncode == 0
    first = ReleaseManifest.read(out)
    orphan = tmp_path / f".release.old-{dead_pid()}"
    out.rename(orphan)  # killed after moving the old release aside, before the new one came in
    result = run_dump(store_dir, out, env={**os.environ, "ATLAS_LD_BASE": BASE})
    assert result.returncode == 0, result.stderr
    assert ReleaseManifest.read(out).release_id == first.release_id
    assert not orphan.exists()
