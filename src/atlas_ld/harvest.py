"""Fetch Atlas project pages into the web archive, politely, resumably and incrementally.

One id at a time goes through `fetch`: a GET (conditional when the archive already holds a
version and `since_last` is set), same-site redirects only, retries with backoff on the faults a
busy government server produces (connection resets, timeouts, 5xx, 429 + Retry-After, bodies cut
short or undecodable), and a verdict: good, not modified, missing, failed. Workers only fetch; the
calling thread writes every verdict to the archive in id order, so the archive has one writer
and a crash loses at most the pages in flight.

The Atlas has no listing of its ids, so without explicit ids the harvest walks 1, 2, 3... and
stops `max_misses` ids past the highest id known to exist.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import lxml.etree
import lxml.html
import requests
import urllib3

from atlas_ld import archive as warc
from atlas_ld.errors import HarvestError
from atlas_ld.politeness import DEFAULT_CONTACT, Backoff, RateLimiter, load_robots, user_agent

ATLAS_BASE_URL = "https://pastel.diplomatie.gouv.fr"
PAGE_PATH = "/cncdext/dyn/public/atlas/detailProjet.html?criteres.prjId={}"
REDIRECTS = {301, 302, 303, 307, 308}
# A page is a project page when it shows these labels; the Atlas answers unknown ids with its
# own error page, sometimes with status 200, which says so in one of these words. A page that is
# neither (a maintenance page, a login wall) fails and is retried: taking it for "not found"
# would mark every archived project as gone during an outage.
PROJECT_LABELS = ("Titre", "Thématique")
NOT_FOUND_WORDS = re.compile(r"erreur|n'existe pas|introuvable|not found", re.IGNORECASE)


def page_url(base_url: str, prj_id: int) -> str:
    return base_url.rstrip("/") + PAGE_PATH.format(prj_id)


def parse_ids(spec: str) -> list[int]:
    """`1-13000,14002` → sorted unique ids; one clear error for anything else."""
    ids: set[int] = set()
    for part in re.split(r"[,\s]+", spec.strip()):
        if not part:
            continue
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not match:
            raise HarvestError(f"not an id or a range: {part!r}", where="--ids")
        low = int(match[1])
        high = int(match[2] or low)
        if low < 1 or high < low:
            raise HarvestError(f"empty or non-positive range: {part!r}", where="--ids")
        ids.update(range(low, high + 1))
    if not ids:
        raise HarvestError("no ids given", where="--ids")
    return sorted(ids)


def read_ids_file(path: Path) -> list[int]:
    """One id or range per line (commas allowed too); `#` starts a comment."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise HarvestError(f"cannot read ids file ({exc.strerror})", where=str(path)) from exc
    lines = [line.split("#", 1)[0] for line in text.splitlines()]
    return parse_ids(",".join(line for line in lines if line.strip()))


@dataclass(slots=True)
class HarvestOptions:
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


@dataclass(slots=True)
class Summary:
    """What one run did; `to_json` is the `runs/<run>.json` file."""

    run: str
    base_url: str
    started_at: str
    settings: dict[str, Any] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    failures: dict[int, str] = field(default_factory=dict)
    requests: int = 0
    finished_at: str | None = None
    seconds: float = 0.0
    interrupted: bool = False

    def to_json(self) -> dict[str, Any]:
        keys = ("new", "changed", "unchanged", "gone", "failed", "missing", "disallowed", "kept")
        return {
            "run": self.run,
            "base_url": self.base_url,
            "settings": self.settings,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "seconds": round(self.seconds, 3),
            "requests": self.requests,
            **{key: self.counts.get(key, 0) for key in keys},
            "interrupted": self.interrupted,
            "failures": {str(k): v for k, v in sorted(self.failures.items())},
        }


