"""Pages -> parsed records -> quads -> SHACL -> a pyoxigraph store on disk.

Speed at Atlas scale comes from three choices:
- pages are handled in chunks by worker processes that parse, map (pyoxigraph terms, no rdflib)
  and validate a whole chunk with one pySHACL call, returning N-Quads bytes;
- each page's outcome is cached under the digest of everything it depends on (its bytes and
  provenance, the base IRI, the program version, the shapes): a rebuild redoes changed pages only;
- the store is bulk-loaded from N-Quads into a fresh directory swapped in at the end, so a failed
  build leaves the previous store untouched; when a store of the same base exists, the fresh
  directory starts as a hard-link backup of it and only the graphs of changed pages are replaced.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

import pyoxigraph
import rdflib

from atlas_ld import __version__
from atlas_ld.core.errors import AtlasError, BuildError, ValidationFailed
from atlas_ld.core.iris import Ids, partnership_graph, personal_graph, reference_graph, slug
from atlas_ld.core.model import Page
from atlas_ld.core.namespaces import ATLAS, DEFAULT_BASE, RDF, SCHEMA, XSD, check_base
from atlas_ld.core.resources import ontology_dir, shapes_dir
from atlas_ld.graph.mapping import MappedPage, map_record, scheme_triples, territory_triples
from atlas_ld.graph.validate import Issue, count, shape_predicates, validate_graph
from atlas_ld.store.disk import (
    DEFAULT_STORE,
    StoreManifest,
    build_lock,
    read_manifest,
    scratch_dir,
    swap_in,
)
from atlas_ld.store.public_copy import public_copy

CHUNK = 100
_NQ = pyoxigraph.RdfFormat.N_QUADS
_NT = pyoxigraph.RdfFormat.N_TRIPLES


@dataclass(slots=True)
class PageResult:
    """One page's contribution, as cached: serialised quads, SHACL issues, what went wrong."""

    digest: str
    source: str
    key: str = ""
    partnership: str = ""
    nquads: str | None = None  # None when read from the cache: `ResultCache.nquads` has them
    quads: int = 0
    reference: str = ""
    issues: list[Issue] = field(default_factory=list)
    untyped_actors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    def to_json(self) -> dict:
        data = asdict(self)
        del data["nquads"]
        return data

    @classmethod
    def from_json(cls, data: dict) -> PageResult:
        data = dict(data)
        data["issues"] = [Issue(**issue) for issue in data["issues"]]
        return cls(**data)


@dataclass(slots=True)
class BuildReport:
    """What a build did; `atlas-ld build` prints it."""

    store: Path | None
    pages: int = 0
    partnerships: int = 0
    quads: int = 0
    reused: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    untyped_actors: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def violations(self) -> int:
        return count(self.issues)


# -- one page, one chunk (run in worker processes) ---------------------------------------------


def _fingerprint() -> str:
    """What every cached result depends on besides the page: program, shapes and ontology."""
    digest = hashlib.sha256(__version__.encode())
    for folder in (shapes_dir(), ontology_dir()):
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".ttl"):
                digest.update(entry.read_bytes())
    return digest.hexdigest()


