"""Regression tests for pages the project did not write (issue 9, parser side), each named after
what went wrong, plus the bounds on reading pages (issue 10) and the one place of Atlas URLs."""

from __future__ import annotations

import gzip
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from atlas_ld.cli import main
from atlas_ld.core import atlas_urls
from atlas_ld.core.errors import FetchError
from atlas_ld.core.iris import Ids, atlas_id_from_url
from atlas_ld.core.model import Page, ProjectRecord
from atlas_ld.core.text import clean, fold
from atlas_ld.graph.mapping import map_record
from atlas_ld.harvest import fetcher
from atlas_ld.parse.decode import decode
from atlas_ld.parse.parser import atlas_id_of, parse_page
from atlas_ld.parse.source import read_page
from atlas_ld.sample.corpus import generate

from .conftest import SEED_HTML, minimal_html, page_of

ATLAS = "https://pastel.diplomatie.gouv.fr/cncdext/dyn/public/atlas/"
POST = 'Contacts dans le poste diplomatique "Ambassade de France au Sénégal"'
FUNCTION = "Correspondant coopération décentralisée"


# -- relative links -----------------------------------------------------------------------------


def _partners_page(link: str, head: str = '<meta charset="utf-8">') -> str:
    return minimal_html(
        "<dl><dt>Partenaires étrangers du partenariat</dt><dd><table>"
        "<tr><th>Nom de la collectivité étrangère</th><th>Pays</th></tr>"
        f"<tr><td><a href='{link}'>Commune de Dschang</a></td><td>Cameroun</td></tr>"
        "</table></dd></dl>",
        head=head,
    )


def test_relative_actor_links_become_absolute_and_the_record_maps():
    page = page_of(_partners_page("detailCollectivite.html?criteres.colId=51001"))
    record = parse_page(page)
    url = record.foreign_partners[0].atlas_url
    assert url == ATLAS + "detailCollectivite.html?criteres.colId=51001"
    mapped = map_record(record, Ids("https://atlas-ld.example/"), page)  # raised ValueError
    assert any("atlas-51001" in str(q.subject) for q in mapped.quads)


def test_relative_links_resolve_against_the_page_url_then_base_href():
    body = _partners_page("../detailCollectivite.html?colId=9")
    page = Page("p.html", body.encode(), url="http://mirror.example/a/b/detailProjet.html?prjId=3")
    assert (
        parse_page(page).foreign_partners[0].atlas_url
        == "http://mirror.example/a/detailCollectivite.html?colId=9"
    )
    based = _partners_page(
        "detailCollectivite.html?colId=9", head='<base href="https://x.example/atlas/">'
    )
    assert parse_page(page_of(based)).foreign_partners[0].atlas_url == (
        "https://x.example/atlas/detailCollectivite.html?colId=9"
    )


@pytest.mark.parametrize(
    "href",
    [
        "javascript:ouvrir('detailCollectivite.html?criteres.colId=1')",
        " JavaScript:void(0)",
        "data:text/html,<b>x</b>",
        "mailto:maire@dschang.cm",
        "#haut",
        "",
    ],
)
def test_javascript_and_data_links_never_become_iris(href):
    assert atlas_urls.absolute_link(href, None) is None
    record = parse_page(page_of(_partners_page(href.replace("'", "&#39;"))))
    assert record.foreign_partners[0].atlas_url is None


# -- the embassy-contact block in any markup ----------------------------------------------------

_EMBASSY = {
    "h4-p": f"<h3>{POST}</h3><h4>{FUNCTION}</h4><p>Jean DUPONT</p>"
    "<p>Courriel : jean.dupont[at]diplomatie.gouv.fr</p>",
    "dl-dt-dd": f"<h3>{POST}</h3><dl><dt>{FUNCTION}</dt><dd>Jean DUPONT</dd>"
    "<dd>Courriel : jean.dupont[at]diplomatie.gouv.fr</dd></dl>",
    "th-td": f"<table><tr><th colspan='2'>{POST}</th></tr><tr><th>{FUNCTION}</th>"
    "<td>Jean DUPONT</td></tr><tr><th>Courriel</th>"
    "<td>jean.dupont[at]diplomatie.gouv.fr</td></tr></table>",
}


@pytest.mark.parametrize("markup", sorted(_EMBASSY))
def test_embassy_contacts_in_another_markup_are_read(markup):
    record = parse_page(page_of(minimal_html(_EMBASSY[markup])))
    assert record.diplomatic_post == "Ambassade de France au Sénégal"
    assert [(c.function, c.name, c.email) for c in record.post_contacts] == [
        (FUNCTION, "Jean DUPONT", "jean.dupont@diplomatie.gouv.fr")
    ]
    assert record.warnings == []


