"""Real stores and servers for the publishing tests.

The store is the sample corpus built by the graph stage (`atlas_ld.graph.pipeline.build_sample`),
per session and opened read-only by each test, so queries and dumps meet the real ontology.
"""

from __future__ import annotations

import email.policy
import hashlib
import itertools
import json
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from atlas_ld.publish.release import dump

BASE = "https://atlas-ld.example/"


@pytest.fixture(scope="session")
def store_dir(built_sample: Path) -> Path:
    return built_sample


@pytest.fixture
def store(store_dir: Path) -> ox.Store:
    return ox.Store.read_only(str(store_dir))


@pytest.fixture(scope="session")
def release(store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A release of the sample store, shared by the tests that only read it."""
    out = tmp_path_factory.mktemp("release") / "release"
    store = ox.Store.read_only(str(store_dir))
    dump(store, out, base=BASE, endpoint_url=f"{BASE}sparql", store_dir=store_dir)
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def oxigraph_server(tmp_path: Path) -> Iterator[str]:
    """A real `oxigraph serve` on a free local port; yields its base URL."""
    binary = Path(sys.executable).with_name("oxigraph")
    if not binary.exists():
        pytest.skip("the oxigraph server (PyPI package `oxigraph`) is not installed")
    port = free_port()
    process = subprocess.Popen(
        [
            str(binary),
            "serve",
            "--location",
            str(tmp_path / "remote"),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                requests.get(f"{url}/query", params={"query": "ASK {}"}, timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        else:
            pytest.fail("oxigraph serve did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


class FakeUdata(ThreadingHTTPServer):
    """A local udata portal: the API paths, status codes and JSON bodies the client relies on.

    Paths and payloads follow the udata REST API (`/api/1/datasets/`, `/api/1/datasets/{id}/`,
    `/api/1/datasets/{id}/upload/`, `/api/1/datasets/{id}/resources/{rid}/upload/`,
    `/api/1/datasets/{id}/resources/{rid}/`, `/api/1/me/datasets/`), the `X-API-KEY` header, the
    sha1 checksum the portal computes on upload, and its errors: 401 with a JSON message, 404,
    413 from the front proxy as HTML, 5xx. `fail_next` answers the next requests with 502;
    `fail_after_write` makes the next upload succeed but still answer 502, as a timeout would.
    """

    api_key = "secret-key"
    max_upload = 10_000_000

    def __init__(self):
        super().__init__(("127.0.0.1", 0), UdataHandler)
        self.datasets: dict[str, dict] = {}
        self.writes: list[str] = []
        self.fail_next = 0
        self.fail_after_write = False
        self.counter = itertools.count(1)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def new_id(self) -> str:
        return f"{next(self.counter):024x}"


class UdataHandler(BaseHTTPRequestHandler):
    server: FakeUdata

    def log_message(self, *args) -> None:
        pass

    def reply(self, status: int, body: object = None, *, html: str | None = None) -> None:
        data = html.encode() if html is not None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html" if html is not None else "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))

    def handle_any(self) -> None:
        raw = self.body()
        if self.server.fail_next > 0:
            self.server.fail_next -= 1
            return self.reply(502, {"message": "Bad Gateway"})
        path = self.path.split("?")[0]
        if len(raw) > self.server.max_upload:
            return self.reply(413, html="<html><title>413 Request Entity Too Large</title></html>")
        authorised = self.headers.get("X-API-KEY") == self.server.api_key
        if (self.command != "GET" or path == "/api/1/me/datasets/") and not authorised:
            return self.reply(401, {"message": "Invalid API Key", "status": 401})
        for pattern, handler in ROUTES:
            match = re.fullmatch(pattern, path)
            if match and handler[0] == self.command:
                return handler[1](self, raw, *match.groups())
        return self.reply(404, {"message": "The requested URL was not found on the server."})

    do_GET = do_POST = do_PUT = handle_any

    def dataset(self, key: str) -> dict | None:
        found = self.server.datasets.get(key)
        return found or next((d for d in self.server.datasets.values() if d["slug"] == key), None)

    def get_dataset(self, raw: bytes, key: str) -> None:
        dataset = self.dataset(key)
        if dataset is None:
            return self.reply(404, {"message": "Not Found", "status": 404})
        self.reply(200, dataset)

    def my_datasets(self, raw: bytes) -> None:
        self.reply(200, list(self.server.datasets.values()))

    def create_dataset(self, raw: bytes) -> None:
        payload = json.loads(raw)
        if not payload.get("title"):
            return self.reply(400, {"errors": {"title": ["This field is required."]}})
        dataset_id = self.server.new_id()
        dataset = {"id": dataset_id, "slug": f"atlas-{dataset_id[-4:]}", "resources": []}
        dataset.update(payload)
        self.server.datasets[dataset_id] = dataset
        self.server.writes.append(f"create {dataset_id}")
        self.reply(201, dataset)

    def update_dataset(self, raw: bytes, key: str) -> None:
        dataset = self.dataset(key)
        if dataset is None:
            return self.reply(404, {"message": "Not Found", "status": 404})
        dataset.update(json.loads(raw))
        self.server.writes.append(f"update {key}")
        self.reply(200, dataset)

    def uploaded_file(self, raw: bytes) -> tuple[str, bytes]:
        message = BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + raw
        )
        part = next(
            p
            for p in message.iter_parts()
            if p.get_param("name", header="content-disposition") == "file"
        )
        return part.get_filename(), part.get_payload(decode=True)

    def store_file(self, resource: dict, name: str, data: bytes) -> None:
        resource.update(
            url=f"{self.server.url}/files/{resource['id']}/{name}",
            filesize=len(data),
            checksum={"type": "sha1", "value": hashlib.sha1(data).hexdigest()},
            filetype="file",
            type="main",
        )

    def answer_upload(self, status: int, resource: dict) -> None:
        if self.server.fail_after_write:
            self.server.fail_after_write = False
            return self.reply(502, {"message": "Bad Gateway"})
        self.reply(status, resource)

    def upload(self, raw: bytes, key: str) -> None:
        dataset = self.dataset(key)
        if dataset is None:
            return self.reply(404, {"message": "Not Found", "status": 404})
        name, data = self.uploaded_file(raw)
        resource = {"id": self.server.new_id(), "title": name, "format": name.rsplit(".", 1)[-1]}
        self.store_file(resource, name, data)
        dataset["resources"].append(resource)
        self.server.writes.append(f"upload {name}")
        self.answer_upload(201, resource)

    def resource(self, key: str, rid: str) -> dict | None:
        dataset = self.dataset(key) or {"resources": []}
        return next((r for r in dataset["resources"] if r["id"] == rid), None)

    def replace(self, raw: bytes, key: str, rid: str) -> None:
        resource = self.resource(key, rid)
        if resource is None:
            return self.reply(404, {"message": "Not Found", "status": 404})
        name, data = self.uploaded_file(raw)
        self.store_file(resource, name, data)
        self.server.writes.append(f"replace {resource['title']}")
        self.answer_upload(200, resource)

    def update_resource(self, raw: bytes, key: str, rid: str) -> None:
        resource = self.resource(key, rid)
        if resource is None:
            return self.reply(404, {"message": "Not Found", "status": 404})
        resource.update(json.loads(raw))
        self.server.writes.append(f"edit {resource['title']}")
        self.reply(200, resource)


ROUTES = [
    (r"/api/1/datasets/", ("POST", UdataHandler.create_dataset)),
    (r"/api/1/me/datasets/", ("GET", UdataHandler.my_datasets)),
    (r"/api/1/datasets/([^/]+)/", ("GET", UdataHandler.get_dataset)),
    (r"/api/1/datasets/([^/]+)/", ("PUT", UdataHandler.update_dataset)),
    (r"/api/1/datasets/([^/]+)/upload/", ("POST", UdataHandler.upload)),
    (r"/api/1/datasets/([^/]+)/resources/([^/]+)/upload/", ("POST", UdataHandler.replace)),
    (r"/api/1/datasets/([^/]+)/resources/([^/]+)/", ("PUT", UdataHandler.update_resource)),
]


@pytest.fixture
def udata_portal() -> Iterator[FakeUdata]:
    server = FakeUdata()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def sample_variant(store_dir: Path, *, drop=(), amount: tuple[str, str, str] | None = None) -> Path:
    """Build the bundled sample without the pages of `drop` (prjIds), and with one amount of one
    page's financing table changed (`(prjId, old, new)`, a plain text edit of the page)."""
    from dataclasses import replace

    from atlas_ld.graph.pipeline import build
    from atlas_ld.sample.corpus import sample_pages

    pages = []
    for page in sample_pages():
        prj = Path(page.source).stem
        if prj in drop:
            continue
        if amount is not None and prj == amount[0]:
            assert amount[1].encode() in page.body, f"{amount[1]} not on page {prj}"
            page = replace(page, body=page.body.replace(amount[1].encode(), amount[2].encode(), 1))
        pages.append(page)
    build(pages, store_dir, base=BASE, use_cache=False)
    return store_dir
