"""The stages' import contract (pyproject.toml, [tool.importlinter]) holds: data flows one way."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_layers_contract_is_kept():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    result = subprocess.run(
        [exe, "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_src_holds_only_stage_packages():
    """`ls src/atlas_ld` shows the stages, not a flat list of modules."""
    package = ROOT / "src" / "atlas_ld"
    modules = sorted(p.name for p in package.glob("*.py"))
    assert modules == ["__init__.py", "api.py"], modules
    stages = {p.name for p in package.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert {
        "core",
        "parse",
        "sample",
        "harvest",
        "graph",
        "store",
        "serve",
        "publish",
        "cli",
    } <= stages


def test_queries_folder_holds_only_sparql():
    files = [p for p in (ROOT / "queries").rglob("*") if p.is_file()]
    assert files and all(p.suffix == ".rq" for p in files), files
