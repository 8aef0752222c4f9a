"""The entry point: a metrics export as the platform gave it -> the daily
rows to store, per (creator, source, day), and a summary.

Pure: no store, no Flask. Every row is checked first; any bad row refuses
the whole file with every bad row listed by line (imports.RowErrors).

* Ad exports (Meta Ads Manager, TikTok Ads Manager) are ``sponsored``. A row
  belongs to the one enrolled creator named in its ad name, else its ad set /
  ad group name, else its campaign name (see assign.py), or to `creator`
  when given. Rows that name no creator are skipped and counted (the ad
  account runs other ads too); total and summary rows are skipped and
  counted too.
* Content exports (TikTok Studio, Instagram / Meta Business Suite) are one
  creator's ``organic`` posts and need `creator`. A post's lifetime figures
  count on its publish day (the date part of the publish time as written).
* Our own layout goes through imports.check_metric_records, as
  ``tracker import metrics`` always did (one row per key; duplicates refused).

Rows of the same (creator, source, day) are summed (several ads or posts
on one day); a field is None only when no row of the sum reported it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from .. import imports, validate
from ..errors import BadInput
from ..vocabulary import DECLARED_SOURCES, METRIC_COLUMNS, METRIC_COUNTS
from . import dates, numbers
from .assign import Roster, account_handle
from .headers import ADS, BY_NAME, CONTENT, Match, recognise
from .tables import as_text, read_table

ORGANIC, SPONSORED = DECLARED_SOURCES
#: A cell that marks a total or summary row: "Total", "Totals", "Grand total",
#: "Results", "Summary", "Total of 12 results", "Total: 12 ads", ...
TOTAL_RE = re.compile(
    r"(grand\s+)?(totals?|summary|results?)(\s*[:(\-\u2013].*|\s+of\s+\d.*)?", re.IGNORECASE
)
NAMES = ("ad", "ad_group", "campaign")  # most specific first


@dataclass(frozen=True)
class ParsedMetrics:
    format: str  # meta_ads, tiktok_ads, tiktok_studio, instagram_content, tracker_csv
    rows: list[dict]  # creator, source, day, METRIC_COLUMNS (None: not reported)
    skipped_unmatched: int  # ad rows that name no enrolled creator
    skipped_totals: int  # total / summary rows
    summary: dict[str, dict] = field(default_factory=dict)
    # summary[handle] = {"days": {"first", "last", "count"}, "rows": n,
    #                    "totals": {field: sum or None for METRIC_COLUMNS}}

    @property
    def label(self) -> str:
        return BY_NAME[self.format].label


def parse_metrics(
    source,
    filename: str,
    *,
    handles: Sequence[str],
    currency: str,
    creator: str | None = None,
    campaign: str | None = None,
) -> ParsedMetrics:
    """Read a metrics export (CSV or XLSX; a path or an uploaded stream).

    handles: the campaign's enrolled creators; currency: the campaign's
    (amounts are never converted); creator: assigns every row to one
    enrolled creator (required for content exports); campaign: its slug, to
    name it in messages.
    """
    currency = validate.currency(currency)
    roster = Roster(handles)
    creator = roster.enrolled(creator) if creator is not None else None
    header, reader = read_table(source, filename)
    records = list(reader)  # read to the end: the file (or workbook) is closed
    found = recognise(header, currency, filename)
    if not records:
        raise BadInput(f"{filename} has a header but no rows")
    if found.format.kind == CONTENT and creator is None:
        raise BadInput(
            f"{filename} is a {found.format.label}: one creator's posts, and the file "
            "does not say whose. Name the creator (--creator HANDLE)"
        )
    if found.format.kind in (ADS, CONTENT):
        rows, errors, unmatched, totals = _platform_rows(found, records, roster, currency, creator)
    else:
        rows, errors = _our_rows(found, records, roster, currency, creator, campaign)
        unmatched = totals = 0
    if errors:
        rows_read = sum(1 for _ in records)
        raise imports.RowErrors(f"{filename} ({found.format.label})", errors, rows_read)
    rows.sort(key=lambda r: (r["creator"], r["source"], r["day"]))
    return ParsedMetrics(found.format.name, rows, unmatched, totals, _summary(rows))


# -- platform exports ------------------------------------------------------------------


def _platform_rows(found: Match, records, roster: Roster, currency: str, creator: str | None):
    fmt, cols = found.format, found.columns
    source = SPONSORED if fmt.kind == ADS else ORGANIC
    order = dates.slash_order(
        rec.get(cols[f].header)
        for _, rec in records
        for f in ("day", "starts", "ends", "posted")
        if f in cols
    )
    sums: dict[tuple, dict] = {}
    errors, unmatched, totals = [], 0, 0
    for line, rec in records:
        cell = {name: rec.get(col.header) for name, col in cols.items()}
        try:
            imports.refuse_nul({k: v for k, v in cell.items() if isinstance(v, str)})
            if _is_total(found, cell, rec):
                totals += 1
                continue
            who = _owner(found, cell, roster, creator)
            if who is None:
                unmatched += 1
                continue
            day = _day(found, cell, order)
            row = {
                name: numbers.count(cell.get(name), cols[name].label) if name in cols else None
                for name in METRIC_COUNTS
            }
            row["spend_minor"] = (
                numbers.money(cell.get("spend"), currency, cols["spend"].label)
                if "spend" in cols
                else None
            )
            _same_currency(found, cell, currency)
        except BadInput as exc:
            errors.append((line, exc.message))
            continue
        key = (who, source, day.isoformat())
        total = sums.setdefault(
            key, {"creator": who, "source": source, "day": key[2], **dict.fromkeys(METRIC_COLUMNS)}
        )
        _add(total, row)
    return list(sums.values()), errors, unmatched, totals


def _is_total(found: Match, cell: dict, rec: dict) -> bool:
    """A total or summary row: Meta's and TikTok's exports have one."""
    cols = found.columns

    def says_total(value) -> bool:
        return isinstance(value, str) and bool(TOTAL_RE.fullmatch(value.strip()))

    first = next(iter(rec.values()), None)
    if found.format.kind == CONTENT:  # a post always has its publish time
        posted = cell.get("posted")
        return says_total(posted) or (
            numbers.blank(posted) and (says_total(cell.get("title")) or says_total(first))
        )
    day = cell.get("day") if "day" in cols else cell.get("starts")
    names = [cell.get(n) for n in NAMES if n in cols]
    return (
        numbers.blank(day)
        or says_total(day)
        or says_total(first)
        or any(says_total(n) for n in names)
        or all(numbers.blank(n) for n in names)
    )


def _owner(found: Match, cell: dict, roster: Roster, creator: str | None) -> str | None:
    cols = found.columns
    if found.format.kind == CONTENT:
        if "account" in cols:
            account = account_handle(cell.get("account"))
            if account and account != creator:
                raise BadInput(
                    f"{cols['account'].label} {as_text(cell.get('account'))!r} is "
                    f"@{account}'s, but this import is for @{creator}"
                )
        return creator
    if creator:
        return creator
    return roster.owner([(cols[n].label, cell.get(n)) for n in NAMES if n in cols])


def _day(found: Match, cell: dict, order: str):
    cols = found.columns
    if found.format.kind == CONTENT:
        if numbers.blank(cell.get("posted")):
            raise BadInput(f"{cols['posted'].label} is empty")
        return dates.day(cell["posted"], cols["posted"].label, order)
    if "day" in cols:
        return dates.day(cell.get("day"), cols["day"].label, order)
    starts = dates.day(cell.get("starts"), cols["starts"].label, order)
    ends = dates.day(cell.get("ends"), cols["ends"].label, order)
    if starts != ends:
        raise BadInput(
            f"this row covers {starts} to {ends}, several days at once; break the "
            "report down by day in Ads Manager (Breakdown > By time > Day) and "
            "export it again"
        )
    return starts


def _same_currency(found: Match, cell: dict, currency: str) -> None:
    if "currency" not in found.columns or numbers.blank(cell.get("currency")):
        return
    code = str(cell["currency"]).strip().upper()
    if code != currency:
        raise BadInput(
            f"{found.columns['currency'].label} {code} is not the campaign's "
            f"{currency}; amounts are never converted"
        )


def _add(total: dict, row: dict) -> None:
    for name in METRIC_COLUMNS:
        if row[name] is not None:
            total[name] = (total[name] or 0) + row[name]


# -- our own layout --------------------------------------------------------------------


def _our_rows(
    found: Match, records, roster: Roster, currency: str, creator: str | None, campaign: str | None
):
    handles: Collection[str]
    if creator:
        handles, on = {creator}, f"this import, which is for {creator!r} only"
    else:
        handles, on = roster.handles, f"campaign {campaign!r}" if campaign else "this campaign"
    texts = (
        (line, {name: as_text(rec.get(col.header)) for name, col in found.columns.items()})
        for line, rec in records
    )
    return imports.check_metric_records(texts, handles, currency, on)


# -- summary ---------------------------------------------------------------------------


def _summary(rows: list[dict]) -> dict[str, dict]:
    days: dict[str, set] = {}
    summary: dict[str, dict] = {}
    for row in rows:
        who = row["creator"]
        entry = summary.setdefault(
            who, {"days": None, "rows": 0, "totals": dict.fromkeys(METRIC_COLUMNS)}
        )
        entry["rows"] += 1
        days.setdefault(who, set()).add(row["day"])
        _add(entry["totals"], row)
    for who, entry in summary.items():
        entry["days"] = {"first": min(days[who]), "last": max(days[who]), "count": len(days[who])}
    return summary
