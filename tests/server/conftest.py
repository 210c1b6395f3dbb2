"""A real store on disk and the real `atlas-ld serve` in a subprocess on a free local port.

The store is the bundled sample (built once per session) plus one partnership whose title holds
markup, to show that pages escape harvested text.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil
import pyoxigraph as ox
import pytest
import requests

from atlas_ld.serve import app as app_module
from atlas_ld.serve.app import ServerConfig, create_app
from atlas_ld.store.disk import StoreManifest

BASE = "https://atlas-ld.example/"
ATLAS = "https://atlas-ld.example/def/atlas#"
XSS_TITLE = "<script>alert('atlas')</script> Jumelage & co"
XSS_AMOUNT = "1445.5"
XSD = "http://www.w3.org/2001/XMLSchema#"
# The official conformance material, copied with its licences (tests/data/reference/README.md).
REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"
W3C_DIR = REFERENCE / "w3c-sparql11-protocol"
ATLAS_LD = Path(sys.executable).with_name("atlas-ld")


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Callable[[], str] = str  # the server's standard error so far

    def children(self) -> set[int]:
        """PIDs of the server's processes: its query workers, multiprocessing's resource
        tracker, and with the memory engine the fork server the workers are forked from."""
        return {child.pid for child in psutil.Process(self.process.pid).children(recursive=True)}

    def helpers(self) -> int:
        """How many of `children` are not query workers (tracker, fork server)."""
        direct = psutil.Process(self.process.pid).children()
        return sum(1 for c in direct if "forkserver" in command_line(c)) + 1


def command_line(process: psutil.Process) -> str:
    """A process's command line; empty for one that just ended (a zombie until reaped: the
    server's child computing the canned answers ends while tests look)."""
    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""


def _settle(server: Server, args: tuple[str, ...], seconds: float = 120) -> None:
    """Wait until the server's only children are its query workers and multiprocessing's
    resource tracker: a server started on a store that lacks the canned answers for its limits
    computes them after start in a child process of its own, which tests counting workers must
    not take for one."""
    default = max(3, os.cpu_count() or 3)  # as `QueryPool` sizes itself
    workers = int(args[args.index("--workers") + 1]) if "--workers" in args else default
    deadline = time.monotonic() + seconds
    while len(server.children()) > workers + server.helpers() and time.monotonic() < deadline:
        time.sleep(0.1)


def start_server(store: Path, *args: str, timeout: float = 120) -> Iterator[Server]:
    """`atlas-ld serve --port 0`: the server binds a free port itself and prints its address
    first on standard output, so no two tests race for a port. Waits (with a deadline) until
    the address answers."""
    # Output and access log go to a file: a pipe nobody reads would block the server once full.
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed when the server stops)
    process = subprocess.Popen(
        [str(ATLAS_LD), "serve", "--store", str(store), "--port", "0", *args],
        stdout=log,
        stderr=log,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )

    def logged() -> str:
        log.seek(0)
        return log.read().decode(errors="replace")

    deadline = time.monotonic() + timeout
    url = None
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {logged()}")
        found = re.search(r"serving on (http://\S+?)/?$", logged(), re.MULTILINE)
        url = url or (found.group(1) if found else None)
        if url:
            try:
                requests.get(f"{url}/sparql", timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):
                pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"server did not answer in time: {logged()}")
        time.sleep(0.1)
    try:
        server = Server(url, process, logged)
        _settle(server, args)
        yield server
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def record_evaluations(app) -> list[str]:
    """Every query the app's worker pool is asked to evaluate from now on, in order: tests check
    with it that an answer came from what was kept, not from a worker."""
    evaluated: list[str] = []
    run = app.state.site.pool.run

    async def counted(job, *args, **kwargs):
        evaluated.append(job.query)
        return await run(job, *args, **kwargs)

    app.state.site.pool.run = counted
    return evaluated


