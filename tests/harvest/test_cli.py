"""The `harvest` command: ids, summary file, exit status, robots.txt and polite defaults."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from atlas_ld import __version__
from atlas_ld.cli import main
from atlas_ld.core.errors import HarvestError
from atlas_ld.harvest.crawl import Harvester, parse_ids, read_ids_file
from atlas_ld.harvest.fetcher import HarvestOptions

from .conftest import fast_options


def _run(*args: str):
    return CliRunner().invoke(main, ["harvest", *args], catch_exceptions=False)


FAST = ("--rate", "500", "--backoff", "0.01", "--read-timeout", "0.5", "--no-progress")


def test_parse_ids_accepts_ranges_and_lists():
    assert parse_ids("1-3,7, 5") == [1, 2, 3, 5, 7]
    assert parse_ids("4-4,4") == [4]


@pytest.mark.parametrize("spec", ["a", "3-1", "0", "1-", ",", "1;2", "1-2000000"])
def test_parse_ids_rejects_nonsense_in_one_line(spec):
    with pytest.raises(HarvestError, match="--ids"):
        parse_ids(spec)


def test_ids_file_with_comments(tmp_path):
    path = tmp_path / "ids.txt"
    path.write_text("# pilot\n1-2\n9  # added later\n\n", encoding="utf-8")
    assert read_ids_file(path) == [1, 2, 9]
    with pytest.raises(HarvestError, match="cannot read"):
        read_ids_file(tmp_path / "absent.txt")


def test_defaults_are_polite():
    options = HarvestOptions()
    assert (options.rate, options.concurrency) == (1.0, 1)
    assert options.base_url == "https://pastel.diplomatie.gouv.fr"
    assert options.user_agent == f"atlas-ld/{__version__} (+https://atlas-ld.example/)"
    assert options.connect_timeout > 0 and options.read_timeout > 0 and options.max_bytes > 0


def test_command_harvests_ids_writes_summary_and_sends_its_user_agent(site, tmp_path):
    summary_path = tmp_path / "summary.json"
    result = _run(
        "--base-url", site.base_url, "--archive", str(tmp_path / "a"), "--ids", "1-3",
        "--summary", str(summary_path), "--contact", "mailto:data@example.org", *FAST,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "new 3" in result.output
    data = json.loads(summary_path.read_text())
    assert data["new"] == 3 and data["failed"] == 0
    agent = f"atlas-ld/{__version__} (+mailto:data@example.org)"
    assert {hit.user_agent for hit in site.site.hits} == {agent}
    segment = next((tmp_path / "a" / "warc").glob("*.warc.gz"))
    with open(segment, "rb") as stream:
        info = next(iter(ArchiveIterator(stream)))
        assert info.rec_type == "warcinfo"
        assert f"http-header-user-agent: {agent}" in info.content_stream().read().decode()


def test_command_exits_3_and_lists_failures(site, tmp_path):
    site.site.faults = {2: ["500"] * 10}
    result = _run(
        "--base-url", site.base_url, "--archive", str(tmp_path), "--ids", "1,2",
        "--retries", "1", *FAST,
    )  # fmt: skip
    assert result.exit_code == 3
    assert "failed 2: HTTP 500" in result.output


def test_ids_and_ids_file_together_is_an_error(tmp_path):
    result = CliRunner().invoke(
        main, ["harvest", "--ids", "1", "--ids-file", str(tmp_path / "f"), "--archive", "x"]
    )
    assert result.exit_code == 1
    assert "not both" in result.output


def test_unreachable_robots_txt_stops_before_anything_is_written(tmp_path):
    with pytest.raises(HarvestError, match=r"robots\.txt unreachable"):
        Harvester(tmp_path, fast_options("http://127.0.0.1:9")).run([1])
    assert not (tmp_path / "index.sqlite").exists()


def test_crawl_delay_of_robots_txt_slows_the_harvest(site, tmp_path):
    site.site.robots = "User-agent: *\nCrawl-delay: 1\nDisallow:\n"
    Harvester(tmp_path, fast_options(site.base_url)).run([1, 2])
    times = [hit.at for hit in site.site.hits if hit.prj_id]
    assert all(b - a >= 0.9 for a, b in itertools.pairwise(times))  # 1 s, less network jitter


def test_retry_after_as_seconds_or_http_date_and_backoff_bounds():
    from email.utils import format_datetime

    from atlas_ld.core.retry import Backoff, parse_retry_after

    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
    later = datetime.now(UTC) + timedelta(seconds=30)
    assert 25 <= parse_retry_after(format_datetime(later, usegmt=True)) <= 30  # type: ignore[operator]
    backoff = Backoff(base=1.0, cap=8.0, max_retry_after=60.0)
    assert all(
        0 <= backoff.delay(attempt) <= min(8.0, 2 ** (attempt - 1)) for attempt in range(1, 9)
    )
    assert backoff.delay(1, "3600") == 60.0


def test_unusable_archives_are_one_line_errors(tmp_path):
    from atlas_ld.harvest.archive_reader import iter_latest_pages
    from atlas_ld.harvest.archive_writer import Archive

    (tmp_path / "file").write_text("x")
    with pytest.raises(HarvestError, match="cannot create the archive"):
        Archive(tmp_path / "file" / "archive", "run")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "index.sqlite").write_text("not a database")
    with pytest.raises(HarvestError, match="unusable index"):
        Archive(tmp_path / "bad", "run")
    with pytest.raises(HarvestError, match="not an atlas-ld archive"):
        list(iter_latest_pages(tmp_path / "file"))


@pytest.mark.parametrize("command", ["harvest", "simulate"])
def test_every_option_is_documented(command):
    docs = (Path(__file__).parents[2] / "docs" / "harvest.md").read_text(encoding="utf-8")
    options = [
        name
        for param in main.commands[command].params
        for name in param.opts + param.secondary_opts
        if name.startswith("--")
    ]
    assert options
    assert [name for name in options if name not in docs] == []
