"""Evaluate SPARQL in worker processes that can be killed when a query runs too long.

pyoxigraph has no way to cancel a query, and ORDER BY or GROUP BY compute everything before the
first row comes out, so dropping the iterator does not stop the work. Each query therefore runs
in a separate process; when its time is up the process is killed and a fresh one takes its place,
while the other workers go on answering. Every worker opens the store read-only (pyoxigraph allows
several read-only processes on one directory), and queries run in parallel on all cores.

The web server talks to a worker through a pipe and waits on it with the event loop
(`add_reader`), so waiting costs no thread; answers are read as they arrive (`_Inbox`).

With the memory engine (`store.memory`) the workers are forked from a fork server that holds
the store in memory, and share it (`_context`).

Memory: each worker sets its own data-segment limit (`RLIMIT_DATA`, `--query-memory`) before it
opens the store (after, with the memory engine: the copy plus `--query-memory`). pyoxigraph
aborts the process when an allocation fails, so a query that needs more dies alone (SIGABRT);
the pool sees the dead pipe, answers 503 "ran out of memory" and starts a fresh worker, while
the others go on. `RLIMIT_DATA` rather than `RLIMIT_AS`: it counts the heap and anonymous
mappings that grow with a query, not RocksDB's file mappings or thread stacks.

Large answers: a worker writes an answer over `SPOOL_BYTES` to a file in the spool directory and
sends its path, so the main process streams it from disk and never holds a whole large answer
per client (and the file becomes the result cache's entry on disk).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import os
import pickle
import resource
import signal
import struct
import tempfile
import time
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from atlas_ld.core.errors import AtlasError, QueryError, StoreError, one_line, syntax_error
from atlas_ld.core.processes import proc_bytes, readable_size
from atlas_ld.serve.results import (
    DEFAULT_MAX_BYTES,
    SOLUTION_TYPES,
    Written,
    write_boolean,
    write_solutions,
    write_triples,
)
from atlas_ld.store.guard import star_columns
from atlas_ld.store.memory import PRELOAD_VARIABLE
from atlas_ld.store.repo import RepoSource, is_triples, reopen

FAIR_WAIT = 0.05  # share of the time limit a query may wait for a worker and still own a timeout


class QueryTimeout(QueryError):
    """The query ran past the endpoint's time limit and was stopped. `whole_limit`: it ran on a
    ready worker for (nearly) the whole limit, so the time is its own, not spent waiting for a
    free worker or for a new one to start."""

    def __init__(self, message: str, *, whole_limit: bool = True, **kwargs):
        self.whole_limit = whole_limit
        super().__init__(message, **kwargs)


class ServerBusy(QueryError):
    """Every worker stayed busy for the whole time limit."""


class QueryOutOfMemory(QueryError):
    """The query needed more memory than a worker may use; its worker was replaced."""


class WorkerDied(QueryError):
    """The worker evaluating the query stopped for another reason; it was replaced."""


SPOOL_BYTES = 256 * 1024
DEFAULT_QUERY_MEMORY = 1 << 30


@dataclass(frozen=True, slots=True)
class QueryJob:
    """One evaluation: the query text, the dataset to run it on and the output wanted.

    `default_graphs` and `named_graphs` of None leave the dataset to the query: the union of the
    named graphs as default graph (`union_default`, off for queries with FROM, which pyoxigraph
    would otherwise ignore) and all named graphs; lists set the dataset, as the protocol's
    `default-graph-uri` and `named-graph-uri` do.
    """

    query: str
    result_format: str
    row_limit: int
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    prefixes: tuple[tuple[str, str], ...] = ()
    base_iri: str | None = None  # relative IRIs in the query resolve against the endpoint URL
    union_default: bool = True
    # (variable, "uri" | "literal", value): values from a request, bound by pyoxigraph
    # (SEP-0007) instead of being pasted into the query text
    substitutions: tuple[tuple[str, str, str], ...] = ()
    max_bytes: int = DEFAULT_MAX_BYTES
    known_rows: int | None = None  # the answer is whole, of this many rows (see `evaluate`)


def evaluate(store: ox.Store, job: QueryJob) -> Written:
    """Run one job on an open store (what a worker does; also usable in-process).

    With `job.known_rows` (its answer is known to be whole, of that many rows, within the
    limits: this build answered it before, and the store does not change), pyoxigraph writes
    SPARQL JSON itself instead of the row-by-row writer that watches the limits (same bytes)."""
    kwargs: dict = {"base_iri": job.base_iri}
    if job.default_graphs is None:
        kwargs["use_default_graph_as_union"] = job.union_default
    else:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    if job.named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    if job.substitutions:
        kwargs["substitutions"] = {
            ox.Variable(name): ox.NamedNode(value) if kind == "uri" else ox.Literal(value)
            for name, kind, value in job.substitutions
        }
    result = store.query(job.query, **kwargs)
    if isinstance(result, ox.QueryBoolean):
        return write_boolean(bool(result), job.result_format)
    if is_triples(result):  # embedded or from a remote endpoint
        prefixes = dict(job.prefixes)
        return write_triples(result, job.result_format, job.row_limit, prefixes, job.max_bytes)
    order = star_columns(job.query)
    if job.known_rows is not None and order is None and job.result_format == "json":
        body = result.serialize(format=ox.QueryResultsFormat.JSON)
        return Written(body, SOLUTION_TYPES["json"], job.known_rows, False, max_bytes=job.max_bytes)
    return write_solutions(result, job.result_format, job.row_limit, order or (), job.max_bytes)


def evaluate_here(store: ox.Store, job: QueryJob) -> Written:
    """`evaluate` in this process, with the errors a worker would report."""
    try:
        return evaluate(store, job)
    except SyntaxError as exc:
        raise syntax_error(str(exc)) from None
    except (OSError, ValueError, TypeError) as exc:
        raise QueryError(one_line(f"the query could not be evaluated: {exc}")) from None


def _spooled(written: Written, spool: str | None) -> Written:
    if spool is None or len(written.body) <= SPOOL_BYTES:
        return written
    fd, path = tempfile.mkstemp(dir=spool, prefix="answer-", suffix=".part")
    with os.fdopen(fd, "wb") as out:
        out.write(written.body)
    return replace(written, body=b"", path=path)


def _worker_main(
    conn: Connection,
    store_path: str | RepoSource,
    memory: int | None = None,
    spool: str | None = None,
) -> None:
    # Die with the server: a worker left behind would hold the store open for nothing.
    _die_with_parent()
    in_memory = getattr(store_path, "memory_file", None) is not None
    if memory and not in_memory:
        resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    try:
        store = reopen(store_path)  # a store path, or a repo's source
    except (OSError, AtlasError) as exc:
        conn.send(("failed", f"cannot open the store read-only: {exc}"))
        return
    if memory and in_memory:
        # The store held in memory is the worker's own data: a query may use `memory` more.
        limit = _data_size() + memory
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):  # the server closed the pipe or stopped
            return
        try:
            conn.send(("ok", _spooled(evaluate(store, job), spool)))
        except SyntaxError as exc:
            conn.send(("syntax", str(exc)))
        except MemoryError:
            conn.send(("memory", None))
        except (OSError, ValueError, TypeError, AtlasError) as exc:
            conn.send(("failed", f"the query could not be evaluated: {exc}"))


def _data_size() -> int:
    """Bytes of this process's data segment (`VmData`, what `RLIMIT_DATA` counts)."""
    found = proc_bytes("/proc/self/status", "VmData:")
    return found if found is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _context(source: str | RepoSource):
    """How workers start: spawned (a fresh interpreter that opens the store), or, for a store
    held in memory, forked from a fork server that loaded the copy once (`store.preload`), so
    the workers share its pages and a replacement starts in milliseconds, not seconds. The
    fork server reads the file's name from the environment when it starts; one started
    earlier in this process for another file leaves each worker to load its own copy."""
    memory_file = getattr(source, "memory_file", None)
    if memory_file is None or "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")  # (no fork server on Windows)
    context = multiprocessing.get_context("forkserver")
    os.environ[PRELOAD_VARIABLE] = memory_file
    context.set_forkserver_preload(["atlas_ld.serve.workers", "atlas_ld.store.preload"])
    return context


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (PR_SET_PDEATHSIG)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the daemon flag still stops workers on a clean exit


