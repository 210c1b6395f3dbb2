"""Text normalisation written once: what page text becomes, and how names are compared.

Two different operations that are easy to confuse:

- `clean` is what the project does to every text it keeps from a page: Unicode NFC and runs of
  whitespace (no-break spaces included) folded to one space. Accents, case and punctuation stay
  exactly as the page writes them (data fidelity).
- `fold` is a comparison key, never stored or shown: accents stripped, ligatures spelt out
  (`œ` -> `oe`), case folded, whitespace folded. `fold("Œuvre  Région")` == `fold("oeuvre region")`.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})


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
