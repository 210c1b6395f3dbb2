"""Numbers, amounts and years as a page shows them, in the page's language (Babel, CLDR data).

Money is read as Decimal and shown to the cent only when it has cents, so a total adds up on
screen: "110 000 €" and "1 445,50 €" in French, "€110,000" and "€1,445.50" in English.
"""

from __future__ import annotations

import copy
from decimal import Decimal, InvalidOperation
from functools import cache

from babel import Locale
from babel.numbers import NumberPattern, format_currency, format_decimal, parse_pattern


def decimal_of(term: dict | None) -> Decimal | None:
    """A SPARQL-JSON literal as a Decimal (money is never a float), None when not a number."""
    if not term:
        return None
    try:
        return Decimal(term["value"])
    except InvalidOperation:
        return None


@cache
def _whole_euros(lang: str) -> NumberPattern:
    """The language's currency pattern without decimals."""
    pattern = copy.copy(parse_pattern(Locale.parse(lang).currency_formats["standard"]))
    pattern.frac_prec = (0, 0)
    return pattern


def money(value, lang: str = "fr") -> str:
    """An amount in euros; "" for no amount."""
    if value is None or value == "":
        return ""
    amount = Decimal(str(value))
    if amount == amount.to_integral_value():
        return format_currency(
            amount, "EUR", format=_whole_euros(lang), locale=lang, currency_digits=False
        )
    return format_currency(amount, "EUR", locale=lang)


def number(value, lang: str = "fr") -> str:
    """A count or other number with the language's grouping ("12 700", "12,700")."""
    if value is None or value == "":
        return ""
    try:
        return format_decimal(Decimal(str(value)), locale=lang)
    except InvalidOperation:
        return str(value)


def years(first: str | None, last: str | None, lang: str = "fr") -> str:
    """A span of years: "2011–2014", "2011", or "" when unknown."""
    if first and last and first != last:
        return f"{first}–{last}"
    return first or last or ""
