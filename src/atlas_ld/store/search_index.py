"""The search index: SQLite FTS5 full text and facets over the partnerships, next to the store.

Why SQLite: SPARQL has no accent folding, no ranking and no prefix matching, and counting seven
facets over 12,700 partnerships with SPARQL took seconds. FTS5 (in Python's own `sqlite3`) folds
case and accents (`unicode61 remove_diacritics 2`: "quebec" finds "Québec"), matches prefixes
("burk" finds "Burkina") and ranks by BM25; facet counts are plain SQL `GROUP BY`s.

The index is a derived file, `<store>.search.sqlite`, keyed by the store's build id (the digest of
its manifest, which every build rewrites). It is written to a scratch file and renamed, so a
reader never sees half an index. Two ways lead to it, through one assembly (`assemble`):
- `atlas-ld build` gives each partnership's `PageFacts`, read from the page's own triples by the
  build's workers and cached with the page, and reads from the new store only what documents
  share (labels, broader themes, actors' names, kinds and places: `read_tables`);
- a server whose index is missing or stale, or that reads a remote endpoint, reads the facts too
  with SPARQL (`read_facts`). Both give the same index (tests/test_search_index.py).
See docs/search-index.md for the figures.

Personal data: the facts skip the personal graphs (`graph/personal/*`), and every statement read
with SPARQL is matched inside `GRAPH ?g` with those graphs excluded, whatever the source.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import sqlite3
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from itertools import product
from pathlib import Path
from typing import Any, ClassVar, Protocol

import pyoxigraph

from atlas_ld.core.errors import QueryError, StoreError
from atlas_ld.core.iris import reference_graph
from atlas_ld.core.namespaces import ATLAS
from atlas_ld.core.text import fold as text_fold
from atlas_ld.store.disk import MANIFEST, open_store, read_manifest
from atlas_ld.store.personal import may_see

log = logging.getLogger("atlas_ld.store.search_index")

SUFFIX = ".search.sqlite"
FORMAT = "atlas-ld-search/2"
PAGE_SIZE = 20
MAX_TERMS = 12
DATA_ROWS = 50_000  # format=csv|json gives every match up to this many


class Queryable(Protocol):
    """A pyoxigraph store or a repository (`store.repo.Repo`): both answer `query()` alike."""

    def query(self, query: str, **kwargs: Any) -> Any: ...


# ---------------------------------------------------------------------------------------------
# Facets: one name in URLs (`?country=BFA`), the IRIs it takes its values from.


@dataclass(frozen=True, slots=True)
class FacetKind:
    name: str  # the URL parameter
    namespace: str  # a value is the IRI without this prefix ("{base}" stands for the base)
    linked: bool  # whether a value has a page of its own on the server

    def value_of(self, iri: str, base: str) -> str | None:
        prefix = self.namespace.replace("{base}", base)
        return iri[len(prefix) :] if iri.startswith(prefix) and len(iri) > len(prefix) else None

    def href(self, value: str, base: str) -> str | None:
        if not self.linked:
            return None
        prefix = self.namespace.replace("{base}", base)
        return "/" + prefix[len(base) :] + value if prefix.startswith(base) else None


FACETS: dict[str, FacetKind] = {
    f.name: f
    for f in (
        FacetKind("country", "{base}id/country/", True),
        FacetKind("region", "{base}id/region/", True),
        FacetKind("theme", "{base}id/theme/", True),
        FacetKind("status", ATLAS, False),
        FacetKind("funder", "{base}id/actor/", True),
        FacetKind("kind", ATLAS, False),
        FacetKind("year", "", False),
    )
}
SORTS = ("relevance", "title", "year", "-year", "amount", "-amount")


# ---------------------------------------------------------------------------------------------
# Text folding shared by the index and the queries


def fold(text: str) -> str:
    """NFC text with the ligatures FTS5's unicode61 does not split (œ, æ) written out."""
    text = unicodedata.normalize("NFC", text)
    return text.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae").replace("Æ", "Ae")


def sort_key(text: str) -> str:
    """Titles sort by their letters, not by accents or case ("École" with the "e"s)."""
    return text_fold(text)


def match_expression(text: str) -> str | None:
    """The FTS5 query for what a person typed: every word, each as a prefix, all required.

    Only word characters reach FTS5 (each word quoted), so no input can be FTS5 syntax.
    """
    words = re.findall(r"\w+", fold(text))[:MAX_TERMS]
    return " AND ".join(f'"{w}"*' for w in words) or None


# ---------------------------------------------------------------------------------------------
# One partnership's facts, read from its page's own triples (the build) or from SPARQL rows


_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_NAME = "https://schema.org/name"
_TITLE = "http://purl.org/dc/terms/title"
_STRING = "http://www.w3.org/2001/XMLSchema#string"
_AMOUNT = "https://schema.org/amount"
_VALUE = "https://schema.org/value"
_FUNDER = "https://schema.org/funder"
_PARTNERSHIP = ATLAS + "Partnership"
_LINKS = tuple(ATLAS + name for name in ("country", "status", "mainTheme", "otherTheme"))


