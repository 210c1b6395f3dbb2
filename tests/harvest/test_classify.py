"""Issue 12: the harvester judges pages with the parser's labels, not a copy of its own."""

from __future__ import annotations

import pytest

from atlas_ld.harvest.classify import page_kind
from atlas_ld.sample.simulator import ERROR_PAGE, MAINTENANCE_PAGE


@pytest.mark.parametrize(
    "markup",
    [
        "<dl><dt>Titre</dt><dd>Eau potable</dd><dt>Thématique d'intervention</dt><dd>Eau</dd></dl>",
        "<table><tr><th>TITRE :</th><td>Eau potable</td></tr>"
        "<tr><th>THÉMATIQUE D’INTERVENTION :</th><td>Eau</td></tr></table>",
        "<p><span>Titre</span> <span>Eau potable</span></p>"
        "<p><span>Thématique d'intervention</span><span>Eau</span></p>",
    ],
)
def test_a_project_page_in_any_markup_the_parser_reads(markup):
    assert page_kind(f"<html><body>{markup}</body></html>", "text/html") == "project"


def test_plain_text_pages_are_read_as_the_parser_reads_them():
    text = "Titre\tEau potable\nThématique d'intervention\tEau\n"
    assert page_kind(text, "text/plain; charset=utf-8") == "project"


def test_words_in_prose_are_not_labels():
    """Finding: the harvester's own copy, ("Titre", "Thématique") as substrings, took any page
    mentioning both words for a project page, where the parser would find no field."""
    prose = "<p>Titre du bulletin</p><p>Thématique de la semaine : l'eau.</p>"
    assert page_kind(f"<html><body>{prose}</body></html>", "text/html") == "other"


def test_the_sites_error_page_and_a_maintenance_page():
    assert page_kind(ERROR_PAGE.decode(), "text/html") == "not-found"
    assert page_kind(MAINTENANCE_PAGE.decode(), "text/html") == "other"
