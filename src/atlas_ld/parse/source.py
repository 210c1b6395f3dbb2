"""Read one page, from a file or an http(s) URL, into a `Page`.

The only network access of the parse stage: a plain GET with a timeout and an identifying
User-Agent. Polite crawling of the whole Atlas (rate limits, robots.txt, archiving) is the harvest
stage's job; this is for reading a page or two by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import requests

from atlas_ld import __version__
from atlas_ld.core.errors import FetchError
from atlas_ld.core.model import Page

USER_AGENT = f"atlas-ld/{__version__}"
TIMEOUT_S = 30


def read_page(location: str, timeout: float = TIMEOUT_S) -> Page:
    """A file path or an http(s) URL -> `Page`; `FetchError` naming the location and the reason."""
    if location.startswith(("http://", "https://")):
        return _read_url(location, timeout)
    if "://" in location:
        raise FetchError("only http(s) URLs and file paths can be read", where=location)
    return _read_file(location)


def _read_file(location: str) -> Page:
    path = Path(location)
    try:
        body = path.read_bytes()
    except FileNotFoundError:
        raise FetchError("no such file", where=location) from None
    except IsADirectoryError:
        raise FetchError("is a directory, not a page", where=location) from None
    except OSError as exc:
        raise FetchError(exc.strerror or str(exc), where=location) from None
    content_type = "text/plain" if path.suffix.lower() == ".txt" else None
    return Page(source=location, body=body, content_type=content_type)


def _read_url(url: str, timeout: float) -> Page:
    try:
        response = requests.get(url, timeout=timeout, headers={"User-Agent": USER_AGENT})
    except requests.Timeout:
        raise FetchError(f"no answer within {timeout:g} s", where=url) from None
    except requests.RequestException as exc:
        reason = type(exc).__name__
        raise FetchError(f"unreachable ({reason})", where=url) from None
    if response.status_code != 200:
        raise FetchError(f"HTTP {response.status_code} {response.reason}", where=url)
    return Page(
        source=url,
        body=response.content,
        content_type=response.headers.get("Content-Type"),
        url=url,  # as asked: the prjId in it names the project even after a redirect
        fetched_at=datetime.now(UTC),
    )
