"""The build cache follows the code (issue 9, item 7) and stays bounded (issue 10, item 8)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import atlas_ld
from atlas_ld.core.resources import queries_dir
from atlas_ld.graph.cache import fingerprint
from atlas_ld.graph.pipeline import build
from atlas_ld.sample.corpus import sample_pages

from .conftest import SEED

_BUILD = """
import sys
from pathlib import Path
from atlas_ld.graph.pipeline import build
from atlas_ld.parse.source import read_page
report = build([read_page(sys.argv[1])], Path(sys.argv[2]), cache_dir=Path(sys.argv[3]),
               processes=1)
print(report.reused)
"""


def _build_with(package_parent: Path, store: Path, cache: Path) -> int:
    """Build the seed page with the atlas_ld package found in `package_parent`."""
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    done = subprocess.run(
        [sys.executable, "-c", _BUILD, str(SEED), str(store), str(cache)],
        env=env,
        cwd=package_parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[-1])


def _ministry_names(store: Path) -> set[str]:
    return {line for line in _nquads(store) if "Minist" in line and "schema.org/name" in line}


def _nquads(store: Path) -> set[str]:
    from atlas_ld.store.disk import open_store

    return {str(q) for q in open_store(store, read_only=True)}


def test_changing_a_mapping_constant_changes_the_output_of_a_cached_rebuild(tmp_path):
    """Issue 9: the cache was keyed on `__version__`, so a rebuild after a change to the mapping
    reused every cached page and published the old output."""
    copy = tmp_path / "src"  # laid out as a checkout: queries/ beside src/
    shutil.copytree(
        Path(atlas_ld.__file__).parent,
        copy / "atlas_ld",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copytree(queries_dir(), tmp_path / "queries")
    cache = tmp_path / "cache"
    assert _build_with(copy, tmp_path / "first", cache) == 0
    assert _build_with(copy, tmp_path / "again", cache) == 1  # unchanged code: from the cache
    mapping = copy / "atlas_ld" / "graph" / "mapping.py"
    text = mapping.read_text(encoding="utf-8")
    old = 'MINISTRY = "Ministère de l\'Europe et des Affaires étrangères"'
    assert old in text
    mapping.write_text(text.replace(old, 'MINISTRY = "Ministère des Affaires étrangères"'), "utf-8")
    assert _build_with(copy, tmp_path / "changed", cache) == 0
    assert _ministry_names(tmp_path / "first") != _ministry_names(tmp_path / "changed")
    assert any(
        "Ministère des Affaires étrangères" in q for q in _ministry_names(tmp_path / "changed")
    )


def test_the_fingerprint_covers_sources_shapes_ontology_and_reference_tables():
    from atlas_ld.graph import cache

    names = [name for name, _ in cache._files(cache.files("atlas_ld"))]
    assert "graph/mapping.py" in names and "data/regions.csv" in names
    assert not [name for name in names if name.startswith("data/sample/")]
    assert len(fingerprint()) == 64


def _entries(cache: Path) -> set[str]:
    return {p.name for p in cache.rglob("*.nq")}


def test_the_cache_keeps_only_the_entries_the_last_build_used(tmp_path):
    """Issue 10: the cache kept every version of every page and kept filling the disk."""
    pages = sample_pages()[:4]
    cache = tmp_path / "cache"
    build(pages, tmp_path / "S", cache_dir=cache, processes=1)
    first = _entries(cache)
    assert len(first) == 4
    edited = [replace(pages[0], body=pages[0].body + b"\n<!-- v2 -->"), *pages[1:3]]
    report = build(edited, tmp_path / "S", cache_dir=cache, processes=1)
    assert report.reused == 2
    now = _entries(cache)
    assert len(now) == 3 and len(now & first) == 2
    assert not list(cache.rglob("*.tmp"))


def test_a_cache_that_cannot_be_written_is_a_warning_not_a_failure(tmp_path, seed_page):
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    report = build([seed_page], tmp_path / "S", cache_dir=blocked, processes=1)
    assert report.partnerships == 1 and not report.failed
    assert any("cache not written" in w for w in report.warnings)
