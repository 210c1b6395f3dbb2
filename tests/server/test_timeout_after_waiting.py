"""Finding: a cheap query that timed out only because it waited for the one busy worker was then
refused for 60 s as if it were the slow one (and in front of a remote engine, a query stopped
while the engine was busy with another was refused the same way: the Virtuoso time-limit test
failed now and then). Only a query that had a ready worker for its whole time limit is refused
at once afterwards."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from .conftest import start_server

ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
CHEAP = "ASK { ?s a ?type . ?s ?p ?o }"  # two patterns: not answered in the server process
TIMEOUT_S = 2


def _ask(url: str, query: str) -> requests.Response:
    return requests.get(
        f"{url}/sparql",
        params={"query": query},
        headers={"Accept": "application/sparql-results+json", "Cache-Control": "no-cache"},
        timeout=60,
    )


@pytest.fixture
def one_worker(sample_store):
    yield from start_server(sample_store, "--workers", "1", "--timeout", str(TIMEOUT_S))


def test_a_query_that_timed_out_waiting_for_a_worker_is_not_refused_after(one_worker):
    server = one_worker
    answers: dict[str, requests.Response] = {}
    slow = threading.Thread(target=lambda: answers.update(slow=_ask(server.url, ENDLESS)))
    slow.start()
    time.sleep(0.05)  # the cheap query queues behind it for nearly all of its own limit
    waited = _ask(server.url, CHEAP)
    slow.join()
    assert answers["slow"].status_code == 503 and "limit" in answers["slow"].text
    assert waited.status_code == 503, waited.text  # stopped: its worker was not ready

    deadline = time.monotonic() + 4 * TIMEOUT_S  # a fresh worker may still be starting
    again = _ask(server.url, CHEAP)
    while again.status_code != 200 and time.monotonic() < deadline:
        assert "not run again" not in again.text, again.text
        again = _ask(server.url, CHEAP)
    assert again.status_code == 200 and again.json()["boolean"] is True

    # The slow query had the worker for its whole limit: refused at once this time.
    started = time.monotonic()
    refused = _ask(server.url, ENDLESS)
    assert refused.status_code == 503 and "not run again" in refused.text
    assert time.monotonic() - started < TIMEOUT_S
