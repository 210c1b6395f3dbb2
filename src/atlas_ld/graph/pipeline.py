"""Pages -> parsed records -> quads -> SHACL -> a pyoxigraph store on disk.

Speed at Atlas scale comes from three choices:
- pages are handled in chunks by worker processes that parse, map (pyoxigraph terms, no rdflib)
  and validate a whole chunk with one pySHACL call, returning N-Quads bytes;
- each page's outcome is cached (`graph.cache`) under the digest of everything it depends on:
  a rebuild redoes changed pages only;
- the store is bulk-loaded from N-Quads into a fresh directory swapped in at the end, so a failed
  build leaves the previous store untouched; when a store of the same base exists, the fresh
  directory starts as a hard-link backup of it and only the graphs of changed pages are replaced.

One bad page never sinks a build: a page that fails at any stage (read, decode, parse, map,
validate) is left out and reported with its stage and a one-line reason, in the report and in
`STORE.build-report.csv`. Only a build that would load no partnership, or lose more than
`max_failures` of its pages, leaves the store as it was (`BuildRefused`).
"""

from __future__ import annotations

import csv
import ctypes
import gc
import hashlib
import io
import json
import os
import re
import shutil
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

import pyoxigraph
import rdflib

from atlas_ld.core.errors import AtlasError, BuildError, StoreError, ValidationFailed
from atlas_ld.core.iris import Ids, partnership_graph, personal_graph, reference_graph, slug
from atlas_ld.core.model import Page
from atlas_ld.core.namespaces import ATLAS, DEFAULT_BASE, RDF, SCHEMA, XSD, check_base
from atlas_ld.core.resources import ontology_dir
from atlas_ld.graph.cache import PageResult, ResultCache, fingerprint, page_digest
from atlas_ld.graph.mapping import MappedPage, map_record, scheme_triples, territory_triples
from atlas_ld.graph.validate import (
    QUALITY_NAME,
    Issue,
    count,
    has_quality,
    quality_text,
    shape_predicates,
    shapes_graph,
    validate_graph,
)
from atlas_ld.store.answers import precompute
from atlas_ld.store.disk import (
    DEFAULT_STORE,
    StoreManifest,
    build_lock,
    read_manifest,
    recover,
    remove_orphans,
    scratch_dir,
    sibling,
    swap_in,
)
from atlas_ld.store.public_copy import current_copy, install
from atlas_ld.store.search_index import PageFacts, build_search_index, page_facts
from atlas_ld.store.search_index import is_current as search_index_is_current

CHUNK = 100
MAX_FAILURES = 0.05  # share of pages a build may lose before it refuses to replace the store
REPORT_SUFFIX = ".build-report.csv"
_NQ = pyoxigraph.RdfFormat.N_QUADS
_NT = pyoxigraph.RdfFormat.N_TRIPLES


@dataclass(frozen=True, slots=True)
class PageFailure:
    """A page that could not even be read: stands in its place in the pages a build gets."""

    source: str
    reason: str
    stage: str = "read"


@dataclass(slots=True)
class BuildReport:
    """What a build did; `atlas-ld build` prints it. `failed` holds (source, stage, reason)."""

    store: Path | None
    pages: int = 0
    partnerships: int = 0
    quads: int = 0
    reused: int = 0
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    untyped_actors: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step, for benchmarks
    report_csv: Path | None = None

    @property
    def violations(self) -> int:
        return count(self.issues)

    def csv_text(self) -> str:
        """build-report.csv: one row per page left out (kind `error`) or warning."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["source", "stage", "kind", "message"])
        for source, stage, reason in self.failed:
            writer.writerow([source, stage, "error", reason])
        for warning in self.warnings:
            source, _, message = warning.partition(": ")
            writer.writerow([source, "", "warning", message])
        return out.getvalue()


class BuildRefused(BuildError):
    """The build would lose too much: the store was left as it was. `report` says what failed."""

    def __init__(self, message: str, report: BuildReport, **kwargs):
        super().__init__(message, **kwargs)
        self.report = report


# -- one page, one chunk (run in worker processes) ---------------------------------------------


def _one_line(exc: BaseException) -> str:
    """An error as one line without the page's name (the report has it)."""
    if isinstance(exc, AtlasError):
        text = f"{exc.message} ({exc.hint})" if exc.hint else exc.message
    else:
        text = f"{type(exc).__name__}: {exc}"
    return " ".join(text.split()) or type(exc).__name__


