"""`tracker user …`: people who sign in to the console.

A password is never an argument (it would sit in the shell's history and
in `ps`): it is typed twice without echo, or read from the first line of
stdin with --password-stdin (for scripts).
"""

from __future__ import annotations

import sys

import click

from .. import users, validate
from ..vocabulary import ROLES
from .base import Group, among, argument, json_option, pass_state
from .output import emit, note

COLUMNS = (("email", "email"), ("role", "role"), ("created_at", "created_at"))
STDIN_HELP = "read the password from the first line of stdin instead of asking twice"


def new_password(from_stdin: bool) -> str:
    """The password, checked before anything is written."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt="again")
    return users.check_password(password)


@click.group(cls=Group)
def user():
    """people who sign in to the console (admin: changes anything; viewer: reads)"""


@user.command()
@argument("email", help="the e-mail address they sign in with")
@click.option(
    "--role",
    default="viewer",
    show_default=True,
    type=among(ROLES),
    help="admin changes anything; viewer reads everything and changes nothing",
)
@click.option("--password-stdin", is_flag=True, help=STDIN_HELP)
@json_option
@pass_state
def add(state, email, role, password_stdin, as_json):
    """add a user who can sign in to the console"""
    validate.email(email)  # a typo is refused before the password is asked
    made = users.add_user(state.store(), email, new_password(password_stdin), role)
    emit(made, as_json, COLUMNS)


@user.command("list")
@json_option
@pass_state
def list_(state, as_json):
    """list users (never their passwords)"""
    emit(users.list_users(state.store()), as_json, COLUMNS)


@user.command()
@argument("email", help="the user's e-mail address")
@pass_state
def remove(state, email):
    """remove a user; their sessions end with their next request"""
    done = users.remove_user(state.store(), email)
    note(f"user {done['email']} removed")


@user.command()
@argument("email", help="the user's e-mail address")
@click.option("--password-stdin", is_flag=True, help=STDIN_HELP)
@pass_state
def password(state, email, password_stdin):
    """set a new password; sessions signed in with the old one end"""
    users.get_user(state.store(), email)  # an unknown user before the password is asked
    done = users.set_password(state.store(), email, new_password(password_stdin))
    note(f"password of {done['email']} changed")
