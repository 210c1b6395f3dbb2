"""Rows of the page's tables as records.

An HTML row comes with its cells; a row of the plain-text rendering is one line whose cells ran
together, split here from what is known about each table (a financing row ends with numbers and
a year, a partner row with a country name, names are written in capitals). What cannot be placed
is kept whole in the first field and reported as a warning, never dropped.
"""

from __future__ import annotations

import re
from decimal import Decimal

from atlas_ld.core.atlas_lists import split_country_suffix, split_theme_row, split_volunteer_tail
from atlas_ld.core.model import Authority, Financing, PartnerContact, ThemeTriple, Volunteer
from atlas_ld.core.text import clean
from atlas_ld.parse.labels import is_magnifier
from atlas_ld.parse.textlayout import Line

Warn = list[str]

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_AMOUNT = re.compile(r"\d{1,3}(?:[\u00a0\u202f]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?")
_PLAIN_SPACES = re.compile(r"[ \t]+")
YEAR = re.compile(r"(19[5-9]\d|20\d\d|2100)")  # the years the contract allows
_OBFUSCATED_AT = re.compile(r"\s*(?:\[at\]|\(at\)|\[arobase\])\s*", re.IGNORECASE)
_MAGNIFIER_SUFFIX = re.compile(r"\s*Icone d[’']une loupe$", re.IGNORECASE)


def email(text: str | None) -> str | None:
    """`name[at]domain` -> `name@domain`; the rest (even a misspelt domain) as written."""
    if not text:
        return None
    return _OBFUSCATED_AT.sub("@", text.strip()) or None


def number(text: str, what: str, warnings: Warn) -> Decimal | None:
    """A French-written amount (`15000`, `15 000`, `1 500,50 €`) as the exact `Decimal` it
    writes (money is never a float), or None with a warning."""
    compact = "".join(text.replace("€", "").split())  # any spaces, no-break ones included
    if not compact:
        return None
    if not _NUMBER.fullmatch(compact):
        warnings.append(f"{what}: not a number: {text!r}")
        return None
    return Decimal(compact.replace(",", "."))


def _cells(line: Line) -> list[str]:
    """The row's cells without the magnifier icon's alt text."""
    cells = [c for c in line.cells if not is_magnifier(c)]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _text(line: Line) -> str:
    return _MAGNIFIER_SUFFIX.sub("", line.text)


def shown(line: Line) -> str:
    """The row as the page shows it, without the magnifier icon: kept next to its split values."""
    return " ".join(c for c in _cells(line) if c) if line.cells else _text(line)


def theme_row(line: Line, warnings: Warn) -> ThemeTriple:
    if line.cells:
        cells = [*_cells(line), None, None, None, None]
        theme, sub, subsub, priority = (c or None for c in cells[:4])
        return ThemeTriple(theme, sub, subsub, priority)
    split = split_theme_row(line.text)
    if split is None:
        warnings.append(f"Autres thématiques: row not split into columns: {line.text!r}")
        return ThemeTriple(theme=line.text)
    return ThemeTriple(*split)


def partner_row(line: Line, warnings: Warn) -> Authority:
    if line.cells:
        cells = _cells(line)
        country = cells[1] if len(cells) > 1 and cells[1] else None
        return Authority(cells[0] if cells else line.text, country, line.link)
    name, country = split_country_suffix(_text(line))
    if country is None:
        warnings.append(f"Partenaires étrangers: no known country in row {line.text!r}")
    return Authority(name or _text(line), country, line.link)


def authority_row(line: Line) -> Authority:
    cells = _cells(line) if line.cells else [_text(line)]
    return Authority(cells[0], None, line.link)


def _is_upper_word(word: str) -> bool:
    return any(c.isalpha() for c in word) and word == word.upper() and len(word) > 1


def _split_name(words: list[str]) -> tuple[str | None, str | None, list[str]]:
    """`DUPONT Claire ...` -> family name in capitals, the given name after it, the rest."""
    i = 0
    while i < len(words) and _is_upper_word(words[i]):
        i += 1
    if i == 0 or i == len(words):
        return None, None, words
    return " ".join(words[:i]), words[i], words[i + 1 :]


def contact_row(line: Line, partners: list[str], warnings: Warn) -> PartnerContact:
    if line.cells:
        cells = [*(c or None for c in _cells(line)), None, None, None, None, None]
        authority, family, given, function, mail = cells[:5]
        return PartnerContact(authority, family, given, function, email(mail))
    text = _text(line)
    authority = next(
        (p for p in sorted(partners, key=len, reverse=True) if text.startswith(p + " ")), None
    )
    words = text[len(authority) :].split() if authority else text.split()
    mail = None
    if words and ("@" in words[-1] or "[at]" in words[-1].lower()):
        mail = email(words.pop())
    if authority is None:
        # no known partner name: the authority is what precedes the family name in capitals
        i = next((k for k, w in enumerate(words) if _is_upper_word(w) and k > 0), 0)
        authority = " ".join(words[:i]) or None
        words = words[i:]
    family, given, rest = _split_name(words)
    if family is None:
        warnings.append(f"Contacts des partenaires étrangers: no name in capitals in {text!r}")
        return PartnerContact(authority, None, None, " ".join(words) or None, mail)
    return PartnerContact(authority, family, given, " ".join(rest) or None, mail)


def volunteer_row(line: Line, warnings: Warn) -> Volunteer:
    if line.cells:
        cells = [*(c or None for c in _cells(line)), None, None, None, None, None]
        return Volunteer(*cells[:5])
    family, given, rest = _split_name(line.text.split())
    tail = " ".join(rest)
    split = split_volunteer_tail(tail)
    if family is None or split is None:
        warnings.append(f"Volontaires: row not split into columns: {line.text!r}")
        return Volunteer(family, given, tail or line.text)
    return Volunteer(family, given, *split)


def financing_row(line: Line, warnings: Warn) -> Financing:
    """Funder, amount, 1% Eau amount, year. The header repeats the water column and rows may have
    fewer cells, so values are read by what they are (numbers then a year), not by column."""
    if line.cells:
        cells = list(line.cells)
        while cells and not cells[-1]:
            cells.pop()
        funder, values = cells[0], cells[1:]
    else:
        # split on plain spaces only: in `15 000` a no-break space groups the digits
        words = _PLAIN_SPACES.split((line.raw or line.text).strip())
        i = len(words)
        while i > 1 and _AMOUNT.fullmatch(words[i - 1]) and len(words) - i < 3:
            i -= 1
        funder, values = clean(" ".join(words[:i])), words[i:]
    year = None
    if values and YEAR.fullmatch(values[-1].strip()):
        year = int(values.pop().strip())
    elif values:
        warnings.append(f"Financement: no year in row {line.text!r}")
    if not values:
        warnings.append(f"Financement: no amount in row {line.text!r}")
    # the amount, then the 1 % Eau amount in whichever of the repeated water columns holds it
    water_values = [v for v in values[1:] if v.strip()]
    if len(water_values) > 1:
        warnings.append(f"Financement: more amounts than columns in row {line.text!r}")
    what = f"Financement {funder!r}"
    amount = number(values[0], what, warnings) if values else None
    water = number(water_values[0], what, warnings) if water_values else None
    return Financing(funder, amount, water, year)
