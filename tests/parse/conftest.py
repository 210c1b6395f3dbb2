"""Shared fixtures of the parser's tests: the real seed page, its expected record, the schema."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import jsonschema
import pytest

from atlas_ld.core.model import Page
from atlas_ld.core.resources import data_dir

HERE = Path(__file__).parent
SEED_TEXT = Path(str(data_dir() / "sample" / "17384.txt"))


@pytest.fixture(scope="session")
def schema_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((data_dir() / "project-record.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="session")
def expected_seed() -> dict:
    """The seed page's record as a careful reader writes it (checked by hand against the page)."""
    return json.loads((HERE / "expected" / "seed.json").read_text(encoding="utf-8"))


SAMPLE_DIR = Path(str(data_dir() / "sample"))
SEED_HTML = SAMPLE_DIR / "17384.html"


def page_of(body: bytes | str, content_type: str | None = None, source: str = "page") -> Page:
    """A page from literal content, as the tests write small pages inline."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    return Page(source=source, body=data, content_type=content_type)


def minimal_html(body: str, head: str = '<meta charset="utf-8">') -> str:
    """A page with a title and whatever `body` adds, to look at one feature at a time."""
    return (
        f"<!DOCTYPE html><html><head>{head}</head><body>"
        f"<dl><dt>Titre</dt><dd>Projet test</dd></dl>{body}</body></html>"
    )


class _Handler(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, dict[str, str], bytes]]] = {}
    seen: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        self.seen.append(dict(self.headers))
        status, headers, body = self.routes.get(self.path, (404, {}, b"not found"))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # keep test output quiet
        pass


@pytest.fixture
def http_site():
    """A real HTTP server on 127.0.0.1: set `routes[path] = (status, headers, body)`."""
    handler = type("Handler", (_Handler,), {"routes": {}, "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    yield base, handler.routes, handler.seen
    server.shutdown()
    server.server_close()
