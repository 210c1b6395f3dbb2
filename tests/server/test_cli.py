"""`atlas-ld serve` on a fresh machine: no store yet, so it builds the sample and serves it."""

from __future__ import annotations

import subprocess

import requests

from .conftest import ATLAS, ATLAS_LD, start_server

COUNT = f"SELECT (COUNT(*) AS ?n) {{ ?p a <{ATLAS}Partnership> }}"


def test_serve_without_a_store_builds_the_sample(tmp_path):
    store = tmp_path / "fresh-store"
    for server in start_server(store, "--workers", "1"):
        home = requests.get(f"{server.url}/", headers={"Accept": "text/html"}, timeout=30)
        assert home.status_code == 200 and "partenariats" in home.text
        count = requests.get(
            f"{server.url}/sparql",
            params={"query": COUNT},
            timeout=30,
        )
        assert int(count.json()["results"]["bindings"][0]["n"]["value"]) > 10
    assert (store / "atlas-ld.json").is_file()


def test_a_directory_that_is_not_a_store_is_a_one_line_error(tmp_path):
    (tmp_path / "not-a-store").mkdir()
    done = subprocess.run(
        [str(ATLAS_LD), "serve", "--store", str(tmp_path / "not-a-store")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert done.stderr.startswith("atlas-ld: error: ")
    assert "not an atlas-ld store" in done.stderr and "Traceback" not in done.stderr


def test_help_documents_the_limits():
    done = subprocess.run([str(ATLAS_LD), "serve", "--help"], capture_output=True, text=True)
    for option in (
        "--timeout",
        "--max-rows",
        "--max-body",
        "--workers",
        "--base",
        "--include-personal-data",
        "--query-memory",
        "--max-result-bytes",
        "--public-url",
        "--trusted-host",
        "--cache-control",
    ):
        assert option in done.stdout


def test_port_0_binds_a_free_port_and_prints_it(sample_store):
    for server in start_server(sample_store, "--workers", "1"):  # start_server passes --port 0
        port = int(server.url.rsplit(":", 1)[1])
        assert port > 0
        assert f"serving on http://127.0.0.1:{port}/" in server.log()


def test_a_bad_public_url_is_a_one_line_error(sample_store):
    done = subprocess.run(
        [str(ATLAS_LD), "serve", "--store", str(sample_store), "--public-url", "ftp://x"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "atlas-ld: error: not a public URL: 'ftp://x' (give http(s)://host[:port]/[path/])"
    ]
