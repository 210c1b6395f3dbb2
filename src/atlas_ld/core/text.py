"""Text normalisation written once: what page text becomes, and how names are compared.

Two different operations that are easy to confuse:

- `clean` is what the project does to every text it keeps from a page: Unicode NFC and runs of
  whitespace (no-break spaces included) folded to one space. Accents, case and punctuation stay
  exactly as the page writes them (data fidelity).
- `fold` is a comparison key, never stored or shown: accents stripped, ligatures spelt out
  (`œ` -> `oe`), case folded, whitespace folded. `fold("Œuvre  Région")` == `fold("oeuvre region")`.

Before either, `without_controls` takes out of a page's text the characters that are not text:
no browser shows them, and XML 1.0 cannot carry them, so one in a title made every XML output
(RDF/XML, IATI) unwritable.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})
# C0 controls but tab, line feed and carriage return, and U+FFFE, U+FFFF: what XML 1.0's `Char`
# leaves out (surrogates cannot come out of a decoder). Form feed is HTML whitespace: a space.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def has_controls(text: str) -> bool:
    """Does the text hold characters that are not text (see `without_controls`)?"""
    return _NOT_TEXT.search(text) is not None


def without_controls(text: str) -> tuple[str, list[str]]:
    """The text without the characters that are not text (form feed becomes a space), and the
    code points taken out, in order of first appearance, for the warning that says so."""
    found = _NOT_TEXT.findall(text)
    if not found:
        return text, []
    cleaned = _NOT_TEXT.sub(lambda m: " " if m.group() == "\x0c" else "", text)
    return cleaned, [f"U+{ord(c):04X}" for c in dict.fromkeys(found)]


def excerpt(text: str, limit: int = 80) -> str:
    """Text quoted in a message (`'…'`): cleaned, and cut at `limit` characters."""
    text = clean(text)
    return repr(text if len(text) <= limit else text[:limit] + "…")


def clean(text: str) -> str:
    """NFC, runs of whitespace (including no-break spaces) folded to one space, trimmed."""
    text = " ".join(text.split())
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


@lru_cache(maxsize=65536)  # names recur across pages: actors, themes, countries
def fold(text: str) -> str:
    """A key for comparing names whatever their accents, case, ligatures and spacing."""
    key = " ".join(text.casefold().translate(_LIGATURES).split())
    decomposed = unicodedata.normalize("NFKD", key)
    return "".join(c for c in decomposed if not unicodedata.combining(c))
