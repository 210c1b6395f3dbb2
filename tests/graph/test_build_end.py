"""The steps that run after the store swap (public copy, search index, canned answers): what they
write, and that an unchanged rebuild does not redo them. Their speed is measured in
benchmarks/bench_build.py, not here."""

from __future__ import annotations

import shutil
from dataclasses import replace
from decimal import Decimal

import pyoxigraph as ox

from atlas_ld.core.namespaces import FOAF, VCARD
from atlas_ld.graph.pipeline import build, build_sample
from atlas_ld.sample.corpus import sample_pages
from atlas_ld.store.answers import Precomputation, answers_root, precompute
from atlas_ld.store.canned import get_query, list_queries, run_query
from atlas_ld.store.disk import read_manifest
from atlas_ld.store.public_copy import current_copy, public_copy
from atlas_ld.store.search_index import index_path

# Two financing rows of one named funder with two names, one row of a funder the page does not
# name: expected totals written by hand.
FINANCING = """
@prefix atlas: <https://atlas-ld.example/def/atlas#> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <https://atlas-ld.example/id/> .

<https://atlas-ld.example/graph/partnership/1> {
  id:partnership\\/1 atlas:financing id:f1, id:f2, id:f3 .
  id:f1 a atlas:Financing ; schema:funder id:actor\\/a ; atlas:year "2019"^^xsd:gYear ;
    schema:amount [ schema:value 100.10 ; atlas:waterOudinPart 5.5 ] .
  id:f2 a atlas:Financing ; schema:funder id:actor\\/a ; atlas:year "2019"^^xsd:gYear ;
    schema:amount [ schema:value 50 ] .
  id:f3 a atlas:Financing ; schema:funder id:partnership\\/1\\/funder\\/autre ;
    atlas:year "2019"^^xsd:gYear ; schema:amount [ schema:value 7 ] .
  id:partnership\\/1\\/funder\\/autre schema:name "Autre" .
}
<https://atlas-ld.example/graph/reference> {
  id:actor\\/a schema:name "Région B", "Région A" .
}
"""


def test_financing_by_funder_counts_a_funder_with_several_names_once():
    """Rewritten to grow linearly (it grew with the square of the corpus): an actor with two
    names must still count each of its financing rows once, under its first name."""
    store = ox.Store()
    store.load(FINANCING.encode(), ox.RdfFormat.TRIG)
    rows = run_query(store, get_query("financing-by-funder")).records()
    assert [
        (r["funder"], r["year"], Decimal(str(r["total_eur"])), r["rows"], r["funder_named"])
        for r in rows
    ] == [
        ("Autre", 2019, Decimal(7), 1, False),
        ("Région A", 2019, Decimal("150.10"), 2, True),
    ]
    assert Decimal(str(rows[1]["total_water_oudin_eur"])) == Decimal("5.5")


def _quads(path) -> set[ox.Quad]:
    return set(ox.Store.read_only(str(path)).quads_for_pattern(None, None, None))


def test_public_copy_holds_every_quad_of_the_store_but_the_personal_graphs(built_sample, tmp_path):
    store_dir = tmp_path / "store"
    shutil.copytree(built_sample, store_dir)
    source = _quads(store_dir)
    expected = {q for q in source if "/graph/personal/" not in str(q.graph_name)}
    assert len(expected) < len(source)
    assert _quads(public_copy(store_dir)) == expected


def test_an_unchanged_rebuild_keeps_the_search_index(tmp_path):
    """The index was rewritten by every build, even one that changed nothing."""
    store_dir = tmp_path / "store"
    build_sample(store_dir)
    index = index_path(store_dir)
    written = index.stat().st_mtime_ns, index.stat().st_ino
    build_sample(store_dir)
    assert (index.stat().st_mtime_ns, index.stat().st_ino) == written


def test_an_answer_too_big_to_keep_does_not_make_every_rebuild_run_its_query(
    built_sample, tmp_path
):
    """Canned answers were computed again by every unchanged rebuild when one of the two formats
    was over the size kept (at Atlas scale the JSON of `roles`: 15 s of a 18 s rebuild)."""
    store_dir = tmp_path / "store"
    shutil.copytree(built_sample, store_dir)
    # 30 kB: the JSON answers of `actors` and `financing-by-funder` are over it on the sample,
    # their CSV answers under it.
    first = precompute(store_dir, max_bytes=30_000, budget=None)
    kept = {p.name for p in answers_root(store_dir).glob("*/*.json")}
    assert 0 < first == len(kept) < 2 * len(list_queries())
    assert precompute(store_dir, max_bytes=30_000, budget=None) == 0
    assert {p.name for p in answers_root(store_dir).glob("*/*.json")} == kept


def test_canned_answers_computed_in_a_child_process_are_kept(built_sample, tmp_path):
    store_dir = tmp_path / "store"
    shutil.copytree(built_sample, store_dir)
    job = Precomputation.start(store_dir)
    assert job.wait() == 2 * len(list_queries())


