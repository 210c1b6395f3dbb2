"""Locate the data files that ship with the package.

`ontology/`, `shapes/` and `queries/` sit at the top of the repository so people find and edit
them there; pyproject.toml maps them into the wheel as `atlas_ld.ontology`, `atlas_ld.shapes` and
`atlas_ld.queries`, so the same code reads them from a checkout, an editable install or a wheel.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path


def ontology_dir() -> Traversable:
    return files("atlas_ld.ontology")


def shapes_dir() -> Traversable:
    return files("atlas_ld.shapes")


def queries_dir() -> Traversable:
    """`queries/` holds only `.rq` files, so it is a namespace package in the wheel.

    setuptools' editable finder does not resolve a mapped namespace package below `atlas_ld`,
    so a checkout installed with `pip install -e` reads the folder at the repository's top.
    """
    try:
        return files("atlas_ld.queries")
    except ModuleNotFoundError:
        checkout = Path(__file__).resolve().parents[3] / "queries"
        if checkout.is_dir():
            return checkout
        raise


def data_dir() -> Traversable:
    """Bundled data of the package itself: the sample corpus, reference tables, schemas."""
    return files("atlas_ld") / "data"
