"""Quirks seen on real Atlas pages, each in the plain-text form and, where markup matters, HTML."""

from __future__ import annotations

from atlas_ld.core.model import (
    Authority,
    Financing,
    PartnerContact,
    PostContact,
    ThemeTriple,
    Volunteer,
)
from atlas_ld.parse.parser import parse_page

from .conftest import minimal_html, page_of

NBSP = "\u00a0"
WATER = "Montant 1% Eau (Loi Oudin 2005)"  # the header repeats this column

# A hand-written text page with the quirks of real pages (raw message keys, pager keys, the
# magnifier's alt text, no-break spaces, both apostrophes, repeated headings, no first year).
TEXT_PAGE = f"""Accueil > ???menu.atlas.libelle??? > ???menu.atlas.detailProjet.libelle???

Atlas français de la coopération décentralisée et des autres actions extérieures

Contacts dans le poste diplomatique « Ambassade de France au Burkina Faso »

Correspondant coopération décentralisée
Awa TRAORÉ
Courriel{NBSP}: awa.traore[at]diplomaite.gouv.fr
{NBSP}
Conseiller de coopération et d'action culturelle
Awa TRAORÉ
Courriel : awa.traore [at] diplomatie.gouv.fr
Titre
Eau et assainissement à Kaya
Thématique d’intervention
Environnement, climat et énergie
Sous-thématique d'intervention
Eau et assainissement
Sous-sous-thématique d'intervention

Autres thématiques mises en œuvre pour le partenariat

Autres thématiques mises en œuvre pour le partenariat
Thématique éligible Sous-thématique Sous-sous-thématique Priorité
Santé et action sociale Santé Santé maternelle et infantile Oui
Développement économique Tourisme Non
pagination.page.precedent 1 2 pagination.page.suivant
Culture, jeunesse et éducation Francophonie Langue française
pagination.page.precedent 1 2 pagination.page.suivant
Année de début du partenariat
2013
Le partenariat est
Terminé
Date de fin du partenariat
31/12/2016
Contexte
FRANCE
Chambéry compte une importante association de ressortissants burkinabè.
BURKINA FASO
La commune de Kaya manque d’accès à l'eau potable{NBSP}; les forages sont anciens.
Description détaillée du partenariat
Voir le site : https://www.chambery.fr/cooperation et http://kaya.bf/projets.
Mise en œuvre du partenariat
Maître(s) d’œuvre
Commune de Chambéry
Partenaires étrangers du partenariat

Partenaires étrangers du partenariat
Nom de la collectivité étrangère Pays
Commune de Kaya Burkina Faso Icone d'une loupe
Région du Centre-Nord Burkina Faso Icone d’une loupe

Contacts dans les partenaires étrangers du partenariat

Contacts dans les partenaires étrangers du partenariat
Nom de la collectivité étrangère Nom Prénom Fonction Courriel
Commune de Kaya OUÉDRAOGO Issouf Maire issouf.ouedraogo[at]kaya.bf
Région du Centre-Nord EL AMRANI Jean-Pierre Secrétaire général
Collectivités territoriales partenaires du partenariat

Collectivités territoriales partenaires du partenariat
Nom de la collectivité territoriale
Commune de Chambéry Icone d'une loupe
Le partenariat est triennal
Financement du partenariat

Financement du partenariat
Nom du financeur Montant en euros {WATER} {WATER} Année
Commune de Chambéry 12000 0 2014
Agence de l'eau Rhône Méditerranée Corse 0 45000 2014
Ministère de l'Europe et des Affaires étrangères 8000 2015
Commune de Chambéry 1250,50 2016
Évaluations, communication et perspectives
Aucune communication n'a été engagée en France
Une communication a été engagée dans les pays partenaires
Une politique d’évaluation a été engagée
Volontaires impliqués dans le partenariat (VSI, service civique, etc.) d'Échange et de Solidarité

Volontaires impliqués dans le partenariat (VSI, service civique, etc.) d'Échange et de Solidarité
Nom Prénom Mission Champs d'action Entité d'affectation
LE GALL Camille Service civique Eau et assainissement Commune de Kaya
PIED DE PAGE
Tous droits réservés - Ministère de l'Europe et des Affaires étrangères 2013
"""


def text_record():
    return parse_page(page_of(TEXT_PAGE, "text/plain; charset=utf-8"))


def test_raw_message_keys_and_pagers_leave_no_trace():
    record = text_record()
    assert record.warnings == []
    assert record.first_agreement_year is None  # the optional label is absent


