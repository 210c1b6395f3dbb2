"""The server's result cache and HTTP validators: a published store does not change until the next
build, so an answer computed once is served again without evaluating the query.

- `ResultCache`: answers by key (`atlas_ld.store.answers.answer_key`), the small ones in memory
  (least recently used dropped first, bounded in bytes), every one on disk in
  `<store>.answers/<build id>/` so they survive restarts (bounded in bytes too). Large answers
  are only on disk and are streamed from there.
- Validators: every answer and every page carries an `ETag` (from the build id and the request),
  `Last-Modified` (the build time) and the configured `Cache-Control`; `If-None-Match` and
  `If-Modified-Since` get `304 Not Modified` without any evaluation. A request with
  `Cache-Control: no-cache` is evaluated afresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import os
import time
from collections import OrderedDict
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response, StreamingResponse

from atlas_ld.serve.results import Written
from atlas_ld.store.answers import TYPES_SUFFIX, read_answer, write_answer

log = logging.getLogger("atlas_ld.serve.cache")
MEMORY_ENTRY = 1 << 20  # answers up to this size are also kept in memory


@dataclass(frozen=True, slots=True)
class Validators:
    """What makes responses of one build validatable: its id and time, and the policy."""

    build_id: str
    build_time: float
    cache_control: str
    variant: str = ""  # what else pages depend on (base IRI, public URL)

    def etag(self, key: str) -> str:
        return f'"{self.build_id[:8]}-{key[:24]}"'

    def headers(self, key: str) -> dict[str, str]:
        return {
            "ETag": self.etag(key),
            "Last-Modified": _http_date(self.build_time),
            "Cache-Control": self.cache_control,
        }

    def not_modified(self, request_headers: Headers, key: str) -> bool:
        """True when the client's copy is this build's (RFC 9110 13.1: If-None-Match wins)."""
        if_none_match = request_headers.get("if-none-match")
        if if_none_match is not None:
            tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
            return "*" in tags or self.etag(key) in tags
        since = request_headers.get("if-modified-since")
        if since:
            try:
                return parsedate_to_datetime(since).timestamp() >= int(self.build_time)
            except (TypeError, ValueError, IndexError):
                return False
        return False


@functools.lru_cache(maxsize=16)
def _http_date(when: float) -> str:
    return formatdate(when, usegmt=True)


def wants_fresh(request_headers: Headers) -> bool:
    """`Cache-Control: no-cache` (or `Pragma: no-cache`): evaluate, do not answer from cache."""
    control = request_headers.get("cache-control", "") + "," + request_headers.get("pragma", "")
    return "no-cache" in control.lower()


class ResultCache:
    """Answers by key, in memory (LRU, `memory_bytes`) and on disk (`disk_bytes`, or none)."""

    def __init__(self, folder: Path | None, *, memory_bytes: int, disk_bytes: int):
        self.folder = folder
        self.memory_bytes = memory_bytes
        self.disk_bytes = disk_bytes
        self._memory: OrderedDict[str, Written] = OrderedDict()
        self._memory_size = 0
        self._disk: OrderedDict[str, int] = OrderedDict()  # key -> size, oldest first
        self._disk_size = 0
        self.spool = folder / "spool" if folder else None
        if folder is not None:
            self._scan()

    def _scan(self) -> None:
        assert self.folder is not None and self.spool is not None
        self.spool.mkdir(exist_ok=True)
        # Answers left by a server that stopped mid-way; another server on the same store may be
        # writing its own right now, so only old ones go.
        for stale in self.spool.iterdir():
            with contextlib.suppress(OSError):
                if time.time() - stale.stat().st_mtime > 3600:
                    stale.unlink()
        bodies = sorted(self.folder.glob("*.body"), key=lambda p: p.stat().st_mtime)
        self._disk.clear()
        self._disk_size = 0
        for body in bodies:
            size = body.stat().st_size
            self._disk[body.stem] = size
            self._disk_size += size

    def rescan(self) -> None:
        """Take in the answers another process wrote into the folder meanwhile (the canned
        answers computed in the background at the first start on a store)."""
        if self.folder is not None:
            self._scan()

    def get(self, key: str) -> Written | None:
        written = self._memory.get(key)
        if written is not None:
            self._memory.move_to_end(key)
            return written
        if self.folder is None or key not in self._disk:
            return None
        stored = read_answer(self.folder, key)
        if stored is None:
            return None
        self._disk.move_to_end(key)
        written = Written(
            b"",
            stored.media_type,
            stored.rows,
            stored.truncated,
            stored.cut_by,
            stored.max_bytes,
            str(stored.path),
        )
        if stored.size <= MEMORY_ENTRY:
            written = self._remember(key, written)
        return written

    def put(self, key: str, written: Written, *, persist: bool = True) -> Written:
        """Keep an answer; returns it as kept (a spooled body moves into the cache folder).

        `persist=False` keeps it in memory only: an answer that took a few milliseconds is not
        worth two file writes on the request's path (a spooled answer is always kept on disk).
        """
        if self.folder is not None and (persist or written.path):
            try:
                body: bytes | Path = Path(written.path) if written.path else written.body
                stored = write_answer(
                    self.folder,
                    key,
                    body,
                    media_type=written.media_type,
                    rows=written.rows,
                    truncated=written.truncated,
                    cut_by=written.cut_by,
                    max_bytes=written.max_bytes,
                )
                if written.path:
                    written = _with_path(written, str(stored.path))
                self._disk_size += stored.size - self._disk.pop(key, 0)
                self._disk[key] = stored.size
                self._trim_disk()
            except OSError as exc:
                log.warning("answer not kept on disk: %s", exc)
        if written.path is None or os.path.getsize(written.path) <= MEMORY_ENTRY:
            written = self._remember(key, written)
        return written

    def _remember(self, key: str, written: Written) -> Written:
        if written.path is not None:
            with open(written.path, "rb") as spooled:
                written = _with_path(written, None, spooled.read())
        size = len(written.body)
        if size > self.memory_bytes:
            return written
        old = self._memory.pop(key, None)
        if old is not None:
            self._memory_size -= len(old.body)
        self._memory[key] = written
        self._memory_size += size
        while self._memory_size > self.memory_bytes:
            _, dropped = self._memory.popitem(last=False)
            self._memory_size -= len(dropped.body)
        return written

    def _trim_disk(self) -> None:
        assert self.folder is not None
        while self._disk_size > self.disk_bytes and len(self._disk) > 1:
            key, size = self._disk.popitem(last=False)
            self._disk_size -= size
            (self.folder / f"{key}.json").unlink(missing_ok=True)
            (self.folder / f"{key}.body").unlink(missing_ok=True)
            (self.folder / f"{key}{TYPES_SUFFIX}").unlink(missing_ok=True)


def answer_response(written: Written, media: str, headers: dict[str, str]) -> Response:
    """The response for an answer: its bytes, or its file streamed in chunks (the main process
    holds one chunk per client, never a whole large answer); with `X-Atlas-Truncated` when it
    was cut."""
    headers = dict(headers)
    if written.truncated:
        headers["X-Atlas-Truncated"] = written.note
    media_type = media if "charset" in media else f"{media}; charset=utf-8"
    if written.path is None:
        return Response(written.body, headers=headers, media_type=media_type)
    spooled = open(written.path, "rb")  # noqa: SIM115 (the generator closes it)
    headers["Content-Length"] = str(os.fstat(spooled.fileno()).st_size)
    return StreamingResponse(_file_chunks(spooled), headers=headers, media_type=media_type)


async def _file_chunks(spooled, size: int = 256 * 1024):
    """A large answer read from its file as the client takes it; the open file survives the
    cache dropping its entry meanwhile."""
    try:
        while chunk := await asyncio.to_thread(spooled.read, size):
            yield chunk
    finally:
        spooled.close()


def _with_path(written: Written, path: str | None, body: bytes = b"") -> Written:
    return Written(
        body,
        written.media_type,
        written.rows,
        written.truncated,
        written.cut_by,
        written.max_bytes,
        path,
    )


class PageValidators:
    """ASGI middleware: ETag, Last-Modified and Cache-Control on pages and resource RDF, and 304
    for a client that has this build's copy. A page depends on the build, its URL and the headers
    that choose its format and language, so the tag is computed before rendering and a
    revalidation costs no query. The SPARQL endpoint sets its own (per query); static files
    have Starlette's."""

    SKIP = ("/sparql", "/static/")

    def __init__(self, app, validators: Validators):
        self.app = app
        self.validators = validators

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or path.startswith(self.SKIP)
        ):
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        key = hashlib.sha256(
            "\x1f".join(
                [
                    self.validators.variant,
                    path,
                    scope.get("query_string", b"").decode("latin-1"),
                    headers.get("accept", ""),
                    headers.get("accept-language", ""),
                    headers.get("cookie", ""),
                ]
            ).encode()
        ).hexdigest()
        own = self.validators.headers(key)
        if self.validators.not_modified(headers, key):
            raw = [(k.lower().encode(), v.encode()) for k, v in own.items()]
            await send({"type": "http.response.start", "status": 304, "headers": raw})
            await send({"type": "http.response.body", "body": b""})
            return None

        async def send_with_validators(message):
            if message["type"] == "http.response.start" and message["status"] == 200:
                out = MutableHeaders(scope=message)
                if "etag" not in out:
                    for name, value in own.items():
                        out[name] = value
            await send(message)

        return await self.app(scope, receive, send_with_validators)
