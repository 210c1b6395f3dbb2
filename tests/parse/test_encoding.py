"""The declared encoding is honoured: HTTP header, BOM, meta charset; else UTF-8 or windows-1252."""

from __future__ import annotations

import codecs

import pytest

from atlas_ld.parse.parser import parse_page

from .conftest import minimal_html, page_of

TITLE = "Coopération d’œuvre « Sénégal » – 2015"


def _page(head: str, encoding: str, content_type: str | None = None, bom: bytes = b""):
    html = minimal_html("", head=head).replace("Projet test", TITLE)
    return page_of(bom + html.encode(encoding), content_type)


@pytest.mark.parametrize(
    ("head", "encoding", "content_type"),
    [
        ('<meta charset="windows-1252">', "cp1252", None),
        (
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">',
            "cp1252",
            None,
        ),
        ('<meta charset="ISO-8859-1">', "cp1252", None),  # browsers read latin-1 as windows-1252
        ("", "cp1252", None),  # undeclared, not UTF-8: windows-1252
        ("", "utf-8", None),  # undeclared, valid UTF-8
        ('<meta charset="utf-8">', "utf-8", None),
        ("", "cp1252", "text/html; charset=windows-1252"),
        ('<meta charset="utf-8">', "cp1252", "text/html; charset=windows-1252"),  # header wins
    ],
)
def test_declared_or_detected_encoding(head, encoding, content_type):
    assert parse_page(_page(head, encoding, content_type)).title == TITLE


def test_byte_order_mark_wins_over_a_wrong_meta():
    page = _page('<meta charset="windows-1252">', "utf-8", bom=codecs.BOM_UTF8)
    assert parse_page(page).title == TITLE


def test_plain_text_in_windows_1252():
    body = f"Titre\n{TITLE}\nAnnée de début du partenariat\n2015\n".encode("cp1252")
    record = parse_page(page_of(body))
    assert (record.title, record.start_year) == (TITLE, 2015)


def test_text_is_nfc_whatever_the_page_uses():
    decomposed = "Coope\u0301ration"  # e + combining acute
    record = parse_page(page_of(f"Titre\n{decomposed}\n", "text/plain"))
    assert record.title == "Coopération"


def test_utf16_with_its_byte_order_mark_is_not_taken_for_binary():
    html = minimal_html("").replace("Projet test", TITLE)
    assert parse_page(page_of(html.encode("utf-16"))).title == TITLE
