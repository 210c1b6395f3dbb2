"""Compact JSON-LD written directly from sorted triples, one node object per subject.

General JSON-LD compaction (pyld) takes minutes for a few ten thousand triples, far too slow for
the Atlas graph. A dump needs much less: flat node objects whose keys use the project's terms
where the term's coercion fits the value, and compact IRIs or expanded value objects otherwise.
That keeps the output exact (the tests expand it with pyld and compare the triples) and linear in
time. Values stay strings with their datatype, never JSON numbers, so nothing is rounded.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import IO, Any

import pyoxigraph as ox

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass(frozen=True, slots=True)
class Term:
    name: str
    iri: str
    coercion: str | None  # "@id", a datatype IRI, or None
    language_map: bool


class Compactor:
    """Chooses keys and value forms from a JSON-LD context of prefixes and simple terms."""

    def __init__(self, context: dict[str, Any]):
        self.prefixes = {
            name: value
            for name, value in context.items()
            if isinstance(value, str) and not name.startswith("@") and value.endswith(("/", "#"))
        }
        self.terms: dict[str, list[Term]] = {}
        self.vocab: dict[str, str] = {}  # class or datatype IRI -> term (for @type values)
        for name, value in sorted(context.items()):
            if name.startswith("@") or name in self.prefixes:
                continue
            if isinstance(value, str):
                term = Term(name, self.expand(value), None, False)
                self.vocab.setdefault(term.iri, name)
            elif isinstance(value, dict) and "@id" in value:
                coercion = value.get("@type")
                term = Term(
                    name,
                    self.expand(value["@id"]),
                    coercion if coercion in (None, "@id") else self.expand(coercion),
                    value.get("@container") == "@language",
                )
            else:
                continue
            self.terms.setdefault(term.iri, []).append(term)

    def expand(self, value: str) -> str:
        prefix, sep, local = value.partition(":")
        if sep and prefix in self.prefixes and not local.startswith("//"):
            return self.prefixes[prefix] + local
        return value

    def compact_iri(self, iri: str) -> str:
        """A compact IRI (prefix:local) when a prefix fits, else the IRI itself."""
        best = max(
            (p for p, ns in self.prefixes.items() if iri.startswith(ns) and len(iri) > len(ns)),
            key=lambda p: (len(self.prefixes[p]), p),
            default=None,
        )
        return f"{best}:{iri[len(self.prefixes[best]) :]}" if best else iri

    def type_name(self, iri: str) -> str:
        return self.vocab.get(iri) or self.compact_iri(iri)

    def key_and_value(self, predicate: str, obj: ox.NamedNode | ox.BlankNode | ox.Literal):
        """The key to file `obj` under, and its JSON form (language maps handled by the caller)."""
        terms = self.terms.get(predicate, [])
        if isinstance(obj, ox.Literal):
            datatype = obj.datatype.value
            if obj.language:
                for term in terms:
                    if term.language_map:
                        return term.name, (obj.language, obj.value)
                value: Any = {"@value": obj.value, "@language": obj.language}
            elif datatype == XSD_STRING:
                value = obj.value
            else:
                for term in terms:
                    if term.coercion == datatype:
                        return term.name, obj.value
                value = {"@value": obj.value, "@type": self.type_name(datatype)}
        else:
            node = obj.value if isinstance(obj, ox.NamedNode) else f"_:{obj.value}"
            for term in terms:
                if term.coercion == "@id":
                    return term.name, node
            value = {"@id": node}
        plain = next((t for t in terms if t.coercion is None and not t.language_map), None)
        return (plain.name if plain else self.compact_iri(predicate)), value

    def node(self, subject: ox.NamedNode | ox.BlankNode, triples: Iterable[ox.Triple]) -> dict:
        node: dict[str, Any] = {
            "@id": subject.value if isinstance(subject, ox.NamedNode) else f"_:{subject.value}"
        }
        for triple in triples:
            if triple.predicate.value == RDF_TYPE and isinstance(triple.object, ox.NamedNode):
                node.setdefault("@type", []).append(self.type_name(triple.object.value))
                continue
            key, value = self.key_and_value(triple.predicate.value, triple.object)
            if isinstance(value, tuple):  # language map entry
                language, text = value
                node.setdefault(key, {}).setdefault(language, []).append(text)
            else:
                node.setdefault(key, []).append(value)
        return {k: _single(v) for k, v in node.items()}


def _single(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if len(value) == 1 else value
    if isinstance(value, dict) and all(isinstance(v, list) for v in value.values()):
        return {k: _single(v) for k, v in value.items()}
    return value


def node_objects(triples: list[ox.Triple], context: dict[str, Any]) -> Iterator[dict]:
    """Node objects for triples sorted by subject (the order a dump already has)."""
    compactor = Compactor(context)
    for subject, group in groupby(triples, key=lambda t: t.subject):
        yield compactor.node(subject, group)


def write_jsonld(triples: list[ox.Triple], context: dict[str, Any], out: IO[str]) -> None:
    """`{"@context": ..., "@graph": [...]}`, one node object per line, streamed."""
    out.write('{"@context": ')
    out.write(json.dumps(context, ensure_ascii=False, indent=1))
    out.write(',\n "@graph": [\n')
    for index, node in enumerate(node_objects(triples, context)):
        out.write(",\n" if index else "")
        out.write(json.dumps(node, ensure_ascii=False, sort_keys=True))
    out.write("\n ]\n}\n")
