"""`atlas-ld harvest` (the Atlas into a web archive) and `atlas-ld simulate` (a local Atlas)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import click

from atlas_ld.cli.group import main
from atlas_ld.core.atlas_urls import ATLAS_BASE_URL
from atlas_ld.core.errors import HarvestError
from atlas_ld.core.retry import Backoff
from atlas_ld.harvest.archive_writer import write_atomic
from atlas_ld.harvest.crawl import Harvester, Summary, parse_ids, read_ids_file
from atlas_ld.harvest.fetcher import HarvestOptions, Outcome
from atlas_ld.harvest.politeness import DEFAULT_CONTACT
from atlas_ld.sample.simulator import FAULTS

_COUNTS = ("new", "changed", "unchanged", "gone", "failed", "missing", "disallowed", "kept")


@main.command()
@click.option(
    "--base-url",
    default=ATLAS_BASE_URL,
    show_default=True,
    help="Site to harvest (a mirror or `atlas-ld simulate`); pages are read at "
    "/cncdext/dyn/public/atlas/detailProjet.html?criteres.prjId=N.",
)
@click.option(
    "--ids",
    "ids_spec",
    metavar="SPEC",
    help="Ids and ranges, e.g. 1-13000,14002. Without --ids or --ids-file, ids are "
    "enumerated from 1 until --max-misses ids past the highest existing one.",
)
@click.option(
    "--ids-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="File of ids or ranges, one per line, # comments.",
)
@click.option(
    "--archive",
    "archive_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("atlas-archive"),
    show_default=True,
    help="Archive directory: WARC files, index.sqlite, runs/*.json. Created if absent.",
)
@click.option(
    "--rate",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="Requests per second, all connections together.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 16),
    default=1,
    show_default=True,
    help="Connections in parallel (the rate still caps the total).",
)
@click.option(
    "--max-misses",
    type=click.IntRange(1),
    default=100,
    show_default=True,
    help="When enumerating: stop this many ids past the highest existing id.",
)
@click.option(
    "--since-last",
    is_flag=True,
    help="Check every archived page again with a conditional request (ETag / "
    "Last-Modified); unchanged pages cost one cheap request and add nothing.",
)
@click.option(
    "--contact",
    default=DEFAULT_CONTACT,
    show_default=True,
    envvar="ATLAS_LD_CONTACT",
    help="Contact URL (or mailto:) put in the User-Agent so the site can reach you.",
)
@click.option("--user-agent", help="Replace the whole User-Agent string.")
@click.option(
    "--connect-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="Seconds to wait for a connection.",
)
@click.option(
    "--read-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    help="Seconds to wait for the server between two reads.",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(1),
    default=5_000_000,
    show_default=True,
    help="Largest page accepted, as transferred and once decompressed; larger ones are "
    "recorded as failed (a gzip bomb is never expanded past it).",
)
@click.option(
    "--retries",
    type=click.IntRange(0),
    default=4,
    show_default=True,
    help="Retries of a page after a connection error, timeout, 5xx, 429 or cut body.",
)
@click.option(
    "--backoff",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="First backoff in seconds; doubles each retry (with jitter, up to 60 s). "
    "A Retry-After from the server takes precedence.",
)
@click.option(
    "--summary",
    "summary_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the run summary (JSON) here; it is always in ARCHIVE/runs/.",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar (default: when stderr is a terminal; else one line per page).",
)
def harvest(
    base_url: str,
    ids_spec: str | None,
    ids_file: Path | None,
    archive_dir: Path,
    rate: float,
    concurrency: int,
    max_misses: int,
    since_last: bool,
    contact: str,
    user_agent: str | None,
    connect_timeout: float,
    read_timeout: float,
    max_bytes: int,
    retries: int,
    backoff: float,
    summary_path: Path | None,
    progress: bool | None,
) -> None:
    """Fetch Atlas project pages into a WARC web archive, politely and resumably.

    Obeys robots.txt; by default one request per second over one connection. Running the
    same command again resumes: pages already archived are not fetched again, failed ones are
    retried. With --since-last every known page is re-checked. Exit status 0, 3 when some pages
    failed (they are listed in the summary and retried next run), 130 when interrupted (Ctrl-C
    stops within one request and still writes the summary), 1 when the archive cannot be written
    (disk full, read-only folder): what was archived is kept, and the same command goes on.
    """
    if ids_spec and ids_file:
        raise HarvestError("give --ids or --ids-file, not both")
    ids = parse_ids(ids_spec) if ids_spec else read_ids_file(ids_file) if ids_file else None
    options = HarvestOptions(
        base_url=base_url,
        rate=rate,
        concurrency=concurrency,
        max_misses=max_misses,
        since_last=since_last,
        contact=contact,
        agent=user_agent,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        max_bytes=max_bytes,
        retries=retries,
        backoff=Backoff(base=backoff),
    )
    show_bar = sys.stderr.isatty() if progress is None else progress
    with _reporter(show_bar, len(ids) if ids else None) as report:
        summary = Harvester(archive_dir, options, on_outcome=report).run(ids)
    if summary_path is not None:
        write_atomic(summary_path, (json.dumps(summary.to_json(), indent=2) + "\n").encode())
    _print_summary(summary, archive_dir)
    if summary.interrupted:
        click.echo("interrupted: run the same command again to go on", err=True)
        sys.exit(130)
    if summary.failures:
        sys.exit(3)


@contextmanager
def _reporter(bar: bool, total: int | None) -> Iterator[Callable[[Outcome], None]]:
    if not bar:

        def log(outcome: Outcome) -> None:
            if outcome.kind != "kept":
                reason = f" ({outcome.reason})" if outcome.reason else ""
                click.echo(f"{outcome.prj_id}\t{outcome.verdict}{reason}", err=True)

        yield log
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("harvest id {task.fields[last]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as bar_:
        task = bar_.add_task("harvest", total=total, last="-", rate="")

        def advance(outcome: Outcome) -> None:
            speed = bar_.tasks[task].speed
            rate = f"{speed:.1f} ids/s" if speed else ""
            bar_.update(task, advance=1, last=outcome.prj_id, rate=rate)

        yield advance


def _print_summary(summary: Summary, archive_dir: Path) -> None:
    data = summary.to_json()
    counts = ", ".join(f"{key} {data[key]}" for key in _COUNTS)
    click.echo(f"{counts}; {data['requests']} requests in {data['seconds']:.1f} s")
    for run in data["recovered"]:
        click.echo(f"earlier run {run} had stopped before its end: its summary is now written")
    for prj_id, reason in data["failures"].items():
        click.echo(f"failed {prj_id}: {reason}")
    click.echo(f"summary: {archive_dir / 'runs' / (summary.run + '.json')}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--pages",
    type=click.IntRange(0),
    default=100,
    show_default=True,
    help="Invented pages served besides the sample corpus (at ids 1, 2, 3... with gaps).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of invented pages.")
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="ID:KIND[,KIND...]",
    help=f"Faults played on successive requests for ID: {', '.join(FAULTS)}. Repeatable.",
)
@click.option(
    "--soft-404",
    "soft_404",
    multiple=True,
    type=int,
    metavar="ID",
    help="Answer this id with the error page and status 200. Repeatable.",
)
@click.option(
    "--disallow",
    multiple=True,
    type=int,
    metavar="ID",
    help="Disallow this id's page in robots.txt. Repeatable.",
)
def simulate(
    host: str,
    port: int,
    pages: int,
    seed: int,
    faults: tuple[str, ...],
    soft_404: tuple[int, ...],
    disallow: tuple[int, ...],
) -> None:
    """Serve a local copy of the Atlas, with injectable faults, to try `harvest` offline.

    The bundled sample corpus is served at its own prjIds, invented pages at ids 1, 2, 3...
    with gaps, all at the Atlas's own paths. The first line printed gives the URL. Then:

    \b
    atlas-ld harvest --base-url http://127.0.0.1:8765 --rate 50 --archive DIR
    """
    from atlas_ld.sample.simulator import AtlasSimulator, SiteState, corpus, robots_txt

    queued: dict[int, list[str]] = {}
    for spec in faults:
        prj_id, _, kinds = spec.partition(":")
        wanted = kinds.split(",")
        if not prj_id.isdigit() or not all(kind in FAULTS for kind in wanted):
            raise HarvestError(f"expected ID:KIND with KIND in {', '.join(FAULTS)}", where=spec)
        queued.setdefault(int(prj_id), []).extend(wanted)
    site = SiteState(
        pages=corpus(pages, seed),
        soft_404=set(soft_404),
        faults=queued,
        robots=robots_txt(disallow),
    )
    try:
        server = AtlasSimulator(site, host, port)
    except OSError as exc:
        raise HarvestError(f"cannot listen ({exc.strerror})", where=f"{host}:{port}") from exc
    ids = sorted(site.pages)
    click.echo(f"serving {len(ids)} pages (ids {ids[0]}-{ids[-1]}) at {server.base_url}")
    click.echo("Ctrl-C to stop", err=True)
    with suppress(KeyboardInterrupt):
        server.serve_forever()