@dataclass(slots=True)
class PageFacts:
    """What the index needs of one partnership, and nothing else of the store.

    The build reads it from each page's own triples in its worker processes and caches it with
    the page, so a rebuild reads no partnership back from the store; a server on a remote
    endpoint reads the same facts from SPARQL rows (`read_facts`). Actor and funder IRIs are as
    the page mapped them: `assemble` renames them by the build's actor aliases.
    """

    iri: str
    title: str = ""  # French, else plain
    start: int | None = None
    end: int | None = None
    texts: list[str] = field(default_factory=list)  # French or plain literals, but the title
    # (actor IRI, name as the page wrote it); a pre-reform authority has no written name
    actors: list[tuple[str, str | None]] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (atlas:country..., IRI)
    # (funder IRI, funder name as written, amount: the value's lexical form)
    financing: list[tuple[str | None, str | None, str | None]] = field(default_factory=list)

    def dumps(self) -> str:
        """As JSON text. The build cache keeps it as one string in a page's entry: decoded only
        when the index is remade, it costs an unchanged rebuild a third of a second less at
        Atlas scale than as JSON objects."""
        return json.dumps({f.name: getattr(self, f.name) for f in fields(self)}, ensure_ascii=False)

    @classmethod
    def loads(cls, text: str) -> PageFacts:
        facts = cls(**json.loads(text))
        facts.actors = [(agent, written) for agent, written in facts.actors]
        facts.links = [(prop, target) for prop, target in facts.links]
        facts.financing = [(funder, name, value) for funder, name, value in facts.financing]
        return facts


def _year(text: str | None) -> int | None:
    return int(text[:4]) if text and text[:4].isdigit() else None


def _title(candidates: Iterable[tuple[str, str]]) -> str:
    """Of (text, language) titles, the French one, else a plain one (the smallest of equals)."""
    ranked = sorted((lang != "fr", text) for text, lang in candidates)
    return ranked[0][1] if ranked else ""


def page_facts(
    quads: Iterable[pyoxigraph.Quad], reference: Iterable[pyoxigraph.Triple], partnership: str
) -> PageFacts | None:
    """The facts of `partnership` from one page's mapped quads (personal graphs skipped) and its
    reference triples: what the SPARQL of `read_facts` finds in a store holding them. None when
    they do not make `partnership` a partnership."""
    said: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    readable: dict[Any, bool] = {}  # per graph: named and not personal (`GRAPH ?g` reads these)
    for q in quads:
        graph = q.graph_name
        if readable.get(graph) is None:
            named = isinstance(graph, pyoxigraph.NamedNode)
            readable[graph] = named and may_see(graph, include_personal=False)
        if readable[graph]:
            said[q.subject.value][q.predicate.value].append(q.object)
    for t in reference:
        said[t.subject.value][t.predicate.value].append(t.object)
    own = said.get(partnership, {})
    if not any(o.value == _PARTNERSHIP for o in own.get(_TYPE, ())):
        return None

    def values(subject: str, prop: str) -> list[str]:
        return [o.value for o in said.get(subject, {}).get(prop, ())]

    in_partnership = ATLAS + "inPartnership"
    participations = [
        x
        for x, props in said.items()
        if any(o.value == partnership for o in props.get(in_partnership, ()))
    ]

    facts = PageFacts(partnership)
    facts.title = _title(
        (o.value, o.language or "")
        for o in own.get(_TITLE, ())
        if isinstance(o, pyoxigraph.Literal) and o.language in (None, "fr")
    )
    starts = [y for y in map(_year, values(partnership, ATLAS + "startYear")) if y]
    ends = [y for y in map(_year, values(partnership, ATLAS + "endYear")) if y]
    facts.start, facts.end = min(starts, default=None), max(ends, default=None)
    facts.texts = [
        o.value
        for prop, objects in own.items()
        if prop != _TITLE
        for o in objects
        if isinstance(o, pyoxigraph.Literal) and (o.language == "fr" or o.datatype.value == _STRING)
    ]
    for x in participations:
        written = values(x, ATLAS + "asWritten") or [None]
        facts.actors += product(values(x, ATLAS + "agent"), written)
    facts.actors += [(agent, None) for agent in values(partnership, ATLAS + "preReformAuthority")]
    facts.links = [(prop, target) for prop in _LINKS for target in values(partnership, prop)]
    for f in values(partnership, ATLAS + "financing"):
        amounts = [v for a in values(f, _AMOUNT) for v in values(a, _VALUE)]
        facts.financing += product(
            values(f, _FUNDER) or [None],
            values(f, ATLAS + "funderName") or [None],
            amounts or [None],
        )
    return facts


