"""Write SPARQL results in the protocol's formats, stopping at the endpoint's row limit.

pyoxigraph's own result writers consume the whole iterator, so they cannot cap a result; these
writers take at most `limit` solutions. Graph results go through pyoxigraph's RDF serializers,
fed with a capped iterator.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from atlas_ld.core.jsonld import write_jsonld
from atlas_ld.core.resources import ontology_dir

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

SOLUTION_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_TYPES = {
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
_RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


@dataclass(frozen=True, slots=True)
class Written:
    body: bytes
    media_type: str
    rows: int
    truncated: bool


def _json_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {
            "subject": _json_term(term.subject),
            "predicate": _json_term(term.predicate),
            "object": _json_term(term.object),
        },
    }


def _xml_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return (
                f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
            )
        return f"<literal>{escape(term.value)}</literal>"
    return (
        f"<triple><subject>{_xml_term(term.subject)}</subject>"
        f"<predicate>{_xml_term(term.predicate)}</predicate>"
        f"<object>{_xml_term(term.object)}</object></triple>"
    )


def _csv_term(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    return str(term)


def _tsv_term(term) -> str:
    # N-Triples syntax, as the TSV results format asks; pyoxigraph's str() gives exactly that.
    return "" if term is None else str(term)


def write_solutions(
    solutions: ox.QuerySolutions, fmt: str, limit: int, order: Sequence[str] = ()
) -> Written:
    """`order` puts the named columns first, in that order (see `query_guard.star_columns`)."""
    rank = {name: i for i, name in enumerate(order)}
    names = sorted((v.value for v in solutions.variables), key=lambda n: rank.get(n, len(rank)))
    rows: list[list] = []
    truncated = False
    for solution in islice(solutions, limit + 1):
        if len(rows) == limit:
            truncated = True
            break
        rows.append([solution[name] for name in names])
    writer = {"json": _solutions_json, "xml": _solutions_xml, "csv": _solutions_csv}.get(
        fmt, _solutions_tsv
    )
    return Written(writer(names, rows), SOLUTION_TYPES[fmt], len(rows), truncated)


def _solutions_json(names: list[str], rows: list[list]) -> bytes:
    bindings = [
        {name: _json_term(term) for name, term in zip(names, row, strict=True) if term is not None}
        for row in rows
    ]
    data = {"head": {"vars": names}, "results": {"bindings": bindings}}
    return json.dumps(data, ensure_ascii=False).encode()


def _solutions_xml(names: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    out.write('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">')
    out.write("<head>" + "".join(f"<variable name={quoteattr(n)}/>" for n in names) + "</head>")
    out.write("<results>")
    for row in rows:
        out.write("<result>")
        for name, term in zip(names, row, strict=True):
            if term is not None:
                out.write(f"<binding name={quoteattr(name)}>{_xml_term(term)}</binding>")
        out.write("</result>")
    out.write("</results></sparql>")
    return out.getvalue().encode()


def _solutions_csv(names: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    writer.writerows([_csv_term(term) for term in row] for row in rows)
    return out.getvalue().encode()


def _solutions_tsv(names: list[str], rows: list[list]) -> bytes:
    lines = ["\t".join(f"?{n}" for n in names)]
    lines.extend("\t".join(_tsv_term(term) for term in row) for row in rows)
    return ("\n".join(lines) + "\n").encode()


def write_boolean(value: bool, fmt: str) -> Written:
    if fmt == "xml":
        body = (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>"
        ).encode()
        return Written(body, SOLUTION_TYPES["xml"], 1, False)
    body = json.dumps({"head": {}, "boolean": value}).encode()
    return Written(body, SOLUTION_TYPES["json"], 1, False)


def write_triples(
    triples: Iterable[ox.Triple], fmt: str, limit: int, prefixes: dict[str, str]
) -> Written:
    counted = _Counter(iter(triples), limit)
    if fmt == "jsonld":
        return _compact_jsonld(list(counted), counted)
    kwargs = {"prefixes": prefixes} if fmt in ("turtle", "rdfxml") else {}
    body = ox.serialize(counted, format=_RDF_FORMATS[fmt], **kwargs) or b""
    return Written(body, GRAPH_TYPES[fmt], counted.count, counted.truncated)


@functools.cache
def _project_context() -> dict:
    return json.loads((ontology_dir() / "atlas.context.jsonld").read_text(encoding="utf-8"))


def _compact_jsonld(triples: list[ox.Triple], counted: _Counter) -> Written:
    """JSON-LD with the project's `@context`, as in the dumps, so a client reads `title` and
    `country` rather than full IRIs. RDF-star terms have no compact form there: those results
    keep pyoxigraph's expanded JSON-LD."""
    if any(isinstance(t.subject, ox.Triple) or isinstance(t.object, ox.Triple) for t in triples):
        body = ox.serialize(triples, format=ox.RdfFormat.JSON_LD) or b""
    else:
        triples.sort(key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
        out = io.StringIO()
        write_jsonld(triples, _project_context()["@context"], out)
        body = out.getvalue().encode()
    return Written(body, GRAPH_TYPES["jsonld"], counted.count, counted.truncated)


class _Counter(Iterator[ox.Triple]):
    """Passes at most `limit` triples on and remembers whether more were left."""

    def __init__(self, source: Iterator[ox.Triple], limit: int):
        self.source, self.limit, self.count, self.truncated = source, limit, 0, False

    def __next__(self) -> ox.Triple:
        item = next(self.source)
        if self.count == self.limit:
            self.truncated = True
            raise StopIteration
        self.count += 1
        return item