# -- one decoder --------------------------------------------------------------------------------

ACCENTED = "Coopération décentralisée à Hué : l’œuvre des élus, Île-de-France"


def _labelled(value: str) -> str:
    return minimal_html(f"<dl><dt>Contexte</dt><dd>{value}</dd></dl>")


def test_a_wrong_charset_loses_no_field_and_says_so():
    body = _labelled(ACCENTED).encode("cp1252")  # while its <meta> says utf-8
    record = parse_page(page_of(body))
    first = body.index("é".encode("cp1252"))
    assert record.context == ACCENTED
    assert "\ufffd" not in json.dumps(record.to_json(), ensure_ascii=False)
    assert record.warnings == [
        f"declared charset utf-8 (<meta>) is wrong: byte {first} is not valid "
        "utf-8; read as windows-1252"
    ]


def test_wrong_header_charset_is_also_caught():
    body = _labelled(ACCENTED).replace('<meta charset="utf-8">', "").encode("cp1252")
    record = parse_page(page_of(body, content_type="text/html; charset=UTF-8"))
    assert record.context == ACCENTED
    assert record.warnings and "(HTTP header)" in record.warnings[0]


def test_the_five_bytes_windows_1252_leaves_undefined_never_give_u_fffd():
    body = _labelled("x").encode("ascii").replace(b"<dd>x", b"<dd>\x81\x8d\x8f\x90\x9d")
    decoded = decode(body.replace(b'charset="utf-8"', b'charset="windows-1252"'))
    assert "\ufffd" not in decoded.text and "\x81\x8d\x8f\x90\x9d" in decoded.text


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\xef\xbb\xbf" + _labelled(ACCENTED).encode("utf-8"), None),
        ("\ufeff".encode("utf-16-le") + _labelled(ACCENTED).encode("utf-16-le"), None),
        (_labelled(ACCENTED).encode("cp1252"), "text/html; charset=ISO-8859-1"),
        (_labelled(ACCENTED).replace('<meta charset="utf-8">', "").encode("cp1252"), None),
        (_labelled(ACCENTED).encode("utf-8"), "text/html; charset=utf-8"),
    ],
    ids=["utf-8 BOM", "utf-16 BOM", "latin-1 header", "undeclared", "utf-8"],
)
def test_harvest_and_parse_decode_a_page_alike(body, content_type):
    text = fetcher._text(body, content_type)
    assert text == decode(body, content_type).text
    assert ACCENTED in text
    assert parse_page(page_of(body, content_type=content_type)).context == ACCENTED


def test_latin_1_means_windows_1252():
    body = _labelled("l’œuvre").encode("cp1252").replace(b"utf-8", b"ISO-8859-1")
    assert parse_page(page_of(body)).context == "l’œuvre"


# -- nothing lost silently ----------------------------------------------------------------------

LATER_FIELDS = [
    ("Historique", "history"),
    ("Objectif du partenariat", "objectives"),
    ("Description détaillée du partenariat", "description"),
    ("Maître(s) d'œuvre", "implementers_text"),
    ("Maître(s) d'ouvrage", "owners_text"),
    ("Bénéficiaire(s)", "beneficiaries"),
    ("Autres partenaires du partenariat en France", "other_partners_france"),
    ("Collectivité territoriale avant réforme", "pre_reform_authority"),
]


@pytest.mark.parametrize("depth", [300, 3_000, 100_000])
def test_deep_nesting_loses_no_field(depth):
    deep = "<span>" * depth + "le contexte" + "</span>" * depth
    later = "".join(
        f"<dt>{label}</dt><dd>valeur {i}</dd>" for i, (label, _) in enumerate(LATER_FIELDS)
    )
    record = parse_page(page_of(minimal_html(f"<dl><dt>Contexte</dt><dd>{deep}</dd>{later}</dl>")))
    assert record.context == "le contexte"
    assert [getattr(record, name) for _, name in LATER_FIELDS] == [
        f"valeur {i}" for i in range(len(LATER_FIELDS))
    ]
    assert record.warnings == []


def test_an_unreadable_value_is_a_warning_naming_the_field():
    body = _labelled("caf\ufffd").encode("utf-8")  # a page that already holds U+FFFD
    record = parse_page(page_of(body))
    assert record.warnings == [
        "context: the value under 'Contexte' has characters no encoding could read (U+FFFD)"
    ]


# -- ids of saved pages -------------------------------------------------------------------------


