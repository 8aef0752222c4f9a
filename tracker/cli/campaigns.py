"""`tracker campaign …`: campaigns and the creators enrolled on them."""

from __future__ import annotations

import click

from .. import campaigns
from ..vocabulary import DEFAULT_ATTRIBUTION_DAYS, DEFAULT_CLICK_PARAM
from .base import Group, argument, json_option, pass_state
from .output import emit, note, print_json, report_changes, table

COLUMNS = (
    ("slug", "slug"),
    ("name", "name"),
    ("starts_on", "starts_on"),
    ("timezone", "timezone"),
    ("currency", "currency"),
    ("budget", "budget"),
    ("destination", "destination"),
)
CREATOR_COLUMNS = (("handle", "handle"), ("platform", "platform"), ("name", "name"), ("fee", "fee"))
SLUG_HELP = "the campaign's short name, e.g. spring-launch"
COUNTRIES_HELP = (
    "the countries the campaign is meant for (ISO codes, e.g. DE,AT,CH); the report "
    "shows each creator's share of clicks from elsewhere"
)


@click.group(cls=Group)
def campaign():
    """create, list, show and change campaigns; enroll creators"""


@campaign.command()
@argument("slug", help="short name used in URLs, e.g. spring-launch (1-64 of a-z, 0-9 and '-')")
@click.option("--name", required=True, help="display name")
@click.option("--destination", required=True, help="default landing page (http/https URL)")
@click.option("--starts-on", metavar="YYYY-MM-DD", help="first day (default: today)")
@click.option(
    "--timezone",
    default="UTC",
    show_default=True,
    help="IANA time zone of the days in reports, e.g. Europe/Berlin",
)
@click.option("--currency", default="USD", show_default=True, help="ISO 4217 currency")
@click.option("--budget", metavar="AMOUNT", help="total budget, e.g. 5000.00")
@click.option("--countries", metavar="CC,CC", help=COUNTRIES_HELP)
@click.option(
    "--attribution-days",
    metavar="N",
    default=str(DEFAULT_ATTRIBUTION_DAYS),
    show_default=True,
    help="a click credits an order made within N days of it (promo codes know no window)",
)
@click.option(
    "--click-param",
    metavar="NAME",
    default=DEFAULT_CLICK_PARAM,
    show_default=True,
    help="the destination parameter that carries the click id "
    "(client_reference_id for Stripe Payment Links)",
)
@json_option
@pass_state
def create(
    state,
    slug,
    name,
    destination,
    starts_on,
    timezone,
    currency,
    budget,
    countries,
    attribution_days,
    click_param,
    as_json,
):
    """create a campaign"""
    made = campaigns.create_campaign(
        state.store(),
        slug,
        name,
        destination,
        starts_on,
        timezone,
        currency,
        budget,
        countries,
        attribution_days=attribution_days,
        click_param=click_param,
    )
    emit(made, as_json, COLUMNS)


@campaign.command("list")
@json_option
@pass_state
def list_(state, as_json):
    """list campaigns"""
    emit(campaigns.list_campaigns(state.store()), as_json, COLUMNS)


@campaign.command()
@argument("slug", help=SLUG_HELP)
@json_option
@pass_state
def show(state, slug, as_json):
    """a campaign and the creators on it, with their fees"""
    found = campaigns.show_campaign(state.store(), slug)
    if as_json:
        print_json(found)
        return
    table([found], COLUMNS)
    click.echo()
    table(found["creators"], CREATOR_COLUMNS)


@campaign.command()
@argument("slug", help=SLUG_HELP)
@json_option
@pass_state
def creators(state, slug, as_json):
    """the creators on a campaign, with their fees"""
    emit(campaigns.campaign_creators(state.store(), slug), as_json, CREATOR_COLUMNS)


def enrolment_line(e: dict) -> str:
    if e["previous_fee"] is None:
        return f"{e['creator']} enrolled on {e['campaign']} (fee {e['fee']})"
    if e["previous_fee"] != e["fee"]:
        return (
            f"{e['creator']} on {e['campaign']}: fee changed from {e['previous_fee']} to {e['fee']}"
        )
    return f"{e['creator']} is already on {e['campaign']} (fee {e['fee']}, unchanged)"


@campaign.command()
@argument("slug", help=SLUG_HELP)
@argument("handle", help="the creator's handle, with or without @")
@click.option(
    "--fee",
    metavar="AMOUNT",
    help="flat fee paid to the creator, e.g. 1500.00 (default: 0 for a new "
    "enrolment, unchanged for a creator already on the campaign)",
)
@json_option
@pass_state
def enroll(state, slug, handle, fee, as_json):
    """put a creator on a campaign, or change their fee"""
    emit(campaigns.enroll(state.store(), slug, handle, fee), as_json, human=enrolment_line)


@campaign.command()
@argument("slug", help=SLUG_HELP)
@argument("handle", help="the creator's handle, with or without @")
@json_option
@pass_state
def unenroll(state, slug, handle, as_json):
    """take a creator off a campaign (refused while they have links, promo codes
    or metrics on it)"""
    emit(
        campaigns.unenroll(state.store(), slug, handle),
        as_json,
        human=lambda r: f"{r['creator']} is no longer on {r['campaign']}",
    )


@campaign.command("set")
@argument("slug", help=SLUG_HELP)
@click.option("--name", help="display name")
@click.option(
    "--destination",
    help="default landing page of new links (existing links keep theirs: see `tracker link set`)",
)
@click.option("--budget", metavar="AMOUNT", help="total budget; '' removes it")
@click.option("--timezone", help="IANA time zone (only before the first click)")
@click.option(
    "--currency",
    help="ISO 4217 currency (only before the first order or metrics row; fees "
    "and budget keep their amounts)",
)
@click.option("--starts-on", metavar="YYYY-MM-DD", help="first day")
@click.option("--countries", metavar="CC,CC", help=COUNTRIES_HELP + "; '' removes them")
@click.option(
    "--attribution-days",
    metavar="N",
    help="a click credits an order made within N days of it; every report follows",
)
@json_option
@pass_state
def set_(
    state,
    slug,
    name,
    destination,
    budget,
    timezone,
    currency,
    starts_on,
    countries,
    attribution_days,
    as_json,
):
    """change a campaign (only the options given)"""
    done = campaigns.update_campaign(
        state.store(),
        slug,
        name,
        destination,
        starts_on,
        timezone,
        currency,
        budget,
        countries,
        attribution_days=attribution_days,
    )
    if as_json:
        print_json(done)
        return
    report_changes(done["changed"])
    if "destination" in done["changed"]:
        note(
            "existing links keep their destination; change one with "
            "`tracker link set CODE --destination URL`"
        )
    emit(done, False, COLUMNS)
