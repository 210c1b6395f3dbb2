"""Regression: a table row with nothing in it but the magnifier icon crashed the parser.

`<tr><td></td><td><a href="…colId=33065"><img alt="Icone d'une loupe"></a></td></tr>` under
"Collectivités territoriales partenaires" raised IndexError out of `parse_page` (found by
fuzz/fuzz_page.py); under "Partenaires étrangers" the same row gave a partner named "Icone d'une
loupe", the icon's alt text. Such a row names no one: it is left out with a warning that
gives its link. The pages and expected records are written by hand.
"""

from __future__ import annotations

from atlas_ld.core.model import Page
from atlas_ld.parse.parser import parse_page

LOUPE = '<img src="loupe.gif" alt="Icone d\'une loupe">'
EMPTY_FRENCH = (
    f'<tr><td></td><td><a href="detailCollectivite.html?criteres.colId=33065">{LOUPE}</a></td></tr>'
)
EMPTY_FOREIGN = (
    "<tr><td> </td><td></td>"
    f'<td><a href="detailCollectiviteEtrangere.html?criteres.colId=70002">{LOUPE}</a></td></tr>'
)
PAGE = f"""<html><head><meta charset="utf-8"></head><body>
<dl><dt>Titre</dt><dd>Gestion des déchets</dd></dl>
<div>Partenaires étrangers du partenariat</div>
<table><tr><th>Nom de la collectivité étrangère</th><th>Pays</th><th></th></tr>
<tr><td>Province de Thua Thien Huế</td><td>Vietnam</td>
<td><a href="detailCollectiviteEtrangere.html?criteres.colId=70001">{LOUPE}</a></td></tr>
{EMPTY_FOREIGN}
</table>
<div>Collectivités territoriales partenaires du partenariat</div>
<table><tr><th>Nom de la collectivité territoriale</th><th></th></tr>
<tr><td>Bordeaux Métropole</td>
<td><a href="detailCollectivite.html?criteres.colId=33063">{LOUPE}</a></td></tr>
{EMPTY_FRENCH}
</table></body></html>"""
ATLAS = "https://pastel.diplomatie.gouv.fr/cncdext/dyn/public/atlas/"


def test_empty_rows_are_left_out_and_said():
    record = parse_page(Page("p.html", PAGE.encode("utf-8"), "text/html"))
    assert [(a.name, a.country) for a in record.foreign_partners] == [
        ("Province de Thua Thien Huế", "Vietnam")
    ]
    assert [a.name for a in record.french_authorities] == ["Bordeaux Métropole"]
    assert record.french_authorities[0].atlas_url == (
        ATLAS + "detailCollectivite.html?criteres.colId=33063"
    )
    said = [w for w in record.warnings if "is empty" in w]
    assert said == [
        "foreign_partners: a row under 'Partenaires étrangers du partenariat' is empty "
        f"(its link: {ATLAS}detailCollectiviteEtrangere.html?criteres.colId=70002); left out",
        "french_authorities: a row under 'Collectivités territoriales partenaires du partenariat'"
        f" is empty (its link: {ATLAS}detailCollectivite.html?criteres.colId=33065); left out",
    ]