def test_theme_rows_split_by_the_theme_list_on_every_page_of_the_table():
    assert text_record().other_themes == [
        ThemeTriple(
            "Santé et action sociale",
            "Santé",
            "Santé maternelle et infantile",
            "Oui",
            "Santé et action sociale Santé Santé maternelle et infantile Oui",
        ),
        ThemeTriple(
            "Développement économique",
            "Tourisme",
            None,
            "Non",
            "Développement économique Tourisme Non",
        ),
        ThemeTriple(
            "Culture, jeunesse et éducation",
            "Francophonie",
            "Langue française",
            None,
            "Culture, jeunesse et éducation Francophonie Langue française",
        ),
    ]


def test_post_contacts_one_person_two_roles_obfuscated_and_misspelt_emails():
    record = text_record()
    assert record.diplomatic_post == "Ambassade de France au Burkina Faso"
    assert record.post_contacts == [
        PostContact("Correspondant coopération décentralisée", "Awa TRAORÉ",
                    "awa.traore@diplomaite.gouv.fr"),
        PostContact("Conseiller de coopération et d'action culturelle", "Awa TRAORÉ",
                    "awa.traore@diplomatie.gouv.fr"),
    ]  # fmt: skip


def test_context_sub_headings_urls_and_apostrophes_kept_as_written():
    record = text_record()
    assert record.context == (
        "FRANCE\nChambéry compte une importante association de ressortissants burkinabè.\n"
        "BURKINA FASO\nLa commune de Kaya manque d’accès à l'eau potable ; "
        "les forages sont anciens."
    )
    assert record.description == (
        "Voir le site : https://www.chambery.fr/cooperation et http://kaya.bf/projets."
    )
    assert record.implementers_text == "Commune de Chambéry"  # label with a curly apostrophe


def test_status_end_date_and_statements():
    record = text_record()
    assert (record.status, record.end_date, record.start_year) == ("Terminé", "2016-12-31", 2013)
    assert record.triennial is True
    assert record.communication_france is False
    assert record.communication_partner_countries is True
    assert record.evaluation is True


def test_partner_rows_lose_the_magnifier_alt_text():
    record = text_record()
    assert record.foreign_partners == [
        Authority("Commune de Kaya", "Burkina Faso", None, "Commune de Kaya Burkina Faso"),
        Authority(
            "Région du Centre-Nord", "Burkina Faso", None, "Région du Centre-Nord Burkina Faso"
        ),
    ]
    assert record.french_authorities == [
        Authority("Commune de Chambéry", text="Commune de Chambéry")
    ]


def test_partner_contact_and_volunteer_rows_split_on_names_in_capitals():
    record = text_record()
    assert record.foreign_partner_contacts == [
        PartnerContact(
            "Commune de Kaya",
            "OUÉDRAOGO",
            "Issouf",
            "Maire",
            "issouf.ouedraogo@kaya.bf",
            "Commune de Kaya OUÉDRAOGO Issouf Maire issouf.ouedraogo[at]kaya.bf",
        ),
        PartnerContact(
            "Région du Centre-Nord",
            "EL AMRANI",
            "Jean-Pierre",
            "Secrétaire général",
            None,
            "Région du Centre-Nord EL AMRANI Jean-Pierre Secrétaire général",
        ),
    ]
    assert record.volunteers == [
        Volunteer(
            "LE GALL",
            "Camille",
            "Service civique",
            "Eau et assainissement",
            "Commune de Kaya",
            "LE GALL Camille Service civique Eau et assainissement Commune de Kaya",
        )
    ]


def test_financing_rows_numbers_then_year_with_or_without_the_water_amount():
    assert text_record().financing == [
        Financing("Commune de Chambéry", 12000, 0, 2014, "Commune de Chambéry 12000 0 2014"),
        Financing(
            "Agence de l'eau Rhône Méditerranée Corse",
            0,
            45000,
            2014,
            "Agence de l'eau Rhône Méditerranée Corse 0 45000 2014",
        ),
        Financing(
            "Ministère de l'Europe et des Affaires étrangères",
            8000,
            None,
            2015,
            "Ministère de l'Europe et des Affaires étrangères 8000 2015",
        ),
        Financing("Commune de Chambéry", 1250.5, None, 2016, "Commune de Chambéry 1250,50 2016"),
    ]


