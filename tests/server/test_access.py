"""The access log (`atlas_ld.serve.access`): the same lines as uvicorn's own formatter, which is
the oracle, and every line written out once the event loop has turned."""

from __future__ import annotations

import asyncio
import io
import logging

import pytest
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
