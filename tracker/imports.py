"""Redemptions and platform metrics from CSV (or JSON records): all or nothing.

Every row is checked before anything is written; a file with bad rows is
refused with every bad row listed by line number. Orders are keyed by
order_id, so importing the same or an overlapping file again adds nothing;
metrics are keyed by (creator, source, day), so a re-import replaces.
"""
from __future__ import annotations

import csv
import functools
import io
import os
from datetime import datetime, timezone
from typing import Callable, Iterable, Iterator

from . import settings, validate
from .errors import BadInput, TooLarge
from .campaigns import get_campaign
from .vocabulary import METRIC_COUNTS as METRIC_FIELDS
from .vocabulary import DECLARED_SOURCES, normalize_handle
from .store import Store

MAX_ERRORS_SHOWN = 50
REDEMPTION_FIELDS = ("order_id", "code", "amount", "currency", "redeemed_at", "click_id")
SHOPIFY_FIELDS = {"name": "order_id", "discount code": "code", "total": "amount",
                  "currency": "currency", "created at": "redeemed_at"}
Record = tuple[int, dict]   # (line number, fields by lower-case name)


class RowErrors(BadInput):
    """Bad rows: the message lists them all, `details` has them as data;
    `read` is how many rows the file had (good and bad)."""

    def __init__(self, what: str, errors: list[tuple[int, str]], read: int | None = None):
        lines = [f"  line {line}: {why}" for line, why in errors[:MAX_ERRORS_SHOWN]]
        if len(errors) > MAX_ERRORS_SHOWN:
            lines.append(f"  … and {len(errors) - MAX_ERRORS_SHOWN} more")
        super().__init__(f"{what} refused, nothing was written: {len(errors)} bad row(s)\n"
                         + "\n".join(lines),
                         details=[{"line": line, "error": why} for line, why in errors])
        self.read = len(errors) if read is None else read


class _DryRun(Exception):
    """Raised inside the write's transaction to roll it back."""


def _write(store: Store, write: Callable[[], dict], dry_run: bool) -> dict:
    """Run write() in one transaction; a dry run rolls it back, so it reports
    exactly what the import would do and leaves nothing behind."""
    try:
        with store.transaction():
            result = write()
            if dry_run:
                raise _DryRun(result)
    except _DryRun as done:
        result = done.args[0]
    return result


# -- reading CSV -------------------------------------------------------------------

def read_csv(source) -> tuple[list[str], Iterator[Record]]:
    """Header (lower-cased) and records of a CSV path or text stream.

    The dialect (comma, semicolon or tab) is sniffed from the start of the
    file; a UTF-8 byte-order mark is dropped.
    """
    if isinstance(source, (str, os.PathLike)):
        size = os.path.getsize(source)
        limit = settings.read("TRACKER_MAX_IMPORT_BYTES")
        if size > limit:
            raise TooLarge(f"{source} is {size} bytes; the limit is {limit} "
                           "(TRACKER_MAX_IMPORT_BYTES)")
        stream = open(source, newline="", encoding="utf-8-sig")
    else:
        stream = source
    try:
        sample = stream.read(64 * 1024)
    except UnicodeDecodeError:
        raise BadInput("the file is not UTF-8 text; save it as CSV UTF-8") from None
    stream.seek(0)
    if sample.startswith("\ufeff"):
        stream = io.StringIO(stream.read().lstrip("\ufeff"))
        sample = sample.lstrip("\ufeff")
    if not sample.strip():
        raise BadInput("the file is empty")
    try:
        dialect = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t")
        dialect.doublequote = True     # RFC 4180 "" inside quotes, whatever the header showed
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(stream, dialect)
    header = [h.strip().lower() for h in next(_decoded(reader))]

    def records():
        try:
            for row in _decoded(reader):
                if not any(cell.strip() for cell in row):
                    continue
                yield reader.line_num, dict(zip(header, (cell.strip() for cell in row)))
        finally:
            if stream is not source:
                stream.close()

    return header, records()


def _decoded(reader):
    """Rows of reader; a byte that is not UTF-8 past the first 64 KiB, or
    broken CSV quoting, is a clear error too, not a traceback."""
    try:
        yield from reader
    except UnicodeDecodeError:
        raise BadInput(f"line {reader.line_num + 1} is not UTF-8 text; save the file as CSV UTF-8") from None
    except csv.Error as exc:
        raise BadInput(f"line {reader.line_num}: not readable as CSV ({exc})") from None


def refuse_nul(record: dict) -> None:
    """A NUL character is never data (and PostgreSQL cannot store one)."""
    for name, value in record.items():
        if value and "\x00" in value:
            raise BadInput(f"{name} contains a NUL character")


def _missing(header: list[str], required: Iterable[str]) -> list[str]:
    return [name for name in required if name not in header]


# -- redemptions --------------------------------------------------------------------

