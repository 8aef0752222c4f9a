"""Console users: adding, listing, removing, passwords (scrypt hashes only),
and signing in through the one failed-attempt limiter, per client and per
account, that never locks a valid user out for good. Real SQLite and
PostgreSQL."""

from __future__ import annotations

import time
import types
from datetime import timedelta

import pytest

from tracker import access, users
from tracker.errors import BadInput, Duplicate, NotFound, TooManyRequests, Unauthorized

PASSWORD = "correct horse battery"
pytestmark = pytest.mark.usefixtures("cheap_hashes")


@pytest.fixture
def people(store):
    access.ensure_secrets(store)
    users.add_user(store, "Ana@Example.com", PASSWORD, "admin")
    users.add_user(store, "vic@example.com", "viewer password", "viewer")
    return store


@pytest.fixture
def clock(monkeypatch):
    """The limiter's clock, moved by hand."""
    now = [float(int(time.time()))]  # whole seconds: no rounding at the microsecond
    monkeypatch.setattr(access, "time", types.SimpleNamespace(time=lambda: now[0]))

    def advance(**kw):
        now[0] += timedelta(**kw).total_seconds()

    return advance


def test_add_and_list(people):
    listed = users.list_users(people)
    assert [(u["email"], u["role"]) for u in listed] == [
        ("ana@example.com", "admin"),
        ("vic@example.com", "viewer"),
    ]
    assert set(listed[0]) == {"email", "role", "created_at"}
    row = people.user("ana@example.com")
    assert row["password_hash"].startswith("scrypt:") and PASSWORD not in row["password_hash"]


def test_production_hashes_are_full_strength_scrypt(store, monkeypatch):
    monkeypatch.undo()
    assert users.HASH_METHOD == "scrypt"
    assert users.hash_password(PASSWORD).startswith("scrypt:32768:8:1$")


def test_the_default_role_is_viewer(people):
    assert users.add_user(people, "new@example.com", PASSWORD)["role"] == "viewer"


@pytest.mark.parametrize(
    "email,password,role,message",
    [
        ("not-an-address", PASSWORD, "admin", "not an e-mail address"),
        ("a@b", PASSWORD, "admin", "not an e-mail address"),
        ("two@@example.com", PASSWORD, "admin", "not an e-mail address"),
        ("sp ace@example.com", PASSWORD, "admin", "not an e-mail address"),
        ("", PASSWORD, "admin", "e-mail address must not be empty"),
        ("ok@example.com", "short", "admin", "at least 10 characters"),
        ("ok@example.com", "x" * 513, "admin", "longer than 512"),
        ("ok@example.com", PASSWORD, "owner", "role must be one of admin, viewer"),
    ],
)
def test_bad_users_are_refused(people, email, password, role, message):
    with pytest.raises(BadInput, match=message):
        users.add_user(people, email, password, role)
    assert len(users.list_users(people)) == 2


def test_duplicates_and_unknowns(people):
    with pytest.raises(Duplicate):
        users.add_user(people, "ANA@example.com", PASSWORD)
    with pytest.raises(NotFound):
        users.remove_user(people, "ghost@example.com")
    with pytest.raises(NotFound):
        users.set_password(people, "ghost@example.com", PASSWORD)


def test_sign_in(people):
    client = access.client_key(people, "203.0.113.5")
    assert users.sign_in(people, " ANA@example.com ", PASSWORD, client)["role"] == "admin"
    for email, password in (
        ("ana@example.com", "wrong password"),
        ("ghost@example.com", PASSWORD),
        ("", ""),
        ("ana@example.com", PASSWORD + "x" * 600),
    ):
        with pytest.raises(Unauthorized, match="do not match"):
            users.sign_in(people, email, password, client)


def test_a_new_password_replaces_the_old_and_changes_the_stamp(people):
    client = access.client_key(people, "203.0.113.5")
    stamp = users.session_stamp(people.user("ana@example.com"))
    users.set_password(people, "ana@example.com", "a brand new password")
    with pytest.raises(Unauthorized):
        users.sign_in(people, "ana@example.com", PASSWORD, client)
    row = users.sign_in(people, "ana@example.com", "a brand new password", client)
    assert users.session_stamp(row) != stamp
    with pytest.raises(BadInput, match="at least 10"):
        users.set_password(people, "ana@example.com", "short")


def test_removed_users_cannot_sign_in(people):
    client = access.client_key(people, "203.0.113.5")
    assert users.remove_user(people, "VIC@example.com") == {
        "email": "vic@example.com",
        "removed": True,
    }
    with pytest.raises(Unauthorized):
        users.sign_in(people, "vic@example.com", "viewer password", client)


def test_an_account_is_slowed_from_every_client_then_works_again(people, clock):
    limit = access.MAX_ACCOUNT_FAILURES_PER_MINUTE
    for n in range(limit):  # each guess from another address
        with pytest.raises(Unauthorized):
            users.sign_in(
                people,
                "ana@example.com",
                f"guess number {n}",
                access.client_key(people, f"198.51.100.{n}"),
            )
    fresh = access.client_key(people, "192.0.2.1")
    # Over the limit even the right password is refused, unchecked...
    with pytest.raises(TooManyRequests, match="try again in"):
        users.sign_in(people, "ana@example.com", PASSWORD, fresh)
    # ...but only for this account,
    assert users.sign_in(people, "vic@example.com", "viewer password", fresh)
    # and only for a while: two minutes on, the right password works.
    clock(minutes=2)
    assert users.sign_in(people, "ana@example.com", PASSWORD, fresh)["email"] == "ana@example.com"


def test_a_client_is_slowed_across_accounts_and_tokens(people, clock):
    client = access.client_key(people, "203.0.113.9")
    for n in range(access.MAX_FAILURES_PER_MINUTE):
        with pytest.raises(Unauthorized):
            users.sign_in(people, f"nobody{n}@example.com", "whatever it is", client)
    with pytest.raises(TooManyRequests):
        users.sign_in(people, "ana@example.com", PASSWORD, client)
    # the API's token check uses the same counter for the same client
    assert access.retry_after(people, client) is not None
    other = access.client_key(people, "203.0.113.10")
    assert users.sign_in(people, "ana@example.com", PASSWORD, other)
    clock(minutes=2)
    assert users.sign_in(people, "ana@example.com", PASSWORD, client)


def test_failures_under_the_limit_do_not_block(people):
    client = access.client_key(people, "203.0.113.11")
    for _ in range(access.MAX_ACCOUNT_FAILURES_PER_MINUTE - 1):
        with pytest.raises(Unauthorized):
            users.sign_in(people, "ana@example.com", "not the password", client)
    assert users.sign_in(people, "ana@example.com", PASSWORD, client)


def test_the_limiter_keeps_no_address_or_email(people):
    with pytest.raises(Unauthorized):
        users.sign_in(
            people, "ana@example.com", "not the password", access.client_key(people, "203.0.113.12")
        )
    text = str(people.query("SELECT * FROM auth_failures"))
    assert "203.0.113.12" not in text and "ana@" not in text and "account:" in text
