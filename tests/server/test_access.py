"""The access log (`atlas_ld.serve.access`): the same lines as uvicorn's own formatter, which is
the oracle, and every line written out once the event loop has turned."""

from __future__ import annotations

import asyncio
import io
import logging
import re
import time

import pytest
import requests
from uvicorn.logging import AccessFormatter as UvicornAccessFormatter

from atlas_ld.serve.access import AccessFormatter, BatchedStreamHandler

FMT = '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s'


def _record(status, level=logging.INFO, client="127.0.0.1:5000", path="/sparql?query=a%20b"):
    args = (client, "GET", path, "1.1", status)
    return logging.LogRecord(
        "uvicorn.access", level, __file__, 1, '%s - "%s %s HTTP/%s" %d', args, None
    )


@pytest.mark.parametrize("status", [200, 304, 400, 404, 406, 503, 599])
@pytest.mark.parametrize("level", [logging.INFO, logging.WARNING])
@pytest.mark.parametrize("colours", [False, True])
def test_lines_are_uvicorns(status, level, colours):
    ours = AccessFormatter(fmt=FMT, use_colors=colours)
    theirs = UvicornAccessFormatter(fmt=FMT, use_colors=colours)
    assert ours.format(_record(status, level)) == theirs.format(_record(status, level))


def test_lines_are_flushed_once_the_loop_turns_and_at_once_outside_it():
    stream = io.StringIO()
    flushed: list[str] = []
    stream.flush = lambda: flushed.append(stream.getvalue())  # type: ignore[method-assign]
    handler = BatchedStreamHandler(stream)
    handler.setFormatter(AccessFormatter(fmt=FMT, use_colors=False))

    async def three_lines():
        for status in (200, 200, 304):
            handler.emit(_record(status))
        assert flushed == []  # not yet: the loop has not turned
        await asyncio.sleep(0)
        assert len(flushed) == 1 and flushed[0].count("\n") == 3

    asyncio.run(three_lines())
    handler.emit(_record(404))
    assert len(flushed) == 2 and flushed[1].endswith('HTTP/1.1" 404 Not Found\n')


def test_the_server_logs_every_request_as_uvicorn_would(server):
    """A real `atlas-ld serve`: the app's answers and the front's replays each leave uvicorn's
    line, in order, once the loop has turned (the server runs with lightened log records)."""
    query = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
    marker = f"/sparql?query=ASK%20%7B%7D&n={time.time_ns()}"
    with requests.Session() as session:  # one connection: the front replays the last ones
        for _ in range(4):
            session.get(f"{server.url}/sparql", params={"query": query}, timeout=30)
        session.get(server.url + marker, timeout=30)
    deadline = time.monotonic() + 10
    while marker not in server.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    lines = server.log().splitlines()
    last = max(i for i, line in enumerate(lines) if marker in line)
    shown = "GET /sparql?query=SELECT+%3Fs+WHERE+%7B+%3Fs+%3Fp+%3Fo+%7D+LIMIT+1"
    for line in lines[last - 4 : last]:
        assert re.fullmatch(
            rf'INFO:     127\.0\.0\.1:\d+ - "{re.escape(shown)} HTTP/1\.1" 200 OK', line
        )
    assert lines[last].endswith(f'"GET {marker} HTTP/1.1" 200 OK')
