"""The notebook API: the CLI's `build` and `query` as two functions.

>>> from atlas_ld import api
>>> api.build()                                  # the bundled sample -> ./atlas-ld-store
>>> df = api.query("financing-by-funder")       # a pandas DataFrame when pandas is installed
>>> api.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", rows=True)
[{'n': 6164}]
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from atlas_ld.core.model import Page
from atlas_ld.core.namespaces import base_from_env, check_base
from atlas_ld.graph.pipeline import BuildReport
from atlas_ld.graph.pipeline import build as _build
from atlas_ld.store.disk import DEFAULT_STORE


def _pages(pages: Iterable[Page | str | os.PathLike[str]]) -> Iterable[Page]:
    from atlas_ld.parse.source import read_page

    for page in pages:
        yield page if isinstance(page, Page) else read_page(os.fspath(page))


def build(
    pages: Iterable[Page | str | os.PathLike[str]] | None = None,
    store: str | os.PathLike[str] = DEFAULT_STORE,
    *,
    archive: str | os.PathLike[str] | None = None,
    base: str | None = None,
    processes: int | None = None,
    answers: bool = False,
) -> BuildReport:
    """Build a store from pages (files, URLs or `Page`s), a harvest archive, or the sample;
    `answers=True` also computes the canned queries' answers (else the server's first start
    does)."""
    if archive is not None:
        from atlas_ld.harvest.archive_reader import iter_latest_pages

        source: Iterable[Page] = iter_latest_pages(Path(archive))
    elif pages is None:
        from atlas_ld.sample.corpus import sample_pages

        source = sample_pages()
    else:
        source = _pages(pages)
    base = check_base(base) if base else base_from_env()
    return _build(source, Path(store), base=base, processes=processes, answers=answers)


def query(
    query: str,
    store: str | os.PathLike[str] = DEFAULT_STORE,
    *,
    include_personal: bool = False,
    rows: bool = False,
    endpoint: str | None = None,
) -> Any:
    """Run a named query, a `.rq` file or SPARQL text on the store (or a SPARQL `endpoint`).

    SELECT gives a pandas DataFrame when pandas is installed (else, or with `rows=True`, a list of
    dicts); ASK gives a bool; CONSTRUCT and DESCRIBE give pyoxigraph triples. Personal-data graphs
    are not in the dataset queried unless `include_personal=True`.
    """
    from atlas_ld.store.canned import QueryRows, get_query, run_query
    from atlas_ld.store.repo import open_repo

    sparql = query if any(c.isspace() for c in query.strip()) else get_query(query).sparql
    repo = open_repo(store, endpoint=endpoint, include_personal=include_personal)
    result = run_query(repo, sparql, include_personal=include_personal)
    if not isinstance(result, QueryRows):
        return result
    if rows:
        return result.records()
    try:
        import pandas
    except ImportError:
        return result.records()
    return pandas.DataFrame.from_records(result.rows, columns=result.columns)
