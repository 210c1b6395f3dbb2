"""The access log, written as uvicorn writes it, for about a third of the cost.

uvicorn's access formatter copies each record and looks up the status phrase, and its stream
handler flushes standard output after every line: about 15 µs a request in the server, as much
as the rest of a kept answer's replay (`serve.front`). Here the line is the same
(tests/server/test_access.py compares both formatters), made in one step, and lines written
while the event loop runs are flushed once per turn of the loop, after the responses of that
turn were written. Writing to /dev/null, a line cost 10.3 µs with uvicorn's logging and 3.8 µs
with this module's and `lighten_records`.
"""

from __future__ import annotations

import asyncio
import copy
import http
import logging

from uvicorn.config import LOGGING_CONFIG
from uvicorn.logging import AccessFormatter as UvicornAccessFormatter

_PHRASES = {status.value: f"{status.value} {status.phrase}" for status in http.HTTPStatus}


class AccessFormatter(UvicornAccessFormatter):
    """uvicorn's access line (`INFO:     client - "GET /path HTTP/1.1" 200 OK`), made without
    copying the record or formatting its message twice; with colours (a terminal), or for
    any other record, uvicorn's own formatting."""

    def format(self, record: logging.LogRecord) -> str:
        args = record.args
        if self.use_colors or record.exc_info or not isinstance(args, tuple) or len(args) != 5:
            return super().format(record)
        client, method, path, version, status = args
        code = int(status)
        shown = _PHRASES.get(code) or f"{code} "
        prefix = f"{record.levelname}:".ljust(9)
        return f'{prefix} {client} - "{method} {path} HTTP/{version}" {shown}'


class BatchedStreamHandler(logging.StreamHandler):
    """A stream handler that, inside a running event loop, flushes once per turn of the loop
    instead of after every line (outside one, after every line as usual)."""

    def __init__(self, stream=None):
        super().__init__(stream)
        self._pending = False

    def flush(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return super().flush()
        if not self._pending:
            self._pending = True
            loop.call_soon(self._flush_now)

    def _flush_now(self) -> None:
        self._pending = False
        super().flush()


def lighten_records() -> None:
    """Leave out of every log record what no line of the server shows: the thread, process and
    multiprocessing names, and the caller's file and line (the `logging` HOWTO's
    "Optimization" section). About a third of a record's cost: 10 to 15 % more kept answers a
    second. For the server process only (`serve.app.serve`), not for processes that host it."""
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None  # the documented switch for findCaller


def log_config() -> dict:
    """uvicorn's logging configuration with this module's access formatter and handler."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["access"]["()"] = f"{__name__}.AccessFormatter"
    config["handlers"]["access"]["class"] = f"{__name__}.BatchedStreamHandler"
    return config
