"""The endpoint's front: answers replayed by the HTTP protocol itself, before any ASGI work.

A published store does not change until the next build, so a request to `/sparql` that got a
kept answer (`X-Cache: hit`) or a `304` gets the same bytes every time it is sent again the
same way: same method, target, body and headers. For such a request uvicorn would still build
a scope, start a task, pass the request through the middlewares and the fast path
(`serve.fast`), and write the headers one by one: about 0.3 ms of the server's CPU, ten times
what the bytes cost to send. `FrontProtocol` (uvicorn's own httptools protocol, subclassed)
keeps the last such responses, keyed on the whole request, and writes them back from the
parser's callback, with a fresh `date` header, the access log line uvicorn would write, and
the connection handled as uvicorn handles it.

A request sent with `Cache-Control: no-cache` is evaluated afresh, as the endpoint promises,
and only its headers are replayed, with the new answer's length and `Server-Timing`. When the
app answered it without a worker, the front evaluates it again the way the app would: in the
event loop (a query bounded by its own text, or one on the lean path that took under
`LEAN_INLINE`, or under `LEAN_IDLE` when no other request is in flight: `Site.renew`), or in a
thread on the lean path (`Site.renew_later`), then inside
a request cycle of uvicorn's own, so that pipelined requests, disconnects and shutdown are
handled as for any other. Whatever those decline (the query went back to the workers, too many
lean evaluations at once, a recent failure) goes to the app, which decides.

What is replayed is what the app marked (`scope["atlas.replay"]`, set by `serve.fast`) and
nothing else: every other path, every error, every header the app adds stays the app's. A
request is only replayed when nothing is pending on its connection (no pipelined request
waiting, the write buffer not full), is HTTP/1.1 with keep-alive and without
`Expect: 100-continue`. tests/server/test_front.py compares replayed bytes with the app's.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.protocols.utils import get_path_with_query_string

PATHS = (b"/sparql", b"/sparql/")
REPLAY = "replay"  # scope["atlas.replay"]: the response is the same for the same request
HELD_BODY = 64 * 1024  # POST bodies up to this size are held until the message is whole
ENTRY_BYTES = 256 * 1024  # responses larger than this are not kept (they stream from disk)

# (method, target, body, headers as received): the whole request, so anything the app reads
# (Host for --trusted-host, Origin for CORS, Accept, validators) is part of the key
RequestKey = tuple[bytes, bytes, bytes, tuple[tuple[bytes, bytes], ...]]


class Renewal(Protocol):
    """How a request sent with `Cache-Control: no-cache` is evaluated again (`serve.fast`
    makes one per request): each gives the new body and `Server-Timing`, or None to let the
    app answer."""

    def now(self, idle: bool) -> tuple[bytes, str] | None:
        """Evaluated in the event loop, when the app would do so too, or when the server is
        `idle` (no request in flight but this one) and the query is cheap enough."""

    async def later(self) -> tuple[bytes, str] | None:
        """Evaluated in a thread, on the lean path."""


@dataclass(frozen=True, slots=True)
class Entry:
    """A response to replay: its status, its headers as uvicorn would write them (without the
    server's default headers) and its body; `renewal` for a request that asked for a fresh
    evaluation (then only the headers are replayed)."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    logged: str  # the path and query as uvicorn's access log shows them
    renewal: Renewal | None = None

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) + 4 for k, v in self.headers) + 64

    def headers_for(self, renewed: tuple[bytes, str] | None) -> list[tuple[bytes, bytes]]:
        """The headers, with a renewed answer's length and `Server-Timing`."""
        if renewed is None:
            return self.headers
        body, timing = renewed
        new = {b"server-timing": timing.encode("latin-1"), b"content-length": b"%d" % len(body)}
        return [(k, new.get(k, v)) for k, v in self.headers]

    def response(self, defaults: bytes, renewed: tuple[bytes, str] | None = None) -> bytes:
        """The bytes to write, after uvicorn's default headers (`defaults`)."""
        lines = b"".join(b"%s: %s\r\n" % pair for pair in self.headers_for(renewed))
        body = self.body if renewed is None else renewed[0]
        return b"".join((STATUS_LINE[self.status], defaults, lines, b"\r\n", body))


class _Renewing:
    """The ASGI app for a fresh request evaluated in a thread: the new answer under the
    recorded headers, or the whole app when the lean path declines (or fails) now. It runs in
    uvicorn's own request cycle, so pipelining, disconnects and shutdown are uvicorn's."""

    def __init__(self, entry: Entry, app, replays: Replays):
        self.entry, self.app, self.replays = entry, app, replays

    async def __call__(self, scope, receive, send) -> None:
        try:
            renewed = await self.entry.renewal.later()
        except Exception:  # the app evaluates it again and answers, errors too
            renewed = None
        if renewed is None:
            return await self.app(scope, receive, send)
        self.replays.hits += 1
        self.replays.in_threads += 1
        headers = self.entry.headers_for(renewed)
        await send({"type": "http.response.start", "status": self.entry.status, "headers": headers})
        await send({"type": "http.response.body", "body": renewed[0]})


class Replays:
    """The responses the front may replay, least recently used first, bounded in bytes."""

    def __init__(self, max_bytes: int = 32 * 1024 * 1024, max_entries: int = 10_000):
        self.max_bytes, self.max_entries = max_bytes, max_entries
        self.entries: OrderedDict[RequestKey, Entry] = OrderedDict()
        self.bytes = 0
        self.hits = 0  # responses written by the front (tests and benchmarks read it)
        self.in_threads = 0  # of which evaluated again in a thread

    def get(self, key: RequestKey) -> Entry | None:
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
        return entry

    def put(self, key: RequestKey, entry: Entry) -> None:
        size = _size(key, entry)
        if size > ENTRY_BYTES:
            return
        self.drop(key)
        self.entries[key] = entry
        self.bytes += size
        while self.bytes > self.max_bytes or len(self.entries) > self.max_entries:
            self.drop(next(iter(self.entries)))

    def drop(self, key: RequestKey) -> None:
        entry = self.entries.pop(key, None)
        if entry is not None:
            self.bytes -= _size(key, entry)


