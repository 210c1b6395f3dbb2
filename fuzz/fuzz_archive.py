"""Coverage-guided fuzzing of reading a capture back from a damaged web archive.

    pip install -e ".[fuzz]"
    python fuzz/fuzz_archive.py fuzz/archive-corpus -max_total_time=600   # libFuzzer's options

An archive's WARC files can be damaged after the harvest: a disk error, a bad copy, an edit.
`build --archive` reads each capture at the offset its index gives; one that cannot be read
must be one page left out, in one line, never a traceback that stops the build. The seed
(`fuzz/seeds/archive-*`) is a real segment written by `harvest.archive_writer.Archive`, two
captures of the seed page, with the index row of the second; libFuzzer mutates the segment's
bytes, and the capture is read from them as the build reads it.
An input fails when reading raises anything but `HarvestError`, or gives a page whose body
does not match the capture's SHA-256.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
from datetime import datetime
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["atlas_ld.harvest", "warcio"]):
    from atlas_ld.core.errors import HarvestError
    from atlas_ld.harvest.archive_index import Capture
    from atlas_ld.harvest.archive_reader import _read_at

SEEDS = Path(__file__).resolve().parent / "seeds"
# a real segment written by the harvester's `Archive` (two captures of the seed page) and the
# index row of its second capture, kept as files: reading them back is what is fuzzed
SEGMENT = (SEEDS / "archive-segment.warc.gz").read_bytes()
_ROW = json.loads((SEEDS / "archive-capture.json").read_text(encoding="utf-8"))
CAPTURE = Capture(**{**_ROW, "fetched_at": datetime.fromisoformat(_ROW["fetched_at"])})


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
