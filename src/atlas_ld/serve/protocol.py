"""The SPARQL 1.1 Protocol's request side: where the query is, which dataset, which format.

Three ways to send a query (GET `?query=`, POST form, POST `application/sparql-query`), the
`default-graph-uri` / `named-graph-uri` parameters, and the results format from `Accept` or from
a `format` parameter (for links in browsers, which cannot set headers). Anything the protocol
calls an error is a `ProtocolError` carrying its HTTP status. Also the service description that
a GET without a query returns.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import pyoxigraph as ox
from starlette.requests import Request

from atlas_ld.core.errors import QueryError
from atlas_ld.core.namespaces import ATLAS, RDF, VOID
from atlas_ld.serve.negotiation import negotiate
from atlas_ld.store.guard import remembered

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"

# (format key, media type), in the order the server prefers them.
SOLUTION_OFFERS = [
    ("json", "application/sparql-results+json"),
    ("xml", "application/sparql-results+xml"),
    ("csv", "text/csv"),
    ("tsv", "text/tab-separated-values"),
    ("json", "application/json"),
    ("xml", "application/xml"),
    ("xml", "text/xml"),
]
BOOLEAN_OFFERS = [offer for offer in SOLUTION_OFFERS if offer[0] in ("json", "xml")]
GRAPH_OFFERS = [
    ("turtle", "text/turtle"),
    ("ntriples", "application/n-triples"),
    ("jsonld", "application/ld+json"),
    ("rdfxml", "application/rdf+xml"),
    ("turtle", "application/x-turtle"),
    ("ntriples", "text/plain"),
    ("jsonld", "application/json"),
    ("rdfxml", "application/xml"),
]
_FORMAT_NAMES = {
    "solutions": {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv"},
    "graph": {
        "turtle": "turtle",
        "ttl": "turtle",
        "ntriples": "ntriples",
        "nt": "ntriples",
        "n-triples": "ntriples",
        "jsonld": "jsonld",
        "json-ld": "jsonld",
        "json": "jsonld",
        "rdfxml": "rdfxml",
        "rdf": "rdfxml",
        "xml": "rdfxml",
    },
}
FORM_KIND = {"SELECT": "solutions", "ASK": "boolean", "CONSTRUCT": "graph", "DESCRIBE": "graph"}


class ProtocolError(QueryError):
    """A request the SPARQL protocol rejects; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400, **kwargs):
        super().__init__(message, **kwargs)
        self.status = status


@dataclass(slots=True)
class ProtocolRequest:
    """A parsed protocol request; `query` None means "describe the service"."""

    query: str | None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    format: str | None = None


async def read_request(request: Request, max_body: int) -> ProtocolRequest:
    """Find the query and its parameters in a GET or POST, as the protocol allows them."""
    body = b""
    if request.method == "POST":
        check_content_type(request.headers.get("content-type", ""))
        body = await _read_body(request, max_body)
    return parse_request(
        request.method, request.scope.get("query_string", b""), request.headers, body
    )


def check_content_type(content_type: str) -> None:
    """Refuse a POST whose body is not a query (or is an update) before reading it."""
    media = content_type.partition(";")[0].strip().lower()
    if media in ("application/x-www-form-urlencoded", "application/sparql-query"):
        return
    if media == "application/sparql-update":
        raise ProtocolError("SPARQL updates are not accepted: this endpoint is read-only", 403)
    raise ProtocolError(
        f"unsupported Content-Type {media or '(none)'!r}",
        415,
        hint="send application/sparql-query or application/x-www-form-urlencoded",
    )


def parse_request(method: str, query_string: bytes, headers, body: bytes) -> ProtocolRequest:
    """The protocol request in a URL's query string and a POST's body (already read, within
    the size limit); `headers` has a `get` (Starlette's `Headers`). The one reading of a
    request, for the endpoint and for its fast path (`atlas_ld.serve.fast`)."""
    params = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    if method == "POST":
        content_type = headers.get("content-type", "")
        check_content_type(content_type)
        media, _, options = content_type.partition(";")
        if media.strip().lower() == "application/x-www-form-urlencoded":
            params += _form(_decode(body, options))
        else:
            if _values(params, "query"):
                raise ProtocolError("the query is in both the body and the URL")
            params.append(("query", _decode(body, options)))
    if _values(params, "update"):
        raise ProtocolError("SPARQL updates are not accepted: this endpoint is read-only", 403)
    queries = _values(params, "query")
    if len(queries) > 1:
        raise ProtocolError("more than one query in the request")
    formats = _values(params, "format")
    return ProtocolRequest(
        query=queries[0] if queries else None,
        default_graphs=_values(params, "default-graph-uri"),
        named_graphs=_values(params, "named-graph-uri"),
        format=formats[0] if formats else None,
    )


