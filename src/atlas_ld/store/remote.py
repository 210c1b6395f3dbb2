"""A repository over any SPARQL 1.1 query endpoint (oxigraph serve, Virtuoso, Fuseki, GraphDB,
QLever...), reached with the SPARQL 1.1 Protocol over HTTP.

Answers come back as pyoxigraph result objects (SELECT/ASK parsed with
`pyoxigraph.parse_query_results`, CONSTRUCT/DESCRIBE as `TripleResults`), so the server writes
them with the same code, limits and column order as answers from the embedded store.

The dataset. Engines differ in what a query sees by default: Oxigraph sees only the real default
graph unless asked for the union (`union-default-graph`), Virtuoso sees every graph it holds,
including its own system graphs. So when atlas-ld asks for the union of the named graphs it says
so explicitly, in the engine's way where it has one, or by listing the graphs (`default-graph-uri`
and `named-graph-uri`) where it has not. The list is read once, when the repo opens, and keeps
only the graphs whose IRI starts with `graph_prefix` when one is given (which leaves out an
engine's own graphs): then every query is sent with that explicit dataset, which the protocol
says overrides FROM / FROM NAMED, so no query text reaches a graph left out.

Personal data. An endpoint that holds personal-data graphs is refused unless the reader may see
them: it cannot be copied without them as the embedded store is, and hiding them by listing the
other graphs in every query made the canned queries on Oxigraph run past the server's time limit
on the sample already. `publish graph-store` leaves them out by default.

Time: each request has a time limit (`timeout`); the server also runs remote queries in its
killable workers, so its own limit holds whatever the engine does. Engines keep evaluating a
query whose client went away until their own limit: set one there too (docs/engines.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
import requests

from atlas_ld.core.errors import QueryError, StoreError
from atlas_ld.store.guard import dataset_clauses, inspect_query, where_group_start
from atlas_ld.store.personal import may_see
from atlas_ld.store.repo import GraphTerm, QueryResult, Term, TripleResults

_RESULTS = "application/sparql-results+json"
_GRAPH_TYPES = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
_LIST_GRAPHS = (
    "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }",
    # Virtuoso answers the one above with an empty row, and takes minutes over DISTINCT here
    "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
)
_ASK_COLUMN = "__ASK_RETVAL"  # Virtuoso answers ASK as a SELECT of this one column
_ERROR_TEXT = 300
EMPTY_GRAPH = "urn:atlas-ld:no-graph"  # names an empty graph in an explicit dataset


@dataclass(frozen=True, slots=True)
class RemoteSource:
    """How to reach an endpoint (picklable: query workers open their own connection).

    `union_parameter`: the query parameter that asks the engine for the union default graph
    (Oxigraph: `union-default-graph`); None to always list the graphs instead.
    `graph_prefix`: only graphs whose IRI starts with it are part of the data (e.g. the base's
    `graph/`), so an engine's own system graphs stay out of answers.
    """

    endpoint: str
    include_personal: bool = False
    timeout: float = 60.0
    auth: tuple[str, str] | None = None
    union_parameter: str | None = "union-default-graph"
    graph_prefix: str | None = None

    def open(self) -> RemoteRepo:
        return RemoteRepo(self)

    def __str__(self) -> str:
        return self.endpoint


class RemoteRepo:
    """A SPARQL 1.1 endpoint read with the protocol; see the module's docstring."""

    def __init__(self, source: RemoteSource):
        self._source = source
        self.include_personal = source.include_personal
        self.session = requests.Session()
        self.session.auth = source.auth
        self.session.headers["User-Agent"] = "atlas-ld"
        every = [g.value for g in self._select_graphs()]
        prefix = source.graph_prefix
        served = [g for g in every if prefix is None or g.startswith(prefix)]
        hidden = [g for g in served if not may_see(g, include_personal=self.include_personal)]
        if hidden:
            # See the module's docstring: an endpoint holding them is not served.
            raise StoreError(
                f"the endpoint holds {len(hidden)} personal-data graphs (e.g. <{hidden[0]}>) "
                "and atlas-ld does not serve personal data by default",
                where=self.label,
                hint="load it with `atlas-ld publish graph-store` without "
                "--include-personal-data, or pass --include-personal-data",
            )
        self._graphs = served
        # An explicit dataset is needed when the prefix leaves graphs out, or when the engine
        # has no way to ask for the union default graph.
        self.restricted = len(served) < len(every) or source.union_parameter is None

    @property
    def source(self) -> RemoteSource:
        return self._source

    @property
    def label(self) -> str:
        return self._source.endpoint

    # -- the Repo interface ----------------------------------------------------------------------

    def query(
        self,
        query: str,
        *,
        base_iri: str | None = None,
        use_default_graph_as_union: bool = False,
        default_graph: GraphTerm | list[GraphTerm] | None = None,
        named_graphs: list[ox.NamedNode | ox.BlankNode] | None = None,
        substitutions: dict[ox.Variable, Term] | None = None,
    ) -> QueryResult:
        """Send the query (POST, form-encoded) with the dataset the reader may see."""
        info = inspect_query(query)
        form = info.form
        text = _substitute(query, substitutions) if substitutions else query
        params: list[tuple[str, str]] = [("query", self._with_base(text, base_iri))]
        if default_graph is not None or named_graphs is not None:
            defaults = default_graph if isinstance(default_graph, list) else [default_graph]
            params += self._dataset(self._visible(defaults), self._visible(named_graphs or []))
        elif self.restricted and info.has_from:
            # The engine must not read FROM itself; the graphs it names, among the visible
            # ones, are sent as the protocol's dataset, which overrides FROM. Reading the text
            # wrong can only leave a graph out: nothing outside `_graphs` is ever sent.
            defaults, named = dataset_clauses(query)
            params += self._dataset(self._visible(defaults), self._visible(named))
        elif self.restricted:
            params += self._dataset(
                self._graphs if use_default_graph_as_union else [], self._graphs
            )
        elif use_default_graph_as_union and self._source.union_parameter:
            params.append((self._source.union_parameter, "true"))
        graph_form = form in ("CONSTRUCT", "DESCRIBE")
        response = self._post(params, _GRAPH_ACCEPT if graph_form else _RESULTS)
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            if graph_form:
                fmt = _GRAPH_TYPES.get(media, ox.RdfFormat.N_TRIPLES)
                return TripleResults(q.triple for q in ox.parse(response.content, fmt))
            results = ox.parse_query_results(response.content, ox.QueryResultsFormat.JSON)
            if form == "ASK" and isinstance(results, ox.QuerySolutions):
                return _boolean(results)
            return results
        except SyntaxError as exc:
            raise QueryError(
                f"the endpoint's answer is not valid {media or 'data'}: {exc}", where=self.label
            ) from None

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        return iter([ox.NamedNode(g) for g in self._graphs])

    def quads_for_pattern(
        self,
        subject: ox.NamedNode | ox.BlankNode | ox.Triple | None,
        predicate: ox.NamedNode | None,
        object: Term | None,
        graph_name: GraphTerm | None = None,
    ) -> Iterator[ox.Quad]:
        """Quads of the visible named graphs (a remote store's default graph is not read)."""
        if isinstance(graph_name, ox.DefaultGraph):
            return iter(())
        names = {"s": subject, "p": predicate, "o": object, "g": graph_name}
        terms = {k: ("?" + k if v is None else str(v)) for k, v in names.items()}
        query = (
            f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH {terms['g']} "
            f"{{ {terms['s']} {terms['p']} {terms['o']} }} }}"
        )
        solutions = self.query(query)

        def quads() -> Iterator[ox.Quad]:
            for row in solutions:
                graph = row["g"] if graph_name is None else graph_name
                yield ox.Quad(
                    row["s"] if subject is None else subject,
                    row["p"] if predicate is None else predicate,
                    row["o"] if object is None else object,
                    graph,
                )

        return quads()

    def graph_ntriples(self, graph: ox.NamedNode | ox.DefaultGraph) -> bytes:
        """One visible graph as N-Triples (a CONSTRUCT; the default graph is not read)."""
        if isinstance(graph, ox.DefaultGraph) or not may_see(
            graph, include_personal=self.include_personal
        ):
            return b""
        triples = self.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}")
        return ox.serialize(triples, None, ox.RdfFormat.N_TRIPLES)

    # -- HTTP ------------------------------------------------------------------------------------

    def _visible(self, graphs: list[Any]) -> list[str]:
        """The graphs named that the reader may see: when the endpoint holds hidden graphs, only
        graphs of the list read at the start (anything else names nothing the reader may see)."""
        names = [g.value if isinstance(g, ox.NamedNode) else str(g) for g in graphs if g]
        if self.restricted:
            known = set(self._graphs)
            return [g for g in names if g in known]
        return [g for g in names if may_see(g, include_personal=self.include_personal)]

    @staticmethod
    def _dataset(defaults: list[str], named: list[str]) -> list[tuple[str, str]]:
        """Protocol parameters for an explicit dataset. An empty list still names a graph (one
        that does not exist): with no parameter the engine would choose the dataset itself."""
        return [("default-graph-uri", g) for g in defaults or [EMPTY_GRAPH]] + [
            ("named-graph-uri", g) for g in named or [EMPTY_GRAPH]
        ]

    @staticmethod
    def _with_base(query: str, base_iri: str | None) -> str:
        # The protocol has no parameter for the base IRI: a BASE line says it in the query.
        return f"BASE <{base_iri}>\n{query}" if base_iri else query

    def _select_graphs(self) -> list[ox.NamedNode]:
        # `GRAPH ?g {}` lists the graphs without reading them, but Virtuoso answers it with no
        # row: then the graphs are read from their triples.
        for query in _LIST_GRAPHS:
            response = self._post([("query", query)], _RESULTS)
            try:
                rows = ox.parse_query_results(response.content, ox.QueryResultsFormat.JSON)
                graphs = [row["g"] for row in rows if isinstance(row["g"], ox.NamedNode)]
            except SyntaxError as exc:
                raise StoreError(f"not a SPARQL endpoint: {exc}", where=self.label) from None
            if graphs:
                return graphs
        return []

    def _post(self, params: list[tuple[str, str]], accept: str) -> requests.Response:
        try:
            response = self.session.post(
                self._source.endpoint,
                data=params,
                headers={"Accept": accept},
                timeout=self._source.timeout,
            )
        except requests.Timeout:
            raise QueryError(
                f"the SPARQL endpoint gave no answer within {self._source.timeout:g} s",
                where=self.label,
            ) from None
        except requests.RequestException as exc:
            raise StoreError(
                f"cannot reach the SPARQL endpoint: {exc.__class__.__name__}", where=self.label
            ) from None
        if response.status_code >= 400:
            text = " ".join(response.text.split())[:_ERROR_TEXT]
            if response.status_code == 400:
                # What the engine says about a malformed query, reported as pyoxigraph's are.
                raise SyntaxError(text or "the endpoint refused the query")
            error = StoreError if response.status_code >= 500 else QueryError
            raise error(
                f"the SPARQL endpoint answered {response.status_code}: {text}", where=self.label
            )
        return response


