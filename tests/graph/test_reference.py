"""Identifiers, territories and actor splitting: the pure parts under the mapping."""

from __future__ import annotations

from collections import Counter

from atlas_ld.core.countries import find_country
from atlas_ld.core.iris import (
    Ids,
    actor_slug,
    atlas_id_from_url,
    is_personal_graph,
    partnership_key,
    personal_graph,
    slug,
)
from atlas_ld.graph.actors import kind_of, split_actors
from atlas_ld.graph.territories import find_region, foreign_territory_name, regions

SEED_IMPLEMENTERS = (
    "IRTS Poitou-Charentes, IRTS Bretagne, IRTS Basse-Normandie, IRTS Lorraine, IRTS Réunion et "
    "Centres Jeunesse de Québec, Montérégie, Gaspésie, Estrie, Saguenay. Associations "
    "France-Québec et Québec-France"
)


def test_slug_strips_accents_and_folds_punctuation():
    assert (
        slug("Conseil régional de la Nouvelle-Aquitaine")
        == "conseil-regional-de-la-nouvelle-aquitaine"
    )
    assert slug("  Île — d'Yeu  ") == "ile-d-yeu"
    assert slug("!!!") == "x"


def test_partnership_key_is_prjid_else_stable_hash():
    assert partnership_key("12345", "t") == "12345"
    first = partnership_key(None, "Titre")
    assert first == partnership_key(None, "Titre")
    assert first.startswith("h") and len(first) == 17
    assert first != partnership_key(None, "Autre titre")


def test_atlas_id_read_from_links():
    assert atlas_id_from_url("https://x/atlas/detailProjet.html?prjId=4321&x=1") == "4321"
    real = "https://pastel.diplomatie.gouv.fr/cncdext/dyn/public/atlas/detailProjet.html"
    assert atlas_id_from_url(f"{real}?criteres.prjId=17384") == "17384"
    assert atlas_id_from_url("https://x/fiche.html") is None
    assert atlas_id_from_url(None) is None


def test_iris_follow_the_design_table():
    ids = Ids("https://data.example/")
    assert ids.partnership("7").value == "https://data.example/id/partnership/7"
    assert ids.financing("7", "autre", 2011, 2).value.endswith("/7/financing/autre/2011-2")
    assert ids.theme(["Santé", "Accès aux soins"]).value.endswith("/id/theme/sante/acces-aux-soins")
    assert actor_slug("Province du Québec", "88") == "atlas-88"
    assert is_personal_graph(personal_graph("https://data.example/", "7"))
    assert not is_personal_graph("https://data.example/graph/partnership/7")


def test_regions_before_and_after_the_reform():
    table = regions()
    assert table["54"].successor == "75" and table["72"].successor == "75"
    assert table["74"].successor == "75"
    assert table["75"].wikidata == "Q18678082" and table["75"].valid_until is None
    assert table["54"].valid_until == "2015-12-31"
    assert table["44"].name == "Grand Est"
    assert find_region("Conseil régional de Poitou-Charentes").insee_code == "54"
    assert find_region("Région Basse-Normandie").insee_code == "25"
    assert find_region("Conseil régional de la Nouvelle-Aquitaine").insee_code == "75"
    assert find_region("Ville de Lyon") is None


def test_countries_by_french_name():
    assert find_country("Canada").iso3 == "CAN"
    assert find_country("Sénégal").iso3 == "SEN"
    assert find_country("États-Unis").iso3 == "USA"
    assert find_country("Viêt Nam").iso3 == "VNM"
    assert find_country("Atlantide") is None


def test_seed_implementers_are_twelve_typed_actors():
    actors = split_actors(SEED_IMPLEMENTERS)
    assert len(actors) == 12
    assert Counter(a.kind for a in actors) == {
        "TrainingInstitute": 5,
        "YouthCentre": 5,
        "Association": 2,
    }
    names = [a.name for a in actors]
    assert "Centre Jeunesse de Montérégie" in names
    assert "Association Québec-France" in names
    assert actors[6].as_written == "Montérégie"


def test_other_partners_give_the_same_actors_as_the_implementers():
    france = split_actors(
        "IRTS Poitou-Charentes, IRTS Bretagne, IRTS Basse-Normandie, IRTS Lorraine, IRTS Réunion. "
        "Association France-Québec."
    )
    abroad = split_actors(
        "Centres Jeunesse de Québec, Montérégie, Gaspésie, Estrie, Saguenay. "
        "Association Québec-France."
    )
    assert {slug(a.name) for a in france + abroad} == {
        slug(a.name) for a in split_actors(SEED_IMPLEMENTERS)
    }


def test_lowercase_et_does_not_split_a_name():
    actors = split_actors(
        "Ministère de l'Europe et des Affaires étrangères, Ville de Lyon et Cégeps"
    )
    assert [a.name for a in actors] == [
        "Ministère de l'Europe et des Affaires étrangères",
        "Ville de Lyon",
        "Cégeps",
    ]
    assert [a.kind for a in actors] == ["StateBody", "MunicipalAuthority", "TrainingInstitute"]


def test_a_singular_head_is_not_carried_over_to_the_next_name():
    actors = split_actors("Association des Amis de Dschang et Programme Solidarité Eau")
    assert [(a.name, a.kind) for a in actors] == [
        ("Association des Amis de Dschang", "Association"),
        ("Programme Solidarité Eau", None),
    ]
    plural = split_actors("Associations France-Québec et Québec-France")
    assert [a.name for a in plural] == ["Association France-Québec", "Association Québec-France"]


def test_an_inherited_name_is_elided_before_a_vowel():
    names = [a.name for a in split_actors("Centres Jeunesse de Québec, Estrie, Outaouais")]
    assert names == [
        "Centre Jeunesse de Québec",
        "Centre Jeunesse d'Estrie",
        "Centre Jeunesse d'Outaouais",
    ]


def test_unknown_kinds_are_none():
    assert kind_of("Autre") is None
    assert kind_of("Conseil départemental de la Gironde") == "DepartmentalAuthority"
    assert kind_of("Métropole de Lyon") == "IntercommunalAuthority"
    assert kind_of("Agence de l'eau Loire-Bretagne") == "StateBody"


def test_foreign_territories_only_from_names_that_start_with_their_kind():
    cases = {
        "Province du Québec": ("Province", "Québec"),
        "Wilaya d'Oran": ("Wilaya", "Oran"),
        "Municipalité de la Baie-James": ("Municipalité", "Baie-James"),
        "Département des  Collines": ("Département", "Collines"),
        "Land Bade-Wurtemberg": ("Land", "Bade-Wurtemberg"),
        "Gouvernorat de Sousse": ("Gouvernorat", "Sousse"),
    }
    for text, (kind, name) in cases.items():
        found = foreign_territory_name(text)
        assert (found.kind, found.name, found.full_name) == (kind, name, " ".join(text.split()))
    for text in ("Centre jeunesse de Québec", "Région", "Landes de Gascogne", "Ville de l'avenir"):
        assert foreign_territory_name(text) is None, text
