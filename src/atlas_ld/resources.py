"""Locate the data files that ship with the package.

`ontology/`, `shapes/` and `queries/` sit at the top of the repository so people find and edit
them there; pyproject.toml maps them into the wheel as `atlas_ld.ontology`, `atlas_ld.shapes` and
`atlas_ld.queries`, so the same code reads them from a checkout, an editable install or a wheel.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable


def ontology_dir() -> Traversable:
    return files("atlas_ld.ontology")


def shapes_dir() -> Traversable:
    return files("atlas_ld.shapes")


def queries_dir() -> Traversable:
    return files("atlas_ld.queries")


def data_dir() -> Traversable:
    """Bundled data of the package itself: the sample corpus, reference tables, schemas."""
    return files("atlas_ld") / "data"
