"""`tracker creator …`: the people who publish the links."""

from __future__ import annotations

import click

from .. import campaigns
from ..vocabulary import PLATFORMS
from .base import Group, among, argument, json_option, pass_state
from .output import emit, note, print_json, report_changes

COLUMNS = (("handle", "handle"), ("platform", "platform"), ("name", "name"))
HANDLE_HELP = "the creator's handle, with or without @"


@click.group(cls=Group)
def creator():
    """add, list and change creators"""


@creator.command()
@argument(
    "handle",
    help="the creator's handle, with or without @ (letters, digits, "
    "'.', '_' and '-'; case-insensitive)",
)
@click.option(
    "--platform",
    required=True,
    type=among(PLATFORMS),
    help="where the creator publishes (the utm_source of their links)",
)
@click.option("--name", help="display name")
@json_option
@pass_state
def add(state, handle, platform, name, as_json):
    """add a creator"""
    emit(campaigns.add_creator(state.store(), handle, platform, name), as_json, COLUMNS)


@creator.command("list")
@json_option
@pass_state
def list_(state, as_json):
    """list creators"""
    emit(campaigns.list_creators(state.store()), as_json, COLUMNS)


@creator.command("set")
@argument("handle", help=HANDLE_HELP)
@click.option(
    "--platform",
    type=among(PLATFORMS),
    help="where the creator publishes; their links' UTMs follow",
)
@click.option("--name", help="display name; '' removes it")
@click.option(
    "--handle",
    "new_handle",
    metavar="NEW_HANDLE",
    help="a new handle; their links' utm_content follows (share links for the old one stop)",
)
@json_option
@pass_state
def set_(state, handle, platform, name, new_handle, as_json):
    """change a creator (only the options given)"""
    done = campaigns.update_creator(state.store(), handle, platform, name, new_handle)
    if as_json:
        print_json(done)
        return
    report_changes(done["changed"])
    if done["links_updated"]:
        note(
            f"{done['links_updated']} link(s) now carry utm_source={done['platform']} "
            f"and utm_content={done['handle']}"
        )
    emit(done, False, COLUMNS)