class _Inbox:
    """A worker's messages, read in the event loop as they arrive, whatever their size.

    The worker sends with `Connection.send` (a 4-byte length, or -1 and an 8-byte one, then the
    pickle). Reading here, one `os.read` per readiness of the pipe, never blocks the event loop
    and works whether the loop left the descriptor blocking (asyncio) or made it non-blocking
    (uvloop): `Connection.recv` after the first readiness waited for the rest of a large
    answer in blocking mode and failed in non-blocking mode, so under uvloop an answer larger
    than the pipe's buffer never arrived."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.buffer = bytearray()

    def read(self) -> bool:
        """Take in what the pipe holds; True once a whole message is here."""
        try:
            chunk = os.read(self.conn.fileno(), 1 << 20)
        except BlockingIOError:
            chunk = None
        if chunk == b"":
            raise EOFError("the worker closed its pipe")
        if chunk:
            self.buffer += chunk
        return self._span() is not None

    def _span(self) -> tuple[int, int] | None:
        if len(self.buffer) < 4:
            return None
        (size,) = struct.unpack_from("!i", self.buffer)
        start = 4
        if size == -1:
            if len(self.buffer) < 12:
                return None
            (size,) = struct.unpack_from("!Q", self.buffer, 4)
            start = 12
        return (start, start + size) if len(self.buffer) >= start + size else None

    def take(self):
        """The first whole message, or None."""
        span = self._span()
        if span is None:
            return None
        message = pickle.loads(self.buffer[span[0] : span[1]])
        del self.buffer[: span[1]]
        return message


class _Worker:
    def __init__(
        self, context, store_path: str | RepoSource, memory: int | None, spool: str | None
    ):
        self.conn, child = context.Pipe()
        self.inbox = _Inbox(self.conn)
        self.process = context.Process(
            target=_worker_main,
            args=(child, store_path, memory, spool),
            daemon=True,
            name="atlas-ld-query",
        )
        self.process.start()
        child.close()
        self.ready = False

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()


async def _readable(worker: _Worker, deadline: float) -> None:
    """Wait (until `deadline`) for the worker's pipe to complete a message in its inbox."""
    loop = asyncio.get_running_loop()
    arrived = loop.create_future()

    def take_in() -> None:
        if arrived.done():
            return
        try:
            if worker.inbox.read():
                arrived.set_result(None)
        except (EOFError, OSError) as exc:
            arrived.set_exception(exc)

    fd = worker.conn.fileno()
    loop.add_reader(fd, take_in)
    try:
        await asyncio.wait_for(arrived, max(0.0, deadline - time.monotonic()))
    finally:
        loop.remove_reader(fd)


