"""The web server: SPARQL endpoint, linked-data IRIs, pages for people, query editor.

One Starlette app over one store directory opened read-only. Every query — from the endpoint
and from the pages alike — is guarded (`query_guard`) and evaluated in the killable worker pool
(`workers`), so the time limit and the row limit apply to all of them. Unless asked otherwise,
the server reads a copy of the store without personal data (`public_store`). Errors reach clients
as one line of text with a 4xx/5xx status, never a traceback.

Answers are cached per build (`cache`): in memory and on disk next to the store, validated with
ETag / Last-Modified, and the canned queries are answered ahead (by the build, or here in the
background at the first start on a store that lacks them). The URLs the server writes about
itself (catalogue, VoID, service description, pages) come from `--public-url`, never from the
request's Host header: `PublicOrigin` puts the configured origin in every request's scope.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import sys
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from atlas_ld.core.errors import AtlasError, QueryError, StoreError, one_line
from atlas_ld.core.namespaces import PREFIXES, base_from_env, check_base
from atlas_ld.serve import views
from atlas_ld.serve.access import lighten_records, log_config
from atlas_ld.serve.cache import (
    PageValidators,
    ResultCache,
    Validators,
    answer_response,
    wants_fresh,
)
from atlas_ld.serve.fast import FastAnswers
from atlas_ld.serve.front import Replays, front_protocol
from atlas_ld.serve.negotiation import NotAcceptable
from atlas_ld.serve.protocol import (
    ProtocolError,
    ProtocolRequest,
    read_request,
    result_format,
    service_description,
)
from atlas_ld.serve.results import DEFAULT_MAX_BYTES, Written, write_triples
from atlas_ld.serve.workers import (
    DEFAULT_QUERY_MEMORY,
    SPOOL_BYTES,
    QueryJob,
    QueryOutOfMemory,
    QueryPool,
    QueryTimeout,
    ServerBusy,
    WorkerDied,
    evaluate_here,
)
from atlas_ld.store.answers import (
    BuildStamp,
    Precomputation,
    answer_key,
    answered,
    open_answers,
    whole_key,
)
from atlas_ld.store.canned import list_queries
from atlas_ld.store.disk import read_manifest
from atlas_ld.store.guard import QueryInfo, inspect_query, is_trivial
from atlas_ld.store.memory import ENGINE_SUFFIX, SERVER_COPIES, Engine
from atlas_ld.store.memory import choose as choose_engine
from atlas_ld.store.memory import write_file as write_memory_file
from atlas_ld.store.remote import RemoteSource
from atlas_ld.store.repo import EmbeddedSource, Repo, RepoSource, open_embedded

log = logging.getLogger("atlas_ld.serve.app")
_PREFIXES = tuple(PREFIXES.items())  # every job's, for graph results in Turtle
PAGE_CACHE = 2000
FAILURE_TTL = 60.0  # seconds a query stopped for time or memory is refused at once
PERSIST_AFTER = 0.02  # answers that took longer are also kept on disk (survive restarts)
# The lean path (docs/server.md): a query a worker answered whole within LEAN_SECONDS, in an
# answer under SPOOL_BYTES, is evaluated again in the server process, LEAN_AT_ONCE at a time
# (the others wait for a worker as before): in a thread, or in the event loop itself when it
# took under LEAN_INLINE here (a thread hop costs more); one that then takes LEAN_SLACK times
# longer goes back to the workers. The last LEAN_KEYS queries are remembered, per build.
# When the server has nothing else in flight (the front asks, `Site.renew`), the event loop
# also evaluates those that took under LEAN_IDLE: two thread hops cost 0.1 to 1 ms on a loaded
# machine. A request arriving meanwhile waits in the socket's queue for that evaluation: about
# LEAN_IDLE, at most LEAN_SLACK times longer (and then the query leaves the lean path).
LEAN_SECONDS = 0.05
LEAN_INLINE = 0.002
LEAN_IDLE = 0.01
LEAN_SLACK = 4
LEAN_AT_ONCE = 2
LEAN_KEYS = 10_000
Bindings = tuple[tuple[str, str, str], ...]  # see QueryJob.substitutions


@dataclass(slots=True)
class ServerConfig:
    """What `atlas-ld serve` lets an operator choose."""

    store: Path
    base: str | None = None  # None: the base the store was built with
    timeout: float = 10.0
    max_rows: int = 100_000
    max_body: int = 1_000_000
    workers: int | None = None  # None: one per core (at least two)
    include_personal: bool = False
    sparql_endpoint: str | None = None  # serve a remote SPARQL endpoint instead of `store`
    query_memory: int | None = DEFAULT_QUERY_MEMORY  # bytes per worker; None: no limit
    max_result_bytes: int = DEFAULT_MAX_BYTES
    public_url: str | None = None  # None: the base IRI
    trusted_hosts: list[str] = field(default_factory=list)  # empty: any Host header
    cache_control: str = "public, max-age=300"
    cache_memory: int = 64 << 20
    cache_disk: int = 1 << 30
    graph_prefix: str | None = None  # of the endpoint, serve only graphs whose IRI starts so
    fast_path: bool = True  # answers at hand skip Starlette's layers (serve.fast)
    engine: str = "auto"  # where queries read the store: "memory", "disk" or "auto" (store.memory)


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer and how it was obtained (for `X-Cache` and `Server-Timing`)."""

    written: Written
    key: str
    cache: str  # "hit" or "miss"
    seconds: float
    evaluation: float = 0.0  # seconds spent in the worker pool (0 for a hit)
    shared: bool = False  # the evaluation another request started for the same key

    @property
    def timing(self) -> str:
        """The `Server-Timing` header: cache outcome, evaluation and total time in ms."""
        parts = [f'cache;desc="{"shared" if self.shared else self.cache}"']
        if self.evaluation:
            parts.append(f"eval;dur={self.evaluation * 1000:.1f}")
        parts.append(f"answer;dur={self.seconds * 1000:.1f}")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Asked:
    """A query request read once (`Site.asked`): its job and cache key, the media type of the
    answer, and whether it asks for a fresh evaluation (`Cache-Control: no-cache`)."""

    job: QueryJob
    key: str
    media: str
    fresh: bool


