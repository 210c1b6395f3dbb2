"""SHACL validation of partnership graphs with pyshacl, page by page.

pySHACL over one whole Atlas-sized graph takes minutes, and most rebuilds change few pages. So
pages are validated in chunks (their quads plus the reference triples they contribute) in worker
processes, and the build caches each page's outcome by content digest. The shapes use SHACL Core
and one SPARQL target (SHACL-AF, hence `advanced=True`): pySHACL parses a SPARQL-based constraint
again for every focus node, a target once per run. Non-conformance is a
result (`Issue` list), not an exception; only the CLI turns violations into an exit code.

An `Issue` keeps everything pySHACL's results graph says of a result (focus node, result path,
value with its kind and datatype, source shape, constraint component, severity, messages), so
`results_graph` gives that graph back whole: the release's quality report is pySHACL's own
results, not a summary of them. The build leaves its results next to the store
(`quality.json`, see `quality_text`) for `atlas-ld dump` and the server's quality page.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import asdict, dataclass, field, fields
from functools import cache
from pathlib import Path

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
    # Terms of pySHACL's result in N-Triples form (the value's kind and datatype kept). No
    # defaults: a cache entry written before these existed fails to load and is recomputed.
    focus_term: str
    result_path: str
    value_term: str
    source_shape: str
    constraint: str


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


def validate_graph(graph: rdflib.Graph, *, partnership: str, source: str) -> list[Issue]:
    _conforms, results, _text = shacl_validate(
        graph,
        shacl_graph=shapes_graph(),
        inference="none",
        advanced=True,
        allow_warnings=True,
        inplace=True,
    )
    return issues_from_results(results, partnership=partnership, source=source)


def issues_from_results(
    results: rdflib.Graph, *, partnership: str = "", source: str = ""
) -> list[Issue]:
    """Every `sh:ValidationResult` of pySHACL's results graph as an `Issue`, nothing left out."""
    issues = []
    for result in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        messages = {m.language: str(m) for m in results.objects(result, SH.resultMessage)}
        fallback = next(iter(messages.values()), "")
        severity = results.value(result, SH.resultSeverity)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        focus = results.value(result, SH.focusNode)
        issues.append(
            Issue(
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                partnership=partnership,
                focus=str(focus or ""),
                path=_short(path),
                value=str(value if value is not None else ""),
                message_en=messages.get("en", fallback),
                message_fr=messages.get("fr", fallback),
                source=source,
                focus_term=_nt(focus),
                result_path=_nt(path),
                value_term=_nt(value),
                source_shape=_nt(results.value(result, SH.sourceShape)),
                constraint=_nt(results.value(result, SH.sourceConstraintComponent)),
            )
        )
    return sorted(issues, key=_order)


def _order(issue: Issue) -> tuple:
    return (
        SEVERITIES.index(issue.severity),
        issue.focus,
        issue.path,
        issue.value,
        issue.source_shape,
        issue.constraint,
    )


def _nt(term: rdflib.term.Node | None) -> str:
    """An rdflib term in N-Triples form ("" for none), written by pyoxigraph so it parses back."""
    if term is None:
        return ""
    if isinstance(term, rdflib.URIRef):
        return str(pyoxigraph.NamedNode(str(term)))
    if isinstance(term, rdflib.BNode):
        return str(pyoxigraph.BlankNode(str(term)))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return str(pyoxigraph.Literal(str(term), language=term.language))
        datatype = pyoxigraph.NamedNode(str(term.datatype)) if term.datatype else None
        return str(pyoxigraph.Literal(str(term), datatype=datatype))
    raise ValueError(f"not an RDF term: {term!r}")  # a SHACL path expression (not used)


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


SH_NS = "http://www.w3.org/ns/shacl#"


def _term(text: str) -> pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal:
    """The term an `Issue` field holds in N-Triples form."""
    line = f"<urn:x:s> <urn:x:p> {text} ."
    return next(iter(pyoxigraph.parse(line, pyoxigraph.RdfFormat.N_TRIPLES))).object


def distinct_results(issues: list[Issue]) -> list[Issue]:
    """One issue per SHACL result. The build gives a result on a shared node (an actor) to every
    page that describes it; pySHACL's graph has it once."""
    seen: dict[tuple, Issue] = {}
    for issue in sorted(issues, key=lambda i: (_order(i), i.partnership)):
        key = (
            issue.severity,
            issue.focus_term,
            issue.result_path,
            issue.value_term,
            issue.source_shape,
            issue.constraint,
            issue.message_en,
            issue.message_fr,
        )
        seen.setdefault(key, issue)
    return list(seen.values())