def _map_page(page: Page, ids: Ids, digest: str) -> tuple[PageResult, MappedPage | None]:
    """Decode, parse and map one page; a failure at any of these stages is the page's result."""
    from atlas_ld.parse.parser import parse_page
    from atlas_ld.parse.textlayout import check_readable

    result = PageResult(digest=digest, source=page.source)
    stage = "decode"
    try:
        check_readable(page)
        stage = "parse"
        record = parse_page(page)
        stage = "map"
        mapped = map_record(record, ids, page)
        quads = list(dict.fromkeys(mapped.quads))  # a role met twice on a page is one quad
        personal = pyoxigraph.NamedNode(mapped.personal)
        result.nquads = _nquads(q for q in quads if q.graph_name != personal)
        result.personal = _nquads(q for q in quads if q.graph_name == personal)
        reference = sorted(mapped.reference, key=str)
        result.reference = pyoxigraph.serialize(reference, format=_NT).decode()
        facts = page_facts(quads, mapped.reference, mapped.partnership.value)
        result.search = facts.dumps() if facts is not None else None
    except UnicodeError as exc:
        result.error, result.stage = _one_line(exc), "decode"
        return result, None
    except (AtlasError, ValueError, TypeError, LookupError, RecursionError) as exc:
        # Only what bad input can cause; anything else is a bug and keeps its traceback.
        result.error, result.stage = _one_line(exc), stage
        return result, None
    result.key = mapped.key
    result.partnership = mapped.partnership.value
    result.quads = len(quads)
    result.untyped_actors = mapped.untyped_actors
    result.warnings = [f"{page.source}: {w}" for w in (*record.warnings, *mapped.warnings)]
    return result, mapped


def _nquads(quads: Iterable[pyoxigraph.Quad]) -> str:
    return pyoxigraph.serialize(quads, format=_NQ).decode()


class RdflibTerms:
    """pyoxigraph terms -> rdflib terms, memoised (a chunk repeats the same IRIs many times).

    The one conversion between the two libraries in the build: pySHACL reads rdflib graphs."""

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

    def graph(self, triples: Iterable) -> rdflib.Graph:
        graph = rdflib.Graph()
        for s, p, o in triples:
            graph.add((self(s), self(p), self(o)))
        return graph


_XSD_STRING = f"{XSD}string"


@dataclass(slots=True)
class ChunkOutput:
    """What a worker sends back: the chunk's results, and why the cache was not written."""

    results: list[PageResult]
    cache_problem: str | None = None


def process_chunk(
    pages: list[tuple[Page, str]], base: str, validate: bool, cache_dir: Path | None = None
) -> ChunkOutput:
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
        try:
            _validate_chunk(mapped_pages, ids)
        except (ValueError, TypeError, LookupError, RecursionError):
            for pair in mapped_pages:  # find the page pySHACL cannot take; validate the others
                _validate_alone(pair, ids)
    cache = ResultCache(cache_dir)
    for result in results:
        cache.put(result)
    return ChunkOutput(results, cache.problem)


def _validate_alone(pair: tuple[PageResult, MappedPage], ids: Ids) -> None:
    result, _ = pair
    result.issues = []
    try:
        _validate_chunk([pair], ids)
    except (ValueError, TypeError, LookupError, RecursionError) as exc:
        result.error, result.stage, result.nquads = _one_line(exc), "validate", None