class Site:
    """The running server's shared state: the base, the query pool, cached descriptions."""

    def __init__(self, config: ServerConfig):
        self.config = config
        # The repository applies the personal-data rule (atlas_ld.store.repo). The main process
        # keeps its own handle for the catalogue, VoID and search index, and for the queries
        # (the endpoint's and the pages') bounded by their text or known to be lean; the others
        # run in the workers, which reopen `served` (on disk, or in memory: `store.memory`).
        self.engine: Engine = "disk"
        if config.sparql_endpoint:
            self.engine_note = f"queries go to {config.sparql_endpoint}"
            self.base = check_base(config.base) if config.base else base_from_env()
            remote = RemoteSource(
                config.sparql_endpoint,
                include_personal=config.include_personal,
                timeout=config.timeout + 1,  # the worker's kill comes first
                graph_prefix=config.graph_prefix,
            )
            # the main process reads the whole store for the catalogue, VoID and search index
            self.store: Repo = replace(remote, timeout=max(120.0, config.timeout)).open()
            served: RepoSource = remote
        else:
            manifest = read_manifest(config.store)
            self.base = check_base(config.base) if config.base else manifest.base
            embedded = open_embedded(config.store, include_personal=config.include_personal)
            self.engine, self.engine_note = self._engine(config, manifest.quads)
            self.store, served = embedded, embedded.source
            if self.engine == "memory":
                try:
                    served = embedded.in_memory_source(config.store)
                except StoreError as exc:  # the N-Quads could not be written (disk full...)
                    log.warning("engine: disk: %s", exc)
                    self.engine = "disk"
                    self.engine_note = f"queries read the store on disk: {exc}"
        self.public_url = public_url(config.public_url or self.base)
        self.endpoint = self.public_url + "sparql"
        self.validators, self.answers = self._answers(config)
        self.pool = self._pool(config, served)
        if isinstance(served, EmbeddedSource) and served.memory_file is not None:
            self._hold_in_memory(config, served)
        self.triples = self._count_triples()
        self._cache: dict[str, object] = {}
        self._failed: OrderedDict[str, tuple[float, QueryError]] = OrderedDict()
        self._inflight: dict[str, asyncio.Future[Written]] = {}
        self._rows: OrderedDict[tuple, list[dict[str, dict]]] = OrderedDict()
        # rows of the answers known whole (see `QueryJob.known_rows`), by key
        self._known: OrderedDict[str, int] = OrderedDict()
        # keys the lean path may answer, with the seconds their evaluation took
        self._lean: OrderedDict[str, float] = OrderedDict()
        self._leaning = 0  # lean evaluations running now

    def _pool(self, config: ServerConfig, served: RepoSource) -> QueryPool:
        return QueryPool(
            served,
            size=config.workers,
            timeout=config.timeout,
            memory=config.query_memory,
            spool=self.answers.spool,
        )

    def _hold_in_memory(self, config: ServerConfig, source: EmbeddedSource) -> None:
        """Read the store in memory here and in the workers (`store.memory`): the workers' fork
        server loads its copy while this process loads its own (4 s each at Atlas scale). A
        file that does not load (damaged after it was written) is written again, once, and
        workers are started anew on it (each loads its own copy then)."""
        self.pool.prepare()
        try:
            self.store = source.open()
        except StoreError as exc:
            log.warning("%s; writing it again", exc)
            with contextlib.suppress(AtlasError):
                self.pool.start()  # the workers started on the damaged file
            self.pool.close()
            write_memory_file(config.store, Path(source.path))
            self.store = source.open()
            self.pool = self._pool(config, source)

    @staticmethod
    def _engine(config: ServerConfig, quads: int) -> tuple[Engine, str]:
        """Where queries read the store, and why (`store.memory`): the public copy may be held
        in memory; a store served with its personal data stays on disk (its N-Quads would be a
        file of personal data beside the store)."""
        if config.include_personal:
            if config.engine == "memory":
                log.warning("engine: disk, a store served with its personal data stays there")
            return "disk", "queries read the store on disk (with its personal data)"
        return choose_engine(config.engine, quads, copies=SERVER_COPIES)

    def _answers(self, config: ServerConfig) -> tuple[Validators, ResultCache]:
        """The build's validators and its result cache (on disk next to the store when the
        folder is writable; in memory only for a remote endpoint, whose answers may change)."""
        folder = None
        if config.sparql_endpoint:
            stamp = BuildStamp(f"remote{int(time.time())}", time.time())
        else:
            stamp = BuildStamp.of(config.store)
            # Rows without ORDER BY come in another order from each engine: answers per engine.
            stamp = BuildStamp(stamp.id + ENGINE_SUFFIX[self.engine], stamp.time)
            if config.include_personal:
                # Answers with personal data never share a folder with the public ones.
                stamp = BuildStamp(f"{stamp.id}-personal", stamp.time)
            try:
                folder = open_answers(config.store, stamp.id)
            except OSError as exc:
                log.warning("answers kept in memory only: %s", exc)
        # Pages also depend on the addresses they are written for.
        variant = f"{self.base} {self.public_url}"
        validators = Validators(stamp.id, stamp.time, config.cache_control, variant)
        cache = ResultCache(folder, memory_bytes=config.cache_memory, disk_bytes=config.cache_disk)
        return validators, cache

    def key(self, job: QueryJob) -> str:
        dataset = (job.default_graphs, job.named_graphs, job.union_default)
        return answer_key(
            self.validators.build_id,
            job.query,
            job.result_format,
            row_limit=job.row_limit,
            max_bytes=job.max_bytes,
            dataset=dataset if dataset != (None, None, True) else (),
            substitutions=job.substitutions,
            base_iri=job.base_iri,
        )

    async def answer(
        self, job: QueryJob, *, fresh: bool = False, public: bool = False, key: str | None = None
    ) -> Answer:
        """The job's answer from the cache, or evaluated by a worker and kept (`fresh`: do not
        read the cache, as `Cache-Control: no-cache` asks; `public`: a client's query, see
        `QueryPool.run`).

        A query stopped for time or memory is refused at once for `FAILURE_TTL` seconds after,
        `no-cache` or not: the store has not changed, so it would only be stopped again, and
        one client repeating it would otherwise keep every worker busy."""
        started = time.perf_counter()
        key = key or self.key(job)
        self._refuse_recent_failure(key)
        written = None if fresh else self.answers.get(key)
        if written is not None:
            return Answer(written, key, "hit", time.perf_counter() - started)
        if self._inline(job):
            # Bounded by its own text (one pattern, small LIMIT): the hop to a worker would
            # cost more than the query.
            return self._trivial_here(job, key, started)
        job = self._with_known(job, key)
        if key in self._lean and self._leaning < LEAN_AT_ONCE:
            return await self._answer_here(job, key, started)
        evaluating = time.perf_counter()
        flight = self._inflight.get(key)
        if flight is not None:
            # The same query is being evaluated for another client: share its answer (or its
            # failure) rather than queueing a second evaluation behind it.
            # Evaluated now, not read from the kept answers: a miss (`Server-Timing` says
            # "shared"). It said "hit", which a `no-cache` request was not.
            written = await asyncio.shield(flight)
            return Answer(written, key, "miss", time.perf_counter() - started, shared=True)
        flight = self._inflight[key] = asyncio.get_running_loop().create_future()
        try:
            written = await self.pool.run(job, public=public)
        except (QueryTimeout, QueryOutOfMemory) as exc:
            if self._query_at_fault(exc):
                self._failed[key] = (time.monotonic(), exc)
                while len(self._failed) > 10_000:
                    self._failed.popitem(last=False)
            _fail(flight, exc)
            raise
        except AtlasError as exc:
            _fail(flight, exc)
            raise
        except BaseException:
            _fail(flight, ServerBusy("the query was abandoned", hint="try again"))
            raise
        finally:
            del self._inflight[key]
        evaluation = time.perf_counter() - evaluating
        if not written.truncated:
            _bounded_put(self._known, key, written.rows)
        if self._may_lean(job, written, evaluation):
            _bounded_put(self._lean, key, evaluation)
        written = self.answers.put(key, written, persist=evaluation >= PERSIST_AFTER)
        flight.set_result(written)
        return Answer(written, key, "miss", time.perf_counter() - started, evaluation)

    def at_hand(self, job: QueryJob, key: str, fresh: bool) -> bool:
        """Will `answer` give this job's answer without a worker: kept, bounded by its own
        text (`_inline`), or on the lean path? (The endpoint's fast path, `serve.fast`.)"""
        if key in self._failed:
            return False
        if not fresh and self.answers.get(key) is not None:
            return True
        return self._inline(job) or (key in self._lean and self._leaning < LEAN_AT_ONCE)

    def _may_lean(self, job: QueryJob, written: Written, evaluation: float) -> bool:
        """May this job be evaluated again in the server process (the lean path)? When a worker
        answered it whole, within `LEAN_SECONDS` and in under `SPOOL_BYTES`, on this store that
        does not change until the next build (docs/server.md, "Lean path")."""
        return (
            not self.config.sparql_endpoint
            and evaluation <= LEAN_SECONDS
            and not written.truncated
            and written.path is None
            and len(written.body) <= SPOOL_BYTES
        )

    async def _answer_here(self, job: QueryJob, key: str, started: float) -> Answer:
        """The lean path: a job a worker answered cheaply before, evaluated again here, in a
        thread (pyoxigraph lets go of the GIL while it evaluates), by the workers' own code."""
        if self._lean[key] <= LEAN_INLINE:
            return self._lean_here(job, key, started)
        self._leaning += 1
        evaluating = time.perf_counter()
        try:
            written = await asyncio.to_thread(evaluate_here, self.store, job)
        finally:
            self._leaning -= 1
        return self._leaned(job, key, written, time.perf_counter() - evaluating, started)

    def renew(self, job: QueryJob, key: str, *, idle: bool = False) -> Answer | None:
        """The job's answer evaluated afresh, at once, in the event loop, when `answer` would
        evaluate it there too (a query bounded by its own text, or one on the lean path that
        took under `LEAN_INLINE`), or when the server is `idle` (nothing else in flight, no
        lean evaluation running) and it took under `LEAN_IDLE`; else None. (The front's fresh
        answers, `serve.front`.)"""
        started = time.perf_counter()
        if key in self._failed:
            return None
        if self._inline(job):
            return self._trivial_here(job, key, started)
        limit = LEAN_IDLE if idle and not self._leaning else LEAN_INLINE
        if self._lean.get(key, float("inf")) > limit or self._leaning >= LEAN_AT_ONCE:
            return None
        return self._lean_here(self._with_known(job, key), key, started)

    def renew_later(self, job: QueryJob, key: str):
        """The job's answer evaluated afresh on the lean path in a thread, as `answer` would
        (a coroutine), or None when `answer` would not take that path now. (The front's fresh
        answers, `serve.front`.)"""
        if key in self._failed or key not in self._lean or self._leaning >= LEAN_AT_ONCE:
            return None
        return self._answer_here(self._with_known(job, key), key, time.perf_counter())

    def _with_known(self, job: QueryJob, key: str) -> QueryJob:
        """The job with its row count when it was answered whole before (see
        `QueryJob.known_rows`: pyoxigraph then writes it, same bytes)."""
        rows = self._known.get(key)
        return job if rows is None else replace(job, known_rows=rows)

    def _trivial_here(self, job: QueryJob, key: str, started: float) -> Answer:
        job = self._with_known(job, key)
        evaluating = time.perf_counter()
        written = evaluate_here(self.store, job)
        evaluation = time.perf_counter() - evaluating
        if not written.truncated:
            _bounded_put(self._known, key, written.rows)
        written = self.answers.put(key, written, persist=False)
        return Answer(written, key, "miss", time.perf_counter() - started, evaluation)

    def _lean_here(self, job: QueryJob, key: str, started: float) -> Answer:
        evaluating = time.perf_counter()
        written = evaluate_here(self.store, job)
        return self._leaned(job, key, written, time.perf_counter() - evaluating, started)

    def _leaned(
        self, job: QueryJob, key: str, written: Written, evaluation: float, started: float
    ) -> Answer:
        """A lean evaluation's answer, kept; the key stays on the lean path while it is cheap."""
        if self._may_lean(job, written, evaluation / LEAN_SLACK):
            self._lean[key] = evaluation  # measured here, without the hop to a worker
        else:
            self._lean.pop(key, None)  # slower than it was (a loaded machine): back to workers
        written = self.answers.put(key, written, persist=evaluation >= PERSIST_AFTER)
        return Answer(written, key, "miss", time.perf_counter() - started, evaluation)

    def _inline(self, job: QueryJob) -> bool:
        """May this job be evaluated here, without a worker (see `guard.is_trivial`)?"""
        return (
            not self.config.sparql_endpoint
            and job.default_graphs is None
            and job.named_graphs is None
            and not job.substitutions
            and is_trivial(job.query)
        )

    def _query_at_fault(self, exc: QueryTimeout | QueryOutOfMemory) -> bool:
        """Whether the query itself is why it was stopped, so it would be stopped again on the
        same store: not when it timed out after waiting for a worker, nor on a remote engine,
        whose load (and data) this server does not know."""
        if self.config.sparql_endpoint:
            return False
        return not isinstance(exc, QueryTimeout) or exc.whole_limit

    def _refuse_recent_failure(self, key: str) -> None:
        failed = self._failed.get(key)
        if failed is None:
            return
        when, exc = failed
        if time.monotonic() - when > FAILURE_TTL:
            del self._failed[key]
            return
        raise type(exc)(f"{exc.message}; it is not run again for {FAILURE_TTL:g} s", hint=exc.hint)

    async def precompute(self) -> None:
        """Answer the canned queries once (SPARQL JSON and CSV), so they are on disk.

        On the public copy of an embedded store this is the build's own `Precomputation`, in a
        child process with the build's time budget: one evaluation per query gives both formats
        and the kinds of the CSV's terms (so pages of an answer kept as CSV only are cut from
        it), and `roles` at Atlas scale, longer than a query's time limit, is answered too.
        Elsewhere (personal data included) the queries go through the worker pool."""
        if self.answers.folder is not None and not self.config.include_personal:
            folder = self.answers.folder
            if all(answered(folder, *keys) for keys in self._canned_keys()):
                return
            child = Precomputation.start(
                self.config.store,
                row_limit=self.config.max_rows,
                max_bytes=self.config.max_result_bytes,
                engine=self.engine,
            )
            try:
                written = await asyncio.to_thread(child.wait)
            except asyncio.CancelledError:
                child.stop()
                raise
            self.answers.rescan()
            log.info("canned queries answered ahead: %d answers", written)
            return
        for canned in list_queries():
            for fmt in ("json", "csv"):
                try:
                    info = inspect_query(canned.sparql)
                    if info.form == "SELECT":
                        await self.answer(self.job(canned.sparql, fmt, info=info))
                except AtlasError as exc:
                    log.info("canned query %s not answered ahead: %s", canned.name, exc)

    def _canned_keys(self) -> list[tuple[str, str, str]]:
        """Per canned query, the cache keys of its full answer in SPARQL JSON and in CSV, and
        of its whole CSV (kept when the full answer is cut at the row limit)."""
        return [
            (
                self.key(self.job(canned.sparql, "json")),
                self.key(self.job(canned.sparql, "csv")),
                whole_key(self.validators.build_id, canned.sparql),
            )
            for canned in list_queries()
        ]

    def _count_triples(self) -> int:
        """The size of the default graph, for the service description: counted once per build
        and kept with the build's answers (counting 1.9 M quads delayed every start)."""
        kept = self.answers.folder / "triples" if self.answers.folder else None
        if kept is not None and kept.is_file():
            return int(kept.read_text(encoding="ascii"))
        query = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
        result = self.store.query(query, use_default_graph_as_union=True)
        count = int(next(iter(result))["n"].value)
        if kept is not None:
            with contextlib.suppress(OSError):
                kept.write_text(str(count), encoding="ascii")
        return count

    def asked(self, parsed: ProtocolRequest, headers) -> Asked:
        """What a protocol request asks the endpoint (its query read, the format chosen from
        `format=` or `Accept`, the cache key), for the endpoint and its fast path alike."""
        info = inspect_query(parsed.query)
        fmt, media = result_format(info.form, headers.get("accept"), parsed.format)
        job = self.job(parsed.query, fmt, parsed, info, self.endpoint)
        return Asked(job, self.key(job), media, wants_fresh(headers))

    def job(
        self,
        query: str,
        fmt: str,
        request: ProtocolRequest | None = None,
        info: QueryInfo | None = None,
        base_iri: str | None = None,
    ) -> QueryJob:
        """A job on the union of the served graphs, or the dataset the request names."""
        default = request.default_graphs if request else None
        named = request.named_graphs if request else None
        if request and (default or named):
            default, named = tuple(default), tuple(named)
        else:
            default = named = None
        return QueryJob(
            query=query,
            result_format=fmt,
            row_limit=self.config.max_rows,
            default_graphs=default,
            named_graphs=named,
            prefixes=_PREFIXES,
            base_iri=base_iri,
            union_default=not (info and info.has_from),
            max_bytes=self.config.max_result_bytes,
        )

    async def run(
        self, query: str, fmt: str = "json", bind: Bindings = (), *, keep_file: bool = False
    ) -> Written:
        """Guard and run a query the server itself wrote (pages, canned queries); `bind` gives
        values from the request as pyoxigraph substitutions. A large answer comes back as a
        file (`Written.path`) when `keep_file`, to be sent with `cache.answer_response`; else
        its bytes are read."""
        info = inspect_query(query)
        job = replace(self.job(query, fmt, info=info), substitutions=bind)
        written = (await self.answer(job)).written
        if written.path is None or keep_file:
            return written
        return replace(written, body=written.read(), path=None)

    async def select(self, query: str, bind: Bindings = ()) -> list[dict[str, dict]]:
        """SELECT rows as SPARQL-JSON bindings, for the HTML pages.

        The store does not change while it is served, so the answers of the pages' own queries
        are kept (the most recent `PAGE_CACHE` of them): the home page costs its queries once.
        """
        key = (query, bind)
        rows = self._rows.pop(key, None)
        if rows is None:
            written = await self.run(query, "json", bind)
            rows = json.loads(written.body)["results"]["bindings"]
        self._rows[key] = rows
        while len(self._rows) > PAGE_CACHE:
            self._rows.popitem(last=False)
        return rows

    async def cached(self, key: str, make):
        """`make()` once, in a thread: the catalogue and VoID read the whole store."""
        if key not in self._cache:
            self._cache[key] = await asyncio.to_thread(make)
        return self._cache[key]


