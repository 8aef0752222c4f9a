"""Who is asking (Flask side): bearer tokens for the API and the stats
pages, console sessions for people signed in.

The rules themselves live in access.py and users.py; this only reads the
request and the session.
"""

from __future__ import annotations

from flask import current_app, g, request, session

from .. import access, users
from ..errors import Forbidden, NotFound, TooManyRequests, Unauthorized
from ..redirect import client_ip


def store():
    """The app's store (for the API and the stats pages)."""
    return current_app.extensions["tracker.store"]


def bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def client() -> str:
    """The limiter's key for this request's client (access.client_key)."""
    config = current_app.extensions["tracker.settings"]
    return access.client_key(store(), client_ip(request.environ, config.trusted_proxies))


def authenticate(required: bool = True) -> dict | None:
    """The API token of this request, or 401.

    The token is checked before the limiter: a valid token is never refused,
    so wrong tokens from the same address cannot lock the admin out (behind
    a proxy without TRACKER_TRUSTED_PROXIES every client is that address).
    Tokens carry 256 random bits, so the limit is not what stops guessing;
    it keeps a noisy client cheap (see access.retry_after)."""
    token = bearer()
    if token is None:
        if required:
            raise Unauthorized("an API token is required: Authorization: Bearer <token>")
        return None
    row = access.token_for(store(), token)
    if row is None:
        refuse_wrong_token()
    g.token = row
    return row


def refuse_wrong_token():
    """401 and one more failure for this client; 429 with Retry-After (and
    nothing counted) once it has had its failures for the minute."""
    key = client()
    wait = access.retry_after(store(), key)
    if wait is not None:
        raise TooManyRequests(
            f"too many failed token attempts; try again in {wait} s", retry_after=wait
        )
    access.record_failure(store(), key)
    raise Unauthorized("this API token is not valid (or was revoked)")


def check_campaign(token: dict, slug: str) -> None:
    """A campaign-scoped token sees nothing of other campaigns: 404, not 403."""
    if token["campaign"] is not None and token["campaign"] != slug:
        raise NotFound(f"campaign {slug!r} does not exist (see `tracker campaign list`)")


def check_write(token: dict, global_change: bool = False) -> None:
    if token["read_only"]:
        raise Forbidden("this token is read-only")
    if global_change and token["campaign"] is not None:
        raise Forbidden("this token is scoped to one campaign; this needs an unscoped token")


# -- console sessions ----------------------------------------------------------------


def current_user() -> dict | None:
    """The user signed in with this request's session, or None. A session
    ends when its user is removed or their password changes."""
    if "user" not in g:
        uid, stamp = session.get("uid"), session.get("stamp")
        row = store().user_by_id(uid) if isinstance(uid, int) else None
        g.user = row if row is not None and users.session_stamp(row) == stamp else None
    return g.user


def start_session(row: dict) -> None:
    """Sign this browser in as `row`: a fresh session (nothing carried over
    from before, not even the CSRF token), valid for 12 hours."""
    session.clear()
    session.permanent = True
    session["uid"] = row["id"]
    session["stamp"] = users.session_stamp(row)
    g.user = row


def end_session() -> None:
    session.clear()
    g.user = None
