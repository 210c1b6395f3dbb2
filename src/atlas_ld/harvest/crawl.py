"""Harvest runs: which ids to fetch, fetching them, and recording each verdict in the archive.

Workers only fetch (`fetcher.Fetcher`); the calling thread writes every verdict to the archive
in id order, so the archive has one writer and a crash loses at most the pages in flight. Each
id is planned from the archive's index: already archived (skipped, or re-checked with a
conditional request under `since_last`), failed before (fetched again), or new.

The Atlas has no listing of its ids, so without explicit ids the harvest walks 1, 2, 3... and
stops `max_misses` ids past the highest id known to exist.
"""

from __future__ import annotations

import itertools
import re
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from atlas_ld.core.atlas_urls import page_url
from atlas_ld.core.errors import HarvestError
from atlas_ld.harvest import archive_index as index
from atlas_ld.harvest.archive_writer import Archive
from atlas_ld.harvest.fetcher import Fetcher, HarvestOptions, Outcome
from atlas_ld.harvest.politeness import RateLimiter, Robots, load_robots

MAX_IDS = 1_000_000  # the Atlas has ~12,700 pages; a bigger range is a typo


def parse_ids(spec: str) -> list[int]:
    """`1-13000,14002` → sorted unique ids; one clear error for anything else."""
    ids: set[int] = set()
    for part in re.split(r"[,\s]+", spec.strip()):
        if not part:
            continue
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not match:
            raise HarvestError(f"not an id or a range: {part!r}", where="--ids")
        low = int(match[1])
        high = int(match[2] or low)
        if low < 1 or high < low:
            raise HarvestError(f"empty or non-positive range: {part!r}", where="--ids")
        if high - low >= MAX_IDS or len(ids) + high - low >= MAX_IDS:
            raise HarvestError(f"more than {MAX_IDS:,} ids: {part!r}", where="--ids")
        ids.update(range(low, high + 1))
    if not ids:
        raise HarvestError("no ids given", where="--ids")
    return sorted(ids)


