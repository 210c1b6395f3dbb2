"""The endpoint's front (`atlas_ld.serve.front`): requests whose response the app marked
replayable are answered again by the HTTP protocol, with the bytes the app wrote.

A real uvicorn server runs in a thread of this process on a real socket, with the front as its
protocol, so the tests can read how many responses the front wrote (`Replays.hits`). Requests
are written on raw sockets, so the bytes compared are the bytes on the wire. The oracle is the
app's own response to the same request: only `date` and `Server-Timing`'s durations may
differ."""

from __future__ import annotations

import logging
import random
import re
import socket
import threading
import time
from urllib.parse import quote, urlencode

import pytest

from atlas_ld.core.errors import QueryError
from atlas_ld.serve import app as app_module
from atlas_ld.serve.app import server_for
from atlas_ld.store.canned import list_queries

from .conftest import lean_app

TRIVIAL = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
CANNED = next(q for q in list_queries() if q.name == "regions-before-after-reform").sparql
JSON = "application/sparql-results+json"


class Front:
    def __init__(self, server, port: int, app):
        self.server, self.port, self.app = server, port, app
        self.replays = server.config.http_protocol_class.replays

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=30)

    def exchange(self, *requests: bytes, conn: socket.socket | None = None) -> list[bytes]:
        """Write the requests at once (pipelined), read one response for each."""
        own = conn is None
        conn = conn or self.connect()
        try:
            conn.sendall(b"".join(requests))
            reader = conn.makefile("rb")
            return [_response(reader) for _ in requests]
        finally:
            if own:
                conn.close()


def _response(reader) -> bytes:
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = reader.readline()
        assert line, "connection closed before a whole response"
        head += line
    found = re.search(rb"\r\ncontent-length: (\d+)\r\n", head)
    return head + (reader.read(int(found.group(1))) if found else b"")


