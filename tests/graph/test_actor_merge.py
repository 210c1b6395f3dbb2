"""An authority linked by its Atlas id on one page and only named on another is one actor."""

from __future__ import annotations

from pathlib import Path

from atlas_ld.core.resources import data_dir
from atlas_ld.graph.pipeline import build
from atlas_ld.parse.source import read_page
from atlas_ld.store.disk import open_store

from .conftest import seed_variant

REGION = "Conseil régional de la Nouvelle-Aquitaine"
QUERY = f"""
SELECT DISTINCT ?actor WHERE {{ ?actor <https://schema.org/name> "{REGION}" }}
"""


def _actors_named(store_dir: Path) -> list[str]:
    store = open_store(store_dir, read_only=True)
    rows = store.query(QUERY, use_default_graph_as_union=True)
    return sorted(row["actor"].value for row in rows)


def _quads(store_dir: Path) -> set[str]:
    store = open_store(store_dir, read_only=True)
    return {str(q) for q in store.quads_for_pattern(None, None, None, None)}


def _pages(tmp_path: Path):
    # The seed in HTML links the region to its Atlas page; the text rendering cannot, and a
    # second partnership in text form names the same region as authority and funder.
    linked = read_page(str(data_dir() / "sample" / "17384.html"))
    named = read_page(str(seed_variant(tmp_path, "FFQCD 2011-2012", "FFQCD 2013-2014")))
    return linked, named


def test_named_and_linked_authority_is_one_actor(tmp_path):
    linked, named = _pages(tmp_path)
    alone = tmp_path / "alone"
    build([named], alone, processes=1, use_cache=False)
    assert _actors_named(alone) == [
        "https://atlas-ld.example/id/actor/conseil-regional-de-la-nouvelle-aquitaine"
    ]

    both = tmp_path / "both"
    build([linked, named], both, processes=1, use_cache=False)
    assert _actors_named(both) == ["https://atlas-ld.example/id/actor/atlas-49153"]


def test_a_rebuild_that_adds_the_link_merges_like_a_fresh_build(tmp_path):
    linked, named = _pages(tmp_path)
    store = tmp_path / "store"
    build([named], store, processes=1)
    build([linked, named], store, processes=1)  # incremental: starts from the first store
    fresh = tmp_path / "fresh"
    build([linked, named], fresh, processes=1, use_cache=False)
    assert _quads(store) == _quads(fresh)
    assert _actors_named(store) == ["https://atlas-ld.example/id/actor/atlas-49153"]
