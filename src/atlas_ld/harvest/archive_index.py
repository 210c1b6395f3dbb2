"""The SQLite index of a web archive: what each id holds, where each capture lies, every check.

Layout of an archive directory (the writer is `archive_writer`, the reader `archive_reader`):

    warc/atlas-<run>.warc.gz   one segment per harvest run, gzip per record, never reopened
    index.sqlite               captures (where each response record lies), the state of each id,
                               the segments and the runs
    runs/<run>.json            the summary of each run

The index is the only place that names files, so every name read from it goes through
`segment_path`, which refuses anything but a plain segment name inside `warc/`: an index copied
from elsewhere or edited by hand can never make the harvester truncate, or the build read, a file
outside the archive. Every SQLite failure (disk full, read-only folder, corrupt file) becomes one
`HarvestError` line through `sql_errors`.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from atlas_ld.core.errors import HarvestError

INDEX = "index.sqlite"
WARC_DIR = "warc"

SCHEMA = """
CREATE TABLE IF NOT EXISTS segments (name TEXT PRIMARY KEY, good_end INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS captures (
    record_id TEXT PRIMARY KEY, prj_id INTEGER NOT NULL,
    page_url TEXT NOT NULL, url TEXT NOT NULL,
    segment TEXT NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL,
    fetched_at TEXT NOT NULL, status INTEGER NOT NULL, content_type TEXT,
    sha256 TEXT NOT NULL, etag TEXT, last_modified TEXT, run TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS captures_by_id ON captures (prj_id);
CREATE TABLE IF NOT EXISTS ids (
    prj_id INTEGER PRIMARY KEY, state TEXT NOT NULL, reason TEXT, latest_good TEXT,
    checked_at TEXT NOT NULL, run TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (run TEXT PRIMARY KEY, started_at TEXT, summary TEXT);
CREATE TABLE IF NOT EXISTS checks (
    prj_id INTEGER NOT NULL, at TEXT NOT NULL, state TEXT NOT NULL, reason TEXT,
    record_id TEXT, run TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS checks_by_id ON checks (prj_id, at);
"""

# States of an id in the index. "good" and "failed" may both carry a latest good capture: a page
# that failed this time keeps the version fetched before.
GOOD, MISSING, FAILED, DISALLOWED = "good", "missing", "failed", "disallowed"

# The only file names a segment may have: the writer names them `atlas-<run>.warc.gz`.
_SEGMENT_NAME = re.compile(r"atlas-[A-Za-z0-9_.-]+\.warc\.gz")

DAMAGED = "the file is damaged or is not an atlas-ld index"
RESUME_HINT = "free some space or fix the folder's permissions, then run the same command again"


@dataclass(frozen=True, slots=True)
class Capture:
    """Where one good response lies and what it held; enough to decide whether to rebuild."""

    prj_id: int
    page_url: str  # the project's page as requested
    url: str  # where it was answered from, after same-site redirects (the WARC-Target-URI)
    record_id: str
    sha256: str
    fetched_at: datetime
    content_type: str | None
    segment: str
    offset: int
    length: int
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class IdState:
    prj_id: int
    state: str
    reason: str | None
    latest_good: Capture | None


def segment_path(root: Path, name: str) -> Path:
    """The file of segment `name` under `root/warc/`, refusing any name that could leave it.

    Absolute paths, `..`, separators and symbolic links are all refused with one line: the
    index is input like any other.
    """
    if not _SEGMENT_NAME.fullmatch(name) or name in (".", ".."):
        raise HarvestError(
            f"the index names a WARC file outside the archive's warc/ folder: {name!r}",
            where=str(Path(root) / INDEX),
            hint="the index was edited or copied from elsewhere",
        )
    path = Path(root) / WARC_DIR / name
    if path.is_symlink():
        raise HarvestError(
            "WARC file is a symbolic link; the archive only reads and trims its own files",
            where=str(path),
        )
    return path


@contextmanager
def sql_errors(where: Path, doing: str) -> Iterator[None]:
    """Turn any SQLite failure into one line naming the index and what was being done."""
    try:
        yield
    except sqlite3.OperationalError as exc:  # disk full, read-only, cannot open...
        raise HarvestError(f"cannot {doing} ({exc})", where=str(where), hint=RESUME_HINT) from exc
    except sqlite3.Error as exc:
        raise HarvestError(f"unusable index ({exc})", where=str(where), hint=DAMAGED) from exc


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open the index; the writer's connection creates the tables. Failures are one line."""
    with sql_errors(path, "open the index"):
        if readonly:
            db = _connect_readonly(path)
        else:
            db = sqlite3.connect(path)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.executescript(SCHEMA)
            except sqlite3.Error:
                db.close()
                raise
    db.row_factory = sqlite3.Row
    return db


def _connect_readonly(path: Path) -> sqlite3.Connection:
    """Read-only, even in a read-only folder. An index left in WAL mode (by a killed harvest)
    needs to create its `-shm` file to be read; when there is no `-wal` file, nothing is pending
    in a log, and the file can be read as immutable."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError:
        db.close()
        if path.with_name(path.name + "-wal").exists():
            raise
    return sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)


def open_index(archive_dir: Path) -> sqlite3.Connection:
    """The index of an existing archive, read-only."""
    path = Path(archive_dir) / INDEX
    if not path.is_file():
        raise HarvestError("not an atlas-ld archive (no index.sqlite)", where=str(archive_dir))
    return connect(path, readonly=True)


def capture_of(row: sqlite3.Row) -> Capture:
    return Capture(
        prj_id=row["prj_id"],
        page_url=row["page_url"],
        url=row["url"],
        record_id=row["record_id"],
        sha256=row["sha256"],
        fetched_at=datetime.fromisoformat(row["fetched_at"]),
        content_type=row["content_type"],
        segment=row["segment"],
        offset=row["offset"],
        length=row["length"],
        etag=row["etag"],
        last_modified=row["last_modified"],
    )


def stamp(moment: datetime | None = None) -> str:
    """UTC, fixed width, so that timestamps compare as strings in SQL."""
    moment = datetime.now(UTC) if moment is None else moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