# ---------------------------------------------------------------------------------------------
# Reading the store (a remote endpoint, or a store whose index is missing or stale)


_PREFIXES = f"""PREFIX atlas: <{ATLAS}>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
"""
_PUBLIC = 'FILTER (!CONTAINS(STR(?{g}), "/graph/personal/"))'


def _in_public(pattern: str, g: str = "g") -> str:
    return f"GRAPH ?{g} {{ {pattern} }} {_PUBLIC.format(g=g)}"


def _agents_query(graph: str | None) -> str:
    """Each actor's name, kind and place, in `graph` (where a store built by atlas-ld describes
    every actor: milliseconds) or, when None, in every public graph (seconds at Atlas scale)."""
    where = f"GRAPH <{graph}> {{ ?agent ?prop ?o }}" if graph else _in_public("?agent ?prop ?o")
    return f"""SELECT ?agent ?prop ?o WHERE {{
  VALUES ?prop {{ schema:name rdf:type atlas:region atlas:territory }}
  {where}
  FILTER (CONTAINS(STR(?agent), "/id/actor/"))
}}"""


_QUERIES = {
    # Partnerships, one row per title x start x end (chosen in Python, as from a page's triples).
    "partnerships": f"""SELECT ?p ?title (LANG(?title) AS ?lang) ?start ?end WHERE {{
  {_in_public("?p a atlas:Partnership")}
  OPTIONAL {{ {_in_public('?p dcterms:title ?title FILTER (LANG(?title) IN ("fr", ""))', "g1")} }}
  OPTIONAL {{ {_in_public("?p atlas:startYear ?start", "g2")} }}
  OPTIONAL {{ {_in_public("?p atlas:endYear ?end", "g3")} }}
}}""",
    # Long texts: every French or plain literal said of the partnership, but its title.
    "texts": f"""SELECT ?p ?o WHERE {{
  {_in_public("?p ?prop ?o . ?p a atlas:Partnership")}
  FILTER (ISLITERAL(?o) && ?prop != dcterms:title
          && (LANG(?o) = "fr" || DATATYPE(?o) = xsd:string))
}}""",
    # Actors as the page wrote them (each actor's name, kind and place are `_agents_query`,
    # joined in Python: one query joining all of it took four times as long at Atlas scale).
    "actors": f"""SELECT ?p ?agent ?written WHERE {{
  {{ {_in_public("?x atlas:inPartnership ?p ; atlas:agent ?agent")}
     OPTIONAL {{ {_in_public("?x atlas:asWritten ?written", "g1")} }} }}
  UNION {{ {_in_public("?p atlas:preReformAuthority ?agent")} }}
}}""",
    "links": f"""SELECT ?p ?prop ?o WHERE {{
  VALUES ?prop {{ atlas:country atlas:status atlas:mainTheme atlas:otherTheme }}
  {_in_public("?p ?prop ?o . ?p a atlas:Partnership")}
}}""",
    # Direct links only, closed in Python: Virtuoso refuses a path from an unbound start.
    "broader": f"""SELECT ?t ?up WHERE {{ {_in_public("?t skos:broader ?up")} }}""",
    "financing": f"""SELECT ?p ?funder ?funderName ?value WHERE {{
  {_in_public("?p atlas:financing ?f")}
  OPTIONAL {{ {_in_public("?f schema:funder ?funder", "g1")} }}
  OPTIONAL {{ {_in_public("?f atlas:funderName ?funderName", "g2")} }}
  OPTIONAL {{ {_in_public("?f schema:amount/schema:value ?value", "g3")} }}
}}""",
    # Labels of everything a facet or a place can name, French first.
    "labels": f"""SELECT ?s ?label (LANG(?label) AS ?lang) WHERE {{
  VALUES ?prop {{ skos:prefLabel rdfs:label schema:name skos:altLabel }}
  {_in_public("?s ?prop ?label")}
  FILTER (LANG(?label) IN ("fr", "en", ""))
}}""",
}


def _rows(source: Queryable, query: str) -> Iterator[dict[str, Any]]:
    result = source.query(_PREFIXES + query, use_default_graph_as_union=True)
    variables = [v.value for v in result.variables]
    for solution in result:
        yield {v: solution[v] for v in variables}


def _value(term: Any) -> str | None:
    return None if term is None else term.value


