"""A local stand-in for the Atlas web site, with the faults a real harvest meets, on demand.

It is a real HTTP server on 127.0.0.1 answering at the Atlas's own paths
(`/cncdext/dyn/public/atlas/detailProjet.html?criteres.prjId=N`, `/robots.txt`), so the harvester
is tested, benchmarked and tried offline exactly as it runs against the site. Unknown ids get the
site's error page with 404; ids listed in `soft_404` get it with 200, as the Atlas sometimes does.
Pages carry an ETag and a Last-Modified date and answer conditional requests with 304.

Faults are queued per id and consumed one per request, so "503 then OK" is `{7: ["503"]}`:

    500, 503, 429   that status (503 and 429 with Retry-After)
    slow            wait `slow_seconds` before answering (longer than the client's read timeout)
    reset           close the connection with a TCP reset before any answer
    truncate        announce the full Content-Length, send half the body, close
    chunk-cut       send a chunked body without its last chunk, close
    garble          send bytes that are not valid in the declared charset
    offsite         redirect to another host
    moved           redirect (301) to the same page on this host
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import socket
import struct
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from atlas_ld.core.atlas_urls import PAGE_PATH

PAGE_ROUTE = urlsplit(PAGE_PATH).path
FAULTS = (
    "500",
    "503",
    "429",
    "slow",
    "reset",
    "truncate",
    "chunk-cut",
    "garble",
    "offsite",
    "moved",
    "maintenance",
)
_EPOCH = datetime(2024, 3, 1, tzinfo=UTC)

ERROR_PAGE = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Atlas français de la coopération
décentralisée</title></head><body><p>Accueil &gt; Atlas</p>
<h1>Une erreur est survenue</h1><p>Le projet demandé n'existe pas ou n'est plus publié.</p>
<p>PIED DE PAGE</p></body></html>
""".encode()


