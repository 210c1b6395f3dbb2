"""Invented but plausible Atlas partnerships, for the sample corpus and the benchmarks.

Names are real (French régions before and after the 2016 reform, départements, communes,
métropoles, water agencies; foreign authorities in the countries the Atlas covers, with the
French embassy or consulate that follows them; the Atlas's themes), drawn so that one
partnership hangs together: its French authorities share a région, its texts name its partners
and its theme, its people have names of the country they work in. Everything downstream (actor
recognition, territories, SPARQL examples) thus meets what it will meet on the real site. People
are invented. All choices come from one `random.Random`, so a seed gives the same partnerships on
every machine.
"""

from __future__ import annotations

import random
import re
import unicodedata
import zlib

from atlas_ld.core.atlas_lists import ACTION_FIELDS, MISSIONS, PRIORITIES, THEMES
from atlas_ld.core.atlas_urls import AUTHORITY_PAGE, FOREIGN_AUTHORITY_PAGE
from atlas_ld.core.model import (
    Authority,
    Financing,
    PartnerContact,
    PostContact,
    ProjectRecord,
    ThemeTriple,
    Volunteer,
)
from atlas_ld.sample import phrasing as text
from atlas_ld.sample.markups import MARKUPS, Style
from atlas_ld.sample.names import COUNTRIES, FRENCH_REGIONS, PEOPLE, Country, Named

MEAE = "Ministère de l'Europe et des Affaires étrangères"
AFD = "Agence française de développement"

# (masculine, feminine) functions, by who holds them.
TOWN_FUNCTIONS = (
    ("Maire", "Maire"),
    ("Adjoint au maire chargé de la coopération", "Adjointe au maire chargée de la coopération"),
    ("Secrétaire général de la mairie", "Secrétaire générale de la mairie"),
    ("Directeur des services techniques", "Directrice des services techniques"),
)
AUTHORITY_FUNCTIONS = (
    ("Directeur des relations internationales", "Directrice des relations internationales"),
    ("Chargé de la coopération décentralisée", "Chargée de la coopération décentralisée"),
    ("Secrétaire général", "Secrétaire générale"),
)
EMBASSY_FUNCTIONS = (
    ("Correspondant coopération décentralisée", "Correspondante coopération décentralisée"),
    (
        "Conseiller de coopération et d'action culturelle",
        "Conseillère de coopération et d'action culturelle",
    ),
)
CONSULATE_FUNCTIONS = (
    ("Correspondant coopération décentralisée", "Correspondante coopération décentralisée"),
    ("Consul général adjoint", "Consule générale adjointe"),
)
FORMS = (
    "Projet de coopération décentralisée",
    "Projet de coopération décentralisée",
    "Convention de partenariat",
    "Jumelage",
    "Accord de coopération",
)
NEIGHBOURS = ("Allemagne",)  # where a partnership may be cross-border
# The volunteers' field of action that goes with each theme.
FIELDS = {
    "Politique, humanitaire et coopération transfrontalière": "Gouvernance locale",
    "Développement économique": "Développement économique",
    "Environnement, climat et énergie": "Environnement",
    "Gouvernance locale et appui institutionnel": "Gouvernance locale",
    "Culture, jeunesse et éducation": "Éducation",
    "Santé et action sociale": "Santé",
}


def _id(name: str, first: int) -> int:
    """A stable number for an authority, so its invented Atlas link never changes. French and
    foreign authorities get disjoint ranges: the graph names both `actor/atlas-{id}`."""
    return first + zlib.crc32(name.encode()) % 40_000


def french_authority_url(name: str) -> str:
    return AUTHORITY_PAGE.format(_id(name, 10_000))


def foreign_authority_url(name: str) -> str:
    return FOREIGN_AUTHORITY_PAGE.format(_id(name, 50_000))


def _person(rng: random.Random, people: str, spaced: bool) -> tuple[str, str, int]:
    """(family name, given name, 0 for a man or 1 for a woman); `spaced` allows given names with
    a space."""
    pool = PEOPLE[people]
    gender = rng.randint(0, 1)
    given = [g for g in pool["f" if gender else "m"] if spaced or " " not in g]
    return rng.choice(pool["family"]), rng.choice(given), gender


def _email(given: str, family: str, domain: str) -> str:
    """`marie-claire.le-gall@…`: addresses are ASCII, without apostrophes."""
    local = f"{given}.{family}".lower().replace(" ", "-").replace("'", "")
    local = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode()
    return f"{local}@{domain}"


def _theme(rng: random.Random, priority: bool) -> ThemeTriple:
    theme = rng.choice(list(THEMES))
    sub = rng.choice(list(THEMES[theme]))
    subsub = rng.choice([None, *THEMES[theme][sub]])
    return ThemeTriple(theme, sub, subsub, rng.choice(PRIORITIES) if priority else None)


def _post(country: Country, partner: Named) -> str:
    return dict(country.consulates).get(partner.place, country.embassy)


