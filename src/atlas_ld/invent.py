"""Invented but plausible Atlas partnerships, for the sample corpus and the benchmarks.

Names are real (French régions before and after the 2016 reform, départements, communes,
métropoles, agences de l'eau; foreign authorities in the countries the Atlas covers; the Atlas's
themes) so that everything downstream (actor recognition, territories, SPARQL examples) meets
what it will meet on the real site. People are invented. All choices come from one
`random.Random`, so a seed gives the same partnerships on every machine.
"""

from __future__ import annotations

import random
import re
import unicodedata
import zlib

from atlas_ld.model import (
    Authority,
    Financing,
    PartnerContact,
    PostContact,
    ProjectRecord,
    ThemeTriple,
    Volunteer,
)
from atlas_ld.pagewriter import MARKUPS, Style
from atlas_ld.vocabulary import ACTION_FIELDS, MISSIONS, PRIORITIES, THEMES

ATLAS = "https://pastel.diplomatie.gouv.fr/cncdext/dyn/public/atlas/"
MEAE = "Ministère de l'Europe et des Affaires étrangères"

# Région after the 2016 reform -> the régions it merged (empty: unchanged).
REGIONS = {
    "Conseil régional de la Nouvelle-Aquitaine": [
        "Conseil régional d'Aquitaine",
        "Conseil régional de Poitou-Charentes",
        "Conseil régional du Limousin",
    ],
    "Conseil régional d'Occitanie": [
        "Conseil régional de Midi-Pyrénées",
        "Conseil régional du Languedoc-Roussillon",
    ],
    "Conseil régional Grand Est": [
        "Conseil régional d'Alsace",
        "Conseil régional de Lorraine",
        "Conseil régional de Champagne-Ardenne",
    ],
    "Conseil régional des Hauts-de-France": [
        "Conseil régional du Nord-Pas-de-Calais",
        "Conseil régional de Picardie",
    ],
    "Conseil régional de Normandie": [
        "Conseil régional de Basse-Normandie",
        "Conseil régional de Haute-Normandie",
    ],
    "Conseil régional d'Auvergne-Rhône-Alpes": [
        "Conseil régional de Rhône-Alpes",
        "Conseil régional d'Auvergne",
    ],
    "Conseil régional de Bourgogne-Franche-Comté": [
        "Conseil régional de Bourgogne",
        "Conseil régional de Franche-Comté",
    ],
    "Conseil régional de Bretagne": [],
    "Conseil régional des Pays de la Loire": [],
    "Conseil régional d'Île-de-France": [],
    "Conseil régional du Centre-Val de Loire": [],
    "Conseil régional de Provence-Alpes-Côte d'Azur": [],
    "Conseil régional de La Réunion": [],
}

LOCAL_AUTHORITIES = [
    "Conseil départemental du Finistère",
    "Conseil départemental d'Ille-et-Vilaine",
    "Conseil départemental de la Gironde",
    "Conseil départemental du Nord",
    "Conseil départemental de la Seine-Saint-Denis",
    "Conseil départemental de l'Hérault",
    "Conseil départemental du Val-de-Marne",
    "Conseil départemental des Côtes-d'Armor",
    "Conseil départemental de la Manche",
    "Conseil général de l'Essonne",
    "Commune de Rennes",
    "Ville de Lyon",
    "Commune de Chambéry",
    "Ville de Grenoble",
    "Commune de Cergy",
    "Ville de Besançon",
    "Commune de Lorient",
    "Ville de Poitiers",
    "Commune de Dieppe",
    "Ville de Nantes",
    "Métropole de Lyon",
    "Bordeaux Métropole",
    "Nantes Métropole",
    "Eurométropole de Strasbourg",
    "Rennes Métropole",
    "Métropole Européenne de Lille",
    "Toulouse Métropole",
    "Grenoble-Alpes Métropole",
]

WATER_AGENCIES = [
    "Agence de l'eau Loire-Bretagne",
    "Agence de l'eau Adour-Garonne",
    "Agence de l'eau Seine-Normandie",
    "Agence de l'eau Rhin-Meuse",
    "Agence de l'eau Rhône Méditerranée Corse",
    "Agence de l'eau Artois-Picardie",
]

