"""Bad input: one clear line naming the page and the reason; nothing else is lost."""

from __future__ import annotations

import socket

import pytest
from click.testing import CliRunner

from atlas_ld.cli import main
from atlas_ld.core.errors import FetchError, ParseError
from atlas_ld.parse.parser import parse_page, parse_pages
from atlas_ld.parse.source import read_page

from .conftest import SEED_TEXT, minimal_html, page_of

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty page"),
        (b"  \n\t\r\n ", "empty page"),
        (PNG, "binary content"),
        (b"<html><body><h1>Erreur 404</h1><p>Page introuvable</p></body></html>", "no 'Titre'"),
        ("Accueil > Atlas > Détail projet\nAucun projet ne correspond.".encode(), "no 'Titre'"),
        (minimal_html("").replace("Projet test", "").encode(), "without a title"),
    ],
    ids=["empty", "blank", "png", "html-404", "text-no-project", "empty-title"],
)
def test_pages_that_are_not_project_pages_raise_parse_error(body, reason):
    with pytest.raises(ParseError) as info:
        parse_page(page_of(body, source="pages/x.html"))
    message = str(info.value)
    assert message.startswith("pages/x.html: ") and reason in message
    assert "\n" not in message


def test_missing_file_directory_and_unknown_scheme_raise_fetch_error(tmp_path):
    for location, reason in [
        (str(tmp_path / "nope.html"), "no such file"),
        (str(tmp_path), "is a directory"),
        ("ftp://example.org/page.html", r"only http\(s\) URLs"),
    ]:
        with pytest.raises(FetchError, match=reason) as info:
            read_page(location)
        assert str(info.value).startswith(location)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_url_and_http_errors_name_the_url(http_site):
    base, routes, _ = http_site
    routes["/gone"] = (500, {}, b"boom")
    url = f"http://127.0.0.1:{_closed_port()}/detailProjet.html"
    with pytest.raises(FetchError, match="unreachable") as info:
        read_page(url)
    assert str(info.value).startswith(url)
    with pytest.raises(FetchError, match="HTTP 404"):
        read_page(f"{base}/missing")
    with pytest.raises(FetchError, match="HTTP 500"):
        read_page(f"{base}/gone")


def test_cli_reports_each_bad_page_and_still_prints_the_good_ones(tmp_path):
    binary = tmp_path / "logo.png"
    binary.write_bytes(PNG)
    other = tmp_path / "accueil.html"
    other.write_text("<html><body><p>Bienvenue sur l'Atlas</p></body></html>", encoding="utf-8")
    url = f"http://127.0.0.1:{_closed_port()}/x"
    args = ["parse", str(binary), str(SEED_TEXT), str(other), url]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "FFQCD 2011-2012" in result.stdout
    errors = result.stderr.splitlines()
    assert len(errors) == 3
    assert errors[0] == f"atlas-ld: error: {binary}: binary content, not a web page or text"
    assert errors[1].startswith(f"atlas-ld: error: {other}: not an Atlas project page")
    assert errors[2].startswith(f"atlas-ld: error: {url}: unreachable")
    assert "Traceback" not in result.output


def test_process_pool_yields_errors_in_place():
    pages = [page_of(b""), page_of(SEED_TEXT.read_bytes(), "text/plain"), page_of(PNG)]
    results = list(parse_pages(pages, processes=2, chunksize=1))
    assert isinstance(results[0], ParseError) and isinstance(results[2], ParseError)
    assert results[1].title == "FFQCD 2011-2012 : Partenariat en travail social"


def test_unknown_labels_and_bad_values_become_warnings_and_lose_nothing():
    body = minimal_html(
        "<dl><dt>Budget prévisionnel</dt><dd>120 000 euros</dd>"
        "<dt>Année de début du partenariat</dt><dd>vers 2010</dd>"
        "<dt>Date de fin du partenariat</dt><dd>fin 2015</dd></dl>"
        "<h3>Financement du partenariat</h3><table>"
        "<tr><th>Nom du financeur</th><th>Montant en euros</th><th>Année</th></tr>"
        "<tr><td>Commune de Rennes</td><td>douze mille</td><td>2012</td></tr></table>"
    )
    record = parse_page(page_of(body))
    assert record.start_year is None and record.end_date is None
    assert record.financing[0].funder == "Commune de Rennes"
    assert record.financing[0].amount_eur is None and record.financing[0].year == 2012
    text = "\n".join(record.warnings)
    for kept in ("Budget prévisionnel", "120 000 euros", "vers 2010", "fin 2015", "douze mille"):
        assert kept in text


def test_financing_text_rows_without_amount_or_year_are_reported():
    text = "Titre\nT\nFinancement du partenariat\nCommune de Rennes douze mille 2012\nAutre 5000\n"
    record = parse_page(page_of(text, "text/plain"))
    assert [(f.funder, f.amount_eur, f.year) for f in record.financing] == [
        ("Commune de Rennes douze mille", None, 2012),
        ("Autre", 5000, None),
    ]
    assert record.warnings == [
        "Financement: no amount in row 'Commune de Rennes douze mille 2012'",
        "Financement: no year in row 'Autre 5000'",
    ]


def test_text_outside_any_field_is_reported_but_not_the_site_menus_before_the_project():
    text = "Accueil\nRechercher un projet\nTitre\nProjet test\nLe partenariat est triennal\nNB\n"
    record = parse_page(page_of(text, "text/plain"))
    assert (record.title, record.triennial) == ("Projet test", True)
    assert record.warnings == ["text outside any field: 'NB'"]


def test_unknown_label_in_a_th_beside_a_td_keeps_its_value_in_a_warning():
    body = minimal_html(
        "<table><tr><th>Contexte</th><td>Un contexte.</td></tr>"
        "<tr><th>Budget total</th><td>120 000 €</td></tr>"
        "<tr><th>Historique</th><td>Une histoire.</td></tr></table>"
    )
    record = parse_page(page_of(body))
    assert (record.context, record.history) == ("Un contexte.", "Une histoire.")
    assert record.warnings == ["unknown label 'Budget total', value kept here: '120 000 €'"]