def _bounded_put(kept: OrderedDict, key: str, value) -> None:
    kept[key] = value
    while len(kept) > LEAN_KEYS:
        kept.popitem(last=False)


def _fail(flight: asyncio.Future, exc: BaseException) -> None:
    """Pass a failure to the clients sharing an evaluation (none may be waiting: mark it seen)."""
    flight.set_exception(exc)
    flight.exception()


def _site(request: Request) -> Site:
    return request.app.state.site


async def sparql(request: Request) -> Response:
    """The SPARQL 1.1 Protocol endpoint (query only)."""
    site = _site(request)
    parsed = request.scope.get("atlas.request")  # read by the fast path, which let it through
    if parsed is None:
        parsed = await read_request(request, site.config.max_body)
    if parsed.query is None:
        return _service_description(request, site, parsed)
    asked = request.scope.get("atlas.asked") or site.asked(parsed, request.headers)
    if not asked.fresh and site.validators.not_modified(request.headers, asked.key):
        return Response(status_code=304, headers=site.validators.headers(asked.key))
    answer = await site.answer(asked.job, fresh=asked.fresh, public=True, key=asked.key)
    return results_response(site, answer, asked.media)


def results_response(site: Site, answer: Answer, media: str) -> Response:
    """The endpoint's response for an answer (also sent by the fast path, `serve.fast`)."""
    headers = {
        "Vary": "Accept",
        **site.validators.headers(answer.key),
        "X-Cache": answer.cache,
        "Server-Timing": answer.timing,
    }
    return answer_response(answer.written, media, headers)


