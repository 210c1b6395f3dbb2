"""How the harvester behaves towards the Atlas: who it says it is, what robots.txt allows, how fast.

The Atlas is a government site with no published crawl policy beyond robots.txt, so the defaults
are the conservative ones: one request per second, one connection, an honest User-Agent with a
contact URL, and robots.txt (including its Crawl-delay) obeyed before any page is requested.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin
from urllib.robotparser import RobotFileParser

import requests

from atlas_ld import __version__
from atlas_ld.core.errors import HarvestError

DEFAULT_CONTACT = "https://atlas-ld.example/"


def user_agent(contact: str = DEFAULT_CONTACT) -> str:
    return f"atlas-ld/{__version__} (+{contact})"


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with full jitter, so that retrying clients do not fall into step."""

    base: float = 1.0
    cap: float = 60.0
    max_retry_after: float = 600.0

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait before retry number `attempt` (1-based); Retry-After wins when given."""
        waited = parse_retry_after(retry_after)
        if waited is not None:
            return min(waited, self.max_retry_after)
        return random.uniform(0, min(self.cap, self.base * 2 ** (attempt - 1)))


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class RateLimiter:
    """Spaces request starts at least `interval` seconds apart, across all worker threads."""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()
        self.cancelled = threading.Event()  # set on Ctrl-C: waiting threads wake up at once

    def slow_down_to(self, interval: float) -> None:
        self.interval = max(self.interval, interval)

    def hold(self, seconds: float) -> None:
        """No request from any thread for `seconds`: the server asked for a pause."""
        with self._lock:
            self._next = max(self._next, time.monotonic() + seconds)

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self.cancelled.wait(start - now)


def load_robots(
    session: requests.Session, base_url: str, timeout: tuple[float, float]
) -> RobotFileParser:
    """Fetch and parse robots.txt per RFC 9309: 4xx means no rules, 5xx or silence means stop."""
    url = urljoin(base_url, "/robots.txt")
    robots = RobotFileParser(url)
    try:
        response = session.get(url, timeout=timeout, allow_redirects=True)
    except requests.RequestException as exc:
        raise HarvestError(
            f"robots.txt unreachable ({type(exc).__name__})",
            where=url,
            hint="the harvest does not start without it",
        ) from exc
    if response.status_code >= 500:
        raise HarvestError(
            f"robots.txt answered HTTP {response.status_code}",
            where=url,
            hint="the site asks crawlers to stay away while it is unavailable",
        )
    if response.status_code >= 400:
        robots.allow_all = True
    else:
        robots.parse(response.text.splitlines())
    return robots