def _personal_texts(store_dir) -> set[str]:
    """Contacts' full names and e-mail addresses, as the store's personal graphs hold them."""
    name, email = ox.NamedNode(f"{FOAF}name"), ox.NamedNode(f"{VCARD}hasEmail")
    return {
        q.object.value
        for q in ox.Store.read_only(str(store_dir)).quads_for_pattern(None, None, None)
        if "/graph/personal/" in str(q.graph_name) and q.predicate in (name, email)
    }


def _bytes_of(folder) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file())


def _changed_title(pages, index: int):
    page = pages[index]
    body = page.body.replace("Coopération".encode(), "Coopération modifiée".encode(), 1)
    assert body != page.body
    return [*pages[:index], replace(page, body=body), *pages[index + 1 :]]


def test_the_build_writes_the_public_copy_without_ever_holding_personal_data(tmp_path):
    """The copy was a backup of the store with the personal graphs removed: 7.8 s on 12,700
    pages, and its files kept the removed texts. It is now written first, from the public quads
    only, and the store is made from it; a rebuild patches the previous copy."""
    store_dir = tmp_path / "store"
    pages = sample_pages()
    build(pages, store_dir, processes=1)
    copy = public_copy(store_dir)  # the build's: current, so not remade here
    assert copy == store_dir.with_name("store.public")
    expected = {q for q in _quads(store_dir) if "/graph/personal/" not in str(q.graph_name)}
    assert _quads(copy) == expected
    personal = _personal_texts(store_dir)
    assert any(text.startswith("mailto:") for text in personal)
    files = _bytes_of(copy)
    assert not [text for text in personal if text.encode() in files]

    report = build(_changed_title(pages, 3), store_dir, processes=1)
    assert report.reused == len(pages) - 1
    assert current_copy(store_dir) == copy
    expected = {q for q in _quads(store_dir) if "/graph/personal/" not in str(q.graph_name)}
    titles = [q.object.value for q in expected if isinstance(q.object, ox.Literal)]
    assert any("Coopération modifiée" in title for title in titles)
    assert _quads(copy) == expected
    files = _bytes_of(copy)
    assert not [text for text in _personal_texts(store_dir) if text.encode() in files]
    memory_copy = tmp_path / "store.public.nq"  # the memory engine's N-Quads, from the copy
    if memory_copy.exists():
        assert not [t for t in _personal_texts(store_dir) if t.encode() in memory_copy.read_bytes()]
    leftovers = [
        p for p in tmp_path.glob("store.public.*") if not p.name.startswith(memory_copy.name)
    ]
    assert not list(tmp_path.glob("store.new-*")) and not leftovers


def test_a_patched_store_counts_its_quads_right(tmp_path):
    """A rebuild counts the quads of the graphs it replaces instead of the whole store."""
    store_dir = tmp_path / "store"
    pages = sample_pages()
    build(pages, store_dir, processes=1)
    for changed in (_changed_title(pages, 3), pages[1:], pages[2:] + pages[:1]):
        report = build(changed, store_dir, processes=1)
        assert 0 < report.reused < report.pages
        assert read_manifest(store_dir).quads == report.quads == len(_quads(store_dir))


def test_canned_answers_are_computed_by_the_build_only_when_asked(tmp_path):
    """Left to the server's first start by default (the build is as fast as before they were
    added); `build --answers` computes them."""
    store_dir = tmp_path / "store"
    build(sample_pages(), store_dir, processes=1)
    assert not list(answers_root(store_dir).glob("*/*.json"))
    report = build(sample_pages(), store_dir, processes=1, answers=True)
    assert "canned answers" in report.steps
    assert len(list(answers_root(store_dir).glob("*/*.json"))) == 2 * len(list_queries())


def test_a_rebuild_that_changes_nothing_keeps_the_store_and_its_copy(tmp_path):
    """It wrote a new generation of the same quads (and remade the copy): 2 s on 12,700 pages."""
    store_dir = tmp_path / "store"
    first = build(sample_pages(), store_dir, processes=1)
    served, copy = store_dir.resolve(), current_copy(store_dir)
    copy_inode = copy.stat().st_ino
    again = build(sample_pages(), store_dir, processes=1)
    assert again.reused == again.pages and again.quads == first.quads
    assert store_dir.resolve() == served
    assert current_copy(store_dir) == copy and copy.stat().st_ino == copy_inode


def test_a_patched_store_and_copy_hold_what_a_fresh_build_writes(tmp_path):
    """A rebuild patches the store and its copy (and keeps the reference graph when its digest
    is unchanged): both must end as a build from scratch of the same pages."""
    pages = sample_pages()
    patched, fresh = tmp_path / "patched", tmp_path / "fresh"
    build(pages[2:], patched, processes=1)
    build(_changed_title(pages, 3), patched, processes=1)  # two pages more: new shared nodes
    build(_changed_title(pages, 3), fresh, processes=1, use_cache=False)
    assert _quads(patched) == _quads(fresh)
    assert _quads(current_copy(patched)) == _quads(current_copy(fresh))
    assert read_manifest(patched).reference == read_manifest(fresh).reference
