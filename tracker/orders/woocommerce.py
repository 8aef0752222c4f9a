"""WooCommerce's native webhooks: order.created and order.updated.

WooCommerce posts the REST API v3 order as the body and signs the raw bytes
with the webhook's secret (X-WC-Webhook-Signature: base64 HMAC-SHA256). When
a webhook is saved it first posts a ping, `webhook_id=N` form-encoded and
unsigned, and expects a 2xx before it delivers anything else. The click id
comes from WooCommerce's own order attribution (the session's entry URL) or
from meta a storefront snippet set.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from .. import validate
from ..vocabulary import DEFAULT_CLICK_PARAM, ORDER_CANCELLED, ORDER_COUNTED, ORDER_PENDING
from .common import (
    click_id_from_pairs,
    click_id_from_url,
    currency_code,
    dicts,
    discount_codes,
    header,
    header_text,
    hmac_base64_matches,
    iso_gmt_time,
    json_object,
    optional_text,
    shop_id,
)
from .events import Ignored, OrderEvent, Refund

SIGNATURE_HEADER = "X-WC-Webhook-Signature"
TOPIC_HEADER = "X-WC-Webhook-Topic"
DELIVERY_HEADER = "X-WC-Webhook-Delivery-ID"
ORDER_TOPICS = frozenset({"order.created", "order.updated"})
#: The landing URL of the visit that ended in the order (WooCommerce >= 8.5).
SESSION_ENTRY_KEY = "_wc_order_attribution_session_entry"
_PING_RE = re.compile(rb"webhook_id=\d+")

#: Order status -> our status. "refunded" means fully refunded: like
#: cancelled and failed it is not a conversion. A partial refund keeps the
#: order completed and shows in `refunds`. Unknown statuses (checkout-draft,
#: a plugin's own) wait as pending.
STATUSES = {
    "completed": ORDER_COUNTED,
    "processing": ORDER_COUNTED,
    "pending": ORDER_PENDING,
    "on-hold": ORDER_PENDING,
    "cancelled": ORDER_CANCELLED,
    "failed": ORDER_CANCELLED,
    "refunded": ORDER_CANCELLED,
    "trash": ORDER_CANCELLED,
}


def verify(raw_body: bytes, headers: Mapping[str, str], secrets: Sequence[str]) -> bool:
    """Is the body signed with one of the secrets? Never raises."""
    return hmac_base64_matches(raw_body, header(headers, SIGNATURE_HEADER), secrets)


def delivery_id(headers: Mapping[str, str]) -> str | None:
    return header_text(headers, DELIVERY_HEADER)


def is_ping(raw_body: bytes) -> bool:
    """The unsigned test delivery sent when a webhook is saved. It carries
    nothing, so a route may answer it 200 without a signature."""
    return _PING_RE.fullmatch(bytes(raw_body).strip()) is not None


def parse(
    topic: str,
    raw_body: bytes,
    click_params: Sequence[str] = (DEFAULT_CLICK_PARAM,),
    event_id: str | None = None,
) -> OrderEvent | Ignored:
    """The event a delivery of `topic` (X-WC-Webhook-Topic) means."""
    if is_ping(raw_body):
        return Ignored("ping", event_id)
    topic = (topic or "").strip().lower()
    if topic not in ORDER_TOPICS:
        return Ignored(f"WooCommerce topic {topic!r} is not an order topic", event_id)
    return _order(json_object(raw_body, "WooCommerce order"), click_params, event_id)


def _order(order: dict, click_params: Sequence[str], event_id: str | None) -> OrderEvent:
    currency = currency_code(order.get("currency"), "WooCommerce order currency")
    return OrderEvent(
        shop_order_id=shop_id(order.get("id"), "WooCommerce order id"),
        name=optional_text(order.get("number")),
        created_at=iso_gmt_time(
            order.get("date_created_gmt"), "WooCommerce order date_created_gmt"
        ),
        currency=currency,
        gross_minor=validate.money(order.get("total"), currency, "WooCommerce order total"),
        codes=discount_codes(line.get("code") for line in dicts(order.get("coupon_lines"))),
        click_id=_click_id(order, click_params),
        status=STATUSES.get(str(order.get("status") or "").lower(), ORDER_PENDING),
        refunds=tuple(_refund(refund, currency) for refund in dicts(order.get("refunds"))),
        test=False,
        payment_ref=None,
        event_id=event_id,
    )


def _click_id(order: dict, click_params: Sequence[str]) -> str | None:
    """The attributed entry URL first, then meta named like a click param."""
    meta = [(m.get("key"), m.get("value")) for m in dicts(order.get("meta_data"))]
    entry = next((value for key, value in meta if key == SESSION_ENTRY_KEY), None)
    return click_id_from_url(entry, click_params) or click_id_from_pairs(meta, click_params)


def _refund(refund: dict, currency: str) -> Refund:
    """WooCommerce lists an order's refunds with negative totals ("-10.00");
    the money refunded is the size of that number."""
    total = validate.money(
        refund.get("total"), currency, "WooCommerce refund total", allow_negative=True
    )
    return Refund(
        refund_id=shop_id(refund.get("id"), "WooCommerce refund id"),
        amount_minor=abs(total),
        at=None,
    )
