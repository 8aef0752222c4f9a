"""Numbers for humans: currency, percentages, thousands; "—" for unknown.

Shared by the stats page (as Jinja filters) and `tracker report`.
"""

from __future__ import annotations

from decimal import Decimal

from babel import Locale
from babel.numbers import format_currency, format_decimal, format_percent

DASH = "—"
LOCALE = "en_US"


def number(value) -> str:
    return DASH if value is None else format_decimal(value, locale=LOCALE)


def money(value, currency: str) -> str:
    return DASH if value is None else format_currency(Decimal(value), currency, locale=LOCALE)


def percent(value, digits: int = 1) -> str:
    if value is None:
        return DASH
    return format_percent(value, format="#,##0." + "0" * digits + "%", locale=LOCALE)


def multiple(value) -> str:
    """ROAS as '3.20×'."""
    return (
        DASH
        if value is None
        else f"{format_decimal(round(value, 2), format='#,##0.00', locale=LOCALE)}×"
    )


def country_name(code: str | None) -> str:
    """'DE' -> 'Germany'; '' for None or a code without a name."""
    return Locale.parse(LOCALE).territories.get(code, "") if code else ""


def language_name(code: str | None) -> str:
    """'de' -> 'German'; '' for None or a code without a name."""
    return Locale.parse(LOCALE).languages.get(code, "") if code else ""
