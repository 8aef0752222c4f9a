"""The click log as CSV, for `tracker export clicks` and the stats page.

Rows stream from a database cursor to the output, a batch at a time: memory
stays constant whatever the number of clicks. The database hands over
finished text cells (store.export_click_cells, with FORMULA_START as the
rule), and a row that needs no CSV quoting is written by joining its cells.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from itertools import islice

from .. import validate
from ..campaigns import get_campaign, get_creator
from ..errors import BadInput
from ..store import Store
from ..vocabulary import FIRST_DAY, LAST_DAY

# New columns go at the end: spreadsheets and scripts read the old ones by position.
COLUMNS = (
    "click_id",
    "clicked_at",
    "campaign",
    "creator",
    "platform",
    "channel",
    "source",
    "reason",
    "is_bot",
    "device",
    "os",
    "browser",
    "referrer_host",
    "ad_click_id",
    "visitor",
    "country",
    "language",
    "qr_scan",
)
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FETCH_ROWS = 1000  # rows per database fetch
WRITE_ROWS = 256  # rows per writerows() call between chunk checks (any rows)
CHUNK_CHARS = 64 * 1024  # a chunk is handed out once the buffer holds this much


def safe_cell(value) -> str:
    """Neutralise formula injection (OWASP): prefix a quote to risky cells.
    (The export does this in its query; this is the same rule for one value.)"""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


class ClickRows:
    """A campaign's export rows, header first. Iterate for one list of cells
    per row; csv_chunks takes them a batch at a time. `count` is the number
    of click rows handed out so far."""

    def __init__(self, batches: Iterator[list[tuple]]):
        self._batches = batches
        self.count = 0

    def batches(self) -> Iterator[list]:
        yield [COLUMNS]
        for batch in self._batches:
            self.count += len(batch)
            yield batch

    def __iter__(self) -> Iterator[list[str]]:
        for batch in self.batches():
            for row in batch:
                yield list(row)


def click_rows(
    store: Store,
    slug: str,
    since: str | None = None,
    until: str | None = None,
    include_bots: bool = False,
    creator: str | None = None,
) -> ClickRows:
    """Export rows (header first) for a campaign, or one creator of it; dates
    are the campaign's local days. Bad arguments fail here, before any row."""
    campaign = get_campaign(store, slug)
    creator_id = get_creator(store, creator)["id"] if creator else None
    day_from = validate.day(since, "since").isoformat() if since else FIRST_DAY
    day_to = validate.day(until, "until").isoformat() if until else LAST_DAY
    if day_from > day_to:
        raise BadInput(f"since {since} is after until {until}")
    return ClickRows(
        store.export_click_cells(
            campaign["id"], day_from, day_to, include_bots, creator_id, FORMULA_START, FETCH_ROWS
        )
    )


def _batched(rows: Iterable, size: int) -> Iterator[list]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


def csv_chunks(
    rows: Iterable[list[str]] | ClickRows, chunk_chars: int = CHUNK_CHARS
) -> Iterator[str]:
    """CSV text (RFC 4180 quoting, CRLF) in chunks of about chunk_chars."""
    if isinstance(rows, ClickRows):
        yield from _click_csv(rows, chunk_chars)
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for batch in _batched(rows, WRITE_ROWS):
        writer.writerows(batch)
        if buffer.tell() >= chunk_chars:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def _click_csv(rows: ClickRows, chunk_chars: int) -> Iterator[str]:
    """The export's CSV, the way csv.writer writes it, five times faster.

    A row none of whose cells holds a comma, a quote, CR or LF is written
    by csv.writer (excel dialect, QUOTE_MINIMAL) as its cells joined by
    commas: so such a row, nearly every one, is just joined (0.4 µs against
    2.4 µs in the writer), and any other row goes through the writer."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    commas = len(COLUMNS) - 1
    parts: list[str] = []
    size = 0
    for batch in rows.batches():
        for row in batch:
            line = ",".join(row)
            if (
                line.count(",") == commas
                and '"' not in line
                and "\r" not in line
                and "\n" not in line
            ):
                parts.append(line)
                parts.append("\r\n")
                size += len(line) + 2
            else:
                writer.writerow(row)
                quoted = buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
                parts.append(quoted)
                size += len(quoted)
            if size >= chunk_chars:
                yield "".join(parts)
                parts.clear()
                size = 0
    if parts:
        yield "".join(parts)
