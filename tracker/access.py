"""Who may do what: API tokens, signed share links, the webhook secret and
the limit on failed token attempts. No Flask here: the API, the stats pages
and the CLI all call these functions.

Secrets live in the database (settings and share_secrets tables), so every
app server shares them, and are never logged or printed except on request.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import time
from datetime import UTC, datetime

from itsdangerous import BadSignature, URLSafeSerializer

from . import validate
from .campaigns import get_campaign, get_creator, now_utc
from .errors import BadInput, Duplicate, NotFound, Unauthorized
from .store import Conflict, Store

TOKEN_PREFIX = "trk_"
WEBHOOK_SECRET = "webhook_secret"
CLIENT_KEY = "client_hash_key"
SESSION_SECRET = "session_secret"  # signs the console's session cookies
MAX_FAILURES_PER_MINUTE = 10  # per client: wrong tokens and passwords together
MAX_ACCOUNT_FAILURES_PER_MINUTE = 5  # per account: wrong passwords from anywhere
FAILURE_WINDOW = 60  # seconds, sliding
WEBHOOK_TOLERANCE = 300  # seconds a signed webhook timestamp may be off
DURATION_RE = re.compile(r"^([0-9]+)\s*([mhdw])$")  # ASCII digits only, not \d
UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
MAX_SHARE_SECONDS = 5 * 366 * 86400


def ensure_secrets(store: Store) -> None:
    """Create the install's secrets once (tracker init, app start)."""
    store.ensure_setting(WEBHOOK_SECRET, secrets.token_urlsafe(32))
    store.ensure_setting(CLIENT_KEY, secrets.token_hex(32))
    store.ensure_setting(SESSION_SECRET, secrets.token_urlsafe(32))


def session_secret(store: Store) -> str:
    """The key that signs console sessions: made once per install, shared by
    every app server through the database (never a constant in the code)."""
    return store.setting(SESSION_SECRET) or store.ensure_setting(
        SESSION_SECRET, secrets.token_urlsafe(32)
    )


# -- API tokens ------------------------------------------------------------------


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits: a plain SHA-256 cannot be brute-forced.
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    store: Store, name: str, campaign: str | None = None, read_only: bool = False
) -> dict:
    name = validate.text("token name", name, 64)
    campaign_id = get_campaign(store, campaign)["id"] if campaign else None
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    try:
        store.insert(
            "api_tokens",
            {
                "name": name,
                "token_hash": hash_token(token),
                "campaign_id": campaign_id,
                "read_only": int(read_only),
                "created_at": now_utc(),
            },
        )
    except Conflict:
        raise Duplicate(f"a token named {name!r} already exists") from None
    return {"name": name, "token": token, "campaign": campaign, "read_only": read_only}


def list_tokens(store: Store) -> list[dict]:
    return [
        {
            "name": t["name"],
            "campaign": t["campaign"],
            "read_only": bool(t["read_only"]),
            "created_at": t["created_at"],
        }
        for t in store.tokens()
    ]


def revoke_token(store: Store, name: str) -> dict:
    if not store.delete_token(name):
        raise NotFound(f"no token named {name!r}")
    return {"name": name, "revoked": True}


def token_for(store: Store, bearer: str | None) -> dict | None:
    if not bearer or not bearer.startswith(TOKEN_PREFIX) or len(bearer) > 128:
        return None
    return store.token_by_hash(hash_token(bearer))


# -- failed attempts ----------------------------------------------------------------
#
# One limiter for every secret a client can guess. A client may get
# MAX_FAILURES_PER_MINUTE wrong tokens or passwords in any FAILURE_WINDOW
# seconds (a sliding window, not calendar minutes); an account
# MAX_ACCOUNT_FAILURES_PER_MINUTE wrong passwords, from wherever they come.
# Beyond that the answer is a 429 that says when to retry.
#
# Tokens are checked before the limiter (web/auth.py): they carry 256 random
# bits, so only failures count and only failures are refused. Passwords are
# checked after it (users.sign_in): over the limit a sign-in is refused
# without looking at the password, or the limit would slow no guesser. The
# refusal lifts by itself once the failures leave the window, so nobody is
# locked out for good.


def client_key(store: Store, address: str) -> str:
    """A keyed hash of the client address: rate limits without storing IPs."""
    key = store.setting(CLIENT_KEY) or ""
    return hmac.new(key.encode(), address.encode(), hashlib.sha256).hexdigest()[:24]


def account_key(store: Store, email: str) -> str:
    """The limiter's key for an account (keyed too: no e-mail address in the table)."""
    key = store.setting(CLIENT_KEY) or ""
    return (
        "account:" + hmac.new(key.encode(), email.lower().encode(), hashlib.sha256).hexdigest()[:24]
    )


def _at(moment: float) -> str:
    return validate.iso_utc(datetime.fromtimestamp(moment, UTC))


def _seconds(at: str) -> float:
    return datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()


