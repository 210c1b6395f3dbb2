"""Writing a web archive: WARC records appended to the run's segment, then indexed.

Why this shape: a harvest of hours must survive `kill -9`, a full disk and a folder that turns
read-only. A record is first appended to the run's own segment and fsynced, and only then indexed,
in one SQLite transaction that also moves the segment's "good end" forward. So:

- a write that fails (disk full, file too large, permission lost) is cut back to the good end at
  once and reported in one line; the index never points at a torn record;
- an index transaction that fails is rolled back by SQLite, and the record it would have indexed
  is cut off the segment too;
- whatever a killed run left past a good end is trimmed when the archive is next opened, so the
  WARC files stay readable by any WARC tool.

Opening the archive also clears the other leftovers of a run that did not finish: temporary
summary files, segments that never received a page, and runs without a summary, whose summary is
written then from the index (`"interrupted": true`). Pages that are missing, failed or forbidden
are only noted in the index (with their reason), so the WARC files hold exactly one good response
per fetched version of a project page.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from atlas_ld import __version__
from atlas_ld.core.errors import HarvestError
from atlas_ld.harvest.archive_index import (
    GOOD,
    INDEX,
    RESUME_HINT,
    WARC_DIR,
    Capture,
    IdState,
    capture_of,
    connect,
    segment_path,
    sql_errors,
    stamp,
)


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


class Archive:
    """An archive directory open for writing by one harvest run (one writer at a time)."""

    def __init__(self, root: Path, run: str, info: dict[str, str] | None = None):
        """`info` goes into each WARC file's warcinfo record (who fetched, how)."""
        self.root = Path(root)
        self.run = run
        self.info = {
            "software": f"atlas-ld/{__version__}",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            **(info or {}),
        }
        try:
            (self.root / WARC_DIR).mkdir(parents=True, exist_ok=True)
            (self.root / "runs").mkdir(exist_ok=True)
        except OSError as exc:
            raise HarvestError(
                f"cannot create the archive ({exc.strerror})", where=str(root)
            ) from exc
        self._lock = _lock_dir(self.root)
        try:
            self.db = connect(self.root / INDEX)
        except HarvestError:
            os.close(self._lock)
            raise
        self.segment = f"atlas-{run}.warc.gz"
        self._out: io.FileIO | None = None
        self._end = 0  # the segment's size: where the next record starts
        try:
            self.trimmed = self._trim_torn_tails()
            self.recovered = self._close_unfinished_runs()
            with self._writing():
                self.db.execute(
                    "INSERT OR IGNORE INTO runs (run, started_at) VALUES (?, ?)", (run, stamp())
                )
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Release the segment, the index and the lock; never raises (a failed write is already
        reported, and what it left is cut off)."""
        if self._out is not None:
            with suppress(OSError):
                self._out.close()
            self._out = None
        with suppress(sqlite3.Error):
            # Back to a rollback journal: the write-ahead log is folded into the file and
            # removed, so the archive can be read from a read-only folder or medium.
            self.db.execute("PRAGMA journal_mode=DELETE")
        with suppress(sqlite3.Error):
            self.db.close()
        if self._lock >= 0:
            os.close(self._lock)
            self._lock = -1

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One index transaction; a failure (disk full...) is one line, the transaction undone."""
        with sql_errors(self.root / INDEX, "write the index"), self.db:
            yield self.db

    # --- what a run that did not finish left behind --------------------------------------------

    def _trim_torn_tails(self) -> list[str]:
        """Cut each segment back to its last indexed record: the rest was torn by a crash.

        A segment that never got past its warcinfo record's start is removed with its row.
        """
        trimmed = []
        with sql_errors(self.root / INDEX, "read the index"):
            rows = self.db.execute("SELECT name, good_end FROM segments").fetchall()
        for row in rows:
            path = segment_path(self.root, row["name"])
            try:
                if row["good_end"] == 0:
                    path.unlink(missing_ok=True)
                    with self._writing():
                        self.db.execute("DELETE FROM segments WHERE name = ?", (row["name"],))
                elif path.exists() and path.stat().st_size > row["good_end"]:
                    os.truncate(path, row["good_end"])
                    trimmed.append(row["name"])
            except OSError as exc:
                raise HarvestError(
                    f"cannot trim a torn record left by an earlier run ({exc.strerror})",
                    where=str(path),
                    hint=RESUME_HINT,
                ) from exc
        for leftover in (self.root / "runs").glob(".*.tmp"):
            with suppress(OSError):
                leftover.unlink()
        return trimmed

    def _close_unfinished_runs(self) -> list[str]:
        """Write the summary of each earlier run that stopped without one (killed, disk full).

        The lock is ours, so no such run is still going. Its summary says what the index
        recorded of it, so `runs/` lists every run.
        """
        with sql_errors(self.root / INDEX, "read the index"):
            runs = self.db.execute(
                "SELECT run, started_at FROM runs WHERE summary IS NULL AND run != ?", (self.run,)
            ).fetchall()
        closed = []
        for row in runs:
            with sql_errors(self.root / INDEX, "read the index"):
                checks = dict(
                    self.db.execute(
                        "SELECT state, count(*) FROM checks WHERE run = ? GROUP BY state",
                        (row["run"],),
                    ).fetchall()
                )
                archived = self.db.execute(
                    "SELECT count(*) FROM captures WHERE run = ?", (row["run"],)
                ).fetchone()[0]
            summary = {
                "run": row["run"],
                "started_at": row["started_at"],
                "finished_at": None,
                "interrupted": True,
                "stopped": f"without writing its summary; closed by run {self.run}",
                "archived": archived,
                "checks": checks,
            }
            self._store_summary(row["run"], summary)
            closed.append(row["run"])
        return closed

    # --- reading the index -------------------------------------------------------------------

    def state(self, prj_id: int) -> IdState | None:
        with sql_errors(self.root / INDEX, "read the index"):
            row = self.db.execute("SELECT * FROM ids WHERE prj_id = ?", (prj_id,)).fetchone()
            if row is None:
                return None
            good = None
            if row["latest_good"]:
                good = capture_of(
                    self.db.execute(
                        "SELECT * FROM captures WHERE record_id = ?", (row["latest_good"],)
                    ).fetchone()
                )
        return IdState(row["prj_id"], row["state"], row["reason"], good)

    def highest_known_id(self) -> int:
        query = "SELECT max(prj_id) FROM ids WHERE latest_good IS NOT NULL"
        with sql_errors(self.root / INDEX, "read the index"):
            return self.db.execute(query).fetchone()[0] or 0

    # --- writing -----------------------------------------------------------------------------

    def _segment_file(self) -> io.FileIO:
        """The run's segment, opened (and begun with a warcinfo record) on the first page."""
        if self._out is None:
            path = segment_path(self.root, self.segment)
            with self._writing():
                self.db.execute(
                    "INSERT OR IGNORE INTO segments (name, good_end) VALUES (?, 0)", (self.segment,)
                )
            try:
                # Unbuffered: each batch of records goes out in whole writes, so a failed write
                # leaves nothing behind in a buffer that a later close would flush.
                self._out = open(path, "ab", buffering=0)  # noqa: SIM115 - open for the run
                self._end = os.fstat(self._out.fileno()).st_size
            except OSError as exc:
                raise HarvestError(
                    f"cannot write the archive ({exc.strerror})", where=str(path), hint=RESUME_HINT
                ) from exc
            info = _Sha256Writer(io.BytesIO(), gzip=True, warc_version="WARC/1.1")
            bounds = self._write([info.create_warcinfo_record(self.segment, self.info)])
            self._commit(bounds[0], lambda: self._advance(bounds[-1]))
        return self._out

    def _write(self, records: list[Any]) -> list[int]:
        """Append records and make them durable; the offsets around each record are returned.

        On failure the segment is cut back to where these records began and one line raised.
        The caller moves the segment's good end in the transaction that indexes them (`_commit`).
        """
        out = self._out
        assert out is not None
        buffer = io.BytesIO()
        writer = _Sha256Writer(buffer, gzip=True, warc_version="WARC/1.1")
        bounds = [self._end]
        for record in records:
            writer.write_record(record)
            bounds.append(self._end + buffer.tell())
        data = memoryview(buffer.getbuffer())
        try:
            while data:
                written = out.write(data)
                data = data[written or 0 :]
            os.fsync(out.fileno())
        except OSError as exc:
            self._cut_back(bounds[0])
            path = str(self.root / WARC_DIR / self.segment)
            raise HarvestError(
                f"cannot write the archive ({exc.strerror})", where=path, hint=RESUME_HINT
            ) from exc
        self._end = bounds[-1]
        return bounds

    def _commit(self, start: int, index: Callable[[], None]) -> None:
        """Index what `_write` appended at `start`; if the index cannot take it, cut it off."""
        try:
            with self._writing():
                index()
        except HarvestError:
            self._cut_back(start)
            raise

    def _cut_back(self, good_end: int) -> None:
        """Remove a record that will not be indexed (shrinking a file works on a full disk)."""
        assert self._out is not None
        with suppress(OSError):
            os.ftruncate(self._out.fileno(), good_end)
        self._end = good_end

    def _advance(self, end: int) -> None:
        self.db.execute("UPDATE segments SET good_end = ? WHERE name = ?", (end, self.segment))

    def add_good(self, page: Fetched) -> Capture:
        """Archive a good response and make it the id's latest good capture."""
        self._segment_file()
        creator = _Sha256Writer(io.BytesIO(), gzip=True, warc_version="WARC/1.1")
        date = page.fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        http_headers = StatusAndHeaders(
            f"{page.status} {page.reason}", page.headers, protocol=page.http_version
        )
        response = creator.create_warc_record(
            page.url,
            "response",
            payload=io.BytesIO(page.raw),
            length=len(page.raw),
            http_headers=http_headers,
            warc_headers_dict={"WARC-Date": date},
        )
        target = page.url.split("://", 1)[-1].split("/", 1)[-1]
        request = creator.create_warc_record(
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

        def index() -> None:
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
                    stamp(capture.fetched_at),
                    page.status,
                    capture.content_type,
                    capture.sha256,
                    capture.etag,
                    capture.last_modified,
                    self.run,
                ),
            )
            self._set_state(page.prj_id, GOOD, None, capture.record_id)

        self._commit(start, index)
        return capture

    def note(self, prj_id: int, state: str, reason: str | None = None) -> None:
        """Record an outcome that leaves no WARC record: unchanged, missing, failed, disallowed."""
        with self._writing():
            self._set_state(prj_id, state, reason, None)

    def _set_state(self, prj_id: int, state: str, reason: str | None, capture: str | None) -> None:
        """The id's current state, and a line of its history (what `as_of` reads)."""
        now = stamp()
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
        return self._store_summary(self.run, summary)

    def _store_summary(self, run: str, summary: dict[str, Any]) -> Path:
        text = json.dumps(summary, ensure_ascii=False, indent=2) + "\n"
        with self._writing():
            self.db.execute("UPDATE runs SET summary = ? WHERE run = ?", (text, run))
        path = self.root / "runs" / f"{run}.json"
        write_atomic(path, text.encode())
        return path


def write_atomic(path: Path, data: bytes) -> None:
    """Write `path` whole or not at all (temp file, fsync, rename); failures are one line."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with suppress(OSError):
            tmp.unlink()
        raise HarvestError(
            f"cannot write ({exc.strerror})", where=str(path), hint=RESUME_HINT
        ) from exc


def _lock_dir(root: Path) -> int:
    """Refuse a second writer: two harvests appending to one index would interleave runs.

    The lock is an `flock` on `.lock`, released by the kernel when its holder dies: a killed
    harvest never blocks the next one.
    """
    import fcntl

    try:
        fd = os.open(root / ".lock", os.O_CREAT | os.O_RDWR, 0o644)
    except OSError as exc:
        raise HarvestError(
            f"cannot write to the archive folder ({exc.strerror})",
            where=str(root),
            hint="the harvest needs a folder it can write to",
        ) from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise HarvestError("another harvest is writing to this archive", where=str(root)) from None
    return fd