class QueryPool:
    """A fixed number of query processes over one store directory."""

    def __init__(
        self,
        store_path: Path | RepoSource,
        *,
        size: int | None = None,
        timeout: float = 10.0,
        memory: int | None = DEFAULT_QUERY_MEMORY,
        spool: Path | None = None,
    ):
        self.store_path = (
            str(store_path) if isinstance(store_path, str | os.PathLike) else store_path
        )
        # At least three, so one can stay free for the pages (idle workers cost little memory).
        self.size = size or max(3, os.cpu_count() or 3)
        self.timeout = timeout
        self.memory = memory
        self.spool = str(spool) if spool else None
        self.deaths: dict[str, int] = {}  # how workers ended other than by a timeout kill
        self._context = _context(self.store_path)
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: set[_Worker] = set()
        self.replaced = 0
        self._lane: asyncio.Semaphore | None = None
        self._preparing: concurrent.futures.Future[None] | None = None

    def _new_worker(self) -> _Worker:
        return _Worker(self._context, self.store_path, self.memory, self.spool)

    def prepare(self) -> None:
        """Begin starting the workers in a thread, so that the caller's own work (loading its
        copy of the store in memory) overlaps theirs (the fork server loading its copy);
        `start` then waits for them."""
        if self._preparing is None:
            starter = concurrent.futures.ThreadPoolExecutor(1, "atlas-ld-start-workers")
            self._preparing = starter.submit(self._start)
            starter.shutdown(wait=False)  # its thread ends with the start

    def start(self) -> None:
        """Start the workers and wait until each has opened the store (errors surface here)."""
        if self._preparing is None:
            self._start()
        else:
            self._preparing.result()

    def _start(self) -> None:
        workers = [self._new_worker() for _ in range(self.size)]
        self._all.update(workers)
        for worker in workers:
            self._check_ready(worker, worker.conn.recv() if worker.conn.poll(120) else None)

    def _check_ready(self, worker: _Worker, message) -> None:
        if not message or message[0] != "ready":
            self.close()
            reason = message[1] if message else "the query worker did not start"
            raise StoreError(reason, where=str(self.store_path))
        worker.ready = True

    async def _idle_queue(self) -> asyncio.Queue[_Worker]:
        if self._idle is None:
            # Last in, first out: the worker that answered last takes the next query, its store
            # caches warm. Taking them in turn made every query of a quiet server run on a
            # worker whose caches the other queries had not warmed (a 24 ms query took 58).
            self._idle = asyncio.LifoQueue()
            for worker in self._all:
                self._idle.put_nowait(worker)
        return self._idle

    async def run(
        self, job: QueryJob, timeout: float | None = None, *, public: bool = False
    ) -> Written:
        """Evaluate `job` in a free worker, within the time limit counted from now.

        `public` queries (sent by clients to the endpoint) may hold all workers but one (with
        three or more): the last is kept for the queries of the server's own pages, so a burst
        of heavy queries on /sparql never leaves the pages waiting for a worker.
        """
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        idle = await self._idle_queue()
        lane = self._public_lane() if public else None
        try:
            if lane is not None:
                await asyncio.wait_for(lane.acquire(), limit)
            try:
                worker = await asyncio.wait_for(idle.get(), max(0.0, deadline - time.monotonic()))
            except BaseException:
                if lane is not None:
                    lane.release()
                raise
        except TimeoutError:
            raise ServerBusy(
                f"every query worker stayed busy for {limit:g} s", hint="try again later"
            ) from None
        try:
            return await self._run_in(worker, idle, job, limit, deadline)
        finally:
            if lane is not None:
                lane.release()

    def _public_lane(self) -> asyncio.Semaphore:
        if self._lane is None:
            # With two workers, keeping one aside would halve the endpoint: from three on.
            self._lane = asyncio.Semaphore(self.size - 1 if self.size >= 3 else self.size)
        return self._lane

    async def _run_in(self, worker: _Worker, idle, job: QueryJob, limit: float, deadline: float):
        waited = limit - (deadline - time.monotonic())  # for a free worker
        whole_limit = worker.ready and waited <= FAIR_WAIT * limit
        try:
            message = await self._exchange(worker, job, deadline)
        except TimeoutError:
            self._replace(worker)
            raise QueryTimeout(
                f"the query ran longer than the {limit:g} s limit and was stopped",
                hint="add LIMIT, narrow the patterns or use a dump for whole-graph work",
                whole_limit=whole_limit,
            ) from None
        except (EOFError, OSError):
            raise self._died(worker) from None
        except asyncio.CancelledError:
            self._replace(worker)
            raise
        idle.put_nowait(worker)
        if message[0] == "memory":
            raise self._out_of_memory()
        return self._result(message)

    def _died(self, worker: _Worker) -> QueryError:
        """The error for a query whose worker died under it (the worker is replaced)."""
        worker.process.join(5)
        code = worker.process.exitcode
        self._replace(worker)
        if code == -signal.SIGABRT:  # Rust aborts when an allocation fails
            self.deaths["out of memory"] = self.deaths.get("out of memory", 0) + 1
            return self._out_of_memory()
        reason = f"signal {-code}" if code is not None and code < 0 else f"exit {code}"
        self.deaths[reason] = self.deaths.get(reason, 0) + 1
        return WorkerDied(
            f"the query stopped its worker process ({reason}); a fresh one has taken its place",
            hint="try again later or simplify the query",
        )

    def _out_of_memory(self) -> QueryOutOfMemory:
        limit = readable_size(self.memory) if self.memory else "the memory"
        return QueryOutOfMemory(
            f"the query ran out of memory (each query may use {limit}) and was stopped",
            hint="add LIMIT, narrow the patterns or use a dump for whole-graph work",
        )

    async def _exchange(self, worker: _Worker, job: QueryJob, deadline: float):
        fd = worker.conn.fileno()
        os.set_blocking(fd, True)  # a long query is written whole (uvloop leaves it non-blocking)
        worker.conn.send(job)
        while True:
            message = worker.inbox.take()
            if message is None:
                await _readable(worker, deadline)
            elif message[0] != "ready":  # a replacement worker first says it is ready
                return message
            else:
                worker.ready = True

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        self._all.discard(worker)
        fresh = self._new_worker()
        self._all.add(fresh)
        self.replaced += 1
        if self._idle is not None:
            self._idle.put_nowait(fresh)

    @staticmethod
    def _result(message) -> Written:
        kind, payload = message
        if kind == "ok":
            return payload
        if kind == "syntax":
            raise syntax_error(payload)
        raise QueryError(one_line(payload))

    def close(self) -> None:
        for worker in list(self._all):
            worker.kill()
        self._all.clear()
