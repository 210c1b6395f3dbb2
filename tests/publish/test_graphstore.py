"""Publishing to a real Oxigraph server through the Graph Store Protocol, and failure handling."""

from __future__ import annotations

import base64
import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from click.testing import CliRunner

from atlas_ld.cli import main
from atlas_ld.core.errors import PublishError
from atlas_ld.publish import tables
from atlas_ld.publish.graph_store import publish_graphs
from atlas_ld.store.repo import open_repo

COUNT_QUADS = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def remote_select_csv(url: str, query: str) -> list[str]:
    response = requests.get(
        f"{url}/query", params={"query": query}, headers={"Accept": "text/csv"}, timeout=30
    )
    response.raise_for_status()
    header, *rows = response.content.decode("utf-8").splitlines()
    return [header, *sorted(rows)]


def local_select_csv(store: ox.Store, query: tables.TableQuery) -> list[str]:
    header, *rows = tables.csv_bytes(tables.run_table(store, query)).decode().splitlines()
    return [header, *sorted(rows)]


def public_graphs(store: ox.Store) -> int:
    return sum(1 for g in store.named_graphs() if "/graph/personal/" not in str(g))


def published_quads(store: ox.Store) -> int:
    return sum(
        1
        for q in store.quads_for_pattern(None, None, None, None)
        if "/graph/personal/" not in str(q.graph_name)
    )


def test_publish_twice_gives_the_same_answers(store: ox.Store, oxigraph_server: str):
    for _ in range(2):
        report = publish_graphs(store, f"{oxigraph_server}/store", batch_size=50)
        assert report.graphs == public_graphs(store)
        assert report.requests > report.graphs  # the larger graphs went in several batches
        count = remote_select_csv(oxigraph_server, COUNT_QUADS)
        assert count == ["n", str(published_quads(store))]
    for query in tables.table_queries():
        assert remote_select_csv(oxigraph_server, query.sparql) == local_select_csv(store, query)
    personal = remote_select_csv(
        oxigraph_server,
        "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER CONTAINS(STR(?g), 'personal') }",
    )
    assert personal == ["g"]


def store_graphs(store_dir: Path) -> list:
    return list(ox.Store.read_only(str(store_dir)).named_graphs())


def test_cli_graph_store(store_dir: Path, oxigraph_server: str):
    args = ["publish", "graph-store", f"{oxigraph_server}/store", "--store", str(store_dir)]
    result = CliRunner().invoke(main, [*args, "--include-personal-data"])
    assert result.exit_code == 0, result.output
    assert f"{len(list(store_graphs(store_dir)))} graphs" in result.output
    store = ox.Store.read_only(str(store_dir))
    assert remote_select_csv(oxigraph_server, COUNT_QUADS) == ["n", str(len(store))]


class Flaky(BaseHTTPRequestHandler):
    """Answers 503 to the first `failures` requests, then 204; or 401 when `status` says so."""

    failures = 0
    status = 204
    seen: list[tuple[str, str]]
    authorizations: list[str | None]

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        self.seen.append((self.command, self.path))
        self.authorizations.append(self.headers.get("Authorization"))
        if Flaky.failures > 0:
            Flaky.failures -= 1
            self.send_response(503)
        else:
            self.send_response(Flaky.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_PUT = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def flaky_url() -> Iterator[str]:
    Flaky.seen, Flaky.authorizations = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/store"
    server.shutdown()
    server.server_close()


def test_retries_on_5xx(store: ox.Store, flaky_url: str):
    Flaky.failures, Flaky.status = 2, 204
    report = publish_graphs(store, flaky_url, backoff_s=0)
    assert report.retries == 2
    assert report.graphs == public_graphs(store)
    assert all(method == "PUT" for method, _ in Flaky.seen)


def test_gives_up_and_refuses_clearly(store: ox.Store, flaky_url: str):
    Flaky.failures, Flaky.status = 100, 204
    with pytest.raises(PublishError, match="gave up after 3 attempts: HTTP 503"):
        publish_graphs(store, flaky_url, retries=2, backoff_s=0)
    Flaky.failures, Flaky.status = 0, 401
    with pytest.raises(PublishError, match="refused the credentials"):
        publish_graphs(store, flaky_url, auth=("me", "wrong"), backoff_s=0)


def test_cli_credentials(store_dir: Path, flaky_url: str, monkeypatch):
    Flaky.failures, Flaky.status = 0, 204
    monkeypatch.setenv("TEST_GSP_AUTH", "atlas:s3cret")
    args = ["publish", "graph-store", flaky_url, "--store", str(store_dir)]
    result = CliRunner().invoke(main, [*args, "--auth-env", "TEST_GSP_AUTH"])
    assert result.exit_code == 0, result.output
    expected = "Basic " + base64.b64encode(b"atlas:s3cret").decode()
    assert set(Flaky.authorizations) == {expected}
    bad = CliRunner().invoke(main, [*args, "--auth", "no-colon"])
    assert bad.exit_code == 1 and "USER:PASSWORD" in bad.output
    Flaky.status = 403
    refused = CliRunner().invoke(main, [*args, "--auth", "atlas:wrong", "--retries", "0"])
    assert refused.exit_code == 1 and "refused the credentials (HTTP 403)" in refused.output


class Crash(Exception):
    """Stands for the process dying between two batches."""


def test_an_interrupted_push_resumes_where_it_stopped(store_dir, oxigraph_server, tmp_path):
    copy = tmp_path / "store"
    shutil.copytree(store_dir, copy)
    repo = open_repo(copy)
    url = f"{oxigraph_server}/store"
    seen: list[int] = []

    def crash_after_two_batches(done: int, total: int, triples: int) -> None:
        seen.append(done)
        if len(seen) == 2:
            raise Crash

    with pytest.raises(Crash):
        publish_graphs(repo, url, batch_size=500, store_dir=copy, progress=crash_after_two_batches)
    note = json.loads((tmp_path / "store.graph-store.json").read_text())
    assert len(note["loaded"]) == seen[-1] > 0
    report = publish_graphs(repo, url, batch_size=500, store_dir=copy)
    assert report.resumed == seen[-1]
    assert report.graphs + report.resumed == public_graphs(ox.Store.read_only(str(copy)))
    assert remote_select_csv(oxigraph_server, COUNT_QUADS) == [
        "n",
        str(published_quads(ox.Store.read_only(str(copy)))),
    ]
    assert not (tmp_path / "store.graph-store.json").exists()
    # Another store version or another URL starts from the beginning.
    again = publish_graphs(repo, url, batch_size=500, store_dir=copy)
    assert again.resumed == 0 and again.method == "dataset"


def test_graph_by_graph_and_bulk_leave_the_same_graphs(store_dir, oxigraph_server):
    repo = open_repo(store_dir)
    url = f"{oxigraph_server}/store"
    expected = ["n", str(published_quads(ox.Store.read_only(str(store_dir))))]
    for method in ("graph", "dataset", "graph"):
        report = publish_graphs(repo, url, method=method, batch_size=200)
        assert report.method == method
        assert remote_select_csv(oxigraph_server, COUNT_QUADS) == expected