def results_triples(issues: list[Issue]) -> list[pyoxigraph.Triple]:
    """pySHACL's results graph (`sh:ValidationReport`) rebuilt whole from the issues, each
    result once (`distinct_results`).

    Result nodes are blank nodes numbered in the issues' order, so equal issues give equal
    bytes."""
    rdf_type = pyoxigraph.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    report = pyoxigraph.BlankNode("report")
    triples = [
        pyoxigraph.Triple(report, rdf_type, pyoxigraph.NamedNode(SH_NS + "ValidationReport")),
        pyoxigraph.Triple(
            report,
            pyoxigraph.NamedNode(SH_NS + "conforms"),
            pyoxigraph.Literal(count(issues) == 0),
        ),
    ]
    for n, issue in enumerate(distinct_results(issues)):
        node = pyoxigraph.BlankNode(f"r{n}")

        def add(prop: str, value, node=node) -> None:
            triples.append(pyoxigraph.Triple(node, pyoxigraph.NamedNode(SH_NS + prop), value))

        triples.append(pyoxigraph.Triple(report, pyoxigraph.NamedNode(SH_NS + "result"), node))
        triples.append(
            pyoxigraph.Triple(node, rdf_type, pyoxigraph.NamedNode(SH_NS + "ValidationResult"))
        )
        add("resultSeverity", pyoxigraph.NamedNode(SH_NS + issue.severity))
        for prop, text in (
            ("focusNode", issue.focus_term),
            ("resultPath", issue.result_path),
            ("value", issue.value_term),
            ("sourceShape", issue.source_shape),
            ("sourceConstraintComponent", issue.constraint),
        ):
            if text:
                add(prop, _term(text))
        for lang, message in (("en", issue.message_en), ("fr", issue.message_fr)):
            if message:
                add("resultMessage", pyoxigraph.Literal(message, language=lang))
    return triples


def issues_turtle(issues: list[Issue]) -> bytes:
    """The report as a SHACL `sh:ValidationReport` in Turtle (see `results_triples`)."""
    return pyoxigraph.serialize(
        results_triples(issues), format=pyoxigraph.RdfFormat.TURTLE, prefixes={"sh": SH_NS}
    )


def severity_counts(issues: list[Issue]) -> dict[str, int]:
    """Distinct results per severity, every severity named (0 included)."""
    distinct = distinct_results(issues)
    return {severity: count(distinct, severity) for severity in SEVERITIES}


def shape_counts(issues: list[Issue]) -> list[tuple[str, str, int]]:
    """(source shape IRI, severity, number of distinct results), by shape then severity."""
    counts: dict[tuple[str, str], int] = {}
    for issue in distinct_results(issues):
        shape = issue.source_shape.strip("<>")
        counts[(shape, issue.severity)] = counts.get((shape, issue.severity), 0) + 1
    return [
        (shape, severity, n)
        for (shape, severity), n in sorted(
            counts.items(), key=lambda item: (item[0][0], SEVERITIES.index(item[0][1]))
        )
    ]


QUALITY_NAME = "quality.json"


@dataclass(slots=True)
class QualityRecord:
    """What the build leaves next to the store: whether it validated, and every result."""

    validated: bool
    issues: list[Issue] = field(default_factory=list)


def quality_text(issues: list[Issue], *, validated: bool = True) -> str:
    """`quality.json`: the build's SHACL results, which it writes into the store directory."""
    names = [f.name for f in fields(Issue)]  # `asdict` deep-copies: 1.4 s at Atlas scale
    rows = [{name: getattr(i, name) for name in names} for i in sorted(issues, key=_order)]
    return json.dumps({"validated": validated, "issues": rows}, ensure_ascii=False)


def has_quality(store_dir: Path, text: str) -> bool:
    """Whether the store's `quality.json` is `text` (see `quality_text`)."""
    try:
        return (Path(store_dir) / QUALITY_NAME).read_text(encoding="utf-8") == text
    except (OSError, UnicodeError):
        return False


def read_quality(store_dir: Path) -> QualityRecord | None:
    """The results the last build left in the store, or None (older store, unreadable file)."""
    try:
        data = json.loads((Path(store_dir) / QUALITY_NAME).read_text(encoding="utf-8"))
        return QualityRecord(
            validated=bool(data["validated"]), issues=[Issue(**i) for i in data["issues"]]
        )
    except (OSError, ValueError, TypeError, KeyError):
        return None
