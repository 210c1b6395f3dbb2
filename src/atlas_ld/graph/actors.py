"""Actors read from the prose lists of a page (maîtres d'œuvre / d'ouvrage, autres partenaires).

The Atlas writes these lists by hand: "IRTS Poitou-Charentes, IRTS Bretagne ... et Centres
Jeunesse de Québec, Montérégie, Gaspésie. Associations France-Québec et Québec-France". Items are
separated by commas, "et" and full stops, and a plural head ("Centres Jeunesse de", "Associations")
carries over to the following bare names; a singular one does not. A separator only splits when
the next word starts with a capital, so "Ministère de l'Europe et des Affaires étrangères" stays
whole. The text as written is always kept next to the actors (mapping does it), so a wrong split
loses nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Kind heads, tried in order at the start of an item (case- and accent-insensitive).
# (pattern, kind local name, singular head to write before names that inherit the head or None
# when the head is not carried over)
_HEADS: list[tuple[re.Pattern[str], str, bool]] = [
    (
        re.compile(r"^(conseils? r[ée]gional|r[ée]gions?\b|collectivit[ée] r[ée]gionale)", re.I),
        "RegionalAuthority",
        False,
    ),
    (
        re.compile(
            r"^(conseils? d[ée]partemental|conseils? g[ée]n[ée]ral|d[ée]partements?\b)", re.I
        ),
        "DepartmentalAuthority",
        False,
    ),
    (
        re.compile(
            r"^(m[ée]tropole|communaut[ée]s? (urbaine|d'agglom[ée]ration|de communes)"
            r"|agglom[ée]ration|syndicat intercommunal|eurom[ée]tropole)",
            re.I,
        ),
        "IntercommunalAuthority",
        False,
    ),
    (re.compile(r"^(communes?\b|villes?\b|mairies?\b)", re.I), "MunicipalAuthority", False),
    (
        re.compile(
            r"^(minist[èe]res?|agences? de l'eau|agence fran[çc]aise de d[ée]veloppement"
            r"|ambassades?|consulats?|pr[ée]fectures?|[ée]tat\b)",
            re.I,
        ),
        "StateBody",
        False,
    ),
    (
        re.compile(
            r"^(irts|instituts?|[ée]coles?|universit[ée]s?|ifsi|lyc[ée]es?|c[ée]geps?)\b", re.I
        ),
        "TrainingInstitute",
        True,
    ),
    (re.compile(r"^centres? jeunesse\b", re.I), "YouthCentre", True),
    (re.compile(r"^(associations?|ong)\b", re.I), "Association", True),
]

# Plural heads written in the singular before inherited names.
_SINGULAR = [
    (re.compile(r"^Centres\b", re.I), "Centre"),
    (re.compile(r"^Associations\b", re.I), "Association"),
    (re.compile(r"^Instituts\b", re.I), "Institut"),
    (re.compile(r"^Universités\b", re.I), "Université"),
    (re.compile(r"^Écoles\b", re.I), "École"),
]

_SENTENCE = re.compile(r"\.\s+(?=[A-ZÀ-Ý])|;\s*|\n+")
_ITEM = re.compile(r",\s*(?=[A-ZÀ-Ý0-9])|\s+et\s+(?=[A-ZÀ-Ý])")


@dataclass(frozen=True, slots=True)
class ActorMention:
    """One actor named in a list: name, kind (None when unknown) and the text it came from."""

    name: str
    kind: str | None
    as_written: str


def kind_of(name: str) -> str | None:
    """The ontology class (local name) an actor's name suggests, or None."""
    for pattern, kind, _carries in _HEADS:
        if pattern.match(name):
            return kind
    return None


def _head(item: str) -> tuple[str, str] | None:
    """(kind, head) when `item` starts with a head that carries over ('Centres Jeunesse de')."""
    for pattern, kind, carries in _HEADS:
        match = pattern.match(item)
        if not match:
            continue
        if not carries or not _plural(item.split()[0]):
            return None
        rest = item[match.end() :]
        connector = re.match(r"\s*(?:\S+\s+)??(?:de la |de l'|du |des |de |d')", rest)
        head = item[: match.end() + (connector.end() if connector else 0)].rstrip()
        for plural, singular in _SINGULAR:
            head = plural.sub(singular, head, count=1)
        return kind, head
    return None


_VOWEL = re.compile(r"^[AEIOUYÀÂÉÈÊËÎÏÔÛÙ]", re.I)


def _join(head: str, name: str) -> str:
    """Head and inherited name, elided as French writes it: "Centre Jeunesse d'Estrie"."""
    if head.endswith("'"):
        return head + name
    if head.endswith(" de") and _VOWEL.match(name):
        return f"{head[:-2]}d'{name}"
    return f"{head} {name}"


def _plural(word: str) -> bool:
    """Only a plural head names several actors: "Centres Jeunesse de Québec, Estrie" carries
    "Centre Jeunesse de" over, "Association des Amis de Dschang et Programme Solidarité Eau" does
    not. Acronyms (IRTS, ONG) are invariable, so they may."""
    return word.isupper() or word.lower().endswith(("s", "x"))


def _clean(text: str) -> str:
    return " ".join(text.split()).strip(" .,;:")


def split_actors(text: str | None) -> list[ActorMention]:
    """Actors named by a prose list, in order, each once."""
    if not text:
        return []
    text = unicodedata.normalize("NFC", text)
    mentions: list[ActorMention] = []
    seen: set[str] = set()
    for sentence in _SENTENCE.split(text):
        carried: tuple[str, str] | None = None
        for raw in _ITEM.split(sentence):
            item = _clean(raw)
            if not item:
                continue
            kind = kind_of(item)
            if kind is not None:
                carried = _head(item)
                name = _singular_name(item) if carried else item
            elif carried is not None:
                kind, head = carried
                name = _join(head, item)
            else:
                name = item
            if name not in seen:
                seen.add(name)
                mentions.append(ActorMention(name=name, kind=kind, as_written=item))
    return mentions


def _singular_name(item: str) -> str:
    """'Centres Jeunesse de Québec' names one centre: write it in the singular."""
    for plural, singular in _SINGULAR:
        if plural.match(item):
            return plural.sub(singular, item, count=1)
    return item
