"""Render every command's `--help` as Markdown: `python -m atlas_ld.cli.reference > docs/cli.md`.

The help texts are the documentation of record; docs/cli.md is generated from them, never written
by hand, and a test fails when it is out of date.
"""

from __future__ import annotations

import click

from atlas_ld.cli.group import main


def _commands(group: click.Group, ctx: click.Context):
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        sub = command.make_context(name, [], parent=ctx, resilient_parsing=True)
        yield sub, command
        if isinstance(command, click.Group):
            yield from _commands(command, sub)


def render() -> str:
    # make_context applies the group's context settings (-h as well as --help), which a bare
    # Context would not; the fixed width keeps the file the same on every terminal.
    root = main.make_context("atlas-ld", [], resilient_parsing=True, terminal_width=100)
    parts = [
        "# Command-line reference\n",
        "Generated from the commands' own `--help` by "
        "`python -m atlas_ld.cli.reference > docs/cli.md`; do not edit by hand.\n",
        f"## atlas-ld\n\n```\n{main.get_help(root)}\n```\n",
    ]
    for ctx, command in _commands(main, root):
        parts.append(f"## {ctx.command_path}\n\n```\n{command.get_help(ctx)}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")
