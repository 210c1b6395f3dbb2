"""One way to the data: the repository every reader goes through.

The server, `atlas-ld query`, `api.query`, the CSV tables, the dumps, the catalogue and VoID, and
the graph-store push all read the data through a `Repo`, as prez's `Repo` does. A `Repo` has the
read half of `pyoxigraph.Store`'s interface, with the same signatures, so code written for a store
(the server's `evaluate`, `tables.run_table`, `catalogue.published_triples`) takes a repo as is:

    repo = open_repo(store_dir)                         # embedded store, personal data hidden
    repo = open_repo(endpoint="http://host:7878/query")  # any SPARQL 1.1 endpoint over HTTP
    repo.query("SELECT ...", use_default_graph_as_union=True)   # pyoxigraph results
    repo.named_graphs(); repo.quads_for_pattern(None, None, None, None)

Two implementations:

- `EmbeddedRepo`: a pyoxigraph store on disk (`atlas-ld build`), opened read-only, or the same
  held in memory (`store.memory`: 3 to 14 times faster queries).
- `RemoteRepo` (`atlas_ld.store.remote`): a SPARQL 1.1 endpoint (oxigraph serve, Virtuoso,
  Fuseki, GraphDB, QLever...), queried with the SPARQL 1.1 Protocol.

The personal-data rule (`atlas_ld.store.personal`) is applied here, once, to the dataset a query
is evaluated on, never by reading the query text. Unless `include_personal` is set, an embedded
repo reads the store's public copy (`<store>.public`, written by the build and remade when stale),
which holds no personal graph at all; an in-memory store is copied without them; a remote
endpoint that holds personal graphs is refused (it cannot be copied without them). So no
`FROM`, `GRAPH`, escaped name or protocol parameter can reach a personal graph.

Query workers (the server's killable processes) cannot receive an open store: they get the repo's
`source`, a small picklable value, and call `source.open()` in their own process.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pyoxigraph as ox

from atlas_ld.core.errors import StoreError
from atlas_ld.store.personal import may_see, visible_quads

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
GraphTerm = ox.NamedNode | ox.BlankNode | ox.DefaultGraph
QueryResult = Any  # ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | TripleResults


@runtime_checkable
class RepoSource(Protocol):
    """What a query worker receives to open the same repo in its own process (picklable)."""

    def open(self) -> Repo: ...


@runtime_checkable
class Repo(Protocol):
    """The read interface every reader uses; the signatures are pyoxigraph.Store's."""

    include_personal: bool

    @property
    def source(self) -> RepoSource:
        """A picklable value whose `open()` gives this repo again (for worker processes)."""
        ...

    @property
    def label(self) -> str:
        """Where the data is (a path or a URL), for messages."""
        ...

    def query(
        self,
        query: str,
        *,
        base_iri: str | None = None,
        use_default_graph_as_union: bool = False,
        default_graph: GraphTerm | list[GraphTerm] | None = None,
        named_graphs: list[ox.NamedNode | ox.BlankNode] | None = None,
    ) -> QueryResult:
        """Evaluate SPARQL on the visible dataset: pyoxigraph's result objects (SELECT gives
        `QuerySolutions`, ASK `QueryBoolean`, CONSTRUCT/DESCRIBE `QueryTriples` or
        `TripleResults`; test with `is_triples`). Raises SyntaxError for malformed queries and
        `QueryError` for refusals, as pyoxigraph does."""
        ...

    def named_graphs(self) -> Iterator[ox.NamedNode | ox.BlankNode]:
        """The named graphs the reader may see."""
        ...

    def quads_for_pattern(
        self,
        subject: ox.NamedNode | ox.BlankNode | ox.Triple | None,
        predicate: ox.NamedNode | None,
        object: Term | None,
        graph_name: GraphTerm | None = None,
    ) -> Iterator[ox.Quad]:
        """The visible quads matching the pattern (None matches anything)."""
        ...

    def graph_ntriples(self, graph: ox.NamedNode | ox.DefaultGraph) -> bytes:
        """One visible graph as an N-Triples document (for copying graphs in bulk)."""
        ...


class TripleResults:
    """CONSTRUCT/DESCRIBE results that did not come from pyoxigraph's own evaluator (a remote
    endpoint's answer): an iterator of triples that serializes as `QueryTriples` does."""

    def __init__(self, triples: Iterable[ox.Triple]):
        self._triples = iter(triples)

    def __iter__(self) -> Iterator[ox.Triple]:
        return self._triples

    def __next__(self) -> ox.Triple:
        return next(self._triples)

    def serialize(self, output: Any = None, format: ox.RdfFormat = ox.RdfFormat.N_TRIPLES):
        return ox.serialize(self._triples, output, format)


def is_triples(result: QueryResult) -> bool:
    """True for CONSTRUCT/DESCRIBE results, embedded or remote."""
    return isinstance(result, ox.QueryTriples | TripleResults)


# -- embedded ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EmbeddedSource:
    """A store directory that already holds only what its readers may see."""

    path: str
    include_personal: bool = False
    # The N-Quads of `path` to hold in memory instead of reading RocksDB (`store.memory`)
    memory_file: str | None = None

    def open(self) -> EmbeddedRepo:
        if self.memory_file is not None:
            from atlas_ld.store.memory import shared

            store = shared(self.memory_file)
        else:
            try:
                store = ox.Store.read_only(self.path)
            except OSError as exc:
                msg = f"cannot open the store read-only: {exc}"
                raise StoreError(msg, where=self.path) from None
        return EmbeddedRepo(
            store, self.path, include_personal=self.include_personal, memory_file=self.memory_file
        )