@cache
def _shape_nodes() -> frozenset[pyoxigraph.NamedNode]:
    return frozenset(pyoxigraph.NamedNode(iri) for iri in shape_predicates())


def _validate_chunk(mapped_pages: list[tuple[PageResult, MappedPage]], ids: Ids) -> None:
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
    graph = RdflibTerms().graph(t for t in triples if t[1] in wanted)
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
    head = focus.split("/role/")[0].split("/financing/")[0].split("/funder/")[0]
    head = head.removesuffix("/page")
    return [by_partnership[head]] if head in by_partnership else []


# -- worker processes die with the build ----------------------------------------------------

_PR_SET_PDEATHSIG = 1


def _worker_init(parent: int, inherited_fds: tuple[int, ...]) -> None:
    """Run first in each worker: be killed when the build's process dies (even by kill -9), and
    drop the copies of the build lock a fork hands down, so only the build holds it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the pool's shutdown on signals still applies
        pass
    if os.getppid() != parent:  # the build died before prctl took effect
        os._exit(1)
    for fd in inherited_fds:
        with suppress(OSError):
            os.close(fd)
    _tune_gc()


# A worker allocates millions of short-lived objects per chunk (lxml text, pyoxigraph terms, rdflib
# triples), and pySHACL's SPARQL parser leaves exception cycles that hold the chunk's frames. With
# CPython's default thresholds the collector scans the whole heap again and again: a quarter to a
# third of a worker's time on 12,700 pages. Collections every 10,000 allocations rather than 700,
# and the modules and shapes frozen out of the scans, cost 20 % less time for the same memory
# (measured on 1,000 generated pages: 5.5 s -> 4.4 s; peak RSS 140 -> 153 MB).
_GC_THRESHOLDS = (10_000, 20, 1_000)


def _tune_gc() -> None:
    """Make the long-lived objects of a worker (modules, the shapes graph) permanent for the
    collector, and collect the young generations less often."""
    shapes_graph()  # parsed once per worker, before the freeze
    gc.collect()
    gc.freeze()
    gc.set_threshold(*_GC_THRESHOLDS)


class _Interrupted(BaseException):
    """SIGTERM or SIGHUP during a build: unwinds like Ctrl-C, so scratch files are removed."""


@contextmanager
def _signals_unwind() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into an exception for the duration of the build (main thread
    only: Python delivers signals there), so the pool is shut down and scratch files removed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def unwind(signum, _frame):
        raise _Interrupted(signal.Signals(signum).name)

    saved = {sig: signal.signal(sig, unwind) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def _kill_pool(pool: ProcessPoolExecutor) -> None:
    """Stop the workers now instead of waiting for their chunks (`shutdown` would wait)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # no API before 3.14
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.kill()


# -- the pipeline ------------------------------------------------------------------------------


def process_pages(
    pages: Iterable[Page | PageFailure],
    *,
    base: str = DEFAULT_BASE,
    cache_dir: Path | None = None,
    processes: int | None = None,
    validate: bool = True,
) -> tuple[list[PageResult], int]:
    """Every page's result (with its N-Quads), in page order, and how many came from the cache.
    A page that failed carries `error` and `stage`."""
    cache = ResultCache(cache_dir)
    results, reused, _ = _process(pages, base, cache, processes, validate)
    for result in results:
        if not result.error:
            result.nquads = cache.nquads(result)
    return results, reused