@remembered
def _form(text: str) -> tuple[tuple[str, str], ...]:
    """A form body's fields; the same bodies come again and again (a client's query), and
    percent-decoding a long query costs more than answering it from the cache."""
    return tuple(parse_qsl(text, keep_blank_values=True))


def _values(params: list[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in params if key == name]


async def _read_body(request: Request, max_body: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_body:
        raise ProtocolError(f"request body over the {max_body} byte limit", 413)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_body:
            raise ProtocolError(f"request body over the {max_body} byte limit", 413)
        chunks.append(chunk)
    return b"".join(chunks)


def _decode(body: bytes, options: str) -> str:
    for option in options.split(";"):
        name, _, value = option.partition("=")
        charset = value.strip().strip('"').lower()
        if name.strip().lower() == "charset" and charset not in ("utf-8", "utf8"):
            raise ProtocolError(f"charset {charset!r} not supported: send UTF-8", 415)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"the body is not UTF-8 (byte {exc.start})") from None


@functools.lru_cache(maxsize=1024)
def result_format(form: str, accept: str | None, requested: str | None) -> tuple[str, str]:
    """(format key, media type) for a query form, from `format=` first, else from `Accept`
    (remembered: clients send the same few `Accept` headers again and again)."""
    kind = FORM_KIND[form]
    offers = {"solutions": SOLUTION_OFFERS, "boolean": BOOLEAN_OFFERS, "graph": GRAPH_OFFERS}[kind]
    if requested:
        key = requested.strip().lower()
        names = _FORMAT_NAMES["graph" if kind == "graph" else "solutions"]
        for name, media in offers:
            if key in (name, media) or names.get(key) == name:
                return name, media
        valid = ", ".join(sorted({name for name, _ in offers}))
        raise ProtocolError(
            f"format {requested!r} does not apply to {form} queries", 400, hint=f"use {valid}"
        )
    chosen = negotiate(accept, [media for _, media in offers])
    return next((name, media) for name, media in offers if media == chosen)


def service_description(
    endpoint: str,
    triples: int,
    union_default: bool,
    *,
    row_limit: int | None = None,
    time_limit: float | None = None,
    byte_limit: int | None = None,
) -> list[ox.Triple]:
    """The sd:Service of this endpoint: language, result formats, features, dataset size, and
    the limits every query gets (`atlas:rowLimit`, `atlas:timeLimit` in seconds,
    `atlas:resultByteLimit`), so a client can read them before it is cut."""
    service, dataset, graph = ox.NamedNode(endpoint), ox.BlankNode("dataset"), ox.BlankNode("dg")
    rdf_type = ox.NamedNode(RDF + "type")

    def sd(name: str) -> ox.NamedNode:
        return ox.NamedNode(SD + name)

    out = [
        ox.Triple(service, rdf_type, sd("Service")),
        ox.Triple(service, sd("endpoint"), service),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, rdf_type, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), graph),
        ox.Triple(graph, rdf_type, sd("Graph")),
        ox.Triple(graph, ox.NamedNode(VOID + "triples"), ox.Literal(str(triples), datatype=_INT)),
    ]
    if union_default:
        out.append(ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")))
    for name, value, datatype in (
        ("rowLimit", row_limit, _INT),
        ("timeLimit", time_limit, _DECIMAL),
        ("resultByteLimit", byte_limit, _INT),
    ):
        if value is not None:
            literal = ox.Literal(str(value), datatype=datatype)
            out.append(ox.Triple(service, ox.NamedNode(ATLAS + name), literal))
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV"):
        out.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS_NS + name)))
    for name in ("SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        out.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS_NS + name)))
    return out


_INT = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
_DECIMAL = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