def read_facts(source: Queryable) -> list[PageFacts]:
    """Every partnership's facts, read with SPARQL (what `page_facts` reads from a page)."""
    facts: dict[str, PageFacts] = {}
    titles: dict[str, set[tuple[str, str]]] = defaultdict(set)
    starts: dict[str, set[int | None]] = defaultdict(set)
    ends: dict[str, set[int | None]] = defaultdict(set)
    for row in _rows(source, _QUERIES["partnerships"]):
        iri = row["p"].value
        facts.setdefault(iri, PageFacts(iri))
        if row["title"] is not None:
            titles[iri].add((row["title"].value, row["lang"].value))
        starts[iri].add(_year(_value(row["start"])))
        ends[iri].add(_year(_value(row["end"])))
    for iri, doc in facts.items():
        doc.title = _title(titles.get(iri, ()))
        doc.start = min(filter(None, starts[iri]), default=None)
        doc.end = max(filter(None, ends[iri]), default=None)
    for row in _rows(source, _QUERIES["texts"]):
        if (doc := facts.get(row["p"].value)) is not None:
            doc.texts.append(row["o"].value)
    for row in _rows(source, _QUERIES["actors"]):
        if (doc := facts.get(row["p"].value)) is not None:
            doc.actors.append((row["agent"].value, _value(row["written"])))
    for row in _rows(source, _QUERIES["links"]):
        if (doc := facts.get(row["p"].value)) is not None:
            doc.links.append((row["prop"].value, row["o"].value))
    for row in _rows(source, _QUERIES["financing"]):
        if (doc := facts.get(row["p"].value)) is not None:
            doc.financing.append(
                (_value(row["funder"]), _value(row["funderName"]), _value(row["value"]))
            )
    return list(facts.values())


class _Labels:
    """The labels the index shows, per page language: that language, else French, else plain,
    else English. Alternative labels are only searched."""

    RANK: ClassVar[dict[str, dict[str, int]]] = {
        "fr": {"fr": 0, "": 1, "en": 2},
        "en": {"en": 0, "fr": 1, "": 2},
    }

    def __init__(self, rows: Iterable[dict[str, Any]]):
        self.best: dict[str, dict[str, tuple[int, str]]] = {"fr": {}, "en": {}}
        self.all: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            iri, label, lang = row["s"].value, row["label"].value, row["lang"].value
            self.all[iri].add(label)
            for page_lang, ranks in self.RANK.items():
                best = self.best[page_lang]
                rank = ranks.get(lang, 3)
                if iri not in best or (rank, label) < best[iri]:
                    best[iri] = (rank, label)

    def get(self, iri: str, lang: str = "fr") -> str:
        return self.best[lang].get(iri, (0, ""))[1]


@dataclass(slots=True)
class Tables:
    """What the documents share, read from the store whichever way the facts were read:
    labels, every broader theme of each theme, and each actor's (property, value) pairs."""

    labels: _Labels
    broader: dict[str, set[str]]
    agents: dict[str, list[tuple[str, str]]]


def read_tables(source: Queryable, reference: str | None = None) -> Tables:
    """The shared tables; `reference`: the graph describing every actor (see `_agents_query`)."""
    labels = _Labels(_rows(source, _QUERIES["labels"]))
    parents: dict[str, set[str]] = defaultdict(set)
    for row in _rows(source, _QUERIES["broader"]):
        parents[row["t"].value].add(row["up"].value)
    agents: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in _rows(source, _agents_query(reference)):
        agents[row["agent"].value].append((row["prop"].value, row["o"].value))
    broader = {theme: _ancestors(theme, parents) for theme in parents}
    return Tables(labels, broader, dict(agents))


def _ancestors(theme: str, parents: dict[str, set[str]]) -> set[str]:
    """Every broader theme of `theme`, however far up (a cycle in the data stops the walk)."""
    found: set[str] = set()
    todo = list(parents.get(theme, ()))
    while todo:
        up = todo.pop()
        if up not in found:
            found.add(up)
            todo.extend(parents.get(up, ()))
    found.discard(theme)
    return found


# ---------------------------------------------------------------------------------------------
# Facts + tables -> documents (the one place for both ways of reading)


@dataclass(slots=True)
class _Doc:
    iri: str
    title: str = ""
    start: int | None = None
    end: int | None = None
    texts: list[str] = field(default_factory=list)
    actors: set[str] = field(default_factory=set)
    places: set[str] = field(default_factory=set)
    facets: set[tuple[str, str]] = field(default_factory=set)
    total: Decimal = Decimal(0)
    has_amount: bool = False


FacetLabels = dict[tuple[str, str], tuple[str, str]]


