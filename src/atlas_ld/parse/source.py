"""Read one page, from a file or an http(s) URL, into a `Page`.

The only network access of the parse stage: a plain GET with a timeout and an identifying
User-Agent, at most `MAX_REDIRECTS` redirects, all to http(s), and a body capped at `max_bytes`
once decompressed (a small gzip bomb cannot fill the memory). Polite crawling of the whole Atlas
(rate limits, robots.txt, archiving) is the harvest stage's job; this is for reading a page or
two by hand.

A saved page's Atlas URL, when its folder has a `manifest.csv` naming it (the one `atlas-ld
sample` writes; columns in docs/parsing.md), is set on the page with `url_source="manifest"`:
the parser takes the prjId from it and resolves relative links against it.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

from atlas_ld import __version__
from atlas_ld.core.atlas_urls import (
    ATLAS_BASE_URL,
    absolute_link,
    is_atlas_id,
    page_url,
    project_id,
)
from atlas_ld.core.errors import FetchError
from atlas_ld.core.model import Page

USER_AGENT = f"atlas-ld/{__version__}"
TIMEOUT_S = 30
MAX_BYTES = 5_000_000  # a real Atlas page is under 100 kB
MAX_REDIRECTS = 5
MANIFEST = "manifest.csv"
_CHUNK = 65536


def read_page(location: str, timeout: float = TIMEOUT_S, *, max_bytes: int = MAX_BYTES) -> Page:
    """A file path or an http(s) URL -> `Page`; `FetchError` naming the location and the reason
    (missing, unreachable, over `max_bytes`, too many redirects...)."""
    if location.startswith(("http://", "https://")):
        return _read_url(location, timeout, max_bytes)
    if "://" in location:
        raise FetchError("only http(s) URLs and file paths can be read", where=location)
    return _read_file(location, max_bytes)


def _too_big(max_bytes: int, size: int | None = None, note: str = "") -> str:
    shown = f"{size:,} bytes" if size is not None else "larger"
    return f"page is {shown}{note}, over the limit of {max_bytes:,} bytes (--max-bytes)"


def _read_file(location: str, max_bytes: int) -> Page:
    path = Path(location)
    try:
        with path.open("rb") as f:
            body = f.read(max_bytes + 1)
            if len(body) > max_bytes:
                size = path.stat().st_size
                raise FetchError(_too_big(max_bytes, size), where=location)
    except FileNotFoundError:
        raise FetchError("no such file", where=location) from None
    except IsADirectoryError:
        raise FetchError("is a directory, not a page", where=location) from None
    except OSError as exc:
        raise FetchError(exc.strerror or str(exc), where=location) from None
    content_type = "text/plain" if path.suffix.lower() == ".txt" else None
    url = manifest_url(path)
    return Page(
        source=location,
        body=body,
        content_type=content_type,
        url=url,
        url_source="manifest" if url else None,
    )


def manifest_url(path: Path) -> str | None:
    """The Atlas URL that the `manifest.csv` beside `path` gives it (its `url` column when that
    is a partnership's URL, else one built from `prj_id`), or None."""
    manifest = path.parent / MANIFEST
    try:
        stat = manifest.stat()
    except OSError:
        return None
    row = _manifest_rows(str(manifest), stat.st_mtime_ns, stat.st_size).get(path.name)
    if row is None:
        return None
    url = absolute_link(row.get("url"), None)  # http(s) only, as a browser requests it
    if url and project_id(url):
        return url
    prj_id = (row.get("prj_id") or "").strip()
    return page_url(ATLAS_BASE_URL, prj_id) if is_atlas_id(prj_id) else None


@lru_cache(maxsize=64)  # one manifest serves every page of its folder; keyed on its mtime
def _manifest_rows(manifest: str, _mtime_ns: int, _size: int) -> dict[str, dict[str, str]]:
    """Rows by file name. Only bare file names are matched against a page's own name, so a
    row cannot point outside the folder. A manifest that is not one of ours is ignored."""
    try:
        with open(manifest, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error):
        return {}
    return {
        (row.get("file") or "").strip(): row
        for row in rows
        if isinstance(row.get("file"), str) and "/" not in row["file"]
    }


def _read_url(url: str, timeout: float, max_bytes: int) -> Page:
    try:
        response = _follow(url, timeout)
        with response:
            if response.status_code != 200:
                raise FetchError(f"HTTP {response.status_code} {response.reason}", where=url)
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(_too_big(max_bytes, int(declared)), where=url)
            body = bytearray()
            for chunk in response.iter_content(_CHUNK):  # decompressed as it comes
                body += chunk
                if len(body) > max_bytes:
                    raise FetchError(_too_big(max_bytes, note=" once decompressed"), where=url)
    except requests.Timeout:
        raise FetchError(f"no answer within {timeout:g} s", where=url) from None
    except requests.RequestException as exc:
        reason = type(exc).__name__
        raise FetchError(f"unreachable ({reason})", where=url) from None
    return Page(
        source=url,
        body=bytes(body),
        content_type=response.headers.get("Content-Type"),
        url=url,  # as asked: the prjId in it names the project even after a redirect
        fetched_at=datetime.now(UTC),
    )


def _follow(url: str, timeout: float) -> requests.Response:
    """GET `url`, following at most `MAX_REDIRECTS` redirects, each to an http(s) URL."""
    headers = {"User-Agent": USER_AGENT}
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        response = requests.get(
            current, timeout=timeout, headers=headers, allow_redirects=False, stream=True
        )
        if not response.is_redirect:
            return response
        target = urljoin(current, response.headers.get("Location", ""))
        response.close()
        if urlsplit(target).scheme not in ("http", "https"):
            raise FetchError(f"redirected to a non-http(s) URL {target!r}", where=url)
        current = target
    raise FetchError(f"more than {MAX_REDIRECTS} redirects", where=url)