def redemption_records(header: list[str], records: Iterator[Record]) -> tuple[str, Iterator[Record]]:
    """('generic' | 'shopify', records with our field names)."""
    if not _missing(header, SHOPIFY_FIELDS):
        def shopify():
            seen = set()
            for line, rec in records:
                name = rec.get("name", "")
                if name in seen:          # a further line item of the same order
                    continue
                seen.add(name)
                yield line, {ours: rec.get(theirs, "") for theirs, ours in SHOPIFY_FIELDS.items()}
        return "shopify", shopify()
    missing = _missing(header, ("order_id", "code", "amount", "redeemed_at"))
    if "code" in missing and "click_id" in header:
        missing.remove("code")
    if missing:
        raise BadInput(f"missing column(s): {', '.join(missing)}; expected "
                       f"{','.join(REDEMPTION_FIELDS)} or a Shopify orders export")
    return "generic", records


def check_redemptions(store: Store, records: Iterable[Record], campaign: dict | None = None,
                      lenient_codes: bool = False, progress: Callable | None = None):
    """Validate orders; return (rows to insert, errors, skipped notes).

    lenient_codes: a Shopify export holds every order of the shop, so an
    order without a campaign code is skipped (and counted), not an error.
    """
    rows, errors, skipped, seen = [], [], {}, {}
    now = validate.iso_utc(datetime.now(timezone.utc))
    # Codes and campaigns repeat across orders: look each up once per import.
    promo_code = functools.lru_cache(maxsize=None)(store.promo_code)
    campaign_by_id = functools.lru_cache(maxsize=None)(store.campaign_by_id)
    for n, (line, rec) in enumerate(records, 1):
        if progress and n % 1000 == 0:
            progress(n)
        try:
            refuse_nul(rec)
            row = _redemption(store, rec, campaign, lenient_codes, promo_code, campaign_by_id)
        except BadInput as exc:
            errors.append((line, exc.message))
            continue
        if row is None:
            code = rec.get("code") or "(no code)"
            skipped[code] = skipped.get(code, 0) + 1
            continue
        if row["order_id"] in seen:
            errors.append((line, f"order {row['order_id']!r} appears twice "
                                 f"(first on line {seen[row['order_id']]})"))
            continue
        seen[row["order_id"]] = line
        row["imported_at"] = now
        rows.append(row)
    return rows, errors, skipped


def _redemption(store: Store, rec: dict, campaign: dict | None, lenient: bool,
                promo_code, campaign_by_id) -> dict | None:
    order_id = validate.text("order_id", rec.get("order_id"), 128)
    code = (rec.get("code") or "").strip().lower() or None
    click_id = (rec.get("click_id") or "").strip() or None
    click = store.click_owner(click_id) if click_id else None
    promo = promo_code(code) if code else None
    if click is None and promo is None:
        if lenient:
            return None
        if code:
            raise BadInput(f"code {code!r} matches no campaign's promo code"
                           + (f" and click_id {click_id!r} matches no click" if click_id else ""))
        if click_id:
            raise BadInput(f"click_id {click_id!r} matches no click, and there is no code")
        raise BadInput("neither code nor click_id is given")
    owner_id = click["campaign_id"] if click else promo["campaign_id"]
    if campaign is not None and owner_id != campaign["id"]:
        # Worded like "no match": a campaign-scoped caller learns nothing of others.
        raise BadInput(f"neither code nor click_id of order {order_id!r} belongs to campaign "
                       f"{campaign['slug']!r}")
    owner = campaign or campaign_by_id(owner_id)
    currency = (rec.get("currency") or owner["currency"]).strip().upper()
    if currency != owner["currency"]:
        raise BadInput(f"currency {currency} differs from the campaign's {owner['currency']} "
                       "(currency conversion is not supported)")
    return {
        "order_id": order_id, "campaign_id": owner_id, "code": code, "click_id": click_id,
        "amount_minor": validate.money(rec.get("amount"), currency, "amount"),
        "currency": currency,
        "redeemed_at": validate.iso_utc(validate.timestamp(rec.get("redeemed_at"), "redeemed_at")),
    }


def save_redemptions(store: Store, records: Iterable[Record], campaign_slug: str | None = None,
                     kind: str = "generic", progress: Callable | None = None,
                     dry_run: bool = False) -> dict:
    """Check every order, then write them all in one transaction or none.
    dry_run: check and count the same way, write nothing."""
    campaign = get_campaign(store, campaign_slug) if campaign_slug else None
    rows, errors, skipped = check_redemptions(store, records, campaign,
                                              lenient_codes=(kind == "shopify"), progress=progress)
    read = len(rows) + len(errors) + sum(skipped.values())
    if errors:
        raise RowErrors("import", errors, read)

    def write():
        new = store.insert_redemptions(rows)
        return {"format": kind, "read": read, "orders": len(rows), "new": new,
                "already_imported": len(rows) - new, "skipped": skipped}
    return _write(store, write, dry_run)


def import_redemptions(store: Store, source, campaign_slug: str | None = None,
                       progress: Callable | None = None, dry_run: bool = False) -> dict:
    header, records = read_csv(source)
    kind, records = redemption_records(header, records)
    return save_redemptions(store, records, campaign_slug, kind, progress, dry_run)


