"""SPARQL queries shipped as data (read with importlib.resources, see atlas_ld.resources).

The top-level `*.rq` files are the canned queries researchers run (`atlas-ld query NAME`); this
package also exposes the Python API to list and run them, implemented in `atlas_ld.querying`.
"""

from atlas_ld.querying import (
    CannedQuery,
    QueryRows,
    execute,
    get_query,
    list_queries,
    python_value,
    run_query,
)

__all__ = [
    "CannedQuery",
    "QueryRows",
    "execute",
    "get_query",
    "list_queries",
    "python_value",
    "run_query",
]
