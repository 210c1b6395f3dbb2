"""French phrasing for invented partnerships: titles, long texts, partners' lists.

Names are put into sentences the way French requires ("de la Commune de Dschang", "du Havre",
"d'Agadir", "aux Cayes", "Rennes Métropole" without article), so that the invented pages read like
the ones local authorities write on the Atlas. Everything is drawn from the `random.Random` the
caller passes, so a seed gives the same texts on every machine.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from atlas_ld.sample.names import (
    COUNTRY_OF,
    FRENCH_NETWORKS,
    WATER_NETWORKS,
    Country,
    FrenchRegion,
    Named,
)

_VOWELS = tuple("AEIOUYÂÀÉÈÊÎÏÔÛaeiouyâàéèêîïôû")
_MUTE_H = ("Hébron", "Haïti", "Hérault")  # the h of the others is aspirated (Hué, Hanovre...)

# The first word of an authority's name -> the article it takes in a sentence.
_ARTICLES = {
    "Conseil": "le", "Département": "le", "Cercle": "le", "Comité": "le", "Land": "le",
    "Ville": "la", "Commune": "la", "Communauté": "la", "Métropole": "la", "Région": "la",
    "Province": "la", "Municipalité": "la", "Wilaya": "la",
    "Eurométropole": "l'", "Union": "l'",
}  # fmt: skip

# Kinds of foreign authority that stand for a town: "à Dschang", "Comité de jumelage X-Y".
_TOWNS = ("Commune", "Ville", "Municipalité", "Communauté", "Comité")  # Comité populaire: a city
_INDUSTRIAL = ("Allemagne", "Canada")  # no market-gardeners' groups or water committees there
_CONNECTOR = re.compile(r" (?:de la |de l'|du |des |de |d')")


def _elides(word: str) -> bool:
    """Before a vowel or a mute h, but not before the /w/ of `Ouahigouya`, `Ouidah`."""
    if word[:2] == "Ou" and word[2:3] in ("a", "i", "e"):
        return False
    return word.startswith(_VOWELS) or word.startswith(_MUTE_H)


def de(place: str) -> str:
    """`de Rennes`, `d'Agadir`, `du Havre`, `des Cayes`, `de La Rochelle`."""
    if place.startswith("Le "):
        return "du " + place[3:]
    if place.startswith("Les "):
        return "des " + place[4:]
    return ("d'" if _elides(place) else "de ") + place


def a(place: str) -> str:
    """`à Dschang`, `au Havre`, `aux Cayes`."""
    if place.startswith("Le "):
        return "au " + place[3:]
    if place.startswith("Les "):
        return "aux " + place[4:]
    return "à " + place


def the(name: str) -> str:
    """An authority with its article: `la Commune de Dschang`, `l'Union des municipalités…`,
    `Rennes Métropole`."""
    article = _ARTICLES.get(name.split()[0])
    if article is None:
        return name
    return article + name if article == "l'" else f"{article} {name}"


def of_the(name: str) -> str:
    """`du Conseil régional de Bretagne`, `de la Ville de Lyon`, `de Nantes Métropole`."""
    phrase = the(name)
    if phrase.startswith("le "):
        return "du " + phrase[3:]
    if phrase == name:
        return de(name)
    return "de " + phrase


def of_place(authority: Named) -> str:
    """The place an authority stands for, after "de": `de Dschang`, `des Hauts-Bassins` (from
    `Région des Hauts-Bassins`), `du Kesrouan-Ftouh`."""
    if not is_town(authority):
        connectors = list(_CONNECTOR.finditer(authority.name))
        if connectors:
            return authority.name[connectors[-1].start() + 1 :]
    return de(authority.place)


def is_town(authority: Named) -> bool:
    return authority.name.split()[0] in _TOWNS


def country_short(country: Country) -> str:
    """`Sénégal`, `Palestine`: the country as an association's name gives it."""
    of = COUNTRY_OF[country.name]
    for article in ("du ", "de la ", "de l'", "d'", "de "):
        if of.startswith(article):
            return of[len(article) :]
    return country.name


def _lower_first(text: str) -> str:
    return text[0].lower() + text[1:]


