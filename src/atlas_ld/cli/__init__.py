"""The `atlas-ld` command: one subcommand per stage, each reading and writing files.

Each stage keeps its commands in a module of this package (`parse`, `graph`, `harvest`, `serve`,
`publish`); they register themselves on `main` when imported at the bottom of this module.
`AtlasError` becomes a one-line message on stderr and its exit code; any other exception is a
bug and keeps its traceback.
"""

from __future__ import annotations

import sys

import click

from atlas_ld import __version__
from atlas_ld.errors import AtlasError


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


# The command modules import `main` from here, so they are imported after it exists.
from atlas_ld.cli import graph, harvest, parse, publish, serve  # noqa: E402, F401
