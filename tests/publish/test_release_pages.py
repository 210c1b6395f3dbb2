"""The server says which release it serves, how to cite it, what changed in it and the quality
findings, in French and English (a real `atlas-ld serve` on loopback)."""

from __future__ import annotations

import html
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import requests
from rdflib.namespace import SH

from atlas_ld.core.release import ReleaseManifest
from atlas_ld.publish.release import dump

from .conftest import BASE, sample_variant

ATLAS_LD = Path(sys.executable).with_name("atlas-ld")


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """NEW of test_diff (134 added, 135 removed, an amount of 106 changed), released with
    `--previous` OLD's release, and served."""
    root = tmp_path_factory.mktemp("served")
    old = sample_variant(root / "old", drop=("134",))
    new = sample_variant(root / "new", drop=("135",), amount=("106", "45500", "45600"))
    dump(ox.Store.read_only(str(old)), root / "r-old", base=BASE, store_dir=old)
    dump(
        ox.Store.read_only(str(new)),
        root / "r-new",
        base=BASE,
        store_dir=new,
        previous=root / "r-old",
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [str(ATLAS_LD), "serve", "--store", str(new), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            pytest.fail(f"server exited: {process.stderr.read().decode()}")
        try:
            requests.get(f"{url}/sparql", timeout=1)
            break
        except requests.RequestException:  # not listening yet, or too busy to answer
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail("server did not start")
            time.sleep(0.1)
    try:
        yield url, root / "r-new"
    finally:
        process.terminate()
        process.wait(timeout=20)


def page(url: str, path: str, lang: str) -> str:
    response = requests.get(f"{url}{path}", params={"lang": lang}, timeout=120)  # a busy machine
    assert response.status_code == 200, response.text[:500]
    return html.unescape(response.text)


def test_home_says_which_release_and_how_to_cite_it(served):
    url, release = served
    manifest = ReleaseManifest.read(release)
    french = page(url, "/", "fr")
    assert f"Ce serveur sert la version {manifest.release_id}." in french
    assert f"{BASE}dataset/atlas/release/{manifest.release_id}" in french
    english = page(url, "/", "en")
    assert f"This server serves release {manifest.release_id}." in english
    assert "To cite this release:" in english


@pytest.mark.parametrize(
    ("lang", "heading", "field"),
    [
        ("fr", "Ce qui a changé dans cette version", "Financement Conseil départemental"),
        ("en", "What changed in this release", "Financing Conseil départemental"),
    ],
)
def test_changes_page_in_both_languages(served, lang: str, heading: str, field: str):
    url, release = served
    text = page(url, "/changes", lang)
    assert heading in text
    assert f"{field} de la Côte-d'Or, 2007" in text
    assert "45500 EUR (1 % eau : 0)" in text and "45600 EUR (1 % eau : 0)" in text
    assert 'href="/id/partnership/134"' in text  # added: a link to its page
    assert 'href="/id/partnership/135"' not in text  # removed: no page any more
    assert ReleaseManifest.read(release).previous in text


@pytest.mark.parametrize(("lang", "label"), [("fr", "Avertissement"), ("en", "Warning")])
def test_quality_page_lists_the_findings_with_links(served, lang: str, label: str):
    url, release = served
    report = rdflib.Graph().parse(release / "quality" / "shacl-report.ttl")
    per_severity = Counter(
        str(report.value(r, SH.resultSeverity)).split("#")[1]
        for r in report.subjects(rdflib.RDF.type, SH.ValidationResult)
    )
    text = page(url, "/quality", lang)
    assert f"{label}</a> : <strong>{per_severity['Warning']}</strong>" in text
    assert 'href="/id/partnership/106"' in text


def test_pages_say_when_the_store_was_rebuilt_after_the_release(tmp_path: Path):
    from types import SimpleNamespace

    from atlas_ld.serve.views.changes import release_note

    store = sample_variant(tmp_path / "store")
    dump(ox.Store.read_only(str(store)), tmp_path / "release", base=BASE, store_dir=store)
    site = SimpleNamespace(config=SimpleNamespace(store=store))
    assert release_note(site).current
    sample_variant(store, amount=("106", "45500", "45600"))  # rebuilt, not released
    assert not release_note(site).current
