"""The web archive of harvested pages: WARC files plus an SQLite index of what each id holds.

Layout of an archive directory:

    warc/atlas-<run>.warc.gz   one segment per harvest run, gzip per record, never reopened
    index.sqlite               captures (where each response record lies), the state of each id,
                               the segments and the runs
    runs/<run>.json            the summary of each run

Why this shape: a harvest of hours must survive `kill -9`. A record is first appended to the
run's own segment and fsynced, and only then indexed, in one SQLite transaction that also moves
the segment's "good end" forward. Whatever lies past that end was cut short by a crash: it is
ignored and trimmed when the archive is next opened, so the WARC files stay readable by any WARC
tool and the index never points at a torn record. Pages that are missing, failed or forbidden are
only noted in the index (with their reason), so the WARC files hold exactly one good response per
fetched version of a project page.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from atlas_ld import __version__
from atlas_ld.core.errors import HarvestError
from atlas_ld.core.model import Page

INDEX = "index.sqlite"

_SCHEMA = """
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


@dataclass(frozen=True, slots=True)
class Fetched:
    """One HTTP exchange as the harvester saw it, ready to be archived."""

    prj_id: int
    page_url: str
    url: str
    status: int
    reason: str
    http_version: str
    headers: list[tuple[str, str]]
    raw: bytes  # the payload as transferred (still content-encoded, never chunked)
    body: bytes  # the payload after content decoding: what the parser reads
    request_headers: list[tuple[str, str]]
    fetched_at: datetime

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


class _Sha256Writer(WARCWriter):
    """WARC/1.1 allows any digest algorithm; SHA-256 is the one the index and `Page` use."""

    @staticmethod
    def _create_digester():
        return Digester("sha256")


def _connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    else:
        db = sqlite3.connect(path)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(_SCHEMA)
    db.row_factory = sqlite3.Row
    return db


def _capture(row: sqlite3.Row) -> Capture:
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


def _stamp(moment: datetime | None = None) -> str:
    """UTC, fixed width, so that timestamps compare as strings in SQL."""
    moment = datetime.now(UTC) if moment is None else moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