def page_digest(page: Page, base: str, fingerprint: str) -> str:
    parts = [
        fingerprint,
        base,
        page.source,
        page.url or "",
        page.fetched_at.isoformat() if page.fetched_at else "",
        page.capture_id or "",
        page.sha256,
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _map_page(page: Page, ids: Ids, digest: str) -> tuple[PageResult, MappedPage | None]:
    from atlas_ld.parse.parser import parse_page

    result = PageResult(digest=digest, source=page.source)
    try:
        record = parse_page(page)
    except AtlasError as exc:
        result.error = str(exc)
        return result, None
    mapped = map_record(record, ids, page)
    result.key = mapped.key
    result.partnership = mapped.partnership.value
    quads = list(dict.fromkeys(mapped.quads))  # a role met twice on a page is one quad
    result.nquads = pyoxigraph.serialize(quads, format=_NQ).decode()
    result.quads = len(quads)
    result.reference = pyoxigraph.serialize(sorted(mapped.reference, key=str), format=_NT).decode()
    result.untyped_actors = mapped.untyped_actors
    result.warnings = [f"{page.source}: {w}" for w in (*record.warnings, *mapped.warnings)]
    return result, mapped


class _RdflibTerms:
    """pyoxigraph terms -> rdflib terms, memoised (a chunk repeats the same IRIs many times)."""

    def __init__(self) -> None:
        self.cache: dict[object, rdflib.term.Node] = {}

    def __call__(self, term) -> rdflib.term.Node:
        node = self.cache.get(term)
        if node is None:
            node = self.cache[term] = self._convert(term)
        return node

    @staticmethod
    def _convert(term) -> rdflib.term.Node:
        if isinstance(term, pyoxigraph.NamedNode):
            return rdflib.URIRef(term.value)
        if isinstance(term, pyoxigraph.Literal):
            if term.language:
                return rdflib.Literal(term.value, lang=term.language)
            datatype = term.datatype.value
            if datatype == _XSD_STRING:
                return rdflib.Literal(term.value)
            return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype))
        return rdflib.BNode(term.value)


_XSD_STRING = f"{XSD}string"


def process_chunk(
    pages: list[tuple[Page, str]], base: str, validate: bool, cache_dir: Path | None = None
) -> list[PageResult]:
    """Parse, map and validate some pages; one pySHACL run for the whole chunk. The worker writes
    the cache entries itself: done by the parent process, they made it the bottleneck."""
    ids = Ids(base)
    results: list[PageResult] = []
    mapped_pages: list[tuple[PageResult, MappedPage]] = []
    for page, digest in pages:
        result, mapped = _map_page(page, ids, digest)
        results.append(result)
        if mapped is not None:
            mapped_pages.append((result, mapped))
    if validate and mapped_pages:
        _validate_chunk(mapped_pages, ids)
    cache = ResultCache(cache_dir)
    for result in results:
        cache.put(result)
    return results


@cache
def _shape_nodes() -> frozenset[pyoxigraph.NamedNode]:
    return frozenset(pyoxigraph.NamedNode(iri) for iri in shape_predicates())


def _validate_chunk(mapped_pages: list[tuple[PageResult, MappedPage]], ids: Ids) -> None:
    graph = rdflib.Graph()
    term = _RdflibTerms()
    owners: dict[str, list[PageResult]] = {}
    triples = [(t.subject, t.predicate, t.object) for t in scheme_triples(ids)]
    for result, mapped in mapped_pages:
        personal = pyoxigraph.NamedNode(mapped.personal)
        triples += [
            (q.subject, q.predicate, q.object) for q in mapped.quads if q.graph_name != personal
        ]
        triples += [(t.subject, t.predicate, t.object) for t in mapped.reference]
        for subject in {t.subject.value for t in mapped.reference}:
            owners.setdefault(subject, []).append(result)
    wanted = _shape_nodes()
    for s, p, o in triples:
        if p in wanted:
            graph.add((term(s), term(p), term(o)))
    by_partnership = {result.partnership: result for result, _ in mapped_pages}
    for issue in validate_graph(graph, partnership="", source=""):
        for result in _owners_of(issue.focus, by_partnership, owners):
            fields = {**asdict(issue), "partnership": result.partnership, "source": result.source}
            result.issues.append(Issue(**fields))


def _owners_of(
    focus: str, by_partnership: dict[str, PageResult], owners: dict[str, list[PageResult]]
) -> list[PageResult]:
    """The pages an issue belongs to: the partnership whose IRI prefixes the focus node, or every
    page of the chunk that describes the shared node (an actor, a theme)."""
    if focus in owners:
        return owners[focus]
    head = focus.split("/role/")[0].split("/financing/")[0].removesuffix("/page")
    return [by_partnership[head]] if head in by_partnership else []


# -- the cache -------------------------------------------------------------------------------