def _substitute(query: str, substitutions: dict[ox.Variable, Term]) -> str:
    """Bind values as pyoxigraph's `substitutions=` does, for an engine that has no such
    parameter: a `VALUES` block opening the WHERE group, written with pyoxigraph's own term
    serializer, so a value is never read as query text."""
    start = where_group_start(query)
    if start is None:
        raise QueryError("values can only be bound in a query with a WHERE group")
    names = " ".join(str(v) for v in substitutions)
    values = " ".join(str(t) for t in substitutions.values())
    return f"{query[:start]} VALUES ({names}) {{ ({values}) }} {query[start:]}"


def _boolean(solutions: ox.QuerySolutions) -> ox.QueryBoolean:
    """An ASK answer written as one row of `__ASK_RETVAL` (Virtuoso), as a boolean result."""
    names = [v.value for v in solutions.variables]
    if names != [_ASK_COLUMN]:
        raise SyntaxError(f"an ASK query was answered with the columns {names}")
    row = next(iter(solutions), None)
    value = (
        row is not None
        and row[_ASK_COLUMN] is not None
        and row[_ASK_COLUMN].value
        in (
            "1",
            "true",
        )
    )
    answer = '{"head": {}, "boolean": %s}' % ("true" if value else "false")
    return ox.parse_query_results(answer, ox.QueryResultsFormat.JSON)