# Country as the Atlas writes it -> (diplomatic post, foreign authorities).
COUNTRIES = {
    "Sénégal": (
        "Ambassade de France au Sénégal",
        [
            "Région de Ziguinchor",
            "Commune de Saint-Louis",
            "Département de Podor",
            "Ville de Dakar",
        ],
    ),
    "Burkina Faso": (
        "Ambassade de France au Burkina Faso",
        [
            "Commune de Kaya",
            "Commune de Ouahigouya",
            "Région du Centre-Nord",
            "Commune de Koudougou",
        ],
    ),
    "Madagascar": (
        "Ambassade de France à Madagascar",
        ["Région Haute Matsiatra", "Commune urbaine de Fianarantsoa", "Région Analamanga"],
    ),
    "Vietnam": (
        "Ambassade de France au Vietnam",
        ["Province de Thừa Thiên-Huế", "Province de Lào Cai", "Comité populaire de Hanoï"],
    ),
    "Maroc": (
        "Ambassade de France au Maroc",
        ["Région de l'Oriental", "Commune de Rabat", "Région Souss-Massa", "Commune d'Agadir"],
    ),
    "Liban": (
        "Ambassade de France au Liban",
        [
            "Union des municipalités du Kesrouan",
            "Municipalité de Tripoli",
            "Municipalité de Byblos",
        ],
    ),
    "Canada": (
        "Consulat général de France à Québec",
        ["Province du Québec", "Ville de Montréal", "Ville de Québec"],
    ),
    "Haïti": (
        "Ambassade de France en Haïti",
        ["Commune de Jacmel", "Commune des Cayes", "Département du Sud-Est"],
    ),
    "Mali": ("Ambassade de France au Mali", ["Cercle de Kayes", "Commune de Ségou"]),
    "Bénin": ("Ambassade de France au Bénin", ["Commune de Porto-Novo", "Commune d'Abomey"]),
    "Cameroun": ("Ambassade de France au Cameroun", ["Commune de Dschang"]),
    "Tunisie": ("Ambassade de France en Tunisie", ["Commune de Sfax", "Commune de Monastir"]),
    "Allemagne": ("Ambassade de France en Allemagne", ["Land de Basse-Saxe", "Ville de Brême"]),
    "Chine": ("Ambassade de France en Chine", ["Province du Shaanxi", "Ville de Wuhan"]),
    "Territoires palestiniens": (
        "Consulat général de France à Jérusalem",
        ["Municipalité de Naplouse", "Municipalité de Hébron"],
    ),
    "Arménie": ("Ambassade de France en Arménie", ["Province de Lori", "Ville d'Erevan"]),
}

FAMILY_NAMES = [
    "MARTIN", "BERNARD", "DUBOIS", "LE GALL", "ROBERT", "PETIT", "DURAND", "LEROY", "MOREAU",
    "SIMON", "LAURENT", "LEFEBVRE", "GARCIA", "FOURNIER", "N'DIAYE", "DIOP", "OUÉDRAOGO",
    "RAKOTOMALALA", "NGUYEN", "TREMBLAY", "EL AMRANI", "KHOURY", "JEAN-BAPTISTE", "TRAORÉ",
]  # fmt: skip
GIVEN_NAMES = [
    "Marie", "Jean-Pierre", "Claire", "Nicolas", "Sophie", "Julien", "Camille", "Aminata",
    "Moussa", "Hélène", "François", "Élodie", "Luc", "Issouf", "Hery", "Minh", "Julie",
    "Youssef", "Rami", "Marie-Claude", "Awa",
]  # fmt: skip
PARTNER_FUNCTIONS = [
    "Directeur des relations internationales",
    "Chargée de coopération",
    "Maire",
    "Secrétaire général",
    "Gouverneur",
    "Responsable du service technique",
]
POST_FUNCTIONS = [
    "Correspondant coopération décentralisée",
    "Conseiller de coopération et d'action culturelle",
    "Attaché de coopération",
]
FORMS = [
    "Projet de coopération décentralisée",
    "Convention de partenariat",
    "Jumelage",
    "Accord de coopération",
]
SENTENCES = [
    "Le partenariat s'appuie sur des échanges réguliers entre élus et techniciens.",
    "Les deux collectivités ont signé une convention qui fixe les axes prioritaires.",
    "L’accès à l’eau potable reste un enjeu majeur pour les quartiers périphériques.",
    "Des missions d’expertise sont organisées chaque année dans les deux territoires.",
    "Le projet associe les associations de migrants installées sur le territoire.",
    "La formation des agents municipaux à la gestion de l'état civil est engagée.",
    "Un comité de pilotage conjoint se réunit deux fois par an : il valide le programme d'actions.",
    "Les jeunes des deux territoires participent à des chantiers de solidarité.",
    "La filière maraîchère bénéficie d’un appui technique et d’un accès au crédit.",
    "Le fonds de la bibliothèque municipale a été enrichi ; un bibliothécaire a été formé.",
    "L'action s'inscrit dans les objectifs de développement durable de l'Agenda 2030.",
    "Les écoles jumelées échangent des correspondances et des projets pédagogiques communs.",
]  # fmt: skip


