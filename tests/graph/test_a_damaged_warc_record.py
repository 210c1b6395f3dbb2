"""Regression: a damaged WARC record stopped `atlas-ld build --archive` with a traceback.

A capture whose bytes were damaged after the harvest (a disk error, a bad copy) made warcio
raise out of the build: `ArchiveLoadFailed` with the damaged bytes in its message, or an
`AttributeError` from inside its header reader. Only a body that read but did not match its
SHA-256 was reported as one page left out. Any capture that cannot be read is now that: one
line naming the capture and the offset, the other pages built.
"""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from atlas_ld.cli import main
from atlas_ld.sample.corpus import atlas_url

from .conftest import SEED, archive_seed


def _damage(segment, offset: int, how: str) -> None:
    data = bytearray(segment.read_bytes())
    if how == "zeros-over-the-gzip-header":
        data[offset : offset + 40] = bytes(40)
    elif how == "zeros-in-the-compressed-headers":
        data[offset + 30 : offset + 90] = bytes(60)
    elif how == "bytes-flipped-in-the-body":
        for i in range(offset + 200, min(len(data), offset + 260), 7):
            data[i] ^= 0xFF
    segment.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "how",
    ["zeros-over-the-gzip-header", "zeros-in-the-compressed-headers", "bytes-flipped-in-the-body"],
)
def test_a_damaged_capture_is_one_page_left_out(tmp_path, how):
    archive = tmp_path / "archive"
    archive_seed(archive, 17384)
    archive_seed(archive, 17385, body=SEED.read_bytes().replace(b"FFQCD 2011-2012", b"FFQCD 2013"))
    with sqlite3.connect(archive / "index.sqlite") as index:
        segment, offset = index.execute(
            "SELECT segment, offset FROM captures WHERE prj_id = 17385"
        ).fetchone()
    _damage(next(archive.rglob(segment)), offset, how)
    store = tmp_path / "store"
    args = ["build", "--archive", str(archive), "--store", str(store), "-j", "1"]
    result = CliRunner().invoke(main, [*args, "--max-failures", "50"])
    assert isinstance(result.exception, SystemExit), result.output  # no traceback
    assert result.exit_code == 1
    failure = [line for line in result.output.splitlines() if f"{atlas_url(17385)}: read: " in line]
    assert len(failure) == 1
    assert "cannot be read: damaged WARC record" in failure[0] or "SHA-256" in failure[0]
    assert "1 partnerships from 2 pages" in result.output
