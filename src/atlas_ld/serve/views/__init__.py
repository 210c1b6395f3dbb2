"""The pages for people, one module per kind of page (as Datasette's `views/`).

Each module has a `routes()` list; `routes()` here joins them in the order of `VIEWS`, then the
resource pages, whose catch-all route must come last. A new kind of page is one more name in
`VIEWS`.
"""

from __future__ import annotations

from importlib import import_module

from starlette.routing import Route

from atlas_ld.serve.views import resource
from atlas_ld.serve.views.base import error_page, not_found, render, wants_html
from atlas_ld.serve.views.editor import editor_page

VIEWS = (
    "home",
    "search",
    "editor",
    "queries",
    "catalogue",
    "ontology",
    "changes",  # which release is served, what changed in it
    "quality",  # the build's SHACL results
)

__all__ = ["editor_page", "error_page", "not_found", "render", "routes", "wants_html"]


def routes() -> list[Route]:
    found: list[Route] = []
    for name in VIEWS:
        found.extend(import_module(f"atlas_ld.serve.views.{name}").routes())
    return [*found, *resource.routes()]
