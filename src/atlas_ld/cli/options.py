"""Options that several commands share, declared once so their names and defaults agree.

Each takes the command-specific help text, because what `--store` means differs between a
command that writes the store and one that reads it.
"""

from __future__ import annotations

from pathlib import Path

import click

from atlas_ld.core.namespaces import BASE_ENV, DEFAULT_BASE, check_base
from atlas_ld.store.disk import DEFAULT_STORE


def store_option(help: str):
    return click.option(
        "--store",
        "store_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=DEFAULT_STORE,
        show_default=True,
        help=help,
    )


def minting_base_option(func):
    """The base IRI new IRIs are minted under (build time)."""
    return click.option(
        "--base",
        envvar=BASE_ENV,
        default=DEFAULT_BASE,
        show_default=True,
        callback=lambda _ctx, _param, value: check_base(value),
        help=f"Base IRI of the data (also from ${BASE_ENV}). Set a host you control to publish.",
    )(func)


def stored_base_option(help: str):
    """The base IRI of data already in a store: by default the one it was built with."""
    return click.option(
        "--base",
        default=None,
        callback=lambda _ctx, _param, value: None if value is None else check_base(value),
        help=help,
    )


def personal_data_option(help: str):
    return click.option("--include-personal-data", is_flag=True, help=help)


def processes_option(func):
    return click.option(
        "--processes",
        "-j",
        type=click.IntRange(min=1),
        help="Worker processes [default: all cores].",
    )(func)


def max_bytes_option(func):
    """The largest local page read (`parse`, `build`, `rdf`, `validate`)."""
    return click.option(
        "--max-bytes",
        default=5_000_000,
        show_default=True,
        type=click.IntRange(min=1),
        help="Largest page file read, in bytes; a larger one is reported and left out.",
    )(func)