class ResultCache:
    """Per page digest, `<digest>.json` (all but the quads) and `<digest>.nq` (the quads), so a
    rebuild that patches the store reads only the small files of unchanged pages. A missing or
    unreadable file is a cache miss."""

    def __init__(self, directory: Path | None):
        self.directory = directory
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    def _path(self, digest: str, suffix: str) -> Path:
        assert self.directory is not None
        return self.directory / digest[:2] / f"{digest}{suffix}"

    def get(self, digest: str) -> PageResult | None:
        if self.directory is None or not self._path(digest, ".nq").is_file():
            return None
        try:
            data = json.loads(self._path(digest, ".json").read_text("utf-8"))
            return PageResult.from_json(data)
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def nquads(self, result: PageResult) -> str:
        if result.nquads is not None:
            return result.nquads
        try:
            return self._path(result.digest, ".nq").read_text("utf-8")
        except OSError as exc:
            raise BuildError(f"cache entry lost: {exc}", where=str(self.directory)) from None

    def put(self, result: PageResult) -> None:
        if self.directory is None or result.error or result.nquads is None:
            return
        self._path(result.digest, "").parent.mkdir(exist_ok=True)
        # the .nq file last: an entry counts only once it is there
        for suffix, text in (
            (".json", json.dumps(result.to_json(), ensure_ascii=False)),
            (".nq", result.nquads),
        ):
            path = self._path(result.digest, suffix)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(path)


# -- the pipeline ------------------------------------------------------------------------------


def process_pages(
    pages: Iterable[Page],
    *,
    base: str = DEFAULT_BASE,
    cache_dir: Path | None = None,
    processes: int | None = None,
    validate: bool = True,
) -> tuple[list[PageResult], int]:
    """Every page's result (with its N-Quads), in page order, and how many came from the cache."""
    cache = ResultCache(cache_dir)
    results, reused = _process(pages, base, cache, processes, validate)
    for result in results:
        if not result.error:
            result.nquads = cache.nquads(result)
    return results, reused


def _process(
    pages: Iterable[Page], base: str, cache: ResultCache, processes: int | None, validate: bool
) -> tuple[list[PageResult], int]:
    check_base(base)
    fingerprint = _fingerprint()
    results: list[PageResult | None] = []
    todo: list[tuple[int, Page, str]] = []
    for page in pages:
        digest = page_digest(page, base, fingerprint)
        cached = cache.get(digest)
        if cached is not None and cached.source != page.source:
            cached.source = page.source
        results.append(cached)
        if cached is None:
            todo.append((len(results) - 1, page, digest))
    reused = len(results) - len(todo)
    chunks = [todo[i : i + CHUNK] for i in range(0, len(todo), CHUNK)]
    workers = min(processes or os.cpu_count() or 1, max(len(chunks), 1))
    jobs = ([(page, digest) for _, page, digest in chunk] for chunk in chunks)
    if workers <= 1:
        outputs: Iterable[list[PageResult]] = (
            process_chunk(job, base, validate, cache.directory) for job in jobs
        )
        _collect(chunks, outputs, results)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [
                pool.submit(process_chunk, job, base, validate, cache.directory) for job in jobs
            ]
            _collect(chunks, (f.result() for f in futures), results)
    return [r for r in results if r is not None], reused


def _collect(chunks, outputs, results: list) -> None:
    for chunk, output in zip(chunks, outputs, strict=True):
        for (index, _page, _digest), result in zip(chunk, output, strict=True):
            results[index] = result


def actor_aliases(base: str, results: list[PageResult]) -> dict[str, str]:
    """Name-based actor IRI -> Atlas-id actor IRI, where exactly one Atlas actor has that name.

    A page names an authority by its Atlas id only where it shows the magnifier link; another
    page may name the same authority in prose or as a funder. Mapping sees one page at a time, so
    the build, which sees them all, makes the two one node. Two Atlas actors with the same name
    stay apart: the name alone cannot tell which one a mention means.
    """
    marker = f"<{base}id/actor/atlas-"
    name = f"> <{SCHEMA}name> "
    lines = [
        line
        for result in results
        for line in result.reference.splitlines()
        if line.startswith(marker) and name in line
    ]
    ids = Ids(base)
    by_name: dict[str, set[str]] = {}
    for triple in pyoxigraph.parse("\n".join(lines), format=_NT):
        by_name.setdefault(ids.actor(slug(triple.object.value)).value, set()).add(
            triple.subject.value
        )
    return {alias: iris.pop() for alias, iris in sorted(by_name.items()) if len(iris) == 1}