# Sub-theme -> what partnerships under it do: (title, objective, actions of the description).
ACTIVITIES: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "Aide d'urgence, humanitaire et à la reconstruction": (
        (
            "Reconstruction des écoles endommagées",
            "Rétablir l'accueil des élèves dans des bâtiments sûrs",
            (
                "Diagnostic des bâtiments scolaires endommagés",
                "Reconstruction de six salles de classe aux normes de sécurité",
                "Formation des artisans locaux aux techniques de construction",
            ),
        ),
        (
            "Appui à la gestion des risques et des catastrophes",
            "Préparer les services municipaux aux crises",
            (
                "Élaboration d'un plan communal de sauvegarde",
                "Équipement du centre de secours",
                "Exercices de simulation avec les habitants",
            ),
        ),
    ),
    "Coopération transfrontalière": (
        (
            "Coopération transfrontalière dans le bassin de vie commun",
            "Faciliter la vie quotidienne des habitants de part et d'autre de la frontière",
            (
                "Création d'un observatoire transfrontalier",
                "Harmonisation des horaires de transport",
                "Rencontres annuelles des élus",
            ),
        ),
    ),
    "Droits de l'homme, démocratie et citoyenneté": (
        (
            "Participation citoyenne et démocratie locale",
            "Associer les habitants aux décisions de la collectivité",
            (
                "Mise en place de conseils de quartier",
                "Budget participatif pilote",
                "Formation des animateurs de la concertation",
            ),
        ),
        (
            "Égalité entre les femmes et les hommes dans la vie locale",
            "Renforcer la place des femmes dans les instances locales",
            (
                "Formation des élues municipales",
                "Appui aux groupements féminins",
                "Campagne de sensibilisation dans les quartiers",
            ),
        ),
    ),
    "Agriculture, pêche et sécurité alimentaire": (
        (
            "Appui à la filière maraîchère",
            "Améliorer les revenus des producteurs maraîchers",
            (
                "Aménagement de périmètres maraîchers irrigués",
                "Formation aux techniques agroécologiques",
                "Création d'un marché de producteurs",
            ),
        ),
        (
            "Sécurité alimentaire et structuration des filières agricoles",
            "Renforcer l'autonomie alimentaire du territoire",
            (
                "Construction de magasins de stockage",
                "Appui aux coopératives agricoles",
                "Accès au crédit pour les jeunes agriculteurs",
            ),
        ),
    ),
    "Tourisme": (
        (
            "Développement d'un tourisme durable et solidaire",
            "Faire du tourisme une source de revenus pour les habitants",
            (
                "Création d'un office de tourisme",
                "Balisage de circuits de randonnée",
                "Formation de guides locaux",
            ),
        ),
    ),
    "Appui aux entreprises et à l'artisanat": (
        (
            "Appui à l'artisanat et à l'insertion économique des jeunes",
            "Favoriser l'emploi des jeunes dans l'artisanat",
            (
                "Ouverture d'un centre de formation aux métiers",
                "Accompagnement de jeunes créateurs d'entreprise",
                "Participation des artisans aux salons en France",
            ),
        ),
    ),
    "Eau et assainissement": (
        (
            "Accès à l'eau potable et à l'assainissement",
            "Améliorer l'accès à l'eau potable et à l'assainissement",
            (
                "Réhabilitation de forages et de bornes-fontaines",
                "Construction de latrines dans les écoles",
                "Formation des comités de gestion de l'eau",
            ),
        ),
        (
            "Gestion du service public de l'eau",
            "Renforcer la gestion du service public de l'eau",
            (
                "Appui à la tarification et au recouvrement",
                "Cartographie du réseau de distribution",
                "Échanges entre techniciens des services de l'eau",
            ),
        ),
        (
            "Gestion des déchets ménagers",
            "Organiser la collecte et le traitement des déchets ménagers",
            (
                "Mise en place de la pré-collecte dans les quartiers",
                "Aménagement d'un centre de tri",
                "Sensibilisation des habitants au tri des déchets",
            ),
        ),
    ),
    "Énergie": (
        (
            "Électrification solaire des équipements publics",
            "Fournir une énergie fiable et renouvelable aux équipements publics",
            (
                "Installation de panneaux solaires sur les centres de santé",
                "Éclairage public solaire des axes principaux",
                "Formation de techniciens à la maintenance",
            ),
        ),
    ),
    "Climat et biodiversité": (
        (
            "Adaptation au changement climatique et reboisement",
            "Protéger les sols et la ressource en eau face au changement climatique",
            (
                "Plantation d'arbres et création de pépinières",
                "Lutte contre l'érosion des berges",
                "Éducation à l'environnement dans les écoles",
            ),
        ),
    ),
    "Renforcement des capacités des collectivités": (
        (
            "Modernisation de l'état civil",
            "Garantir à chaque enfant un acte de naissance",
            (
                "Informatisation des registres d'état civil",
                "Formation des agents de l'état civil",
                "Campagnes d'enregistrement des naissances",
            ),
        ),
        (
            "Renforcement des finances locales",
            "Accroître les ressources propres de la collectivité",
            (
                "Recensement fiscal des activités économiques",
                "Formation des agents du service financier",
                "Mise en place d'un logiciel de gestion budgétaire",
            ),
        ),
    ),
    "Aménagement du territoire et urbanisme": (
        (
            "Planification urbaine et aménagement des quartiers",
            "Maîtriser la croissance urbaine",
            (
                "Élaboration du plan d'urbanisme",
                "Adressage des rues et des parcelles",
                "Aménagement d'un espace public de quartier",
            ),
        ),
    ),
    "Culture et patrimoine": (
        (
            "Valorisation du patrimoine bâti",
            "Préserver et faire connaître le patrimoine de la ville",
            (
                "Inventaire du patrimoine architectural",
                "Restauration d'un bâtiment historique",
                "Création d'un parcours patrimonial",
            ),
        ),
        (
            "Lecture publique et bibliothèques",
            "Développer l'accès à la lecture pour tous",
            (
                "Équipement de la bibliothèque municipale",
                "Formation des bibliothécaires",
                "Animation d'ateliers de lecture dans les écoles",
            ),
        ),
    ),
    "Éducation et formation": (
        (
            "Appui à l'éducation de base",
            "Améliorer les conditions d'apprentissage des élèves",
            (
                "Construction et équipement de salles de classe",
                "Formation des enseignants",
                "Jumelage entre écoles des deux territoires",
            ),
        ),
        (
            "Formation professionnelle et enseignement supérieur",
            "Adapter les formations aux besoins du territoire",
            (
                "Échanges d'étudiants et d'enseignants",
                "Création de formations conjointes",
                "Accueil de stagiaires dans les services",
            ),
        ),
    ),
    "Jeunesse et sport": (
        (
            "Échanges de jeunes et chantiers de solidarité",
            "Ouvrir les jeunes des deux territoires à l'engagement solidaire",
            (
                "Chantiers de solidarité internationale",
                "Accueil de jeunes en service civique",
                "Tournoi sportif annuel",
            ),
        ),
    ),
    "Francophonie": (
        (
            "Promotion de la langue française",
            "Faire vivre la langue française dans les deux territoires",
            (
                "Semaine de la Francophonie",
                "Formation des professeurs de français",
                "Dotation d'ouvrages en français",
            ),
        ),
    ),
    "Santé": (
        (
            "Santé maternelle et infantile",
            "Réduire la mortalité maternelle et infantile",
            ("Équipement des maternités", "Formation des sages-femmes", "Campagnes de vaccination"),
        ),
        (
            "Appui au centre hospitalier",
            "Améliorer la qualité des soins",
            (
                "Jumelage hospitalier",
                "Fourniture de matériel médical",
                "Formation du personnel soignant",
            ),
        ),
    ),
    "Action sociale": (
        (
            "Protection de l'enfance",
            "Prendre en charge les enfants en situation de rue",
            (
                "Ouverture d'un centre d'accueil de jour",
                "Formation des travailleurs sociaux",
                "Appui aux familles d'accueil",
            ),
        ),
        (
            "Inclusion des personnes handicapées",
            "Rendre les services publics accessibles à tous",
            (
                "Mise en accessibilité des bâtiments publics",
                "Appui aux associations de personnes handicapées",
                "Insertion professionnelle",
            ),
        ),
    ),
}


