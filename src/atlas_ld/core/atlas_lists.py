"""Closed lists the Atlas draws its values from: countries, themes, volunteer missions.

In the plain-text rendering of a page a table row is one line with its cells run together; these
lists are what lets the parser find the cell boundaries from knowledge rather than guesses (a row
of the partners table ends with a country name, a theme row starts with a theme name). The sample
generator draws its invented pages from the same lists.
"""

from __future__ import annotations

from functools import cache

from atlas_ld.core.countries import country_names

# Accents and apostrophes forgiven when matching names (`Egypte`, `Côte d’Ivoire`): one character
# for one, so a match has the same length in the text as written.
_PLAIN = str.maketrans("àâäáãéèêëíìîïóòôöõúùûüçñÿ’‘ʼ", "aaaaaeeeeiiiiooooouuuucny'''")


def _plain(text: str) -> str:
    return "".join(c.lower()[0] for c in text).translate(_PLAIN)  # `İ`.lower() has two chars


@cache
def _countries_longest_first() -> tuple[str, ...]:
    return tuple(sorted({_plain(name) for name in country_names()}, key=len, reverse=True))


def split_country_suffix(text: str) -> tuple[str, str | None]:
    """`Province du Québec Canada` -> (`Province du Québec`, `Canada`); else (text, None)."""
    plain = _plain(text)
    for name in _countries_longest_first():
        if plain.endswith(" " + name):
            return text[: -len(name) - 1].rstrip(), text[-len(name) :]
        if plain == name:
            return "", text
    return text, None


# Thématique -> sous-thématique -> sous-sous-thématiques, as the Atlas lists them.
THEMES: dict[str, dict[str, list[str]]] = {
    "Politique, humanitaire et coopération transfrontalière": {
        "Aide d'urgence, humanitaire et à la reconstruction": [
            "Reconstruction post-crise",
            "Aide alimentaire",
        ],
        "Coopération transfrontalière": [
            "Gouvernance transfrontalière",
            "Mobilité transfrontalière",
        ],
        "Droits de l'homme, démocratie et citoyenneté": [
            "Égalité femmes-hommes",
            "Processus électoraux",
        ],
    },
    "Développement économique": {
        "Agriculture, pêche et sécurité alimentaire": [
            "Filières agricoles",
            "Élevage",
            "Pêche et aquaculture",
        ],
        "Tourisme": ["Tourisme durable", "Écotourisme"],
        "Appui aux entreprises et à l'artisanat": ["Microfinance", "Formation professionnelle"],
    },
    "Environnement, climat et énergie": {
        "Eau et assainissement": ["Accès à l'eau potable", "Assainissement", "Gestion des déchets"],
        "Énergie": ["Énergies renouvelables", "Efficacité énergétique"],
        "Climat et biodiversité": ["Adaptation au changement climatique", "Forêts"],
    },
    "Gouvernance locale et appui institutionnel": {
        "Renforcement des capacités des collectivités": [
            "Finances locales",
            "État civil",
            "Formation des élus et agents",
        ],
        "Aménagement du territoire et urbanisme": ["Planification urbaine", "Foncier"],
    },
    "Culture, jeunesse et éducation": {
        "Culture et patrimoine": ["Patrimoine bâti", "Lecture publique", "Spectacle vivant"],
        "Éducation et formation": ["Éducation de base", "Enseignement supérieur et recherche"],
        "Jeunesse et sport": ["Échanges de jeunes", "Sport"],
        "Francophonie": ["Langue française"],
    },
    "Santé et action sociale": {
        "Santé": ["Santé maternelle et infantile", "Hôpitaux et centres de santé"],
        "Action sociale": ["Protection de l'enfance", "Personnes handicapées", "Travail social"],
    },
}

PRIORITIES = ("Oui", "Non")


def split_theme_row(text: str) -> tuple[str, str | None, str | None, str | None] | None:
    """A theme row's text as (theme, sub-theme, sub-sub-theme, priority), or None if the row does
    not start with a known theme."""
    for theme, subs in THEMES.items():
        if not text.startswith(theme):
            continue
        rest = text[len(theme) :].strip()
        sub, rest = _take_prefix(rest, subs)
        subsub, rest = _take_prefix(rest, subs.get(sub, []) if sub else [])
        priority = rest if rest in PRIORITIES else None
        if rest and priority is None:
            return None
        return theme, sub, subsub, priority
    return None


def _take_prefix(text: str, options) -> tuple[str | None, str]:
    for option in sorted(options, key=len, reverse=True):
        if text == option or text.startswith(option + " "):
            return option, text[len(option) :].strip()
    return None, text


MISSIONS = (
    "Volontariat de solidarité internationale (VSI)",
    "Service civique",
    "Volontariat international en administration (VIA)",
    "Jeunesse Solidarité Internationale (JSI)",
    "Ville Vie Vacances Solidarité Internationale (VVVSI)",
)

ACTION_FIELDS = (
    "Éducation",
    "Santé",
    "Eau et assainissement",
    "Agriculture",
    "Culture",
    "Développement économique",
    "Environnement",
    "Gouvernance locale",
    "Jeunesse",
)


def split_volunteer_tail(text: str) -> tuple[str | None, str | None, str | None] | None:
    """`Service civique Santé Commune de Kaya` -> (mission, field, assignment); None if the mission
    is not a known one."""
    mission, rest = _take_prefix(text, MISSIONS)
    if mission is None:
        return None
    action, rest = _take_prefix(rest, ACTION_FIELDS)
    return mission, action, rest or None
