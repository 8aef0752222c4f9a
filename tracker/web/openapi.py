"""The OpenAPI 3.1 description of /api/, served at /api/openapi.json.

tests/test_api.py checks that it names exactly the routes the app has.
"""

from __future__ import annotations

from typing import Any

from ..qr import FORMATS
from ..reports.audience import DIMENSIONS as AUDIENCE_DIMENSIONS
from ..reports.export import COLUMNS as CSV_COLUMNS
from ..vocabulary import (
    CHANNELS,
    CODE_PATTERN,
    CREDIT_METHODS,
    DECLARED_SOURCES,
    MAX_ATTRIBUTION_DAYS,
    METRICS_CSV_COLUMNS,
    METRICS_REQUIRED,
    ORDER_STATUSES,
    PASSED_OVER,
    PLATFORMS,
    SHOP_NAME_RE,
    SHOP_PLATFORMS,
    SLUG_RE,
    WINDOW_NAMES,
)

ERROR = {"$ref": "#/components/schemas/Error"}
SLUG = {
    "name": "slug",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": SLUG_RE.pattern},
}
CODE = {
    "name": "code",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": CODE_PATTERN},
}
PAGING = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
]
WINDOW = {"name": "window", "in": "query", "schema": {"enum": list(WINDOW_NAMES)}}
DATE_FROM = {
    "name": "from",
    "in": "query",
    "schema": {"type": "string", "format": "date"},
    "description": "a custom window's first local day (with `to`, instead of `window`)",
}
DATE_TO = {
    "name": "to",
    "in": "query",
    "schema": {"type": "string", "format": "date"},
    "description": "a custom window's last local day, included",
}
SHOP = {
    "name": "name",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": SHOP_NAME_RE.pattern},
}
PLATFORM = {
    "name": "platform",
    "in": "path",
    "required": True,
    "schema": {"enum": list(SHOP_PLATFORMS)},
}
DAYS = {"type": "integer", "minimum": 1, "maximum": MAX_ATTRIBUTION_DAYS}
NULLABLE = {"type": ["string", "null"]}
TEXT = {"type": "string", "maxLength": 200}
MONEY = {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$", "examples": ["1500.00"]}


def obj(properties: dict, required=()) -> dict:
    return {"type": "object", "properties": properties, "required": list(required)}


def page_of(item: dict) -> dict:
    return obj(
        {
            "items": {"type": "array", "items": item},
            "total": {"type": "integer"},
            "limit": {"type": "integer"},
            "offset": {"type": "integer"},
            "next_offset": {"type": ["integer", "null"]},
        }
    )


def errors(*codes) -> dict:
    text = {
        400: "bad input",
        401: "no or wrong token (a webhook: no or wrong signature)",
        403: "token may not do this",
        404: "not found (or not visible to this token)",
        409: "already exists",
        413: "body too large",
        429: "too many failed token attempts",
    }
    out = {
        str(c): {"description": text[c], "content": {"application/json": {"schema": ERROR}}}
        for c in codes
    }
    if 429 in codes:
        out["429"]["headers"] = {
            "Retry-After": {
                "description": "seconds until a wrong token is answered 401 again",
                "schema": {"type": "integer", "minimum": 1},
            }
        }
    return out


def op(
    summary: str,
    ok: int = 200,
    schema: dict | None = None,
    body: dict | None = None,
    params=(),
    fail=(401, 404, 429),
    security=True,
) -> dict:
    out: dict[str, Any] = {
        "summary": summary,
        "parameters": list(params),
        "responses": {
            str(ok): {
                "description": "ok",
                "content": {"application/json": {"schema": schema or {"type": "object"}}},
            },
            **errors(*fail),
        },
    }
    if body is not None:
        out["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        out["responses"].update(errors(400, 413))
    if not security:
        out["security"] = []
    return out


COUNTRY = {"type": "string", "pattern": "^[A-Za-z]{2}$", "examples": ["DE"]}
COUNTRIES = {
    "oneOf": [
        {"type": "array", "items": COUNTRY, "maxItems": 300},
        {"type": "string", "maxLength": 1000, "examples": ["DE,AT,CH"]},
        {"type": "null"},
    ],
    "description": "ISO 3166 alpha-2 codes, as a list or comma-separated; empty or null: none",
}
CAMPAIGN = obj(
    {
        "slug": TEXT,
        "name": TEXT,
        "destination": TEXT,
        "starts_on": TEXT,
        "timezone": TEXT,
        "currency": TEXT,
        "budget": {"type": ["string", "null"]},
        "attribution_days": DAYS,
        "click_param": TEXT,
        "created_at": TEXT,
        "target_countries": {"type": "array", "items": COUNTRY},
        "archived_at": {"type": ["string", "null"]},
    }
)
SHARE = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
BREAKDOWN = obj(
    {
        "clicks": {"type": "integer"},
        "top": {
            "type": "array",
            "items": obj(
                {
                    "value": {"type": ["string", "null"]},
                    "clicks": {"type": "integer"},
                    "share": SHARE,
                }
            ),
        },
        "other": obj(
            {"values": {"type": "integer"}, "clicks": {"type": "integer"}, "share": SHARE}
        ),
    }
)
AUDIENCE_ENTRY = {
    "clicks": {"type": "integer", "description": "human clicks"},
    "qr_scans": {"type": "integer", "description": "human clicks that came with qr=1"},
    "outside_target_share": {
        **SHARE,
        "description": "clicks from outside the target countries "
        "over clicks whose country is known; null without targets",
    },
    "breakdowns": obj({d: BREAKDOWN for d in AUDIENCE_DIMENSIONS}),
}
AUDIENCE = obj(
    {
        "dimensions": {"type": "array", "items": {"enum": list(AUDIENCE_DIMENSIONS)}},
        "top": {"type": "integer"},
        "target_countries": {"type": "array", "items": COUNTRY},
        "campaign": obj(AUDIENCE_ENTRY),
        "creators": {"type": "array", "items": obj({"handle": TEXT, **AUDIENCE_ENTRY})},
        "links": {
            "type": "array",
            "items": obj(
                {
                    "code": TEXT,
                    "creator": TEXT,
                    "channel": TEXT,
                    "clicks": {"type": "integer"},
                    "qr_scans": {"type": "integer"},
                }
            ),
        },
    }
)
REPORT = obj(
    {
        "campaign": {"type": "object"},
        "window": {"type": "object"},
        "totals": {"type": "object"},
        "sources": {"type": "object"},
        "creators": {"type": "array"},
        "marks": {"type": "array"},
        "daily": {"type": "array"},
        "attribution": {"type": "object"},
        "audience": AUDIENCE,
    }
)
CLICK_CSV = "The click log as CSV; columns: " + ", ".join(CSV_COLUMNS)
CREATOR = obj({"handle": TEXT, "platform": TEXT, "name": {"type": ["string", "null"]}})
LINK = obj(
    {
        "code": TEXT,
        "short_url": TEXT,
        "destination_url": TEXT,
        "campaign": TEXT,
        "creator": TEXT,
        "channel": TEXT,
        "click_param": TEXT,
        "disabled": {"type": "boolean"},
    }
)
ORDER = obj(
    {
        "order_id": TEXT,
        "code": TEXT,
        "amount": {"type": ["string", "number"]},
        "currency": TEXT,
        "redeemed_at": TEXT,
        "click_id": TEXT,
        "status": {"enum": list(ORDER_STATUSES)},
        "refunded": MONEY,
    },
    ["order_id", "amount", "redeemed_at"],
)
ORDERS = {
    "oneOf": [
        ORDER,
        obj({"orders": {"type": "array", "items": ORDER, "minItems": 1}, "shop": TEXT}, ["orders"]),
    ]
}
COUNT = {"type": "integer"}
IMPORTED = obj(
    {
        "format": TEXT,
        "shop": TEXT,
        "orders": COUNT,
        "new": COUNT,
        "updated": COUNT,
        "already_imported": COUNT,
        "no_campaign": COUNT,
        "unknown_codes": {"type": "object", "additionalProperties": COUNT},
        "not_this_campaign": COUNT,
    }
)
ORDER_LINE = obj(
    {
        "shop": TEXT,
        "order_id": TEXT,
        "name": NULLABLE,
        "day": TEXT,
        "status": {"enum": list(ORDER_STATUSES)},
        "currency": TEXT,
        "gross": MONEY,
        "refunded": MONEY,
        "net": MONEY,
        "conversion": {"type": "boolean"},
        "credited": {"type": "boolean"},
        "creator": NULLABLE,
        "source": NULLABLE,
        "method": {"enum": list(CREDIT_METHODS) + [None]},
        "passed_over": {"enum": list(PASSED_OVER) + [None]},
        "conflict": {"type": "boolean"},
    }
)
SHOP_RECORD = obj(
    {
        "name": TEXT,
        "platform": TEXT,
        "url": NULLABLE,
        "connected": {"type": "boolean"},
        "old_secrets": COUNT,
        "orders_received": COUNT,
        "last_delivery_at": NULLABLE,
        "created_at": TEXT,
        "disconnected_at": NULLABLE,
    }
)
DELIVERY = obj(
    {
        "received": {"enum": ["order", "refund", "ignored", "duplicate", "ping"]},
        "order_id": NULLABLE,
        "refund_id": TEXT,
        "result": TEXT,
        "reason": TEXT,
    },
    ["received"],
)
METRIC_ROW = obj(
    {k: {"type": ["string", "integer"]} for k in METRICS_CSV_COLUMNS}, METRICS_REQUIRED
)


def qr_op(kind: str) -> dict:
    media = FORMATS[kind]
    return {
        "summary": f"The link's QR code ({kind.upper()}): the short URL with qr=1",
        "parameters": [
            CODE,
            {
                "name": "download",
                "in": "query",
                "schema": {"enum": ["1"]},
                "description": "send it as a file to save",
            },
        ],
        "responses": {
            "200": {
                "description": kind.upper(),
                "content": {media: {"schema": {"type": "string", "contentMediaType": media}}},
            },
            **errors(401, 404, 429),
        },
    }


def spec() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Influencer link tracker API",
            "version": "1",
            "description": "Campaigns, creators, short links, orders and reports. "
            "Send `Authorization: Bearer <token>` (tracker token create).",
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": obj(
                    {
                        "error": obj(
                            {"code": TEXT, "message": TEXT, "details": {}}, ["code", "message"]
                        )
                    },
                    ["error"],
                )
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/api/campaigns": {
                "get": op(
                    "List campaigns", schema=page_of(CAMPAIGN), params=PAGING, fail=(400, 401, 429)
                ),
                "post": op(
                    "Create a campaign",
                    201,
                    CAMPAIGN,
                    obj(
                        {
                            "slug": TEXT,
                            "name": TEXT,
                            "destination": TEXT,
                            "starts_on": TEXT,
                            "timezone": TEXT,
                            "currency": TEXT,
                            "budget": MONEY,
                            "target_countries": COUNTRIES,
                            "attribution_days": DAYS,
                            "click_param": TEXT,
                        },
                        ["slug", "name", "destination"],
                    ),
                    fail=(401, 403, 409, 429),
                ),
            },
            "/api/campaigns/{slug}": {
                "get": op("Get a campaign", schema=CAMPAIGN, params=[SLUG]),
                "patch": op(
                    "Change a campaign (the fields given; attribution_days with an unscoped token)",
                    schema=CAMPAIGN,
                    body=obj(
                        {
                            "name": TEXT,
                            "destination": TEXT,
                            "starts_on": TEXT,
                            "timezone": TEXT,
                            "currency": TEXT,
                            "budget": {"type": "string", "maxLength": 40},
                            "target_countries": COUNTRIES,
                            "attribution_days": DAYS,
                        }
                    ),
                    params=[SLUG],
                    fail=(401, 403, 404, 429),
                ),
            },
            "/api/creators": {
                "get": op(
                    "List creators", schema=page_of(CREATOR), params=PAGING, fail=(400, 401, 429)
                ),
                "post": op(
                    "Add a creator",
                    201,
                    CREATOR,
                    obj(
                        {"handle": TEXT, "platform": {"enum": list(PLATFORMS)}, "name": TEXT},
                        ["handle", "platform"],
                    ),
                    fail=(401, 403, 409, 429),
                ),
            },
            "/api/campaigns/{slug}/creators": {
                "get": op("Creators on a campaign, with fees", params=[SLUG, *PAGING]),
                "post": op(
                    "Enroll a creator (with the flat fee)",
                    201,
                    body=obj({"handle": TEXT, "fee": MONEY}, ["handle"]),
                    params=[SLUG],
                    fail=(401, 403, 404, 429),
                ),
            },
            "/api/campaigns/{slug}/links": {
                "get": op("List a campaign's links", schema=page_of(LINK), params=[SLUG, *PAGING]),
                "post": op(
                    "Create a short link",
                    201,
                    LINK,
                    obj(
                        {
                            "creator": TEXT,
                            "channel": {"enum": list(CHANNELS)},
                            "destination": TEXT,
                            "code": TEXT,
                            "click_param": TEXT,
                        },
                        ["creator", "channel"],
                    ),
                    params=[SLUG],
                    fail=(401, 403, 404, 409, 429),
                ),
            },
            "/api/links/{code}/disable": {
                "post": op(
                    "Switch a link off", schema=LINK, params=[CODE], fail=(401, 403, 404, 429)
                )
            },
            "/api/links/{code}/enable": {
                "post": op(
                    "Switch a link back on", schema=LINK, params=[CODE], fail=(401, 403, 404, 429)
                )
            },
            "/api/links/{code}/qr.svg": {"get": qr_op("svg")},
            "/api/links/{code}/qr.png": {"get": qr_op("png")},
            "/api/campaigns/{slug}/promo-codes": {
                "get": op("List promo codes", params=[SLUG, *PAGING]),
                "post": op(
                    "Add a promo code",
                    201,
                    body=obj(
                        {"creator": TEXT, "code": TEXT, "source": {"enum": list(DECLARED_SOURCES)}},
                        ["creator", "code"],
                    ),
                    params=[SLUG],
                    fail=(401, 403, 404, 409, 429),
                ),
            },
            "/api/campaigns/{slug}/redemptions": {
                "post": op(
                    "Record this campaign's orders (one, or {orders: [...], shop}); keyed "
                    "by (shop, order_id): a changed order is updated, none counts twice; "
                    "orders of another campaign or of none are counted, not written",
                    201,
                    IMPORTED,
                    ORDERS,
                    params=[SLUG],
                    fail=(401, 403, 404, 429),
                ),
            },
            "/api/campaigns/{slug}/orders": {
                "get": op(
                    "Every order the report counts, with gross, refunded, net, creator, "
                    "source, method and the reason a click id was passed over",
                    schema=page_of(ORDER_LINE),
                    params=[SLUG, WINDOW, *PAGING],
                    fail=(400, 401, 404, 429),
                ),
            },
            "/api/campaigns/{slug}/metrics": {
                "post": op(
                    "Record platform metrics rows; a row's key replaces",
                    201,
                    body=obj(
                        {"rows": {"type": "array", "items": METRIC_ROW, "minItems": 1}}, ["rows"]
                    ),
                    params=[SLUG],
                    fail=(401, 403, 404, 429),
                ),
            },
            "/api/campaigns/{slug}/report": {
                "get": op(
                    "The campaign report (as /stats/<slug>.json)",
                    schema=REPORT,
                    params=[SLUG, WINDOW, DATE_FROM, DATE_TO],
                    fail=(400, 401, 404, 429),
                ),
            },
            "/api/campaigns/{slug}/clicks.csv": {
                "get": {
                    "summary": CLICK_CSV,
                    "parameters": [
                        SLUG,
                        {
                            "name": "since",
                            "in": "query",
                            "schema": {"type": "string", "format": "date"},
                        },
                        {
                            "name": "until",
                            "in": "query",
                            "schema": {"type": "string", "format": "date"},
                        },
                        {
                            "name": "include_bots",
                            "in": "query",
                            "schema": {"enum": ["true", "false"]},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "CSV",
                            "content": {"text/csv": {"schema": {"type": "string"}}},
                        },
                        **errors(400, 401, 404, 429),
                    },
                },
            },
            "/api/webhooks/redemptions": {
                "post": {
                    **op(
                        "Orders from the shop, signed: X-Tracker-Signature: sha256=HMAC("
                        "secret, '<timestamp>.<body>')",
                        200,
                        IMPORTED,
                        ORDERS,
                        params=[
                            {
                                "name": "X-Tracker-Timestamp",
                                "in": "header",
                                "required": True,
                                "schema": {"type": "string"},
                            },
                            {
                                "name": "X-Tracker-Signature",
                                "in": "header",
                                "required": True,
                                "schema": {"type": "string"},
                            },
                        ],
                        fail=(401,),
                        security=False,
                    )
                },
            },
            "/api/webhooks/{platform}/{name}": {
                "post": {
                    **op(
                        "A connected shop's own webhook (Shopify, WooCommerce, Stripe), "
                        "verified with the shop's secret (X-Shopify-Hmac-Sha256, "
                        "X-WC-Webhook-Signature, Stripe-Signature) before it is read",
                        200,
                        DELIVERY,
                        {},
                        params=[PLATFORM, SHOP],
                        fail=(401, 404),
                        security=False,
                    )
                },
            },
            "/api/shops": {
                "get": op(
                    "Connected shops: platform, orders received, last delivery (never "
                    "a secret); unscoped tokens",
                    schema=page_of(SHOP_RECORD),
                    params=PAGING,
                    fail=(400, 401, 403, 429),
                ),
                "post": op(
                    "Connect a shop, or connect it again with a new secret (keep_old: "
                    "the previous one stays valid); answers the webhook URL",
                    201,
                    SHOP_RECORD,
                    obj(
                        {
                            "name": TEXT,
                            "platform": {"enum": list(SHOP_PLATFORMS)},
                            "secret": TEXT,
                            "keep_old": {"type": "boolean"},
                        },
                        ["name", "platform", "secret"],
                    ),
                    fail=(401, 403, 429),
                ),
            },
            "/api/shops/{name}": {
                "delete": op(
                    "Disconnect a shop (its orders stay)",
                    schema=SHOP_RECORD,
                    params=[SHOP],
                    fail=(400, 401, 403, 404, 429),
                ),
            },
            "/api/shops/{name}/forget-old-secrets": {
                "post": op(
                    "Only the current secret stays valid",
                    schema=SHOP_RECORD,
                    params=[SHOP],
                    fail=(400, 401, 403, 404, 429),
                ),
            },
            "/api/openapi.json": {"get": op("This description", fail=(401, 429))},
        },
    }
