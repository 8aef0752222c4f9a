"""The click log as CSV, for `tracker export clicks` and the stats page.

Rows stream from a database cursor to the output: memory stays constant
whatever the number of clicks.
"""
from __future__ import annotations

import csv
import io
from typing import Iterable, Iterator

from .. import validate
from ..campaigns import get_campaign, get_creator
from ..errors import BadInput
from ..store import Store
from ..vocabulary import FIRST_DAY, LAST_DAY

# New columns go at the end: spreadsheets and scripts read the old ones by position.
COLUMNS = ("click_id", "clicked_at", "campaign", "creator", "platform", "channel",
           "source", "reason", "is_bot", "device", "os", "browser", "referrer_host",
           "ad_click_id", "visitor", "country", "language", "qr_scan")
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """Neutralise formula injection (OWASP): prefix a quote to risky cells."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def click_rows(store: Store, slug: str, since: str | None = None, until: str | None = None,
               include_bots: bool = False, creator: str | None = None) -> Iterator[list[str]]:
    """Export rows (header first) for a campaign, or one creator of it; dates
    are the campaign's local days."""
    campaign = get_campaign(store, slug)
    creator_id = get_creator(store, creator)["id"] if creator else None
    day_from = validate.day(since, "since").isoformat() if since else FIRST_DAY
    day_to = validate.day(until, "until").isoformat() if until else LAST_DAY
    if day_from > day_to:
        raise BadInput(f"since {since} is after until {until}")
    rows = store.export_clicks(campaign["id"], day_from, day_to, include_bots, creator_id)

    def generate():
        yield list(COLUMNS)
        for row in rows:
            row["is_bot"] = bool(row["is_bot"])
            row["qr_scan"] = bool(row["qr_scan"])
            yield [safe_cell(row[c]) for c in COLUMNS]

    return generate()


def csv_chunks(rows: Iterable[list[str]], batch: int = 500) -> Iterator[str]:
    """CSV text in chunks of `batch` rows (RFC 4180 quoting, CRLF)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for n, row in enumerate(rows, 1):
        writer.writerow(row)
        if n % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()
