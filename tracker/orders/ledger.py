"""Writing a shop's orders and refunds: one path for webhooks and imports.

An incoming order is a plain dict (see `incoming_order`): the shop's order
id, name, time, currency, gross, codes, click id, status, refunds, payment
reference. Writing it:

1. merges it with the stored order of the same (shop, order id): the status
   only moves forward (pending -> counted -> cancelled), a code, click id,
   name or payment reference the new one lacks is kept, the rest is the
   newest;
2. decides its credit with the one attribution function
   (`attribution.attribute`), and stores that campaign (NULL: nobody's);
3. upserts its refunds by (shop, refund id) and derives the order's
   refunded amount from them, applying refunds that arrived first.

Every write holds the shop's row (store.lock_shop) inside one transaction,
so concurrent retries of one order never interleave; the work of deciding
is done before the transaction and checked again inside it, so a long
import holds the database only for its writes.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .. import validate
from ..errors import BadInput
from ..store import Store
from ..vocabulary import ORDER_CANCELLED, ORDER_COUNTED, ORDER_PENDING, ORDER_STATUSES
from .attribution import Credit, attribute

STATUS_RANK = {ORDER_PENDING: 0, ORDER_COUNTED: 1, ORDER_CANCELLED: 2}
#: What a stored order keeps when a later version does not say it. The code
#: and the click id are replaced by what the newest version says, so that
#: nobody can plant a code on an order before the shop sends it.
KEPT = ("name", "payment_ref")
#: Fields whose change makes a stored order "updated".
COMPARED = (
    "name",
    "campaign_id",
    "click_campaign_id",
    "code",
    "click_id",
    "gross_minor",
    "currency",
    "created_at",
    "status",
    "payment_ref",
)
DELIVERIES_KEPT_DAYS = 30
MAX_TRIES = 5


def now_utc() -> str:
    return validate.iso_utc(datetime.now(UTC))


def incoming_order(
    order_id: str,
    created_at: str,
    currency: str | None,
    gross_minor: int,
    status: str = ORDER_COUNTED,
    name: str | None = None,
    codes: Iterable[str] = (),
    click_id: str | None = None,
    refunds: Iterable[Mapping] = (),
    payment_ref: str | None = None,
    line: int | None = None,
    keep: Iterable[str] = KEPT,
) -> dict:
    """An order as a shop or a file tells it. refunds: dicts of refund_id,
    amount_minor, at (may be None) and kind ("refund", or "total" for an
    export's refunded amount so far). keep: the fields a stored order keeps
    when this one does not say them (a file without a click_id column says
    nothing of click ids; a shop's own delivery says everything)."""
    if status not in ORDER_STATUSES:
        raise ValueError(f"order status {status!r} is not one of {ORDER_STATUSES}")
    return {
        "order_id": order_id,
        "name": name,
        "created_at": created_at,
        "currency": currency,
        "gross_minor": int(gross_minor),
        "status": status,
        "codes": tuple(c.strip().lower() for c in codes if c and c.strip()),
        "click_id": click_id or None,
        "payment_ref": payment_ref or None,
        "refunds": [dict(r) for r in refunds],
        "line": line,
        "keep": frozenset(keep) | {"currency"},
    }


def from_event(event) -> dict:
    """An incoming order from a connector's OrderEvent (read attribute by
    attribute: this module imports no connector)."""
    return incoming_order(
        event.shop_order_id,
        event.created_at,
        event.currency,
        event.gross_minor,
        event.status,
        event.name,
        event.codes,
        event.click_id,
        [
            {"refund_id": r.refund_id, "amount_minor": r.amount_minor, "at": r.at, "kind": "refund"}
            for r in event.refunds
        ],
        event.payment_ref,
    )


class Facts:
    """The clicks and promo codes attribution reads, looked up once each."""

    def __init__(self, store: Store):
        self.store = store
        self._clicks: dict[str, dict | None] = {}
        self._codes: dict[str, dict | None] = {}
        self._campaigns: dict[int, dict] = {}

    def load_clicks(self, click_ids: Iterable[str | None]) -> None:
        wanted = {c for c in click_ids if c and c not in self._clicks}
        if wanted:
            found = self.store.click_facts(wanted)
            self._clicks.update({c: found.get(c) for c in wanted})

    def click(self, click_id: str | None) -> dict | None:
        if not click_id:
            return None
        if click_id not in self._clicks:
            self.load_clicks([click_id])
        return self._clicks[click_id]

    def promo(self, code: str | None) -> dict | None:
        if not code:
            return None
        if code not in self._codes:
            self._codes[code] = self.store.promo_code(code)
        return self._codes[code]

    def campaign(self, campaign_id: int) -> dict:
        if campaign_id not in self._campaigns:
            found = self.store.campaign_by_id(campaign_id)
            assert found is not None, campaign_id  # orders never outlive campaigns
            self._campaigns[campaign_id] = found
        return self._campaigns[campaign_id]

    def pick_code(self, codes: Iterable[str]) -> str | None:
        """The first code that is a campaign's promo code, else the first."""
        codes = list(codes)
        return next((c for c in codes if self.promo(c)), codes[0] if codes else None)

    def credit(self, row: Mapping) -> Credit:
        return attribute(
            row["created_at"], row["click_id"], self.click(row["click_id"]), self.promo(row["code"])
        )


def merge(existing: Mapping | None, new: Mapping, code: str | None) -> dict:
    """The stored row an incoming order makes (without campaign columns)."""
    row = {
        "order_id": new["order_id"],
        "name": new["name"],
        "code": code,
        "click_id": new["click_id"],
        "gross_minor": new["gross_minor"],
        "currency": new["currency"],
        "created_at": new["created_at"],
        "status": new["status"],
        "payment_ref": new["payment_ref"],
    }
    if existing is not None:
        for key in new["keep"]:
            row[key] = row[key] or existing[key]
        if STATUS_RANK[existing["status"]] > STATUS_RANK[row["status"]]:
            row["status"] = existing["status"]
    return row


@dataclass
class Plan:
    """What writing a batch of incoming orders will do."""

    inserts: list[dict] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refunds: list[dict] = field(default_factory=list)
    versions: dict[str, str | None] = field(default_factory=dict)
    refunded_before: dict[str, int] = field(default_factory=dict)
    errors: list[tuple[int | None, str]] = field(default_factory=list)
    no_campaign: int = 0
    unknown_codes: Counter = field(default_factory=Counter)
    not_this_campaign: int = 0


def plan(
    store: Store,
    shop: Mapping,
    incoming: list[dict],
    existing: Mapping[str, dict],
    facts: Facts,
    scope_campaign_id: int | None = None,
    keep_nobodys: bool = True,
    check_currency: bool = False,
    now: str | None = None,
) -> Plan:
    """Decide, without writing, what each incoming order becomes.

    scope_campaign_id: a campaign-scoped writer may only write an order that
    is (and stays) that campaign's. keep_nobodys: store orders that are no
    campaign's (a connected shop's daily totals need them); without it such
    an order is only counted, unless it is stored already. check_currency:
    an order credited to a campaign of another currency is an error
    (imports); a webhook keeps it, and the report leaves its money out.
    """
    now = now or now_utc()
    out = Plan()
    codes = {o["order_id"]: facts.pick_code(o["codes"]) for o in incoming}
    facts.load_clicks(
        [o["click_id"] for o in incoming] + [e["click_id"] for e in existing.values()]
    )
    for order in incoming:
        before = existing.get(order["order_id"])
        row = merge(before, order, codes[order["order_id"]])
        credit = facts.credit(row)
        click = facts.click(row["click_id"])
        row.update(
            shop_id=shop["id"],
            campaign_id=credit.campaign_id,
            click_campaign_id=click["campaign_id"] if click else None,
            updated_at=now,
        )
        if credit.campaign_id is None:
            out.no_campaign += 1
            if row["code"] and facts.promo(row["code"]) is None:
                out.unknown_codes[row["code"]] += 1
        if scope_campaign_id is not None:
            was = facts.credit(before).campaign_id if before is not None else scope_campaign_id
            if credit.campaign_id != scope_campaign_id or was != scope_campaign_id:
                out.not_this_campaign += 1
                continue
        if credit.campaign_id is None and (
            order["currency"] is None or not keep_nobodys and before is None
        ):
            continue  # counted; an amount without its currency is no money
        if check_currency and credit.campaign_id is not None:
            campaign = facts.campaign(credit.campaign_id)
            if row["currency"] != campaign["currency"]:
                out.errors.append(
                    (
                        order["line"],
                        (
                            f"currency {row['currency']} differs from the campaign's "
                            f"{campaign['currency']} (currency conversion is not supported)"
                        ),
                    )
                )
                continue
        out.versions[order["order_id"]] = before["updated_at"] if before else None
        if before is None:
            out.inserts.append(row)
        elif any(row[k] != before[k] for k in COMPARED):
            out.updates.append(row)
        else:
            out.unchanged.append(order["order_id"])
        if before is not None:
            out.refunded_before[order["order_id"]] = int(before["refunded_minor"])
        for refund in order["refunds"]:
            out.refunds.append(
                {
                    "shop_id": shop["id"],
                    "refund_id": refund["refund_id"],
                    "order_id": order["order_id"],
                    "payment_ref": row["payment_ref"],
                    "kind": refund.get("kind") or "refund",
                    "amount_minor": refund["amount_minor"],
                    "refunded_at": refund.get("at"),
                    "received_at": now,
                }
            )
    return out


def _apply(store: Store, shop: Mapping, p: Plan) -> dict:
    """Write a plan (inside the transaction that holds the shop)."""
    shop_id = shop["id"]
    store.insert_orders(p.inserts)
    store.update_orders(p.updates)
    for row in p.inserts + p.updates:
        if row["payment_ref"]:
            store.link_refunds(shop_id, row["order_id"], row["payment_ref"])
    store.upsert_refunds(p.refunds)
    touched = {r["order_id"] for r in p.refunds}
    touched |= {r["order_id"] for r in p.inserts + p.updates if r["payment_ref"]}
    touched |= store.orders_with_refunds(shop_id, [r["order_id"] for r in p.inserts])
    store.settle_refunds(shop_id, touched)
    updated = {r["order_id"] for r in p.updates}
    refunded_now = store.refunded(shop_id, touched & set(p.refunded_before))
    for order_id, minor in refunded_now.items():
        if minor != p.refunded_before[order_id]:
            updated.add(order_id)
    store.add_orders_received(shop_id, len(p.inserts))
    return {
        "new": len(p.inserts),
        "updated": len(updated),
        "unchanged": len(p.updates) + len(p.unchanged) - len(updated),
    }


class _RolledBack(Exception):
    """Raised at the end of a dry run's transaction, to undo it."""

    def __init__(self, counts: dict):
        super().__init__("dry run")
        self.counts = counts


def save_orders(
    store: Store,
    shop: Mapping,
    incoming: list[dict],
    *,
    scope_campaign_id: int | None = None,
    keep_nobodys: bool = True,
    check_currency: bool = False,
    delivery_id: str | None = None,
    delivered: bool = False,
    on_errors: Callable[[list], Exception] | None = None,
    dry_run: bool = False,
) -> dict:
    """Write incoming orders of one shop: all in one transaction or none.

    Returns new, updated, unchanged, no_campaign, unknown_codes and
    not_this_campaign counts; duplicate is True (and nothing written) when
    delivery_id was handled before. on_errors turns a plan's errors into
    the exception to raise (nothing is written then). dry_run: everything
    as for real, then the transaction is rolled back (an import's preview).
    """
    facts = Facts(store)
    ids = [o["order_id"] for o in incoming]
    existing = store.orders_by_id(shop["id"], ids)
    options: dict[str, Any] = dict(
        scope_campaign_id=scope_campaign_id,
        keep_nobodys=keep_nobodys,
        check_currency=check_currency,
    )
    p = plan(store, shop, incoming, existing, facts, **options)
    now = now_utc()
    try:
        with store.transaction():
            store.lock_shop(shop["id"], now if delivered else None)
            if delivery_id is not None and not _first_delivery(store, shop, delivery_id, now):
                return {"duplicate": True}
            current = store.orders_by_id(shop["id"], ids)
            if {k: v["updated_at"] for k, v in current.items()} != {
                k: v["updated_at"] for k, v in existing.items()
            }:
                # Another writer changed these orders meanwhile: decide again,
                # now that nobody else can.
                p = plan(store, shop, incoming, current, Facts(store), **options)
            if p.errors:
                raise (on_errors(p.errors) if on_errors else BadInput(p.errors[0][1]))
            counts = _apply(store, shop, p)
            if dry_run:
                raise _RolledBack(counts)
    except _RolledBack as undone:
        counts = undone.counts
    return {
        **counts,
        "no_campaign": p.no_campaign,
        "unknown_codes": dict(p.unknown_codes),
        "not_this_campaign": p.not_this_campaign,
        "duplicate": False,
    }


def _first_delivery(store: Store, shop: Mapping, delivery_id: str, now: str) -> bool:
    first = store.record_delivery(shop["id"], delivery_id, now)
    if first and random.random() < 0.01:
        cutoff = datetime.now(UTC) - timedelta(days=DELIVERIES_KEPT_DAYS)
        store.forget_deliveries_before(validate.iso_utc(cutoff))
    return first


def save_refund(
    store: Store,
    shop: Mapping,
    refund_id: str,
    amount_minor: int,
    at: str | None,
    order_id: str | None = None,
    payment_ref: str | None = None,
    delivery_id: str | None = None,
) -> dict:
    """A refund that arrives on its own, naming its order by the shop's
    order id or by the payment it returns money from. Kept if its order has
    not arrived yet, and applied when it does."""
    now = now_utc()
    with store.transaction():
        store.lock_shop(shop["id"], now)
        if delivery_id is not None and not _first_delivery(store, shop, delivery_id, now):
            return {"duplicate": True}
        if order_id is None and payment_ref:
            order_id = store.order_for_payment(shop["id"], payment_ref)
        store.upsert_refunds(
            [
                {
                    "shop_id": shop["id"],
                    "refund_id": refund_id,
                    "order_id": order_id,
                    "payment_ref": payment_ref,
                    "kind": "refund",
                    "amount_minor": amount_minor,
                    "refunded_at": at,
                    "received_at": now,
                }
            ]
        )
        stored = store.orders_by_id(shop["id"], [order_id]).get(order_id) if order_id else None
        if stored is None or order_id is None:
            return {"duplicate": False, "refund": "kept", "order_id": order_id}
        store.settle_refunds(shop["id"], [order_id])
        after = store.refunded(shop["id"], [order_id])[order_id]
    changed = after != int(stored["refunded_minor"])
    return {
        "duplicate": False,
        "refund": "applied" if changed else "unchanged",
        "order_id": order_id,
    }


def record_delivery(store: Store, shop: Mapping, delivery_id: str | None = None) -> bool:
    """A delivery that carries nothing to write (an ignored topic): the
    shop's last delivery moves; False if delivery_id was handled before."""
    now = now_utc()
    with store.transaction():
        store.lock_shop(shop["id"], now)
        return delivery_id is None or _first_delivery(store, shop, delivery_id, now)
