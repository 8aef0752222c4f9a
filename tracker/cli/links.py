"""`tracker link …`: short links."""

from __future__ import annotations

import sys

import click

from .. import campaigns, qr
from ..vocabulary import CHANNELS
from .base import Group, among, argument, json_option, pass_state
from .output import emit, note, print_json, report_changes

COLUMNS = (
    ("code", "code"),
    ("short_url", "short_url"),
    ("creator", "creator"),
    ("channel", "channel"),
    ("disabled", "disabled"),
    ("destination_url", "destination_url"),
)
CODE_HELP = "the link's short code (what follows the host in the short URL)"


def enrolled_note(made: dict) -> None:
    """A link or promo code put its creator on the campaign: say so."""
    if made.get("newly_enrolled"):
        note(
            f"{made['creator']} was not on {made['campaign']}: enrolled at fee 0 "
            f"(set the fee with `tracker campaign enroll {made['campaign']} "
            f"{made['creator']} --fee AMOUNT`)"
        )


@click.group(cls=Group)
def link():
    """create, list, change and disable short links"""


@link.command()
@argument("slug", help="the campaign")
@argument("handle", help="the creator (enrolled at fee 0 if not on the campaign yet)")
@click.option(
    "--channel",
    required=True,
    type=among(CHANNELS),
    help="where the link is placed (ad = sponsored placement)",
)
@click.option("--destination", help="landing page (default: the campaign's)")
@click.option("--code", help="choose the short code (3-32 of A-Z a-z 0-9 _ -)")
@click.option(
    "--click-param",
    metavar="NAME",
    help="the destination parameter that carries the click id (default: the campaign's, "
    "trk unless it says otherwise; client_reference_id for a Stripe Payment Link)",
)
@json_option
@pass_state
def create(state, slug, handle, channel, destination, code, click_param, as_json):
    """create a short link for a creator; prints the short URL"""
    made = campaigns.create_link(
        state.store(), state.base_url(), slug, handle, channel, destination, code, click_param
    )
    enrolled_note(made)
    emit(made, as_json, human=lambda m: m["short_url"])


@link.command("list")
@argument("slug", help="the campaign")
@json_option
@pass_state
def list_(state, slug, as_json):
    """list a campaign's links"""
    emit(campaigns.list_links(state.store(), state.base_url(), slug), as_json, COLUMNS)


@link.command()
@argument("code", help=CODE_HELP)
@click.option("--enable", is_flag=True, help="switch it back on")
@json_option
@pass_state
def disable(state, code, enable, as_json):
    """switch a link off (404, no clicks)"""
    emit(
        campaigns.set_link_disabled(state.store(), state.base_url(), code, not enable),
        as_json,
        COLUMNS,
    )


@link.command(
    "set",
    help="change a link's destination (running servers follow within "
    f"{campaigns.LINK_CACHE_SECONDS} seconds)",
)
@argument("code", help=CODE_HELP)
@click.option("--destination", help="new landing page; the UTMs are added to it again")
@json_option
@pass_state
def set_(state, code, destination, as_json):
    done = campaigns.update_link(state.store(), state.base_url(), code, destination)
    if as_json:
        print_json(done)
        return
    report_changes(done["changed"])
    emit(done, False, COLUMNS)


@link.command("qr")
@argument("code", help=CODE_HELP)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="write FILE.svg or FILE.png (default: the SVG on stdout)",
)
@pass_state
def qr_(state, code, output):
    """the link's QR code: its short URL with qr=1, so a scan can be told from a click"""
    made = campaigns.link_record(campaigns.get_link(state.store(), code), state.base_url())
    kind = qr.kind_of(output) if output else "svg"
    image = qr.qr_code(made["short_url"], kind)
    if output is None:
        sys.stdout.write(image.decode("utf-8"))
        return
    with open(output, "wb") as out:
        out.write(image)
    note(f"wrote {output}: the QR code of {qr.qr_url(made['short_url'])}")
