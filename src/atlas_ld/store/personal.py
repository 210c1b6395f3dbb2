"""The personal-data rule, written once: which graphs a reader may see.

Contacts and volunteers (names, e-mails, functions) live in `graph/personal/{key}` graphs. They
are never published, served or queried unless the operator asks for them
(`--include-personal-data`, `include_personal=True`). Every reader of the data reaches it through
a repository (`atlas_ld.store.repo`) that applies this rule to the dataset it evaluates on, not to
the text of a query: a query cannot name its way (`FROM`, `GRAPH`, an escaped `\\/` in a prefixed
name, a protocol parameter) into a graph that is not in the dataset.

Writers of files (dumps, the catalogue, graph-store pushes, `atlas-ld rdf`) filter quads with
`may_see` too, so the rule has one definition.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from atlas_ld.core.iris import is_personal_graph

GraphName = ox.NamedNode | ox.BlankNode | ox.DefaultGraph | str


def may_see(graph: GraphName | None, *, include_personal: bool) -> bool:
    """True when a reader may see `graph`: every graph but the personal-data ones, unless asked.

    The default graph and blank-node graphs hold no personal data (the build writes contacts
    only to named `graph/personal/...` graphs).
    """
    if include_personal or graph is None:
        return True
    if isinstance(graph, str):
        return not is_personal_graph(graph)
    return not (isinstance(graph, ox.NamedNode) and is_personal_graph(graph.value))


def visible_quads(quads: Iterable[ox.Quad], *, include_personal: bool) -> Iterator[ox.Quad]:
    """The quads a reader may see, in their order."""
    if include_personal:
        yield from quads
        return
    for quad in quads:
        if may_see(quad.graph_name, include_personal=False):
            yield quad


def visible_graphs(
    graphs: Iterable[ox.NamedNode | ox.BlankNode], *, include_personal: bool
) -> list[ox.NamedNode | ox.BlankNode]:
    """The named graphs a reader may see, in their order."""
    return [g for g in graphs if may_see(g, include_personal=include_personal)]
