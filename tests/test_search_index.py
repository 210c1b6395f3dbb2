"""The search index the build makes from its pages' facts, checked against the index read back
from the store with SPARQL alone.

The oracle is the store: `search_index.write_index` reads every partnership with SPARQL queries
(the path a server on a remote endpoint takes), while the build reads the same facts from each
page's mapped triples in its workers. Both give documents through one assembly, so any fact the
build reads differently from what the store holds shows up as a differing row.
"""

from __future__ import annotations

import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import pyoxigraph
import pytest

from atlas_ld.core.namespaces import ATLAS, DEFAULT_BASE
from atlas_ld.core.resources import data_dir
from atlas_ld.graph.pipeline import build
from atlas_ld.parse.source import read_page
from atlas_ld.sample.corpus import copy_corpus, generate
from atlas_ld.store import search_index
from atlas_ld.store.disk import open_store, read_manifest

SEED = Path(__file__).parent / "graph" / "data" / "seed.txt"
SEED_HTML = "17384.html"
EDITED = "101.html"  # a page of the sample corpus, the only one of its partnership
PERSONAL = "/graph/personal/"


def _dump(path: Path) -> dict[str, list[str]]:
    """Every table of an index, each row as text, sorted."""
    queries = {
        "meta": "SELECT * FROM meta",
        "partnership": "SELECT * FROM partnership",
        "facet": "SELECT * FROM facet",
        "facet_value": "SELECT * FROM facet_value",
        "text": "SELECT rowid, title, body, actors, places FROM text",
    }
    with sqlite3.connect(path) as db:
        return {table: sorted(map(repr, db.execute(sql))) for table, sql in queries.items()}


def _from_sparql(store_dir: Path, tmp_path: Path) -> dict[str, list[str]]:
    """The index made by reading the store with SPARQL only, tagged with the same build."""
    path = tmp_path / "oracle.sqlite"
    store = open_store(store_dir, read_only=True)
    build_id = search_index.build_id(store_dir)
    search_index.write_index(store, read_manifest(store_dir).base, build_id, path)
    return _dump(path)


def _pages(folder: Path):
    return [read_page(str(p)) for p in sorted(folder.iterdir()) if p.name != "manifest.csv"]


def _assert_same_as_sparql(store_dir: Path, tmp_path: Path) -> dict[str, list[str]]:
    built = _dump(search_index.index_path(store_dir))
    assert built["partnership"], "the build wrote an index with documents"
    assert built == _from_sparql(store_dir, tmp_path)
    return built


def test_the_sample_index_from_page_facts_is_the_index_from_sparql(built_sample, tmp_path):
    _assert_same_as_sparql(built_sample, tmp_path)


def test_300_generated_pages_index_from_page_facts_is_the_index_from_sparql(tmp_path):
    generate(300, tmp_path / "pages", seed=9)
    store_dir = tmp_path / "store"
    build(_pages(tmp_path / "pages"), store_dir, processes=2)
    built = _assert_same_as_sparql(store_dir, tmp_path)
    assert len(built["partnership"]) == 300


def test_merged_actors_and_placeholder_funders_index_like_the_store(tmp_path):
    """The seed in HTML links the region to its Atlas id; the same page as text only names it,
    so the build merges the named actor into the linked one. Both pages have the placeholder
    funder "Autre", which stays local to each partnership (no funder facet)."""
    text = SEED.read_text(encoding="utf-8")
    named = tmp_path / "named.txt"
    named.write_text(text.replace("FFQCD 2011-2012", "FFQCD 2013-2014", 1), encoding="utf-8")
    pages = [read_page(str(data_dir() / "sample" / SEED_HTML)), read_page(str(named))]
    store_dir = tmp_path / "store"
    build(pages, store_dir, processes=1, use_cache=False)
    built = _assert_same_as_sparql(store_dir, tmp_path)
    kinds = [row for row in built["facet"] if "'kind', 'RegionalAuthority'" in row]
    assert len(kinds) == 2, "the merged actor's kind reaches the page that only named it"
    funders = [row for row in built["facet_value"] if row.startswith("('funder'")]
    assert any("atlas-49153" in row for row in funders)
    assert not any("autre" in row.lower() for row in funders)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "pages"
    copy_corpus(folder)
    return folder


def _rebuild_after_editing(corpus: Path, store_dir: Path, old: str, new: str) -> None:
    page = corpus / EDITED
    body = page.read_text(encoding="utf-8")
    assert old in body, old
    page.write_text(body.replace(old, new), encoding="utf-8")
    report = build(_pages(corpus), store_dir, processes=1)
    assert report.reused == report.pages - 1  # the other pages came from the cache


def _changed_rows(before: dict[str, list[str]], after: dict[str, list[str]]) -> dict[str, set]:
    return {t: set(before[t]) ^ set(after[t]) for t in before if set(before[t]) ^ set(after[t])}


@pytest.mark.parametrize(
    ("old", "new", "facet_values", "seen"),
    [
        ("Hébron 2009-2012", "Hébron 2009-2012 : École", set(), "Hébron 2009-2012 : École'"),
        ("<td>Territoires palestiniens</td>", "<td>Liban</td>", {"PSE", "LBN"}, "'LBN')"),
    ],
    ids=["title", "country"],
)
def test_a_changed_page_changes_exactly_its_document(
    corpus, tmp_path, old, new, facet_values, seen
):
    store_dir = tmp_path / "store"
    build(_pages(corpus), store_dir, processes=1)
    before = _dump(search_index.index_path(store_dir))
    _rebuild_after_editing(corpus, store_dir, old, new)
    after = _assert_same_as_sparql(store_dir, tmp_path)
    iri = f"{DEFAULT_BASE}id/partnership/101"
    pid = next(row.split(",")[0][1:] for row in after["partnership"] if f"'{iri}'" in row)
    changed = _changed_rows(before, after)
    assert any(seen in row for rows in changed.values() for row in rows), seen
    assert set(changed) <= {"meta", "partnership", "text", "facet", "facet_value"}
    for table in ("partnership", "text", "facet"):
        assert {row.split(",")[0][1:] for row in changed.get(table, ())} <= {pid}, table
    for row in changed.get("facet_value", ()):  # the counts of the old and new values
        assert any(f"'{value}'" in row for value in facet_values), row
    assert {row for row in changed.get("meta", ()) if "'build'" not in row} == set()