def _process(
    pages: Iterable[Page | PageFailure],
    base: str,
    cache: ResultCache,
    processes: int | None,
    validate: bool,
    lock_fds: tuple[int, ...] = (),
) -> tuple[list[PageResult], int, list[str]]:
    """Results in page order, how many came from the cache, and problems with the cache."""
    check_base(base)
    program = fingerprint()
    results: list[PageResult | None] = []
    todo: list[tuple[int, Page, str]] = []
    for page in pages:
        if isinstance(page, PageFailure):
            results.append(PageResult("", page.source, error=page.reason, stage=page.stage))
            continue
        digest = page_digest(page, base, program)
        cached = cache.get(digest)
        if cached is not None and cached.source != page.source:
            cached.source = page.source
        results.append(cached)
        if cached is None:
            todo.append((len(results) - 1, page, digest))
    reused = sum(1 for r in results if r is not None and not r.error)
    chunks = [todo[i : i + CHUNK] for i in range(0, len(todo), CHUNK)]
    workers = min(processes or os.cpu_count() or 1, max(len(chunks), 1))
    jobs = [[(page, digest) for _, page, digest in chunk] for chunk in chunks]
    outputs: list[ChunkOutput] = []
    if workers <= 1:
        outputs = [process_chunk(job, base, validate, cache.directory) for job in jobs]
    else:
        pool = ProcessPoolExecutor(
            max_workers=workers, initializer=_worker_init, initargs=(os.getpid(), lock_fds)
        )
        try:
            futures: list[Future] = [
                pool.submit(process_chunk, job, base, validate, cache.directory) for job in jobs
            ]
            outputs = [future.result() for future in futures]
        except BrokenProcessPool:
            _kill_pool(pool)
            raise BuildError(
                "a worker process died (out of memory, or killed): no store was written"
            ) from None
        except BaseException:
            _kill_pool(pool)
            raise
        pool.shutdown()
    problems = []
    for chunk, output in zip(chunks, outputs, strict=True):
        if output.cache_problem and output.cache_problem not in problems:
            problems.append(output.cache_problem)
        for (index, _page, _digest), result in zip(chunk, output.results, strict=True):
            results[index] = result
    if cache.problem:
        problems.insert(0, cache.problem)
    return [r for r in results if r is not None], reused, problems


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
    pages: Iterable[Page | PageFailure],
    store_dir: Path = DEFAULT_STORE,
    *,
    base: str = DEFAULT_BASE,
    cache_dir: Path | None = None,
    processes: int | None = None,
    validate: bool = True,
    strict: bool = False,
    use_cache: bool = True,
    max_failures: float = MAX_FAILURES,
    answers: bool = False,
) -> BuildReport:
    """Build a store from pages; the previous store at `store_dir` stays until the new one is done.

    `cache_dir` defaults to `<store>.cache` (`use_cache=False`: none). Pages that fail are left
    out and reported (`BuildReport.failed`, `<store>.build-report.csv`); `BuildRefused` leaves the
    store as it was when no partnership would load or more than `max_failures` (a share) of the
    pages failed. `strict` refuses to replace the store when SHACL finds violations. `answers`
    computes the canned queries' answers too (`store.answers.precompute`), which a server
    otherwise computes in the background at its first start on the store.
    """
    store_dir = Path(store_dir)
    try:
        options = _Options(
            base, cache_dir, processes, validate, strict, use_cache, max_failures, answers
        )
        return _locked_build(pages, store_dir, options)
    except _Interrupted as exc:
        raise BuildError(
            f"build stopped by {exc} before it finished", where=str(store_dir)
        ) from None


@dataclass(frozen=True, slots=True)
class _Options:
    """What `build` was asked for, handed whole to the steps that run under the store's lock."""

    base: str
    cache_dir: Path | None
    processes: int | None
    validate: bool
    strict: bool
    use_cache: bool
    max_failures: float
    answers: bool = False


def _locked_build(
    pages: Iterable[Page | PageFailure], store_dir: Path, options: _Options
) -> BuildReport:
    with build_lock(store_dir) as lock, _signals_unwind():
        notes = []
        if lock.taken_over is not None:
            notes.append(f"{store_dir}: took over the lock of build {lock.taken_over}, which died")
        done = recover(store_dir)
        if done:
            notes.append(f"{store_dir}: {done}")
        notes += [
            f"{path}: removed, left by a build that died" for path in remove_orphans(store_dir)
        ]
        report = _build(pages, store_dir, options, lock.fd)
        report.warnings[:0] = notes
        return report


