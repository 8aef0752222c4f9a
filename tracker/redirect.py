"""The hot path: GET /<code> -> classify -> one durable click row -> 302.

A plain WSGI callable in front of Flask: a short-link request touches no
routing, no request object and no session, only what it needs. Anything
that is not a short code falls through to the Flask app.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from .campaigns import LINK_CACHE_SECONDS, RESERVED_CODES, redirect_location
from .classify import MAX_ACCEPT_LANGUAGE, classify, country, primary_language, take_qr
from .logs import scrub
from .store import Store
from .validate import iso_utc
from .vocabulary import CODE_PATTERN

CODE_PATH = re.compile("^/(" + CODE_PATTERN.strip("^$") + ")$")
# What a Location may hold: a URI is printable ASCII without spaces, and
# that is also what every server can put in a header.
LOCATION = re.compile(r"[\x21-\x7e]+")
MAX_QUERY = 4096
MAX_HEADER = 2048
PREFETCH = (
    ("HTTP_SEC_PURPOSE", "prefetch"),
    ("HTTP_PURPOSE", "prefetch"),
    ("HTTP_X_PURPOSE", "preview"),
    ("HTTP_X_MOZ", "prefetch"),
)
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
SALT_DAYS_KEPT = 2


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


def checked_location(link: dict, incoming, click_id: str | None) -> str:
    """The link's Location, or ValueError if it is not a sendable URI."""
    location = redirect_location(
        link["destination"], link["target_url"], incoming, click_id, link["click_param"]
    )
    if not LOCATION.fullmatch(location):
        raise ValueError(f"the link's target is not an ASCII URI: {location[:200]!r}")
    return location


