"""A small real store on disk for the publishing tests, loaded from fixture TriG.

The TriG follows docs/design.md's IRIs and graph naming (one graph per page, a personal graph, the
reference graph), so the dump, tables and catalogue are exercised on the shapes the build writes.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

FIXTURE = Path(__file__).with_name("fixture.trig")
BASE = "https://atlas-ld.example/"


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    path = tmp_path / "store"
    store = ox.Store(str(path))
    store.bulk_load(path=str(FIXTURE), format=ox.RdfFormat.TRIG)
    store.flush()
    del store
    return path


@pytest.fixture
def store(store_dir: Path) -> ox.Store:
    return ox.Store.read_only(str(store_dir))
