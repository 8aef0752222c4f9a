"""People who sign in to the console: add, list, remove, set a password,
sign in. No Flask here: the console and the CLI call these functions.

A user is an e-mail address and a role (vocabulary.ROLES: admins change
things, viewers read). Passwords are kept only as werkzeug's scrypt hash.
Wrong passwords go through the one limiter in access.py, per client and per
account: a guesser is refused for a minute or two, and the right password
works again as soon as the failures stop.
"""

from __future__ import annotations

import functools
import hashlib

from werkzeug.security import check_password_hash, generate_password_hash

from . import access, validate
from .campaigns import now_utc
from .errors import BadInput, Duplicate, NotFound, TooManyRequests, Unauthorized
from .store import Conflict, Store
from .vocabulary import ROLES

MIN_PASSWORD = 10
MAX_PASSWORD = 512
HASH_METHOD = "scrypt"
WRONG = "this e-mail address and password do not match"
TOO_MANY = "too many failed sign-ins; try again"


def user_record(row: dict) -> dict:
    return {"email": row["email"], "role": row["role"], "created_at": row["created_at"]}


def check_password(password: str | None) -> str:
    """A password as given (spaces count): 10 to 512 characters."""
    password = password or ""
    if len(password) < MIN_PASSWORD:
        raise BadInput(f"password must be at least {MIN_PASSWORD} characters long")
    if len(password) > MAX_PASSWORD:
        raise BadInput(f"password is longer than {MAX_PASSWORD} characters")
    if "\x00" in password:
        raise BadInput("password contains a NUL character")
    return password


def hash_password(password: str) -> str:
    return generate_password_hash(check_password(password), method=HASH_METHOD)


def add_user(store: Store, email: str, password: str, role: str = "viewer") -> dict:
    """A user who can sign in to the console; role admin or viewer."""
    email = validate.email(email)
    role = validate.choice("role", role or "viewer", ROLES)
    hashed = hash_password(password)
    try:
        store.insert(
            "users",
            {"email": email, "password_hash": hashed, "role": role, "created_at": now_utc()},
        )
    except Conflict:
        raise Duplicate(f"user {email!r} already exists") from None
    return user_record(get_user(store, email))


def get_user(store: Store, email: str) -> dict:
    row = store.user((email or "").strip().lower())
    if row is None:
        raise NotFound(f"user {email!r} does not exist (see `tracker user list`)")
    return row


def list_users(store: Store) -> list[dict]:
    return [user_record(r) for r in store.users()]


def remove_user(store: Store, email: str) -> dict:
    """Delete a user; their open sessions end with their next request."""
    user = get_user(store, email)
    store.delete_user(user["email"])
    return {"email": user["email"], "removed": True}


def set_password(store: Store, email: str, password: str) -> dict:
    """A new password; sessions signed in with the old one end."""
    user = get_user(store, email)
    store.set_password_hash(user["email"], hash_password(password))
    return {"email": user["email"], "password_changed": True}


@functools.lru_cache(maxsize=1)
def _decoy_hash() -> str:
    return generate_password_hash("not a password of anyone", method=HASH_METHOD)


def sign_in(store: Store, email: str, password: str, client: str, now: float | None = None) -> dict:
    """The user with this e-mail address and password, or Unauthorized.

    `client` is access.client_key() of the request's address. Over the
    limit (per client or per account) the answer is TooManyRequests with
    the seconds to wait, and the password is not even checked. An unknown
    address costs the same scrypt as a wrong password, so timing does not
    tell which addresses exist.
    """
    email = (email or "").strip().lower()
    account = access.account_key(store, email)
    waits = [
        access.retry_after(store, client, now),
        access.retry_after(store, account, now, access.MAX_ACCOUNT_FAILURES_PER_MINUTE),
    ]
    wait = max((w for w in waits if w is not None), default=None)
    if wait is not None:
        raise TooManyRequests(f"{TOO_MANY} in {wait} s", retry_after=wait)
    row = store.user(email) if email and len(password or "") <= MAX_PASSWORD else None
    good = check_password_hash(
        row["password_hash"] if row else _decoy_hash(), (password or "")[:MAX_PASSWORD]
    )
    if row is None or not good:
        access.record_failure(store, client, account, now=now)
        raise Unauthorized(WRONG)
    return row


def session_stamp(row: dict) -> str:
    """Changes whenever the user's password does: a session keeps the stamp
    it was made with and ends when it no longer matches."""
    return hashlib.sha256(row["password_hash"].encode()).hexdigest()[:16]