def _service_description(request: Request, site: Site, parsed: ProtocolRequest) -> Response:
    if parsed.format is None and views.wants_html(request):
        return views.editor_page(request)
    fmt, media = result_format("CONSTRUCT", request.headers.get("accept"), parsed.format)
    triples = service_description(
        site.endpoint,
        site.triples,
        union_default=True,
        row_limit=site.config.max_rows,
        time_limit=site.config.timeout,
        byte_limit=site.config.max_result_bytes,
    )
    written = write_triples(triples, fmt, len(triples), PREFIXES)
    return Response(written.body, media_type=media, headers={"Vary": "Accept"})


def _error_status(exc: AtlasError) -> int:
    if isinstance(exc, ProtocolError):
        return exc.status
    if isinstance(exc, NotAcceptable):
        return 406
    if isinstance(exc, QueryTimeout | ServerBusy | QueryOutOfMemory | WorkerDied):
        return 503
    if isinstance(exc, QueryError):
        return 400
    if isinstance(exc, StoreError):
        return 503
    return 400


async def _atlas_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AtlasError)
    status = _error_status(exc)
    if views.wants_html(request) and not request.url.path.startswith("/sparql"):
        return views.error_page(request, status, one_line(str(exc)))
    headers = {"Retry-After": "5"} if status == 503 else None
    return PlainTextResponse(one_line(str(exc)) + "\n", status_code=status, headers=headers)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s", request.url.path)
    return PlainTextResponse("internal server error\n", status_code=500)