def retry_after(
    store: Store, key: str, now: float | None = None, limit: int = MAX_FAILURES_PER_MINUTE
) -> int | None:
    """None while `key` (a client, or an account_key) is under `limit`; else
    the whole seconds until enough of its failures have left the window for
    one more attempt."""
    now = time.time() if now is None else now
    rows = store.auth_failures_after(key, _at(now - FAILURE_WINDOW))
    excess = sum(r["failures"] for r in rows) - limit
    if excess < 0:
        return None
    for row in rows:  # oldest first
        excess -= row["failures"]
        if excess < 0:
            break
    return max(1, math.ceil(_seconds(row["at"]) + FAILURE_WINDOW - now))


def record_failure(store: Store, *keys: str, now: float | None = None) -> None:
    """Count one failure against each key, and forget every failure that
    left the window."""
    now = time.time() if now is None else now
    for key in keys:
        store.add_auth_failure(key, _at(now))
    store.forget_auth_failures_before(_at(now - FAILURE_WINDOW))


# -- share links ---------------------------------------------------------------------


def parse_duration(text: str) -> int:
    match = DURATION_RE.match((text or "").strip().lower())
    if not match or int(match.group(1)) == 0:
        raise BadInput(f"duration {text!r} must look like 90m, 12h, 30d or 2w")
    seconds = int(match.group(1)) * UNITS[match.group(2)]
    if seconds > MAX_SHARE_SECONDS:
        raise BadInput(f"duration {text!r} is longer than the limit of 5 years")
    return seconds


def _serializer(store: Store, campaign: dict, create: bool = True) -> URLSafeSerializer | None:
    secret = store.share_secret(campaign["id"])
    if secret is None:
        if not create:
            return None
        secret = store.set_share_secret(
            campaign["id"], secrets.token_urlsafe(32), now_utc(), replace=False
        )
    return URLSafeSerializer(secret, salt="tracker-share")


def share_link(
    store: Store, base_url: str, slug: str, creator: str | None = None, expires: str = "30d"
) -> dict:
    campaign = get_campaign(store, slug)
    handle = None
    if creator:
        found = get_creator(store, creator)
        handle = found["handle"]
        if store.enrolment(campaign["id"], found["id"]) is None:
            raise BadInput(f"creator {handle!r} is not on campaign {slug!r}")
    expires_at = int(time.time()) + parse_duration(expires)
    serializer = _serializer(store, campaign)
    assert serializer is not None  # made if it was missing
    token = serializer.dumps({"c": campaign["slug"], "h": handle, "e": expires_at})
    url = f"{base_url.rstrip('/')}/stats/{campaign['slug']}?share={token}"
    return {
        "url": url,
        "campaign": campaign["slug"],
        "creator": handle,
        "expires_at": datetime.fromtimestamp(expires_at, UTC).isoformat(),
    }


def rotate_share_secret(store: Store, slug: str) -> dict:
    campaign = get_campaign(store, slug)
    store.set_share_secret(campaign["id"], secrets.token_urlsafe(32), now_utc())
    return {"campaign": campaign["slug"], "rotated": True}


def check_share(store: Store, slug: str, token: str) -> dict:
    """The scope a share token grants on campaign `slug`: {"creator": …}."""
    campaign = store.campaign(slug)
    serializer = _serializer(store, campaign, create=False) if campaign else None
    if campaign is None or serializer is None:
        raise Unauthorized("this share link is not valid (or was revoked)")
    try:
        data = serializer.loads(token)
    except BadSignature:
        raise Unauthorized("this share link is not valid (or was revoked)") from None
    if data.get("c") != campaign["slug"]:
        raise Unauthorized("this share link is for another campaign")
    if int(data.get("e", 0)) < time.time():
        raise Unauthorized("this share link has expired; ask for a new one")
    return {"creator": data.get("h")}


# -- the order webhook -------------------------------------------------------------------


def webhook_secret(store: Store, rotate: bool = False) -> str:
    if rotate:
        store.set_setting(WEBHOOK_SECRET, secrets.token_urlsafe(32))
    return store.setting(WEBHOOK_SECRET) or store.ensure_setting(
        WEBHOOK_SECRET, secrets.token_urlsafe(32)
    )


def sign_webhook(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def check_webhook(
    store: Store,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: float | None = None,
) -> None:
    """A signed, recent delivery, or Unauthorized.

    The header carries whole seconds, so the clock is compared in whole
    seconds too: a timestamp exactly 300 s old is inside the window whatever
    the fraction of the current second (a float comparison refused it in the
    second half of every second)."""
    if not timestamp or not signature:
        raise Unauthorized("X-Tracker-Timestamp and X-Tracker-Signature are required")
    try:
        sent = int(timestamp)
    except ValueError:
        raise Unauthorized("X-Tracker-Timestamp must be unix seconds") from None
    current = int(time.time() if now is None else now)
    if abs(current - sent) > WEBHOOK_TOLERANCE:
        raise Unauthorized("X-Tracker-Timestamp is more than 5 minutes off")
    expected = sign_webhook(webhook_secret(store), timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode("utf-8", "replace")):
        raise Unauthorized("the signature does not match")
