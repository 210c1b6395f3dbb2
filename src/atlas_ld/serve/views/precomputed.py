"""Figures computed once per build and kept next to the store, for pages too slow to compute
within a page's time limit (the home page, an actor in thousands of partnerships).

Files go to `<store>.pages/<build>/NAME.json`, where `build` is a digest of the store's manifest
(every build writes a new one), so a rebuilt store never shows old figures and a restarted server
does not compute them again. A store behind a remote SPARQL endpoint has no such folder: its
figures are kept in memory only.

Queries computed ahead run through `Patient`: the server's query pool, one query at a time (the
pages' own queries keep the other workers) and with a time limit of minutes instead of seconds.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

from atlas_ld.core.errors import AtlasError
from atlas_ld.store.disk import MANIFEST
from atlas_ld.store.guard import inspect_query

log = logging.getLogger("atlas_ld.serve.views.precomputed")
TIMEOUT = 600.0  # seconds for one query computed ahead
_memory: dict[tuple[str, str], dict] = {}
_running: dict[tuple[str, str], asyncio.Task] = {}
_one_at_a_time: dict[int, asyncio.Semaphore] = {}


def build_id(site) -> str:
    store = getattr(site.config, "store", None)
    manifest = Path(store) / MANIFEST if store is not None else None
    if manifest is None or not manifest.is_file():
        return "remote"
    return hashlib.sha256(manifest.read_bytes()).hexdigest()[:24]


def _folder(site) -> Path | None:
    store = getattr(site.config, "store", None)
    if store is None or getattr(site.config, "sparql_endpoint", None):
        return None
    return Path(store).with_name(Path(store).name + ".pages") / build_id(site)


def name_for(*parts: str) -> str:
    """A file name for figures identified by `parts` (an IRI, a language...)."""
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def read(site, name: str) -> dict | None:
    key = (build_id(site), name)
    if key in _memory:
        return _memory[key]
    folder = _folder(site)
    if folder is None:
        return None
    try:
        data = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    _memory[key] = data
    return data


def write(site, name: str, data: dict) -> None:
    _memory[(build_id(site), name)] = data
    folder = _folder(site)
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f"{name}.json.tmp"
        tmp.write_text(json.dumps(data, default=str), encoding="utf-8")
        tmp.replace(folder / f"{name}.json")
    except OSError as exc:  # a read-only disk: the figures stay in memory
        log.warning("figures not written to %s: %s", folder, exc)


def in_background(site, name: str, compute: Callable[[], Awaitable[dict]]) -> asyncio.Task:
    """Compute and keep figures once, whoever asks first; the task of a computation underway."""
    key = (build_id(site), name)
    task = _running.get(key)
    if task is None or (task.done() and task.exception() is not None):

        async def run() -> dict:
            data = await compute()
            write(site, name, data)
            return data

        task = _running[key] = asyncio.get_running_loop().create_task(run())
        task.add_done_callback(_log_failure)
    return task


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and isinstance(task.exception(), AtlasError):
        log.warning("figures not computed: %s", task.exception())


class Patient:
    """The site as the page views read it (`base`, `select`), for queries computed ahead."""

    def __init__(self, site):
        self.site = site
        self.base = site.base
        self.config = site.config
        self.pool = site.pool
        self.job = site.job

    async def select(self, query: str, bind=()) -> list[dict]:
        job = replace(self.site.job(query, "json", info=inspect_query(query)), substitutions=bind)
        lock = _one_at_a_time.setdefault(id(self.site), asyncio.Semaphore(1))
        async with lock:
            written = await self.site.pool.run(job, timeout=TIMEOUT)
        body = written.body if written.path is None else written.read()
        return json.loads(body)["results"]["bindings"]