@dataclass(frozen=True, slots=True)
class Scene:
    """Who does what where: what every text of one partnership talks about."""

    region: FrenchRegion
    lead: Named  # the French authority leading the partnership
    country: Country
    partner: Named  # the first foreign partner
    activity: tuple[str, str, tuple[str, ...]]
    start: int
    first_year: int  # the first agreement's, or the start when the page does not say


def pair(first: str, second: str) -> str:
    """`Rennes-Sétif`; `Bourgogne-Franche-Comté - Hubei` when a name has its own hyphen."""
    return f"{first} - {second}" if "-" in first + second else f"{first}-{second}"


def title(rng: random.Random, scene: Scene, triennial: bool | None) -> str:
    activity = scene.activity[0]
    places = pair(scene.lead.place, scene.partner.place)
    where = a(scene.partner.place) if is_town(scene.partner) else f"dans {the(scene.partner.name)}"
    options = [
        f"{activity} {where}",
        f"Coopération {places} : {activity}",
        f"Partenariat {places} {scene.start}-{scene.start + rng.randint(1, 3)}",
    ]
    if triennial:
        options.append(f"Programme triennal {scene.start}-{scene.start + 2} : {activity}")
    return rng.choice(options)


def _both(scene: Scene) -> str:
    """`Rennes et Sétif` for two towns, else the authorities: `la Région de Mopti`."""
    if is_town(scene.lead) and is_town(scene.partner):
        return f"{scene.lead.place} et {scene.partner.place}"
    return f"{the(scene.lead.name)} et {the(scene.partner.name)}"


