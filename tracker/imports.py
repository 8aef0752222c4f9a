"""Redemptions and platform metrics from CSV (or JSON records): all or nothing.

Every row is checked before anything is written; a file with bad rows is
refused with every bad row listed by line number. Orders are keyed by
(shop, order id): importing the same or an overlapping file again adds
nothing, and an order whose amount, code, status or refund changed is
updated (tracker/orders/ledger.py writes them, as it writes webhooks).
Metrics are keyed by (creator, source, day), so a re-import replaces.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from . import settings, validate
from .campaigns import get_campaign
from .errors import BadInput, TooLarge
from .orders import ledger, shops
from .store import Store
from .vocabulary import (
    CSV_SHOP,
    DECLARED_SOURCES,
    DEFAULT_CLICK_PARAM,
    ORDER_CANCELLED,
    ORDER_COUNTED,
    ORDER_PENDING,
    ORDER_STATUSES,
    normalize_handle,
)
from .vocabulary import METRIC_COUNTS as METRIC_FIELDS

MAX_ERRORS_SHOWN = 50
REDEMPTION_FIELDS = ("order_id", "code", "amount", "currency", "redeemed_at", "click_id")
#: Optional columns: the order's status (counted, pending, cancelled) and
#: the amount refunded on it so far.
REDEMPTION_OPTIONAL = ("status", "refunded")
SHOPIFY_FIELDS = {
    "name": "order_id",
    "discount code": "code",
    "total": "amount",
    "currency": "currency",
    "created at": "redeemed_at",
}
#: Shopify's Financial Status: an order not yet paid is pending, a voided or
#: expired one is not a sale; refunds are applied from Refunded Amount.
SHOPIFY_FINANCIAL = {
    "pending": ORDER_PENDING,
    "authorized": ORDER_PENDING,
    "voided": ORDER_CANCELLED,
    "expired": ORDER_CANCELLED,
}
PROGRESS_EVERY = 1000
Record = tuple[int, dict]  # (line number, fields by lower-case name)


class RowErrors(BadInput):
    """Bad rows: the message lists them all, `details` has them as data;
    `read` is how many rows the file had (good and bad)."""

    def __init__(self, what: str, errors: list[tuple[int, str]], read: int | None = None):
        lines = [f"  line {line}: {why}" for line, why in errors[:MAX_ERRORS_SHOWN]]
        if len(errors) > MAX_ERRORS_SHOWN:
            lines.append(f"  … and {len(errors) - MAX_ERRORS_SHOWN} more")
        super().__init__(
            f"{what} refused, nothing was written: {len(errors)} bad row(s)\n" + "\n".join(lines),
            details=[{"line": line, "error": why} for line, why in errors],
        )
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
            raise TooLarge(
                f"{source} is {size} bytes; the limit is {limit} (TRACKER_MAX_IMPORT_BYTES)"
            )
        stream = open(source, newline="", encoding="utf-8-sig")
    else:
        stream = source
    try:
        sample = stream.read(64 * 1024)
    except UnicodeDecodeError:
        raise BadInput("the file is not UTF-8 text; save it as CSV UTF-8") from None
    stream.seek(0)
    if sample.startswith("\ufeff"):
        stream = io.StringIO(stream.read().lstrip("\ufeff"))  # type: ignore[assignment]
        sample = sample.lstrip("\ufeff")
    if not sample.strip():
        raise BadInput("the file is empty")
    try:
        dialect = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t")
        dialect.doublequote = True  # RFC 4180 "" inside quotes, whatever the header showed
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
        raise BadInput(
            f"line {reader.line_num + 1} is not UTF-8 text; save the file as CSV UTF-8"
        ) from None
    except csv.Error as exc:
        raise BadInput(f"line {reader.line_num}: not readable as CSV ({exc})") from None


def refuse_nul(record: dict) -> None:
    """A NUL character is never data (and PostgreSQL cannot store one)."""
    for name, value in record.items():
        if value and "\x00" in value:
            raise BadInput(f"{name} contains a NUL character")


def _missing(header: list[str], required: Iterable[str]) -> list[str]:
    return [name for name in required if name not in header]


# -- redemptions (orders) -------------------------------------------------------------


def redemption_records(
    header: list[str], records: Iterator[Record], shop_platform: str = CSV_SHOP
) -> tuple[str, Iterator[Record]]:
    """('generic' | 'shopify', records with our field names).

    A Shopify orders export holds one line per line item: the first line of
    an order carries it. Its order id is Shopify's `Id` when the file goes to
    a connected Shopify shop (the id its webhooks send), else its `Name`
    (#1001), as files imported before were keyed.
    """
    if not _missing(header, SHOPIFY_FIELDS):
        use_id = shop_platform == "shopify" and "id" in header

        def shopify():
            seen = set()
            for line, rec in records:
                name = rec.get("name", "")
                if name in seen:  # a further line item of the same order
                    continue
                seen.add(name)
                row = {ours: rec.get(theirs, "") for theirs, ours in SHOPIFY_FIELDS.items()}
                row["name"] = name
                if use_id:
                    row["order_id"] = rec.get("id", "")
                row["status"] = _shopify_status(rec)
                row["refunded"] = rec.get("refunded amount", "")
                row["click_id"] = _note_attribute(rec.get("note attributes", ""))
                yield line, row

        return "shopify", shopify()
    missing = _missing(header, ("order_id", "code", "amount", "redeemed_at"))
    if "code" in missing and "click_id" in header:
        missing.remove("code")
    if missing:
        raise BadInput(
            f"missing column(s): {', '.join(missing)}; expected "
            f"{','.join(REDEMPTION_FIELDS)} or a Shopify orders export"
        )
    return "generic", records


def _shopify_status(rec: dict) -> str:
    if (rec.get("cancelled at") or "").strip():
        return ORDER_CANCELLED
    return SHOPIFY_FINANCIAL.get((rec.get("financial status") or "").strip().lower(), ORDER_COUNTED)


def _note_attribute(text: str) -> str:
    """A click id a storefront snippet left in the order's attributes
    (the export writes them as 'name: value' lines)."""
    for line in (text or "").splitlines():
        key, _, value = line.partition(":")
        if key.strip().lstrip("_") == DEFAULT_CLICK_PARAM and value.strip():
            return value.strip()
    return ""


def _incoming(rec: dict, line: int, keep: tuple[str, ...] = ledger.KEPT) -> dict:
    """One record as an incoming order, or BadInput naming what is wrong."""
    refuse_nul(rec)
    order_id = validate.text("order_id", rec.get("order_id"), 128)
    raw_currency = (rec.get("currency") or "").strip()
    currency = validate.currency(raw_currency) if raw_currency else None
    # Without a currency the amounts wait for the campaign's (_resolve_currency).
    gross = _amount(rec.get("amount"), currency, "amount")
    status = (rec.get("status") or "").strip().lower() or ORDER_COUNTED
    status = validate.choice("status", status, ORDER_STATUSES)
    refunded_text = (rec.get("refunded") or "").strip()
    refunds = []
    if refunded_text and _amount(refunded_text, currency, "refunded") != 0:
        refunds.append(
            {
                "refund_id": f"{order_id}:export",
                "kind": "total",
                "at": None,
                "amount_minor": _amount(refunded_text, currency, "refunded"),
            }
        )
    codes = [(rec.get("code") or "").strip()]
    order = ledger.incoming_order(
        order_id,
        validate.iso_utc(validate.timestamp(rec.get("redeemed_at"), "redeemed_at")),
        currency,
        gross or 0,
        status,
        validate.text("name", rec.get("name"), 128, required=False),
        codes,
        (rec.get("click_id") or "").strip() or None,
        refunds,
        line=line,
        keep=keep,
    )
    order["raw"] = {"amount": rec.get("amount"), "refunded": refunded_text}
    return order


def _amount(raw, currency: str | None, field: str) -> int | None:
    """Minor units of currency; without one, only checked (None), except
    that a zero is zero in any currency."""
    if currency is not None:
        return validate.money(raw, currency, field)
    text = str(raw).strip() if raw is not None else ""
    if not validate.DECIMAL_RE.match(text):
        raise BadInput(f"{field} {text!r} is not a number (use digits and a '.', e.g. 1250.50)")
    if text.startswith("-"):
        raise BadInput(f"{field} {text!r} must not be negative")
    return 0 if not text.strip("0.") else None


def check_redemptions(
    records: Iterable[Record], progress: Callable | None = None, keep: tuple[str, ...] = ledger.KEPT
):
    """Read every order of a file: (incoming orders, errors by line). keep:
    what a stored order keeps that this file does not say (see kept_fields)."""
    orders: list = []
    errors: list[tuple[int, str]] = []
    seen: dict[tuple, int] = {}
    for n, (line, rec) in enumerate(records, 1):
        if progress and n % PROGRESS_EVERY == 0:
            progress(n)
        try:
            order = _incoming(rec, line, keep)
        except BadInput as exc:
            errors.append((line, exc.message))
            continue
        if order["order_id"] in seen:
            errors.append(
                (
                    line,
                    f"order {order['order_id']!r} appears twice "
                    f"(first on line {seen[order['order_id']]})",
                )
            )
            continue
        seen[order["order_id"]] = line
        orders.append(order)
    return orders, errors


def kept_fields(kind: str, header: Iterable[str]) -> tuple[str, ...]:
    """What an order already stored keeps when this file does not say it: a
    Shopify export has no landing page (the click id its webhooks brought
    stays); our own layout says a code and a click id only in their columns."""
    header = set(header)
    if kind == "shopify":
        return ledger.KEPT + ("click_id",)
    return ledger.KEPT + tuple(f for f in ("code", "click_id") if f not in header)


def _resolve_currency(store: Store, shop: dict, orders: list[dict], errors: list) -> None:
    """A file without a currency column: each order takes the currency of
    the campaign its code or click id names, else the one it was stored
    with (amounts are then read in it). An order of nobody's not stored yet
    keeps no currency: it is counted, not kept."""
    facts = ledger.Facts(store)
    waiting = [o for o in orders if o["currency"] is None]
    stored = store.orders_by_id(shop["id"], [o["order_id"] for o in waiting])
    for order in waiting:
        credit = facts.credit(
            {
                "created_at": order["created_at"],
                "click_id": order["click_id"],
                "code": facts.pick_code(order["codes"]),
            }
        )
        if credit.campaign_id is not None:
            currency = facts.campaign(credit.campaign_id)["currency"]
        elif order["order_id"] in stored:
            currency = stored[order["order_id"]]["currency"]
        else:
            continue
        try:
            order["currency"] = currency
            order["gross_minor"] = validate.money(order["raw"]["amount"], currency, "amount")
            for refund in order["refunds"]:
                refund["amount_minor"] = validate.money(
                    order["raw"]["refunded"], currency, "refunded"
                )
        except BadInput as exc:
            errors.append((order["line"], exc.message))


def save_redemptions(
    store: Store,
    records: Iterable[Record],
    campaign_slug: str | None = None,
    kind: str = "generic",
    progress: Callable | None = None,
    shop: str | None = None,
    keep: tuple[str, ...] = ledger.KEPT,
    dry_run: bool = False,
) -> dict:
    """Check every order, then write them all in one transaction or none.

    Orders that are no campaign's are not errors: they are counted (and
    their unknown codes named), and kept for the shop's daily totals when
    the file comes from a named shop (--shop). campaign_slug: write only
    orders that are (and stay) that campaign's; the others are counted.
    dry_run: the same checks, the same write and the same counts, in a
    transaction that is rolled back: what the import would do, nothing kept.
    """
    campaign = get_campaign(store, campaign_slug) if campaign_slug else None
    shop_row = shops.import_shop(store, shop, create=False)
    orders, errors = check_redemptions(records, progress, keep)
    _resolve_currency(store, shop_row, orders, errors)
    bad_lines = {line for line, _ in errors}
    read = len({o["line"] for o in orders} | bad_lines)
    orders = [o for o in orders if o["line"] not in bad_lines]
    options = dict(
        scope_campaign_id=campaign["id"] if campaign else None,
        keep_nobodys=shop_row["name"] != CSV_SHOP,
        check_currency=True,
    )
    if errors:
        existing = store.orders_by_id(shop_row["id"], [o["order_id"] for o in orders])
        errors += ledger.plan(
            store, shop_row, orders, existing, ledger.Facts(store), **options
        ).errors
        raise RowErrors("import", sorted(errors, key=lambda e: e[0]), read)

    def write() -> dict:
        shop = shop_row if shop_row["id"] is not None else shops.import_shop(store, CSV_SHOP)
        return dict(
            ledger.save_orders(
                store,
                shop,
                orders,
                **options,
                dry_run=dry_run,
                on_errors=lambda errs: RowErrors("import", errs, read),
            ),
            shop=shop["name"],
        )

    # The csv shop is made by the first import; a dry run makes it only in a
    # transaction that is rolled back as well.
    result = _write(store, write, True) if dry_run and shop_row["id"] is None else write()
    return {
        "format": kind,
        "shop": result["shop"],
        "read": read,
        "orders": len(orders),
        "new": result["new"],
        "updated": result["updated"],
        "already_imported": result["unchanged"],
        "no_campaign": result["no_campaign"],
        "unknown_codes": result["unknown_codes"],
        "not_this_campaign": result["not_this_campaign"],
    }


def import_redemptions(
    store: Store,
    source,
    campaign_slug: str | None = None,
    progress: Callable | None = None,
    shop: str | None = None,
    dry_run: bool = False,
) -> dict:
    """Orders from a CSV file (ours or a Shopify orders export) of a shop
    (`csv` unless named); dry_run: see save_redemptions."""
    shop_row = shops.import_shop(store, shop, create=False)
    header, records = read_csv(source)
    kind, records = redemption_records(header, records, shop_row["platform"])
    return save_redemptions(
        store,
        records,
        campaign_slug,
        kind,
        progress,
        shop_row["name"],
        kept_fields(kind, header),
        dry_run,
    )


# -- platform metrics ------------------------------------------------------------------


def _count(field: str, raw: str | None) -> int | None:
    raw = (raw or "").strip()
    if raw == "":
        return None  # not reported is not zero
    if not (raw.isascii() and raw.isdigit()):
        raise BadInput(f"{field} {raw!r} is not a whole number")
    return int(raw)


def check_metric_records(
    records: Iterable[Record], handles, currency: str, on: str, progress: Callable | None = None
):
    """Rows of our own metrics layout checked without a store: (rows, errors).

    handles: the creators a row may name; on: how a message names where
    they are enrolled ("campaign 'spring'"). Each row is keyed by "creator"
    (the handle), "source" and "day".
    """
    rows: list[dict] = []
    errors: list[tuple[int, str]] = []
    seen: dict[tuple, int] = {}
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
            row: dict[str, Any] = {"creator": handle, "source": source, "day": day}
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
            errors.append(
                (line, f"{handle} {source} {day} appears twice (first on line {seen[key]})")
            )
            continue
        seen[key] = line
        rows.append(row)
    return rows, errors


def check_metrics(
    store: Store, campaign: dict, records: Iterable[Record], progress: Callable | None = None
):
    enrolled = {c["handle"]: c["id"] for c in store.campaign_creators(campaign["id"])}
    rows, errors = check_metric_records(
        records, enrolled, campaign["currency"], f"campaign {campaign['slug']!r}", progress
    )
    return [
        {"campaign_id": campaign["id"], "creator_id": enrolled[row.pop("creator")], **row}
        for row in rows
    ], errors


def save_metrics(
    store: Store,
    campaign_slug: str,
    records: Iterable[Record],
    progress: Callable | None = None,
    dry_run: bool = False,
) -> dict:
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


def import_metrics(
    store: Store,
    source,
    campaign_slug: str,
    progress: Callable | None = None,
    creator: str | None = None,
    filename: str | None = None,
    dry_run: bool = False,
) -> dict:
    """A metrics file as the platform exported it (tracker.metrics reads
    Meta Ads, TikTok Ads, TikTok Studio, Instagram and our own layout; CSV
    or XLSX), stored in one transaction: a re-import of a key replaces it
    (`replaced` counts those). dry_run: the same checks and counts, nothing
    written.
    """
    from .metrics import parse_metrics  # openpyxl and the format tables load only here

    campaign = get_campaign(store, campaign_slug)
    enrolled = {c["handle"]: c["id"] for c in store.campaign_creators(campaign["id"])}
    if filename is None:
        filename = (
            os.path.basename(source) if isinstance(source, (str, os.PathLike)) else "the file"
        )
    parsed = parse_metrics(
        source,
        str(filename),
        handles=list(enrolled),
        currency=campaign["currency"],
        creator=creator,
        campaign=campaign["slug"],
    )
    rows = [
        {
            "campaign_id": campaign["id"],
            "creator_id": enrolled[row["creator"]],
            **{k: v for k, v in row.items() if k != "creator"},
        }
        for row in parsed.rows
    ]

    def write():
        stored = store.metric_keys(campaign["id"])
        replaced = sum((r["creator_id"], r["source"], r["day"]) in stored for r in rows)
        store.upsert_metrics(rows)
        return {
            "format": parsed.format,
            "format_label": parsed.label,
            "rows": len(rows),
            "new": len(rows) - replaced,
            "replaced": replaced,
            "skipped_unmatched": parsed.skipped_unmatched,
            "skipped_totals": parsed.skipped_totals,
            "creators": parsed.summary,
        }

    return _write(store, write, dry_run)