def _build(
    pages: Iterable[Page | PageFailure], store_dir: Path, options: _Options, lock_fd: int
) -> BuildReport:
    started = time.monotonic()
    cache_dir = options.cache_dir or sibling(store_dir, ".cache")
    cache = ResultCache(cache_dir if options.use_cache else None)
    results, reused, cache_problems = _process(
        pages, options.base, cache, options.processes, options.validate, (lock_fd,)
    )
    report = BuildReport(store=store_dir, pages=len(results), reused=reused)
    report.steps["pages"] = time.monotonic() - started
    report.warnings += cache_problems
    latest: dict[str, PageResult] = {}
    for result in results:
        if result.error:
            report.failed.append((result.source, result.stage or "parse", result.error))
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
    _write_report(report, store_dir)
    _refuse_if_too_many_failures(report, store_dir, options.max_failures)
    if options.strict and report.violations:
        raise ValidationFailed(
            f"{report.violations} SHACL violations; the store was not replaced",
            where=str(store_dir),
            hint="run `atlas-ld validate` for the report",
        )
    step = time.monotonic()
    aliases = actor_aliases(options.base, kept)  # for the store and the search index
    try:
        report.quads, public_dir = _write_store(
            store_dir, options.base, kept, aliases, cache, report.issues, options.validate
        )
    finally:  # bounded, even when the disk filled up: this build's entries only
        cache.prune({r.digest for r in results if r.digest})
    # The store is in place by now: what cannot be written after this point is remade by the
    # first reader, so it is a warning.
    try:
        if public_dir is not None:
            install(public_dir, store_dir)
    except StoreError as exc:
        report.warnings.append(str(exc))
    report.steps["store"], step = time.monotonic() - step, time.monotonic()
    try:
        if not search_index_is_current(store_dir):
            facts = [PageFacts.loads(r.search) for r in kept if r.search is not None]
            build_search_index(store_dir, facts=facts, aliases=aliases)
    except StoreError as exc:
        report.warnings.append(str(exc))
    report.steps["search index"], step = time.monotonic() - step, time.monotonic()
    if options.answers:
        # Otherwise the server answers them in the background at its first start on this store.
        # They are for the engine a server here would choose; for memory, the N-Quads file it
        # loads is written first (`store.memory`: 13 s at Atlas scale, left out of plain builds
        # for that reason), so its first start does not write it.
        precompute(store_dir)
        report.steps["canned answers"] = time.monotonic() - step
    report.seconds = time.monotonic() - started
    return report


def _refuse_if_too_many_failures(report: BuildReport, store_dir: Path, max_failures: float) -> None:
    failed = len(report.failed)
    where = str(store_dir)
    hint = f"the failures are listed in {report.report_csv}" if report.report_csv else None
    if report.partnerships == 0:
        reason = f"{failed} of {report.pages} pages failed" if report.pages else "no page given"
        raise BuildRefused(
            f"no partnership to load ({reason}); the store was left as it was",
            report,
            where=where,
            hint=hint,
        )
    if failed > max_failures * report.pages:
        raise BuildRefused(
            f"{failed} of {report.pages} pages failed ({failed / report.pages:.0%}), more than "
            f"the {max_failures:.0%} allowed (--max-failures); the store was left as it was",
            report,
            where=where,
            hint=hint,
        )


