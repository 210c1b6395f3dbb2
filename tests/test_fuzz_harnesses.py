"""The fuzz harnesses (fuzz/) run on their seeds: so they keep working as the code changes.

The fuzzers themselves run for minutes and are not part of the suite (docs/parsing.md, "Tests
that do not trust the parser"). Here each harness's `one_input` is called on the inputs its
first run would start from, without atheris' instrumentation; each must pass them all.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from pathlib import Path

import pytest

from atlas_ld.core.errors import QueryError

pytest.importorskip("atheris")
FUZZ = Path(__file__).parents[1] / "fuzz"


def _harness(name: str):
    spec = importlib.util.spec_from_file_location(f"fuzz_{name}", FUZZ / f"fuzz_{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_page_harness_passes_its_seeds():
    harness = _harness("page")
    seeds = [
        p for folder in harness.SEEDS for p in folder.glob("*.*") if p.suffix in (".html", ".txt")
    ]
    assert len(seeds) > 30
    for seed in seeds:
        for kind in range(len(harness.CONTENT_TYPES)):
            harness.one_input(bytes([kind]) + seed.read_bytes())


def test_the_query_harness_passes_its_seeds_and_refuses_them_all(monkeypatch):
    monkeypatch.setenv("ATLAS_LD_FUZZ_PORT", "0")
    harness = _harness("query")
    threading.Thread(target=harness._accept, daemon=True).start()  # as its main() does
    for seed in harness.SEEDS:
        harness.one_input(seed.encode())
        with pytest.raises(QueryError, match="SERVICE"):  # every seed asks for a SERVICE
            harness.inspect_query(seed)
    assert harness._CONNECTIONS == []


def test_the_archive_harness_reads_its_seed_and_damaged_copies():
    harness = _harness("archive")
    harness.one_input(harness.SEGMENT)
    for cut in (0, 10, len(harness.SEGMENT) // 2, len(harness.SEGMENT) - 1):
        harness.one_input(harness.SEGMENT[:cut])
