"""core/retry.py: the one retry loop (harvester today; graph-store push and udata may adopt it)."""

from __future__ import annotations

import threading
import time

import pytest

from atlas_ld.core.retry import Backoff, Transient, call_with_retries


def _failing(times: int, error: Exception):
    calls: list[float] = []

    def call() -> str:
        calls.append(time.monotonic())
        if len(calls) <= times:
            raise error
        return "done"

    return call, calls


def test_transient_failures_are_retried_then_the_last_one_is_raised_with_its_attempts():
    call, calls = _failing(10, Transient("HTTP 503"))
    with pytest.raises(Transient, match="HTTP 503") as raised:
        call_with_retries(call, retries=2, backoff=Backoff(base=0.001))
    assert len(calls) == 3 and raised.value.attempts == 3

    call, calls = _failing(2, Transient("reset"))
    assert call_with_retries(call, retries=2, backoff=Backoff(base=0.001)) == "done"


def test_other_errors_are_not_retried():
    call, calls = _failing(5, ValueError("a bug"))
    with pytest.raises(ValueError):
        call_with_retries(call, retries=4, backoff=Backoff(base=0.001))
    assert len(calls) == 1


def test_retry_after_replaces_the_backoff_and_is_announced_before_the_wait():
    waits: list[float] = []
    announced: list[tuple[str, float]] = []
    call, _ = _failing(1, Transient("HTTP 429", retry_after="7"))
    call_with_retries(
        call,
        retries=1,
        backoff=Backoff(base=0.001),
        sleep=waits.append,
        before_sleep=lambda error, seconds: announced.append((str(error), seconds)),
    )
    assert waits == [7.0] and announced == [("HTTP 429", 7.0)]


def test_a_wait_ends_when_the_callers_sleep_is_cut_short():
    stop = threading.Event()
    threading.Timer(0.1, stop.set).start()
    call, _ = _failing(1, Transient("HTTP 503", retry_after="600"))
    start = time.monotonic()
    call_with_retries(call, retries=1, backoff=Backoff(), sleep=stop.wait)
    assert time.monotonic() - start < 5  # not the 600 s the server asked for
