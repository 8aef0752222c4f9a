"""Stripe's native webhooks: Checkout Sessions as orders, charge refunds.

Stripe signs `f"{t}.".encode() + raw_body` with the endpoint's secret and
sends `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>[,v1=...]`;
while a secret is being rolled there is one v1 per live secret. The event
names its own id (evt_...) and type; the Checkout Session (cs_...) is the
order, its PaymentIntent the reference a later charge.refunded carries.

Stripe has no discount code text: `discounts` and `total_details` hold
coupon and promotion-code ids only. A shop that wants codes attributed puts
the code in the session's metadata as `code`.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence

from ..errors import BadInput
from ..vocabulary import DEFAULT_CLICK_PARAM, ORDER_CANCELLED, ORDER_COUNTED, ORDER_PENDING
from .common import (
    click_id_from_pairs,
    currency_code,
    dicts,
    discount_codes,
    header,
    hmac_sha256,
    iso_unix_time,
    json_object,
    minor_units,
    obj,
    optional_text,
    plausible_click_id,
    shop_id,
    usable_secrets,
)
from .events import Ignored, OrderEvent, Refund, RefundEvent

SIGNATURE_HEADER = "Stripe-Signature"
TOLERANCE_SECONDS = 300
COMPLETED = "checkout.session.completed"
#: Session events whose type alone decides the status.
SESSION_OUTCOMES = {
    "checkout.session.async_payment_succeeded": ORDER_COUNTED,
    "checkout.session.async_payment_failed": ORDER_CANCELLED,
    "checkout.session.expired": ORDER_CANCELLED,
}
REFUNDED = "charge.refunded"
#: Refunds that gave no money back are left out. Pending ones count: Stripe
#: has accepted them, and failing later is rare.
UNREFUNDED = ("failed", "canceled")


def verify(
    raw_body: bytes,
    headers: Mapping[str, str],
    secrets: Sequence[str],
    now: float,
    tolerance: float = TOLERANCE_SECONDS,
) -> bool:
    """Is the body signed, at a time within `tolerance` seconds of `now`, with
    one of the secrets? An old signature is refused so that a captured
    request cannot be replayed later. Never raises."""
    parsed = _signature_header(header(headers, SIGNATURE_HEADER))
    if parsed is None:
        return False
    timestamp, candidates = parsed
    if abs(now - int(timestamp)) > tolerance:
        return False
    signed = timestamp.encode("ascii") + b"." + bytes(raw_body)
    expected = [hmac_sha256(key, signed).hex().encode("ascii") for key in usable_secrets(secrets)]
    return any(hmac.compare_digest(mine, theirs) for mine in expected for theirs in candidates)


def _signature_header(value: str | None) -> tuple[str, list[bytes]] | None:
    """'t=1492774577,v1=5257...,v1=...' -> ('1492774577', [b'5257...', ...]);
    None without a timestamp or a v1. Other schemes (v0) are not ours."""
    if not isinstance(value, str) or not value.isascii():
        return None
    timestamp, candidates = None, []
    for item in value.split(","):
        key, _, text = item.strip().partition("=")
        if key == "t" and timestamp is None and text.isdigit():
            timestamp = text
        elif key == "v1" and text:
            candidates.append(text.encode("ascii"))
    return (timestamp, candidates) if timestamp and candidates else None


def parse(
    raw_body: bytes, click_params: Sequence[str] = (DEFAULT_CLICK_PARAM,)
) -> OrderEvent | RefundEvent | Ignored:
    """The event a Stripe delivery means; its event_id is the event's own id."""
    event = json_object(raw_body, "Stripe event")
    kind = event.get("type") if isinstance(event.get("type"), str) else None
    if kind == COMPLETED or kind in SESSION_OUTCOMES:
        return _session_event(event, _object(event, kind), click_params)
    if kind == REFUNDED:
        return _refund_event(event, _object(event, kind))
    return Ignored(f"Stripe event type {kind!r} carries no orders", optional_text(event.get("id")))


