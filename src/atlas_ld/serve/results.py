"""Write SPARQL results in the protocol's formats, stopping at the endpoint's row and byte limits.

pyoxigraph's own result writers consume the whole iterator, so they cannot cap a result; these
writers take solutions one at a time and stop at whichever limit comes first: `limit` rows, or
`max_bytes` bytes of output (so a one-row answer of 168 MB built with nested CONCATs is cut too).
The document stays well formed when cut: the closing brackets are always written, and formats
with comments (XML, Turtle, N-Triples, RDF/XML) say in the body where and why the answer was cut;
every format says it in the `X-Atlas-Truncated` header (`Written.note`). Graph results go through
pyoxigraph's RDF serializers, fed with an iterator that stops at the row limit and when the
triples' N-Triples size reaches the byte limit.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from atlas_ld.core.jsonld import write_jsonld
from atlas_ld.core.resources import ontology_dir
from atlas_ld.store.answers import JSON_SEPARATORS

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


DEFAULT_MAX_BYTES = 50_000_000
_RESERVE = 256  # room kept under the byte limit for the closing brackets and the note


@dataclass(frozen=True, slots=True)
class Written:
    """A written result: its bytes, how many rows (or triples) it holds, and whether it was cut.

    `cut_by` is "rows" or "bytes" when `truncated`; `max_bytes` is the byte limit applied.
    """

    body: bytes
    media_type: str
    rows: int
    truncated: bool
    cut_by: str = ""
    max_bytes: int = DEFAULT_MAX_BYTES
    path: str | None = None  # a large body written to this file instead of `body`

    def read(self) -> bytes:
        """The body, from the file when it was spooled there."""
        if self.path is None:
            return self.body
        with open(self.path, "rb") as spooled:
            return spooled.read()

    @property
    def note(self) -> str:
        """What the `X-Atlas-Truncated` header (and the body, where it can) says."""
        if self.cut_by == "bytes":
            limit = f"the {self.max_bytes} byte limit"
            return f"results cut at {self.rows} rows: the answer reached {limit}"
        return f"results cut at {self.rows} rows"


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
    solutions: ox.QuerySolutions,
    fmt: str,
    limit: int,
    order: Sequence[str] = (),
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Written:
    """`order` puts the named columns first, in that order (see `guard.star_columns`)."""
    rank = {name: i for i, name in enumerate(order)}
    names = sorted((v.value for v in solutions.variables), key=lambda n: rank.get(n, len(rank)))
    encoder = _ENCODERS.get(fmt, _TsvRows)(names)
    out = io.BytesIO()
    out.write(encoder.head())
    budget = max_bytes - _RESERVE
    rows, cut = 0, ""
    for solution in solutions:
        if rows == limit:
            cut = "rows"
            break
        chunk = encoder.row([solution[name] for name in names], first=rows == 0)
        if out.tell() + len(chunk) > budget:
            cut = "bytes"
            break
        out.write(chunk)
        rows += 1
    written = Written(b"", SOLUTION_TYPES[fmt], rows, bool(cut), cut, max_bytes)
    if cut:
        out.write(encoder.note(written.note))
    out.write(encoder.tail())
    return replace(written, body=out.getvalue())


# As pyoxigraph writes SPARQL JSON (`answers.JSON_SEPARATORS`): the two give the same bytes (a
# test checks it), so an answer written by pyoxigraph where it is known to be whole
# (`workers.evaluate`, `known_rows`) and one written here row by row are the same
# representation under the same ETag.
_COMPACT = JSON_SEPARATORS


class _JsonRows:
    def __init__(self, names: list[str]):
        self.names = names

    def head(self) -> bytes:
        names = json.dumps(self.names, separators=_COMPACT)
        return ('{"head":{"vars":' + names + '},"results":{"bindings":[').encode()

    def row(self, row: list, first: bool) -> bytes:
        binding = {n: _json_term(t) for n, t in zip(self.names, row, strict=True) if t is not None}
        text = json.dumps(binding, ensure_ascii=False, separators=_COMPACT)
        return (("" if first else ",") + text).encode()

    def note(self, text: str) -> bytes:
        return b""  # JSON has no comments: the header says it

    def tail(self) -> bytes:
        return b"]}}"


class _XmlRows(_JsonRows):
    def head(self) -> bytes:
        variables = "".join(f"<variable name={quoteattr(n)}/>" for n in self.names)
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head>{variables}</head><results>"
        ).encode()

    def row(self, row: list, first: bool) -> bytes:
        cells = "".join(
            f"<binding name={quoteattr(n)}>{_xml_term(t)}</binding>"
            for n, t in zip(self.names, row, strict=True)
            if t is not None
        )
        return f"<result>{cells}</result>".encode()

    def note(self, text: str) -> bytes:
        return f"<!-- {text} -->".encode()

    def tail(self) -> bytes:
        return b"</results></sparql>"


class _CsvRows(_JsonRows):
    def __init__(self, names: list[str]):
        super().__init__(names)
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")

    def _line(self, cells: list[str]) -> bytes:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow(cells)
        return self._buffer.getvalue().encode()

    def head(self) -> bytes:
        return self._line(self.names)

    def row(self, row: list, first: bool) -> bytes:
        return self._line([_csv_term(term) for term in row])

    def tail(self) -> bytes:
        return b""


class _TsvRows(_CsvRows):
    def head(self) -> bytes:
        return ("\t".join(f"?{n}" for n in self.names) + "\n").encode()

    def row(self, row: list, first: bool) -> bytes:
        return ("\t".join(_tsv_term(term) for term in row) + "\n").encode()


_ENCODERS = {"json": _JsonRows, "xml": _XmlRows, "csv": _CsvRows, "tsv": _TsvRows}


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
    triples: Iterable[ox.Triple],
    fmt: str,
    limit: int,
    prefixes: dict[str, str],
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Written:
    # RDF/XML spells every triple out at about twice its N-Triples size; the others are smaller.
    weight = 2 if fmt == "rdfxml" else 1
    counted = _Counter(iter(triples), limit, (max_bytes - _RESERVE) // weight)
    if fmt == "jsonld":
        body = _compact_jsonld(list(counted))
    else:
        kwargs = {"prefixes": prefixes} if fmt in ("turtle", "rdfxml") else {}
        body = ox.serialize(counted, format=_RDF_FORMATS[fmt], **kwargs) or b""
    written = Written(
        body, GRAPH_TYPES[fmt], counted.count, bool(counted.cut), counted.cut, max_bytes
    )
    if counted.cut and fmt != "jsonld":
        note = f"<!-- {written.note} -->\n" if fmt == "rdfxml" else f"# {written.note}\n"
        written = replace(written, body=body + note.encode())
    return written


@functools.cache
def _project_context() -> dict:
    return json.loads((ontology_dir() / "atlas.context.jsonld").read_text(encoding="utf-8"))


def _compact_jsonld(triples: list[ox.Triple]) -> bytes:
    """JSON-LD with the project's `@context`, as in the dumps, so a client reads `title` and
    `country` rather than full IRIs. RDF-star terms have no compact form there: those results
    keep pyoxigraph's expanded JSON-LD."""
    if any(isinstance(t.subject, ox.Triple) or isinstance(t.object, ox.Triple) for t in triples):
        return ox.serialize(triples, format=ox.RdfFormat.JSON_LD) or b""
    triples.sort(key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    out = io.StringIO()
    write_jsonld(triples, _project_context()["@context"], out)
    return out.getvalue().encode()


class _Counter(Iterator[ox.Triple]):
    """Passes at most `limit` triples on, and stops before their N-Triples size would pass
    `max_bytes`; `cut` says which limit stopped it ("rows", "bytes" or "")."""

    def __init__(self, source: Iterator[ox.Triple], limit: int, max_bytes: int):
        self.source, self.limit, self.max_bytes = source, limit, max_bytes
        self.count, self.size, self.cut = 0, 0, ""

    def __next__(self) -> ox.Triple:
        if self.cut:
            raise StopIteration
        item = next(self.source)
        if self.count == self.limit:
            self.cut = "rows"
            raise StopIteration
        size = len(str(item)) + 3  # " .\n"
        if self.size + size > self.max_bytes:
            self.cut = "bytes"
            raise StopIteration
        self.size += size
        self.count += 1
        return item