def _capital(text: str) -> str:
    return text[0].upper() + text[1:]


def french_side(rng: random.Random, scene: Scene) -> list[str]:
    lead = scene.lead
    sentences = [
        f"{_capital(_both(scene))} entretiennent des liens anciens, portés par des "
        "associations et par les ressortissants installés en France.",
        f"{_capital(the(lead.name))} inscrit son action internationale dans les objectifs de "
        "développement durable de l'Agenda 2030.",
        f"Les services {of_the(lead.name)} souhaitent partager leur savoir-faire et ouvrir leurs "
        "agents à d’autres pratiques.",
    ]
    return rng.sample(sentences, rng.randint(1, 2))


def partner_side(rng: random.Random, scene: Scene) -> list[str]:
    p = scene.partner
    sentences = [
        f"Depuis la décentralisation, {the(p.name)} exerce de nouvelles compétences sans disposer "
        "des moyens humains et financiers nécessaires.",
        f"Le diagnostic partagé mené en {scene.start} a retenu une priorité : "
        f"{_lower_first(scene.activity[0])}.",
        "L’accès aux services de base reste inégal entre le centre et les villages.",
    ]
    if is_town(p):
        sentences.append(
            f"Les quartiers périphériques {de(p.place)} connaissent une croissance rapide, "
            "sans les services de base qui devraient l'accompagner."
        )
    return rng.sample(sentences, rng.randint(1, 2))


def context(rng: random.Random, scene: Scene) -> list[str]:
    sentences = french_side(rng, scene) + partner_side(rng, scene)
    return rng.sample(sentences, rng.randint(1, len(sentences)))


def history(rng: random.Random, scene: Scene) -> list[str]:
    sentences = [
        f"Les premiers échanges entre {_both(scene)} remontent à {scene.first_year}, "
        "à l'initiative d'une association de ressortissants.",
        f"Une convention de coopération a été signée en {scene.first_year} ; elle a été "
        f"renouvelée en {scene.start}."
        if scene.first_year < scene.start
        else f"Une convention de coopération a été signée en {scene.start}.",
        f"Après une mission exploratoire en {scene.start}, les élus des deux collectivités ont "
        "défini un programme d'actions commun.",
        "Un comité de pilotage conjoint se réunit deux fois par an : il valide le programme "
        "d'actions et le budget.",
    ]
    return rng.sample(sentences, rng.randint(1, 2))


def objectives(rng: random.Random, scene: Scene) -> list[str]:
    p = scene.partner
    goals = [
        f"{scene.activity[1]} {a(p.place) if is_town(p) else 'dans ' + the(p.name)}.",
        f"Renforcer les capacités des services techniques {of_the(p.name)}.",
        "Favoriser les échanges entre élus, techniciens et habitants des deux territoires.",
        "Associer les habitants au suivi des actions.",
    ]
    chosen = [goals[0], *rng.sample(goals[1:], rng.randint(0, 2))]
    if len(chosen) == 1 or rng.random() < 0.5:
        return chosen
    lead = f"Le partenariat poursuit {len(chosen)} objectifs :"
    return [lead, *(f"{i}. {goal}" for i, goal in enumerate(chosen, 1))]


