"""Fixtures shared by every stage's tests: the bundled sample, built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from atlas_ld.graph.pipeline import build_sample


@pytest.fixture(scope="session")
def built_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample corpus built into a store. Read it only: copy it to change it."""
    store_dir = tmp_path_factory.mktemp("sample") / "store"
    build_sample(store_dir)
    return store_dir