def assemble(
    facts: Iterable[PageFacts],
    tables: Tables,
    base: str,
    aliases: Mapping[str, str] | None = None,
) -> tuple[dict[str, _Doc], FacetLabels]:
    """Every partnership as a document, and the (French, English) labels of each facet value.

    `aliases` renames actor IRIs as the build merged them (`graph.pipeline.actor_aliases`), so a
    page's actor is looked up under the IRI the store gives it. The result does not depend on
    the order of the facts (their texts are sorted when written).
    """
    aliases = aliases or {}
    labels = tables.labels
    docs: dict[str, _Doc] = {}
    facet_labels: FacetLabels = {}
    funder_names: dict[str, Counter[str]] = defaultdict(Counter)

    values: dict[tuple[str, str], str | None] = {}  # (facet, IRI): its value, found once

    def add_facet(doc: _Doc, facet: str, iri: str) -> str | None:
        if (facet, iri) not in values:
            value = values[(facet, iri)] = FACETS[facet].value_of(iri, base)
            if value is not None and (facet, value) not in facet_labels:
                french = labels.get(iri) or value
                facet_labels[(facet, value)] = (french, labels.get(iri, "en") or french)
        value = values[(facet, iri)]
        if value is not None:
            doc.facets.add((facet, value))
        return value

    for fact in facts:
        doc = docs.get(fact.iri) or docs.setdefault(fact.iri, _Doc(fact.iri))
        title = unicodedata.normalize("NFC", fact.title)
        if title and (not doc.title or title < doc.title):  # one page per IRI: no choice
            doc.title = title
        doc.start = min(filter(None, (doc.start, fact.start)), default=None)
        doc.end = max(filter(None, (doc.end, fact.end)), default=None)
        doc.texts += fact.texts
        for agent, written in fact.actors:
            if written is not None:
                doc.actors.add(written)
            for prop, value in tables.agents.get(aliases.get(agent, agent), ()):
                if prop == _NAME:
                    doc.actors.add(value)
                elif prop == _TYPE:
                    if value != ATLAS + "Actor":
                        add_facet(doc, "kind", value)
                else:
                    doc.places.update(labels.all.get(value, ()))
                    if prop == ATLAS + "region":
                        add_facet(doc, "region", value)
        for prop, target in fact.links:
            if prop == ATLAS + "country":
                add_facet(doc, "country", target)
                doc.places.update(labels.all.get(target, ()))
            elif prop == ATLAS + "status":
                add_facet(doc, "status", target)
            else:
                for theme in (target, *tables.broader.get(target, ())):
                    add_facet(doc, "theme", theme)
        for funder, name, amount in fact.financing:
            if funder is not None:
                value = add_facet(doc, "funder", aliases.get(funder, funder))
                if value is not None and name is not None:
                    funder_names[value][name] += 1
            if amount is not None:
                try:
                    doc.total += Decimal(amount)
                    doc.has_amount = True
                except InvalidOperation:
                    log.warning("%s: amount %r is not a number", doc.iri, amount)
    for doc in docs.values():
        if doc.start:
            add_facet(doc, "year", str(doc.start))
    # A funder is shown as the pages write it most often (ties: in alphabetical order).
    for value, names in funder_names.items():
        name = min(names, key=lambda n: (-names[n], sort_key(n), n))
        facet_labels[("funder", value)] = (name, name)
    return docs, facet_labels


def collect(source: Queryable, base: str) -> tuple[dict[str, _Doc], FacetLabels]:
    """Every document, read from a store or endpoint with SPARQL alone."""
    return assemble(read_facts(source), read_tables(source), base)


# ---------------------------------------------------------------------------------------------
# Writing the index


def index_path(store_dir: Path) -> Path:
    store_dir = Path(store_dir)
    return store_dir.with_name(store_dir.name + SUFFIX)


def build_id(store_dir: Path) -> str:
    """The store's build id: the digest of its manifest, which every build rewrites."""
    try:
        return hashlib.sha256((Path(store_dir) / MANIFEST).read_bytes()).hexdigest()
    except OSError as exc:
        raise StoreError(f"cannot read the store's manifest: {exc}", where=str(store_dir)) from None


def _meta(path: Path) -> dict[str, str]:
    try:
        with _connect(path) as db:
            return dict(db.execute("SELECT key, value FROM meta"))
    except (sqlite3.Error, OSError):
        return {}


def is_current(store_dir: Path, path: Path | None = None) -> bool:
    """Whether the index at `path` (default: next to the store) was made from this build."""
    meta = _meta(path or index_path(store_dir))
    return meta.get("format") == FORMAT and meta.get("build") == build_id(store_dir)


_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE partnership (
  id INTEGER PRIMARY KEY, iri TEXT NOT NULL, title TEXT NOT NULL, title_key TEXT NOT NULL,
  start_year INTEGER, end_year INTEGER, total TEXT, total_cents INTEGER
);
CREATE TABLE facet (pid INTEGER NOT NULL, facet TEXT NOT NULL, value TEXT NOT NULL);
CREATE TABLE facet_value (
  facet TEXT NOT NULL, value TEXT NOT NULL, label TEXT NOT NULL, label_en TEXT NOT NULL, href TEXT,
  n INTEGER NOT NULL,
  PRIMARY KEY (facet, value)
);
CREATE VIRTUAL TABLE text USING fts5(
  title, body, actors, places, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);