@contextmanager
def lean_app(store: Path, **config) -> Iterator:
    """An app on `store` with one worker, whose lean path takes every query a worker answered
    whole: its time threshold is the machine's business, not the tests'."""
    patch = pytest.MonkeyPatch()
    patch.setattr(app_module, "LEAN_SECONDS", 60.0)
    try:
        yield create_app(ServerConfig(store=store, workers=1, **config))
    finally:
        patch.undo()


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory, built_sample) -> Path:
    """The sample plus a partnership whose title is hostile HTML (escaping tests)."""
    store_dir = tmp_path_factory.mktemp("server") / "store"
    shutil.copytree(built_sample, store_dir)
    store = ox.Store(str(store_dir))
    graph = ox.NamedNode(f"{BASE}graph/partnership/xss")
    partnership = ox.NamedNode(f"{BASE}id/partnership/xss")
    financing = ox.NamedNode(f"{BASE}id/partnership/xss/financing/x/2015")
    amount = ox.NamedNode(f"{BASE}id/partnership/xss/financing/x/2015/amount")
    store.extend(
        [
            ox.Quad(
                partnership,
                ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                ox.NamedNode(f"{ATLAS}Partnership"),
                graph,
            ),
            ox.Quad(
                partnership,
                ox.NamedNode("http://purl.org/dc/terms/title"),
                ox.Literal(XSS_TITLE, language="fr"),
                graph,
            ),
            # A financing with cents, as some pages give them.
            ox.Quad(partnership, ox.NamedNode(f"{ATLAS}financing"), financing, graph),
            ox.Quad(financing, ox.NamedNode(f"{ATLAS}year"), ox.Literal("2015"), graph),
            ox.Quad(financing, ox.NamedNode("https://schema.org/amount"), amount, graph),
            ox.Quad(
                amount,
                ox.NamedNode("https://schema.org/value"),
                ox.Literal(XSS_AMOUNT, datatype=ox.NamedNode(f"{XSD}decimal")),
                graph,
            ),
        ]
    )
    store.flush()
    del store
    return store_dir


@pytest.fixture(scope="session")
def server(sample_store) -> Iterator[Server]:
    yield from start_server(sample_store, "--workers", "2", "--timeout", "3", "--max-rows", "1000")


@pytest.fixture(scope="session")
def w3c_server(tmp_path_factory) -> Iterator[Server]:
    """A store holding the W3C protocol tests' data, each file in the graph its label names."""
    if not (W3C_DIR / "manifest.ttl").is_file():
        raise AssertionError(f"W3C protocol tests missing from the repository: {W3C_DIR}")
    store_dir = tmp_path_factory.mktemp("w3c") / "store"
    store = ox.Store(str(store_dir))
    for n in (1, 2, 3):
        graph = ox.NamedNode(f"http://kasei.us/2009/09/sparql/data/data{n}.rdf")
        with (W3C_DIR / f"data{n}.nt").open("rb") as data:
            store.load(data, ox.RdfFormat.N_TRIPLES, to_graph=graph)
    store.flush()
    del store
    StoreManifest(base="http://www.example/").write(store_dir)
    yield from start_server(store_dir, "--workers", "2")


@dataclass(frozen=True)
class Known:
    """A partnership of the sample with financing, read from the store the server serves."""

    path: str  # id/partnership/...
    title: str
    actor_path: str  # an actor taking part in it
    start_year: str
    word: str  # a word of the title, for searches

    @property
    def graph(self) -> str:
        return f"{BASE}graph/{self.path.removeprefix('id/')}"


@pytest.fixture(scope="session")
def sample_store_rows(sample_store):
    """Run a SELECT on the store the server serves (union default graph): tests read their
    expectations from the data, not from constants."""
    store = ox.Store.read_only(str(sample_store))
    prologue = f"PREFIX atlas: <{ATLAS}>\nPREFIX dcterms: <http://purl.org/dc/terms/>\n"

    def rows(query: str) -> list[ox.QuerySolution]:
        return list(store.query(prologue + query, use_default_graph_as_union=True))

    return rows


@pytest.fixture(scope="session")
def personal_graph(sample_store) -> str:
    """A personal-data graph the store holds (the server must not show it)."""
    store = ox.Store.read_only(str(sample_store))
    return next(g.value for g in store.named_graphs() if "/graph/personal/" in g.value)


@pytest.fixture(scope="session")
def known(sample_store) -> Known:
    store = ox.Store.read_only(str(sample_store))
    query = f"""PREFIX atlas: <{ATLAS}>
SELECT ?p ?title ?actor ?year WHERE {{
  ?p a atlas:Partnership ; <http://purl.org/dc/terms/title> ?title ;
     atlas:startYear ?year ; atlas:financing ?f .
  ?x atlas:inPartnership ?p ; atlas:agent ?actor .
  FILTER (STRSTARTS(STR(?actor), "{BASE}id/actor/"))
}} ORDER BY ?p ?actor LIMIT 1"""
    row = next(iter(store.query(query, use_default_graph_as_union=True)))
    title = row["title"].value
    return Known(
        path=row["p"].value.removeprefix(BASE),
        title=title,
        actor_path=row["actor"].value.removeprefix(BASE),
        start_year=row["year"].value,
        word=max(title.split(), key=len),
    )


# -- a real browser: Debian's chromium driven by playwright (never a downloaded browser) ---------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts"
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]


@pytest.fixture(scope="module")
def browser():
    """One chromium per test module (playwright's sync API must not outlive the module)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
