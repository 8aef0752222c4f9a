"""`tracker promo …`: promo codes, how orders find their creator."""

from __future__ import annotations

import click

from .. import campaigns
from ..vocabulary import DECLARED_SOURCES
from .base import Group, among, argument, json_option, pass_state
from .links import enrolled_note
from .output import emit

COLUMNS = (
    ("code", "code"),
    ("creator", "creator"),
    ("source", lambda p: p["source"] or "any source"),
)


@click.group(cls=Group)
def promo():
    """promo codes: how orders find their creator"""


@promo.command()
@argument("slug", help="the campaign")
@argument("handle", help="the creator (enrolled at fee 0 if not on the campaign yet)")
@argument("code", help="the discount code (matched case-insensitively; one campaign per code)")
@click.option("--source", type=among(DECLARED_SOURCES), help="where this code was published")
@json_option
@pass_state
def add(state, slug, handle, code, source, as_json):
    """give a creator a promo code on a campaign"""
    made = campaigns.add_promo(state.store(), slug, handle, code, source)
    enrolled_note(made)
    # Shown as typed (MIA15); stored and matched case-insensitively.
    emit(made, as_json, (("code", "code_as_typed"),) + COLUMNS[1:])


@promo.command("list")
@argument("slug", help="the campaign")
@json_option
@pass_state
def list_(state, slug, as_json):
    """list a campaign's promo codes (as stored: lower case)"""
    emit(campaigns.list_promos(state.store(), slug), as_json, COLUMNS)


@promo.command()
@argument("code", help="the discount code (any case)")
@json_option
@pass_state
def remove(state, code, as_json):
    """delete a promo code (refused once an order carries it)"""
    emit(
        campaigns.remove_promo(state.store(), code),
        as_json,
        human=lambda r: f"promo code {code.strip()} removed from {r['campaign']}",
    )
