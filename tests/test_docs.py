"""The documentation stays true to the program: generated parts are current, commands exist."""

from __future__ import annotations

import re
from pathlib import Path

import click

from atlas_ld.cli import main
from atlas_ld.cli.reference import render

ROOT = Path(__file__).resolve().parents[1]


def test_cli_reference_is_current():
    written = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert written == render(), "run: python -m atlas_ld.cli.reference > docs/cli.md"


def test_every_command_in_the_readme_exists():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    used = set(re.findall(r"^\s*(?:\$ )?atlas-ld ([a-z-]+)", readme, flags=re.M))
    used |= set(re.findall(r"&& atlas-ld ([a-z-]+)", readme))
    known = set(main.list_commands(click.Context(main)))
    assert used, "the README shows no atlas-ld command"
    assert used <= known, f"the README uses unknown commands: {sorted(used - known)}"


def test_readme_opens_with_the_two_commands_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)\n```", readme, flags=re.S)
    assert "atlas-ld serve" in blocks[0]
    test_command = blocks[1].strip()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command.split("&& ", 2)[-1] in ci
