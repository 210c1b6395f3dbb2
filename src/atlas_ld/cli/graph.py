"""`atlas-ld build`, `rdf`, `validate`, `query` and `ontology-docs`: the knowledge-graph stage."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

import click

from atlas_ld.cli.group import main
from atlas_ld.cli.options import (
    max_bytes_option,
    minting_base_option,
    personal_data_option,
    processes_option,
    store_option,
)
from atlas_ld.core.errors import AtlasError, QueryError, ValidationFailed
from atlas_ld.core.model import Page

if TYPE_CHECKING:
    from atlas_ld.graph.pipeline import PageFailure

_PAGE_SUFFIXES = (".html", ".htm", ".txt")


def _pages_arguments(func):
    func = click.option(
        "--archive",
        type=click.Path(file_okay=False, exists=True, path_type=Path),
        help="Read the latest capture of each project from a harvest archive directory.",
    )(func)
    return click.argument("pages", nargs=-1, metavar="[PAGE...]")(func)


class _PageReader:
    """Pages from files, folders, URLs or an archive. A page that cannot be read stands in the
    stream as a `PageFailure`, so the build reports it with the others; `skipped` lists the
    files of a folder that are not pages."""

    def __init__(self, locations: tuple[str, ...], archive: Path | None, max_bytes: int):
        self.locations = locations
        self.archive = archive
        self.max_bytes = max_bytes
        self.skipped: list[str] = []

    def __iter__(self) -> Iterator[Page | PageFailure]:
        from atlas_ld.graph.pipeline import PageFailure
        from atlas_ld.parse.source import read_page

        if self.archive is not None:
            from atlas_ld.harvest.archive_reader import latest_captures, read_capture

            for capture in latest_captures(self.archive):
                try:  # one damaged capture is one page left out, not the whole archive
                    yield read_capture(self.archive, capture)
                except AtlasError as exc:
                    yield PageFailure(capture.page_url, str(exc))
        if not self.locations and self.archive is None:
            from atlas_ld.sample.corpus import sample_pages

            yield from sample_pages()
        for location in self.locations:
            for item in self._expand(location):
                try:
                    yield read_page(item, max_bytes=self.max_bytes)
                except AtlasError as exc:
                    yield PageFailure(item, exc.message)

    def _expand(self, location: str) -> list[str]:
        """A folder's pages, at any depth: files named as pages (`_is_page_name`), except
        `manifest.csv` (read by the page reader for ids), hidden files and the folders of an
        atlas-ld store, its cache and copies; other files are skipped and listed."""
        path = Path(location)
        if "://" in location or not path.is_dir():
            return [location]
        pages = []
        for folder, dirs, files in os.walk(path):
            dirs[:] = sorted(
                d for d in dirs if not d.startswith(".") and not _is_store_folder(Path(folder, d))
            )
            for name in sorted(files):
                if name.startswith(".") or name == "manifest.csv":
                    continue
                (pages if _is_page_name(name) else self.skipped).append(str(Path(folder, name)))
        return pages


_STORE_FOLDERS = re.compile(r"\.(stores|cache|public|previous|new-\d+)$")


def _is_store_folder(folder: Path) -> bool:
    """A store, its generations, cache or copies: never pages, even inside a folder of pages."""
    return bool(_STORE_FOLDERS.search(folder.name)) or (folder / "atlas-ld.json").exists()


def _is_page_name(name: str) -> bool:
    """`17384.html`, `page.txt`, `17384` and a page saved under its URL's name
    (`detailProjet.html?criteres.prjId=17384`)."""
    lower = name.lower()
    if "." not in lower:
        return True
    if Path(lower).suffix in _PAGE_SUFFIXES:
        return True
    return any(f"{suffix}?" in lower for suffix in _PAGE_SUFFIXES)


def _report_failures(failed: list[tuple[str, str, str]]) -> None:
    for source, stage, reason in failed:
        click.echo(f"atlas-ld: error: {source}: {stage}: {reason}", err=True)


def _failures(results) -> list[tuple[str, str, str]]:
    return [(r.source, r.stage, r.error) for r in results if r.error]


def _report_skipped(reader: _PageReader) -> None:
    if reader.skipped:
        shown = ", ".join(reader.skipped[:3]) + (", ..." if len(reader.skipped) > 3 else "")
        click.echo(
            f"atlas-ld: warning: skipped {len(reader.skipped)} files that are not "
            f".html, .htm or .txt pages: {shown}",
            err=True,
        )


_SHOWN_WARNINGS = 20


def _report_warnings(warnings: list[str], report_csv: Path | None) -> None:
    for warning in warnings[:_SHOWN_WARNINGS]:
        click.echo(f"atlas-ld: warning: {warning}", err=True)
    if len(warnings) > _SHOWN_WARNINGS:
        where = f" (all of them in {report_csv})" if report_csv else ""
        click.echo(
            f"atlas-ld: warning: ... and {len(warnings) - _SHOWN_WARNINGS} more{where}", err=True
        )


@main.command()
@_pages_arguments
@store_option(
    "Store directory to (re)build. STORE is a link to the latest complete store, replaced in "
    "one step at the end of the build; the one it replaced stays as STORE.previous until the "
    "next build."
)
@minting_base_option
@click.option(
    "--cache",
    "cache_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to keep each page's mapped and validated result [default: STORE.cache]. A rebuild "
    "only redoes pages whose bytes, provenance or program changed; entries the build did not "
    "use are dropped.",
)
@click.option("--no-cache", is_flag=True, help="Redo every page; write no cache.")
@processes_option
@click.option(
    "--strict",
    is_flag=True,
    help="Leave the store untouched and exit 1 when SHACL finds any violation.",
)
@click.option(
    "--max-failures",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0, 100),
    help="Percentage of pages that may fail (and be left out) before the build refuses to "
    "replace the store.",
)
@click.option(
    "--answers",
    is_flag=True,
    help="Also compute the canned queries' answers, and write the N-Quads a server loads to hold "
    "the store in memory when it fits (otherwise `atlas-ld serve` does both at its first start "
    "on this store, and keeps them).",
)
@max_bytes_option
def build(
    pages: tuple[str, ...],
    archive: Path | None,
    store_dir: Path,
    base: str,
    cache_dir: Path | None,
    no_cache: bool,
    processes: int | None,
    strict: bool,
    max_failures: float,
    answers: bool,
    max_bytes: int,
) -> None:
    """Parse, map, validate and load pages into a pyoxigraph store on disk.

    PAGE is an Atlas project page (file, folder, or http(s) URL). With no PAGE and no --archive,
    builds the sample corpus bundled with atlas-ld. A page's Atlas id (prjId) is read as
    `atlas-ld parse --help` describes: from its capture, the folder's manifest.csv, an Atlas URL
    in the page, or its file name.

    A page that fails at any stage (read, decode, parse, map, validate) is left out and listed
    on stderr with its stage and reason, and in STORE.build-report.csv; the others are loaded
    and the exit status is 1. When no partnership would load, or more than --max-failures of
    the pages fail, the store is left exactly as it was. SHACL results are summarised;
    `atlas-ld validate` gives the details.
    """
    from atlas_ld.graph.pipeline import BuildRefused
    from atlas_ld.graph.pipeline import build as run_build

    reader = _PageReader(pages, archive, max_bytes)
    try:
        report = run_build(
            reader,
            store_dir,
            base=base,
            cache_dir=cache_dir,
            processes=processes,
            strict=strict,
            use_cache=not no_cache,
            max_failures=max_failures / 100,
            answers=answers,
        )
    except BuildRefused as exc:
        _report_skipped(reader)
        _report_failures(exc.report.failed)
        raise
    click.echo(
        f"{report.partnerships} partnerships from {report.pages} pages "
        f"({report.reused} unchanged), {report.quads} quads -> {store_dir} "
        f"in {report.seconds:.1f} s"
    )
    click.echo(_shacl_summary(report.issues))
    if report.untyped_actors:
        top = ", ".join(f"{name} ({n})" for name, n in report.untyped_actors.most_common(5))
        click.echo(f"{len(report.untyped_actors)} actors of unknown kind, e.g. {top}")
    _report_skipped(reader)
    _report_warnings(report.warnings, report.report_csv)
    _report_failures(report.failed)
    if report.failed:
        click.echo(
            f"atlas-ld: {len(report.failed)} of {report.pages} pages left out "
            f"(listed in {report.report_csv})",
            err=True,
        )
        sys.exit(1)


def _shacl_summary(issues) -> str:
    counts = {
        s: sum(1 for i in issues if i.severity == s) for s in ("Violation", "Warning", "Info")
    }
    return "SHACL: {Violation} violations, {Warning} warnings, {Info} notes".format(**counts)


@main.command()
@_pages_arguments
@minting_base_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["ttl", "jsonld", "nt", "nq", "trig"]),
    default="ttl",
    show_default=True,
    help="ttl, jsonld and nt merge the graphs; nq and trig keep one named graph per page.",
)
@personal_data_option("Also print contacts and volunteers (names, e-mails), left out by default.")
@max_bytes_option
def rdf(
    pages: tuple[str, ...],
    archive: Path | None,
    base: str,
    fmt: str,
    include_personal_data: bool,
    max_bytes: int,
) -> None:
    """Print the RDF of pages, without a store.

    PAGE is a file, a folder or an http(s) URL (no PAGE: the sample corpus). The output holds each
    page's partnership graph and the shared nodes it names (actors, themes, countries); JSON-LD is
    compacted with the atlas-ld @context.
    """
    from atlas_ld.graph.pipeline import process_pages
    from atlas_ld.graph.rdfout import page_rdf

    reader = _PageReader(pages, archive, max_bytes)
    results, _ = process_pages(reader, base=base, processes=1, validate=False)
    failed = _failures(results)
    good = [r for r in results if not r.error]
    if good:
        sys.stdout.buffer.write(page_rdf(good, base, fmt, include_personal=include_personal_data))
    _report_failures(failed)
    if failed:
        sys.exit(1)


@main.command()
@_pages_arguments
@minting_base_option
@click.option(
    "--out",
    "out_prefix",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("validation"),
    show_default=True,
    help="Write the report to OUT.ttl (SHACL validation report) and OUT.csv.",
)
@click.option(
    "--show",
    type=click.Choice(["Violation", "Warning", "Info"]),
    default="Warning",
    show_default=True,
    help="Print results of this severity and above.",
)
@processes_option
@max_bytes_option
def validate(
    pages: tuple[str, ...],
    archive: Path | None,
    base: str,
    out_prefix: Path,
    show: str,
    processes: int | None,
    max_bytes: int,
) -> None:
    """Check pages against the SHACL shapes in shapes/ and report what to fix.

    PAGE is a file, a folder or an http(s) URL (no PAGE: the sample corpus). Prints one line per
    result (severity, partnership, field, message, source page), writes the full report as Turtle
    and CSV, and exits 1 on violations only: warnings and notes do not fail.
    """
    from atlas_ld.graph.pipeline import process_pages
    from atlas_ld.graph.validate import SEVERITIES, count, issues_csv, issues_turtle

    reader = _PageReader(pages, archive, max_bytes)
    results, _ = process_pages(reader, base=base, processes=processes)
    issues = [issue for result in results for issue in result.issues]
    failed = _failures(results)
    shown = SEVERITIES[: SEVERITIES.index(show) + 1]
    for issue in issues:
        if issue.severity in shown:
            click.echo(
                f"{issue.severity}: {issue.partnership} {issue.path or '-'}: "
                f"{issue.message_en} [{issue.value}] ({issue.source})"
            )
    _write_atomic(out_prefix.with_suffix(".ttl"), issues_turtle(issues))
    _write_atomic(out_prefix.with_suffix(".csv"), issues_csv(issues).encode())
    click.echo(
        f"{len(results) - len(failed)} pages checked. {_shacl_summary(issues)}. "
        f"Report: {out_prefix.with_suffix('.ttl')}, {out_prefix.with_suffix('.csv')}"
    )
    _report_failures(failed)
    if count(issues):
        raise ValidationFailed(f"{count(issues)} SHACL violations")
    if failed:
        sys.exit(1)


def _write_atomic(path: Path, data: bytes) -> None:
    """Write whole or not at all; a full disk or a read-only folder is one line, no partial file."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as exc:
        with suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise AtlasError(f"cannot write: {exc.strerror or exc}", where=str(path)) from None


