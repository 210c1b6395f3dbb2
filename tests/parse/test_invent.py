"""The invented partnerships read like the Atlas: French phrasing, real names that hang together."""

from __future__ import annotations

import re

import pytest

from atlas_ld.core.atlas_lists import THEMES, split_country_suffix
from atlas_ld.sample.corpus import generate_pages
from atlas_ld.sample.names import COUNTRIES, FRENCH_REGIONS, PEOPLE, Named
from atlas_ld.sample.phrasing import ACTIVITIES, a, de, of_place, of_the, the


@pytest.fixture(scope="module")
def generated():
    return list(generate_pages(600, seed=31))


@pytest.mark.parametrize(
    ("place", "after_de", "after_a"),
    [
        ("Rennes", "de Rennes", "à Rennes"),
        ("Agadir", "d'Agadir", "à Agadir"),
        ("Le Havre", "du Havre", "au Havre"),
        ("Les Cayes", "des Cayes", "aux Cayes"),
        ("La Rochelle", "de La Rochelle", "à La Rochelle"),
        ("Hébron", "d'Hébron", "à Hébron"),
        ("Hué", "de Hué", "à Hué"),
        ("Ouahigouya", "de Ouahigouya", "à Ouahigouya"),
    ],
)
def test_places_take_french_contractions_and_elisions(place, after_de, after_a):
    assert de(place) == after_de
    assert a(place) == after_a


@pytest.mark.parametrize(
    ("name", "with_article", "after_de"),
    [
        ("Commune de Dschang", "la Commune de Dschang", "de la Commune de Dschang"),
        ("Conseil régional de Bretagne", "le Conseil régional de Bretagne",
         "du Conseil régional de Bretagne"),
        ("Union des municipalités du Kesrouan-Ftouh", "l'Union des municipalités du Kesrouan-Ftouh",
         "de l'Union des municipalités du Kesrouan-Ftouh"),
        ("Rennes Métropole", "Rennes Métropole", "de Rennes Métropole"),
        ("Eurométropole de Strasbourg", "l'Eurométropole de Strasbourg",
         "de l'Eurométropole de Strasbourg"),
    ],
)  # fmt: skip
def test_authorities_take_their_article(name, with_article, after_de):
    assert the(name) == with_article
    assert of_the(name) == after_de


def test_a_region_abroad_is_named_with_its_own_article():
    assert of_place(Named("Région des Hauts-Bassins", "Hauts-Bassins")) == "des Hauts-Bassins"
    assert of_place(Named("Province du Québec", "Québec")) == "du Québec"
    assert of_place(Named("Commune des Cayes", "Les Cayes")) == "des Cayes"


def test_every_sub_theme_has_activities():
    subs = {sub for theme in THEMES.values() for sub in theme}
    assert subs <= set(ACTIVITIES)


def test_countries_are_known_to_the_parser_and_no_partner_name_ends_with_one():
    for country in COUNTRIES:
        assert split_country_suffix(f"Commune de X {country.name}") == (
            "Commune de X",
            country.name,
        )
        assert country.people in PEOPLE
        for authority in country.authorities:
            assert split_country_suffix(authority.name)[1] is None, authority.name


def test_no_french_text_misses_an_elision_or_a_contraction(generated):
    wrong = re.compile(
        r"\b(?:de|le|la|du|que) (?!Ou[aie])[AEIOUÉÈÊÂÎÔaeiouéèêâîô]|\b(?:de|à) (?:le|les) "
    )
    for page in generated:
        text = str(page.record.to_json())
        assert not wrong.search(text), (page.file_name, wrong.search(text))


def test_a_partnership_hangs_together(generated):
    region_of = {a.name: r for r in FRENCH_REGIONS for a in (r.council, *r.authorities)}
    country_of = {a.name: c for c in COUNTRIES for a in c.authorities}
    for page in generated:
        r = page.record
        regions = {region_of[a.name].council.name for a in r.french_authorities}
        assert len(regions) == 1, page.file_name
        countries = {country_of[p.name].name for p in r.foreign_partners}
        assert countries == {p.country for p in r.foreign_partners} and len(countries) == 1
        if r.pre_reform_authority:
            assert r.pre_reform_authority in region_of[r.french_authorities[0].name].before_2016
        posts = {country_of[p.name].embassy for p in r.foreign_partners}
        posts |= {post for p in r.foreign_partners for _, post in country_of[p.name].consulates}
        assert r.diplomatic_post is None or r.diplomatic_post in posts
        for contact in r.foreign_partner_contacts:
            people = PEOPLE[country_of[contact.authority].people]
            assert contact.family_name in people["family"]
            assert contact.given_name in people["f"] + people["m"]
        for contact in r.post_contacts:
            assert contact.email is None or contact.email.isascii()


def test_given_names_with_a_space_only_in_html_pages(generated):
    def spaced(page) -> bool:
        r = page.record
        people = [*r.foreign_partner_contacts, *r.volunteers]
        return any(" " in (p.given_name or "") for p in people)

    assert any(spaced(p) for p in generated if p.style.markup != "text")
    assert not any(spaced(p) for p in generated if p.style.markup == "text")