def _copy_seed(directory: Path, name: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    shutil.copyfile(SEED_HTML, path)
    return path


def _id(path: Path) -> tuple[str | None, str | None]:
    record = parse_page(read_page(str(path)))
    return record.atlas_id, record.id_source


def test_saved_pages_keep_their_atlas_id_from_the_file_name(tmp_path):
    assert _id(_copy_seed(tmp_path, "17384.html")) == ("17384", "file name")
    assert _id(_copy_seed(tmp_path, "detailProjet.html?criteres.prjId=555")) == ("555", "file name")
    assert _id(_copy_seed(tmp_path, "fiche.html")) == (None, None)


def test_saved_pages_keep_their_atlas_id_from_the_manifest(tmp_path):
    path = _copy_seed(tmp_path, "17384.html")  # the manifest comes before the file name
    (tmp_path / "manifest.csv").write_text(
        f"file,prj_id,url\n17384.html,42,{ATLAS}detailProjet.html?criteres.prjId=42\n"
        "../escape.html,43,\n/etc/passwd,44,\n",
        encoding="utf-8",
    )
    assert _id(path) == ("42", "manifest")
    (tmp_path / "manifest.csv").write_text("file,prj_id\n17384.html,77\n", encoding="utf-8")
    assert _id(path) == ("77", "manifest")  # no url column: built from prj_id


def test_sample_pages_written_with_their_manifest_keep_their_ids(tmp_path):
    paths = generate(5, tmp_path / "x", seed=3)
    renamed = []
    for n, path in enumerate(paths):  # names that say nothing: only the manifest knows
        manifest = path.parent / "manifest.csv"
        manifest.write_text(manifest.read_text("utf-8").replace(path.name, f"page-{n}.html"))
        renamed.append(path.rename(path.parent / f"page-{n}.html"))
    for path, original in zip(renamed, paths, strict=True):
        assert _id(path) == (original.stem, "manifest")


def test_an_atlas_url_in_the_page_gives_its_id():
    link = f'<link rel="canonical" href="{ATLAS}detailProjet.html?criteres.prjId=9876">'
    record = parse_page(page_of(minimal_html("", head=link), source="fiche.html"))
    assert (record.atlas_id, record.id_source) == ("9876", "page")


def test_a_page_naming_several_partnerships_takes_none_of_them():
    links = "".join(f'<a href="detailProjet.html?criteres.prjId={n}">voir</a>' for n in (1, 2))
    record = parse_page(page_of(minimal_html(links), source="fiche.html"))
    assert record.atlas_id is None
    assert record.warnings == [
        "page links to several partnerships (1, 2): its own prjId is not taken from them"
    ]


def test_a_capture_comes_first():
    page = Page(
        "archive#1",
        SEED_HTML.read_bytes(),
        url=f"{ATLAS}detailProjet.html?criteres.prjId=17384",
        capture_id="<urn:uuid:1>",
    )
    record = parse_page(page)
    assert (record.atlas_id, record.id_source) == ("17384", "capture")


def test_parse_says_which_source_gave_the_id(tmp_path):
    path = _copy_seed(tmp_path, "17384.html")
    result = CliRunner().invoke(main, ["parse", str(path)])
    assert result.exit_code == 0
    assert "[17384 from file name]" in result.output


# -- one module of Atlas URLs -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"{ATLAS}detailProjet.html?criteres.prjId=17384",
        f"{ATLAS}detailProjet.html?prjId=17384&x=1",
        f"{ATLAS}detailProjet.html?lang=fr&criteres.prjid=17384",
        "detailProjet.html?criteres.prjId=17384",
    ],
)
def test_parser_and_iris_read_the_same_prj_id(url):
    assert atlas_id_of(url) == atlas_id_from_url(url) == "17384"


def test_actor_links_carry_their_ids():
    assert atlas_id_from_url(f"{ATLAS}detailCollectivite.html?criteres.colId=51001") == "51001"
    assert atlas_id_from_url(f"{ATLAS}detailCollectiviteEtrangere.html?collId=76727") == "76727"
    assert atlas_id_of(f"{ATLAS}detailCollectivite.html?criteres.colId=51001") is None
    assert (
        atlas_urls.page_url("https://a.example/", 7)
        == f"https://a.example{atlas_urls.ATLAS_PATH}detailProjet.html?criteres.prjId=7"
    )


# -- money --------------------------------------------------------------------------------------


def test_money_is_parsed_as_decimal_not_float():
    table = (
        "<dl><dt>Financement du partenariat</dt><dd><table>"
        "<tr><td>Ville de Nantes</td><td>1 500,10</td><td>0,1</td><td>2015</td></tr>"
        "</table></dd></dl>"
    )
    row = parse_page(page_of(minimal_html(table))).financing[0]
    assert (row.amount_eur, row.water_oudin_eur) == (Decimal("1500.10"), Decimal("0.1"))
    assert type(row.amount_eur) is Decimal and type(row.water_oudin_eur) is Decimal
    data = parse_page(page_of(minimal_html(table))).to_json()
    assert json.dumps(data["financing"][0]["amount_eur"]) == "1500.1"
    back = ProjectRecord.from_json(data).financing[0]
    assert back.amount_eur == Decimal("1500.1") and type(back.amount_eur) is Decimal