class EmbeddedRepo:
    """A pyoxigraph store whose every graph the reader may see (see `open_embedded`)."""

    def __init__(
        self,
        store: ox.Store,
        path: str | None,
        *,
        include_personal: bool,
        memory_file: str | None = None,
    ):
        self.store = store
        self.path = path
        self.include_personal = include_personal
        self.memory_file = memory_file

    @property
    def source(self) -> EmbeddedSource:
        if self.path is None:
            raise StoreError("an in-memory store cannot be reopened by a query worker")
        return EmbeddedSource(self.path, self.include_personal, self.memory_file)

    def in_memory_source(self, store_dir: str | os.PathLike[str]) -> EmbeddedSource:
        """The source of this repo held in memory: loaded from `store_dir`'s N-Quads file of
        this repo's store (written here first when missing or stale: `store.memory`)."""
        from atlas_ld.store.memory import memory_file

        if self.path is None:
            raise StoreError("an in-memory store is already in memory")
        file = memory_file(Path(store_dir), Path(self.path))
        return EmbeddedSource(self.path, self.include_personal, str(file))

    def in_memory(self, store_dir: str | os.PathLike[str]) -> EmbeddedRepo:
        """This repo with its store held in memory (see `in_memory_source`)."""
        return self.in_memory_source(store_dir).open()

    @property
    def label(self) -> str:
        return self.path or "(in-memory store)"

    def query(self, query: str, **kwargs: Any) -> QueryResult:
        return self.store.query(query, **kwargs)

    def named_graphs(self) -> Iterator[ox.NamedNode | ox.BlankNode]:
        return self.store.named_graphs()

    def quads_for_pattern(self, subject, predicate, object, graph_name=None) -> Iterator[ox.Quad]:
        return self.store.quads_for_pattern(subject, predicate, object, graph_name)

    def graph_ntriples(self, graph: ox.NamedNode | ox.DefaultGraph) -> bytes:
        """One graph as N-Triples, written by pyoxigraph in one call (bulk copies)."""
        return self.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph)

    def __len__(self) -> int:
        return len(self.store)


def _has_hidden_graphs(store: ox.Store, include_personal: bool) -> bool:
    return any(not may_see(g, include_personal=include_personal) for g in store.named_graphs())


def open_embedded(
    store_dir: str | os.PathLike[str], *, include_personal: bool = False
) -> EmbeddedRepo:
    """The store built at `store_dir`, or its public copy when personal data must stay hidden.

    The public copy is written by `atlas-ld build`; when it is missing or older than the store it
    is made here (a hard-link backup without the personal graphs: seconds at Atlas scale).
    """
    from atlas_ld.store.disk import open_store
    from atlas_ld.store.public_copy import public_copy

    store_dir = Path(store_dir)
    store = open_store(store_dir, read_only=True)
    if not _has_hidden_graphs(store, include_personal):
        return EmbeddedRepo(store, str(store_dir), include_personal=include_personal)
    del store
    served = public_copy(store_dir)
    return EmbeddedSource(str(served), include_personal).open()


def repo_of_store(store: ox.Store | Repo, *, include_personal: bool = False) -> Repo:
    """A repo over a store already open (tests, notebooks). A store holding graphs the reader may
    not see is copied in memory without them, so queries still run on the union default graph
    and FROM clauses keep their meaning."""
    if not isinstance(store, ox.Store):
        if not include_personal and store.include_personal:
            raise StoreError(
                "this repository shows personal data; open one without include_personal"
            )
        return store
    if not _has_hidden_graphs(store, include_personal):
        return EmbeddedRepo(store, None, include_personal=include_personal)
    copy = ox.Store()
    copy.bulk_extend(
        visible_quads(store.quads_for_pattern(None, None, None), include_personal=include_personal)
    )
    return EmbeddedRepo(copy, None, include_personal=include_personal)


def reopen(source: str | os.PathLike[str] | RepoSource) -> ox.Store | Repo:
    """In a query worker: a store directory opened read-only, or the repo a source describes."""
    if isinstance(source, str | os.PathLike):
        return ox.Store.read_only(os.fspath(source))
    return source.open()


def open_repo(
    store_dir: str | os.PathLike[str] | None = None,
    *,
    endpoint: str | None = None,
    include_personal: bool = False,
    timeout: float = 60.0,
    auth: tuple[str, str] | None = None,
) -> Repo:
    """The repo for a store directory or (with `endpoint`) a SPARQL 1.1 query endpoint URL."""
    if endpoint is not None:
        from atlas_ld.store.remote import RemoteSource

        return RemoteSource(
            endpoint, include_personal=include_personal, timeout=timeout, auth=auth
        ).open()
    if store_dir is None:
        raise StoreError("no store and no SPARQL endpoint given")
    return open_embedded(store_dir, include_personal=include_personal)


__all__ = [
    "EmbeddedRepo",
    "EmbeddedSource",
    "Repo",
    "RepoSource",
    "TripleResults",
    "is_triples",
    "open_embedded",
    "open_repo",
    "reopen",
    "repo_of_store",
]