def _personal_values(store_dir: Path) -> set[str]:
    people = {"http://xmlns.com/foaf/0.1/name", "http://www.w3.org/2006/vcard/ns#hasEmail"}
    return {
        q.object.value.removeprefix("mailto:")
        for q in open_store(store_dir, read_only=True).quads_for_pattern(None, None, None)
        if PERSONAL in q.graph_name.value and q.predicate.value in people
    }


def test_no_contact_name_or_email_is_anywhere_in_the_index(built_sample):
    personal = _personal_values(built_sample)
    assert len(personal) > 5, "the sample has contacts"
    with sqlite3.connect(search_index.index_path(built_sample)) as db:
        everything = "\n".join(db.iterdump()).casefold()
    assert not {value for value in personal if value.casefold() in everything}


def test_page_facts_skip_the_personal_graph():
    """A literal said of the partnership in its personal graph never becomes a searched text."""
    p = pyoxigraph.NamedNode(f"{DEFAULT_BASE}id/partnership/1")
    public = pyoxigraph.NamedNode(f"{DEFAULT_BASE}graph/partnership/1")
    personal = pyoxigraph.NamedNode(f"{DEFAULT_BASE}graph/personal/1")
    a = pyoxigraph.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    context = pyoxigraph.NamedNode(ATLAS + "context")
    quads = [
        pyoxigraph.Quad(p, a, pyoxigraph.NamedNode(ATLAS + "Partnership"), public),
        pyoxigraph.Quad(p, context, pyoxigraph.Literal("Formation", language="fr"), public),
        pyoxigraph.Quad(p, context, pyoxigraph.Literal("Sarah VAILLANT"), personal),
    ]
    facts = search_index.page_facts(quads, [], p.value)
    assert facts is not None and facts.texts == ["Formation"]
    assert search_index.page_facts(quads[1:], [], p.value) is None  # not typed: no document


def test_page_facts_survive_the_cache_as_json(built_sample):
    store_dir = built_sample
    facts = search_index.read_facts(open_store(store_dir, read_only=True))
    assert facts
    for fact in facts:
        assert search_index.PageFacts.loads(fact.dumps()) == fact


def test_actors_read_from_the_reference_graph_are_those_of_every_public_graph(
    built_sample, tmp_path
):
    """The build reads actors from the reference graph only: the same index as from every graph."""
    store_dir = tmp_path / "store"
    shutil.copytree(built_sample, store_dir, ignore=shutil.ignore_patterns("LOCK"))
    store = open_store(store_dir, read_only=True)
    everywhere = search_index.read_tables(store).agents
    reference = search_index.read_tables(store, f"{DEFAULT_BASE}graph/reference").agents
    assert len(everywhere) > 50
    assert {a: sorted(v) for a, v in reference.items()} == {
        a: sorted(v) for a, v in everywhere.items()
    }
    facts = search_index.read_facts(store)
    del store
    path = search_index.build_search_index(store_dir, facts=facts, aliases={})
    assert _dump(path) == _from_sparql(store_dir, tmp_path)


def _reference_store(nquads: str) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.load(nquads.encode(), format=pyoxigraph.RdfFormat.N_QUADS)
    return store


def test_a_funder_is_shown_as_most_pages_write_it_and_merged_actors_are_found():
    """Hand-written facts and tables: the funder label was whichever written name SPARQL
    returned first; an actor merged by the build is looked up under its merged IRI."""
    actor = f"{DEFAULT_BASE}id/actor/"
    reference = f"<{DEFAULT_BASE}graph/reference>"
    store = _reference_store(
        f'<{actor}atlas-7> <https://schema.org/name> "Région Bretagne" {reference} .\n'
        f"<{actor}atlas-7> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        f"<{ATLAS}RegionalAuthority> {reference} .\n"
    )
    tables = search_index.read_tables(store, reference=f"{DEFAULT_BASE}graph/reference")
    rows = [
        ("REGION BRETAGNE", "10"),
        ("Région Bretagne", "20.5"),
        ("Région Bretagne", None),
    ]
    facts = [
        search_index.PageFacts(
            iri=f"{DEFAULT_BASE}id/partnership/{i}",
            title=f"P{i}",
            actors=[(f"{actor}region-bretagne", None)],
            financing=[(f"{actor}region-bretagne", name, amount)],
        )
        for i, (name, amount) in enumerate(rows)
    ]
    aliases = {f"{actor}region-bretagne": f"{actor}atlas-7"}
    for order in (facts, facts[::-1]):
        docs, labels = search_index.assemble(order, tables, DEFAULT_BASE, aliases)
        assert labels[("funder", "atlas-7")] == ("Région Bretagne", "Région Bretagne")
        assert all(("kind", "RegionalAuthority") in doc.facets for doc in docs.values())
        assert all("Région Bretagne" in doc.actors for doc in docs.values())
        totals = {doc.title: (doc.total, doc.has_amount) for doc in docs.values()}
        assert totals == {"P0": (10, True), "P1": (Decimal("20.5"), True), "P2": (0, False)}
