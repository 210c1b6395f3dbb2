"""The `atlas-ld` click group; the command modules register their subcommands on it."""

from __future__ import annotations

import sys

import click

from atlas_ld import __version__
from atlas_ld.core.errors import AtlasError


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AtlasError as exc:
            click.echo(f"atlas-ld: error: {exc}", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="atlas-ld")
def main() -> None:
    """Publish the Atlas français de la coopération décentralisée as linked data.

    harvest -> parse -> build (map, validate, store) -> serve / dump / publish
    """
