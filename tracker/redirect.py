"""The hot path: GET /<code> -> classify -> one durable click row -> 302.

A plain WSGI callable in front of Flask: a short-link request touches no
routing, no request object and no session, only what it needs. Anything
that is not a short code falls through to the Flask app.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import time
from datetime import date, datetime, timedelta, timezone
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from .classify import classify
from .campaigns import LINK_CACHE_SECONDS, RESERVED_CODES, redirect_location
from .vocabulary import CODE_PATTERN
from .store import Store
from .validate import iso_utc

CODE_PATH = re.compile("^/(" + CODE_PATTERN.strip("^$") + ")$")
MAX_QUERY = 4096
MAX_HEADER = 2048
PREFETCH = (("HTTP_SEC_PURPOSE", "prefetch"), ("HTTP_PURPOSE", "prefetch"),
            ("HTTP_X_PURPOSE", "preview"), ("HTTP_X_MOZ", "prefetch"))
SECURITY_HEADERS = [
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer-when-downgrade"),
]
NOT_FOUND_PAGE = (
    b"<!doctype html><html lang=en><meta charset=utf-8>"
    b"<title>Link not found</title><body style='font-family:sans-serif;margin:4em'>"
    b"<h1>Link not found</h1><p>This short link does not exist or was switched off.</p>"
)
UNAVAILABLE_PAGE = b"Temporarily unavailable, please try again."


def new_click_id() -> str:
    """96 random bits, URL-safe; never starting with '-' or '_', so that a
    spreadsheet export never has to escape it and the shop can match it."""
    while True:
        token = secrets.token_urlsafe(12)
        if token[0].isalnum():
            return token


def is_prefetch(environ) -> bool:
    return any(name in environ and value in environ[name].lower() for name, value in PREFETCH)


def client_ip(environ, trusted_proxies: int) -> str:
    """The peer address, or the one the n-th trusted proxy saw."""
    if trusted_proxies:
        hops = [h.strip() for h in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if hops:
            return hops[-min(trusted_proxies, len(hops))]
    return environ.get("REMOTE_ADDR", "")


class Redirector:
    """WSGI middleware that answers short links and passes the rest on."""

    def __init__(self, store: Store, fallback, trusted_proxies: int = 0, clock=None):
        self.store = store
        # The time of a click; `tracker demo` replays a month through it.
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.fallback = fallback
        self.trusted_proxies = trusted_proxies
        self._salts: dict[str, str] = {}
        self._salt_date: date | None = None
        # code -> (link facts, when read). A link's channel, campaign and
        # creator never change; its target does when its creator's handle or
        # platform is edited, so a copy is kept for LINK_CACHE_SECONDS.
        # Whether it is disabled is checked by the click insert itself (and
        # looked up for HEAD).
        self._links: dict[str, tuple[dict, float]] = {}
        self.monotonic = time.monotonic

    def link(self, code: str, fresh: bool = False) -> dict | None:
        now = self.monotonic()
        cached = None if fresh else self._links.get(code)
        if cached is not None and now - cached[1] < LINK_CACHE_SECONDS:
            return cached[0]
        link = self.store.link_for_redirect(code)
        if link is None or link["disabled"]:
            return None
        if len(self._links) > 50_000:
            self._links.clear()
        self._links[code] = (link, now)
        return link

    def __call__(self, environ, start_response):
        match = CODE_PATH.match(environ.get("PATH_INFO", ""))
        method = environ.get("REQUEST_METHOD")
        if (match is None or method not in ("GET", "HEAD")
                or match.group(1).lower() in RESERVED_CODES):
            return self.fallback(environ, start_response)
        return self.redirect(match.group(1), method, environ, start_response)

    def redirect(self, code, method, environ, start_response):
        counted = method == "GET" and not is_prefetch(environ)
        link = self.link(code, fresh=not counted)
        if link is None:
            return self.not_found(method, start_response)
        incoming = parse_qsl(environ.get("QUERY_STRING", "")[:MAX_QUERY], keep_blank_values=True)
        click_id = None
        if counted:
            click_id = new_click_id()
            try:
                if not self.record(click_id, link, incoming, environ):
                    self._links.pop(code, None)      # disabled since we cached it
                    return self.not_found(method, start_response)
            except Exception as exc:
                # No row, no 302: a redirect we answer is a click we kept.
                environ["wsgi.errors"].write(
                    f"tracker: click not stored for /{code}: {type(exc).__name__}: {exc}\n")
                start_response("503 Service Unavailable", [
                    ("Content-Type", "text/plain"), ("Retry-After", "1")] + SECURITY_HEADERS)
                return [UNAVAILABLE_PAGE]
        location = redirect_location(link["destination"], link["target_url"], incoming, click_id)
        # A bodiless 302 needs no nosniff or referrer policy; every header
        # costs the server a little on the path that must be fastest.
        start_response("302 Found", [("Location", location), ("Content-Length", "0"),
                                     ("Cache-Control", "no-store")])
        return []

    def not_found(self, method, start_response):
        start_response("404 Not Found", [("Content-Type", "text/html; charset=utf-8"),
                                         ("Content-Length", str(len(NOT_FOUND_PAGE)))]
                       + SECURITY_HEADERS)
        return [] if method == "HEAD" else [NOT_FOUND_PAGE]

    def record(self, click_id, link, incoming, environ) -> bool:
        """Write the click; False if the link was disabled meanwhile."""
        referrer = environ.get("HTTP_REFERER", "")[:MAX_HEADER].replace("\x00", "") or None
        user_agent = environ.get("HTTP_USER_AGENT", "")[:MAX_HEADER].replace("\x00", "")
        found = classify(link["channel"], incoming, referrer, user_agent, link["creator_platform"])
        agent = found.agent
        now = self.clock()
        local_day = now.astimezone(ZoneInfo(link["timezone"])).date().isoformat()
        return self.store.insert_click({
            "id": click_id, "link_id": link["id"], "campaign_id": link["campaign_id"],
            "creator_id": link["creator_id"], "at": iso_utc(now), "day": local_day,
            "referrer": referrer, "referrer_host": found.referrer_host,
            "user_agent": user_agent, "device": agent.device, "os": agent.os,
            "browser": agent.browser, "in_app": agent.in_app, "source": found.source,
            "platform": found.platform, "reason": found.reason,
            "ad_click_id": found.ad_click_id, "is_bot": int(found.is_bot),
            "visitor": self.visitor(now, link["timezone"], local_day, environ, user_agent),
        })

    def visitor(self, now, tz, local_day, environ, user_agent) -> str:
        """A daily-salted hash of address and UA; the address is not kept.

        The salt belongs to the campaign's local day, so "unique visitors
        per day" in reports is exact, and it is thrown away two days later.
        """
        key = f"{local_day}|{tz}"
        salt = self._salts.get(key)
        if salt is None:
            today = now.date()
            if self._salt_date != today:
                self._salts.clear()
                self._salt_date = today
                self.store.forget_salts_before((today - timedelta(days=2)).isoformat())
            salt = self._salts[key] = self.store.visitor_salt(key, secrets.token_hex(16))
        ip = client_ip(environ, self.trusted_proxies)
        digest = hashlib.blake2b(f"{ip}\n{user_agent}".encode(), key=salt.encode()[:64],
                                 digest_size=10)
        return digest.hexdigest()