HTML_TABLES = minimal_html(
    "<h3>Partenaires étrangers du partenariat</h3>"
    "<table><caption>Partenaires étrangers du partenariat</caption>"
    "<tr><th>Nom de la collectivité étrangère</th><th>Pays</th><th></th></tr>"
    "<tr><td>Province du Québec</td><td>Canada</td>"
    '<td><a href="/atlas/detailCollectivite.html?id=7"><img src="l.png" alt="Icone d\'une loupe">'
    "</a></td></tr></table>"
    "<h3>Financement du partenariat</h3><table>"
    "<tr><th>Nom du financeur</th><th>Montant en euros</th><th>Montant 1% Eau (Loi Oudin 2005)</th>"
    "<th>Montant 1% Eau (Loi Oudin 2005)</th><th>Année</th></tr>"
    f"<tr><td>Conseil régional de Bretagne</td><td>15{NBSP}000</td><td>2{NBSP}500,00 €</td>"
    "<td>2012</td></tr>"
    "<tr><td>Ministère de l'Europe et des Affaires étrangères</td><td>50000</td><td></td>"
    "<td>2012</td></tr>"
    "<tr><td>Autre</td><td>0</td><td>0</td><td>2012</td></tr></table>"
    "<p>Contacts dans le poste diplomatique &quot;Ambassade de France à Ottawa&quot;</p>"
    "<p><strong>Correspondant coopération décentralisée</strong><br>Sarah VAILLANT<br>"
    'Courriel : <a href="mailto:x">sarah.vaillant[at]diplomatie.gouv.fr</a></p>'
)


def test_html_magnifier_link_is_the_atlas_url_and_cells_keep_empty_water_amounts():
    record = parse_page(page_of(HTML_TABLES))
    assert record.warnings == []
    assert record.foreign_partners == [
        Authority(
            "Province du Québec",
            "Canada",
            "https://pastel.diplomatie.gouv.fr/atlas/detailCollectivite.html?id=7",  # made absolute
            "Province du Québec Canada",
        )
    ]
    assert record.financing == [
        Financing(
            "Conseil régional de Bretagne",
            15000,
            2500,
            2012,
            "Conseil régional de Bretagne 15 000 2 500,00 € 2012",
        ),
        Financing(
            "Ministère de l'Europe et des Affaires étrangères",
            50000,
            None,
            2012,
            "Ministère de l'Europe et des Affaires étrangères 50000 2012",
        ),
        Financing("Autre", 0, 0, 2012, "Autre 0 0 2012"),
    ]
    assert record.post_contacts == [
        PostContact("Correspondant coopération décentralisée", "Sarah VAILLANT",
                    "sarah.vaillant@diplomatie.gouv.fr")
    ]  # fmt: skip


def test_end_date_forms_become_iso_8601_next_to_the_text_shown():
    for shown, iso in [
        ("31/12/2015", "2015-12-31"),
        ("1/7/2015", "2015-07-01"),
        ("12/2015", "2015-12"),
        ("2015", "2015"),
        ("2015-12-31", "2015-12-31"),
    ]:
        page = page_of(f"Titre\nT\nDate de fin du partenariat\n{shown}\n", "text/plain")
        record = parse_page(page)
        assert (record.end_date, record.end_date_text) == (iso, shown)


def test_data_rows_starting_with_a_th_are_rows_not_labels():
    body = minimal_html(
        "<h3>Collectivités territoriales partenaires du partenariat</h3><table>"
        "<tr><th>Nom de la collectivité territoriale</th><th></th></tr>"
        '<tr><th scope="row">Commune de Rennes</th><td><a href="/c?id=3">'
        '<img src="l.png" alt="Icone d\'une loupe"></a></td></tr></table>'
    )
    record = parse_page(page_of(body))
    assert record.french_authorities == [
        Authority(
            "Commune de Rennes",
            None,
            "https://pastel.diplomatie.gouv.fr/c?id=3",
            "Commune de Rennes",
        )
    ]
    assert record.warnings == []


def test_sub_headings_in_capitals_stay_in_the_long_text_whatever_their_markup():
    body = minimal_html(
        "<h3>Contexte</h3><h4>FRANCE</h4><p>Un paragraphe.</p><h4>SÉNÉGAL</h4><p>Un autre.</p>"
        "<h3>Historique</h3><p>Depuis 2001.</p>"
    )
    record = parse_page(page_of(body))
    assert record.context == "FRANCE\nUn paragraphe.\nSÉNÉGAL\nUn autre."
    assert record.history == "Depuis 2001."
    assert record.warnings == []


def test_a_line_break_inside_a_data_cell_keeps_the_row_whole():
    body = minimal_html(
        "<h3>Contacts dans les partenaires étrangers du partenariat</h3><table>"
        "<tr><th>Nom de la collectivité étrangère</th><th>Nom</th><th>Prénom</th>"
        "<th>Fonction</th><th>Courriel</th></tr>"
        "<tr><td>Ville de Québec</td><td>TREMBLAY</td><td>Julie</td>"
        "<td>Directrice<br>des relations internationales</td><td>j.tremblay[at]quebec.ca</td></tr>"
        "</table>"
    )
    record = parse_page(page_of(body))
    assert record.foreign_partner_contacts == [
        PartnerContact("Ville de Québec", "TREMBLAY", "Julie",
                       "Directrice des relations internationales", "j.tremblay@quebec.ca",
                       "Ville de Québec TREMBLAY Julie Directrice des relations internationales "
                       "j.tremblay[at]quebec.ca")
    ]  # fmt: skip
    assert record.warnings == []


