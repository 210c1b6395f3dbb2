"""Retries, written once: exponential backoff with full jitter, and the server's Retry-After obeyed.

Every stage that talks to a server over HTTP (the harvester, the graph-store push, the udata
upload) retries the same way through `call_with_retries`:

    from atlas_ld.core.retry import Backoff, Transient, call_with_retries

    def put() -> requests.Response:
        response = session.put(url, data=body, timeout=60)
        if response.status_code == 429 or response.status_code >= 500:
            raise Transient(f"HTTP {response.status_code}", response.headers.get("Retry-After"))
        return response

    response = call_with_retries(put, retries=4, backoff=Backoff(base=0.5),
                                 on=(Transient, requests.ConnectionError, requests.Timeout))

- Raise `Transient` (or list other exception types in `on`) for what deserves another attempt:
  connection errors, timeouts, 5xx, 429, a body cut short. Anything else goes straight through.
- After `retries` retries the last exception is raised as it was: turn it into your stage's
  `AtlasError` with its reason.
- The wait before retry n is uniform in [0, min(cap, base * 2**(n-1))] ("full jitter", so that
  clients that failed together do not come back together); a Retry-After header (seconds or HTTP
  date, RFC 9110 §10.2.3) replaces it, up to `max_retry_after`.
- `sleep` is how to wait: a crawler passes `threading.Event().wait` so that Ctrl-C ends a long
  wait at once, and `before_sleep(exc, seconds)` lets it hold its other connections too.

Built on tenacity, the maintained retry engine. stamina (tenacity with opinionated defaults) was
considered: it always waits with `time.sleep`, which a crawler stopped by Ctrl-C cannot cut short,
and has no place for Retry-After; urllib3's `Retry` only retries inside one urllib3 request, so
it cannot retry a body cut short or let the rate limiter know about a Retry-After.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

import tenacity

T = TypeVar("T")


class Transient(Exception):
    """A failure worth another attempt; `retry_after`: the server's Retry-After, if it sent one."""

    def __init__(self, reason: str, retry_after: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.attempts = 1  # set by `call_with_retries`: how many attempts ended this way


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with full jitter, so that retrying clients do not fall into step."""

    base: float = 1.0
    cap: float = 60.0
    max_retry_after: float = 600.0

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait before retry number `attempt` (1-based); Retry-After wins when given."""
        waited = parse_retry_after(retry_after)
        if waited is not None:
            return min(waited, self.max_retry_after)
        return random.uniform(0, min(self.cap, self.base * 2 ** (attempt - 1)))


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3); None if neither."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def call_with_retries(
    call: Callable[[], T],
    *,
    retries: int,
    backoff: Backoff,
    on: type[BaseException] | tuple[type[BaseException], ...] = Transient,
    sleep: Callable[[float], object] = time.sleep,
    before_sleep: Callable[[BaseException, float], None] | None = None,
) -> T:
    """`call()` until it returns, raises what `on` does not cover, or fails `retries + 1` times.

    The last exception is re-raised unchanged; a `Transient` says in `attempts` how many
    attempts were made, for the message.
    """

    def wait(state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        return backoff.delay(state.attempt_number, getattr(error, "retry_after", None))

    def announce(state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        if before_sleep is not None and error is not None and state.next_action is not None:
            before_sleep(error, state.next_action.sleep)

    def count(state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, Transient):
            error.attempts = state.attempt_number

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(retries + 1),
        wait=wait,
        retry=tenacity.retry_if_exception_type(on),
        sleep=sleep,
        before_sleep=announce,
        after=count,
        reraise=True,
    )
    return retrying(call)
