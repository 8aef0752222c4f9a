"""Connected shops: the secret each platform signs its webhooks with, the
one URL to paste into the platform, and what has arrived since.

The CLI (`tracker shop …`) and the admin API call these functions. A
secret is stored to check signatures and is never shown again: records
carry the number of old secrets still valid, not the secrets.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from .. import validate
from ..errors import BadInput, NotFound
from ..store import Store
from ..vocabulary import CSV_SHOP, SHOP_NAME_RE, SHOP_PLATFORMS

MAX_SECRET = 512


def now_utc() -> str:
    return validate.iso_utc(datetime.now(UTC))


def shop_name(value: str | None) -> str:
    name = (value or "").strip().lower()
    if not SHOP_NAME_RE.match(name):
        raise BadInput(
            f"shop name {value!r} must be 1-64 lower-case letters, digits, '-' or "
            "'_', starting with a letter or digit"
        )
    return name


def webhook_url(base_url: str, platform: str, name: str) -> str:
    return f"{base_url.rstrip('/')}/api/webhooks/{platform}/{name}"


def secrets_of(shop: dict) -> list[str]:
    """Every secret a delivery may be signed with: the current one first."""
    if shop["disconnected_at"] is not None or not shop["secret"]:
        return []
    return [shop["secret"]] + [
        s for s in json.loads(shop["old_secrets"] or "[]") if s != shop["secret"]
    ]


def shop_record(row: dict, base_url: str) -> dict:
    connected = row["platform"] in SHOP_PLATFORMS and row["disconnected_at"] is None
    return {
        "name": row["name"],
        "platform": row["platform"],
        "url": webhook_url(base_url, row["platform"], row["name"])
        if row["platform"] in SHOP_PLATFORMS
        else None,
        "connected": connected,
        "old_secrets": len(json.loads(row["old_secrets"] or "[]")) if connected else 0,
        "orders_received": int(row["orders_received"]),
        "last_delivery_at": row["last_delivery_at"],
        "created_at": row["created_at"],
        "disconnected_at": row["disconnected_at"],
    }


def get_shop(store: Store, name: str) -> dict:
    row = store.shop((name or "").strip().lower())
    if row is None:
        raise NotFound(f"shop {name!r} does not exist (see `tracker shop list`)")
    return row


def connect(
    store: Store, base_url: str, name: str, platform: str, secret: str, keep_old: bool = False
) -> dict:
    """Connect a shop, or connect it again with a new secret. keep_old: the
    secret it had stays valid too (Shopify signs with the old secret for up
    to an hour after a rotation) until forget_old_secrets."""
    name = shop_name(name)
    if name == CSV_SHOP:
        raise BadInput(f"shop name {CSV_SHOP!r} is kept for imported files; choose another")
    platform = validate.choice("platform", platform, SHOP_PLATFORMS)
    secret = (secret or "").strip()
    if not secret:
        raise BadInput("secret must not be empty: paste the signing secret the platform shows")
    if len(secret) > MAX_SECRET or any(ch.isspace() or not ch.isprintable() for ch in secret):
        raise BadInput(f"secret must be 1-{MAX_SECRET} printable characters without spaces")
    with store.transaction():
        row = store.ensure_shop(name, platform, now_utc())
        if row["platform"] != platform and store.shop_order_count(row["id"]):
            raise BadInput(
                f"shop {name!r} is a {row['platform']} shop with orders; "
                "connect the other platform under another name"
            )
        old = secrets_of(row) if keep_old else []
        old = [s for s in old if s != secret]
        store.set_shop_secrets(row["id"], platform, secret, json.dumps(old))
    return shop_record(get_shop(store, name), base_url)


def list_shops(store: Store, base_url: str) -> list[dict]:
    return [shop_record(row, base_url) for row in store.shops()]


def disconnect(store: Store, base_url: str, name: str) -> dict:
    """Take no more deliveries (every secret is forgotten); the shop's
    orders stay and still count."""
    row = get_shop(store, name)
    if row["platform"] not in SHOP_PLATFORMS:
        raise BadInput(f"shop {row['name']!r} holds imported files; it has nothing to disconnect")
    store.disconnect_shop(row["id"], now_utc())
    return shop_record(get_shop(store, row["name"]), base_url)


def forget_old_secrets(store: Store, base_url: str, name: str) -> dict:
    """Only the current secret is valid from now on."""
    row = get_shop(store, name)
    if row["platform"] not in SHOP_PLATFORMS or row["disconnected_at"] is not None:
        raise BadInput(f"shop {row['name']!r} is not connected")
    store.set_shop_secrets(row["id"], row["platform"], row["secret"], "[]")
    return shop_record(get_shop(store, row["name"]), base_url)


def import_shop(store: Store, name: str | None, create: bool = True) -> dict:
    """The shop a file of orders comes from: `csv` (made when first used;
    without create, a stand-in whose id is None until then) unless --shop
    names a connected one."""
    name = (name or CSV_SHOP).strip().lower() or CSV_SHOP
    if name == CSV_SHOP:
        if create:
            return store.ensure_shop(CSV_SHOP, CSV_SHOP, now_utc())
        return store.shop(CSV_SHOP) or {"id": None, "name": CSV_SHOP, "platform": CSV_SHOP}
    row = store.shop(shop_name(name))
    if row is None:
        raise NotFound(
            f"shop {name!r} does not exist: connect it first "
            f"(`tracker shop connect`), or leave out --shop"
        )
    return row


def daily_totals(store: Store, name: str, tz: str, nobodys_only: bool = False) -> dict:
    """The shop's sales per local day of tz: {"first_day": the day it was
    connected, "days": {date: (orders, net revenue in minor units)}}.

    Every counted order of the shop counts (nobodys_only: only those that
    are no campaign's); a fully refunded one adds no order, refunds are
    taken off the revenue. No customer data is involved.
    """
    shop = get_shop(store, name)
    zone = ZoneInfo(tz)
    days: dict[date, tuple[int, int]] = {}
    for row in store.shop_minutes(shop["id"], nobodys_only):
        moment = datetime.fromisoformat(row["minute"] + ":00+00:00")
        day = moment.astimezone(zone).date()
        orders, net = days.get(day, (0, 0))
        days[day] = (orders + row["orders"], net + row["net"])
    first = datetime.fromisoformat(shop["created_at"].replace("Z", "+00:00"))
    return {"first_day": first.astimezone(zone).date(), "days": days}