# -- bounded inputs -----------------------------------------------------------------------------


def test_a_local_page_over_max_bytes_is_refused_in_one_line(tmp_path):
    big = tmp_path / "big.html"
    big.write_bytes(minimal_html("x" * 2000).encode())
    with pytest.raises(FetchError, match=r"over the limit of 1,000 bytes \(--max-bytes\)"):
        read_page(str(big), max_bytes=1000)
    good = _copy_seed(tmp_path, "17384.html")
    result = CliRunner().invoke(main, ["parse", "--max-bytes", "1000", str(big)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{big}: page is 2," in result.output
    assert len(read_page(str(good)).body) > 1000  # the default is far above a real page


def test_fetch_follows_at_most_five_redirects(http_site):
    base, routes, _ = http_site
    for n in range(7):
        routes[f"/r{n}"] = (302, {"Location": f"/r{n + 1}"}, b"")
    routes["/r7"] = (200, {"Content-Type": "text/html"}, b"<p>Titre</p>")
    assert read_page(f"{base}/r2").body == b"<p>Titre</p>"  # five hops
    with pytest.raises(FetchError, match="more than 5 redirects"):
        read_page(f"{base}/r0")


def test_fetch_refuses_a_redirect_out_of_http(http_site):
    base, routes, _ = http_site
    routes["/ftp"] = (301, {"Location": "file:///etc/passwd"}, b"")
    with pytest.raises(FetchError, match="non-http"):
        read_page(f"{base}/ftp")


def test_fetch_caps_the_decompressed_size(http_site):
    base, routes, _ = http_site
    bomb = gzip.compress(b"<p>" + b" " * 3_000_000 + b"</p>")  # about 3 kB on the wire
    routes["/bomb"] = (200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, bomb)
    with pytest.raises(FetchError, match="once decompressed"):
        read_page(f"{base}/bomb", max_bytes=1_000_000)
    assert len(read_page(f"{base}/bomb").body) == 3_000_007


# -- text helpers -------------------------------------------------------------------------------


def test_fold_compares_names_whatever_their_accents_case_and_ligatures():
    assert fold("Œuvre  Région d'ÎLE-de-France") == fold("oeuvre region d'ile-de-france")
    assert fold("Hué") == "hue"
    assert clean("  l’œuvre\u00a0 de\tla  Région ") == "l’œuvre de la Région"
    assert clean("e\u0301") == "\u00e9"  # NFC


def test_labels_that_lost_their_accents_or_capitals_are_still_labels():
    body = minimal_html(
        "<dl><dt>ANNEE DE DEBUT DU PARTENARIAT</dt><dd>2015</dd>"
        "<dt>Thematique d’intervention :</dt><dd>Santé</dd></dl>"
        "<p>Le partenariat n'est pas triennal</p>"
    )
    record = parse_page(page_of(body))
    assert (record.start_year, record.theme.theme, record.triennial) == (2015, "Santé", False)
    assert record.warnings == []


def test_a_meta_saying_utf_16_in_an_ascii_readable_page_means_utf_8():
    body = _labelled(ACCENTED).replace('charset="utf-8"', 'charset="utf-16"').encode("utf-8")
    record = parse_page(page_of(body))
    assert record.context == ACCENTED and record.warnings == []


@pytest.mark.parametrize("depth", [60, 5_000])
def test_deeply_nested_tables_lose_no_field(depth):
    nested = "<table><tr><td>" * depth + "le contexte" + "</td></tr></table>" * depth
    later = "<dt>Historique</dt><dd>valeur</dd>"
    record = parse_page(
        page_of(minimal_html(f"<dl><dt>Contexte</dt><dd>{nested}</dd>{later}</dl>"))
    )
    assert (record.context, record.history, record.warnings) == ("le contexte", "valeur", [])


def test_parse_json_also_prints_warnings_on_stderr(tmp_path):
    path = tmp_path / "fiche.html"
    path.write_bytes(_labelled(ACCENTED).encode("cp1252"))
    result = CliRunner().invoke(main, ["parse", "--json", str(path)])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["context"] == ACCENTED
    assert result.stderr.startswith(f"atlas-ld: warning: {path}: declared charset utf-8 (<meta>)")


def test_a_link_to_another_site_is_not_an_atlas_url():
    page = page_of(_partners_page("https://www.dschang.cm/mairie.php?id=3"))
    assert parse_page(page).foreign_partners[0].atlas_url is None
    assert atlas_urls.detail_link_id(f"{ATLAS}detailCollectivite.html?id=3") == "3"
