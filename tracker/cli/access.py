"""`tracker token …`, `tracker share`, `tracker webhook …`: who may see and
do what. Secrets go to stdout alone, so scripts can capture them."""

from __future__ import annotations

import click

from .. import access
from .base import Command, Group, argument, json_option, pass_state
from .output import emit, note

TOKEN_COLUMNS = (
    ("name", "name"),
    ("campaign", lambda t: t["campaign"] or "(all campaigns)"),
    ("access", lambda t: "read-only" if t["read_only"] else "read-write"),
    ("created_at", "created_at"),
)


@click.group(cls=Group)
def token():
    """API tokens (only a hash is stored)"""


@token.command()
@argument("name", help="a name to recognise the token by, e.g. ci or agency")
@click.option("--campaign", metavar="SLUG", help="limit the token to one campaign")
@click.option("--read-only", is_flag=True, help="allow reading only")
@pass_state
def create(state, name, campaign, read_only):
    """create a token and print it once"""
    made = access.create_token(state.store(), name, campaign, read_only)
    scope = f"campaign {made['campaign']}" if made["campaign"] else "all campaigns"
    note(
        f"token {made['name']!r} ({scope}{', read-only' if made['read_only'] else ''}); "
        "it is shown once, store it now:"
    )
    click.echo(made["token"])


@token.command("list")
@json_option
@pass_state
def list_(state, as_json):
    """list tokens (never their values)"""
    emit(access.list_tokens(state.store()), as_json, TOKEN_COLUMNS)


@token.command()
@argument("name", help="the token's name")
@pass_state
def revoke(state, name):
    """revoke a token"""
    access.revoke_token(state.store(), name)
    note(f"token {name!r} revoked")


@click.command(cls=Command)
@argument("slug", help="the campaign")
@click.option(
    "--creator", metavar="HANDLE", help="show only this creator's own numbers (a creator portal)"
)
@click.option("--expires", default="30d", show_default=True, help="lifetime: 90m, 12h, 30d, 2w")
@click.option(
    "--revoke",
    is_flag=True,
    help="rotate the campaign's share secret: every link given out stops working",
)
@pass_state
def share(state, slug, creator, expires, revoke):
    """print a signed, expiring link to /stats/<slug>"""
    if revoke:
        access.rotate_share_secret(state.store(), slug)
        note(f"every share link of {slug!r} is now invalid")
        return
    made = access.share_link(state.store(), state.base_url(), slug, creator, expires)
    who = f"creator {made['creator']}'s own numbers" if made["creator"] else "the whole campaign"
    note(f"share link for {who}, valid until {made['expires_at']}:")
    click.echo(made["url"])


@click.group(cls=Group)
def webhook():
    """the signed order webhook"""


@webhook.command()
@click.option("--rotate", is_flag=True, help="make a new secret (the old stops working)")
@pass_state
def secret(state, rotate):
    """print the webhook signing secret"""
    value = access.webhook_secret(state.store(), rotate=rotate)
    if rotate:
        note("webhook secret rotated; update the shop's webhook settings")
    click.echo(value)
