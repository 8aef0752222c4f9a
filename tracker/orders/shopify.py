"""Shopify's native webhooks: the orders/* topics and refunds/create.

Shopify posts the REST resource (an Order or a Refund) as the body, signs
the raw bytes with the webhook secret (X-Shopify-Hmac-Sha256: base64
HMAC-SHA256) and names the topic in X-Shopify-Topic. The click id reaches an
order the way a visitor did: in the landing page's query, in a cart
attribute a storefront snippet set, or, failing both, in the referrer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .. import validate
from ..errors import BadInput
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
    iso_time,
    json_object,
    obj,
    optional_iso_time,
    optional_text,
    shop_id,
)
from .events import Ignored, OrderEvent, Refund, RefundEvent

SIGNATURE_HEADER = "X-Shopify-Hmac-Sha256"
TOPIC_HEADER = "X-Shopify-Topic"
DELIVERY_HEADER = "X-Shopify-Webhook-Id"
ORDER_TOPICS = frozenset({"orders/create", "orders/paid", "orders/updated", "orders/cancelled"})
REFUND_TOPIC = "refunds/create"

#: financial_status -> our status. Refunded orders still count: their
#: refunds net the money. Anything unknown waits as pending.
FINANCIAL_STATUSES = {
    "pending": ORDER_PENDING,
    "authorized": ORDER_PENDING,
    "paid": ORDER_COUNTED,
    "partially_paid": ORDER_COUNTED,
    "partially_refunded": ORDER_COUNTED,
    "refunded": ORDER_COUNTED,
    "voided": ORDER_CANCELLED,
    "expired": ORDER_CANCELLED,
}


def verify(raw_body: bytes, headers: Mapping[str, str], secrets: Sequence[str]) -> bool:
    """Is the body signed with one of the secrets? Never raises."""
    return hmac_base64_matches(raw_body, header(headers, SIGNATURE_HEADER), secrets)


def delivery_id(headers: Mapping[str, str]) -> str | None:
    """Shopify's id of this delivery, the same on every retry: the event id."""
    return header_text(headers, DELIVERY_HEADER)


def parse(
    topic: str,
    raw_body: bytes,
    click_params: Sequence[str] = (DEFAULT_CLICK_PARAM,),
    event_id: str | None = None,
) -> OrderEvent | RefundEvent | Ignored:
    """The event a delivery of `topic` means; `event_id` is delivery_id(headers)."""
    topic = (topic or "").strip().lower()
    if topic in ORDER_TOPICS:
        return _order(json_object(raw_body, "Shopify order"), click_params, event_id)
    if topic == REFUND_TOPIC:
        return _refund_event(json_object(raw_body, "Shopify refund"), event_id)
    return Ignored(f"Shopify topic {topic!r} is not an order or refund topic", event_id)


def _order(order: dict, click_params: Sequence[str], event_id: str | None) -> OrderEvent:
    currency = currency_code(order.get("currency"), "Shopify order currency")
    return OrderEvent(
        shop_order_id=shop_id(order.get("id"), "Shopify order id"),
        name=optional_text(order.get("name")),
        created_at=iso_time(order.get("created_at"), "Shopify order created_at"),
        currency=currency,
        gross_minor=validate.money(_total_price(order), currency, "Shopify order total_price"),
        codes=discount_codes(code.get("code") for code in dicts(order.get("discount_codes"))),
        click_id=_click_id(order, click_params),
        status=_status(order),
        refunds=tuple(_refund(refund, currency) for refund in dicts(order.get("refunds"))),
        test=order.get("test") is True,
        payment_ref=None,
        event_id=event_id,
    )


def _total_price(order: dict):
    if order.get("total_price") is not None:
        return order["total_price"]
    return obj(obj(order.get("total_price_set")).get("shop_money")).get("amount")


def _status(order: dict) -> str:
    if order.get("cancelled_at"):
        return ORDER_CANCELLED
    return FINANCIAL_STATUSES.get(str(order.get("financial_status") or "").lower(), ORDER_PENDING)


def _click_id(order: dict, click_params: Sequence[str]) -> str | None:
    """Landing page first (the visit that led to the order), then a cart
    attribute, then the referrer."""
    attributes = ((a.get("name"), a.get("value")) for a in dicts(order.get("note_attributes")))
    return (
        click_id_from_url(order.get("landing_site"), click_params)
        or click_id_from_pairs(attributes, click_params)
        or click_id_from_url(order.get("referring_site"), click_params)
    )


def _refund_event(refund: dict, event_id: str | None) -> RefundEvent:
    return RefundEvent(
        shop_order_id=shop_id(refund.get("order_id"), "Shopify refund order_id"),
        payment_ref=None,
        refund=_refund(refund, None),
        event_id=event_id,
    )


def _refund(refund: dict, order_currency: str | None) -> Refund:
    """A refund's money is what its successful refund transactions paid
    back: a failed or pending attempt, or a transaction of another kind,
    moved nothing."""
    fallback = _refund_currency(refund) or order_currency
    paid_back = [
        t
        for t in dicts(refund.get("transactions"))
        if t.get("kind") == "refund" and t.get("status") == "success"
    ]
    amount = sum(
        validate.money(
            t.get("amount"), _transaction_currency(t, fallback), "Shopify refund transaction amount"
        )
        for t in paid_back
    )
    return Refund(
        refund_id=shop_id(refund.get("id"), "Shopify refund id"),
        amount_minor=amount,
        at=optional_iso_time(refund.get("created_at"), "Shopify refund created_at"),
    )


def _transaction_currency(transaction: dict, fallback: str | None) -> str:
    """The transaction's own currency gives the decimals of its amount;
    Shopify's sample payloads leave it null, so the refund's may stand in."""
    code = transaction.get("currency") or fallback
    if not code:
        raise BadInput(f"Shopify refund transaction {transaction.get('id')!r} names no currency")
    return currency_code(code, "Shopify refund transaction currency")


def _refund_currency(refund: dict) -> str | None:
    """The currency the refund's line items were priced in, when it says."""
    for item in dicts(refund.get("refund_line_items")):
        code = obj(obj(item.get("subtotal_set")).get("presentment_money")).get("currency_code")
        if isinstance(code, str) and code.strip():
            return code
    return None