def _object(event: dict, kind: str) -> dict:
    found = obj(event.get("data")).get("object")
    if not isinstance(found, dict):
        raise BadInput(f"Stripe {kind} event has no data.object")
    return found


def _session_event(event: dict, session: dict, click_params: Sequence[str]) -> OrderEvent | Ignored:
    event_id = optional_text(event.get("id"))
    if session.get("mode") == "setup":
        return Ignored("Stripe Checkout Session in setup mode takes no payment", event_id)
    return OrderEvent(
        shop_order_id=shop_id(session.get("id"), "Stripe Checkout Session id"),
        name=None,
        created_at=iso_unix_time(session.get("created"), "Stripe Checkout Session created"),
        currency=currency_code(session.get("currency"), "Stripe Checkout Session currency"),
        gross_minor=minor_units(
            session.get("amount_total"), "Stripe Checkout Session amount_total"
        ),
        codes=discount_codes([obj(session.get("metadata")).get("code")]),
        click_id=_click_id(session, click_params),
        status=_session_status(str(event.get("type")), session),
        refunds=(),
        test=event.get("livemode", session.get("livemode")) is False,
        payment_ref=_payment_intent(session.get("payment_intent")),
        event_id=event_id,
    )


def _session_status(kind: str, session: dict) -> str:
    if kind in SESSION_OUTCOMES:
        return SESSION_OUTCOMES[kind]
    return ORDER_COUNTED if session.get("payment_status") == "paid" else ORDER_PENDING


def _click_id(session: dict, click_params: Sequence[str]) -> str | None:
    """client_reference_id (what a storefront passes to Checkout) first,
    then session metadata named like a click param."""
    return plausible_click_id(session.get("client_reference_id")) or click_id_from_pairs(
        obj(session.get("metadata")).items(), click_params
    )


def _payment_intent(value) -> str | None:
    """An id, or the id of an expanded PaymentIntent object."""
    return optional_text(value.get("id") if isinstance(value, dict) else value)


def _refund_event(event: dict, charge: dict) -> RefundEvent | Ignored:
    """All that is refunded on the charge so far, as one refund keyed by the
    charge id: a later event for the charge replaces it, so a redelivery, a
    second partial refund or an event lost in between never double-counts."""
    event_id = optional_text(event.get("id"))
    payment_ref = _payment_intent(charge.get("payment_intent"))
    if payment_ref is None:
        return Ignored("Stripe charge has no PaymentIntent to match an order by", event_id)
    amount, at = _refunded(charge)
    refund = Refund(
        refund_id=shop_id(charge.get("id"), "Stripe charge id"),
        amount_minor=amount,
        at=at or _event_time(event),
    )
    return RefundEvent(
        shop_order_id=None, payment_ref=payment_ref, refund=refund, event_id=event_id
    )


def _refunded(charge: dict) -> tuple[int, str | None]:
    """The charge's refunds, each once by its id, when the event lists them
    all (API versions before 2022-11-15); else `amount_refunded`."""
    listed = obj(charge.get("refunds"))
    refunds = dicts(listed.get("data"))
    if not refunds or listed.get("has_more") is True:
        return minor_units(charge.get("amount_refunded"), "Stripe charge amount_refunded"), None
    unique = {
        str(r.get("id") or index): r
        for index, r in enumerate(refunds)
        if r.get("status") not in UNREFUNDED
    }
    amount = sum(minor_units(r.get("amount"), "Stripe refund amount") for r in unique.values())
    times = [r["created"] for r in unique.values() if isinstance(r.get("created"), int)]
    return amount, (iso_unix_time(max(times), "Stripe refund created") if times else None)


def _event_time(event: dict) -> str | None:
    created = event.get("created")
    return iso_unix_time(created, "Stripe event created") if created is not None else None
