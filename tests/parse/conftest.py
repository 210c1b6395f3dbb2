"""Shared fixtures of the parser's tests: the real seed page, its expected record, the schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from atlas_ld.resources import data_dir

HERE = Path(__file__).parent
SEED_TEXT = Path(str(data_dir() / "sample" / "17384.txt"))


@pytest.fixture(scope="session")
def schema_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((data_dir() / "project-record.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="session")
def expected_seed() -> dict:
    """The seed page's record as a careful reader writes it (checked by hand against the page)."""
    return json.loads((HERE / "expected" / "seed.json").read_text(encoding="utf-8"))