def test_pagers_and_count_banners_of_paged_tables_are_not_rows():
    from atlas_ld.parse.labels import is_pager

    for shown in [
        "<< < Précédent 1 Suivant > >>",
        "pagination.page.precedent 1 2 pagination.page.suivant",
        "???pagination.page.precedent??? 1 ???pagination.page.suivant???",
        "[Premier/Préc] 1, 2 [Suiv/Dernier]",
        "[First/Prev] 1, 2, 3 [Next/Last]",
        "12 éléments trouvés, affichage de 1 à 5.",
        "Aucun élément trouvé.",
        "Page 1 sur 3",
    ]:
        assert is_pager(shown), shown
    for row in ["Autre 0 0 2011", "Santé et action sociale Santé Oui", "Page blanche 1200 2012"]:
        assert not is_pager(row), row


def test_partner_rows_end_with_a_country_written_with_or_without_accents():
    from atlas_ld.core.atlas_lists import split_country_suffix

    for row, expected in [
        ("Province du Québec Canada", ("Province du Québec", "Canada")),
        ("Commune de Bouaké Côte d’Ivoire", ("Commune de Bouaké", "Côte d’Ivoire")),
        ("Gouvernorat d'Alexandrie Egypte", ("Gouvernorat d'Alexandrie", "Egypte")),
        ("Municipalité d’İzmir Turquie", ("Municipalité d’İzmir", "Turquie")),
        ("Province de Hué Vietnam", ("Province de Hué", "Vietnam")),
        ("Municipalité de Naplouse Territoires palestiniens",
         ("Municipalité de Naplouse", "Territoires palestiniens")),
        ("Province du Québec", ("Province du Québec", None)),
    ]:  # fmt: skip
        assert split_country_suffix(row) == expected


def test_text_amounts_grouped_with_no_break_spaces_stay_whole():
    text = (
        "Titre\nT\nFinancement du partenariat\n"
        f"Conseil régional de Bretagne 15{NBSP}000 2{NBSP}500,50 2012\n"
        f"Ministère de l'Europe et des Affaires étrangères 1\u202f200\u202f000 2013\n"
    )
    record = parse_page(page_of(text, "text/plain"))
    assert [(f.funder, f.amount_eur, f.water_oudin_eur, f.year) for f in record.financing] == [
        ("Conseil régional de Bretagne", 15000, 2500.5, 2012),
        ("Ministère de l'Europe et des Affaires étrangères", 1200000, None, 2013),
    ]
    assert record.financing[0].text == "Conseil régional de Bretagne 15 000 2 500,50 2012"
    assert record.warnings == []


def test_a_browser_copy_with_tabs_between_cells_keeps_the_cells():
    text = (
        "Titre\tEau potable à Kaya\n"
        "Partenaires étrangers du partenariat\n"
        "Nom de la collectivité étrangère\tPays\t\n"
        "Province du Québec\tCanada\tIcone d'une loupe\n"
        "Contacts dans les partenaires étrangers du partenariat\n"
        "Province du Québec\tBOUCHARD\tMarie Ève\tAttachée\tme.bouchard[at]quebec.ca\n"
        "Financement du partenariat\n"
        "Nom du financeur\tMontant en euros\tMontant 1% Eau (Loi Oudin 2005)\tAnnée\n"
        "Ministère de l'Europe et des Affaires étrangères\t50000\t\t2011\n"
    )
    record = parse_page(page_of(text, "text/plain"))
    assert record.title == "Eau potable à Kaya"
    assert record.foreign_partners == [
        Authority("Province du Québec", "Canada", None, "Province du Québec Canada")
    ]
    contact = record.foreign_partner_contacts[0]
    assert (contact.family_name, contact.given_name, contact.function) == (
        "BOUCHARD",
        "Marie Ève",
        "Attachée",
    )
    assert [(f.amount_eur, f.water_oudin_eur, f.year) for f in record.financing] == [
        (50000, None, 2011)
    ]
    assert record.warnings == []


def test_row_headers_of_a_two_column_data_table_are_not_labels():
    body = minimal_html(
        "<h3>Partenaires étrangers du partenariat</h3><table>"
        "<thead><tr><th>Nom de la collectivité étrangère</th><th>Pays</th></tr></thead><tbody>"
        '<tr><th scope="row">Province du Québec</th><td>Canada</td></tr>'
        '<tr><th scope="row">Commune de Kaya</th><td>Burkina Faso</td></tr></tbody></table>'
    )
    record = parse_page(page_of(body))
    assert [(a.name, a.country) for a in record.foreign_partners] == [
        ("Province du Québec", "Canada"),
        ("Commune de Kaya", "Burkina Faso"),
    ]
    assert record.warnings == []