class Redirector:
    """WSGI middleware that answers short links and passes the rest on."""

    def __init__(self, store: Store, fallback, trusted_proxies: int = 0, clock=None):
        self.store = store
        # The time of a click; `tracker demo` replays a month through it.
        self.clock = clock or (lambda: datetime.now(UTC))
        self.fallback = fallback
        self.trusted_proxies = trusted_proxies
        self._salts: dict[str, str] = {}
        self._salt_date: date | None = None
        self._salts_swept_on: date | None = None
        self._partitions_kept_on: date | None = None
        self.housekeeping: threading.Event | None = None
        # code -> (link facts, read at). A link's channel, campaign and
        # creator never change, its target rarely (`tracker link set`, or its
        # creator's new handle or platform): a copy is kept for
        # LINK_CACHE_SECONDS. Whether it is disabled is checked by the click
        # insert itself (and looked up for HEAD).
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
        if (
            match is None
            or method not in ("GET", "HEAD")
            or match.group(1).lower() in RESERVED_CODES
        ):
            return self.fallback(environ, start_response)
        return self.redirect(match.group(1), method, environ, start_response)

    def redirect(self, code, method, environ, start_response):
        """A row and its 302, or neither.

        The Location is built and checked first, the row written second, and
        after the row nothing can fail: so a click row never lacks its 302
        and a 302 never lacks its row. A link whose target cannot be a
        Location (an old row from before destinations were normalised) is a
        503 without a row."""
        counted = method == "GET" and not is_prefetch(environ)
        link = self.link(code, fresh=not counted)
        if link is None:
            return self.not_found(method, start_response)
        incoming = parse_qsl(environ.get("QUERY_STRING", "")[:MAX_QUERY], keep_blank_values=True)
        qr = False
        if incoming:
            incoming, qr = take_qr(incoming)  # ours: recorded, never forwarded
        click_id = new_click_id() if counted else None
        try:
            location = checked_location(link, incoming, click_id)
            if counted and not self.record(click_id, link, incoming, qr, environ):
                self._links.pop(code, None)  # disabled since we cached it
                return self.not_found(method, start_response)
        except Exception as exc:
            environ["wsgi.errors"].write(
                scrub(f"tracker: click not stored for /{code}: {type(exc).__name__}: {exc}\n")
            )
            return self.unavailable(start_response)
        # A bodiless 302 needs no nosniff or referrer policy; every header
        # costs the server a little on the path that must be fastest.
        start_response(
            "302 Found",
            [("Location", location), ("Content-Length", "0"), ("Cache-Control", "no-store")],
        )
        return []

    def unavailable(self, start_response):
        start_response(
            "503 Service Unavailable",
            [("Content-Type", "text/plain"), ("Retry-After", "1")] + SECURITY_HEADERS,
        )
        return [UNAVAILABLE_PAGE]

    def not_found(self, method, start_response):
        start_response(
            "404 Not Found",
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(NOT_FOUND_PAGE))),
            ]
            + SECURITY_HEADERS,
        )
        return [] if method == "HEAD" else [NOT_FOUND_PAGE]

    def record(self, click_id, link, incoming, qr, environ) -> bool:
        """Write the click; False if the link was disabled meanwhile."""
        referrer = environ.get("HTTP_REFERER", "")[:MAX_HEADER].replace("\x00", "") or None
        user_agent = environ.get("HTTP_USER_AGENT", "")[:MAX_HEADER].replace("\x00", "")
        found = classify(link["channel"], incoming, referrer, user_agent, link["creator_platform"])
        agent = found.agent
        now = self.clock()
        local_day = now.astimezone(ZoneInfo(link["timezone"])).date().isoformat()
        # The address gives the country and (hashed) the visitor; it is not kept.
        ip = client_ip(environ, self.trusted_proxies)
        languages = environ.get("HTTP_ACCEPT_LANGUAGE")
        return self.store.insert_click(
            {
                "id": click_id,
                "link_id": link["id"],
                "campaign_id": link["campaign_id"],
                "creator_id": link["creator_id"],
                "at": iso_utc(now),
                "day": local_day,
                "referrer": referrer,
                "referrer_host": found.referrer_host,
                "user_agent": user_agent,
                "device": agent.device,
                "os": agent.os,
                "browser": agent.browser,
                "in_app": agent.in_app,
                "source": found.source,
                "platform": found.platform,
                "reason": found.reason + "; QR scan" if qr else found.reason,
                "ad_click_id": found.ad_click_id,
                "is_bot": int(found.is_bot),
                "visitor": self.visitor(now, link["timezone"], local_day, ip, user_agent),
                "country": country(ip),
                "language": primary_language(languages[:MAX_ACCEPT_LANGUAGE])
                if languages
                else None,
                "qr": int(qr),
            }
        )

    def visitor(self, now, tz, local_day, ip, user_agent) -> str:
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
                self.forget_old_salts()
            salt = self._salts[key] = self.store.visitor_salt(key, secrets.token_hex(16))
        digest = hashlib.blake2b(
            f"{ip}\n{user_agent}".encode(), key=salt.encode()[:64], digest_size=10
        )
        return digest.hexdigest()

    def forget_old_salts(self) -> None:
        """Delete the visitor salts of days more than SALT_DAYS_KEPT back.

        The README promises they go two days later whether or not anyone
        clicks, so this runs at app start, on /healthz, on a worker's first
        click of a day, and hourly from the housekeeping thread of a served
        worker (start_housekeeping). The DELETE runs at most once per UTC
        day per process; every other call is one date comparison. A failure
        is reported and retried by the next call, and never fails a request.
        """
        today = self.clock().date()
        if self._salts_swept_on == today:
            return
        try:
            self.store.forget_salts_before((today - timedelta(days=SALT_DAYS_KEPT)).isoformat())
        except Exception as exc:
            print(
                f"tracker: old visitor salts not deleted yet: {type(exc).__name__}", file=sys.stderr
            )
            return
        self._salts_swept_on = today

    def keep_click_partitions(self) -> None:
        """Make sure the click log's partitions of this month and the next
        two exist (PostgreSQL; nothing on SQLite), from the housekeeping
        thread: a server that runs for months must not start writing a new
        month into the DEFAULT partition. Once per UTC day per process;
        each call is a catalog read when they exist (store.migrate() made
        them at start). A failure is reported and retried next time."""
        today = self.clock().date()
        if self._partitions_kept_on == today:
            return
        try:
            self.store.ensure_click_partitions()
        except Exception as exc:
            print(
                f"tracker: click log partitions not checked yet: {type(exc).__name__}",
                file=sys.stderr,
            )
            return
        self._partitions_kept_on = today

    def start_housekeeping(self, interval: float = 3600) -> threading.Event:
        """forget_old_salts and keep_click_partitions every `interval`
        seconds in a daemon thread, so a served worker that gets no request
        at all still deletes old salts and a long-running one keeps the
        click log's partitions ahead. Idempotent; set the returned event to
        stop the thread."""
        if self.housekeeping is None:
            stop = self.housekeeping = threading.Event()

            def run():
                while not stop.wait(interval):
                    self.forget_old_salts()
                    self.keep_click_partitions()

            threading.Thread(target=run, name="tracker-housekeeping", daemon=True).start()
        return self.housekeeping
