"""One Atlas page over HTTP: a GET, same-site redirects, retries, checks, and a verdict.

The verdict is one of good, not modified, missing, failed. The faults a busy government server
produces (connection resets, timeouts, 5xx, 429 + Retry-After, bodies cut short or undecodable)
are retried with backoff; what still fails is reported with its reason, never raised. A page is
judged from its visible text: the project labels make a project page, the site's own error page
(sometimes served with status 200) a missing one.
"""

from __future__ import annotations

import re
import threading
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
import requests
import urllib3

from atlas_ld.core.atlas_urls import ATLAS_BASE_URL, page_url
from atlas_ld.harvest import archive as warc
from atlas_ld.harvest.politeness import DEFAULT_CONTACT, Backoff, RateLimiter, user_agent

REDIRECTS = {301, 302, 303, 307, 308}
# A page is a project page when it shows these labels; the Atlas answers unknown ids with its
# own error page, sometimes with status 200, which says so in one of these words. A page that is
# neither (a maintenance page, a login wall) fails and is retried: taking it for "not found"
# would mark every archived project as gone during an outage.
PROJECT_LABELS = ("Titre", "Thématique")
NOT_FOUND_WORDS = re.compile(r"erreur|n'existe pas|introuvable|not found", re.IGNORECASE)


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
    fetched: warc.Fetched | None = None
    requests: int = 0
    verdict: str | None = None  # set when archived: new, changed, unchanged, gone, ...


class _Retry(Exception):
    """A fault worth another attempt; carries the reason and the server's Retry-After."""

    def __init__(self, reason: str, retry_after: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class _Final(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _charset(content_type: str | None, body: bytes) -> str | None:
    """The charset the header or a <meta> declares, if any."""
    for source in (content_type or "", body[:4096].decode("ascii", "replace")):
        match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", source, re.I)
        if match:
            return match[1]
    return None


def _decode_content(raw: bytes, encoding: str | None) -> bytes:
    encoding = (encoding or "identity").strip().lower()
    try:
        if encoding in ("gzip", "x-gzip"):
            return zlib.decompress(raw, zlib.MAX_WBITS | 16)
        if encoding == "deflate":
            try:
                return zlib.decompress(raw)
            except zlib.error:
                return zlib.decompress(raw, -zlib.MAX_WBITS)
    except zlib.error as exc:
        raise _Retry(f"corrupt {encoding} body") from exc
    if encoding != "identity":
        raise _Final(f"unsupported Content-Encoding {encoding!r}")
    return raw


def _text(body: bytes, content_type: str | None) -> str:
    """Decode strictly by the declared charset; if none, UTF-8 else windows-1252, as browsers do."""
    charset = _charset(content_type, body)
    if charset is None:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            charset = "windows-1252"
    try:
        return body.decode(charset)
    except LookupError as exc:
        raise _Final(f"unknown charset {charset!r}") from exc
    except UnicodeDecodeError as exc:
        raise _Retry(f"body is not valid {charset} at byte {exc.start}") from exc


def visible_text(text: str, content_type: str | None = None) -> str:
    if (content_type or "").startswith("text/plain"):
        return text
    # lxml refuses str input that starts with an XML declaration naming an encoding.
    markup = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    try:
        return lxml.html.fromstring(markup).text_content() if markup.strip() else ""
    except lxml.etree.ParserError:
        return ""


def page_kind(text: str, content_type: str | None = None) -> str:
    """ "project", "not-found" (the site's error page) or "other", from the visible text."""
    content = visible_text(text, content_type)
    if all(label in content for label in PROJECT_LABELS):
        return "project"
    return "not-found" if NOT_FOUND_WORDS.search(content) else "other"


class Fetcher:
    """Fetches single pages; one `requests.Session` (one connection) per worker thread."""

    def __init__(self, options: HarvestOptions, limiter: RateLimiter):
        self.options = options
        self.limiter = limiter
        self._local = threading.local()
        self.site = urlsplit(options.base_url)[:2]

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

    def fetch(self, prj_id: int, previous: warc.Capture | None = None) -> Outcome:
        """Fetch one id with retries; never raises for what the server or network does."""
        url = page_url(self.options.base_url, prj_id)
        conditional: dict[str, str] = {}
        if previous is not None:
            if previous.etag:
                conditional["If-None-Match"] = previous.etag
            if previous.last_modified:
                conditional["If-Modified-Since"] = previous.last_modified
        outcome = Outcome(prj_id, "failed")
        for attempt in range(1, self.options.retries + 2):
            if self.limiter.cancelled.is_set():
                outcome.reason = "interrupted"
                break
            try:
                return self._attempt(prj_id, url, conditional, outcome)
            except _Final as exc:
                outcome.reason = exc.reason
                return outcome
            except _Retry as exc:
                outcome.reason = f"{exc.reason} (after {attempt} attempts)"
                if attempt <= self.options.retries:
                    delay = self.options.backoff.delay(attempt, exc.retry_after)
                    if exc.retry_after:  # the server is overloaded: every worker waits
                        self.limiter.hold(delay)
                    elif self.limiter.cancelled.wait(delay):
                        break
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
        body = _decode_content(raw, response.headers.get("Content-Encoding"))
        content_type = response.headers.get("Content-Type")
        kind = page_kind(_text(body, content_type), content_type)
        if kind == "not-found":
            outcome.kind, outcome.reason = "missing", "not-found page with HTTP 200"
            return outcome
        if kind == "other":
            raise _Final("HTTP 200 but neither a project page nor the not-found page")
        outcome.kind, outcome.reason = "good", None
        outcome.fetched = warc.Fetched(
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