def _aliases_digest(aliases: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(aliases, sort_keys=True).encode()).hexdigest()


def _renamer(base: str, aliases: dict[str, str]):
    """Rewrite actor IRIs in N-Triples/N-Quads text (one regex pass, not one per alias)."""
    pattern = re.compile("<(" + re.escape(f"{base}id/actor/") + "[^>]+)>")

    def rename(text: str) -> str:
        if not aliases:
            return text
        return pattern.sub(lambda m: f"<{aliases.get(m.group(1), m.group(1))}>", text)

    return rename


def reference_ntriples(
    base: str, results: list[PageResult], aliases: dict[str, str] | None = None
) -> bytes:
    """The reference graph: territories, theme scheme and every page's shared nodes, once each."""
    ids = Ids(base)
    rename = _renamer(base, aliases or {})
    lines = {f"{t} ." for t in (*territory_triples(ids), *scheme_triples(ids))}
    for result in results:
        lines.update(line for line in rename(result.reference).splitlines() if line)
    return ("\n".join(sorted(_drop_generic_types(lines))) + "\n").encode()


def _drop_generic_types(lines: set[str]) -> set[str]:
    """An actor untyped on one page but typed on another keeps only its specific kind."""
    generic = f" <{RDF}type> <{ATLAS}Actor> ."
    typed = {
        line.split(" ", 1)[0]
        for line in lines
        if f" <{RDF}type> <{ATLAS}" in line and not line.endswith(generic)
    }
    return {
        line for line in lines if not (line.endswith(generic) and line.split(" ", 1)[0] in typed)
    }


def build(
    pages: Iterable[Page],
    store_dir: Path = DEFAULT_STORE,
    *,
    base: str = DEFAULT_BASE,
    cache_dir: Path | None = None,
    processes: int | None = None,
    validate: bool = True,
    strict: bool = False,
    use_cache: bool = True,
) -> BuildReport:
    """Build a store from pages; the previous store at `store_dir` stays until the new one is done.

    `cache_dir` defaults to `<store>.cache` (`use_cache=False`: none). `strict` refuses to replace
    the store when SHACL finds violations (`ValidationFailed`). Pages that cannot be parsed are
    reported, not fatal.
    """
    store_dir = Path(store_dir)
    with build_lock(store_dir):
        return _build(pages, store_dir, base, cache_dir, processes, validate, strict, use_cache)


def _build(
    pages: Iterable[Page],
    store_dir: Path,
    base: str,
    cache_dir: Path | None,
    processes: int | None,
    validate: bool,
    strict: bool,
    use_cache: bool,
) -> BuildReport:
    started = time.monotonic()
    if cache_dir is None and use_cache:
        cache_dir = store_dir.with_name(store_dir.name + ".cache")
    if not use_cache:
        cache_dir = None
    cache = ResultCache(cache_dir)
    results, reused = _process(pages, base, cache, processes, validate)
    report = BuildReport(store=store_dir, pages=len(results), reused=reused)
    latest: dict[str, PageResult] = {}
    for result in results:
        if result.error:
            report.failed.append((result.source, result.error))
            continue
        if result.key in latest:
            report.warnings.append(
                f"{result.source}: same partnership as {latest[result.key].source}; kept this one"
            )
        latest[result.key] = result
    kept = list(latest.values())
    for result in kept:
        report.issues += result.issues
        report.untyped_actors.update(result.untyped_actors)
        report.warnings += result.warnings
    report.partnerships = len(kept)
    if strict and report.violations:
        raise ValidationFailed(
            f"{report.violations} SHACL violations; the store was not replaced",
            where=str(store_dir),
            hint="run `atlas-ld validate` for the report",
        )
    report.quads = _write_store(store_dir, base, kept, cache)
    # The server and `atlas-ld query` read this copy without personal data: made here, it
    # costs the build once instead of each server's start.
    public_copy(store_dir)
    report.seconds = time.monotonic() - started
    return report