# Our pages load nothing from elsewhere and run no inline script: a CSP makes any markup that
# slipped past escaping inert. pyLODE's ontology page has inline styles, so it keeps its own.
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
# YASGUI's result table adds <style> elements as its columns are sized: the editor page allows
# inline styles (never inline scripts).
EDITOR_POLICY = PAGE_POLICY.replace(
    "default-src 'self';", "default-src 'self'; style-src 'self' 'unsafe-inline';"
)
EDITOR_PATHS = ("/query", "/sparql", "/sparql/")


class SecurityHeaders:
    """Adds `nosniff` to every response (error text must never be sniffed as HTML), a
    Content-Security-Policy to HTML pages, and a referrer policy."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "same-origin"
                html = headers.get("content-type", "").startswith("text/html")
                if html and not path.startswith("/def/atlas"):
                    editor = path in EDITOR_PATHS
                    headers["Content-Security-Policy"] = EDITOR_POLICY if editor else PAGE_POLICY
            await send(message)

        await self.app(scope, receive, send_with_headers)


CORS_OPTIONS = {
    "allow_origins": ["*"],
    "allow_methods": ["GET", "POST"],
    "allow_headers": ["Accept", "Content-Type", "Cache-Control", "If-None-Match"],
    "expose_headers": ["X-Atlas-Truncated", "X-Cache", "ETag", "Server-Timing"],
}


def response_headers(app):
    """The middlewares that add headers to every response, around `app`, in the order of the
    app's own stack: the fast path's answers get the same headers by the same code."""
    return SecurityHeaders(CORSMiddleware(app, **CORS_OPTIONS))


def public_url(url: str) -> str:
    """The server's public address, with one trailing slash; `http(s)` and a host required."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise StoreError(f"not a public URL: {url!r}", hint="give http(s)://host[:port]/[path/]")
    return url if url.endswith("/") else url + "/"


