"""French and English for the pages: which language a request gets, and the translated strings.

French is the source language: a message id is the French text, and
`locale/en/LC_MESSAGES/messages.po` gives its English. The `.po` file is read at run time with
Babel (no compile step), so adding a string is editing one text file (docs/i18n.md). A message
missing from the catalogue is shown in French rather than failing the page.

The language of a request: `?lang=fr|en` first (and remembered in the `lang` cookie, which the
switch in the header sets), then that cookie, then the browser's `Accept-Language`, then French.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from importlib import resources

from babel.messages.pofile import read_po
from starlette.requests import Request

LANGUAGES = ("fr", "en")
DEFAULT = "fr"
COOKIE = "lang"


@cache
def _catalogue(lang: str) -> dict[str, str]:
    """msgid -> translation for `lang` (empty for French, the source language)."""
    if lang == DEFAULT:
        return {}
    entry = resources.files("atlas_ld.serve") / "locale" / lang / "LC_MESSAGES" / "messages.po"
    with entry.open("rb") as po:
        catalogue = read_po(po, locale=lang)
    return {m.id: m.string for m in catalogue if m.id and m.string and not m.fuzzy}


@dataclass(frozen=True, slots=True)
class Translator:
    """`gettext` for one language; `_("%(n)s partenariats", n=3)` fills in after translating."""

    lang: str

    def gettext(self, message: str, **values) -> str:
        text = _catalogue(self.lang).get(message, message)
        return text % values if values else text

    __call__ = gettext

    def ngettext(self, singular: str, plural: str, count: int, **values) -> str:
        """French and English both use the singular for 1 only (the counts shown are >= 0);
        `%(n)s` is the count unless given."""
        values.setdefault("n", count)
        return self.gettext(singular if count == 1 else plural, **values)

    def pick(self, texts: dict[str, str], fallback: str = "") -> str:
        """The text in this language from `{lang: text}` (labels read from RDF), else French,
        else any."""
        return texts.get(self.lang) or texts.get(DEFAULT) or next(iter(texts.values()), fallback)


# The translator of the page being rendered: templates and macros imported without context call
# `_()` through it (set by `views.base.render`).
current: ContextVar[Translator] = ContextVar("current", default=Translator(DEFAULT))  # noqa: B039 (frozen)


def gettext(message: str, **values) -> str:
    return current.get().gettext(message, **values)


def ngettext(singular: str, plural: str, count: int, **values) -> str:
    return current.get().ngettext(singular, plural, count, **values)


def from_accept_language(header: str | None) -> str | None:
    """The first of our languages the browser prefers (RFC 9110 quality values)."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, i, primary))
    return min(ranked)[2] if ranked else None


def request_language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(COOKIE)
    if remembered in LANGUAGES:
        return remembered
    return from_accept_language(request.headers.get("accept-language")) or DEFAULT


def translator(request: Request) -> Translator:
    return Translator(request_language(request))