def get(target: str, *headers: str, close: bool = False) -> bytes:
    lines = [f"GET {target} HTTP/1.1", "Host: 127.0.0.1", *headers]
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def post(query: str, *headers: str) -> bytes:
    body = urlencode({"query": query}).encode()
    lines = [
        "POST /sparql HTTP/1.1",
        "Host: 127.0.0.1",
        "Content-Type: application/x-www-form-urlencoded",
        f"Content-Length: {len(body)}",
        *headers,
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def shown(response: bytes) -> bytes:
    """A response without what may differ between two writings of it."""
    response = re.sub(rb"\r\ndate: [^\r]*", b"", response)
    return re.sub(rb"dur=[\d.]+", b"dur=#", response)


def status(response: bytes) -> int:
    return int(response[9:12])


@pytest.fixture(scope="module")
def front(sample_store):
    with lean_app(sample_store, timeout=10) as app:
        server = server_for(app)
        listening = socket.create_server(("127.0.0.1", 0))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while not server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        yield Front(server, listening.getsockname()[1], app)
        server.should_exit = True
        thread.join(30)


def _settled(front: Front) -> None:
    """Wait until nothing is in flight: no request's task left, no lean evaluation running."""
    deadline = time.monotonic() + 30
    while front.server.server_state.tasks or front.app.state.site._leaning:
        assert time.monotonic() < deadline, "the server stayed busy"
        time.sleep(0.01)


def _thrice(front: Front, request: bytes) -> tuple[list[bytes], int]:
    """The same request three times, one after the other on one connection (pipelined ones
    wait for the app's answer ahead of them: the front only answers an idle connection); how
    many the front wrote."""
    before = front.replays.hits
    conn = front.connect()
    try:
        answers = [front.exchange(request, conn=conn)[0] for _ in range(3)]
    finally:
        conn.close()
    return answers, front.replays.hits - before


@pytest.mark.parametrize(
    "request_",
    [
        get("/sparql?query=" + quote(TRIVIAL), f"Accept: {JSON}"),
        get("/sparql?format=csv&query=" + quote(CANNED)),
        post(CANNED, f"Accept: {JSON}", "Origin: https://elsewhere.example"),
    ],
    ids=["GET", "GET as CSV", "POST form with Origin"],
)
def test_a_kept_answer_is_replayed_with_the_apps_bytes(front, request_):
    (first, second, third), replayed = _thrice(front, request_)
    # the first may be evaluated (miss); the second is the app's hit, the third the front's
    assert status(first) == 200 and b"x-cache: hit" in second
    assert replayed >= 1
    assert shown(third) == shown(second)


def test_a_fresh_request_is_evaluated_again_by_the_front(front):
    request = post(TRIVIAL, f"Accept: {JSON}", "Cache-Control: no-cache")
    (first, second, third), replayed = _thrice(front, request)
    assert replayed >= 1
    for response in (first, second, third):
        assert b"x-cache: miss" in response and b"eval;dur=" in response
    assert shown(third) == shown(second) == shown(first)


def test_a_conditional_request_gets_the_same_304(front):
    target = "/sparql?query=" + quote(CANNED)
    (answer,) = front.exchange(get(target, f"Accept: {JSON}"))
    tag = re.search(rb"\r\netag: ([^\r]+)", answer).group(1).decode()
    (first, second, third), replayed = _thrice(
        front, get(target, f"Accept: {JSON}", f"If-None-Match: {tag}")
    )
    assert [status(r) for r in (first, second, third)] == [304] * 3
    assert replayed >= 1 and shown(third) == shown(second)


def test_any_other_header_is_another_request(front):
    target = "/sparql?query=" + quote(TRIVIAL)
    _thrice(front, get(target, f"Accept: {JSON}"))
    (with_origin,) = front.exchange(get(target, f"Accept: {JSON}", "Origin: https://x.example"))
    assert b"access-control-allow-origin: *" in with_origin
    (as_xml,) = front.exchange(get(target, "Accept: application/sparql-results+xml"))
    assert b"content-type: application/sparql-results+xml" in as_xml


def test_errors_and_other_paths_are_never_replayed(front):
    before = front.replays.hits
    answers = front.exchange(
        *[post("SELECT ?s WHERE {", f"Accept: {JSON}")] * 3,
        *[get("/sparql?update=CLEAR%20ALL")] * 2,
        *[get("/queries/themes.json")] * 2,
    )
    assert [status(r) for r in answers] == [400, 400, 400, 403, 403, 200, 200]
    assert front.replays.hits == before


def test_pipelined_requests_are_answered_in_order(front):
    kept = get("/sparql?query=" + quote(TRIVIAL), f"Accept: {JSON}")
    _thrice(front, kept)  # kept, and marked for replay
    description = get("/sparql", "Accept: text/turtle")
    answers = front.exchange(kept, description, kept, kept, description)
    assert [status(r) for r in answers] == [200] * 5
    kinds = [b"sparql-results+json" in r for r in answers]
    assert kinds == [True, False, True, True, False]


def test_connection_close_is_honoured(front):
    target = "/sparql?query=" + quote(TRIVIAL)
    _thrice(front, get(target, f"Accept: {JSON}"))
    conn = front.connect()
    try:
        (answer,) = front.exchange(get(target, f"Accept: {JSON}", close=True), conn=conn)
        assert status(answer) == 200 and b"connection: close" in answer
        assert conn.recv(1) == b""  # closed by the server
    finally:
        conn.close()


def test_a_replay_keeps_the_connection_alive_for_the_next_request(front):
    kept = get("/sparql?query=" + quote(TRIVIAL), f"Accept: {JSON}")
    conn = front.connect()
    try:
        for _ in range(5):
            (answer,) = front.exchange(kept, conn=conn)
            assert status(answer) == 200
    finally:
        conn.close()


def test_every_replay_is_in_the_access_log(front):
    lines: list[str] = []

    class Kept(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    handler = Kept()
    access = logging.getLogger("uvicorn.access")
    access.addHandler(handler)
    try:
        target = "/sparql?query=" + quote(TRIVIAL)
        _, replayed = _thrice(front, get(target, f"Accept: {JSON}"))
        assert replayed >= 1
    finally:
        access.removeHandler(handler)
    logged = [line for line in lines if "GET /sparql?query=" in line]
    assert len(logged) == 3 and all(line.endswith('HTTP/1.1" 200') for line in logged)


@pytest.mark.parametrize("at_once", [2, 0], ids=["in a thread", "declined: the app answers"])
def test_a_fresh_request_evaluated_in_a_thread_runs_in_uvicorns_cycle(front, monkeypatch, at_once):
    monkeypatch.setattr(app_module, "LEAN_INLINE", 0.0)  # no query is cheap enough for the loop
    monkeypatch.setattr(app_module, "LEAN_IDLE", 0.0)
    query = next(q for q in list_queries() if q.name == "partnerships-by-country").sparql
    request = post(query, f"Accept: {JSON}", "Cache-Control: no-cache")
    _thrice(front, request)  # a worker, then the lean path: the app's answer is recorded
    monkeypatch.setattr(app_module, "LEAN_AT_ONCE", at_once)
    threads = front.replays.in_threads
    (first, second, third), replayed = _thrice(front, request)
    assert replayed == (3 if at_once else 0) == front.replays.in_threads - threads
    for response in (first, second, third):
        assert status(response) == 200 and b"x-cache: miss" in response
    assert shown(third) == shown(second) == shown(first)
    # pipelined behind a kept answer and before another: still in order
    kept = get("/sparql?query=" + quote(TRIVIAL), f"Accept: {JSON}")
    answers = front.exchange(kept, request, kept)
    assert [b"sparql-results+json" in r and status(r) == 200 for r in answers] == [True] * 3
    assert shown(answers[1]) == shown(first)


def test_a_body_longer_than_the_front_holds_goes_to_the_app_every_time(front):
    long = TRIVIAL + "\n# " + "x" * (70 * 1024)  # a comment: the same query, a longer body
    (first, second, third), replayed = _thrice(front, post(long, f"Accept: {JSON}"))
    assert [status(r) for r in (first, second, third)] == [200] * 3
    assert replayed == 0 and b"x-cache: hit" in third


def test_an_idle_server_evaluates_a_cheap_lean_query_in_the_loop_a_busy_one_in_a_thread(
    front, monkeypatch
):
    monkeypatch.setattr(app_module, "LEAN_INLINE", 0.0)
    monkeypatch.setattr(app_module, "LEAN_IDLE", 60.0)
    query = next(q for q in list_queries() if q.name == "water-oudin").sparql
    request = post(query, f"Accept: {JSON}", "Cache-Control: no-cache")
    _thrice(front, request)  # recorded
    _settled(front)
    hits, threads = front.replays.hits, front.replays.in_threads
    (idle,) = front.exchange(request)
    assert front.replays.hits == hits + 1 and front.replays.in_threads == threads  # in the loop
    # Busy: another request is in flight (its body not all sent yet), so the loop stays free.
    _settled(front)
    waiting = front.connect()
    try:
        waiting.sendall(post(TRIVIAL + "\n# " + "x" * (70 * 1024), f"Accept: {JSON}")[:-100])
        deadline = time.monotonic() + 10
        while not front.server.server_state.tasks:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        (busy,) = front.exchange(request)
        assert front.replays.in_threads == threads + 1
        assert shown(busy) == shown(idle)
    finally:
        waiting.close()


@pytest.mark.parametrize("idle", [60.0, 0.0], ids=["in the loop", "in a thread"])
def test_a_renewal_that_fails_is_answered_by_the_app(front, monkeypatch, idle):
    monkeypatch.setattr(app_module, "LEAN_INLINE", 0.0)
    monkeypatch.setattr(app_module, "LEAN_IDLE", idle)
    query = next(q for q in list_queries() if q.name == "themes").sparql
    request = post(query, f"Accept: {JSON}", "Cache-Control: no-cache")
    (recorded, *_), _ = _thrice(front, request)
    site = front.app.state.site

    def broken(*args, **kwargs):
        raise QueryError("the store went away")

    monkeypatch.setattr(site, "renew", broken)
    monkeypatch.setattr(site, "renew_later", broken)
    (answer,) = front.exchange(request)
    assert status(answer) == 200 and shown(answer) == shown(recorded)


def test_no_response_names_the_server_software(front):
    kept = get("/sparql?query=" + quote(TRIVIAL), f"Accept: {JSON}")
    (answers, _), (page,) = _thrice(front, kept), front.exchange(get("/"))
    for response in [*answers, page]:
        assert b"\r\nserver:" not in response.split(b"\r\n\r\n", 1)[0].lower()


def test_requests_cut_anywhere_and_pipelined_get_the_apps_answers_in_order(front):
    """The bytes of a mixed run of requests, pipelined and cut at random places (as TCP may
    deliver them), get the same answers, in the same order, as each request sent alone."""
    canned = next(q for q in list_queries() if q.name == "partnerships-by-country").sparql
    kinds = [
        get("/sparql?query=" + quote(TRIVIAL), f"Accept: {JSON}"),
        post(canned, f"Accept: {JSON}"),
        post(TRIVIAL, f"Accept: {JSON}", "Cache-Control: no-cache"),
        post("SELECT ?s WHERE {", f"Accept: {JSON}"),
        get("/sparql", "Accept: text/turtle"),
        get("/queries/themes.json"),
    ]
    alone = []
    for request in kinds:  # each sent alone, twice (the second may be the front's)
        _thrice(front, request)
        alone.append(shown(front.exchange(request)[0]))
    rng = random.Random(13)
    for _ in range(20):
        picked = [rng.randrange(len(kinds)) for _ in range(rng.randint(1, 6))]
        data = b"".join(kinds[i] for i in picked)
        cuts = sorted(rng.sample(range(1, len(data)), min(3, len(data) - 1)))
        conn = front.connect()
        try:
            for start, end in zip([0, *cuts], [*cuts, len(data)], strict=True):
                conn.sendall(data[start:end])
                time.sleep(rng.choice([0, 0.002]))
            reader = conn.makefile("rb")
            answers = [shown(_response(reader)) for _ in picked]
        finally:
            conn.close()
        assert answers == [alone[i] for i in picked], picked


def test_a_client_gone_during_a_renewal_in_a_thread_harms_nobody(front, monkeypatch):
    monkeypatch.setattr(app_module, "LEAN_INLINE", 0.0)
    monkeypatch.setattr(app_module, "LEAN_IDLE", 0.0)
    query = next(q for q in list_queries() if q.name == "roles").sparql
    request = post(query, f"Accept: {JSON}", "Cache-Control: no-cache")
    (recorded, *_), _ = _thrice(front, request)
    for _ in range(5):  # gone before the answer
        conn = front.connect()
        conn.sendall(request)
        conn.close()
    (answer,) = front.exchange(request)
    # the same answer (it may share an evaluation still running for a client that left)
    assert status(answer) == 200
    assert answer.split(b"\r\n\r\n", 1)[1] == recorded.split(b"\r\n\r\n", 1)[1]
    _settled(front)  # the evaluations of the clients that left are over: the front again
    threads = front.replays.in_threads
    (again,) = front.exchange(request)
    assert shown(again) == shown(recorded) and front.replays.in_threads == threads + 1
