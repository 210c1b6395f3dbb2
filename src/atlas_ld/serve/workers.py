"""Evaluate SPARQL in worker processes that can be killed when a query runs too long.

pyoxigraph has no way to cancel a query, and ORDER BY or GROUP BY compute everything before the
first row comes out, so dropping the iterator does not stop the work. Each query therefore runs
in a separate process; when its time is up the process is killed and a fresh one takes its place,
while the other workers go on answering. Every worker opens the store read-only (pyoxigraph allows
several read-only processes on one directory), and queries run in parallel on all cores.

The web server talks to a worker through a pipe and waits on it with the event loop
(`add_reader`), so waiting costs no thread.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import re
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from atlas_ld.core.errors import AtlasError, QueryError, StoreError
from atlas_ld.serve.results import Written, write_boolean, write_solutions, write_triples
from atlas_ld.store.guard import star_columns
from atlas_ld.store.remote import RemoteSource
from atlas_ld.store.repo import is_triples, reopen

_SYNTAX_POSITION = re.compile(r"^error at (\d+):(\d+): ")
_MESSAGE_LIMIT = 300


class QueryTimeout(QueryError):
    """The query ran past the endpoint's time limit and was stopped."""


class ServerBusy(QueryError):
    """Every worker stayed busy for the whole time limit."""


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


def evaluate(store: ox.Store, job: QueryJob) -> Written:
    """Run one job on an open store (what a worker does; also usable in-process)."""
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
        return write_triples(result, job.result_format, job.row_limit, dict(job.prefixes))
    order = star_columns(job.query) or ()
    return write_solutions(result, job.result_format, job.row_limit, order)


def _syntax_message(text: str) -> tuple[str, str | None]:
    match = _SYNTAX_POSITION.match(text)
    message = text[match.end() :] if match else text
    if len(message) > _MESSAGE_LIMIT:
        message = message[:_MESSAGE_LIMIT] + "…"
    where = f"line {match.group(1)}, column {match.group(2)}" if match else None
    return f"SPARQL syntax error: {message}", where


def _worker_main(conn: Connection, store_path: str) -> None:
    try:
        store = reopen(store_path)  # a store path, or a remote repo's source
    except (OSError, AtlasError) as exc:
        conn.send(("failed", f"cannot open the store read-only: {exc}"))
        return
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        try:
            conn.send(("ok", evaluate(store, job)))
        except SyntaxError as exc:
            conn.send(("syntax", str(exc)))
        except (OSError, ValueError, TypeError, AtlasError) as exc:
            conn.send(("failed", f"the query could not be evaluated: {exc}"))


class _Worker:
    def __init__(self, context, store_path: str):
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_worker_main, args=(child, store_path), daemon=True, name="atlas-ld-query"
        )
        self.process.start()
        child.close()
        self.ready = False

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()


class QueryPool:
    """A fixed number of query processes over one store directory."""

    def __init__(self, store_path: Path, *, size: int | None = None, timeout: float = 10.0):
        self.store_path = store_path if isinstance(store_path, RemoteSource) else str(store_path)
        self.size = size or max(2, os.cpu_count() or 2)
        self.timeout = timeout
        self._context = multiprocessing.get_context("spawn")
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: set[_Worker] = set()
        self.replaced = 0

    def start(self) -> None:
        """Start the workers and wait until each has opened the store (errors surface here)."""
        workers = [_Worker(self._context, self.store_path) for _ in range(self.size)]
        self._all.update(workers)
        for worker in workers:
            self._check_ready(worker, worker.conn.recv() if worker.conn.poll(60) else None)

    def _check_ready(self, worker: _Worker, message) -> None:
        if not message or message[0] != "ready":
            self.close()
            reason = message[1] if message else "the query worker did not start"
            raise StoreError(reason, where=str(self.store_path))
        worker.ready = True

    async def _idle_queue(self) -> asyncio.Queue[_Worker]:
        if self._idle is None:
            self._idle = asyncio.Queue()
            for worker in self._all:
                self._idle.put_nowait(worker)
        return self._idle

    async def run(self, job: QueryJob, timeout: float | None = None) -> Written:
        """Evaluate `job` in a free worker, within the time limit counted from now."""
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        idle = await self._idle_queue()
        try:
            worker = await asyncio.wait_for(idle.get(), limit)
        except TimeoutError:
            raise ServerBusy(
                f"every query worker stayed busy for {limit:g} s", hint="try again later"
            ) from None
        try:
            message = await self._exchange(worker, job, deadline)
        except TimeoutError:
            self._replace(worker)
            raise QueryTimeout(
                f"the query ran longer than the {limit:g} s limit and was stopped",
                hint="add LIMIT, narrow the patterns or use a dump for whole-graph work",
            ) from None
        except (EOFError, OSError, asyncio.CancelledError):
            self._replace(worker)
            raise
        idle.put_nowait(worker)
        return self._result(message)

    async def _exchange(self, worker: _Worker, job: QueryJob, deadline: float):
        loop = asyncio.get_running_loop()
        worker.conn.send(job)
        while True:
            arrived = loop.create_future()
            fd = worker.conn.fileno()
            loop.add_reader(fd, lambda f=arrived: f.done() or f.set_result(None))
            try:
                await asyncio.wait_for(arrived, max(0.0, deadline - time.monotonic()))
            finally:
                loop.remove_reader(fd)
            message = worker.conn.recv()
            if message[0] != "ready":  # a replacement worker first says it is ready
                return message
            worker.ready = True

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        self._all.discard(worker)
        fresh = _Worker(self._context, self.store_path)
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
            text, where = _syntax_message(payload)
            raise QueryError(text, where=where)
        raise QueryError(payload)

    def close(self) -> None:
        for worker in list(self._all):
            worker.kill()
        self._all.clear()