def _id(name: str, first: int) -> int:
    """A stable number for an authority, so its invented Atlas link never changes. French and
    foreign authorities get disjoint ranges: the graph names both `actor/atlas-{id}`."""
    return first + zlib.crc32(name.encode()) % 40_000


def french_authority_url(name: str) -> str:
    return f"{ATLAS}detailCollectivite.html?collId={_id(name, 10_000)}"


def foreign_authority_url(name: str) -> str:
    return f"{ATLAS}detailCollectiviteEtrangere.html?collId={_id(name, 50_000)}"


def _person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FAMILY_NAMES), rng.choice(GIVEN_NAMES)


def _email(given: str, family: str, domain: str) -> str:
    local = f"{given}.{family}".lower().replace(" ", "-").replace("'", "")
    return f"{local}@{domain}"


def _paragraphs(rng: random.Random, low: int, high: int) -> str:
    return "\n".join(
        " ".join(rng.sample(SENTENCES, rng.randint(1, 3))) for _ in range(rng.randint(low, high))
    )


def _theme(rng: random.Random, priority: bool) -> ThemeTriple:
    theme = rng.choice(list(THEMES))
    sub = rng.choice(list(THEMES[theme]))
    subsub = rng.choice([None, *THEMES[theme][sub]])
    return ThemeTriple(theme, sub, subsub, rng.choice(PRIORITIES) if priority else None)


