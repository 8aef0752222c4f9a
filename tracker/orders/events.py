"""What a shop webhook means to the tracker, whatever shop sent it.

Every connector's `parse` returns one of these frozen values, so the web
route and the store handle Shopify, WooCommerce and Stripe alike and never
read a native payload. Money is integer minor units of `currency`; times are
`validate.iso_utc` text.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..vocabulary import ORDER_STATUSES


@dataclass(frozen=True)
class Refund:
    """Money given back on an order. The store upserts refunds by
    `refund_id`, so the same refund delivered twice is counted once."""

    refund_id: str
    amount_minor: int
    at: str | None


@dataclass(frozen=True)
class OrderEvent:
    """An order as the shop sees it now; a later event for the same
    `shop_order_id` replaces it (status, refunds)."""

    shop_order_id: str
    name: str | None
    created_at: str
    currency: str
    gross_minor: int
    codes: tuple[str, ...]
    click_id: str | None
    status: str
    refunds: tuple[Refund, ...]
    test: bool
    payment_ref: str | None
    event_id: str | None

    def __post_init__(self):
        if self.status not in ORDER_STATUSES:
            raise ValueError(f"order status {self.status!r} is not one of {ORDER_STATUSES}")


@dataclass(frozen=True)
class RefundEvent:
    """A refund that arrives on its own: it names its order by the shop's
    order id or, for Stripe, by the payment it gives money back from."""

    shop_order_id: str | None
    payment_ref: str | None
    refund: Refund
    event_id: str | None


@dataclass(frozen=True)
class Ignored:
    """A genuine delivery that carries nothing to record (a ping, a topic
    we do not follow): the route answers 200 so the shop does not retry."""

    reason: str
    event_id: str | None = None
