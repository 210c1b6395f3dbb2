"""The two user commands end to end: `atlas-ld simulate` in one process, `harvest` in another."""

from __future__ import annotations

import re
import subprocess
import sys

from atlas_ld.harvest.archive_reader import latest_captures
from atlas_ld.sample.corpus import sample_pages

CLI = [sys.executable, "-c", "from atlas_ld.cli import main; main()"]


def test_harvest_a_simulated_atlas_with_faults(tmp_path):
    ids = sorted(int(page.url.rsplit("=", 1)[1]) for page in sample_pages())[:5]  # type: ignore[union-attr]
    server = subprocess.Popen(
        [*CLI, "simulate", "--port", "0", "--pages", "0", "--fault", f"{ids[0]}:503,reset",
         "--soft-404", str(ids[3]), "--disallow", str(ids[4])],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        url = re.search(r"at (http://\S+)", server.stdout.readline())[1]  # type: ignore[index]
        done = subprocess.run(
            [*CLI, "harvest", "--base-url", url, "--archive", str(tmp_path), "--rate", "100",
             "--backoff", "0.01", "--ids", ",".join(map(str, ids)), "--no-progress"],
            capture_output=True,
            text=True,
            timeout=60,
        )  # fmt: skip
    finally:
        server.terminate()
        server.wait()
    assert done.returncode == 0, done.stderr
    assert "new 3" in done.stdout and "missing 1" in done.stdout and "disallowed 1" in done.stdout
    assert f"{ids[0]}\tnew" in done.stderr  # plain log lines when stderr is not a terminal
    assert [c.prj_id for c in latest_captures(tmp_path)] == ids[:3]


def test_simulate_disallow_27_forbids_27_only_not_270_to_279(tmp_path):
    """Finding: robots.txt rules were matched by string prefix, so 27 also blocked 270-279."""
    server = subprocess.Popen(
        [*CLI, "simulate", "--port", "0", "--pages", "300", "--disallow", "27"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = re.search(r"at (http://\S+)", server.stdout.readline())[1]  # type: ignore[index]
        done = subprocess.run(
            [*CLI, "harvest", "--base-url", url, "--archive", str(tmp_path), "--rate", "100",
             "--ids", "27,270-279", "--no-progress"],
            capture_output=True,
            text=True,
            timeout=60,
        )  # fmt: skip
    finally:
        server.terminate()
        server.wait()
    assert done.returncode == 0, done.stderr
    assert "27\tdisallowed (robots.txt)" in done.stderr
    assert "disallowed 1" in done.stdout
    archived = {c.prj_id for c in latest_captures(tmp_path)}
    assert archived and archived <= set(range(270, 280))