def invent(rng: random.Random, prj_id: int) -> ProjectRecord:
    """One partnership with everything the Atlas can show, each part present or not by chance."""
    region = rng.choice(list(REGIONS))
    french = [region, *rng.sample(LOCAL_AUTHORITIES, rng.choice((0, 0, 1, 2)))]
    lead = rng.choice(french)
    country = rng.choice(list(COUNTRIES))
    post, foreign_pool = COUNTRIES[country]
    foreign = rng.sample(foreign_pool, rng.randint(1, min(2, len(foreign_pool))))
    start = rng.randint(2004, 2022)
    finished = rng.random() < 0.35
    triennial = rng.choice((True, False, None))
    years = range(start, start + (3 if triennial else rng.randint(1, 2)))
    water = rng.random() < 0.3
    theme = _theme(rng, False)
    if water:
        theme = ThemeTriple("Environnement, climat et énergie", "Eau et assainissement", None)

    financing = [Financing(lead, rng.randrange(2_000, 80_000, 500), 0, y) for y in years]
    if water:
        agency = rng.choice(WATER_AGENCIES)
        financing += [Financing(agency, 0, rng.randrange(5_000, 150_000, 250), y) for y in years]
    if rng.random() < 0.5:
        financing.append(Financing(MEAE, rng.randrange(5_000, 60_000, 1_000), None, years[0]))
    if rng.random() < 0.15:
        financing.append(Financing("Autre", 0, 0, years[0]))
    if rng.random() < 0.1:
        financing.append(Financing(lead, round(rng.uniform(100, 5000), 2), None, years[-1]))

    contacts = []
    for name in foreign[: rng.choice((0, 1, 1, 2))]:
        family, given = _person(rng)
        domain = f"{_slug(name)}.gov"
        contacts.append(
            PartnerContact(name, family, given, rng.choice(PARTNER_FUNCTIONS),
                           rng.choice((None, _email(given, family, domain))))
        )  # fmt: skip

    post_contacts = []
    if rng.random() < 0.8:
        people = [_person(rng) for _ in range(rng.randint(1, 2))]
        if rng.random() < 0.15:  # one person holding both roles
            people = [people[0], people[0]]
        domain = "diplomaite.gouv.fr" if rng.random() < 0.05 else "diplomatie.gouv.fr"
        for function, (family, given) in zip(POST_FUNCTIONS, people, strict=False):
            email = _email(given, family, domain) if rng.random() < 0.9 else None
            post_contacts.append(PostContact(function, f"{given} {family}", email))

    volunteers = []
    for _ in range(rng.choice((0, 0, 0, 1, 2))):
        family, given = _person(rng)
        volunteers.append(
            Volunteer(family, given, rng.choice(MISSIONS), rng.choice(ACTION_FIELDS),
                      rng.choice(foreign))
        )  # fmt: skip

    context = _paragraphs(rng, 1, 3)
    if rng.random() < 0.2:
        context = f"FRANCE\n{_paragraphs(rng, 1, 2)}\n{country.upper()}\n{context}"
    description = _paragraphs(rng, 1, 4 if rng.random() < 0.9 else 40)
    if rng.random() < 0.2:
        description += f"\nPlus d'informations : https://www.{_slug(lead)}.fr/cooperation"
    pre_reform = rng.choice(REGIONS[region]) if REGIONS[region] and rng.random() < 0.6 else None
    n_themes = rng.choice((0, 0, 1, 2, 3, 7, 12))
    return ProjectRecord(
        source="",
        title=f"{rng.choice(FORMS)} {lead} - {foreign[0]} {start}",
        atlas_id=str(prj_id),
        first_agreement_year=rng.choice((None, start - rng.randint(0, 10))),
        theme=theme,
        other_themes=[_theme(rng, rng.random() < 0.7) for _ in range(n_themes)],
        start_year=start,
        status="Terminé" if finished else "En cours",
        end_date=_end_date(rng, years[-1]) if finished else None,
        context=context,
        history=rng.choice((None, _paragraphs(rng, 1, 2))),
        objectives=_paragraphs(rng, 1, 3),
        description=description,
        form=rng.choice(FORMS),
        implementers_text=", ".join([lead, *foreign]),
        owners_text=rng.choice((lead, ", ".join(foreign))),
        beneficiaries=rng.choice((None, f"Populations de {foreign[0]}")),
        foreign_partners=[Authority(n, country, foreign_authority_url(n)) for n in foreign],
        foreign_partner_contacts=contacts,
        french_authorities=[Authority(n, None, french_authority_url(n)) for n in french],
        other_partners_france=rng.choice((None, "Associations de solidarité internationale.")),
        other_partners_abroad=rng.choice((None, f"Associations de {foreign[0]}.")),
        pre_reform_authority=pre_reform,
        triennial=triennial,
        financing=financing,
        communication_france=rng.choice((True, False, None)),
        communication_partner_countries=rng.choice((True, False, None)),
        evaluation=rng.choice((True, False, None)),
        volunteers=volunteers,
        diplomatic_post=post if post_contacts else None,
        post_contacts=post_contacts,
    )


def _end_date(rng: random.Random, year: int) -> str:
    return rng.choice((f"{year}-12-31", f"{year}-06-30", str(year)))


def _slug(name: str) -> str:
    """The last word of a name in ASCII, for invented web and mail domains."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9-]", "", ascii_name.split()[-1].lower())


def invent_style(rng: random.Random) -> Style:
    """Markups in about equal shares; a fifth of the HTML pages in windows-1252, half of those
    without a declared charset (text pages are UTF-8, like a copy from a browser, half of them
    with tabs between table cells)."""
    markup = rng.choice(MARKUPS)
    cp1252 = markup != "text" and rng.random() < 0.2
    return Style(
        markup=markup,
        encoding="windows-1252" if cp1252 else "utf-8",
        declare_charset=not cp1252 or rng.random() < 0.5,
        raw_keys=rng.random() < 0.1,
        nbsp=rng.random() < 0.3,
        tabs=markup == "text" and rng.random() < 0.5,
    )
