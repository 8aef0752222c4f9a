"""Shops' own webhooks: POST /api/webhooks/<platform>/<name> for Shopify,
WooCommerce and Stripe. Public, authenticated by each platform's
signature (tracker/orders/receive.py does the work)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from ..orders import receive
from .auth import store

bp = Blueprint("webhooks", __name__, url_prefix="/api/webhooks")


@bp.post("/<platform>/<name>")
def shop_webhook(platform, name):
    """One delivery: 200 when it is handled (or carries nothing to handle),
    401 for a wrong signature, 404 for a shop that is not connected."""
    raw = request.get_data(cache=False)
    return jsonify(receive.receive(store(), platform, name, raw, request.headers)), 200
