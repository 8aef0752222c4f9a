"""The shared terms of the product, in one place.

Channels, sources, platforms, metric fields, report windows, the patterns of
slugs, short codes and handles: the CLI's choices, the OpenAPI enums, the SQL
column lists, the importers' messages and the templates all derive from here,
so a new platform or metric is added once. Pure constants and tiny pure
helpers: importing this module costs nothing.
"""

from __future__ import annotations

import re

# -- who and where ----------------------------------------------------------------

#: Where a creator publishes (their home platform; also utm_source).
PLATFORMS = ("tiktok", "instagram", "youtube", "facebook", "snapchat", "twitter", "other")

#: Where on the creator's presence a link is placed.
CHANNELS = ("bio", "post", "story", "ad", "other")

#: Organic or paid: what a click, a promo code or a metrics row is.
SOURCES = ("organic", "sponsored", "unknown")
#: The sources a user may declare (a code, a metrics row); "unknown" is only inferred.
DECLARED_SOURCES = SOURCES[:2]

#: The source a link's channel implies when the request itself says nothing.
CHANNEL_SOURCE = {
    "bio": "organic",
    "post": "organic",
    "story": "organic",
    "ad": "sponsored",
    "other": "unknown",
}

#: Shops whose orders reach the tracker; "csv" is a file someone imported.
SHOP_PLATFORMS = ("shopify", "woocommerce", "stripe")
CSV_SHOP = "csv"
#: Where a shop's order stands for attribution: "counted" is a conversion,
#: "pending" may still become one, "cancelled" never will.
ORDER_STATUSES = ("counted", "pending", "cancelled")
ORDER_COUNTED, ORDER_PENDING, ORDER_CANCELLED = ORDER_STATUSES

#: Who may do what in the console: admins change things, viewers read.
ROLES = ("admin", "viewer")

# -- names people type ------------------------------------------------------------

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
#: A short code: what follows the host in a short URL.
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,31}$")
CODE_PATTERN = CODE_RE.pattern
#: Handles: letters, digits, '.', '_' and '-' as the platforms allow them.
HANDLE_RE = re.compile(r"^[a-z0-9._-]{1,100}$")
#: The query parameter that carries the click id to the shop, unless a link says otherwise.
DEFAULT_CLICK_PARAM = "trk"


def normalize_handle(value: str | None) -> str:
    """The one spelling of a handle: trimmed, no leading '@', lower case
    (handles are case-insensitive on every platform). Not validated here."""
    return (value or "").strip().lstrip("@").strip().lower()


# -- numbers ----------------------------------------------------------------------

#: Platform metrics per creator, source and day (counts; spend is money).
METRIC_COUNTS = (
    "impressions",
    "views",
    "reach",
    "likes",
    "comments",
    "shares",
    "saves",
    "followers_gained",
)
#: What counts as engagement in the engagement rate.
ENGAGEMENT_FIELDS = ("likes", "comments", "shares", "saves")
#: The metrics table's value columns, in order.
METRIC_COLUMNS = METRIC_COUNTS + ("spend_minor",)
#: Our own metrics CSV layout (and the API's metrics rows): key columns, then values.
METRICS_REQUIRED = ("date", "creator", "source")
METRICS_CSV_COLUMNS = METRICS_REQUIRED + METRIC_COUNTS + ("spend",)

# -- time -------------------------------------------------------------------------

#: The marks: the campaign's first 7, 14 and 30 local days.
MARKS = (7, 14, 30)
#: What `window` may be: a mark (the first N days) or "all".
WINDOW_ALL = "all"
#: The last 7 FULL local days (yesterday and the 6 before it): today is partial.
WINDOW_LAST7 = "last7"
#: A from/to range of local days, both included (given as from= and to=).
WINDOW_CUSTOM = "custom"
WINDOW_NAMES = tuple(str(m) for m in MARKS) + (WINDOW_LAST7, WINDOW_ALL)
WINDOW_LABELS = {
    **{str(m): f"First {m} days" for m in MARKS},
    WINDOW_LAST7: "Last 7 days",
    WINDOW_ALL: "All time",
}
#: The longest custom range a report takes (a daily chart of more is unreadable).
MAX_CUSTOM_DAYS = 731
#: A creator needs this many unique visitors before its conversion rate gets a verdict.
MIN_VISITORS_FOR_VERDICT = 30
#: Every local day there is: the bounds of an "all time" range in SQL.
FIRST_DAY, LAST_DAY = "0000-01-01", "9999-12-31"
ALL_DAYS = (FIRST_DAY, LAST_DAY)
#: Attribution window default: a click credits orders for this many days.
DEFAULT_ATTRIBUTION_DAYS = 30


# -- orders -----------------------------------------------------------------------

#: How an order found its creator.
CREDIT_METHODS = ("click", "code")
#: Why an order's click id did not credit it (the report counts each), in the
#: order the attribution function checks them.
PASSED_OVER = ("unknown_id", "bot_click", "click_after_order", "outside_window")
#: Bounds of a campaign's attribution window, in days.
MAX_ATTRIBUTION_DAYS = 365
#: Shop names: what follows /api/webhooks/<platform>/ in the URL a shop is given.
SHOP_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
#: The platforms an order can come from: the shops that send webhooks, and files.
ORDER_SOURCES = SHOP_PLATFORMS + (CSV_SHOP,)
#: A destination parameter that may carry the click id (Stripe Payment Links
#: take only client_reference_id).
CLICK_PARAM_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$")