def description(rng: random.Random, scene: Scene, long: bool) -> list[str]:
    actions = list(scene.activity[2])
    rng.shuffle(actions)
    common = [
        "Missions d'échange d'élus et de techniciens dans les deux territoires",
        "Réunions du comité de pilotage et évaluation à mi-parcours",
        "Restitution des résultats aux habitants et aux partenaires",
    ]
    if not long:
        steps = actions[: rng.randint(1, 3)] + rng.sample(common, rng.randint(0, 1))
        return [f"{i}. {step}." for i, step in enumerate(steps, 1)]
    remarks = [
        "Les délais ont été tenus malgré la saison des pluies.",
        "Une mission technique a permis d'ajuster le calendrier avec les services partenaires.",
        "Le comité de pilotage a validé le bilan financier de l'année.",
        "Les habitants ont été associés aux choix lors de réunions publiques.",
    ]
    paragraphs = []
    for offset in range(10):  # a report year by year, as some authorities write them
        year = scene.start + offset
        paragraphs.append(f"Année {year} :")
        for step in [*actions, rng.choice(common)]:
            paragraphs.append(f"- {step} ({rng.choice(('réalisé', 'en cours', 'reporté'))}).")
        paragraphs.append(rng.choice(remarks))
    return paragraphs


def beneficiaries(rng: random.Random, scene: Scene) -> str:
    p = scene.partner
    options = [
        f"Agents et élus {of_the(p.name)}",
        f"Habitants {of_the(p.name)}",
        f"Élèves et enseignants des écoles {of_place(p)}",
    ]
    if is_town(p):
        options.append(f"Populations des quartiers périphériques {de(p.place)}")
    return rng.choice(options)


def _join(items: list[str]) -> str:
    """`A`, `A et B`, `A, B et C`: the Atlas's hand-written lists."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} et {items[-1]}"


def _partners(items: list[str]) -> str:
    """A list of partners, associations last: a reader of the list (`actors.split_actors`)
    carries "Association(s) de" over to the names that follow it."""
    return _join(sorted(items, key=lambda item: item.startswith("Association"))) + "."


def _twinning(scene: Scene, french_first: bool) -> str:
    places = (scene.lead.place, scene.partner.place)
    return "Comité de jumelage " + pair(*(places if french_first else places[::-1]))


def partners_france(rng: random.Random, scene: Scene) -> str:
    pool = [
        f"Association {pair(scene.region.council.place, country_short(scene.country))}",
        f"Association des Amis {of_place(scene.partner)}",
        f"Association des Amis {COUNTRY_OF[scene.country.name]}",
        *FRENCH_NETWORKS,
    ]
    if scene.activity in ACTIVITIES["Eau et assainissement"]:
        pool += WATER_NETWORKS
    if scene.region.network:
        pool.append(scene.region.network)
    if is_town(scene.lead) and is_town(scene.partner):
        pool.append(_twinning(scene, True))
    return _partners(rng.sample(pool, rng.randint(1, 3)))


def partners_abroad(rng: random.Random, scene: Scene) -> str:
    place = of_place(scene.partner)
    pool = [f"Associations de quartier {place}"]
    if scene.country.name in _INDUSTRIAL:
        pool.append(f"Office de tourisme {place}")
    else:
        pool += [
            f"Groupement des femmes maraîchères {place}",
            f"Comité de gestion de l'eau {place}",
            f"Comité de développement local {place}",
        ]
    if is_town(scene.lead) and is_town(scene.partner):
        pool.append(_twinning(scene, False))
    return _partners(rng.sample(pool, rng.randint(1, 2)))


def implementers(rng: random.Random, scene: Scene, foreign: list[str]) -> str:
    options = [_join([scene.lead.name, *foreign]), _join([*foreign, scene.lead.name])]
    if scene.region.network:
        options.append(_join([scene.lead.name, scene.region.network, *foreign]))
    return rng.choice(options)


def owners(rng: random.Random, scene: Scene, foreign: list[str]) -> str:
    return rng.choice((foreign[0], _join(foreign), f"{scene.lead.name} et {foreign[0]}"))