def read_ids_file(path: Path) -> list[int]:
    """One id or range per line (commas allowed too); `#` starts a comment."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise HarvestError(f"cannot read ids file ({exc.strerror})", where=str(path)) from exc
    lines = [line.split("#", 1)[0] for line in text.splitlines()]
    return parse_ids(",".join(line for line in lines if line.strip()))


@dataclass(slots=True)
class Summary:
    """What one run did; `to_json` is the `runs/<run>.json` file."""

    run: str
    base_url: str
    started_at: str
    settings: dict[str, Any] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    failures: dict[int, str] = field(default_factory=dict)
    requests: int = 0
    finished_at: str | None = None
    seconds: float = 0.0
    interrupted: bool = False
    recovered: list[str] = field(default_factory=list)  # earlier runs that had not finished

    def to_json(self) -> dict[str, Any]:
        keys = ("new", "changed", "unchanged", "gone", "failed", "missing", "disallowed", "kept")
        return {
            "run": self.run,
            "base_url": self.base_url,
            "settings": self.settings,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "seconds": round(self.seconds, 3),
            "requests": self.requests,
            **{key: self.counts.get(key, 0) for key in keys},
            "interrupted": self.interrupted,
            "recovered": self.recovered,
            "failures": {str(k): v for k, v in sorted(self.failures.items())},
        }


class Harvester:
    """One run: plans each id from the archive's index, fetches, and records verdicts in order."""

    def __init__(
        self,
        archive_dir: Path,
        options: HarvestOptions,
        on_outcome: Callable[[Outcome], None] | None = None,
    ):
        self.archive_dir = Path(archive_dir)
        self.options = options
        self.on_outcome = on_outcome
        self.limiter = RateLimiter(options.rate)
        self.fetcher = Fetcher(options, self.limiter)

    def run(self, ids: Iterable[int] | None = None) -> Summary:
        """Harvest `ids` (or enumerate from 1 when None) and return the run's summary."""
        started = datetime.now(UTC)
        run_id = started.strftime("%Y%m%dT%H%M%S%fZ")
        summary = Summary(
            run_id,
            self.options.base_url,
            started.isoformat(timespec="seconds"),
            settings={
                "user_agent": self.options.user_agent,
                "rate": self.options.rate,
                "concurrency": self.options.concurrency,
                "since_last": self.options.since_last,
                "ids": "enumerated" if ids is None else "given",
                "max_misses": self.options.max_misses if ids is None else None,
            },
        )
        clock = time.monotonic()
        robots = load_robots(
            self.fetcher.session(),
            self.options.base_url,
            self.options.user_agent,
            self.fetcher.timeout,
            max_redirects=self.options.max_redirects,
        )
        self.fetcher.robots = robots
        interval = robots.min_interval()
        if interval:
            self.limiter.slow_down_to(interval)
        info = {
            "http-header-user-agent": self.options.user_agent,
            "robots": "obey",
            "description": f"Atlas project pages harvested from {self.options.base_url}",
        }
        with Archive(self.archive_dir, run_id, info) as archive:
            summary.recovered = archive.recovered
            try:
                self._walk(archive, robots, ids, summary)
            except KeyboardInterrupt:
                summary.interrupted = True
            summary.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
            summary.seconds = time.monotonic() - clock
            archive.finish(summary.to_json())
        return summary

    def _walk(
        self,
        archive: Archive,
        robots: Robots,
        ids: Iterable[int] | None,
        summary: Summary,
    ) -> None:
        """Fetch `concurrency` ids at a time; record the verdicts in id order.

        Up to four times as many ids are queued, so one slow page does not idle the others.
        """
        self.highest = archive.highest_known_id()
        candidates: Iterator[int] = itertools.count(1) if ids is None else iter(sorted(ids))
        upcoming = next(candidates, None)

        def may_start(prj_id: int | None) -> bool:
            if prj_id is None or len(pending) >= 4 * self.options.concurrency:
                return False
            return ids is not None or prj_id <= self.highest + self.options.max_misses

        pending: deque[Future[Outcome] | Outcome] = deque()
        pool = ThreadPoolExecutor(max_workers=self.options.concurrency)
        try:
            while True:
                while may_start(upcoming):
                    assert upcoming is not None
                    step = self._plan(archive, robots, upcoming)
                    pending.append(step if isinstance(step, Outcome) else pool.submit(step))
                    upcoming = next(candidates, None)
                if not pending:
                    return
                job = pending.popleft()
                self._record(archive, job if isinstance(job, Outcome) else job.result(), summary)
        except BaseException:
            # Ctrl-C, or an archive that cannot be written (disk full): pages in flight are
            # dropped, not recorded, and their retries cut short; the next run fetches them.
            self.limiter.cancelled.set()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _plan(
        self, archive: Archive, robots: Robots, prj_id: int
    ) -> Callable[[], Outcome] | Outcome:
        """What to do with an id: an outcome known without the network, or a fetch to run."""
        if not robots.allows(page_url(self.options.base_url, prj_id)):
            return Outcome(prj_id, "disallowed", "robots.txt")
        state = archive.state(prj_id)
        if state is None or state.state in (index.FAILED, index.DISALLOWED):
            return lambda: self.fetcher.fetch(prj_id)
        if self.options.since_last:
            return lambda: self.fetcher.fetch(prj_id, state.latest_good)
        return Outcome(prj_id, "kept", state.state)

    def _record(self, archive: Archive, outcome: Outcome, summary: Summary) -> None:
        previous = archive.state(outcome.prj_id)
        before = previous.latest_good if previous else None
        summary.requests += outcome.requests
        if outcome.kind == "good":
            assert outcome.fetched is not None
            if before is not None and before.sha256 == outcome.fetched.sha256:
                outcome.verdict = "unchanged"
                archive.note(outcome.prj_id, index.GOOD)
            else:
                outcome.verdict = "changed" if before is not None else "new"
                archive.add_good(outcome.fetched)
        elif outcome.kind == "not_modified":
            outcome.verdict = "unchanged"
            archive.note(outcome.prj_id, index.GOOD)
        elif outcome.kind == "missing":
            was_missing = previous is not None and previous.state == index.MISSING
            outcome.verdict = "gone" if before is not None and not was_missing else "missing"
            archive.note(outcome.prj_id, index.MISSING, outcome.reason)
        elif outcome.kind == "failed":
            outcome.verdict = "failed"
            summary.failures[outcome.prj_id] = outcome.reason or "unknown"
            archive.note(outcome.prj_id, index.FAILED, outcome.reason)
        elif outcome.kind == "disallowed":
            outcome.verdict = "disallowed"
            archive.note(outcome.prj_id, index.DISALLOWED, outcome.reason)
        else:
            outcome.verdict = "kept"
        exists = outcome.kind in ("good", "not_modified") or outcome.reason == index.GOOD
        if exists:
            self.highest = max(self.highest, outcome.prj_id)
        summary.counts[outcome.verdict] += 1
        if self.on_outcome is not None:
            self.on_outcome(outcome)
