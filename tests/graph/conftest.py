"""Fixtures of the graph tests: the seed page, and real stores built from it and from the sample."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph
import pytest

from atlas_ld.core.model import Page
from atlas_ld.graph.pipeline import build
from atlas_ld.harvest.archive_writer import Archive, Fetched
from atlas_ld.parse.source import read_page
from atlas_ld.sample.corpus import atlas_url
from atlas_ld.store.disk import open_store

DATA = Path(__file__).parent / "data"
SEED = DATA / "seed.txt"


def seed_variant(tmp_path: Path, old: str, new: str, name: str = "variant.txt") -> Path:
    """A copy of the seed page with one piece of text replaced (to break or change it)."""
    text = SEED.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def seed_page() -> Page:
    return read_page(str(SEED))


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory, seed_page) -> pyoxigraph.Store:
    store_dir = tmp_path_factory.mktemp("seed") / "store"
    build([seed_page], store_dir, processes=1, use_cache=False)
    return open_store(store_dir, read_only=True)


@pytest.fixture(scope="session")
def sample_store_dir(built_sample) -> Path:
    return built_sample


@pytest.fixture(scope="session")
def sample_store(sample_store_dir) -> pyoxigraph.Store:
    return open_store(sample_store_dir, read_only=True)


def archive_seed(root, prj_id: int, run: str = "run1", body: bytes | None = None) -> None:
    """One capture of the seed page (or `body`) written to the archive at `root`, as the
    harvester writes it."""
    body = body or SEED.read_bytes()
    url = atlas_url(prj_id)
    with Archive(root, run) as archive:
        archive.add_good(
            Fetched(
                prj_id=prj_id,
                page_url=url,
                url=url,
                status=200,
                reason="OK",
                http_version="HTTP/1.1",
                headers=[("Content-Type", "text/plain; charset=utf-8")],
                raw=body,
                body=body,
                request_headers=[("User-Agent", "atlas-ld test")],
                fetched_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
            )
        )