def invent(rng: random.Random, prj_id: int, spaced_names: bool = False) -> ProjectRecord:
    """One partnership with everything the Atlas can show, each part present or not by chance.
    `spaced_names`: people may have given names with a space (HTML pages only)."""
    region = rng.choice(FRENCH_REGIONS)
    locals_ = rng.sample(region.authorities, rng.choice((0, 1, 1, 2)))
    with_region = not locals_ or rng.random() < 0.4
    french = ([region.council] if with_region else []) + locals_
    lead = rng.choice(french)
    country = rng.choice(COUNTRIES)
    foreign = rng.sample(country.authorities, rng.randint(1, 2))
    names = [f.name for f in foreign]
    start = rng.randint(2004, 2022)
    first_year = rng.choice((None, start - rng.randint(0, 10)))
    finished = rng.random() < 0.35
    triennial = rng.choice((True, False, None))
    years = range(start, start + (3 if triennial else rng.randint(1, 2)))
    water = rng.random() < 0.3
    theme = _theme(rng, False)
    while theme.sub_theme == "Coopération transfrontalière" and country.name not in NEIGHBOURS:
        theme = _theme(rng, False)
    if water:
        theme = ThemeTriple("Environnement, climat et énergie", "Eau et assainissement", None)
    activity = rng.choice(text.ACTIVITIES[theme.sub_theme or ""])
    scene = text.Scene(region, lead, country, foreign[0], activity, start, first_year or start)

    financing = [Financing(lead.name, rng.randrange(2_000, 80_000, 500), 0, y) for y in years]
    for other in [f for f in french if f != lead][: rng.randint(0, 1)]:
        financing.append(Financing(other.name, rng.randrange(1_000, 20_000, 500), 0, years[0]))
    if water:
        financing += [
            Financing(region.water, 0, rng.randrange(5_000, 150_000, 250), y) for y in years
        ]
    if rng.random() < 0.5:
        financing.append(Financing(MEAE, rng.randrange(5_000, 60_000, 1_000), None, years[0]))
    if rng.random() < 0.1:
        financing.append(Financing(AFD, rng.randrange(50_000, 300_000, 5_000), None, years[0]))
    if rng.random() < 0.15:
        financing.append(Financing("Autre", 0, 0, years[0]))
    if rng.random() < 0.1:
        financing.append(Financing(lead.name, round(rng.uniform(100, 5000), 2), None, years[-1]))

    contacts = []
    for partner in foreign[: rng.choice((0, 1, 1, 2))]:
        family, given, gender = _person(rng, country.people, spaced_names)
        functions = TOWN_FUNCTIONS if text.is_town(partner) else AUTHORITY_FUNCTIONS
        email = rng.choice((None, _email(given, family, country.mail_domain)))
        contacts.append(
            PartnerContact(partner.name, family, given, rng.choice(functions)[gender], email)
        )

    post = _post(country, foreign[0])
    post_contacts = []
    if rng.random() < 0.8:
        people = [_person(rng, "france", spaced_names) for _ in range(rng.randint(1, 2))]
        if rng.random() < 0.15:  # one person holding both roles
            people = [people[0], people[0]]
        domain = "diplomaite.gouv.fr" if rng.random() < 0.05 else "diplomatie.gouv.fr"
        functions = CONSULATE_FUNCTIONS if post.startswith("Consulat") else EMBASSY_FUNCTIONS
        for function, (family, given, gender) in zip(functions, people, strict=False):
            email = _email(given, family, domain) if rng.random() < 0.9 else None
            post_contacts.append(PostContact(function[gender], f"{given} {family}", email))

    volunteers = []
    for _ in range(rng.choice((0, 0, 0, 1, 2))):
        family, given, _gender = _person(rng, "france", spaced_names)
        field = FIELDS[theme.theme] if rng.random() < 0.7 else rng.choice(ACTION_FIELDS)
        volunteers.append(Volunteer(family, given, rng.choice(MISSIONS), field, rng.choice(names)))

    context = text.context(rng, scene)
    if rng.random() < 0.2:  # one part per side, under headings in capitals
        context = [
            "FRANCE",
            *text.french_side(rng, scene),
            country.name.upper(),
            *text.partner_side(rng, scene),
        ]
    description = text.description(rng, scene, long=rng.random() < 0.1)
    if rng.random() < 0.2:
        description.append(
            f"Plus d'informations : https://www.{_slug(lead.place)}.fr/international"
        )
    pre_reform = None
    if with_region and region.before_2016 and start < 2016 and rng.random() < 0.8:
        pre_reform = rng.choice(region.before_2016)
    n_themes = rng.choice((0, 0, 1, 2, 3, 7, 12))
    return ProjectRecord(
        source="",
        title=text.title(rng, scene, triennial),
        atlas_id=str(prj_id),
        first_agreement_year=first_year,
        theme=theme,
        other_themes=[_theme(rng, rng.random() < 0.7) for _ in range(n_themes)],
        start_year=start,
        status="Terminé" if finished else "En cours",
        end_date=_end_date(rng, years[-1]) if finished else None,
        context="\n".join(context),
        history=rng.choice((None, "\n".join(text.history(rng, scene)))),
        objectives="\n".join(text.objectives(rng, scene)),
        description="\n".join(description),
        form=rng.choice(FORMS),
        implementers_text=text.implementers(rng, scene, names),
        owners_text=text.owners(rng, scene, names),
        beneficiaries=rng.choice((None, text.beneficiaries(rng, scene))),
        foreign_partners=[Authority(n, country.name, foreign_authority_url(n)) for n in names],
        foreign_partner_contacts=contacts,
        french_authorities=[Authority(f.name, None, french_authority_url(f.name)) for f in french],
        other_partners_france=rng.choice((None, text.partners_france(rng, scene))),
        other_partners_abroad=rng.choice((None, text.partners_abroad(rng, scene))),
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


def _slug(place: str) -> str:
    """A place in ASCII, for invented web domains: `Le Havre` -> `lehavre`."""
    ascii_name = unicodedata.normalize("NFKD", place).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9-]", "", ascii_name.lower())


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
