"""The errors atlas-ld raises for users.

Like httpx, one small hierarchy: everything meant for a person derives from `AtlasError`, whose
message is one line naming what and where. The CLI prints that line and exits non-zero; anything
else that escapes is a bug and keeps its traceback.
"""

from __future__ import annotations

import re

_SYNTAX_POSITION = re.compile(r"^error at (\d+):(\d+): ")
_MESSAGE_LIMIT = 300


class AtlasError(Exception):
    """Base class of every error that is the input's fault, not the program's."""

    exit_code = 1

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None):
        self.message = message
        self.where = where
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text} ({self.hint})" if self.hint else text


class FetchError(AtlasError):
    """A page or file could not be read: unreachable URL, missing file, HTTP error."""


class ParseError(AtlasError):
    """A page could not be read as an Atlas project page at all."""


class BuildError(AtlasError):
    """The graph could not be built or loaded into the store."""


class StoreError(AtlasError):
    """The store is missing, locked or not an atlas-ld store."""


class QueryError(AtlasError):
    """A SPARQL query is malformed, refused or took too long."""


def one_line(text: str) -> str:
    """Messages reach people as one line: pyoxigraph's contain newlines and indentation."""
    return " ".join(text.split())


def syntax_error(text: str) -> QueryError:
    """pyoxigraph's SyntaxError message as a `QueryError` of one line: the position as `where`,
    the list of expected tokens (hundreds of characters of Unicode ranges) cut at 300. The one
    rule for every reader: the server, `atlas-ld query`, `api.query`."""
    match = _SYNTAX_POSITION.match(text)
    message = one_line(text[match.end() :] if match else text)
    if len(message) > _MESSAGE_LIMIT:
        message = message[:_MESSAGE_LIMIT] + "…"
    where = f"line {match.group(1)}, column {match.group(2)}" if match else None
    return QueryError(f"SPARQL syntax error: {message}", where=where)


class ValidationFailed(AtlasError):
    """SHACL found violations (the report says which)."""


class HarvestError(AtlasError):
    """The harvest could not start or go on (bad ids, robots.txt forbids, archive unusable)."""


class PublishError(AtlasError):
    """A release could not be written or uploaded."""