# -- platform metrics ------------------------------------------------------------------

def _count(field: str, raw: str | None) -> int | None:
    raw = (raw or "").strip()
    if raw == "":
        return None               # not reported is not zero
    if not (raw.isascii() and raw.isdigit()):
        raise BadInput(f"{field} {raw!r} is not a whole number")
    return int(raw)


def check_metric_records(records: Iterable[Record], handles, currency: str, on: str,
                         progress: Callable | None = None):
    """Rows of our own metrics layout checked without a store: (rows, errors).

    handles: the creators a row may name; on: how a message names where
    they are enrolled ("campaign 'spring'"). Each row is keyed by "creator"
    (the handle), "source" and "day".
    """
    rows, errors, seen = [], [], {}
    for n, (line, rec) in enumerate(records, 1):
        if progress and n % 1000 == 0:
            progress(n)
        try:
            refuse_nul(rec)
            day = validate.day(rec.get("date"), "date").isoformat()
            handle = normalize_handle(rec.get("creator"))
            if handle not in handles:
                raise BadInput(f"creator {handle!r} is not on {on}")
            source = validate.choice("source", rec.get("source"), DECLARED_SOURCES)
            row = {"creator": handle, "source": source, "day": day}
            for field in METRIC_FIELDS:
                row[field] = _count(field, rec.get(field))
            spend = (rec.get("spend") or "").strip()
            row["spend_minor"] = validate.money(spend, currency, "spend") if spend else None
            if source == "organic" and row["spend_minor"]:
                raise BadInput("spend on an organic row: ad spend belongs on sponsored rows")
        except BadInput as exc:
            errors.append((line, exc.message))
            continue
        key = (handle, source, day)
        if key in seen:
            errors.append((line, f"{handle} {source} {day} appears twice (first on line {seen[key]})"))
            continue
        seen[key] = line
        rows.append(row)
    return rows, errors


def check_metrics(store: Store, campaign: dict, records: Iterable[Record],
                  progress: Callable | None = None):
    enrolled = {c["handle"]: c["id"] for c in store.campaign_creators(campaign["id"])}
    rows, errors = check_metric_records(records, enrolled, campaign["currency"],
                                        f"campaign {campaign['slug']!r}", progress)
    return [{"campaign_id": campaign["id"], "creator_id": enrolled[row.pop("creator")], **row}
            for row in rows], errors


def save_metrics(store: Store, campaign_slug: str, records: Iterable[Record],
                 progress: Callable | None = None, dry_run: bool = False) -> dict:
    """Check every row, then write them all in one transaction or none: a
    row whose creator, source and day are stored already replaces it.
    dry_run: check and count the same way, write nothing."""
    campaign = get_campaign(store, campaign_slug)
    rows, errors = check_metrics(store, campaign, records, progress)
    if errors:
        raise RowErrors("import", errors, len(rows) + len(errors))

    def write():
        stored = store.metric_keys(campaign["id"])
        replaced = sum((r["creator_id"], r["source"], r["day"]) in stored for r in rows)
        store.upsert_metrics(rows)
        return {"rows": len(rows), "new": len(rows) - replaced, "replaced": replaced}
    return _write(store, write, dry_run)


def import_metrics(store: Store, source, campaign_slug: str,
                   progress: Callable | None = None, creator: str | None = None,
                   filename: str | None = None, dry_run: bool = False) -> dict:
    """A metrics file as the platform exported it (tracker.metrics reads
    Meta Ads, TikTok Ads, TikTok Studio, Instagram and our own layout; CSV
    or XLSX), stored in one transaction: a re-import of a key replaces it
    (`replaced` counts those). dry_run: the same checks and counts, nothing
    written.
    """
    from .metrics import parse_metrics    # openpyxl and the format tables load only here

    campaign = get_campaign(store, campaign_slug)
    enrolled = {c["handle"]: c["id"] for c in store.campaign_creators(campaign["id"])}
    if filename is None:
        filename = os.path.basename(source) if isinstance(source, (str, os.PathLike)) else "the file"
    parsed = parse_metrics(source, str(filename), handles=list(enrolled),
                           currency=campaign["currency"], creator=creator,
                           campaign=campaign["slug"])
    rows = [{"campaign_id": campaign["id"], "creator_id": enrolled[row["creator"]],
             **{k: v for k, v in row.items() if k != "creator"}} for row in parsed.rows]

    def write():
        stored = store.metric_keys(campaign["id"])
        replaced = sum((r["creator_id"], r["source"], r["day"]) in stored for r in rows)
        store.upsert_metrics(rows)
        return {"format": parsed.format, "format_label": parsed.label, "rows": len(rows),
                "new": len(rows) - replaced, "replaced": replaced,
                "skipped_unmatched": parsed.skipped_unmatched,
                "skipped_totals": parsed.skipped_totals, "creators": parsed.summary}
    return _write(store, write, dry_run)
