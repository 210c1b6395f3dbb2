"""Load the store's graphs into another triple store (SPARQL 1.1 Graph Store HTTP Protocol).

Two ways, both idempotent per graph (publishing again replaces each graph, never duplicates):

- `dataset` (bulk): the graphs go in large TriG batches (each graph's N-Triples, as pyoxigraph
  dumps it, inside its `<graph> { }` block), each POSTed to the dataset (the endpoint without
  `?graph=`), after the batch's graphs were emptied: with one `DROP SILENT GRAPH` update per batch
  on Oxigraph, else `DELETE ?graph=IRI` per graph. Oxigraph loads such a POST with its bulk loader
  when asked (`?no_transaction`), which is what makes this fast; Fuseki and GraphDB take TriG on
  their dataset endpoint too. A graph is never split between batches, so blank nodes keep their
  meaning.
- `graph`: one `PUT ?graph=IRI` per graph, which replaces it (any Graph Store Protocol endpoint,
  Virtuoso's `/sparql-graph-crud-auth` among them). A large graph without blank nodes goes in
  several requests: a PUT, then POSTs, each safe to retry.

`auto` picks `dataset` for Oxigraph (it says so in its `Server` header) and `graph` otherwise.

Resumable: after each batch, the graphs loaded so far are noted in `<store>.graph-store.json`
with the target URL and the store's manifest digest; a run interrupted by a failure starts again
after them when run with the same store and URL. The note is removed when the run completes.

Which graphs go out is the personal-data rule's decision (`atlas_ld.store.personal`): the store
is read through a repository that does not show personal graphs unless asked.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
import requests

from atlas_ld.core.errors import PublishError
from atlas_ld.core.retry import Backoff, Transient, call_with_retries
from atlas_ld.store.repo import Repo, repo_of_store

NTRIPLES = "application/n-triples"
TRIG = "application/trig"
FORM = "application/x-www-form-urlencoded"
RETRY_STATUSES = {429, 500, 502, 503, 504}
METHODS = ("auto", "dataset", "graph")
_CLEARING_THREADS = 8
_PROBE_GRAPH = "urn:atlas-ld:probe"

Auth = tuple[str, str] | requests.auth.AuthBase | None
Progress = Callable[[int, int, int], None]  # graphs done, graphs in all, triples sent


@dataclass(slots=True)
class GraphStoreReport:
    graphs: int = 0
    triples: int = 0
    requests: int = 0
    retries: int = 0
    resumed: int = 0  # graphs an interrupted run had loaded already
    method: str = ""
    seconds: float = 0.0


@dataclass(slots=True)
class GraphStoreClient:
    """The HTTP side: sessions (one per thread), retries with backoff on 5xx and network errors."""

    url: str
    auth: Auth = None
    retries: int = 4
    backoff_s: float = 0.5
    timeout_s: float = 600.0
    _local: threading.local = field(default_factory=threading.local)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.auth = self.auth
        return session

    def server(self) -> str:
        """The `Server` header of the endpoint ('' when it gives none or cannot be reached)."""
        try:
            response = self.session().head(
                self.url, params={"graph": _PROBE_GRAPH}, timeout=self.timeout_s
            )
        except requests.RequestException:
            return ""
        return response.headers.get("Server", "")

    def send(
        self,
        method: str,
        params: dict[str, str],
        body: bytes,
        content_type: str | None,
        report: GraphStoreReport,
        *,
        missing_ok: bool = False,
    ) -> None:
        headers = {"Content-Type": f"{content_type}; charset=utf-8"} if content_type else {}

        def attempt() -> requests.Response:
            response = self.session().request(
                method, self.url, params=params, data=body, headers=headers, timeout=self.timeout_s
            )
            with self._lock:
                report.requests += 1
            if response.status_code in RETRY_STATUSES:
                reason = f"HTTP {response.status_code}: {response.text[:200].strip()}"
                raise Transient(reason.rstrip(": "), response.headers.get("Retry-After"))
            return response

        def count_retry(error: BaseException, seconds: float) -> None:
            with self._lock:
                report.retries += 1

        try:
            response = call_with_retries(
                attempt,
                retries=self.retries,
                backoff=Backoff(base=self.backoff_s, cap=30.0),
                on=(Transient, requests.ConnectionError, requests.Timeout),
                before_sleep=count_retry,
            )
        except (Transient, requests.ConnectionError, requests.Timeout) as exc:
            failure = (
                exc.reason
                if isinstance(exc, Transient)
                else f"cannot reach the graph store: {exc.__class__.__name__}"
            )
            raise PublishError(
                f"gave up after {self.retries + 1} attempts: {failure}",
                where=f"{self.url} ({params})",
            ) from None
        status = response.status_code
        if status < 300 or (missing_ok and status == 404):
            return
        if status in (401, 403):
            raise PublishError(
                f"the graph store refused the credentials (HTTP {status})",
                where=self.url,
                hint="check --auth or --auth-env",
            )
        text = " ".join(response.text.split())[:200]
        raise PublishError(f"HTTP {status}: {text}", where=f"{self.url} ({params})")


def _graph_params(graph: ox.NamedNode | None) -> dict[str, str]:
    return {"graph": graph.value} if graph is not None else {"default": ""}


def graphs_to_publish(repo: Repo) -> list[ox.NamedNode]:
    """The named graphs the repository shows (the personal-data rule applied), sorted."""
    return sorted((g for g in repo.named_graphs() if isinstance(g, ox.NamedNode)), key=str)


# -- resuming ------------------------------------------------------------------------------------


@dataclass(slots=True)
class ResumeNote:
    """Which graphs a run has loaded into which target, from which version of the store."""

    path: Path | None
    target: str
    source: str
    loaded: set[str] = field(default_factory=set)

    @classmethod
    def open(cls, store_dir: Path | None, target: str) -> ResumeNote:
        if store_dir is None:
            return cls(None, target, "")
        from atlas_ld.store.disk import MANIFEST

        source = hashlib.sha256((store_dir / MANIFEST).read_bytes()).hexdigest()
        path = store_dir.with_name(store_dir.name + ".graph-store.json")
        note = cls(path, target, source)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return note
        if data.get("target") == target and data.get("source") == source:
            note.loaded = set(data.get("loaded", []))
        return note

    def add(self, graphs: list[ox.NamedNode | None]) -> None:
        self.loaded.update("" if g is None else g.value for g in graphs)
        if self.path is None:
            return
        data = {"target": self.target, "source": self.source, "loaded": sorted(self.loaded)}
        scratch = self.path.with_name(self.path.name + ".tmp")
        scratch.write_text(json.dumps(data), encoding="utf-8")
        scratch.replace(self.path)

    def done(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)


# -- the two ways --------------------------------------------------------------------------------


def _ntriples(repo: Repo, graph: ox.NamedNode | None) -> bytes:
    return repo.graph_ntriples(ox.DefaultGraph() if graph is None else graph)


def _lines(body: bytes, size: int) -> Iterator[bytes]:
    """N-Triples bodies of at most `size` lines; one when blank nodes must stay together."""
    if b"_:" in body:  # maybe a blank node (or the text in a literal): never split
        yield body
        return
    lines = body.splitlines(keepends=True)
    for start in range(0, len(lines), size):
        yield b"".join(lines[start : start + size])


@dataclass(slots=True)
class _Load:
    """One run: where to, how, and what has been done."""

    client: GraphStoreClient
    repo: Repo
    report: GraphStoreReport
    note: ResumeNote
    progress: Progress | None
    total: int
    batch_size: int

    def done(self, graphs: list[ox.NamedNode | None], triples: int) -> None:
        self.report.graphs += len(graphs)
        self.report.triples += triples
        self.note.add(graphs)
        if self.progress is not None:
            self.progress(self.report.resumed + self.report.graphs, self.total, self.report.triples)

    def by_graph(self, targets: list[ox.NamedNode | None]) -> None:
        for graph in targets:
            body = _ntriples(self.repo, graph)
            for index, part in enumerate(_lines(body, self.batch_size) if body else [b""]):
                method = "PUT" if index == 0 else "POST"
                self.client.send(method, _graph_params(graph), part, NTRIPLES, self.report)
            self.done([graph], body.count(b"\n"))

    def by_dataset(
        self, targets: list[ox.NamedNode | None], bulk_params: dict[str, str], update_url: str
    ) -> None:
        graphs: list[ox.NamedNode | None] = []
        parts: list[bytes] = []
        triples = 0
        for graph in targets:
            body = _ntriples(self.repo, graph)
            # TriG: each graph's N-Triples inside its block, no triple rewritten in Python
            parts += [b"{\n" if graph is None else f"{graph} {{\n".encode(), body, b"}\n"]
            graphs.append(graph)
            triples += body.count(b"\n")
            if triples >= self.batch_size:
                self._flush(graphs, b"".join(parts), triples, bulk_params, update_url)
                graphs, parts, triples = [], [], 0
        if graphs:
            self._flush(graphs, b"".join(parts), triples, bulk_params, update_url)

    def _flush(
        self,
        graphs: list[ox.NamedNode | None],
        trig: bytes,
        triples: int,
        bulk_params: dict[str, str],
        update_url: str,
    ) -> None:
        self._clear(graphs, update_url)
        self.client.send("POST", bulk_params, trig, TRIG, self.report)
        self.done(graphs, triples)

    def _clear(self, graphs: list[ox.NamedNode | None], update_url: str) -> None:
        """Empty the graphs about to be loaded, so that loading them again replaces them."""
        if update_url:  # one SPARQL update for the whole batch
            drops = ";\n".join(
                "DROP SILENT DEFAULT" if g is None else f"DROP SILENT GRAPH {g}" for g in graphs
            )
            updater = replace(self.client, url=update_url)
            updater.send("POST", {}, urlencode({"update": drops}).encode(), FORM, self.report)
            return

        def clear(graph: ox.NamedNode | None) -> None:
            self.client.send(
                "DELETE", _graph_params(graph), b"", None, self.report, missing_ok=True
            )

        with ThreadPoolExecutor(_CLEARING_THREADS) as pool:
            list(pool.map(clear, graphs))  # raises the first failure here


def publish_graphs(
    store: Repo | ox.Store,
    url: str,
    *,
    auth: Auth = None,
    include_personal_data: bool = False,
    batch_size: int = 100_000,
    retries: int = 4,
    backoff_s: float = 0.5,
    progress: Progress | None = None,
    method: str = "auto",
    store_dir: Path | None = None,
) -> GraphStoreReport:
    """Replace each graph the reader may see (and the default graph, if not empty) at `url`.

    `store_dir`: the store's directory, where an interrupted run notes how far it went.
    """
    if method not in METHODS:
        raise PublishError(f"unknown method {method!r}", hint=f"one of {', '.join(METHODS)}")
    started = time.monotonic()
    repo = repo_of_store(store, include_personal=include_personal_data)
    client = GraphStoreClient(url, auth, retries=retries, backoff_s=backoff_s)
    bulk_params: dict[str, str] = {}
    update_url = ""
    if method == "auto":
        oxigraph = client.server().lower().startswith("oxigraph")
        method = "dataset" if oxigraph else "graph"
        if oxigraph:
            bulk_params = {"no_transaction": ""}  # Oxigraph's bulk loader
            if url.rstrip("/").endswith("/store"):
                update_url = url.rstrip("/").removesuffix("/store") + "/update"
    report = GraphStoreReport(method=method)
    has_default = next(iter(repo.quads_for_pattern(None, None, None, ox.DefaultGraph())), None)
    every: list[ox.NamedNode | None] = list(graphs_to_publish(repo))
    if has_default is not None:
        every.append(None)
    note = ResumeNote.open(store_dir, url)
    targets = [g for g in every if ("" if g is None else g.value) not in note.loaded]
    report.resumed = len(every) - len(targets)
    load = _Load(client, repo, report, note, progress, len(every), batch_size)
    try:
        if method == "graph":
            load.by_graph(targets)
        else:
            load.by_dataset(targets, bulk_params, update_url)
    except OSError as exc:
        raise PublishError(f"cannot note the progress: {exc}", where=str(note.path)) from None
    note.done()
    report.seconds = time.monotonic() - started
    return report
