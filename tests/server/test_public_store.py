"""The copy of the store without personal data that the server reads."""

from __future__ import annotations

import hashlib
import shutil

import pyoxigraph as ox

from atlas_ld.store.public_copy import STAMP, public_copy


def _graphs(path) -> set[str]:
    return {g.value for g in ox.Store.read_only(str(path)).named_graphs()}


def test_copy_leaves_out_personal_graphs_only(sample_store, tmp_path):
    store_dir = tmp_path / "store"
    shutil.copytree(sample_store, store_dir)
    copy = public_copy(store_dir)
    source_graphs, copied = _graphs(store_dir), _graphs(copy)
    assert any("/graph/personal/" in g for g in source_graphs)
    assert copied == {g for g in source_graphs if "/graph/personal/" not in g}
    source = ox.Store.read_only(str(store_dir))
    for graph in list(copied)[:5]:
        node = ox.NamedNode(graph)
        assert set(ox.Store.read_only(str(copy)).quads_for_pattern(None, None, None, node)) == set(
            source.quads_for_pattern(None, None, None, node)
        )


def test_copy_is_remade_only_when_the_store_changes(sample_store, tmp_path):
    store_dir = tmp_path / "store"
    shutil.copytree(sample_store, store_dir)
    copy = public_copy(store_dir)
    stamp = (copy / STAMP).stat().st_mtime_ns
    assert public_copy(store_dir) == copy
    assert (copy / STAMP).stat().st_mtime_ns == stamp
    manifest = store_dir / "atlas-ld.json"
    manifest.write_text(manifest.read_text().replace('"quads"', '"quads" ', 1))
    public_copy(store_dir)
    assert (copy / STAMP).read_text() == hashlib.sha256(manifest.read_bytes()).hexdigest()
    assert (copy / STAMP).stat().st_mtime_ns != stamp
    assert not list(tmp_path.glob("store.public.new-*"))
