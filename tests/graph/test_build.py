"""Building stores: same triples every time, incremental rebuilds, failures that lose nothing."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pyoxigraph
import pytest

from atlas_ld.core.errors import StoreError, ValidationFailed
from atlas_ld.core.namespaces import ATLAS
from atlas_ld.graph.pipeline import build
from atlas_ld.parse.source import read_page
from atlas_ld.sample.corpus import sample_pages
from atlas_ld.store.disk import open_store, read_manifest

from .conftest import SEED, seed_variant


def _quads(store_dir: Path) -> set[str]:
    store = open_store(store_dir, read_only=True)
    return {str(q) for q in store.quads_for_pattern(None, None, None, None)}


def _changed(pages, index: int):
    page = pages[index]
    return [*pages[:index], replace(page, body=page.body + b"\n"), *pages[index + 1 :]]


def test_building_twice_gives_the_same_triples(tmp_path, sample_store_dir):
    again = tmp_path / "again"
    build(sample_pages(), again, processes=1, use_cache=False)
    assert _quads(again) == _quads(sample_store_dir)
    report = build(sample_pages(), again, processes=1)  # from a copy of itself, with a cache
    assert _quads(again) == _quads(sample_store_dir)
    assert report.quads == len(_quads(again))


def test_a_rebuild_redoes_only_changed_pages_and_equals_a_fresh_build(tmp_path):
    pages = sample_pages()
    store = tmp_path / "store"
    first = build(pages, store, processes=1)
    assert first.reused == 0
    edited = _changed(pages, 3)[:-1]  # one page changed, the last one gone
    report = build(edited, store, processes=1)
    assert report.reused == len(pages) - 2
    fresh = tmp_path / "fresh"
    build(edited, fresh, processes=1, use_cache=False)
    assert _quads(store) == _quads(fresh)
    assert read_manifest(store).pages == read_manifest(fresh).pages
    assert (tmp_path / "store.previous").is_dir()


def test_a_strict_build_with_violations_leaves_the_store_untouched(tmp_path, seed_page):
    store = tmp_path / "store"
    build([seed_page], store, processes=1)
    before = _quads(store)
    broken = seed_variant(
        tmp_path, "Date de fin du partenariat\n", "Date de fin du partenariat\n2005\n"
    )
    with pytest.raises(ValidationFailed, match="violations"):
        build([read_page(str(broken))], store, processes=1, strict=True)
    assert _quads(store) == before
    names = sorted(p.name for p in tmp_path.iterdir())
    assert not [name for name in names if ".new-" in name or name.endswith(".tmp")]


def test_pages_that_cannot_be_parsed_are_reported_and_the_rest_loaded(tmp_path, seed_page):
    junk = tmp_path / "junk.html"
    junk.write_text("<html><body>Bonjour</body></html>", encoding="utf-8")
    pages = [read_page(str(junk)), seed_page]
    report = build(pages, tmp_path / "store", processes=1, max_failures=0.5)
    assert report.failed == [(str(junk), "parse", "not an Atlas project page (no 'Titre' label)")]
    assert report.partnerships == 1


def test_a_new_base_rebuilds_everything(tmp_path, seed_page):
    store = tmp_path / "store"
    build([seed_page], store, processes=1)
    build([seed_page], store, base="https://data.example.org/atlas/", processes=1)
    quads = _quads(store)
    assert not any("atlas-ld.example/id/" in q for q in quads)
    assert any("https://data.example.org/atlas/id/partnership/" in q for q in quads)


def test_open_store_names_what_is_wrong(tmp_path):
    with pytest.raises(StoreError, match="no store here"):
        open_store(tmp_path / "missing", read_only=True)
    (tmp_path / "empty").mkdir()
    with pytest.raises(StoreError, match="not an atlas-ld store"):
        open_store(tmp_path / "empty", read_only=True)


_COUNT = """
import sys
from atlas_ld.store.disk import open_store
store = open_store(sys.argv[1], read_only=True)
query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?p a <ATLAS:Partnership> } }"
print(next(iter(store.query(query)))["n"].value)
""".replace("ATLAS:", ATLAS)


def _count_in_processes(store_dir: Path, n: int) -> list[str]:
    """Open the store read-only from `n` other processes at once; each counts partnerships."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _COUNT, str(store_dir)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(n)
    ]
    return [proc.communicate(timeout=60)[0].strip() for proc in procs]


def test_readers_keep_working_while_a_build_replaces_the_store(tmp_path, seed_page):
    store_dir = tmp_path / "store"
    build([seed_page], store_dir, processes=1)
    reader = open_store(store_dir, read_only=True)
    assert _count_in_processes(store_dir, 2) == ["1", "1"]
    other = read_page(str(seed_variant(tmp_path, "FFQCD 2011-2012", "FFQCD 2013")))
    build([seed_page, other], store_dir, processes=1)
    assert _count_in_processes(store_dir, 2) == ["2", "2"]
    old = reader.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert int(next(iter(old))["n"].value) > 0  # the handle on the replaced store still answers


def test_seed_text_is_kept_exactly(seed_store):
    title = "FFQCD 2011-2012 : Partenariat en travail social"
    title_prop = pyoxigraph.NamedNode("http://purl.org/dc/terms/title")
    found = [
        q.object
        for q in seed_store.quads_for_pattern(None, title_prop, None, None)
        if "/graph/partnership/" in q.graph_name.value
    ]
    assert found == [pyoxigraph.Literal(title, language="fr")]
    assert SEED.read_text(encoding="utf-8").count(title) == 1


def test_the_sample_corpus_has_no_violations():
    from atlas_ld.graph.pipeline import process_pages

    results, _ = process_pages(sample_pages(), processes=1)
    assert [r.source for r in results if r.error] == []
    violations = [i for r in results for i in r.issues if i.severity == "Violation"]
    assert violations == []


def test_the_notebook_api_mirrors_the_cli(tmp_path, seed_page):
    from atlas_ld import api

    report = api.build([seed_page], store=tmp_path / "store")
    assert report.partnerships == 1
    rows = api.query("financing-by-funder", store=tmp_path / "store", rows=True)
    assert sum(r["total_eur"] for r in rows) == 100000
    frame = api.query("water-oudin", store=tmp_path / "store")
    try:
        import pandas
    except ImportError:
        assert isinstance(frame, list)
    else:
        assert isinstance(frame, pandas.DataFrame)


def test_a_second_build_of_the_same_store_is_refused(tmp_path, seed_page):
    from atlas_ld.store.disk import build_lock

    store = tmp_path / "store"
    with build_lock(store), pytest.raises(StoreError, match="another build"):
        build([seed_page], store, processes=1)
    build([seed_page], store, processes=1)
    assert read_manifest(store).pages


def test_a_partnership_on_two_pages_keeps_the_later_page_from_workers_or_cache(tmp_path):
    pages = sample_pages()
    again = replace(pages[2], source="again.html", body=pages[2].body + b"\n<!-- v2 -->")
    expected = tmp_path / "expected"
    build([*pages[:2], *pages[3:], again], expected, processes=1, use_cache=False)
    for name in ("workers", "from-cache"):  # the second build reads every page from the cache
        store = tmp_path / name
        report = build([*pages, again], store, cache_dir=tmp_path / "cache", processes=2)
        assert any("same partnership" in w for w in report.warnings)
        assert _quads(store) == _quads(expected)
        assert read_manifest(store).pages == read_manifest(expected).pages
    assert report.reused == len(pages) + 1
