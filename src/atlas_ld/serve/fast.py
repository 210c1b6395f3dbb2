"""The endpoint's fast path: `/sparql` requests whose answer is at hand, answered before
Starlette's routing and exception layers.

A cached answer costs far less than the layers it passes through on its way out (routing, the
request object, the exception middlewares), and the trivial query's throughput is what they
cost. So a request to `/sparql` whose answer needs no worker — a `304`, a kept answer, a query
bounded by its text, or one on the lean path (`Site.at_hand`) — is read and answered here. The
response is the endpoint's own (`app.results_response`), sent through the same CORS and
security-header middlewares, configured once for both paths (`app.cors_options`), so both
paths give the same headers and bytes (tests/server/test_fast_path.py compares them).

Everything else goes the normal way, with the body it read replayed: a request with no query
(the service description, the editor), anything the protocol refuses, any error (the normal
path writes the error response), a query that needs a worker, an answer streamed from a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.datastructures import Headers
from starlette.responses import Response

from atlas_ld.core.errors import AtlasError
from atlas_ld.serve.front import REPLAY
from atlas_ld.serve.protocol import parse_request

if TYPE_CHECKING:  # the app imports this module
    from atlas_ld.serve.app import Answer, Site
    from atlas_ld.serve.workers import QueryJob

PATHS = ("/sparql", "/sparql/")


class FastAnswers:
    """ASGI middleware: see the module's docstring. `respond` is the chain of middlewares every
    response of the normal path passes through that set headers (CORS, security headers)."""

    def __init__(self, app, site, respond):
        self.app = app
        self.site = site
        self.respond = respond(_send_prepared)

    async def __call__(self, scope, receive, send):
        if (
            scope["type"] != "http"
            or not self.site.config.fast_path
            or scope["path"] not in PATHS
            or scope["method"] not in ("GET", "POST")
        ):
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        body = b""
        if scope["method"] == "POST":
            size = headers.get("content-length", "")
            if not size.isdigit() or int(size) > self.site.config.max_body:
                return await self.app(scope, receive, send)  # the normal path says why
            body, receive = await _read(receive, int(size))
        response = await self._answer(scope, headers, body)
        if response is None:
            return await self.app(scope, receive, send)
        scope["atlas.response"] = response
        return await self.respond(scope, receive, send)

    async def _answer(self, scope, headers: Headers, body: bytes) -> Response | None:
        """The response when the answer is at hand, else None (the normal path answers)."""
        from atlas_ld.serve.app import results_response  # the app imports this module

        site = self.site
        try:
            parsed = parse_request(scope["method"], scope["query_string"], headers, body)
            scope["atlas.request"] = parsed  # the normal path need not read it again
            if parsed.query is None:
                return None
            asked = scope["atlas.asked"] = site.asked(parsed, headers)  # nor this again
            job, key, fresh = asked.job, asked.key, asked.fresh
            if not fresh and site.validators.not_modified(headers, key):
                scope["atlas.replay"] = REPLAY
                return Response(status_code=304, headers=site.validators.headers(key))
            if not site.at_hand(job, key, fresh):
                return None
            answer = await site.answer(job, fresh=fresh, public=True, key=key)
        except (AtlasError, ValueError):
            return None  # the normal path reads the request again and writes the error
        if answer.written.path is not None:
            return None  # streamed from its file by the normal path (a cache hit there)
        if answer.cache == "hit" and not fresh:
            scope["atlas.replay"] = REPLAY  # the same bytes for the same request (serve.front)
        elif fresh:
            scope["atlas.replay"] = Renewal(site, job, key)
        return results_response(site, answer, asked.media)


@dataclass(frozen=True, slots=True)
class Renewal:
    """How the front evaluates this request again (`serve.front.Renewal`): as `Site.answer`
    would, in the event loop (`Site.renew`) or in a thread on the lean path
    (`Site.renew_later`); None when neither applies any more, and the app answers."""

    site: Site
    job: QueryJob
    key: str

    def now(self, idle: bool) -> tuple[bytes, str] | None:
        return _renewed(self.site.renew(self.job, self.key, idle=idle))

    async def later(self) -> tuple[bytes, str] | None:
        pending = self.site.renew_later(self.job, self.key)
        return None if pending is None else _renewed(await pending)


def _renewed(answer: Answer | None) -> tuple[bytes, str] | None:
    if answer is None or answer.written.path is not None:
        return None
    return answer.written.body, answer.timing


async def _send_prepared(scope, receive, send) -> None:
    await scope["atlas.response"](scope, receive, send)


async def _read(receive, size: int):
    """The body of a request (`size` bytes, within the limit), and a `receive` that gives it
    again to the normal path, then passes on what the server sends next (a disconnect)."""
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return b"", _replay([message], receive)
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    return body, _replay([{"type": "http.request", "body": body, "more_body": False}], receive)


def _replay(messages: list[dict], receive):
    async def replayed():
        return messages.pop(0) if messages else await receive()

    return replayed
