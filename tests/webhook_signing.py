"""Sign webhook bodies exactly as each shop signs them.

Written from the platforms' documentation, not from tracker code, so a test
that posts these to the tracker (in-process or to a real server) checks the
tracker against the platforms rather than against itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def _digest(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()


def shopify_signature(body: bytes, secret: str) -> str:
    """X-Shopify-Hmac-Sha256: base64 of HMAC-SHA256(secret, raw body)."""
    return base64.b64encode(_digest(secret, body)).decode("ascii")


def woocommerce_signature(body: bytes, secret: str) -> str:
    """X-WC-Webhook-Signature: base64 of HMAC-SHA256(secret, raw body)."""
    return base64.b64encode(_digest(secret, body)).decode("ascii")


def stripe_signature(body: bytes, timestamp: int, *secrets: str) -> str:
    """Stripe-Signature: 't=<unix>,v1=<hex>' with one v1 per secret (Stripe
    signs with every live secret while one is being rolled)."""
    signed = f"{timestamp}.".encode("ascii") + body
    return ",".join([f"t={timestamp}"] + [f"v1={_digest(s, signed).hex()}" for s in secrets])


def shopify_headers(
    body: bytes, secret: str, topic: str, webhook_id: str = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": shopify_signature(body, secret),
        "X-Shopify-Shop-Domain": "glow-lab-skincare.myshopify.com",
        "X-Shopify-API-Version": "2025-01",
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Triggered-At": "2026-03-14T13:21:09.412Z",
    }


def woocommerce_headers(
    body: bytes, secret: str, topic: str, delivery_id: str = "36e520ebabc2fa725092ff4a47acedf2"
) -> dict[str, str]:
    resource, _, event = topic.partition(".")
    return {
        "Content-Type": "application/json",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-Signature": woocommerce_signature(body, secret),
        "X-WC-Webhook-ID": "17",
        "X-WC-Webhook-Delivery-ID": delivery_id,
        "X-WC-Webhook-Source": "https://teahaus-kiel.example/",
    }


def stripe_headers(body: bytes, timestamp: int, *secrets: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "Stripe-Signature": stripe_signature(body, timestamp, *secrets),
    }