class Harvester:
    """One run: plans each id from the archive's index, fetches, and records verdicts in order."""

    def __init__(
        self,
        archive_dir: Path,
        options: HarvestOptions,
        on_outcome: Callable[[Outcome], None] | None = None,
    ):
        self.archive_dir = Path(archive_dir)
        self.options = options
        self.on_outcome = on_outcome
        self.limiter = RateLimiter(options.rate)
        self.fetcher = Fetcher(options, self.limiter)

    def run(self, ids: Iterable[int] | None = None) -> Summary:
        """Harvest `ids` (or enumerate from 1 when None) and return the run's summary."""
        started = datetime.now(UTC)
        run_id = started.strftime("%Y%m%dT%H%M%S%fZ")
        summary = Summary(
            run_id,
            self.options.base_url,
            started.isoformat(timespec="seconds"),
            settings={
                "user_agent": self.options.user_agent,
                "rate": self.options.rate,
                "concurrency": self.options.concurrency,
                "since_last": self.options.since_last,
                "ids": "enumerated" if ids is None else "given",
                "max_misses": self.options.max_misses if ids is None else None,
            },
        )
        clock = time.monotonic()
        robots = load_robots(self.fetcher.session(), self.options.base_url, self.fetcher.timeout)
        delay = robots.crawl_delay(self.options.user_agent)
        if delay:
            self.limiter.slow_down_to(float(delay))
        info = {
            "http-header-user-agent": self.options.user_agent,
            "robots": "obey",
            "description": f"Atlas project pages harvested from {self.options.base_url}",
        }
        with warc.Archive(self.archive_dir, run_id, info) as archive:
            try:
                self._walk(archive, robots, ids, summary)
            except KeyboardInterrupt:
                summary.interrupted = True
            summary.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
            summary.seconds = time.monotonic() - clock
            archive.finish(summary.to_json())
        return summary

    def _walk(
        self,
        archive: warc.Archive,
        robots: RobotFileParser,
        ids: Iterable[int] | None,
        summary: Summary,
    ) -> None:
        """Fetch `concurrency` ids at a time; record the verdicts in id order.

        Up to four times as many ids are queued, so one slow page does not idle the others.
        """
        self.highest = archive.highest_known_id()
        candidates: Iterator[int] = itertools.count(1) if ids is None else iter(sorted(ids))
        upcoming = next(candidates, None)

        def may_start(prj_id: int | None) -> bool:
            if prj_id is None or len(pending) >= 4 * self.options.concurrency:
                return False
            return ids is not None or prj_id <= self.highest + self.options.max_misses

        pending: deque[Future[Outcome] | Outcome] = deque()
        pool = ThreadPoolExecutor(max_workers=self.options.concurrency)
        try:
            while True:
                while may_start(upcoming):
                    assert upcoming is not None
                    step = self._plan(archive, robots, upcoming)
                    pending.append(step if isinstance(step, Outcome) else pool.submit(step))
                    upcoming = next(candidates, None)
                if not pending:
                    return
                job = pending.popleft()
                self._record(archive, job if isinstance(job, Outcome) else job.result(), summary)
        except KeyboardInterrupt:
            # Pages in flight are dropped, not recorded: the next run fetches them.
            self.limiter.cancelled.set()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _plan(
        self, archive: warc.Archive, robots: RobotFileParser, prj_id: int
    ) -> Callable[[], Outcome] | Outcome:
        """What to do with an id: an outcome known without the network, or a fetch to run."""
        if not robots.can_fetch(self.options.user_agent, page_url(self.options.base_url, prj_id)):
            return Outcome(prj_id, "disallowed", "robots.txt")
        state = archive.state(prj_id)
        if state is None or state.state in (warc.FAILED, warc.DISALLOWED):
            return lambda: self.fetcher.fetch(prj_id)
        if self.options.since_last:
            return lambda: self.fetcher.fetch(prj_id, state.latest_good)
        return Outcome(prj_id, "kept", state.state)

    def _record(self, archive: warc.Archive, outcome: Outcome, summary: Summary) -> None:
        previous = archive.state(outcome.prj_id)
        before = previous.latest_good if previous else None
        summary.requests += outcome.requests
        if outcome.kind == "good":
            assert outcome.fetched is not None
            if before is not None and before.sha256 == outcome.fetched.sha256:
                outcome.verdict = "unchanged"
                archive.note(outcome.prj_id, warc.GOOD)
            else:
                outcome.verdict = "changed" if before is not None else "new"
                archive.add_good(outcome.fetched)
        elif outcome.kind == "not_modified":
            outcome.verdict = "unchanged"
            archive.note(outcome.prj_id, warc.GOOD)
        elif outcome.kind == "missing":
            newly_gone = before is not None and previous.state != warc.MISSING  # type: ignore[union-attr]
            outcome.verdict = "gone" if newly_gone else "missing"
            archive.note(outcome.prj_id, warc.MISSING, outcome.reason)
        elif outcome.kind == "failed":
            outcome.verdict = "failed"
            summary.failures[outcome.prj_id] = outcome.reason or "unknown"
            archive.note(outcome.prj_id, warc.FAILED, outcome.reason)
        elif outcome.kind == "disallowed":
            outcome.verdict = "disallowed"
            archive.note(outcome.prj_id, warc.DISALLOWED, outcome.reason)
        else:
            outcome.verdict = "kept"
        exists = outcome.kind in ("good", "not_modified") or outcome.reason == warc.GOOD
        if exists:
            self.highest = max(self.highest, outcome.prj_id)
        summary.counts[outcome.verdict] += 1
        if self.on_outcome is not None:
            self.on_outcome(outcome)
