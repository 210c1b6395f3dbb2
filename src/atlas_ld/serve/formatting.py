"""Numbers, amounts and dates as a page shows them, in the page's language."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def decimal_of(term: dict | None) -> Decimal | None:
    """A SPARQL-JSON literal as a Decimal (money is never a float), None when not a number."""
    if not term:
        return None
    try:
        return Decimal(term["value"])
    except InvalidOperation:
        return None


def money(value) -> str:
    """French notation, to the cent when the page gives cents: a total must add up on screen."""
    if value is None or value == "":
        return ""
    amount = Decimal(str(value))
    places = ".0f" if amount == amount.to_integral_value() else ".2f"
    return format(amount, "," + places).replace(",", "\u202f").replace(".", ",") + " €"
