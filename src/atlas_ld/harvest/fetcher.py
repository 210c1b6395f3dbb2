"""One Atlas page over HTTP: a GET, same-site redirects, retries, checks, and a verdict.

The verdict is one of good, not modified, missing, failed. The faults a busy government server
produces (connection resets, timeouts, 5xx, 429 + Retry-After, bodies cut short or undecodable)
are retried with backoff (`core.retry`); what still fails is reported with its reason, never
raised. Every input is bounded: the body as transferred and after decompression (`max_bytes`),
the redirects (`max_redirects`, on the Atlas's own scheme and host only). A page is judged from
what `classify.page_kind` says: a project page, the site's own error page (sometimes served with
status 200: missing), or neither (failed, retried next run).
"""

from __future__ import annotations

import threading
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from atlas_ld.core.atlas_urls import ATLAS_BASE_URL, page_url
from atlas_ld.core.retry import Backoff, Transient, call_with_retries
from atlas_ld.harvest.archive_index import Capture
from atlas_ld.harvest.archive_writer import Fetched
from atlas_ld.harvest.classify import page_kind
from atlas_ld.harvest.politeness import DEFAULT_CONTACT, RateLimiter, Robots, user_agent
from atlas_ld.parse.decode import decode

REDIRECTS = {301, 302, 303, 307, 308}


@dataclass(slots=True)
class HarvestOptions:
    """How a harvest behaves; the defaults are the polite ones (see docs/harvest.md)."""

    base_url: str = ATLAS_BASE_URL
    rate: float = 1.0
    concurrency: int = 1
    max_misses: int = 100
    since_last: bool = False
    contact: str = DEFAULT_CONTACT
    agent: str | None = None  # the whole User-Agent string, when the contact form does not fit
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_bytes: int = 5_000_000
    retries: int = 4
    backoff: Backoff = field(default_factory=Backoff)
    max_redirects: int = 5

    @property
    def user_agent(self) -> str:
        return self.agent or user_agent(self.contact)


@dataclass(slots=True)
class Outcome:
    """The verdict on one id. `kind`: good, not_modified, missing, failed, disallowed, kept."""

    prj_id: int
    kind: str
    reason: str | None = None
    fetched: Fetched | None = None
    requests: int = 0
    verdict: str | None = None  # set when archived: new, changed, unchanged, gone, ...


class _Retry(Transient):
    """A fault worth another attempt; carries the reason and the server's Retry-After."""


