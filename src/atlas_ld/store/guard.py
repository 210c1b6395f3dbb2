"""Decide, before any evaluation, whether a SPARQL request may run on the public endpoint.

pyoxigraph evaluates `SERVICE` by fetching the remote endpoint and has no switch to turn that
off, and `LOAD` fetches documents; a public endpoint must never open a connection because a
stranger asked. The check works on tokens, not on the raw text: comments, strings and IRIs are
skipped, so `?service`, `ex:service` or `"SERVICE"` in a literal are not mistaken for the keyword,
and a keyword cannot be hidden inside them either (SPARQL keywords are bare words). Every update
operation is refused too: the store is read-only to the server.

The spec decodes `\\uXXXX` escapes before parsing, but pyoxigraph decodes them only inside strings
and IRIs: `"\\u0022" SERVICE <...> "\\u0022"` is a bare SERVICE to pyoxigraph and a string to a
reader that decodes first. So the text is checked both ways, and a keyword either reading finds
is refused.

The same pass finds the query form, so the results format is negotiated before evaluation.

Before any parser sees it, a query is also measured (`check_size`): pyoxigraph's parser and
evaluator recurse once per nesting level and crash the whole process (SIGSEGV, no exception) on
about 5,000 nested `{` or `(`, and on chains of 6,600 `UNION`s or 10,000 `+` in a thread. So a
query may nest at most `MAX_DEPTH` levels (brackets and runs of prefix operators such as `!!!`)
and hold at most `MAX_TOKENS` tokens and `MAX_CHARS` characters, far above any query a person
writes and far below what breaks the parser. Every reader (server, `atlas-ld query`, `api.query`,
canned queries) goes through `inspect_query`, so the check holds on every path.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from atlas_ld.core.errors import QueryError

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<iri><[^<>"{}|^`\\\s]*>)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
  | (?P<pname>(?:[A-Za-z\u00c0-\uffff][\w\-.\u00b7\u00c0-\uffff]*)?:
               (?:[\w\-.:%\u00b7\u00c0-\uffff]|\\[_~.\-!$&'()*+,;=/?\#@%])*)
  | (?P<word>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)
_NETWORK_WORDS = frozenset({"SERVICE", "LOAD"})
_ABSOLUTE_IRI = re.compile(r"^<[A-Za-z][A-Za-z0-9+.\-]*:")
MAX_CHARS = 200_000
MAX_TOKENS = 8_000
MAX_DEPTH = 64
_OPENING = frozenset("{([")
_CLOSING = frozenset("})]")
_PREFIX_OPERATORS = frozenset("!-+^")
# Readings of the same text are remembered: a server sees the same few queries again and again
# (canned queries, the pages' own, a client's repeated one), and tokenising a 2,000-character
# query costs more than answering it from the cache. Texts up to `MEMO_CHARS` characters, the
# last `MEMO_ENTRIES` of them per function: at most a few megabytes. A refusal is remembered
# too (raised afresh each time): a client repeating a hostile query (5,000 nested braces) would
# otherwise cost a full reading per request.
MEMO_CHARS = 16_000
MEMO_ENTRIES = 512
_Result = TypeVar("_Result")


def remembered(function: Callable[[str], _Result]) -> Callable[[str], _Result]:
    """`function` of a request's text, its result (or `QueryError`) kept for short texts (the
    one rule for readings a server repeats; see `MEMO_CHARS`)."""

    @functools.lru_cache(maxsize=MEMO_ENTRIES)
    def kept(text: str) -> tuple[bool, object]:
        try:
            return True, function(text)
        except QueryError as exc:
            return False, (type(exc), exc.message, exc.where, exc.hint)

    @functools.wraps(function)
    def reading(text: str) -> _Result:
        if len(text) > MEMO_CHARS:
            return function(text)
        ok, found = kept(text)
        if ok:
            return found  # type: ignore[return-value]
        kind, message, where, hint = found  # type: ignore[misc]
        raise kind(message, where=where, hint=hint)

    return reading


@dataclass(frozen=True, slots=True)
class QueryInfo:
    """What the server needs to know about a query before sending it to a worker."""

    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    has_from: bool = False  # FROM / FROM NAMED: the query names its own dataset


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    line: int
    column: int


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    line, line_start = 1, 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        start = match.start()
        if kind not in ("space", "comment"):
            tokens.append(_Token(kind, match.group(), line, start - line_start + 1))
        newlines = match.group().count("\n")
        if newlines:
            line += newlines
            line_start = start + match.group().rindex("\n") + 1
    return tokens


@remembered
def inspect_query(text: str) -> QueryInfo:
    """Refuse network access and updates; return the query form.

    Syntax errors other than these are left to the SPARQL parser in the worker, which reports
    them with line and column.
    """
    check_size(text)
    unescaped = _unescape_codepoints(text)
    tokens = _tokens(unescaped)
    check_depth(tokens)
    _refuse_network_words(tokens)
    if unescaped != text:
        _refuse_network_words(_tokens(text))
    form: str | None = None
    has_from = False
    for token in tokens:
        if token.kind != "word":
            continue
        word = token.text.upper()
        if form is None and word in _UPDATE_WORDS:
            raise QueryError(
                "SPARQL updates are not accepted: this endpoint is read-only",
                where=f"line {token.line}, column {token.column}",
            )
        if form is None and word in QUERY_FORMS:
            form = word
        has_from = has_from or word == "FROM"
    if form is None:
        raise QueryError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    return QueryInfo(form, has_from)


def check_size(text: str) -> None:
    """Refuse a text too long to tokenise cheaply or to hand to the parser (`MAX_CHARS`)."""
    if len(text) > MAX_CHARS:
        raise QueryError(
            f"query too long: {len(text)} characters, the limit is {MAX_CHARS}",
            hint="use a dump for whole-graph work",
        )


def check_depth(tokens: list[_Token]) -> None:
    """Refuse a query whose nesting or length would overflow the parser's stack.

    Depth counts open brackets plus the run of prefix operators (`!`, `-`, `+`, `^`) in front of
    a term, since each of those is one more level of recursion in the parser too.
    """
    if len(tokens) > MAX_TOKENS:
        raise QueryError(f"query too long: {len(tokens)} tokens, the limit is {MAX_TOKENS}")
    depth = run = 0
    for token in tokens:
        text = token.text
        if token.kind == "other" and text in _PREFIX_OPERATORS:
            run += 1
        else:
            run = 0
        if text in _OPENING and token.kind == "other":
            depth += 1
        elif text in _CLOSING and token.kind == "other":
            depth = max(0, depth - 1)
        if depth + run > MAX_DEPTH:
            raise QueryError(
                f"query nested too deeply: more than {MAX_DEPTH} levels of brackets or operators",
                where=f"line {token.line}, column {token.column}",
            )


def _refuse_network_words(tokens: list[_Token]) -> None:
    for token in tokens:
        if token.kind == "word" and token.text.upper() in _NETWORK_WORDS:
            raise QueryError(
                f"{token.text.upper()} is not allowed on this endpoint: "
                "it would make the server fetch a URL",
                where=f"line {token.line}, column {token.column}",
            )


def _unescape_codepoints(text: str) -> str:
    """SPARQL decodes `\\uXXXX` escapes before parsing (spec 19.2): `\\u0053ERVICE` is SERVICE.
    An escape past U+10FFFF (`\\UFFFFFFFF`) names no character and is left as written: the
    parser refuses it where it counts (in a string or IRI)."""
    return _CODEPOINT.sub(_codepoint, text)


def _codepoint(match: re.Match[str]) -> str:
    value = int(match.group(1) or match.group(2), 16)
    return chr(value) if value <= 0x10FFFF else match.group()


@remembered
def normalise(text: str) -> tuple[str, bool]:
    """The query as its tokens joined by one space (comments and layout do not count), and
    whether it holds a relative IRI (whose meaning depends on the base IRI): a cache key."""
    tokens = _tokens(text)
    relative = any(t.kind == "iri" and not _ABSOLUTE_IRI.match(t.text) for t in tokens)
    return " ".join(t.text for t in tokens), relative


_TERM = r'(?:[?$]\w+|<[^<>\s]*>|[\w.-]*:[\w.-]*|"[^"\\]*"(?: @ [\w-]+)?|a) '
_ONE_PATTERN = rf"(?:WHERE )?\{{ (?:(?:{_TERM}){{3}}(?:\. )?)?\}} "
_TRIVIAL = re.compile(
    r"^(?:PREFIX [\w.-]*: <[^<>\s]*> )*"
    rf"(?:ASK {_ONE_PATTERN}|SELECT (?:\* |(?:[?$]\w+ )+){_ONE_PATTERN}LIMIT (?:\d ){{1,3}})$",
    re.IGNORECASE,
)


@remembered
def is_trivial(text: str) -> bool:
    """True for a query whose cost is bounded by its own text: one triple pattern, no modifier,
    and (for SELECT) a LIMIT under 1,000. pyoxigraph answers it with one index scan that stops
    at the limit, so the server may evaluate it without a worker process (and without the
    hop to one, which costs more than the query)."""
    normalised, _ = normalise(text)
    if not _TRIVIAL.match(normalised + " "):
        return False
    # `?x ?x ?x` would filter a scan of the whole store: a variable may appear once.
    pattern = normalised[normalised.index("{") :]
    variables = re.findall(r"[?$](\w+)", pattern.split("}")[0])
    return len(variables) == len(set(variables))


@remembered
def star_columns(text: str) -> tuple[str, ...] | None:
    """For `SELECT *`, the variables in the order they first appear in the query; else None.

    pyoxigraph lists the columns of `SELECT *` in alphabetical order; people reading a table
    expect the order they wrote (`?s ?p ?o`, not `?o ?p ?s`), as other endpoints give it.
    """
    tokens = _tokens(_unescape_codepoints(text))
    words = [i for i, t in enumerate(tokens) if t.kind == "word"]
    start = next((i for i in words if tokens[i].text.upper() == "SELECT"), None)
    if start is None:
        return None
    rest = iter(tokens[start + 1 :])
    token = next(rest, None)
    if token is not None and token.kind == "word" and token.text.upper() in ("DISTINCT", "REDUCED"):
        token = next(rest, None)
    if token is None or token.text != "*":
        return None
    return tuple(dict.fromkeys(t.text[1:] for t in tokens[start:] if t.kind == "var"))


def where_group_start(text: str) -> int | None:
    """The offset just past the `{` that opens the query's WHERE group (after a CONSTRUCT
    template), or None when there is none: where values can be joined in first (`VALUES`)."""
    form: str | None = None
    seen_where = False
    for match in _TOKEN.finditer(text):
        kind, token = match.lastgroup, match.group()
        if kind == "word" and form is None and token.upper() in QUERY_FORMS:
            form = token.upper()
        elif kind == "word" and token.upper() == "WHERE":
            seen_where = True
        elif token == "{" and form is not None and (form != "CONSTRUCT" or seen_where):
            return match.end()
    return None


def dataset_clauses(text: str) -> tuple[list[str], list[str]]:
    """The IRIs of the query's FROM and FROM NAMED clauses, prefixed names expanded with the
    query's PREFIX lines and their `\\` escapes decoded, as the SPARQL grammar reads them."""
    tokens = _tokens(_unescape_codepoints(text))
    prefixes: dict[str, str] = {}
    defaults: list[str] = []
    named: list[str] = []
    for i, token in enumerate(tokens):
        word = token.text.upper() if token.kind == "word" else ""
        if word == "PREFIX" and i + 2 < len(tokens) and tokens[i + 2].kind == "iri":
            prefixes[tokens[i + 1].text.rstrip(":")] = tokens[i + 2].text[1:-1]
        if word != "FROM" or i + 1 >= len(tokens):
            continue
        target, into = tokens[i + 1], defaults
        if target.kind == "word" and target.text.upper() == "NAMED" and i + 2 < len(tokens):
            target, into = tokens[i + 2], named
        if target.kind == "iri":
            into.append(target.text[1:-1])
        elif target.kind == "pname":
            prefix, _, local = target.text.partition(":")
            if prefix in prefixes:
                into.append(prefixes[prefix] + re.sub(r"\\(.)", r"\1", local))
    return defaults, named
