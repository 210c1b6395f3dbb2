"""How the harvester behaves towards the Atlas: who it says it is, what robots.txt allows, how fast.

The Atlas is a government site with no published crawl policy beyond robots.txt, so the defaults
are the conservative ones: one request per second, one connection, an honest User-Agent with a
contact URL, and robots.txt (including its Crawl-delay) obeyed before any page is requested.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from protego import Protego

from atlas_ld import __version__
from atlas_ld.core.errors import HarvestError

DEFAULT_CONTACT = "https://atlas-ld.example/"


def user_agent(contact: str = DEFAULT_CONTACT) -> str:
    return f"atlas-ld/{__version__} (+{contact})"


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


@dataclass(frozen=True, slots=True)
class Robots:
    """The site's robots.txt as RFC 9309 reads it (protego): `$` and `*` patterns, longest match.

    A rule `Disallow: ...prjId=27$` forbids id 27 only; without the `$` it is a prefix and also
    forbids 270-279, 2700... as the RFC says.
    """

    rules: Protego
    user_agent: str

    def allows(self, url: str) -> bool:
        return bool(self.rules.can_fetch(url, self.user_agent))

    def min_interval(self) -> float | None:
        """Seconds between requests that `Crawl-delay` or `Request-rate` asks for, if any."""
        intervals = []
        delay = self.rules.crawl_delay(self.user_agent)
        if delay:
            intervals.append(float(delay))
        rate = self.rules.request_rate(self.user_agent)
        if rate and rate.requests:
            intervals.append(rate.seconds / rate.requests)
        return max(intervals, default=None)


def load_robots(
    session: requests.Session,
    base_url: str,
    user_agent: str,
    timeout: tuple[float, float],
    *,
    max_redirects: int = 5,
) -> Robots:
    """Fetch and parse robots.txt per RFC 9309: 4xx means no rules, 5xx or silence means stop.

    Bounded like pages: redirects only on the site's own scheme and host, at most
    `max_redirects`; at most `ROBOTS_MAX_BYTES` read (the RFC asks parsers for 500 KiB), asked
    for uncompressed.
    """
    url = urljoin(base_url, "/robots.txt")
    site = urlsplit(base_url)[:2]
    for _hop in range(max_redirects + 1):
        try:
            # Identity encoding: robots.txt is small, and a compressed one could expand at will.
            with session.get(
                url,
                headers={"Accept-Encoding": "identity"},
                timeout=timeout,
                allow_redirects=False,
                stream=True,
            ) as response:
                status = response.status_code
                location = response.headers.get("Location", "")
                body = _read_capped(response) if status < 300 else b""
        except requests.RequestException as exc:
            raise HarvestError(
                f"robots.txt unreachable ({type(exc).__name__})",
                where=url,
                hint="the harvest does not start without it",
            ) from exc
        if status not in (301, 302, 303, 307, 308):
            break
        target = urljoin(url, location)
        if urlsplit(target)[:2] != site:
            raise HarvestError(
                f"robots.txt redirects off the site to {target}",
                where=url,
                hint="only the site's own robots.txt is obeyed; the harvest does not start",
            )
        url = target
    else:
        raise HarvestError(f"robots.txt: more than {max_redirects} redirects", where=url)
    if status >= 500:
        raise HarvestError(
            f"robots.txt answered HTTP {status}",
            where=url,
            hint="the site asks crawlers to stay away while it is unavailable",
        )
    text = "" if status >= 400 else body.decode("utf-8", "replace")
    return Robots(Protego.parse(text), user_agent)


ROBOTS_MAX_BYTES = 512 * 1024


def _read_capped(response: requests.Response) -> bytes:
    """robots.txt past `ROBOTS_MAX_BYTES` is cut there, as RFC 9309 §2.5 allows."""
    chunks, size = [], 0
    for chunk in response.iter_content(65536):
        chunks.append(chunk)
        size += len(chunk)
        if size >= ROBOTS_MAX_BYTES:
            break
    return b"".join(chunks)[:ROBOTS_MAX_BYTES]
