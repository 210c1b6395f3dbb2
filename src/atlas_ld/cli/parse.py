"""`atlas-ld parse` and `atlas-ld sample`: read pages into records; write sample pages."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from atlas_ld.cli.group import main
from atlas_ld.cli.options import max_bytes_option
from atlas_ld.core.errors import AtlasError
from atlas_ld.core.model import ProjectRecord
from atlas_ld.parse.parser import parse_locations


@main.command()
@click.argument("pages", nargs=-1, required=True, metavar="PAGE...")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the record as JSON (the contract in data/project-record.schema.json, plus each "
    "table row's text as shown): one object for one page, one object per line (JSON Lines) "
    "for several.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Parse on this many processes (0: one per core), for many pages; output keeps the "
    "order of PAGE arguments.",
)
@max_bytes_option
def parse(pages: tuple[str, ...], as_json: bool, jobs: int, max_bytes: int) -> None:
    """Read Atlas project pages and print what they say.

    PAGE is a file (HTML of a project page, or its text copied from a browser) or an http(s) URL
    such as

    \b
      https://pastel.diplomatie.gouv.fr/cncdext/dyn/public/atlas/detailProjet.html?criteres.prjId=17384

    The page's Atlas id (prjId) is taken, in this order, from: the URL it was fetched from; the
    manifest.csv of its folder (columns file, prj_id, url, as `atlas-ld sample` writes it); an
    Atlas URL written in the page (criteres.prjId=N); the file name (17384.html, or a browser's
    detailProjet.html?criteres.prjId=17384). The output says which ("id_source" in JSON).

    A page that cannot be read gets a one-line error on stderr; the other pages are still printed
    and the exit status is 1. Things the parser noticed but could not place (a value it could
    not read, a charset the page declares wrongly, an unknown label) are listed under "warnings"
    in the record, after the summary, and with --json on stderr too.
    """
    failed = False
    for record in parse_locations(pages, processes=jobs or None, max_bytes=max_bytes):
        if isinstance(record, AtlasError):
            click.echo(f"atlas-ld: error: {record}", err=True)
            failed = True
            continue
        if as_json:
            indent = 2 if len(pages) == 1 else None
            click.echo(json.dumps(record.to_json(), ensure_ascii=False, indent=indent))
            for warning in record.warnings:
                click.echo(f"atlas-ld: warning: {record.source}: {warning}", err=True)
        else:
            click.echo(summary(record))
    if failed:
        sys.exit(1)


def summary(record: ProjectRecord) -> str:
    """A few lines a person reads to check a page was understood."""
    theme = " > ".join(t for t in (record.theme.theme, record.theme.sub_theme) if t)
    partners = ", ".join(f"{p.name} ({p.country or '?'})" for p in record.foreign_partners)
    french = ", ".join(a.name for a in record.french_authorities)
    total = sum(f.amount_eur or 0 for f in record.financing)
    years = "-".join(str(y) for y in (record.start_year, record.end_date) if y)
    ident = f"{record.atlas_id} from {record.id_source}" if record.atlas_id else "no Atlas id"
    lines = [
        f"{record.title}  [{ident}]  {record.source}",
        f"  {record.status or 'status unknown'} {years}  {theme}",
        f"  France: {french or '-'}",
        f"  Abroad: {partners or '-'}",
        f"  Financing: {len(record.financing)} rows, {f'{total:,.0f}'.replace(',', ' ')} €",
    ]
    lines += [f"  warning: {w}" for w in record.warnings]
    return "\n".join(lines)


@main.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory to write the pages into (created if needed).",
)
@click.option(
    "--pages",
    type=click.IntRange(min=1),
    default=None,
    help="Generate this many invented pages (e.g. 12700 for the Atlas's size). "
    "Without it, copy the bundled sample corpus.",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Random seed: the same seed writes the same pages.",
)
def sample(out_dir: Path, pages: int | None, seed: int) -> None:
    """Write sample Atlas project pages into a directory.

    Without --pages, the bundled corpus (the real seed page and invented pages named by prjId,
    in several markups and encodings). With --pages N, N invented pages in the same markups,
    deterministic for --seed, with a manifest.csv giving each file's prjId and Atlas URL.
    """
    from atlas_ld.sample.corpus import copy_corpus, generate

    written = copy_corpus(out_dir) if pages is None else generate(pages, out_dir, seed=seed)
    click.echo(f"wrote {len(written)} pages to {out_dir}")