def _write_store(store_dir: Path, base: str, results: list[PageResult], cache: ResultCache) -> int:
    """Write the new store next to the old one and swap; patch a copy of the old one if possible."""
    new_dir = scratch_dir(store_dir)
    aliases = actor_aliases(base, results)
    rename = _renamer(base, aliases)
    try:
        previous = _reusable_manifest(store_dir, base)
        if previous is not None and previous.aliases != _aliases_digest(aliases):
            previous = None  # actors merged differently: every page graph must be reloaded
        if previous is None:
            store = pyoxigraph.Store(str(new_dir))
            _load_pages(store, results, cache, rename)
        else:
            # a backup is made of hard links: cheap, and the served store is only read
            pyoxigraph.Store.read_only(str(store_dir)).backup(str(new_dir))
            store = pyoxigraph.Store(str(new_dir))
            _patch_pages(store, base, previous, results, cache, rename)
        _load_reference(store, base, results, aliases)
        store.flush()
        quads = len(store)
        del store
        StoreManifest(
            base=base,
            pages={r.key: r.digest for r in results},
            quads=quads,
            aliases=_aliases_digest(aliases),
        ).write(new_dir)
        swap_in(new_dir, store_dir)
    except (OSError, SyntaxError, ValueError) as exc:
        shutil.rmtree(new_dir, ignore_errors=True)
        raise BuildError(f"could not write the store: {exc}", where=str(store_dir)) from None
    except BaseException:
        shutil.rmtree(new_dir, ignore_errors=True)
        raise
    return quads


def _reusable_manifest(store_dir: Path, base: str) -> StoreManifest | None:
    """The manifest of the current store when a new build may start from a copy of it."""
    try:
        manifest = read_manifest(store_dir)
    except AtlasError:
        return None
    return manifest if manifest.base == base else None


def _load_pages(
    store: pyoxigraph.Store, results: list[PageResult], cache: ResultCache, rename
) -> None:
    if results:
        data = rename("".join(cache.nquads(r) for r in results)).encode()
        store.bulk_load(input=data, format=_NQ, lenient=True)


def _patch_pages(
    store: pyoxigraph.Store,
    base: str,
    previous: StoreManifest,
    results: list[PageResult],
    cache: ResultCache,
    rename,
) -> None:
    """Drop the graphs of pages that changed or went away, load the new ones."""
    current = {r.key: r.digest for r in results}
    for key, digest in previous.pages.items():
        if current.get(key) != digest:
            for graph in (partnership_graph(base, key), personal_graph(base, key)):
                if store.contains_named_graph(graph):
                    store.remove_graph(graph)
    changed = [r for r in results if previous.pages.get(r.key) != r.digest]
    _load_pages(store, changed, cache, rename)


def _load_reference(
    store: pyoxigraph.Store, base: str, results: list[PageResult], aliases: dict[str, str]
) -> None:
    """Replace the reference graph."""
    graph = reference_graph(base)
    if store.contains_named_graph(graph):
        store.remove_graph(graph)
    store.bulk_load(
        input=reference_ntriples(base, results, aliases), format=_NT, to_graph=graph, lenient=True
    )
    store.bulk_load(
        input=(ontology_dir() / "atlas.ttl").read_bytes(),
        format=pyoxigraph.RdfFormat.TURTLE,
        to_graph=graph,
    )


def build_sample(store_dir: Path = DEFAULT_STORE, *, base: str = DEFAULT_BASE) -> BuildReport:
    """Build the bundled sample corpus (what the server uses when started without a store)."""
    from atlas_ld.sample.corpus import sample_pages

    return build(sample_pages(), store_dir, base=base)


__all__ = ["BuildReport", "PageResult", "build", "build_sample", "process_pages"]