class _Final(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _decode_content(raw: bytes, encoding: str | None, cap: int) -> bytes:
    """The body after its Content-Encoding, never expanded past `cap` bytes (no gzip bomb)."""
    encoding = (encoding or "identity").strip().lower()
    if encoding == "identity":
        return raw
    if encoding in ("gzip", "x-gzip"):
        formats = [zlib.MAX_WBITS | 16]
    elif encoding == "deflate":  # zlib-wrapped as the RFC says, or raw as some servers send it
        formats = [zlib.MAX_WBITS, -zlib.MAX_WBITS]
    else:
        raise _Final(f"unsupported Content-Encoding {encoding!r}")
    for wbits in formats:
        decoder = zlib.decompressobj(wbits)
        try:
            body = decoder.decompress(raw, cap + 1)
        except zlib.error:
            continue
        if len(body) > cap:
            raise _Final(f"{encoding} body expands past the {cap}-byte cap")
        if decoder.eof:
            return body
    raise _Retry(f"corrupt or cut {encoding} body")


def _text(body: bytes, content_type: str | None) -> str:
    """The parser's decoding (`parse.decode`); a body contradicting its declared charset may be
    a transfer fault, so it is retried rather than archived."""
    decoded = decode(body, content_type)
    if decoded.warning:
        raise _Retry(decoded.warning)
    return decoded.text


class Fetcher:
    """Fetches single pages; one `requests.Session` (one connection) per worker thread."""

    def __init__(self, options: HarvestOptions, limiter: RateLimiter):
        self.options = options
        self.limiter = limiter
        self._local = threading.local()
        self.site = urlsplit(options.base_url)[:2]
        self.robots: Robots | None = None  # set once robots.txt is read: redirects obey it too

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.options.connect_timeout, self.options.read_timeout)

    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=1)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.headers.update(
                {
                    "User-Agent": self.options.user_agent,
                    "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
                    "Accept-Encoding": "gzip, deflate",
                    "Accept-Language": "fr",
                }
            )
            self._local.session = session
        return session

    def fetch(self, prj_id: int, previous: Capture | None = None) -> Outcome:
        """Fetch one id with retries; never raises for what the server or network does."""
        url = page_url(self.options.base_url, prj_id)
        conditional: dict[str, str] = {}
        if previous is not None:
            if previous.etag:
                conditional["If-None-Match"] = previous.etag
            if previous.last_modified:
                conditional["If-Modified-Since"] = previous.last_modified
        outcome = Outcome(prj_id, "failed")

        def attempt() -> Outcome:
            if self.limiter.cancelled.is_set():
                raise _Final("interrupted")
            return self._attempt(prj_id, url, conditional, outcome)

        def hold_everyone(error: BaseException, seconds: float) -> None:
            if getattr(error, "retry_after", None):  # the server is overloaded: every worker waits
                self.limiter.hold(seconds)

        try:
            return call_with_retries(
                attempt,
                retries=self.options.retries,
                backoff=self.options.backoff,
                sleep=self.limiter.cancelled.wait,  # Ctrl-C ends a backoff at once
                before_sleep=hold_everyone,
            )
        except _Final as exc:
            outcome.reason = exc.reason
        except Transient as exc:
            outcome.reason = f"{exc.reason} (after {exc.attempts} attempts)"
        return outcome

    def _attempt(
        self, prj_id: int, url: str, conditional: dict[str, str], outcome: Outcome
    ) -> Outcome:
        target = url
        for _hop in range(self.options.max_redirects + 1):
            self.limiter.wait()
            if self.limiter.cancelled.is_set():
                raise _Final("interrupted")
            outcome.requests += 1
            response = self._get(target, conditional)
            with response:
                if response.status_code not in REDIRECTS:
                    return self._verdict(prj_id, target, response, outcome)
                location = urljoin(target, response.headers.get("Location", ""))
            if urlsplit(location)[:2] != self.site:
                raise _Final(f"redirect off the site to {location}")
            if self.robots is not None and not self.robots.allows(location):
                raise _Final(f"redirect to {location}, which robots.txt disallows")
            target = location
        raise _Final(f"more than {self.options.max_redirects} redirects")

    def _get(self, url: str, headers: dict[str, str]) -> requests.Response:
        try:
            return self.session().get(
                url, headers=headers, timeout=self.timeout, stream=True, allow_redirects=False
            )
        except requests.Timeout as exc:
            raise _Retry("timed out") from exc
        except requests.ConnectionError as exc:
            raise _Retry(f"connection failed ({_root_cause(exc)})") from exc

    def _verdict(
        self, prj_id: int, url: str, response: requests.Response, outcome: Outcome
    ) -> Outcome:
        status = response.status_code
        if status == 304:
            outcome.kind, outcome.reason = "not_modified", None
            return outcome
        if status in (404, 410):
            outcome.kind, outcome.reason = "missing", f"HTTP {status}"
            return outcome
        if status == 429 or status >= 500:
            raise _Retry(f"HTTP {status}", response.headers.get("Retry-After"))
        if status != 200:
            raise _Final(f"HTTP {status}")
        raw = self._read(response)
        headers = list(response.raw.headers.items())
        encoding = response.headers.get("Content-Encoding")
        body = _decode_content(raw, encoding, self.options.max_bytes)
        content_type = response.headers.get("Content-Type")
        kind = page_kind(_text(body, content_type), content_type)
        if kind == "not-found":
            outcome.kind, outcome.reason = "missing", "not-found page with HTTP 200"
            return outcome
        if kind == "other":
            raise _Final("HTTP 200 but neither a project page nor the not-found page")
        outcome.kind, outcome.reason = "good", None
        outcome.fetched = Fetched(
            prj_id=prj_id,
            page_url=page_url(self.options.base_url, prj_id),
            url=url,
            status=status,
            reason=response.reason or "OK",
            http_version="HTTP/1.1" if response.raw.version == 11 else "HTTP/1.0",
            headers=_as_stored(headers, len(raw)),
            raw=raw,
            body=body,
            request_headers=list(response.request.headers.items()),
            fetched_at=datetime.now(UTC),
        )
        return outcome

    def _read(self, response: requests.Response) -> bytes:
        """The payload as transferred, refusing oversized, cut or chunk-broken bodies."""
        cap = self.options.max_bytes
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise _Final(f"body of {declared} bytes exceeds the {cap}-byte cap")
        chunks, size = [], 0
        try:
            for chunk in response.raw.stream(65536, decode_content=False):
                size += len(chunk)
                if size > cap:
                    raise _Final(f"body exceeds the {cap}-byte cap")
                chunks.append(chunk)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise _Retry(f"body cut short ({type(exc).__name__})") from exc
        raw = b"".join(chunks)
        if declared and declared.isdigit() and int(declared) != len(raw):
            raise _Retry(f"body cut short ({len(raw)} of {declared} bytes)")
        return raw


def _root_cause(exc: BaseException) -> str:
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return type(exc).__name__


def _as_stored(headers: list[tuple[str, str]], length: int) -> list[tuple[str, str]]:
    """Headers as a WARC reader expects them: the payload is stored de-chunked, so say so."""
    stored = []
    for name, value in headers:
        if name.lower() == "transfer-encoding":
            stored.append(("X-Archive-Orig-Transfer-Encoding", value))
            stored.append(("Content-Length", str(length)))
        else:
            stored.append((name, value))
    return stored