MAINTENANCE_PAGE = b"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Maintenance</title></head><body>
<p>Le site est en maintenance. Merci de revenir plus tard.</p></body></html>
"""


@dataclass(frozen=True, slots=True)
class SimPage:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    last_modified: datetime = _EPOCH

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"'


@dataclass(frozen=True, slots=True)
class Hit:
    """One request as the server saw it."""

    path: str
    prj_id: int | None
    status: int
    body_bytes: int
    user_agent: str | None
    conditional: bool
    at: float  # time.monotonic() when the request arrived


@dataclass
class SiteState:
    pages: dict[int, SimPage]
    soft_404: set[int] = field(default_factory=set)
    faults: dict[int, list[str]] = field(default_factory=dict)
    robots: str = "User-agent: *\nDisallow:\n"
    slow_seconds: float = 2.0
    retry_after: str = "1"
    etags: bool = True  # False: only Last-Modified, as some servers do
    gzip: bool = False  # True: gzip page bodies for clients that accept it
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_fault(self, prj_id: int) -> str | None:
        with self.lock:
            queue = self.faults.get(prj_id)
            return queue.pop(0) if queue else None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms ACK stall
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the hits list is the log."""

    def do_GET(self) -> None:
        self.arrived = time.monotonic()
        site = self.server.site
        url = urlsplit(self.path)
        if url.path == "/robots.txt":
            self._send(200, site.robots.encode(), "text/plain; charset=utf-8")
            return
        ids = parse_qs(url.query).get("criteres.prjId", [])
        if url.path != PAGE_ROUTE or len(ids) != 1 or not ids[0].isdigit():
            self._send(404, ERROR_PAGE, "text/html; charset=utf-8")
            return
        prj_id = int(ids[0])
        fault = site.next_fault(prj_id)
        if fault is not None and self._fault(fault, prj_id):
            return
        page = site.pages.get(prj_id)
        if page is None or prj_id in site.soft_404:
            self._send(200 if page else 404, ERROR_PAGE, "text/html; charset=utf-8", prj_id)
            return
        if self._not_modified(page):
            self._send(304, b"", None, prj_id, page, conditional=True)
            return
        if fault == "garble":
            body = b"\xc3\x28" + page.body  # not UTF-8 from the first byte
            self._send(200, body, "text/html; charset=utf-8", prj_id)
            return
        self._send(200, page.body, page.content_type, prj_id, page)

    def _not_modified(self, page: SimPage) -> bool:
        tag = self.headers.get("If-None-Match")
        if tag is not None:
            return page.etag in [t.strip() for t in tag.split(",")] or tag.strip() == "*"
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                return page.last_modified <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
        return False

    def _fault(self, fault: str, prj_id: int) -> bool:
        """Play a fault; False when it only alters the normal answer (garble)."""
        site = self.server.site
        page = site.pages.get(prj_id)
        body = page.body if page else ERROR_PAGE
        content_type = page.content_type if page else "text/html; charset=utf-8"
        if fault in ("500", "503", "429"):
            extra = {} if fault == "500" else {"Retry-After": site.retry_after}
            self._send(int(fault), b"<h1>Erreur</h1>", "text/html", prj_id, extra=extra)
        elif fault == "slow":
            time.sleep(site.slow_seconds)
            self._send(200, body, content_type, prj_id)
        elif fault == "reset":
            self._log(prj_id, 0, 0)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
        elif fault == "truncate":
            self._log(prj_id, 200, len(body) // 2)
            self._head(200, content_type, {"Content-Length": str(len(body))})
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
        elif fault == "chunk-cut":
            self._log(prj_id, 200, len(body) // 2)
            self._head(200, content_type, {"Transfer-Encoding": "chunked"})
            half = body[: len(body) // 2]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(half), half))
            self.close_connection = True
        elif fault == "maintenance":
            self._send(200, MAINTENANCE_PAGE, "text/html; charset=utf-8", prj_id)
        elif fault == "moved":
            extra = {"Location": f"{PAGE_PATH.format(prj_id)}&lang=fr"}
            self._send(301, b"", None, prj_id, extra=extra)
        elif fault == "offsite":
            extra = {"Location": "http://elsewhere.invalid/detailProjet.html"}
            self._send(302, b"", None, prj_id, extra=extra)
        else:
            return False
        return True

    def _head(self, status: int, content_type: str | None, headers: dict[str, str]) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str | None,
        prj_id: int | None = None,
        page: SimPage | None = None,
        *,
        conditional: bool = False,
        extra: dict[str, str] | None = None,
    ) -> None:
        headers = dict(extra or {})
        if page is not None:
            if self.server.site.etags:
                headers["ETag"] = page.etag
            headers["Last-Modified"] = format_datetime(page.last_modified, usegmt=True)
            if status == 200 and self.server.site.gzip and self._accepts_gzip():
                body = gzip.compress(body, mtime=0)
                headers["Content-Encoding"] = "gzip"
        if status != 304:
            headers["Content-Length"] = str(len(body))
        self._log(prj_id, status, len(body), conditional=conditional)
        try:
            self._head(status, content_type, headers)
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _accepts_gzip(self) -> bool:
        accepted = self.headers.get("Accept-Encoding", "")
        return "gzip" in [part.split(";")[0].strip() for part in accepted.split(",")]

    def _log(self, prj_id: int | None, status: int, size: int, *, conditional=False) -> None:
        site = self.server.site
        conditional = conditional or bool(
            self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since")
        )
        with site.lock:
            site.hits.append(
                Hit(
                    self.path,
                    prj_id,
                    status,
                    size,
                    self.headers.get("User-Agent"),
                    conditional,
                    self.arrived,
                )
            )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], site: SiteState):
        self.site = site
        super().__init__(address, _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """Connections the faults break on purpose are not errors worth a traceback."""


class AtlasSimulator:
    """Run the simulated site in a background thread: `with AtlasSimulator(pages) as sim: ...`."""

    def __init__(self, site: SiteState, host: str = "127.0.0.1", port: int = 0):
        self.site = site
        self._server = _Server((host, port), site)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> AtlasSimulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def __enter__(self) -> AtlasSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def robots_txt(disallowed: Iterable[int] = ()) -> str:
    """robots.txt forbidding exactly these ids' pages.

    Rules are prefixes (RFC 9309), so each ends with `$`: without it, forbidding 27 would also
    forbid 270-279, 2700...
    """
    rules = "".join(f"Disallow: {PAGE_PATH.format(n)}$\n" for n in disallowed)
    return "User-agent: *\n" + (rules or "Disallow:\n")


def numbered(pages: Iterable[SimPage], gap_every: int = 5) -> dict[int, SimPage]:
    """Give pages ids 1, 2, 3... leaving every `gap_every`-th id out, as the Atlas has gaps."""
    ids = (n for n in itertools.count(1) if gap_every < 2 or n % gap_every)
    return dict(zip(ids, pages, strict=False))


def _served_as(markup: str, body: bytes) -> SimPage:
    """Text pages say their charset in the header; HTML pages only in their <meta>, if at all."""
    if markup == "text":
        return SimPage(body, "text/plain; charset=utf-8")
    return SimPage(body, "text/html")


def corpus(generated: int = 0, seed: int = 0) -> dict[int, SimPage]:
    """The bundled sample corpus at its real prjIds, plus `generated` invented pages.

    Invented pages take ids 1, 2, 3... with the generator's gaps, skipping the sample's ids.
    """
    from atlas_ld.sample import corpus as sample

    pages: dict[int, SimPage] = {}
    for page in sample.sample_pages():
        prj_id = int(page.url.rsplit("=", 1)[1])  # type: ignore[union-attr]
        markup = "text" if (page.content_type or "").startswith("text/plain") else "html"
        pages[prj_id] = _served_as(markup, page.body)
    invented = sample.generate_pages(generated + len(pages), seed, first_id=1)
    added = 0
    for page in invented:
        prj_id = int(page.record.atlas_id or 0)
        if added == generated:
            break
        if prj_id not in pages:
            pages[prj_id] = _served_as(page.style.markup, page.body)
            added += 1
    return dict(sorted(pages.items()))
