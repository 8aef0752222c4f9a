"""Counts and money as the platforms (and the spreadsheets people save
them from) write them.

The rule, per value (no per-file guess is needed):

* ``""``, ``-``, ``--``, ``–``, ``—`` mean *not reported*: None, never 0.
* Spaces (also no-break and thin spaces) and apostrophes only ever group
  thousands: ``1 234,56``, ``1'234.56``.
* When both ``.`` and ``,`` appear, the rightmost one is the decimal mark
  (``1,234.56`` and ``1.234,56``).
* When only one of them appears, more than once, it groups thousands
  (``1.234.567``). Once, followed by anything but exactly three digits, it is
  the decimal mark (``12,5`` or ``12.50``).
* Once, after digits other than a lone 0, and followed by exactly three
  digits (``1,234`` or ``1.234``) it groups thousands: a count has no
  decimals, and an amount in a currency with fewer than three decimals
  cannot have three. For a currency with
  three decimals (KWD, BHD, ...) such an amount is ambiguous and refused.
* A count may end in ``K``, ``M`` or ``B`` (TikTok Studio writes ``1.2K``);
  then the single mark before it is the decimal mark (``1,2K`` = 1200) and
  the result must be a whole number.
* Negative values are refused; counts must be whole numbers.

Spreadsheet cells that already hold numbers (XLSX) are taken as they are.
Money becomes exact integer minor units through :func:`validate.money`.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

from babel.numbers import get_currency_precision

from .. import validate
from ..errors import BadInput

NOT_REPORTED = frozenset({"", "-", "--", "\u2013", "\u2014"})
SUFFIXES = {"k": 3, "m": 6, "b": 9}
NUMBER_RE = re.compile(r"(?P<number>\d[\d.,' \u00a0\u202f\u2009\u2019]*?)\s*(?P<suffix>[kKmMbB])?")
HINT = "write digits with one decimal mark, e.g. 1234.56 or 1.234,56"


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() in NOT_REPORTED)


def count(value, label: str) -> int | None:
    """A whole, non-negative number of things, or None when not reported."""
    if blank(value):
        return None
    if isinstance(value, bool):
        raise BadInput(f"{label} {value!r} is not a number")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = _float(value, label)
    else:
        number = _text(str(value), label, allow_suffix=True, three_digits_group=True)
    if number < 0:
        raise BadInput(f"{label} {value!r} must not be negative")
    if number != number.to_integral_value():
        raise BadInput(f"{label} {value!r} is not a whole number")
    return int(number)


def money(value, currency: str, label: str) -> int | None:
    """An amount in `currency` as exact integer minor units, or None."""
    if blank(value):
        return None
    if isinstance(value, bool):
        raise BadInput(f"{label} {value!r} is not a number")
    if isinstance(value, (int, float)):
        number = Decimal(value) if isinstance(value, int) else _float(value, label)
    else:
        raw = str(value)
        number = _text(
            raw, label, allow_suffix=False, three_digits_group=get_currency_precision(currency) < 3
        )
    plain = format(number, "f")
    try:
        return validate.money(plain, currency, label)
    except BadInput as exc:  # values' words, about the value as the file wrote it
        raise BadInput(exc.message.replace(repr(plain), repr(value))) from None


def _float(value: float, label: str) -> Decimal:
    if not math.isfinite(value):
        raise BadInput(f"{label} {value!r} is not a number")
    return Decimal(
        repr(value)
    )  # the shortest decimal that is this float: 12.3, not 12.300000000000000710


def _text(raw: str, label: str, *, allow_suffix: bool, three_digits_group: bool) -> Decimal:
    text = raw.strip()
    match = NUMBER_RE.fullmatch(text)
    if not match or (match["suffix"] and not allow_suffix):
        if text.startswith("-") and NUMBER_RE.fullmatch(text[1:].strip()):
            raise BadInput(f"{label} {raw!r} must not be negative")
        raise BadInput(f"{label} {raw!r} is not a number ({HINT})")
    number, suffix = match["number"], match["suffix"]
    marks = [ch for ch in number if ch in ".,"]
    decimal_mark = None
    if "." in marks and "," in marks:
        decimal_mark = marks[-1]
    elif marks and len(marks) == 1:
        head, tail = number.rsplit(marks[0], 1)
        if suffix or not (len(tail) == 3 and tail.isdigit()) or head.strip() == "0":
            decimal_mark = marks[0]
        elif not three_digits_group:
            raise BadInput(
                f"{label} {raw!r} is ambiguous: {marks[0]!r} could group thousands "
                "or mark decimals; write it without thousands separators"
            )
    whole, fraction = number.rsplit(decimal_mark, 1) if decimal_mark else (number, "")
    if not fraction.isdigit() and fraction:
        raise BadInput(f"{label} {raw!r} is not a number ({HINT})")
    groups = re.split(r"[.,' \u00a0\u202f\u2009\u2019]", whole)
    separators = {ch for ch in whole if not ch.isdigit()}
    if len(groups) > 1 and (
        len({".", ","} & separators) > 1
        or not 1 <= len(groups[0]) <= 3
        or any(len(g) != 3 for g in groups[1:])
    ):
        raise BadInput(f"{label} {raw!r} has misplaced thousands separators ({HINT})")
    result = Decimal("".join(groups) + ("." + fraction if fraction else ""))
    if suffix:
        result = result.scaleb(SUFFIXES[suffix.lower()])
    return result
