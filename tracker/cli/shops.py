"""`tracker shop …`: the shops whose own webhooks bring orders."""

from __future__ import annotations

import click

from ..orders import shops
from ..vocabulary import SHOP_PLATFORMS
from .base import Group, among, argument, json_option, pass_state
from .output import emit, note

COLUMNS = (
    ("name", "name"),
    ("platform", "platform"),
    ("connected", "connected"),
    ("orders_received", "orders_received"),
    ("last_delivery_at", "last_delivery_at"),
    ("old_secrets", "old_secrets"),
    ("url", "url"),
)
NAME_HELP = "the shop's name in the tracker (1-64 of a-z, 0-9, '-' and '_')"


@click.group(cls=Group)
def shop():
    """connect Shopify, WooCommerce and Stripe shops; list and disconnect them"""


@shop.command()
@argument("name", help=NAME_HELP)
@click.option(
    "--platform",
    required=True,
    type=among(SHOP_PLATFORMS),
    help="the platform the shop runs on",
)
@click.option(
    "--secret",
    required=True,
    help="the secret the platform signs its webhooks with (Shopify: the signing key on the "
    "webhooks page; WooCommerce: the webhook's secret; Stripe: whsec_…)",
)
@click.option(
    "--keep-old",
    is_flag=True,
    help="connecting again: the previous secret stays valid too, until "
    "`tracker shop forget-old-secrets`",
)
@json_option
@pass_state
def connect(state, name, platform, secret, keep_old, as_json):
    """connect a shop (or change its secret); prints the URL to paste into the platform"""
    made = shops.connect(state.store(), state.base_url(), name, platform, secret, keep_old)
    if made["old_secrets"]:
        note(
            f"{made['old_secrets']} earlier secret(s) of {made['name']} stay valid until "
            f"`tracker shop forget-old-secrets {made['name']}`"
        )
    emit(made, as_json, human=lambda m: m["url"])


@shop.command("list")
@json_option
@pass_state
def list_(state, as_json):
    """shops: platform, orders received, last delivery (never a secret)"""
    emit(shops.list_shops(state.store(), state.base_url()), as_json, COLUMNS)


@shop.command()
@argument("name", help=NAME_HELP)
@json_option
@pass_state
def disconnect(state, name, as_json):
    """take no more deliveries from a shop (its orders still count)"""
    emit(
        shops.disconnect(state.store(), state.base_url(), name),
        as_json,
        human=lambda s: f"{s['name']} disconnected; its {s['orders_received']} order(s) stay",
    )


@shop.command("forget-old-secrets")
@argument("name", help=NAME_HELP)
@json_option
@pass_state
def forget_old_secrets(state, name, as_json):
    """only the shop's current secret stays valid"""
    emit(
        shops.forget_old_secrets(state.store(), state.base_url(), name),
        as_json,
        human=lambda s: f"{s['name']}: only the current secret is valid",
    )
