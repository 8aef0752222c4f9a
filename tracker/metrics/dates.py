"""Days as the exports write them.

Accepted: date or datetime cells (XLSX); ``2026-11-03`` with or without a
time after it (ISO, also ``2026/11/03``); ``03.11.2026`` (day first, as
German spreadsheets write it); ``Nov 3, 2026`` and ``3 Nov 2026``; and
``11/03/2026``. A time after the date is ignored: the day is the date part
as written, in the export's own time zone, never converted.

Slashed dates are the ambiguous ones. The order is decided once per file
(:func:`slash_order`): day first if some date's first number is above 12,
month first otherwise (the order of Meta's and TikTok's English exports);
a file that shows both orders is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime

from ..errors import BadInput

ISO_RE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:$|[T\s].*)")
DOTS_RE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:$|[\s,].*)")
SLASH_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:$|[\s,T].*)")
MONTH_FIRST_RE = re.compile(r"([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})(?:$|[\s,].*)")
DAY_FIRST_RE = re.compile(r"(\d{1,2}) ([A-Za-z]{3,9})\.?,? (\d{4})(?:$|[\s,].*)")
MONTHS = {
    name: n
    for n, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        1,
    )
    for name in names
}
MONTH_FIRST, DAY_FIRST = "month first", "day first"


def slash_order(cells: Iterable) -> str:
    """MONTH_FIRST or DAY_FIRST for the slashed dates among `cells`."""
    day_first = month_first = None
    for cell in cells:
        match = SLASH_RE.fullmatch(cell.strip()) if isinstance(cell, str) else None
        if not match:
            continue
        first, second = int(match[1]), int(match[2])
        if first > 12 >= second:
            day_first = day_first or cell.strip()
        elif second > 12 >= first:
            month_first = month_first or cell.strip()
    if day_first and month_first:
        raise BadInput(
            f"the file's dates mix day-first ({day_first!r}) and month-first "
            f"({month_first!r}) order; export the file again without editing the dates"
        )
    return DAY_FIRST if day_first else MONTH_FIRST


def day(value, label: str, order: str = MONTH_FIRST) -> date:
    """The calendar day of a cell (see the module text for the forms)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    try:
        if match := ISO_RE.fullmatch(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := DOTS_RE.fullmatch(text):
            return date(int(match[3]), int(match[2]), int(match[1]))
        if match := SLASH_RE.fullmatch(text):
            first, second = int(match[1]), int(match[2])
            month, dom = (second, first) if order == DAY_FIRST else (first, second)
            return date(int(match[3]), month, dom)
        if (match := MONTH_FIRST_RE.fullmatch(text)) and match[1].lower() in MONTHS:
            return date(int(match[3]), MONTHS[match[1].lower()], int(match[2]))
        if (match := DAY_FIRST_RE.fullmatch(text)) and match[2].lower() in MONTHS:
            return date(int(match[3]), MONTHS[match[2].lower()], int(match[1]))
    except ValueError:
        pass
    raise BadInput(
        f"{label} {text!r} is not a date (e.g. 2026-11-03, 11/03/2026, 03.11.2026 or Nov 3, 2026)"
    )