def _write_report(report: BuildReport, store_dir: Path) -> None:
    """`STORE.build-report.csv`, written whole or not at all (a warning says so)."""
    path = sibling(store_dir, REPORT_SUFFIX)
    tmp = sibling(store_dir, f"{REPORT_SUFFIX}.{os.getpid()}.tmp")
    try:
        tmp.write_text(report.csv_text(), encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        with suppress(OSError):
            tmp.unlink(missing_ok=True)
        report.warnings.append(f"{path}: not written: {exc.strerror or exc}")
        return
    report.report_csv = path


def _write_store(
    store_dir: Path,
    base: str,
    results: list[PageResult],
    aliases: dict[str, str],
    cache: ResultCache,
    issues: list[Issue],
    validated: bool,
) -> tuple[int, Path | None]:
    """Write the new store and its public copy next to the old ones and swap the store in;
    returns the store's quad count and the copy, which `public_copy.install` puts in place.

    The public copy (no personal-data graph: what the server and `atlas-ld query` read) is never
    made by removing graphs from a copy of the store, which took 7.8 s on 12,700 pages and left
    the removed texts in its files. From scratch, the copy is loaded with the public quads and the
    store is a hard-link backup of it plus the personal graphs. A rebuild patches a hard-link
    backup of each (the current copy and the current store) with the pages that changed, unless
    most of them did (removing a graph costs more than loading it). When nothing changed, the
    current store and copy stay: no copy is returned."""
    new_dir = scratch_dir(store_dir)
    public_dir = sibling(store_dir, f".new-{os.getpid()}-public")
    shutil.rmtree(public_dir, ignore_errors=True)
    rename = _renamer(base, aliases)
    try:
        reference = reference_ntriples(base, results, aliases)
        previous = _reusable_manifest(store_dir, base)
        previous_copy = current_copy(store_dir) if previous is not None else None
        if previous is not None and previous.aliases != _aliases_digest(aliases):
            previous = None  # actors merged differently: every page graph must be reloaded
        quality = quality_text(issues, validated=validated)
        if previous is not None and previous_copy is not None:
            pages = {r.key: r.digest for r in results}
            if pages == previous.pages and has_quality(store_dir, quality):
                return previous.quads, None  # the same store, quad for quad
            gone = [key for key, digest in previous.pages.items() if pages.get(key) != digest]
            if len(gone) + len(pages) - len(previous.pages) > len(pages) // 4:
                previous = None
        reference += (ontology_dir() / "atlas.ttl").read_bytes()  # N-Triples, then Turtle
        reference_digest = hashlib.sha256(reference).hexdigest()
        if previous is None or previous_copy is None:
            public = pyoxigraph.Store(str(public_dir))
            _load_pages(public, results, cache, rename)
            _load_reference(public, base, reference)
            public.flush()
            public.backup(str(new_dir))  # hard links
            del public
            store = pyoxigraph.Store(str(new_dir))
            personal = rename("".join(r.personal for r in results))
            if personal:
                store.bulk_load(input=personal.encode(), format=_NQ, lenient=True)
            store.flush()
            quads = len(store)
        else:
            # The store's quads are counted graph by graph as they are replaced: `len(store)`
            # reads all of it (a second at Atlas scale).
            quads = previous.quads
            for source, target, personal in (
                (previous_copy, public_dir, False),
                (store_dir, new_dir, True),  # last: `quads` counts this one
            ):
                # a backup is made of hard links: cheap, and the served stores are only read
                pyoxigraph.Store.read_only(str(source)).backup(str(target))
                store = pyoxigraph.Store(str(target))
                gained = _patch_pages(store, base, previous, results, cache, rename, personal)
                if previous.reference != reference_digest:
                    gained += _load_reference(store, base, reference)
                store.flush()
            quads += gained
        del store
        StoreManifest(
            base=base,
            pages={r.key: r.digest for r in results},
            quads=quads,
            aliases=_aliases_digest(aliases),
            reference=reference_digest,
        ).write(new_dir)
        (new_dir / QUALITY_NAME).write_text(quality, encoding="utf-8")  # for dump and server
        swap_in(new_dir, store_dir)
    except (OSError, SyntaxError, ValueError, StoreError) as exc:
        shutil.rmtree(new_dir, ignore_errors=True)
        shutil.rmtree(public_dir, ignore_errors=True)
        reason = exc.message if isinstance(exc, AtlasError) else _os_reason(exc)
        raise BuildError(
            f"could not write the store: {reason}; the store was left as it was",
            where=str(store_dir),
        ) from None
    except BaseException:
        shutil.rmtree(new_dir, ignore_errors=True)
        shutil.rmtree(public_dir, ignore_errors=True)
        raise
    return quads, public_dir


_DISK_ERRORS = (
    "No space left on device",
    "Disk quota exceeded",
    "File too large",
    "Read-only file system",
    "Permission denied",
)


def _os_reason(exc: BaseException) -> str:
    """One short line for an OS or RocksDB error (RocksDB's wrap the cause in a paragraph)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = " ".join(str(exc).split())
    return next((cause for cause in _DISK_ERRORS if cause in text), text)


def _reusable_manifest(store_dir: Path, base: str) -> StoreManifest | None:
    """The manifest of the current store when a new build may start from a copy of it."""
    try:
        manifest = read_manifest(store_dir)
    except AtlasError:
        return None
    return manifest if manifest.base == base else None


def _load_pages(
    store: pyoxigraph.Store,
    results: list[PageResult],
    cache: ResultCache,
    rename,
    *,
    personal: bool = False,
) -> None:
    """Load the pages' public quads, and their personal graphs too when `personal`."""
    if results:
        texts = (cache.nquads(r) + (r.personal if personal else "") for r in results)
        store.bulk_load(input=rename("".join(texts)).encode(), format=_NQ, lenient=True)


def _patch_pages(
    store: pyoxigraph.Store,
    base: str,
    previous: StoreManifest,
    results: list[PageResult],
    cache: ResultCache,
    rename,
    personal: bool,
) -> int:
    """Drop the graphs of pages that changed or went away, load the new ones (with their
    personal graphs when `personal`); returns how many quads the store gained (or lost)."""
    current = {r.key: r.digest for r in results}
    changed = [r for r in results if previous.pages.get(r.key) != r.digest]
    keys = [key for key, digest in previous.pages.items() if current.get(key) != digest]
    keys = list(dict.fromkeys([*keys, *(r.key for r in changed)]))
    graphs = [g for key in keys for g in (partnership_graph(base, key), personal_graph(base, key))]
    before = sum(_graph_size(store, graph) for graph in graphs)
    for graph in graphs:
        if store.contains_named_graph(graph):
            store.remove_graph(graph)
    _load_pages(store, changed, cache, rename, personal=personal)
    return sum(_graph_size(store, graph) for graph in graphs) - before


def _graph_size(store: pyoxigraph.Store, graph: pyoxigraph.NamedNode) -> int:
    return sum(1 for _ in store.quads_for_pattern(None, None, None, graph))


def _load_reference(store: pyoxigraph.Store, base: str, reference: bytes) -> int:
    """Replace the reference graph with `reference` (the pages' shared nodes in N-Triples, then
    the ontology in Turtle, which reads them too); returns how many quads the store gained."""
    graph = reference_graph(base)
    before = _graph_size(store, graph)
    if before:
        store.remove_graph(graph)
    store.bulk_load(
        input=reference, format=pyoxigraph.RdfFormat.TURTLE, to_graph=graph, lenient=True
    )
    return _graph_size(store, graph) - before


def build_sample(store_dir: Path = DEFAULT_STORE, *, base: str = DEFAULT_BASE) -> BuildReport:
    """Build the bundled sample corpus (what the server uses when started without a store)."""
    from atlas_ld.sample.corpus import sample_pages

    return build(sample_pages(), store_dir, base=base)


__all__ = [
    "BuildRefused",
    "BuildReport",
    "PageFailure",
    "PageResult",
    "build",
    "build_sample",
    "process_pages",
]