"""


def build_search_index(
    store_dir: Path,
    source: Queryable | None = None,
    path: Path | None = None,
    *,
    facts: Iterable[PageFacts] | None = None,
    aliases: Mapping[str, str] | None = None,
) -> Path:
    """Write the index of the store at `store_dir` (read from `source`, default the store itself)
    to `path` (default `<store>.search.sqlite`); returns the path.

    The build gives `facts`, read from its pages by its workers, and the actor `aliases` it
    merged: only the shared tables are then read from the store (well under a second at Atlas
    scale, where reading every partnership back took twenty). Without facts, all is read with
    SPARQL."""
    store_dir = Path(store_dir)
    base = read_manifest(store_dir).base
    if source is None:
        source = open_store(store_dir, read_only=True)
    path = Path(path) if path else index_path(store_dir)
    if facts is None:
        return write_index(source, base, build_id(store_dir), path)
    tables = read_tables(source, reference=reference_graph(base).value)
    return _write_file(assemble(facts, tables, base, aliases), base, build_id(store_dir), path)


def write_index(source: Queryable, base: str, build: str, path: Path) -> Path:
    """Write the index of what `source` holds to `path`, tagged with `build`."""
    return _write_file(collect(source, base), base, build, path)


def _write_file(
    documents: tuple[dict[str, _Doc], FacetLabels], base: str, build: str, path: Path
) -> Path:
    """Write the documents to `path`: a scratch file renamed once whole, so no reader sees half
    an index."""
    docs, facet_labels = documents
    scratch = path.with_name(f"{path.name}.new-{os.getpid()}-{id(docs)}")
    scratch.unlink(missing_ok=True)
    try:
        with _connect(scratch, write=True) as db:
            # A scratch file renamed only once complete: a crash loses nothing worth a journal.
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            db.executescript(_SCHEMA)
            _write(db, docs, facet_labels, base)
            db.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [("format", FORMAT), ("build", build), ("base", base), ("docs", str(len(docs)))],
            )
        scratch.replace(path)
    except (sqlite3.Error, OSError) as exc:
        scratch.unlink(missing_ok=True)
        raise StoreError(f"cannot write the search index: {exc}", where=str(path)) from None
    return path


def _write(db: sqlite3.Connection, docs: dict[str, _Doc], labels: dict, base: str) -> None:
    for pid, doc in enumerate(sorted(docs.values(), key=lambda d: d.iri), start=1):
        total = str(doc.total) if doc.has_amount else None
        cents = int(doc.total * 100) if doc.has_amount else None
        db.execute(
            "INSERT INTO partnership VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (pid, doc.iri, doc.title, sort_key(doc.title), doc.start, doc.end, total, cents),
        )
        db.execute(
            "INSERT INTO text (rowid, title, body, actors, places) VALUES (?, ?, ?, ?, ?)",
            (
                pid,
                fold(doc.title),
                fold("\n".join(sorted(doc.texts))),
                fold("\n".join(sorted(doc.actors))),
                fold("\n".join(sorted(doc.places))),
            ),
        )
        db.executemany(
            "INSERT INTO facet VALUES (?, ?, ?)", [(pid, f, v) for f, v in sorted(doc.facets)]
        )
    counts = Counter(pair for doc in docs.values() for pair in doc.facets)
    db.executemany(
        "INSERT INTO facet_value VALUES (?, ?, ?, ?, ?, ?)",
        [
            (f, v, fr, en, FACETS[f].href(v, base), counts[(f, v)])
            for (f, v), (fr, en) in labels.items()
        ],
    )
    db.execute("CREATE INDEX facet_by_value ON facet (facet, value, pid)")
    db.execute("CREATE INDEX facet_by_pid ON facet (pid, facet, value)")
    for column in ("title_key", "start_year", "total_cents"):
        db.execute(f"CREATE INDEX partnership_by_{column} ON partnership ({column})")
    db.execute("INSERT INTO text (text) VALUES ('optimize')")


@contextmanager
def _connect(path: Path, write: bool = False) -> Iterator[sqlite3.Connection]:
    """A connection closed on exit; a writer commits when the block ends without error."""
    if write:
        db = sqlite3.connect(path)
    elif not path.is_file():
        raise sqlite3.OperationalError(f"no index at {path}")
    else:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        yield db
        if write:
            db.commit()
    finally:
        db.close()


# ---------------------------------------------------------------------------------------------
# Searching


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What a search asks: words, facet values (OR within a facet, AND across), a start-year
    range, an order and a page (from 1)."""

    text: str = ""
    facets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    year_from: int | None = None
    year_to: int | None = None
    sort: str = ""
    page: int = 1
    page_size: int = PAGE_SIZE
    lang: str = "fr"  # the language of the labels (facet values, countries, status)

    def __post_init__(self) -> None:
        unknown = set(self.facets) - set(FACETS)
        if unknown:
            raise QueryError(f"unknown facet {sorted(unknown)[0]!r} (known: {', '.join(FACETS)})")
        if self.sort and self.sort not in SORTS:
            raise QueryError(f"unknown sort {self.sort!r} (known: {', '.join(SORTS)})")
        if self.page < 1:
            raise QueryError(f"page {self.page} is not a page number (1, 2, ...)")

    @property
    def label_column(self) -> str:
        return "label_en" if self.lang == "en" else "label"

    @property
    def order(self) -> str:
        if self.sort:
            return self.sort
        return "relevance" if match_expression(self.text) else "title"