class Archive:
    """An archive directory open for writing by one harvest run (one writer at a time)."""

    def __init__(self, root: Path, run: str, info: dict[str, str] | None = None):
        """`info` goes into each WARC file's warcinfo record (who fetched, how)."""
        self.root = root
        self.run = run
        self.info = {
            "software": f"atlas-ld/{__version__}",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            **(info or {}),
        }
        try:
            (root / "warc").mkdir(parents=True, exist_ok=True)
            (root / "runs").mkdir(exist_ok=True)
        except OSError as exc:
            raise HarvestError(
                f"cannot create the archive ({exc.strerror})", where=str(root)
            ) from exc
        self._lock = _lock_dir(root)
        try:
            self.db = _connect(root / INDEX)
        except sqlite3.DatabaseError as exc:
            os.close(self._lock)
            raise HarvestError(f"unusable index ({exc})", where=str(root / INDEX)) from exc
        self.trimmed = self._trim_torn_tails()
        self.segment = f"atlas-{run}.warc.gz"
        self._out: io.BufferedWriter | None = None
        self._writer: _Sha256Writer | None = None
        with self.db:
            self.db.execute(
                "INSERT OR IGNORE INTO runs (run, started_at) VALUES (?, ?)", (run, _stamp())
            )

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
        self.db.close()
        os.close(self._lock)

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _trim_torn_tails(self) -> list[str]:
        """Cut each segment back to its last indexed record: the rest was torn by a crash."""
        trimmed = []
        for row in self.db.execute("SELECT name, good_end FROM segments"):
            path = self.root / "warc" / row["name"]
            if path.exists() and path.stat().st_size > row["good_end"]:
                os.truncate(path, row["good_end"])
                trimmed.append(row["name"])
        return trimmed

    # --- reading the index -------------------------------------------------------------------

    def state(self, prj_id: int) -> IdState | None:
        row = self.db.execute("SELECT * FROM ids WHERE prj_id = ?", (prj_id,)).fetchone()
        if row is None:
            return None
        good = None
        if row["latest_good"]:
            good = _capture(
                self.db.execute(
                    "SELECT * FROM captures WHERE record_id = ?", (row["latest_good"],)
                ).fetchone()
            )
        return IdState(row["prj_id"], row["state"], row["reason"], good)

    def highest_known_id(self) -> int:
        query = "SELECT max(prj_id) FROM ids WHERE latest_good IS NOT NULL"
        return self.db.execute(query).fetchone()[0] or 0

    # --- writing -----------------------------------------------------------------------------

    def _open_segment(self) -> _Sha256Writer:
        if self._writer is None:
            path = self.root / "warc" / self.segment
            with self.db:
                self.db.execute(
                    "INSERT OR IGNORE INTO segments (name, good_end) VALUES (?, 0)", (self.segment,)
                )
            self._out = open(path, "ab")  # noqa: SIM115 - kept open for the whole run
            self._writer = _Sha256Writer(self._out, gzip=True, warc_version="WARC/1.1")
            info = self._writer.create_warcinfo_record(self.segment, self.info)
            bounds = self._write([info])
            with self.db:
                self._advance(bounds[-1])
        return self._writer

    def _write(self, records: list[Any]) -> list[int]:
        """Append records and make them durable; the offsets around each record are returned.

        The caller moves the segment's good end in the same transaction that indexes them.
        """
        assert self._out is not None and self._writer is not None
        bounds = [self._out.tell()]
        try:
            for record in records:
                self._writer.write_record(record)
                bounds.append(self._out.tell())
            self._out.flush()
            os.fsync(self._out.fileno())
        except OSError as exc:  # e.g. disk full: the torn record is trimmed on the next run
            where = str(self.root / "warc" / self.segment)
            raise HarvestError(f"cannot write the archive ({exc.strerror})", where=where) from exc
        return bounds

    def _advance(self, end: int) -> None:
        self.db.execute("UPDATE segments SET good_end = ? WHERE name = ?", (end, self.segment))

    def add_good(self, page: Fetched) -> Capture:
        """Archive a good response and make it the id's latest good capture."""
        writer = self._open_segment()
        date = page.fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        http_headers = StatusAndHeaders(
            f"{page.status} {page.reason}", page.headers, protocol=page.http_version
        )
        response = writer.create_warc_record(
            page.url,
            "response",
            payload=io.BytesIO(page.raw),
            length=len(page.raw),
            http_headers=http_headers,
            warc_headers_dict={"WARC-Date": date},
        )
        target = page.url.split("://", 1)[-1].split("/", 1)[-1]
        request = writer.create_warc_record(
            page.url,
            "request",
            http_headers=StatusAndHeaders(
                f"GET /{target} HTTP/1.1", page.request_headers, is_http_request=True
            ),
            warc_headers_dict={"WARC-Date": date},
        )
        record_id = response.rec_headers.get_header("WARC-Record-ID")
        request.rec_headers.add_header("WARC-Concurrent-To", record_id)
        headers = {k.lower(): v for k, v in page.headers}
        start, after_response, end = self._write([response, request])
        capture = Capture(
            prj_id=page.prj_id,
            page_url=page.page_url,
            url=page.url,
            record_id=record_id,
            sha256=page.sha256,
            fetched_at=page.fetched_at,
            content_type=headers.get("content-type"),
            segment=self.segment,
            offset=start,
            length=after_response - start,
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
        )
        with self.db:
            self._advance(end)
            self.db.execute(
                "INSERT INTO captures VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    capture.record_id,
                    capture.prj_id,
                    capture.page_url,
                    capture.url,
                    capture.segment,
                    capture.offset,
                    capture.length,
                    _stamp(capture.fetched_at),
                    page.status,
                    capture.content_type,
                    capture.sha256,
                    capture.etag,
                    capture.last_modified,
                    self.run,
                ),
            )
            self._set_state(page.prj_id, GOOD, None, capture.record_id)
        return capture

    def note(self, prj_id: int, state: str, reason: str | None = None) -> None:
        """Record an outcome that leaves no WARC record: unchanged, missing, failed, disallowed."""
        with self.db:
            self._set_state(prj_id, state, reason, None)

    def _set_state(self, prj_id: int, state: str, reason: str | None, capture: str | None) -> None:
        """The id's current state, and a line of its history (what `as_of` reads)."""
        now = _stamp()
        self.db.execute(
            """INSERT INTO ids (prj_id, state, reason, latest_good, checked_at, run)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (prj_id) DO UPDATE SET state = excluded.state,
                 reason = excluded.reason, checked_at = excluded.checked_at, run = excluded.run,
                 latest_good = coalesce(excluded.latest_good, ids.latest_good)""",
            (prj_id, state, reason, capture, now, self.run),
        )
        self.db.execute(
            "INSERT INTO checks VALUES (?, ?, ?, ?, ?, ?)",
            (prj_id, now, state, reason, capture, self.run),
        )

    def finish(self, summary: dict[str, Any]) -> Path:
        """Store the run's summary in the index and as `runs/<run>.json` (temp file + rename)."""
        text = json.dumps(summary, ensure_ascii=False, indent=2) + "\n"
        with self.db:
            self.db.execute("UPDATE runs SET summary = ? WHERE run = ?", (text, self.run))
        path = self.root / "runs" / f"{self.run}.json"
        write_atomic(path, text.encode())
        return path


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def _lock_dir(root: Path) -> int:
    """Refuse a second writer: two harvests appending to one index would interleave runs."""
    import fcntl

    fd = os.open(root / ".lock", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise HarvestError("another harvest is writing to this archive", where=str(root)) from None
    return fd


# --- reading an archive (the interface of the build stage) ------------------------------------


def _open_index(archive_dir: Path) -> sqlite3.Connection:
    path = Path(archive_dir) / INDEX
    if not path.is_file():
        raise HarvestError("not an atlas-ld archive (no index.sqlite)", where=str(archive_dir))
    return _connect(path, readonly=True)


def latest_captures(
    archive_dir: Path, *, include_gone: bool = False, as_of: datetime | None = None
) -> list[Capture]:
    """The latest good capture of each project, in prjId order, read from the index alone.

    Cheap (no WARC is opened): compare each `sha256` or `record_id` with what was built last time
    to know which pages changed. A project whose page is missing ("gone") is left out unless
    `include_gone`; one whose last fetch failed keeps its previous good capture. With `as_of`,
    the archive as it stood then: captures fetched up to that moment, gone meaning found missing
    by the last check before it; so a graph cited at a date can be rebuilt from the same pages.
    """
    with closing(_open_index(archive_dir)) as db:
        if as_of is None:
            states = "('good', 'failed', 'missing')" if include_gone else "('good', 'failed')"
            query = f"""SELECT c.* FROM ids JOIN captures c ON c.record_id = ids.latest_good
                        WHERE ids.state IN {states} ORDER BY ids.prj_id"""
            rows = db.execute(query).fetchall()
        else:
            rows = db.execute(_AS_OF, {"t": _stamp(as_of), "gone": include_gone}).fetchall()
    return [_capture(row) for row in rows]


_AS_OF = """
SELECT c.* FROM captures c
WHERE c.fetched_at = (SELECT max(fetched_at) FROM captures
                      WHERE prj_id = c.prj_id AND fetched_at <= :t)
  AND (:gone OR coalesce((SELECT state FROM checks k
                          WHERE k.prj_id = c.prj_id AND k.at <= :t
                            AND k.state IN ('good', 'missing')
                          ORDER BY k.at DESC, k.rowid DESC LIMIT 1), 'good') = 'good')
ORDER BY c.prj_id
"""


def read_capture(archive_dir: Path, capture: Capture) -> Page:
    """The page of one capture, its body decoded from any Content-Encoding and checked."""
    path = Path(archive_dir) / "warc" / capture.segment
    with _open_segment(path) as stream:
        return _read_at(stream, capture, path)


def _open_segment(path: Path) -> io.BufferedReader:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise HarvestError(f"cannot read WARC file ({exc.strerror})", where=str(path)) from exc


def _read_at(stream: io.BufferedReader, capture: Capture, path: Path) -> Page:
    stream.seek(capture.offset)
    for record in ArchiveIterator(stream):
        body = record.content_stream().read()
        if hashlib.sha256(body).hexdigest() != capture.sha256:
            raise HarvestError(
                f"capture {capture.record_id} does not match its SHA-256",
                where=f"{path}@{capture.offset}",
                hint="the archive was modified after the harvest",
            )
        return Page(
            source=capture.page_url,
            body=body,
            content_type=capture.content_type,
            url=capture.url,
            fetched_at=capture.fetched_at,
            capture_id=capture.record_id,
        )
    raise HarvestError("no WARC record at the indexed offset", where=f"{path}@{capture.offset}")


def iter_latest_pages(
    archive_dir: Path, *, include_gone: bool = False, as_of: datetime | None = None
) -> Iterator[Page]:
    """The latest good capture of each project as a `Page`, in prjId order, with no network.

    `include_gone` and `as_of` select captures as `latest_captures` does.
    """
    archive_dir = Path(archive_dir)
    streams: dict[str, io.BufferedReader] = {}
    try:
        for capture in latest_captures(archive_dir, include_gone=include_gone, as_of=as_of):
            path = archive_dir / "warc" / capture.segment
            if capture.segment not in streams:
                streams[capture.segment] = _open_segment(path)
            yield _read_at(streams[capture.segment], capture, path)
    finally:
        for stream in streams.values():
            stream.close()
