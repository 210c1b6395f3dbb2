"""Coverage-guided fuzzing of reading a capture back from a damaged web archive.

    pip install -e ".[fuzz]"
    python fuzz/fuzz_archive.py fuzz/archive-corpus -max_total_time=600   # libFuzzer's options

An archive's WARC files can be damaged after the harvest: a disk error, a bad copy, an edit.
`build --archive` reads each capture at the offset its index gives; one that cannot be read
must be one page left out, in one line, never a traceback that stops the build. The seed is a
real segment written by `harvest.archive_writer.Archive` (two captures of the seed page);
libFuzzer mutates its bytes, and the second capture is read from them as the build reads it.
An input fails when reading raises anything but `HarvestError`, or gives a page whose body
does not match the capture's SHA-256.
"""

from __future__ import annotations

import hashlib
import io
import sqlite3
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["atlas_ld.harvest", "warcio"]):
    from atlas_ld.core.errors import HarvestError
    from atlas_ld.harvest.archive_index import capture_of
    from atlas_ld.harvest.archive_reader import _read_at
    from atlas_ld.harvest.archive_writer import Archive, Fetched
    from atlas_ld.sample.corpus import atlas_url

ROOT = Path(__file__).resolve().parents[1]
SEED_PAGE = ROOT / "tests" / "graph" / "data" / "seed.txt"


def _seed_archive(root: Path):
    """A segment holding two captures, and the second one's index row."""
    body = SEED_PAGE.read_bytes()
    for prj_id, text in ((17384, body), (17385, body.replace(b"2011-2012", b"2013"))):
        url = atlas_url(prj_id)
        with Archive(root, "run1") as archive:
            archive.add_good(
                Fetched(
                    prj_id=prj_id,
                    page_url=url,
                    url=url,
                    status=200,
                    reason="OK",
                    http_version="HTTP/1.1",
                    headers=[("Content-Type", "text/plain; charset=utf-8")],
                    raw=text,
                    body=text,
                    request_headers=[("User-Agent", "atlas-ld fuzz")],
                    fetched_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
                )
            )
    with sqlite3.connect(root / "index.sqlite") as db:
        db.row_factory = sqlite3.Row
        row = db.execute("SELECT * FROM captures WHERE prj_id = 17385").fetchone()
    capture = capture_of(row)
    return next(root.rglob(capture.segment)).read_bytes(), capture


_WORK = Path(tempfile.mkdtemp(prefix="atlas-ld-fuzz-archive-"))
SEGMENT, CAPTURE = _seed_archive(_WORK)


def one_input(data: bytes) -> None:
    try:
        page = _read_at(io.BufferedReader(io.BytesIO(data)), CAPTURE, Path("segment.warc.gz"))
    except HarvestError as exc:
        if "\n" in str(exc):
            raise AssertionError(f"an error of several lines: {exc!r}") from exc
        return
    if hashlib.sha256(page.body).hexdigest() != CAPTURE.sha256:
        raise AssertionError("a page whose body does not match its capture's SHA-256")


def main() -> None:
    args = sys.argv[1:]
    folders = [a for a in args if not a.startswith("-")]
    if folders and not Path(folders[0]).exists():
        Path(folders[0]).mkdir(parents=True)
        (Path(folders[0]) / "segment.warc.gz").write_bytes(SEGMENT)
    atheris.Setup([sys.argv[0], *args], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