@dataclass(frozen=True, slots=True)
class FacetCount:
    value: str
    label: str
    count: int
    href: str | None
    selected: bool


@dataclass(frozen=True, slots=True)
class Hit:
    iri: str
    title: str
    start_year: int | None
    end_year: int | None
    total: Decimal | None
    countries: tuple[tuple[str, str], ...]  # (ISO 3166-1 alpha-3, name)
    status: tuple[str, str] | None  # (value, label)


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: SearchQuery
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetCount]]

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.query.page_size))


@dataclass(frozen=True, slots=True)
class _Value:
    label: str
    label_en: str
    href: str | None
    ids: int  # a bitset: bit i is set when partnership i has this value


class SearchIndex:
    """A read-only index file, searched from any thread.

    The facets are held in memory as one bitset per facet value (a Python int, 12,700 bits at
    Atlas scale), loaded on first use: a filter is an OR of bitsets, the filters combine with AND,
    and a count is a popcount. Joining the facet rows in SQL instead took 150-450 ms per search
    at Atlas scale; bitsets take a few. The words go to FTS5, and the page's rows to SQL.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.meta = _meta(self.path)
        if self.meta.get("format") != FORMAT:
            raise StoreError("not a search index of this version", where=str(self.path))
        self._lock = threading.Lock()
        self._values: dict[str, dict[str, _Value]] | None = None
        self._keys: dict[str, list] = {}
        self._all = 0

    def load(self) -> None:
        """Read the facets and sort keys into memory (the first search does it otherwise)."""
        with self._lock:
            if self._values is not None:
                return
            with _connect(self.path) as db:
                bits: dict[tuple[str, str], bytearray] = {}
                size = db.execute("SELECT MAX(id) FROM partnership").fetchone()[0] or 0
                for facet, value, pid in db.execute("SELECT facet, value, pid FROM facet"):
                    mask = bits.get((facet, value))
                    if mask is None:
                        mask = bits[(facet, value)] = bytearray(size // 8 + 1)
                    mask[pid >> 3] |= 1 << (pid & 7)
                values: dict[str, dict[str, _Value]] = {name: {} for name in FACETS}
                for facet, value, label, label_en, href in db.execute(
                    "SELECT facet, value, label, label_en, href FROM facet_value"
                ):
                    mask = bits.get((facet, value))
                    ids = int.from_bytes(mask, "little") if mask else 0
                    values[facet][value] = _Value(label, label_en, href, ids)
                rows = db.execute(
                    "SELECT id, title_key, start_year, total_cents FROM partnership"
                ).fetchall()
            self._keys = {
                "title": {r[0]: r[1] for r in rows},
                "year": {r[0]: r[2] for r in rows},
                "amount": {r[0]: r[3] for r in rows},
            }
            self._all = _mask(r[0] for r in rows)
            self._values = values

    def search(self, query: SearchQuery, *, facet_limit: int = 50) -> SearchResult:
        self.load()
        assert self._values is not None
        with _connect(self.path) as db:
            filters, rank = self._filters(db, query)
        matches = _intersect(self._all, filters.values())
        facets = {
            name: self._counts(query, name, _intersect(self._all, _others(filters, name)))
            for name in FACETS
        }
        for name, counts in facets.items():
            facets[name] = counts[: _limit(name, facet_limit)]
        ordered = self._ordered(_ids(matches), query, rank)
        offset = (query.page - 1) * query.page_size
        with _connect(self.path) as db:
            hits = _hits(db, query, ordered[offset : offset + query.page_size])
        return SearchResult(query=query, total=len(ordered), hits=hits, facets=facets)

    def all_hits(self, query: SearchQuery) -> SearchResult:
        """Every match (up to `DATA_ROWS`), for the CSV and JSON downloads."""
        return self.search(replace(query, page=1, page_size=DATA_ROWS))

    def _filters(
        self, db: sqlite3.Connection, query: SearchQuery
    ) -> tuple[dict[str, int], dict[int, float]]:
        """Each filter's bitset (words, each facet, the years) and the words' BM25 ranks."""
        assert self._values is not None
        filters: dict[str, int] = {}
        rank: dict[int, float] = {}
        expression = match_expression(query.text)
        if expression:
            rank = dict(
                db.execute(
                    "SELECT rowid, bm25(text, 10.0, 1.0, 4.0, 4.0) FROM text WHERE text MATCH ?",
                    (expression,),
                )
            )
            filters["words"] = _mask(rank)
        for name, chosen in query.facets.items():
            if chosen:
                known = self._values[name]
                filters[name] = _union(known[v].ids for v in chosen if v in known)
        if query.year_from or query.year_to:
            low, high = query.year_from or 0, query.year_to or 9999
            years = self._values["year"]
            filters["year"] = _union(v.ids for y, v in years.items() if low <= int(y) <= high)
        return filters, rank

    def _counts(self, query: SearchQuery, name: str, within: int) -> list[FacetCount]:
        """Counts of a facet's values among the matches of every *other* filter, so a choice in a
        facet still shows what the other values of that facet would give."""
        assert self._values is not None
        chosen = set(query.facets.get(name, ()))
        english = query.lang == "en"
        counts = []
        for value, entry in self._values[name].items():
            n = (entry.ids & within).bit_count()
            if n or value in chosen:
                label = entry.label_en if english else entry.label
                counts.append(FacetCount(value, label, n, entry.href, value in chosen))
        for value in sorted(chosen - set(self._values[name])):  # unknown: shown, with 0
            counts.append(FacetCount(value, value, 0, None, True))
        if name == "year":
            return sorted(counts, key=lambda c: c.value, reverse=True)
        return sorted(counts, key=lambda c: (-c.count, sort_key(c.label), c.value))

    def _ordered(self, ids: list[int], query: SearchQuery, rank: dict[int, float]) -> list[int]:
        title = self._keys["title"]
        order = query.order
        if order == "relevance":
            return sorted(ids, key=lambda i: (rank.get(i, 0.0), title[i], i))
        if order == "title":
            return sorted(ids, key=lambda i: (title[i], i))
        field = self._keys["year" if order.endswith("year") else "amount"]
        known = [i for i in ids if field[i] is not None]
        unknown = sorted((i for i in ids if field[i] is None), key=lambda i: (title[i], i))
        known.sort(key=lambda i: (title[i], i))
        known.sort(key=lambda i: field[i], reverse=order.startswith("-"))  # stable: ties by title
        return known + unknown


def _mask(ids: Iterable[int]) -> int:
    """The bitset of some ids (one bytearray pass: adding shifted ints is quadratic)."""
    ids = list(ids)
    mask = bytearray(max(ids, default=0) // 8 + 1)
    for i in ids:
        mask[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(mask, "little")


def _union(masks: Iterable[int]) -> int:
    result = 0
    for mask in masks:
        result |= mask
    return result


def _intersect(everything: int, masks: Iterable[int]) -> int:
    result = everything
    for mask in masks:
        result &= mask
    return result


def _others(filters: dict[str, int], name: str) -> list[int]:
    return [mask for key, mask in filters.items() if key != name]


def _ids(mask: int) -> list[int]:
    """The positions of the set bits, ascending."""
    bits = bin(mask)[:1:-1]
    return [i for i, bit in enumerate(bits) if bit == "1"]


def _limit(facet: str, default: int) -> int:
    """Countries, regions and years are drawn as maps and charts: all of them are counted."""
    return 400 if facet in ("country", "region", "year") else default


def _hits(db: sqlite3.Connection, query: SearchQuery, ids: list[int]) -> list[Hit]:
    """The rows of one page, in the order of `ids`, with their countries and status."""
    column = query.label_column
    rows: dict[int, tuple] = {}
    facts: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        marks = ", ".join("?" * len(chunk))
        for row in db.execute(
            "SELECT id, iri, title, start_year, end_year, total FROM partnership "
            f"WHERE id IN ({marks})",
            chunk,
        ):
            rows[row[0]] = row
        for pid, facet, value, label in db.execute(
            f"SELECT f.pid, f.facet, f.value, v.{column} FROM facet AS f JOIN facet_value AS v "
            "ON v.facet = f.facet AND v.value = f.value "
            f"WHERE f.pid IN ({marks}) AND f.facet IN ('country', 'status') ORDER BY v.{column}",
            chunk,
        ):
            facts[pid].append((facet, value, label))
    hits = []
    for pid in ids:
        _, iri, title, start, end, total = rows[pid]
        found = facts.get(pid, [])
        countries = tuple((value, label) for facet, value, label in found if facet == "country")
        status = next(((v, label) for facet, v, label in found if facet == "status"), None)
        amount = Decimal(total) if total else None
        hits.append(Hit(iri, title, start, end, amount, countries, status))
    return hits


def describe(result: SearchResult) -> dict[str, Any]:
    """The result as JSON-ready data (the `format=json` answer)."""
    return {
        "total": result.total,
        "results": [
            {
                "iri": h.iri,
                "title": h.title,
                "countries": [code for code, _ in h.countries],
                "country_names": [name for _, name in h.countries],
                "start_year": h.start_year,
                "end_year": h.end_year,
                "status": h.status[1] if h.status else None,
                "total_eur": str(h.total) if h.total is not None else None,
            }
            for h in result.hits
        ],
        "facets": {
            name: [{"value": c.value, "label": c.label, "count": c.count} for c in counts]
            for name, counts in result.facets.items()
        },
    }


def dumps(result: SearchResult) -> str:
    return json.dumps(describe(result), ensure_ascii=False, indent=1)
