"""SHACL validation of partnership graphs with pyshacl, page by page.

pySHACL over one whole Atlas-sized graph takes minutes, and most rebuilds change few pages. So
pages are validated in chunks (their quads plus the reference triples they contribute) in worker
processes, and the build caches each page's outcome by content digest. The shapes use SHACL Core
and one SPARQL target (SHACL-AF, hence `advanced=True`): pySHACL parses a SPARQL-based constraint
again for every focus node, a target once per run. Non-conformance is a
result (`Issue` list), not an exception; only the CLI turns violations into an exit code.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict, dataclass
from functools import cache

import pyoxigraph
import rdflib
from pyshacl import validate as shacl_validate
from rdflib.namespace import SH

from atlas_ld.core.resources import shapes_dir

SEVERITIES = ("Violation", "Warning", "Info")


@dataclass(frozen=True, slots=True)
class Issue:
    """One SHACL result, in terms a person can act on."""

    severity: str
    partnership: str
    focus: str
    path: str
    value: str
    message_en: str
    message_fr: str
    source: str


@cache
def shapes_graph() -> rdflib.Graph:
    """All shapes shipped in `shapes/` (parsed once per process)."""
    graph = rdflib.Graph()
    for entry in sorted(shapes_dir().iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".ttl"):
            graph.parse(data=entry.read_text(encoding="utf-8"), format="turtle")
    return graph


@cache
def shape_predicates() -> frozenset[str]:
    """Every predicate the shapes read (paths, objects-of targets, comparisons, the IRIs of SPARQL
    targets, rdf:type). A data graph cut down to these triples gives the same results, and the
    build validates such cut-down graphs: long texts and provenance only slow pySHACL down."""
    graph = shapes_graph()
    predicates = {str(rdflib.RDF.type)}
    for parameter in (
        SH.path,
        SH.targetObjectsOf,
        SH.targetSubjectsOf,
        SH.equals,
        SH.disjoint,
        SH.lessThan,
        SH.lessThanOrEquals,
    ):
        for value in graph.objects(None, parameter):
            if not isinstance(value, rdflib.URIRef):
                raise ValueError(f"only predicate paths are supported in the shapes, not {value}")
            predicates.add(str(value))
    for select in graph.objects(None, SH.select):
        predicates.update(re.findall(r"<([^<>\s]+)>", str(select)))
    return frozenset(predicates)


def validate_ntriples(data: bytes, *, partnership: str, source: str) -> list[Issue]:
    """Validate one partnership's triples (N-Triples bytes) against the shapes."""
    graph = rdflib.Graph()
    graph.parse(data=data, format="nt")
    return validate_graph(graph, partnership=partnership, source=source)


def validate_graph(graph: rdflib.Graph, *, partnership: str, source: str) -> list[Issue]:
    _conforms, results, _text = shacl_validate(
        graph,
        shacl_graph=shapes_graph(),
        inference="none",
        advanced=True,
        allow_warnings=True,
        inplace=True,
    )
    issues = []
    for result in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        messages = {m.language: str(m) for m in results.objects(result, SH.resultMessage)}
        fallback = next(iter(messages.values()), "")
        severity = results.value(result, SH.resultSeverity)
        issues.append(
            Issue(
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                partnership=partnership,
                focus=str(results.value(result, SH.focusNode) or ""),
                path=_short(results.value(result, SH.resultPath)),
                value=str(results.value(result, SH.value) or ""),
                message_en=messages.get("en", fallback),
                message_fr=messages.get("fr", fallback),
                source=source,
            )
        )
    return sorted(issues, key=lambda i: (SEVERITIES.index(i.severity), i.focus, i.path, i.value))


def _short(path: rdflib.term.Node | None) -> str:
    if path is None:
        return ""
    text = str(path)
    for sep in ("#", "/"):
        if sep in text:
            return text.rsplit(sep, 1)[1]
    return text


def count(issues: list[Issue], severity: str = "Violation") -> int:
    return sum(1 for issue in issues if issue.severity == severity)


def issues_csv(issues: list[Issue]) -> str:
    """The report as CSV, one row per result (for spreadsheets and R/pandas)."""
    out = io.StringIO()
    names = list(Issue.__dataclass_fields__)
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for issue in issues:
        writer.writerow(asdict(issue))
    return out.getvalue()


def issues_turtle(issues: list[Issue]) -> bytes:
    """The report as a SHACL `sh:ValidationReport` in Turtle."""
    sh = "http://www.w3.org/ns/shacl#"
    rdf_type = pyoxigraph.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    report = pyoxigraph.BlankNode("report")
    triples = [
        pyoxigraph.Triple(report, rdf_type, pyoxigraph.NamedNode(sh + "ValidationReport")),
        pyoxigraph.Triple(
            report,
            pyoxigraph.NamedNode(sh + "conforms"),
            pyoxigraph.Literal(count(issues) == 0),
        ),
    ]
    for n, issue in enumerate(issues):
        node = pyoxigraph.BlankNode(f"r{n}")

        def add(prop: str, value, node=node) -> None:
            triples.append(pyoxigraph.Triple(node, pyoxigraph.NamedNode(sh + prop), value))

        triples.append(pyoxigraph.Triple(report, pyoxigraph.NamedNode(sh + "result"), node))
        add("resultSeverity", pyoxigraph.NamedNode(sh + issue.severity))
        if issue.focus.startswith("http"):
            add("focusNode", pyoxigraph.NamedNode(issue.focus))
        add("resultMessage", pyoxigraph.Literal(issue.message_en, language="en"))
        add("resultMessage", pyoxigraph.Literal(issue.message_fr, language="fr"))
        if issue.value:
            add("value", pyoxigraph.Literal(issue.value))
    return pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.TURTLE, prefixes={"sh": sh})