@main.command()
@click.argument("query", required=False, metavar="NAME|FILE.rq")
@store_option("Store built by `atlas-ld build`.")
@click.option(
    "--sparql-endpoint",
    "endpoint",
    metavar="URL",
    help="Query this SPARQL 1.1 endpoint (e.g. one loaded by `publish graph-store`) instead of "
    "the store.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "tsv", "json", "ttl"]),
    default="csv",
    show_default=True,
    help="csv/tsv/json (SPARQL results JSON) for SELECT and ASK; ttl for CONSTRUCT and DESCRIBE.",
)
@personal_data_option("Also query the contacts and volunteers graphs, left out by default.")
def query(
    query: str | None, store_dir: Path, endpoint: str | None, fmt: str, include_personal_data: bool
) -> None:
    """Run a named query (see the list with no argument) or a SPARQL file on the store.

    Results go to stdout: CSV by default, ready for R or pandas, e.g.
    `atlas-ld query financing-by-funder > funders.csv`. The query sees the union of the
    partnership graphs and the reference graph; the personal-data graphs are not in its dataset
    unless --include-personal-data.
    """
    from atlas_ld.store.canned import execute, get_query, list_queries
    from atlas_ld.store.repo import open_repo

    if query is None:
        for canned in list_queries():
            click.echo(f"{canned.name:30} {canned.title}")
        return
    canned = get_query(query)
    repo = open_repo(store_dir, endpoint=endpoint, include_personal=include_personal_data)
    result = execute(repo, canned.sparql, include_personal=include_personal_data)
    sys.stdout.buffer.write(_serialise(result, fmt))


def _serialise(result, fmt: str) -> bytes:
    import pyoxigraph

    from atlas_ld.store.repo import is_triples

    if is_triples(result):
        if fmt != "ttl":
            raise QueryError("a CONSTRUCT or DESCRIBE query gives triples: use --format ttl")
        return result.serialize(format=pyoxigraph.RdfFormat.TURTLE)
    formats = {
        "csv": pyoxigraph.QueryResultsFormat.CSV,
        "tsv": pyoxigraph.QueryResultsFormat.TSV,
        "json": pyoxigraph.QueryResultsFormat.JSON,
    }
    if fmt not in formats:
        raise QueryError("a SELECT or ASK query gives a table: use --format csv, tsv or json")
    return result.serialize(format=formats[fmt])


@main.command("ontology-docs")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("ontology/atlas.html"),
    show_default=True,
    help="HTML file to write.",
)
def ontology_docs(out: Path) -> None:
    """Generate the ontology's HTML documentation from ontology/atlas.ttl with pyLODE.

    The server serves it at the ontology namespace; regenerate it whenever atlas.ttl changes.
    """
    from atlas_ld.graph.rdfout import ontology_html

    _write_atomic(out, ontology_html().encode())
    click.echo(f"wrote {out}")
