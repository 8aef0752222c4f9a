"""A shop's webhook delivery, from raw request to stored order or refund.

What `POST /api/webhooks/<platform>/<name>` does, without Flask: find the
shop, check the signature with its current and kept-old secrets before
reading anything else (401, nothing written), parse with the platform's
connector, recognise a delivery seen before, and write the order or
refund (ledger.py) in one transaction. A ping, a topic we do not follow
and a test order are answered 200 and write nothing but the shop's last
delivery, so that the platform never disables the endpoint for them.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from ..errors import NotFound, Unauthorized
from ..store import Store
from ..vocabulary import DEFAULT_CLICK_PARAM, SHOP_PLATFORMS
from . import ledger, shopify, shops, stripe, woocommerce
from .common import header
from .events import Ignored, OrderEvent, RefundEvent

CONNECTORS = {"shopify": shopify, "woocommerce": woocommerce, "stripe": stripe}


def click_params(store: Store) -> list[str]:
    """The names a click id may travel under: trk, then every other name a
    campaign or link uses (client_reference_id for Stripe Payment Links)."""
    return [DEFAULT_CLICK_PARAM] + [p for p in store.click_params() if p != DEFAULT_CLICK_PARAM]


def connected_shop(store: Store, platform: str, name: str) -> dict:
    shop = store.shop((name or "").strip().lower()) if platform in SHOP_PLATFORMS else None
    if shop is None or shop["platform"] != platform or shop["disconnected_at"] is not None:
        raise NotFound(f"no {platform} shop named {name!r} is connected (see `tracker shop list`)")
    return shop


def verified(
    platform: str, raw_body: bytes, headers: Mapping, secrets: list[str], now: float
) -> bool:
    if platform == "stripe":
        return stripe.verify(raw_body, headers, secrets, now)
    return CONNECTORS[platform].verify(raw_body, headers, secrets)


def parse(platform: str, raw_body: bytes, headers: Mapping, params: list[str]):
    """The connector's event; a Shopify or WooCommerce delivery id becomes
    its event_id (Stripe's event names its own)."""
    if platform == "stripe":
        return stripe.parse(raw_body, params)
    connector = CONNECTORS[platform]
    return connector.parse(
        header(headers, connector.TOPIC_HEADER), raw_body, params, connector.delivery_id(headers)
    )


def receive(
    store: Store,
    platform: str,
    name: str,
    raw_body: bytes,
    headers: Mapping,
    now: float | None = None,
) -> dict:
    """Handle one delivery; returns what the route answers with 200."""
    shop = connected_shop(store, platform, name)
    if platform == "woocommerce" and woocommerce.is_ping(raw_body):
        # WooCommerce sends the ping unsigned, before anything else: it
        # carries nothing, and the webhook is saved only if it gets a 2xx.
        return {"received": "ping"}
    if not verified(
        platform, raw_body, headers, shops.secrets_of(shop), time.time() if now is None else now
    ):
        raise Unauthorized(
            f"the {platform} signature does not match the secret of shop {shop['name']!r}"
        )
    event = parse(platform, raw_body, headers, click_params(store))
    if isinstance(event, Ignored) or isinstance(event, OrderEvent) and event.test:
        reason = event.reason if isinstance(event, Ignored) else "a test order"
        first = ledger.record_delivery(store, shop, event.event_id)
        return {"received": "ignored" if first else "duplicate", "reason": reason}
    if isinstance(event, RefundEvent):
        result = ledger.save_refund(
            store,
            shop,
            event.refund.refund_id,
            event.refund.amount_minor,
            event.refund.at,
            event.shop_order_id,
            event.payment_ref,
            event.event_id,
        )
        if result["duplicate"]:
            return {"received": "duplicate"}
        return {
            "received": "refund",
            "refund_id": event.refund.refund_id,
            "order_id": result["order_id"],
            "result": result["refund"],
        }
    result = ledger.save_orders(
        store, shop, [ledger.from_event(event)], delivery_id=event.event_id, delivered=True
    )
    if result["duplicate"]:
        return {"received": "duplicate"}
    outcome = next(k for k in ("new", "updated", "unchanged") if result[k])
    return {"received": "order", "order_id": event.shop_order_id, "result": outcome}
