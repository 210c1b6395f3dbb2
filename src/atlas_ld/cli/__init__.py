"""The `atlas-ld` command: one subcommand per stage, each reading and writing files.

Each stage keeps its commands in a module of this package (`parse`, `graph`, `harvest`, `serve`,
`publish`); importing them registers their subcommands on `main` (`cli/group.py`).
`AtlasError` becomes a one-line message on stderr and its exit code; any other exception is a
bug and keeps its traceback.
"""

from __future__ import annotations

# Importing the command modules registers their subcommands on `main`.
from atlas_ld.cli import graph, harvest, parse, publish, serve  # noqa: F401
from atlas_ld.cli.group import main

__all__ = ["main"]
