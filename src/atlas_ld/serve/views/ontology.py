"""The ontology (`/def/atlas`) as HTML or Turtle."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from atlas_ld.core.resources import ontology_dir
from atlas_ld.serve.negotiation import negotiate


async def ontology(request: Request) -> Response:
    path = request.url.path
    turtle = path.endswith(".ttl")
    if not turtle and not path.endswith(".html"):
        chosen = negotiate(request.headers.get("accept"), ["text/html", "text/turtle"])
        turtle = chosen == "text/turtle"
    name, media = ("atlas.ttl", "text/turtle") if turtle else ("atlas.html", "text/html")
    entry = ontology_dir() / name
    if not entry.is_file():
        return PlainTextResponse(f"{name} is not bundled with this installation\n", 404)
    return Response(entry.read_bytes(), media_type=media, headers={"Vary": "Accept"})


def routes() -> list[Route]:
    return [
        Route("/def/atlas", ontology),
        Route("/def/atlas.ttl", ontology),
        Route("/def/atlas.html", ontology),
    ]
