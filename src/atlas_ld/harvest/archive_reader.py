"""Reading a web archive with no network: the interface of the build stage.

    from atlas_ld.harvest.archive_reader import iter_latest_pages, latest_captures

Only the index decides what is read, and only records it indexed are read: whatever a crashed
harvest left past a segment's good end is never seen. Each body is checked against its SHA-256.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from atlas_ld.core.errors import HarvestError
from atlas_ld.core.model import Page
from atlas_ld.harvest.archive_index import (
    Capture,
    capture_of,
    open_index,
    segment_path,
    sql_errors,
    stamp,
)

__all__ = ["Capture", "iter_latest_pages", "latest_captures", "read_capture"]


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
    with closing(open_index(archive_dir)) as db, sql_errors(archive_dir, "read the index"):
        if as_of is None:
            states = "('good', 'failed', 'missing')" if include_gone else "('good', 'failed')"
            query = f"""SELECT c.* FROM ids JOIN captures c ON c.record_id = ids.latest_good
                        WHERE ids.state IN {states} ORDER BY ids.prj_id"""
            rows = db.execute(query).fetchall()
        else:
            rows = db.execute(_AS_OF, {"t": stamp(as_of), "gone": include_gone}).fetchall()
    return [capture_of(row) for row in rows]


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
    path = segment_path(Path(archive_dir), capture.segment)
    with _open_segment(path) as stream:
        return _read_at(stream, capture, path)


def _open_segment(path: Path) -> io.BufferedReader:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise HarvestError(f"cannot read WARC file ({exc.strerror})", where=str(path)) from exc


def _read_at(stream: io.BufferedReader, capture: Capture, path: Path) -> Page:
    stream.seek(capture.offset)
    try:
        record = next(iter(ArchiveIterator(stream)), None)
        body = None if record is None else record.content_stream().read()
    except Exception as exc:
        # warcio raises whatever damaged bytes make it raise (ArchiveLoadFailed, zlib.error,
        # EOFError, even AttributeError on a header it cannot read): all of them mean the same
        # for the build, one capture that cannot be read, and a message of one clean line.
        raise HarvestError(
            f"capture {capture.record_id} cannot be read: damaged WARC record "
            f"({type(exc).__name__})",
            where=f"{path}@{capture.offset}",
            hint="the archive was modified or damaged after the harvest",
        ) from None
    if body is None:
        raise HarvestError("no WARC record at the indexed offset", where=f"{path}@{capture.offset}")
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
            path = segment_path(archive_dir, capture.segment)
            if capture.segment not in streams:
                streams[capture.segment] = _open_segment(path)
            yield _read_at(streams[capture.segment], capture, path)
    finally:
        for stream in streams.values():
            stream.close()