def _size(key: RequestKey, entry: Entry) -> int:
    """Bytes an entry holds, its key included."""
    return entry.size + len(key[1]) + len(key[2]) + sum(len(k) + len(v) for k, v in key[3])


class FrontProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with replays (see the module's docstring). A subclass made
    by `front_protocol` carries the server's `Replays`."""

    replays: Replays

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._held: bytearray | None = None

    def on_headers_complete(self) -> None:
        if self._may_hold():
            self._held = bytearray()  # decided once the message is whole
            return
        super().on_headers_complete()
        if self.parser.get_method() == b"GET":  # no body: the key is whole (POSTs are held)
            self._watch()

    def on_body(self, body: bytes) -> None:
        if self._held is None:
            return super().on_body(body)
        self._held += body
        if len(self._held) > HELD_BODY:  # longer than it said: let the app read it all
            self._release(watch=False)

    def on_message_complete(self) -> None:
        if self._held is None:
            return super().on_message_complete()
        entry = self.replays.get(self._key(bytes(self._held)))
        if entry is None or self.flow.write_paused:
            self._release()
            return super().on_message_complete()
        renewed = None
        if entry.renewal is not None:
            try:
                renewed = entry.renewal.now(idle=not self.server_state.tasks)
            except Exception:  # the app evaluates it again and answers, errors too
                self._release()
                return super().on_message_complete()
            if renewed is None:  # not in the event loop: in a thread, in uvicorn's cycle
                self._release(_Renewing(entry, self.app, self.replays))
                return super().on_message_complete()
        self._held = None
        self._unset_keepalive_if_required()
        if self.access_log:  # before the bytes go, as uvicorn logs its own responses
            client = f"{self.client[0]}:{self.client[1]}" if self.client else ""
            method = self.parser.get_method().decode()
            self.access_logger.info(
                '%s - "%s %s HTTP/%s" %d', client, method, entry.logged, "1.1", entry.status
            )
        self.transport.write(entry.response(_defaults(self.server_state.default_headers), renewed))
        self.replays.hits += 1
        self.server_state.total_requests += 1
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )

    def _may_hold(self) -> bool:
        """Could this request be replayed? Only when nothing else is pending on the connection."""
        parser = self.parser
        if parser.get_method() not in (b"GET", b"POST") or self.expect_100_continue:
            return False
        if parser.get_http_version() != "1.1" or not parser.should_keep_alive():
            return False
        if self.pipeline or (self.cycle is not None and not self.cycle.response_complete):
            return False
        path = self.url.split(b"?", 1)[0]
        if path not in PATHS:
            return False
        for name, value in self.headers:
            if name == b"content-length":
                return value.isdigit() and int(value) <= HELD_BODY
            if name == b"transfer-encoding":
                return False
        return True

    def _release(self, app=None, *, watch: bool = True) -> None:
        """Hand a held request to the app (or to `app`), with the body read so far."""
        held, self._held = self._held, None
        if app is None:
            super().on_headers_complete()
            if watch:
                self._watch(bytes(held))
        else:
            self.app, usual = app, self.app  # uvicorn's cycle runs `self.app`
            try:
                super().on_headers_complete()
            finally:
                self.app = usual
        if held:
            self.cycle.body += held
            self.cycle.message_event.set()

    def _key(self, body: bytes) -> RequestKey:
        return (self.parser.get_method(), self.url, body, tuple(self.headers))

    def _watch(self, body: bytes = b"") -> None:
        """Record the app's response to this request if the app marks it replayable."""
        cycle, scope = self.cycle, self.scope
        if scope.get("path", "").encode() not in PATHS or scope["method"] not in ("GET", "POST"):
            return
        key, send, replays = self._key(body), cycle.send, self.replays
        response: dict = {}

        async def recording(message) -> None:
            if message["type"] == "http.response.start":
                response["start"] = message
            elif message["type"] == "http.response.body" and "start" in response:
                mark = scope.get("atlas.replay")
                if mark is not None and not message.get("more_body") and cycle.keep_alive:
                    _record(replays, key, scope, response["start"], message["body"], mark)
            await send(message)

        cycle.send = recording


_DEFAULTS: list[tuple[list, bytes]] = [([], b"")]


def _defaults(headers: list[tuple[bytes, bytes]]) -> bytes:
    """uvicorn's default headers (`date`; `server` is turned off) as written: uvicorn replaces
    the list once a second with a new date, so the bytes are kept for the list they were made
    from."""
    made, written = _DEFAULTS[0]
    if made is not headers:
        written = b"".join(b"%s: %s\r\n" % pair for pair in headers)
        _DEFAULTS[0] = (headers, written)
    return written


def _record(replays: Replays, key: RequestKey, scope, start: dict, body: bytes, mark) -> None:
    status = start["status"]
    headers = [(k.lower(), v) for k, v in start.get("headers", [])]
    if status not in (200, 304) or any(k == b"transfer-encoding" for k, _ in headers):
        return
    renewal = None if mark == REPLAY else mark
    replays.put(key, Entry(status, headers, body, get_path_with_query_string(scope), renewal))


def front_protocol(replays: Replays) -> type[FrontProtocol]:
    """The protocol class uvicorn instantiates per connection, carrying `replays`."""
    return type("AtlasFrontProtocol", (FrontProtocol,), {"replays": replays})
