"""Push the store's named graphs to another triple store (SPARQL 1.1 Graph Store HTTP Protocol).

Each graph is sent with `PUT ?graph=IRI`, which replaces the graph on the other side, so
publishing again never duplicates anything. A large graph without blank nodes goes in batches: a
PUT for the first, then POSTs (which add). A graph with blank nodes goes in one request, because a
blank node label only means the same node within one document. So every request can be retried
safely: a PUT replaces, and a POST of ground triples adds nothing the second time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox
import requests

from atlas_ld.core.errors import PublishError
from atlas_ld.core.iris import is_personal_graph

NTRIPLES = "application/n-triples"
RETRY_STATUSES = {429, 500, 502, 503, 504}


@dataclass(slots=True)
class GraphStoreReport:
    graphs: int = 0
    triples: int = 0
    requests: int = 0
    retries: int = 0


@dataclass(slots=True)
class GraphStoreClient:
    """The HTTP side: one session, retries with exponential backoff on 5xx and network errors."""

    url: str
    session: requests.Session
    retries: int = 4
    backoff_s: float = 0.5
    timeout_s: float = 120.0

    def send(self, method: str, graph: ox.NamedNode | None, body: bytes, report: GraphStoreReport):
        params = {"graph": graph.value} if graph is not None else {"default": ""}
        for attempt in range(self.retries + 1):
            try:
                response = self.session.request(
                    method,
                    self.url,
                    params=params,
                    data=body,
                    headers={"Content-Type": f"{NTRIPLES}; charset=utf-8"},
                    timeout=self.timeout_s,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                failure = f"cannot reach the graph store: {exc.__class__.__name__}"
            else:
                report.requests += 1
                if response.status_code < 300:
                    return
                if response.status_code in (401, 403):
                    raise PublishError(
                        f"the graph store refused the credentials (HTTP {response.status_code})",
                        where=self.url,
                        hint="check --auth or --auth-env",
                    )
                failure = f"HTTP {response.status_code}: {response.text[:200].strip()}"
                if response.status_code not in RETRY_STATUSES:
                    raise PublishError(failure, where=f"{self.url} ({params})")
            if attempt < self.retries:
                report.retries += 1
                time.sleep(self.backoff_s * 2**attempt)
        raise PublishError(
            f"gave up after {self.retries + 1} attempts: {failure}", where=f"{self.url} ({params})"
        )


def graphs_to_publish(store: ox.Store, *, include_personal_data: bool) -> list[ox.NamedNode]:
    graphs = [
        g
        for g in store.named_graphs()
        if isinstance(g, ox.NamedNode) and (include_personal_data or not is_personal_graph(g))
    ]
    return sorted(graphs, key=lambda g: g.value)


def batches(triples: list[ox.Triple], size: int) -> Iterator[bytes]:
    """N-Triples bodies; a single one when blank nodes must stay in the same document."""
    has_blank = any(
        isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples
    )
    step = len(triples) if has_blank else size
    for start in range(0, len(triples), max(step, 1)):
        yield ox.serialize(triples[start : start + step], None, ox.RdfFormat.N_TRIPLES)


def push_graph(
    client: GraphStoreClient,
    graph: ox.NamedNode | None,
    triples: list[ox.Triple],
    batch_size: int,
    report: GraphStoreReport,
) -> None:
    for index, body in enumerate(batches(triples, batch_size)):
        client.send("PUT" if index == 0 else "POST", graph, body, report)


def publish_graphs(
    store: ox.Store,
    url: str,
    *,
    auth: tuple[str, str] | None = None,
    include_personal_data: bool = False,
    batch_size: int = 50_000,
    retries: int = 4,
    backoff_s: float = 0.5,
    progress: Callable[[int, int], None] | None = None,
) -> GraphStoreReport:
    """Replace each of the store's named graphs (and the default graph, if not empty) at `url`."""
    session = requests.Session()
    session.auth = auth
    client = GraphStoreClient(url, session, retries=retries, backoff_s=backoff_s)
    report = GraphStoreReport()
    default = [q.triple for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())]
    graphs = graphs_to_publish(store, include_personal_data=include_personal_data)
    targets: list[ox.NamedNode | None] = [*graphs, None] if default else graphs
    for done, graph in enumerate(targets, start=1):
        triples = (
            default
            if graph is None
            else [q.triple for q in store.quads_for_pattern(None, None, None, graph)]
        )
        triples.sort(key=str)
        push_graph(client, graph, triples, batch_size, report)
        report.graphs += 1
        report.triples += len(triples)
        if progress is not None:
            progress(done, len(targets))
    return report
