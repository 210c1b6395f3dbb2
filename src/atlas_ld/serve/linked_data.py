"""Dereferenceable IRIs: which IRI a request path names, which format it asks for, its description.

The server answers an IRI's own URL with `200 OK` and the description in the negotiated format,
plus `Content-Location` naming the format-specific document (`.ttl`, `.jsonld`, `.nt`, `.rdf`,
`.html`) and `Vary: Accept` — not a `303 See Other` to a separate document. Why: one round trip
instead of two for every client (rdflib, browsers, crawlers), and the IRIs under `id/` are slash
IRIs whose response *describes* the thing, which Content-Location makes explicit (the W3C TAG's
httpRange-14 update allows this). The description of a resource is its own triples, the labels of
what it links to, and the triples that point to it, with the labels of their subjects.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

SUFFIXES = {".ttl": "turtle", ".nt": "ntriples", ".jsonld": "jsonld", ".rdf": "rdfxml"}
HTML_SUFFIX = ".html"
# (format key, media type) in the server's order of preference: people first.
RESOURCE_OFFERS = [
    ("html", "text/html"),
    ("turtle", "text/turtle"),
    ("jsonld", "application/ld+json"),
    ("ntriples", "application/n-triples"),
    ("rdfxml", "application/rdf+xml"),
    ("html", "application/xhtml+xml"),
    ("jsonld", "application/json"),
]
LABEL_PROPERTIES = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://purl.org/dc/terms/title",
    "https://schema.org/name",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://xmlns.com/foaf/0.1/name",
)
_IRI_SAFE = re.compile(r"^[^\s<>\"{}|^`\\]+$")
INCOMING_LIMIT = 2000


def split_suffix(path: str) -> tuple[str, str | None]:
    """`id/actor/x.ttl` -> (`id/actor/x`, "turtle"); no suffix -> (path, None)."""
    if path.endswith(HTML_SUFFIX):
        return path[: -len(HTML_SUFFIX)], "html"
    for suffix, fmt in SUFFIXES.items():
        if path.endswith(suffix):
            return path[: -len(suffix)], fmt
    return path, None


def suffix_for(fmt: str) -> str:
    if fmt == "html":
        return HTML_SUFFIX
    return next(suffix for suffix, name in SUFFIXES.items() if name == fmt)


def iri_term(iri: str) -> str:
    """The IRI written as a SPARQL term, by pyoxigraph's IRI parser (RFC 3987): a value that is
    not an absolute IRI raises ValueError instead of reaching the query text, so no request path
    can close the `<...>` and add its own SPARQL. The describe query keeps the IRI written in
    (rather than bound with `substitutions=`) because its incoming-links subquery has its own
    LIMIT, and a binding from outside would only be joined after that limit."""
    return str(ox.NamedNode(iri))


def safe_iri(iri: str) -> bool:
    """Only absolute IRIs that pyoxigraph accepts, with none of the characters that would need
    escaping in a URL, are looked up."""
    if not _IRI_SAFE.match(iri):
        return False
    try:
        iri_term(iri)
    except ValueError:
        return False
    return True


def _labels() -> str:
    return " ".join(iri_term(p) for p in LABEL_PROPERTIES)


def describe_query(iri: str) -> str:
    this = iri_term(iri)
    return f"""CONSTRUCT {{ {this} ?p ?o . ?o ?lp ?ol . ?s ?q {this} . ?s ?sp ?sl . }}
WHERE {{
  {{ {this} ?p ?o . OPTIONAL {{ VALUES ?lp {{ {_labels()} }} ?o ?lp ?ol }} }}
  UNION
  {{ {{ SELECT ?s ?q {{ ?s ?q {this} }} LIMIT {INCOMING_LIMIT} }}
     OPTIONAL {{ VALUES ?sp {{ {_labels()} }} ?s ?sp ?sl }} }}
}}"""
