"""The visible French labels of an Atlas project page, and what each one introduces.

The parser keys on these labels only (never on markup), so this table is the whole knowledge of
the page's layout. Labels are compared through `label_key`, which forgives what varies between
renderings of the same page (apostrophes, accents, `œ` or `oe`, case, a trailing colon)
while the values under them are kept exactly as the page gives them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from atlas_ld.core.text import fold


class Kind(Enum):
    FIELD = "field"  # the lines up to the next label are the value
    TABLE = "table"  # the lines up to the next label are rows of a table
    STATEMENT = "statement"  # the line itself is a yes/no answer
    HEADING = "heading"  # a section heading with no value of its own
    END = "end"  # the page footer: nothing after it belongs to the project


@dataclass(frozen=True, slots=True)
class Label:
    kind: Kind
    field: str
    value: bool | None = None  # the answer a statement gives


_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "´": "'"})


@lru_cache(maxsize=16384)  # labels and table headers recur on every page
def label_key(text: str) -> str:
    """The form under which a label is looked up: `core.text.fold` (accents, `œ`, case and
    spacing forgiven, for pages that lost their accents or capitals), any apostrophe, and a
    trailing colon."""
    return fold(text).translate(_APOSTROPHES).rstrip(" :")


_FIELDS = {
    "Titre": "title",
    "Année de première signature de la convention": "first_agreement_year",
    "Thématique d'intervention": "theme",
    "Sous-thématique d'intervention": "sub_theme",
    "Sous-sous-thématique d'intervention": "sub_sub_theme",
    "Année de début du partenariat": "start_year",
    "Le partenariat est": "status",
    "Date de fin du partenariat": "end_date",
    "Contexte": "context",
    "Historique": "history",
    "Objectif du partenariat": "objectives",
    "Description détaillée du partenariat": "description",
    "Votre partenariat prend la forme d'un(e)": "form",
    "Maître(s) d'œuvre": "implementers_text",
    "Maître(s) d'ouvrage": "owners_text",
    "Bénéficiaire(s)": "beneficiaries",
    "Autres partenaires du partenariat en France": "other_partners_france",
    "Autres partenaires du partenariat dans le(s) pays partenaire(s)": "other_partners_abroad",
    "Collectivité territoriale avant réforme": "pre_reform_authority",
}

_TABLES = {
    "Autres thématiques mises en œuvre pour le partenariat": "other_themes",
    "Partenaires étrangers du partenariat": "foreign_partners",
    "Contacts dans les partenaires étrangers du partenariat": "foreign_partner_contacts",
    "Collectivités territoriales partenaires du partenariat": "french_authorities",
    "Financement du partenariat": "financing",
    "Volontaires impliqués dans le partenariat (VSI, service civique, etc.) "
    "d'Échange et de Solidarité": "volunteers",
}

_STATEMENTS = {
    "Le partenariat est triennal": ("triennial", True),
    "Le partenariat n'est pas triennal": ("triennial", False),
    "Une communication a été engagée en France": ("communication_france", True),
    "Aucune communication n'a été engagée en France": ("communication_france", False),
    "Une communication a été engagée dans les pays partenaires": (
        "communication_partner_countries",
        True,
    ),
    "Aucune communication n'a été engagée dans les pays partenaires": (
        "communication_partner_countries",
        False,
    ),
    "Une politique d'évaluation a été engagée": ("evaluation", True),
    "Aucune politique d'évaluation n'a été engagée": ("evaluation", False),
}

SITE_TITLE = "Atlas français de la coopération décentralisée et des autres actions extérieures"
_HEADINGS = [
    SITE_TITLE,
    "Mise en œuvre du partenariat",
    "Évaluations, communication et perspectives",
]
_ENDS = ["PIED DE PAGE"]  # and any line starting with FOOTER_PREFIX

# Headers of the tables (first words of the header row), in the page's own words.
TABLE_HEADERS = {
    "other_themes": ["Thématique éligible", "Sous-thématique", "Sous-sous-thématique", "Priorité"],
    "foreign_partners": ["Nom de la collectivité étrangère", "Pays", ""],
    "foreign_partner_contacts": [
        "Nom de la collectivité étrangère",
        "Nom",
        "Prénom",
        "Fonction",
        "Courriel",
    ],
    "french_authorities": ["Nom de la collectivité territoriale", ""],
    "financing": [
        "Nom du financeur",
        "Montant en euros",
        "Montant 1% Eau (Loi Oudin 2005)",
        "Montant 1% Eau (Loi Oudin 2005)",
        "Montant 1% Eau (Loi Oudin 2005)",
        "Année",
    ],
    "volunteers": ["Nom", "Prénom", "Mission", "Champs d'action", "Entité d'affectation"],
}
# A header row is known by its first two column names (one column alone may be a row's text:
# a volunteer's family name could be "NOM").
_HEADER_KEYS = {
    field: label_key(" ".join([h for h in cols if h][:2])) for field, cols in TABLE_HEADERS.items()
}

POST_PREFIX = "Contacts dans le poste diplomatique"
EMAIL_PREFIX = "Courriel"
MAGNIFIER = "Icone d'une loupe"
FOOTER_PREFIX = "Tous droits réservés"

LABELS: dict[str, Label] = {
    **{label_key(t): Label(Kind.FIELD, f) for t, f in _FIELDS.items()},
    **{label_key(t): Label(Kind.TABLE, f) for t, f in _TABLES.items()},
    **{label_key(t): Label(Kind.STATEMENT, f, v) for t, (f, v) in _STATEMENTS.items()},
    **{label_key(t): Label(Kind.HEADING, "") for t in _HEADINGS},
    **{label_key(t): Label(Kind.END, "") for t in _ENDS},
}

_POST_KEY = label_key(POST_PREFIX)
_FOOTER_KEY = label_key(FOOTER_PREFIX)
_END = Label(Kind.END, "")
_LONGEST = max(map(len, LABELS)) + 10  # room for a colon and spaces; longer lines are values

# Every label as the page writes it, for the page writer (field name -> label).
FIELD_LABELS = {f: t for t, f in _FIELDS.items()}
TABLE_LABELS = {f: t for t, f in _TABLES.items()}
STATEMENT_LABELS = {(f, v): t for t, (f, v) in _STATEMENTS.items()}

# Pagers and banners of paged tables, in French, in English (the table library's defaults) or as
# raw message keys: `<< < Précédent 1 2 Suivant > >>`, `[Premier/Préc] 1, 2 [Suiv/Dernier]`,
# `pagination.page.precedent`, `12 éléments trouvés, affichage de 1 à 5.`
_PAGER_WORDS = frozenset(
    label_key(word)
    for word in (
        *("<<", "<", ">>", ">", "«", "»", "…", "page", "sur"),
        *("précédent", "préc", "suivant", "suiv", "premier", "dernier"),
        *("first", "prev", "next", "last"),
    )
)
_PAGER_TOKEN = re.compile(r"<<|>>|[<>«»…]|\?\?\?[\w.]+\?\?\?|[\w.]+")
_PAGER_PATTERN = re.compile(r"\d+|pagination\.[\w.]+|\?\?\?[\w.]+\?\?\?")
_BANNER = re.compile(  # in `label_key` form: no accents
    r"(aucun element trouve|un element trouve|\d+ elements trouves|nothing found to display"
    r"|one item found|\d+ items found)"
)


def lookup(text: str) -> Label | None:
    """The label this line is, if it is one."""
    if len(text) <= _LONGEST and (found := LABELS.get(label_key(text))):
        return found
    if label_key(text[: len(FOOTER_PREFIX)]) == _FOOTER_KEY:
        return _END
    return None


def is_post_heading(text: str) -> bool:
    """`Contacts dans le poste diplomatique "Ambassade de France à Ottawa"`."""
    return label_key(text[: len(POST_PREFIX)]) == _POST_KEY


def is_label(text: str) -> bool:
    return lookup(text) is not None or is_post_heading(text)


def is_pager(text: str) -> bool:
    """A pager or a count banner around a table's rows, not a row."""
    key = label_key(text)
    if _BANNER.match(key):
        return True
    tokens = _PAGER_TOKEN.findall(key)
    return bool(tokens) and all(t in _PAGER_WORDS or _PAGER_PATTERN.fullmatch(t) for t in tokens)


def is_table_header(field: str, text: str) -> bool:
    """The header row of the table `field` (whatever columns follow the first two)."""
    return label_key(text).startswith(_HEADER_KEYS[field])


def is_magnifier(text: str) -> bool:
    return label_key(text) == label_key(MAGNIFIER)
