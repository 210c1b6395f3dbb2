"""Content negotiation: the choice itself, and what the server answers when nothing fits."""

from __future__ import annotations

import pytest
import requests

from atlas_ld.serve.negotiation import NotAcceptable, choose, negotiate

OFFERS = ["text/html", "text/turtle", "application/ld+json"]


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, "text/html"),
        ("", "text/html"),
        ("*/*", "text/html"),
        ("application/ld+json;q=0.5, text/turtle;q=0.9", "text/turtle"),
        ("text/*;q=0.2, application/ld+json", "application/ld+json"),
        ("application/*", "application/ld+json"),
        # The more specific range decides: html refused although */* would take it.
        ("text/html;q=0, */*;q=0.1", "text/turtle"),
        ("TEXT/TURTLE", "text/turtle"),
        ("image/png", None),
        ("text/html;q=0", None),
    ],
)
def test_choose(accept, chosen):
    assert choose(accept, OFFERS) == chosen


def test_negotiate_names_what_it_can_produce():
    with pytest.raises(NotAcceptable, match="send one of text/html, text/turtle"):
        negotiate("image/png", OFFERS)


@pytest.mark.parametrize(
    "path",
    ["{actor}", "def/atlas", "catalog", "queries/partnerships", "sparql?query=ASK%7B%7D"],
)
def test_unproducible_types_are_406(server, known, path):
    url = f"{server.url}/{path.format(actor=known.actor_path)}"
    response = requests.get(url, headers={"Accept": "image/png"}, timeout=30)
    assert response.status_code == 406, response.text
    assert "send one of" in response.text
    assert "Traceback" not in response.text
    # A browser's Accept ends in */*: it always gets an answer.
    browser = "text/html,application/xhtml+xml,image/webp,*/*;q=0.8"
    assert requests.get(url, headers={"Accept": browser}, timeout=30).status_code == 200


def test_head_answers_like_get_without_a_body(server, known):
    url = f"{server.url}/{known.actor_path}"
    head = requests.head(url, headers={"Accept": "text/turtle"}, timeout=30)
    assert head.status_code == 200
    assert head.headers["content-type"].startswith("text/turtle")
    assert "Accept" in head.headers["vary"]
    assert head.content == b""
