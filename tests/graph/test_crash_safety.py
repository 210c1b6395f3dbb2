"""Crash-safe stores (issue 10, items 5, 6, 8, 10): real processes killed with SIGKILL, real
full and read-only file systems (a size-limited tmpfs mounted by the test where the sandbox
allows it, else a file-size limit on the build process), stores compared byte for byte."""

from __future__ import annotations

import os
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner

from atlas_ld.cli import main
from atlas_ld.core.errors import StoreError
from atlas_ld.store.disk import open_store, sample_may_be_built

from .conftest import SEED, seed_variant
from .test_page_failures import snapshot

ATLAS_LD = str(Path(sys.executable).parent / "atlas-ld")
TITLE = "<http://purl.org/dc/terms/title>"


def _titles(store: Path) -> set[str]:
    return {str(q.object) for q in open_store(store, read_only=True) if str(q.predicate) == TITLE}


def _children(pid: int) -> list[int]:
    return [child.pid for child in psutil.Process(pid).children()]


def _running(pid: int) -> bool:
    """Alive and not a zombie (a killed orphan is reaped by init, maybe not at once)."""
    try:
        return psutil.Process(pid).status() not in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD)
    except psutil.NoSuchProcess:
        return False


def _wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds} s")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def many_pages(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("many") / "pages"
    result = CliRunner().invoke(main, ["sample", "--pages", "400", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_kill_9_of_the_build_parent_kills_its_workers_and_frees_the_lock(tmp_path, many_pages):
    """Issue 10, item 5: kill -9 of the build left its 2 workers alive holding the store's lock;
    every later build said "another build of this store is running"."""
    store = tmp_path / "S"
    build = subprocess.Popen(
        [ATLAS_LD, "build", str(many_pages), "--store", str(store), "-j", "2", "--no-cache"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(lambda: len(_children(build.pid)) >= 2, 60, "two workers started")
        workers = _children(build.pid)
        os.kill(build.pid, signal.SIGKILL)
        build.wait(timeout=10)
        _wait_for(lambda: not any(_running(w) for w in workers), 10, "workers gone")
    finally:
        build.kill()
        build.wait()
    again = subprocess.run(
        [ATLAS_LD, "build", str(SEED), "--store", str(store), "-j", "2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr
    assert f"took over the lock of build {build.pid}, which died" in again.stderr
    assert not list(tmp_path.glob("S.new-*"))


def test_sigterm_stops_the_build_and_its_workers_and_leaves_the_store(tmp_path, many_pages):
    """Issue 10, item 5: workers are shut down when the build is asked to stop."""
    store = tmp_path / "S"
    assert _cli("build", str(SEED), "--store", str(store), "-j", "1").returncode == 0
    before = snapshot(store)
    build = subprocess.Popen(
        [ATLAS_LD, "build", str(many_pages), "--store", str(store), "-j", "2", "--no-cache"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(lambda: len(_children(build.pid)) >= 2, 60, "two workers started")
        workers = _children(build.pid)
        build.send_signal(signal.SIGTERM)
        _, stderr = build.communicate(timeout=30)
    finally:
        build.kill()
        build.wait()
    _wait_for(lambda: not any(_running(w) for w in workers), 10, "workers gone")
    assert build.returncode == 1
    expected = f"atlas-ld: error: {store}: build stopped by SIGTERM before it finished"
    assert stderr.strip() == expected
    assert snapshot(store) == before
    assert not list(tmp_path.glob("S.new-*"))


def test_an_orphan_new_store_is_removed_by_the_next_build(tmp_path, seed_page):
    """Issue 10, item 10: `STORE.new-PID` after a killed build stayed forever."""
    from atlas_ld.graph.pipeline import build

    orphan = tmp_path / "S.new-4242"
    orphan.mkdir()
    (orphan / "000001.sst").write_bytes(b"\0" * 1000)
    report = build([seed_page], tmp_path / "S", processes=1)
    assert not orphan.exists()
    assert f"{orphan}: removed, left by a build that died" in report.warnings


def test_a_public_copy_left_half_made_is_removed_by_the_next_build(tmp_path, seed_page):
    """A reader killed while it made the public copy (`public_copy`, outside the build lock)
    left `STORE.public.new-PID` forever; one whose maker still runs stays."""
    import subprocess
    import sys

    from atlas_ld.graph.pipeline import build

    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    orphan = tmp_path / f"S.public.new-{ended.pid}"
    orphan.mkdir()
    (orphan / "000001.sst").write_bytes(b"\0" * 1000)
    working = tmp_path / f"S.public.new-{os.getpid()}"
    working.mkdir()
    build([seed_page], tmp_path / "S", processes=1)
    assert not orphan.exists() and working.exists()


_CRASHING_BUILD = """
import os, signal, sys
from pathlib import Path
from atlas_ld.graph import pipeline
from atlas_ld.parse.source import read_page

kill_at = int(sys.argv[3])
calls = 0
real = {"rename": os.rename, "replace": os.replace}

def counting(name):
    def call(*args, **kwargs):
        global calls
        calls += 1
        if calls == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return real[name](*args, **kwargs)
    return call

swap_in = pipeline.swap_in

def crashing_swap(new_dir, store_dir):
    os.rename, os.replace = counting("rename"), counting("replace")
    swap_in(new_dir, store_dir)

pipeline.swap_in = crashing_swap
pipeline.build([read_page(sys.argv[1])], Path(sys.argv[2]), processes=1, use_cache=False)
"""


def _crash_in_swap(page: Path, store: Path, kill_at: int) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _CRASHING_BUILD, str(page), str(store), str(kill_at)],
        capture_output=True,
        timeout=120,
    )
    return done.returncode


def _legacy(store: Path) -> None:
    """Turn a store into the layout before generations: a real directory at STORE."""
    if not store.is_symlink():
        return  # already one: a build that changes nothing keeps the store as it is
    target = store.resolve()
    store.unlink()
    target.rename(store)
    for link in store.parent.glob(f"{store.name}.previous"):
        link.unlink()


@pytest.mark.parametrize("legacy", [False, True], ids=["link", "directory"])
def test_a_build_killed_at_any_step_of_the_swap_leaves_a_whole_store(tmp_path, seed_page, legacy):
    """Issue 10, item 6: killed between the two renames, the path had no store, and `serve`
    then built the sample over it."""
    from atlas_ld.graph.pipeline import build

    variant = seed_variant(tmp_path, "FFQCD 2011-2012 :", "FFQCD 2013 :")
    store = tmp_path / "S"
    # each rename of the swap; for a store of the old layout, the two that move it
    for kill_at in (2, 3) if legacy else (1, 2, 3):
        build([seed_page], store, processes=1, use_cache=False)
        if legacy:
            _legacy(store)
        old = _titles(store)
        assert _crash_in_swap(variant, store, kill_at) == -signal.SIGKILL
        assert not sample_may_be_built(store)  # completes an interrupted swap if need be
        assert _titles(store) in (old, _titles_of_build(tmp_path, variant))
        build([seed_page], store, processes=1, use_cache=False)  # the next build cleans up
        assert _titles(store) == old
        assert not list(tmp_path.glob("S.new-*")) and not (tmp_path / "S.swap").exists()
        assert len(list((tmp_path / "S.stores").iterdir())) <= 2


def _titles_of_build(tmp_path: Path, page: Path) -> set[str]:
    from atlas_ld.graph.pipeline import build
    from atlas_ld.parse.source import read_page

    store = tmp_path / "reference-build"
    if not store.exists():
        build([read_page(str(page))], store, processes=1, use_cache=False)
    return _titles(store)


@pytest.mark.parametrize("trace", ["S.previous", "S.new-4242", "S.stores"])
def test_serve_does_not_build_the_sample_over_traces_of_a_store(tmp_path, trace):
    """Issue 10, item 6: `serve --store D` built the sample where a store had just been."""
    (tmp_path / trace).mkdir()
    with pytest.raises(StoreError, match=f"traces of one .*{trace}"):
        sample_may_be_built(tmp_path / "S")
    served = subprocess.run(
        [ATLAS_LD, "serve", "--store", str(tmp_path / "S"), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert served.returncode == 1
    assert served.stderr.startswith("atlas-ld: error: ") and trace in served.stderr
    assert "Traceback" not in served.stderr
    assert not (tmp_path / "S").exists()
    assert sample_may_be_built(tmp_path / "elsewhere")


# -- full disk, read-only folder -------------------------------------------------------------


@contextmanager
def small_filesystem(path: Path, size: str) -> Iterator[Callable[[], None] | None]:
    """A real file system of `size` at `path` (tmpfs); where mounting is not allowed, a limit
    on the size of the files the build process writes (RLIMIT_FSIZE) stands in for it."""
    path.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True
    )
    if mounted.returncode == 0:
        try:
            yield None
        finally:
            subprocess.run(["umount", "-l", str(path)], check=False)
        return
    limit = int(size.rstrip("m")) * 1024 * 1024 // 4

    def limit_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    yield limit_files


def _cli(*args: str, preexec: Callable[[], None] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ATLAS_LD, *args], capture_output=True, text=True, timeout=180, preexec_fn=preexec
    )


def test_a_full_disk_gives_one_line_and_leaves_the_store_and_no_partial_files(tmp_path):
    """Issue 10, item 8: a full disk gave `_RemoteTraceback ... Errno 28` and the cache kept
    filling the disk."""
    with small_filesystem(tmp_path / "disk", "3m") as preexec:
        store = tmp_path / "disk" / "S"
        first = _cli("build", str(SEED), "--store", str(store), "-j", "1")
        assert first.returncode == 0, first.stderr
        before = snapshot(store)
        full = _cli("build", "--store", str(store), "-j", "2", preexec=preexec)
        assert full.returncode == 1
        assert "Traceback" not in full.stderr
        last = full.stderr.strip().splitlines()[-1]
        assert last.startswith("atlas-ld: error: ")
        assert "could not write the store" in last and "the store was left as it was" in last
        assert snapshot(store) == before
        disk = tmp_path / "disk"
        assert not [p for p in disk.iterdir() if ".new-" in p.name or p.name.endswith(".tmp")]
        assert not list(disk.rglob("*.tmp"))


def test_a_read_only_folder_gives_one_line_and_leaves_the_store(tmp_path):
    with small_filesystem(tmp_path / "disk", "8m") as preexec:
        if preexec is not None:
            pytest.skip("cannot mount a file system here to make read-only")
        store = tmp_path / "disk" / "S"
        assert _cli("build", str(SEED), "--store", str(store), "-j", "1").returncode == 0
        before = snapshot(store)
        subprocess.run(["mount", "-o", "remount,ro", str(tmp_path / "disk")], check=True)
        result = _cli("build", str(SEED), "--store", str(store), "-j", "1")
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert result.stderr.strip() == (
            f"atlas-ld: error: {store}.lock: cannot open the build lock: Read-only file system"
        )
        assert snapshot(store) == before


def _without_root_powers(args: list[str]) -> list[str]:
    """The command run so that file permissions apply: root ignores them unless it drops
    CAP_DAC_OVERRIDE (capsh); anyone else is bound by them already."""
    if os.geteuid() != 0:
        return args
    capsh = shutil.which("capsh")
    if capsh is None:
        pytest.skip("running as root without capsh: file permissions cannot apply")
    return [capsh, "--drop=cap_dac_override,cap_dac_read_search", "--", "-c", shlex.join(args)]


def test_permission_denied_gives_one_line_and_leaves_the_store(tmp_path):
    """Issue 10, item 8: permission denied on the store's folder, and on a page."""
    folder = tmp_path / "shared"
    folder.mkdir()
    store = folder / "S"
    assert _cli("build", str(SEED), "--store", str(store), "-j", "1").returncode == 0
    before = snapshot(store)
    locked = tmp_path / "locked.html"
    locked.write_bytes(SEED.read_bytes())
    locked.chmod(0)
    folder.chmod(0o555)
    (folder / "S.lock").chmod(0o444)
    try:
        args = [ATLAS_LD, "build", str(SEED), str(locked), "--store", str(store), "-j", "1"]
        result = subprocess.run(
            _without_root_powers(args), capture_output=True, text=True, timeout=120
        )
    finally:
        folder.chmod(0o755)
        (folder / "S.lock").chmod(0o644)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        f"atlas-ld: error: {store}.lock: cannot open the build lock: Permission denied"
    )
    assert snapshot(store) == before
    result = subprocess.run(
        _without_root_powers([*args, "--max-failures", "50"]),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert f"atlas-ld: error: {locked}: read: Permission denied" in result.stderr
    assert "1 partnerships from 2 pages" in result.stdout