class PublicOrigin:
    """Puts the configured public origin in each request's scope (scheme, server, Host header,
    root path), so `request.url` and `url_for` never echo what a client sent: a request with
    `Host: evil.example` cannot change a URL the server writes, cached or not."""

    def __init__(self, app, url: str):
        self.app = app
        parts = urlsplit(url)
        self.scheme = parts.scheme
        self.host = parts.netloc.encode("latin-1")
        self.server = (parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
        self.root = parts.path.rstrip("/")

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            scope = dict(scope)
            scope["scheme"] = self.scheme
            scope["server"] = self.server
            scope["root_path"] = self.root
            headers = [(k, v) for k, v in scope["headers"] if k != b"host"]
            scope["headers"] = [(b"host", self.host), *headers]
        return await self.app(scope, receive, send)


def create_app(config: ServerConfig) -> Starlette:
    """The ASGI app; the worker pool starts with the app and stops with it."""
    site = Site(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        site.pool.start()
        views.search.start(app)  # the search index, built in the background when stale
        views.home.start(app)  # the home page's figures, computed ahead when not on disk
        # A remote endpoint's answers are not kept on disk: nothing to compute ahead there.
        precompute = not config.sparql_endpoint
        answering = asyncio.create_task(site.precompute() if precompute else asyncio.sleep(0))
        try:
            yield
        finally:
            answering.cancel()
            site.pool.close()
            await asyncio.to_thread(views.search.stop, app)

    routes = [
        Route("/sparql", sparql, methods=["GET", "POST"], name="sparql"),
        Route("/sparql/", sparql, methods=["GET", "POST"]),
        Mount("/static", StaticFiles(packages=[("atlas_ld.serve", "static")]), name="static"),
        *views.routes(),
    ]
    trusted = [Middleware(TrustedHostMiddleware, allowed_hosts=config.trusted_hosts)]
    fast = [Middleware(FastAnswers, site=site, respond=response_headers)]
    app = Starlette(
        routes=routes,
        middleware=[
            *(trusted if config.trusted_hosts else []),
            *fast,
            Middleware(PublicOrigin, url=site.public_url),
            Middleware(SecurityHeaders),
            Middleware(PageValidators, validators=site.validators),
            Middleware(CORSMiddleware, **CORS_OPTIONS),
        ],
        exception_handlers={AtlasError: _atlas_error, Exception: _unexpected},
        lifespan=lifespan,
    )
    app.state.site = site
    return app


def serve(config: ServerConfig, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the app under uvicorn until interrupted (SIGINT/SIGTERM end it gracefully).

    The socket is bound here, before the app starts, and the address it got is printed on
    standard output: with `port=0` the system picks a free port and callers (tests, scripts)
    read it from that line instead of racing for one.
    """
    lighten_records()
    app = create_app(config)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Answers are small: without TCP_NODELAY (inherited by accepted sockets on Linux), the body
    # written after the headers waits for the client's delayed ACK, 40 ms per request.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise StoreError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(2048)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    print(f"atlas-ld: serving on http://{shown}:{bound}/", flush=True)
    print(f"atlas-ld: {app.state.site.engine_note}", flush=True)
    sys.stdout.flush()
    # uvloop where it is installed (a dependency but on Windows): under the mixed soak
    # (benchmarks/bench_soak.py, 30 s, same load) 454 requests/s against 313 with asyncio's
    # own loop. It once made larger answers end in a 503 (the worker pool's blocking `recv`
    # after the first readiness failed on uvloop's non-blocking pipe); `workers._Inbox` reads
    # answers as they arrive, and tests/server/test_paging.py covers large ones.
    server_for(app).run(sockets=[sock])


def server_for(app: Starlette):
    """uvicorn's server for the app, with the endpoint's front (`serve.front`) as its HTTP
    protocol: repeated requests for kept answers are written back without the ASGI stack."""
    import uvicorn

    config = uvicorn.Config(
        app,
        access_log=True,
        log_level="info",
        proxy_headers=False,
        loop="auto",
        http=front_protocol(Replays()),
        log_config=log_config(),
        server_header=False,  # the software serving is nobody's business (and one header less)
    )
    return uvicorn.Server(config)
