"""The JSON API, the stats pages' access control, share links, the signed
webhook, the failed-token limit and the public surface.

Every test runs on real SQLite and real PostgreSQL (the `store` fixture).
Tokens for most tests come from access.create_token, the function behind
`tracker token create`; the tests about what the CLI prints run the real
console script.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import os
import re
import secrets
import tempfile
import time
import types
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from itsdangerous import URLSafeSerializer

from tracker import access, campaigns
from tracker.orders import shops
from tracker.settings import Config
from tracker.store import open_store
from tracker.store.base import for_dialect, read_sql
from tracker.vocabulary import HANDLE_RE
from tracker.web.app import create_app
from tracker.web.openapi import spec

from .conftest import tracker
from .helpers import BASE, campaign_with_links

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)
# The tables both databases have (PostgreSQL adds the click log's
# partitions; SQLite its counts of live days).
SCHEMA_TABLES = set.intersection(
    *(
        set(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", for_dialect(read_sql("schema.sql"), d)))
        for d in ("sqlite", "postgresql")
    )
)
# Tables whose content a refused request must leave exactly as it was.
CONTENT_TABLES = (
    "campaigns",
    "creators",
    "campaign_creators",
    "links",
    "clicks",
    "promo_codes",
    "shops",
    "orders",
    "refunds",
    "webhook_deliveries",
    "metrics",
    "api_tokens",
    "share_secrets",
    "settings",
)
PARAM_VALUES = {"slug": "spring", "code": "mia-bio", "name": "glow", "platform": "shopify"}
PUBLIC_ENDPOINTS = {"api.webhook_redemptions", "webhooks.shop_webhook"}


# -- routes, taken from the real app ------------------------------------------------------


def app_routes(app) -> list[tuple[str, str, str]]:
    """(rule, method, endpoint) of every route, HEAD and OPTIONS left out."""
    return sorted(
        (rule.rule, method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def _collect_routes() -> list[tuple[str, str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "routes.db")
        st = open_store(db)
        try:
            return app_routes(create_app(Config(database=db), store=st))
        finally:
            st.close()


ALL_ROUTES = _collect_routes()
GUARDED = [
    r for r in ALL_ROUTES if r[0].startswith(("/api/", "/stats/")) and r[2] not in PUBLIC_ENDPOINTS
]
WEBHOOK = [r for r in ALL_ROUTES if r[2] in PUBLIC_ENDPOINTS]
API_WRITES = [
    r
    for r in ALL_ROUTES
    if r[0].startswith("/api/") and r[1] != "GET" and r[2] not in PUBLIC_ENDPOINTS
]
# Routes a bearer token reaches (the console's take a session: tests/test_console.py).
CAMPAIGN_ROUTES = [r for r in GUARDED if "<slug>" in r[0]]


def fill(rule: str, **values) -> str:
    """A concrete URL for a Flask rule; an unknown parameter fails loudly."""

    def one(match):
        name = match.group(1)
        assert name in {**PARAM_VALUES, **values}, f"no test value for <{name}> in {rule}"
        return quote(str({**PARAM_VALUES, **values}[name]), safe="")

    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", one, rule)


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


# -- helpers ----------------------------------------------------------------------------------


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def call(client, method: str, url: str, headers=None, body=None, **kw):
    if method == "GET":
        return client.get(url, headers=headers, **kw)
    return client.open(url, method=method, headers=headers, json={} if body is None else body, **kw)


def assert_error(resp, status: int, code: str | None = None) -> dict:
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:500])
    assert resp.is_json, resp.get_data(as_text=True)[:300]
    doc = resp.get_json()
    assert set(doc) == {"error"}
    assert set(doc["error"]) == {"code", "message", "details"}
    assert isinstance(doc["error"]["message"], str) and doc["error"]["message"]
    if code is not None:
        assert doc["error"]["code"] == code
    return doc["error"]


def snapshot(store) -> dict:
    """Every row of every content table, comparable."""
    return {
        t: sorted(
            tuple(sorted((k, str(v)) for k, v in row.items()))
            for row in store.query(f"SELECT * FROM {t}")
        )
        for t in CONTENT_TABLES
    }


def counts(store) -> dict:
    return {t: store.one(f"SELECT COUNT(*) AS n FROM {t}")["n"] for t in CONTENT_TABLES}


def sign(secret: str, timestamp: str, raw: bytes) -> str:
    """The documented signature, computed here independently of the app."""
    return (
        "sha256="
        + hmac.new(secret.encode(), timestamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
    )


def local_path(url: str) -> str:
    parts = urlsplit(url)
    assert parts.scheme == "https" and parts.netloc == "go.example", url
    return parts.path + ("?" + parts.query if parts.query else "")


def cli(db_url, *args, check=True):
    return tracker("--base-url", BASE, *args, db=db_url, check=check)


@pytest.fixture
def seeded(store):
    """spring (mia, jade, four links, promo code mia10), autumn (zoe, zoe-bio)
    and the Shopify shop glow (connected twice: one old secret kept)."""
    campaign_with_links(store)
    campaigns.add_promo(store, "spring", "mia", "MIA10", "organic")
    campaigns.create_campaign(
        store, "autumn", "Autumn drop", "https://shop.example/a", "2026-11-01", "UTC", "EUR"
    )
    campaigns.add_creator(store, "zoe", "youtube")
    campaigns.enroll(store, "autumn", "zoe", "300")
    campaigns.create_link(store, BASE, "autumn", "zoe", "bio", code="zoe-bio")
    shops.connect(store, BASE, "glow", "shopify", "first-secret")
    shops.connect(store, BASE, "glow", "shopify", "second-secret", keep_old=True)
    return store


@pytest.fixture
def tokens(seeded):
    return types.SimpleNamespace(
        admin=access.create_token(seeded, "admin")["token"],
        autumn=access.create_token(seeded, "autumn-rw", campaign="autumn")["token"],
        readonly=access.create_token(seeded, "reader", read_only=True)["token"],
    )


ORDER = {
    "order_id": "o-1",
    "code": "mia10",
    "amount": "25.00",
    "redeemed_at": "2026-11-05T10:00:00Z",
}
VALID_BODIES = {
    ("/api/campaigns", "POST"): {
        "slug": "new-one",
        "name": "New",
        "destination": "https://x.example",
    },
    ("/api/campaigns/<slug>", "PATCH"): {"target_countries": ["DE", "AT"]},
    ("/api/creators", "POST"): {"handle": "newbie", "platform": "tiktok"},
    ("/api/campaigns/<slug>/creators", "POST"): {"handle": "jade", "fee": "99"},
    ("/api/campaigns/<slug>/links", "POST"): {"creator": "mia", "channel": "post"},
    ("/api/links/<code>/disable", "POST"): None,
    ("/api/links/<code>/enable", "POST"): None,
    ("/api/campaigns/<slug>/promo-codes", "POST"): {"creator": "mia", "code": "MIA20"},
    ("/api/campaigns/<slug>/redemptions", "POST"): ORDER,
    ("/api/shops", "POST"): {"name": "teahaus", "platform": "woocommerce", "secret": "s3cret"},
    ("/api/shops/<name>", "DELETE"): None,
    ("/api/shops/<name>/forget-old-secrets", "POST"): None,
    ("/api/campaigns/<slug>/metrics", "POST"): {
        "rows": [{"date": "2026-11-05", "creator": "mia", "source": "organic", "views": 100}]
    },
}


def test_route_lists_are_what_the_app_has(app):
    """The parametrised tests below cover the fixture app's routes, all of them."""
    assert app_routes(app) == ALL_ROUTES
    assert len(GUARDED) >= 20 and len(WEBHOOK) == 2
    assert {(r[0], r[1]) for r in API_WRITES} == set(VALID_BODIES)


# -- every route refuses a missing or a wrong token -----------------------------------------


@pytest.mark.parametrize("rule,method,endpoint", GUARDED, ids=[f"{m} {r}" for r, m, _ in GUARDED])
def test_every_route_refuses_missing_and_wrong_tokens(seeded, client, rule, method, endpoint):
    url = fill(rule)
    before = snapshot(seeded)
    good = access.create_token(seeded, "good")["token"]
    after_token = snapshot(seeded)
    for headers in (
        None,
        {"Authorization": ""},
        bearer("trk_" + secrets.token_urlsafe(32)),
        bearer("not-even-a-token"),
        {"Authorization": f"Basic {good}"},
        {"Authorization": "Bearer"},
    ):
        resp = call(client, method, url, headers=headers, body=VALID_BODIES.get((rule, method)))
        assert resp.status_code == 401, (headers, resp.status_code)
        if endpoint != "stats.stats_page":
            assert_error(resp, 401, "unauthorized")
    assert snapshot(seeded) == after_token != before
    # The same request with a valid token gets past authentication: the URL is real.
    resp = call(client, method, url, headers=bearer(good), body=VALID_BODIES.get((rule, method)))
    assert resp.status_code not in (401, 403, 404, 405), resp.get_data(as_text=True)[:300]


@pytest.mark.parametrize("rule,method,endpoint", WEBHOOK, ids=[r for r, _, _ in WEBHOOK])
def test_the_webhooks_need_their_signature_not_a_token(
    seeded, tokens, client, rule, method, endpoint
):
    before = counts(seeded)
    for headers in (None, bearer(tokens.admin)):
        assert_error(client.post(fill(rule), json=ORDER, headers=headers), 401, "unauthorized")
    assert counts(seeded) == before


def test_openapi_describes_exactly_the_api_routes(seeded, tokens, client):
    resp = client.get("/api/openapi.json", headers=bearer(tokens.readonly))
    assert resp.status_code == 200
    served = resp.get_json()
    assert served == json.loads(json.dumps(spec()))
    documented = {
        (path, method.upper())
        for path, ops in served["paths"].items()
        for method in ops
        if method not in ("head", "options", "parameters")
    }
    routed = {(openapi_path(r), m) for r, m, _ in ALL_ROUTES if r.startswith("/api/")}
    assert routed - documented == set(), "routes missing from the OpenAPI description"
    assert documented - routed == set(), "OpenAPI paths the app does not have"
    # Only the webhook is public; everything else documents the 401.
    public = {
        (p, m.upper())
        for p, ops in served["paths"].items()
        for m, op in ops.items()
        if op.get("security") == []
    }
    assert public == {(openapi_path(r), m) for r, m, _ in WEBHOOK}
    assert served["security"] == [{"bearer": []}]
    for path, ops in served["paths"].items():
        for method, op in ops.items():
            assert "401" in op["responses"], (path, method)
            for name in re.findall(r"{(\w+)}", path):
                assert any(p["name"] == name and p["in"] == "path" for p in op["parameters"]), (
                    path,
                    method,
                    name,
                )


# -- errors and pagination ---------------------------------------------------------------------


def test_errors_have_one_shape(seeded, tokens, client):
    h = bearer(tokens.admin)
    assert_error(client.get("/api/campaigns/ghost", headers=h), 404, "not_found")
    assert_error(client.get("/api/no-such-route", headers=h), 404, "not_found")
    assert_error(client.delete("/api/campaigns", headers=h), 405, "method_not_allowed")
    assert_error(
        client.post("/api/campaigns", data="not json", headers=h, content_type="application/json"),
        400,
        "invalid",
    )
    assert_error(client.post("/api/campaigns", json=["a", "list"], headers=h), 400, "invalid")
    assert_error(client.post("/api/campaigns", json={"slug": "x"}, headers=h), 400, "invalid")
    assert_error(
        client.post(
            "/api/campaigns",
            json={"slug": "x", "name": ["n"], "destination": "https://a.example"},
            headers=h,
        ),
        400,
        "invalid",
    )
    assert_error(client.get("/api/campaigns/spring/report?window=5", headers=h), 400, "invalid")
    assert_error(
        client.get("/api/campaigns/spring/clicks.csv?since=yesterday", headers=h), 400, "invalid"
    )


LISTS = [
    "/api/campaigns",
    "/api/creators",
    "/api/campaigns/spring/creators",
    "/api/campaigns/spring/links",
    "/api/campaigns/spring/promo-codes",
]


@pytest.mark.parametrize("url", LISTS)
def test_lists_are_paginated(seeded, tokens, client, url):
    h = bearer(tokens.admin)
    full = client.get(url, headers=h).get_json()
    assert {"items", "total", "limit", "offset", "next_offset"} <= set(full)
    assert full["total"] == len(full["items"]) >= 1 and full["next_offset"] is None
    pages, offset = [], 0
    while offset is not None:
        page = client.get(f"{url}?limit=1&offset={offset}", headers=h).get_json()
        assert page["total"] == full["total"] and len(page["items"]) == 1
        pages += page["items"]
        offset = page["next_offset"]
        assert offset is None or offset == len(pages)
    assert pages == full["items"]
    assert client.get(f"{url}?offset={full['total']}", headers=h).get_json()["items"] == []
    for bad in ("limit=0", "limit=501", "offset=-1", "limit=abc", "offset=1.5"):
        assert_error(client.get(f"{url}?{bad}", headers=h), 400, "invalid")


def test_links_page_in_order(seeded, tokens, client):
    h = bearer(tokens.admin)
    first = client.get("/api/campaigns/spring/links?limit=3", headers=h).get_json()
    assert (len(first["items"]), first["total"], first["next_offset"]) == (3, 4, 3)
    rest = client.get("/api/campaigns/spring/links?limit=3&offset=3", headers=h).get_json()
    assert (len(rest["items"]), rest["next_offset"]) == (1, None)
    assert {i["code"] for i in first["items"] + rest["items"]} == {
        "mia-bio",
        "mia-ad",
        "jade-bio",
        "jade-x",
    }


# -- campaign-scoped tokens -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "rule,method,endpoint", CAMPAIGN_ROUTES, ids=[f"{m} {r}" for r, m, _ in CAMPAIGN_ROUTES]
)
def test_scoped_token_gets_404_for_other_campaigns(seeded, tokens, client, rule, method, endpoint):
    before = snapshot(seeded)
    resp = call(
        client,
        method,
        fill(rule, slug="spring"),
        headers=bearer(tokens.autumn),
        body=VALID_BODIES.get((rule, method)),
    )
    if endpoint == "stats.stats_page":
        assert resp.status_code == 404
    else:
        assert_error(resp, 404, "not_found")
    # ... exactly as for a campaign that does not exist at all
    ghost = call(
        client,
        method,
        fill(rule, slug="ghost"),
        headers=bearer(tokens.admin),
        body=VALID_BODIES.get((rule, method)),
    )
    assert ghost.status_code == 404
    assert snapshot(seeded) == before
    if method == "GET":
        own = client.get(fill(rule, slug="autumn"), headers=bearer(tokens.autumn))
        assert own.status_code == 200


@pytest.mark.parametrize("action", ["disable", "enable"])
def test_scoped_token_cannot_switch_other_campaigns_links(seeded, tokens, client, action):
    seeded.set_link_disabled("mia-ad", True)
    before = snapshot(seeded)
    for code in ("mia-bio", "mia-ad"):
        assert_error(
            client.post(f"/api/links/{code}/{action}", headers=bearer(tokens.autumn)),
            404,
            "not_found",
        )
    assert snapshot(seeded) == before
    assert_error(
        client.post(f"/api/links/no-such/{action}", headers=bearer(tokens.admin)), 404, "not_found"
    )
    resp = client.post(f"/api/links/zoe-bio/{action}", headers=bearer(tokens.autumn))
    assert resp.status_code == 200 and resp.get_json()["disabled"] is (action == "disable")


def test_scoped_token_learns_nothing_about_other_campaigns_links(seeded, tokens, client):
    h = bearer(tokens.autumn)
    theirs = client.post("/api/links/mia-bio/disable", headers=h)
    missing = client.post("/api/links/no-such/disable", headers=h)
    assert theirs.status_code == missing.status_code == 404
    assert "spring" not in theirs.get_data(as_text=True)
    assert theirs.get_json()["error"]["message"] == missing.get_json()["error"]["message"].replace(
        "no-such", "mia-bio"
    )


def test_scoped_token_lists_only_its_campaign(seeded, tokens, client):
    h = bearer(tokens.autumn)
    assert [c["slug"] for c in client.get("/api/campaigns", headers=h).get_json()["items"]] == [
        "autumn"
    ]
    page = client.get("/api/campaigns", headers=h).get_json()
    assert page["total"] == 1
    assert [c["handle"] for c in client.get("/api/creators", headers=h).get_json()["items"]] == [
        "zoe"
    ]
    everything = client.get("/api/campaigns", headers=bearer(tokens.admin)).get_json()
    assert {c["slug"] for c in everything["items"]} == {"spring", "autumn"}


def test_scoped_token_cannot_make_global_changes_or_book_other_orders(seeded, tokens, client):
    h = bearer(tokens.autumn)
    before = snapshot(seeded)
    assert_error(
        client.post("/api/campaigns", json=VALID_BODIES[("/api/campaigns", "POST")], headers=h),
        403,
        "forbidden",
    )
    assert_error(
        client.post("/api/creators", json=VALID_BODIES[("/api/creators", "POST")], headers=h),
        403,
        "forbidden",
    )
    # an order with spring's promo code, posted to autumn: counted, nothing written
    resp = client.post("/api/campaigns/autumn/redemptions", json=ORDER, headers=h)
    assert resp.status_code == 201
    assert (resp.get_json()["new"], resp.get_json()["not_this_campaign"]) == (0, 1)
    # ... nor an order of nobody's
    nobodys = dict(ORDER, order_id="o-9", code="welcome10")
    resp = client.post("/api/campaigns/autumn/redemptions", json=nobodys, headers=h)
    assert (resp.get_json()["new"], resp.get_json()["not_this_campaign"]) == (0, 1)
    # ... nor the attribution window, nor shops
    assert_error(
        client.patch("/api/campaigns/autumn", json={"attribution_days": 7}, headers=h),
        403,
        "forbidden",
    )
    for method, url in (
        ("GET", "/api/shops"),
        ("POST", "/api/shops"),
        ("DELETE", "/api/shops/glow"),
        ("POST", "/api/shops/glow/forget-old-secrets"),
    ):
        assert_error(
            call(client, method, url, headers=h, body=VALID_BODIES.get((url, method))),
            403,
            "forbidden",
        )
    assert snapshot(seeded).items() >= {k: v for k, v in before.items() if k != "shops"}.items()
    assert counts(seeded) == dict(counts(seeded), orders=0, refunds=0)


def test_scoped_token_cannot_block_or_change_another_campaigns_order(seeded, tokens, client):
    """The issue's case: a scoped token posts an order id first. Orders are
    keyed by (shop, order id), and the scoped writer can neither take
    another campaign's order nor change it."""
    h_autumn, h_admin = bearer(tokens.autumn), bearer(tokens.admin)
    campaigns.add_promo(seeded, "autumn", "zoe", "ZOE20")
    theirs = dict(ORDER, order_id="#1001", code="zoe20", amount="10.00")
    resp = client.post("/api/campaigns/autumn/redemptions", json=theirs, headers=h_autumn)
    assert resp.get_json()["new"] == 1
    # the real order, with spring's code, from the shop's own (unscoped) signed
    # webhook, updates it: the id did not block it
    real = dict(ORDER, order_id="#1001", amount="30.00")
    resp = deliver(client, access.webhook_secret(seeded), real)
    assert (resp.get_json()["new"], resp.get_json()["updated"]) == (0, 1)
    # (the campaign route, even with an admin token, writes only spring's orders)
    resp = client.post("/api/campaigns/autumn/redemptions", json=real, headers=h_admin)
    assert resp.get_json()["not_this_campaign"] == 1
    row = seeded.one("SELECT * FROM orders WHERE order_id = '#1001'")
    assert (row["code"], row["gross_minor"]) == ("mia10", 3000)
    assert row["campaign_id"] == seeded.campaign("spring")["id"]
    # and now autumn's token cannot change it back
    resp = client.post("/api/campaigns/autumn/redemptions", json=theirs, headers=h_autumn)
    assert (resp.get_json()["updated"], resp.get_json()["not_this_campaign"]) == (0, 1)
    row = seeded.one("SELECT * FROM orders WHERE order_id = '#1001'")
    assert (row["code"], row["gross_minor"]) == ("mia10", 3000)
    # a scoped token cannot name a connected shop, and cannot plant a code on an
    # order the shop has not sent yet: the real file's empty code clears it
    assert_error(
        client.post(
            "/api/campaigns/autumn/redemptions",
            headers=h_autumn,
            json={"orders": [theirs], "shop": "glow"},
        ),
        403,
        "forbidden",
    )
    planted = dict(ORDER, order_id="#2002", code="zoe20", amount="10.00")
    assert (
        client.post("/api/campaigns/autumn/redemptions", json=planted, headers=h_autumn).get_json()[
            "new"
        ]
        == 1
    )
    shop_file = dict(ORDER, order_id="#2002", code="", amount="80.00")
    assert deliver(client, access.webhook_secret(seeded), shop_file).get_json()["updated"] == 1
    row = seeded.one("SELECT * FROM orders WHERE order_id = '#2002'")
    assert (row["code"], row["campaign_id"], row["gross_minor"]) == (None, None, 8000)
    # the same id from another shop is another order
    assert (
        client.post(
            "/api/campaigns/spring/redemptions",
            json={"orders": [real], "shop": "glow"},
            headers=h_admin,
        ).get_json()["new"]
        == 1
    )
    assert seeded.one("SELECT COUNT(*) AS n FROM orders WHERE order_id = '#1001'")["n"] == 2


def test_scoped_token_cannot_enrol_another_campaigns_creator(seeded, tokens, client):
    """mia is on spring only: autumn's token may not put her on autumn, neither
    directly nor through a link or promo code (which enrol their creator)."""
    h = bearer(tokens.autumn)
    before = snapshot(seeded)
    err = assert_error(
        client.post(
            "/api/campaigns/autumn/creators", json={"handle": "mia", "fee": "10"}, headers=h
        ),
        403,
        "forbidden",
    )
    assert "another campaign" in err["message"] and "spring" not in err["message"]
    assert_error(
        client.post(
            "/api/campaigns/autumn/links", json={"creator": "mia", "channel": "bio"}, headers=h
        ),
        403,
        "forbidden",
    )
    assert_error(
        client.post(
            "/api/campaigns/autumn/promo-codes", json={"creator": "mia", "code": "MIAX"}, headers=h
        ),
        403,
        "forbidden",
    )
    assert snapshot(seeded) == before
    # a creator on no campaign yet, and one already on autumn: allowed
    campaigns.add_creator(seeded, "newbie", "tiktok")
    for handle in ("newbie", "zoe"):
        made = client.post(
            "/api/campaigns/autumn/creators", json={"handle": handle, "fee": "5"}, headers=h
        )
        assert made.status_code == 201, made.get_json()
    assert (
        client.post(
            "/api/campaigns/autumn/links", json={"creator": "newbie", "channel": "bio"}, headers=h
        ).status_code
        == 201
    )
    # an unscoped token may enrol anyone anywhere
    assert (
        client.post(
            "/api/campaigns/autumn/creators", json={"handle": "mia"}, headers=bearer(tokens.admin)
        ).status_code
        == 201
    )


def test_scoped_token_can_work_on_its_campaign(seeded, tokens, client):
    h = bearer(tokens.autumn)
    made = client.post(
        "/api/campaigns/autumn/links", json={"creator": "zoe", "channel": "post"}, headers=h
    )
    assert made.status_code == 201 and made.get_json()["campaign"] == "autumn"
    assert seeded.link(made.get_json()["code"])["campaign"] == "autumn"
    assert client.get("/stats/autumn.json", headers=h).status_code == 200
    assert client.get("/stats/spring.json", headers=h).status_code == 404


# -- read-only tokens -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rule,method,endpoint", API_WRITES, ids=[f"{m} {r}" for r, m, _ in API_WRITES]
)
def test_read_only_token_cannot_write(seeded, tokens, client, rule, method, endpoint):
    if rule.endswith("/enable"):
        seeded.set_link_disabled("mia-bio", True)
    body = VALID_BODIES[(rule, method)]
    before = snapshot(seeded)
    assert_error(
        call(client, method, fill(rule), headers=bearer(tokens.readonly), body=body),
        403,
        "forbidden",
    )
    assert snapshot(seeded) == before
    # The same request with a read-write token is valid and does write.
    resp = call(client, method, fill(rule), headers=bearer(tokens.admin), body=body)
    assert resp.status_code in (200, 201), resp.get_data(as_text=True)
    assert snapshot(seeded) != before


def test_read_only_token_can_read(seeded, tokens, client):
    h = bearer(tokens.readonly)
    for url in LISTS + [
        "/api/campaigns/spring",
        "/api/campaigns/spring/report",
        "/api/campaigns/spring/clicks.csv",
        "/stats/spring",
        "/stats/spring.json",
        "/stats/spring/clicks.csv",
        "/api/openapi.json",
    ]:
        assert client.get(url, headers=h).status_code == 200, url


@pytest.mark.parametrize("rule", [r for r, m, e in API_WRITES if m == "POST"])
def test_read_only_is_refused_before_the_body_is_read(seeded, tokens, client, rule):
    """Authorization comes first: a read-only token learns nothing from validation."""
    before = snapshot(seeded)
    resp = client.post(fill(rule), json={"orders": [], "rows": []}, headers=bearer(tokens.readonly))
    assert_error(resp, 403, "forbidden")
    assert snapshot(seeded) == before


# -- the API writes through the same functions as the CLI ----------------------------------------


def test_api_refuses_like_the_cli_and_writes_nothing(seeded, tokens, client, db_url):
    h = bearer(tokens.admin)
    before = snapshot(seeded)
    body = {"slug": "new", "name": "x", "destination": "javascript:alert(1)"}
    err = assert_error(client.post("/api/campaigns", json=body, headers=h), 400, "invalid")
    assert "http" in err["message"]
    proc = cli(
        db_url,
        "campaign",
        "create",
        "new",
        "--name",
        "x",
        "--destination",
        "javascript:alert(1)",
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"tracker: error: {err['message']}"
    dup = {"slug": "spring", "name": "x", "destination": "https://a.example"}
    assert_error(client.post("/api/campaigns", json=dup, headers=h), 409, "duplicate")
    assert_error(
        client.post("/api/creators", json={"handle": "@MIA", "platform": "tiktok"}, headers=h),
        409,
        "duplicate",
    )
    assert_error(
        client.post(
            "/api/campaigns/spring/links",
            json={"creator": "mia", "channel": "bio", "code": "mia-bio"},
            headers=h,
        ),
        409,
        "duplicate",
    )
    assert_error(
        client.post(
            "/api/campaigns/spring/links",
            json={"creator": "mia", "channel": "bio", "destination": "//evil.example"},
            headers=h,
        ),
        400,
        "invalid",
    )
    assert snapshot(seeded) == before


def test_api_created_things_are_what_the_cli_sees(seeded, tokens, client, db_url):
    h = bearer(tokens.admin)
    made = client.post(
        "/api/campaigns",
        json={
            "slug": "winter",
            "name": "Winter",
            "destination": "https://shop.example/w",
            "starts_on": "2026-12-01",
            "timezone": "Europe/Berlin",
            "currency": "eur",
            "budget": 5000,
        },
        headers=h,
    )
    assert made.status_code == 201
    listed = json.loads(cli(db_url, "campaign", "list", "--json").stdout)
    winter = [c for c in listed if c["slug"] == "winter"]
    assert winter == [made.get_json()]
    assert winter[0]["budget"] == "5000.00" and winter[0]["currency"] == "EUR"
    assert client.get("/api/campaigns/winter", headers=h).get_json() == made.get_json()


# -- API tokens through the CLI ---------------------------------------------------------------------


def all_text(store) -> str:
    """Every value of every table, as one text."""
    return "\n".join(
        str(v)
        for t in store.table_names()
        for row in store.query(f"SELECT * FROM {t}")
        for v in row.values()
    )


def test_token_create_prints_only_the_token_and_stores_only_a_hash(seeded, client, db_url):
    proc = cli(db_url, "token", "create", "ci")
    assert proc.stdout.count("\n") == 1
    token = proc.stdout.strip()
    assert re.fullmatch(r"trk_[A-Za-z0-9_-]{40,}", token)
    assert proc.stderr.strip() and token not in proc.stderr
    row = seeded.one("SELECT * FROM api_tokens WHERE name = 'ci'")
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    for table in ("api_tokens", "settings"):
        for r in seeded.query(f"SELECT * FROM {table}"):
            for value in r.values():
                assert token not in str(value) and token[4:] not in str(value), table
    assert token not in all_text(seeded)
    assert client.get("/api/campaigns", headers=bearer(token)).status_code == 200


def test_token_create_scoped_read_only(seeded, client, db_url):
    proc = cli(db_url, "token", "create", "agency", "--campaign", "autumn", "--read-only")
    token = proc.stdout.strip()
    assert proc.stdout.count("\n") == 1 and token.startswith("trk_")
    h = bearer(token)
    assert [c["slug"] for c in client.get("/api/campaigns", headers=h).get_json()["items"]] == [
        "autumn"
    ]
    assert client.get("/api/campaigns/spring", headers=h).status_code == 404
    before = snapshot(seeded)
    assert_error(client.post("/api/links/zoe-bio/disable", headers=h), 403, "forbidden")
    assert snapshot(seeded) == before
    bad = cli(db_url, "token", "create", "x", "--campaign", "ghost", check=False)
    assert bad.returncode == 2 and bad.stdout == ""
    assert seeded.one("SELECT COUNT(*) AS n FROM api_tokens WHERE name = 'x'")["n"] == 0


def test_token_list_never_shows_values_and_revoke_makes_401(seeded, client, db_url):
    token = cli(db_url, "token", "create", "ci", "--campaign", "spring").stdout.strip()
    hashed = hashlib.sha256(token.encode()).hexdigest()
    for args in (("token", "list"), ("token", "list", "--json")):
        out = cli(db_url, *args)
        assert "ci" in out.stdout and "spring" in out.stdout
        assert token not in out.stdout + out.stderr and token[4:] not in out.stdout
        assert hashed not in out.stdout + out.stderr
    listed = json.loads(cli(db_url, "token", "list", "--json").stdout)
    assert listed == [
        {
            "name": "ci",
            "campaign": "spring",
            "read_only": False,
            "created_at": listed[0]["created_at"],
        }
    ]
    assert client.get("/api/campaigns", headers=bearer(token)).status_code == 200
    revoked = cli(db_url, "token", "revoke", "ci")
    assert revoked.stdout == "" and "revoked" in revoked.stderr
    assert_error(client.get("/api/campaigns", headers=bearer(token)), 401, "unauthorized")
    assert client.get("/stats/spring.json", headers=bearer(token)).status_code == 401
    assert json.loads(cli(db_url, "token", "list", "--json").stdout) == []
    assert cli(db_url, "token", "revoke", "ci", check=False).returncode == 2


# -- share links ------------------------------------------------------------------------------------


def share(db_url, *args) -> str:
    proc = cli(db_url, "share", *args)
    assert proc.stdout.count("\n") == 1, proc.stdout
    assert proc.stderr.strip()
    return proc.stdout.strip()


def share_token(url: str) -> str:
    return dict(parse_qsl(urlsplit(url).query))["share"]


def test_share_link_opens_the_page_json_and_csv(seeded, client, db_url):
    url = share(db_url, "spring")
    assert url.startswith("https://go.example/stats/spring?share=")
    token = share_token(url)
    page = client.get(local_path(url))
    assert page.status_code == 200 and "Spring launch" in page.get_data(as_text=True)
    # the page's own links keep the share token, so they work too
    hrefs = re.findall(r'href="([^"]+)"', page.get_data(as_text=True).replace("&amp;", "&"))
    csv_href = [h for h in hrefs if "clicks.csv" in h][0]
    assert client.get(csv_href).status_code == 200
    data = client.get(f"/stats/spring.json?share={token}")
    assert data.status_code == 200 and data.get_json()["campaign"]["slug"] == "spring"
    assert {c["handle"] for c in data.get_json()["creators"]} == {"mia", "jade"}
    export = client.get(f"/stats/spring/clicks.csv?share={token}")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert export.get_data(as_text=True).startswith("click_id,clicked_at,campaign")
    # a share link is no API token
    assert_error(client.get("/api/campaigns/spring", headers=bearer(token)), 401)
    assert_error(client.get(f"/api/campaigns/spring/report?share={token}"), 401)


def test_tampered_and_foreign_share_links_are_refused(seeded, client, db_url):
    token = share_token(share(db_url, "spring"))
    autumn_token = share_token(share(db_url, "autumn"))

    def flip(s, i):
        return s[:i] + ("A" if s[i] != "A" else "B") + s[i + 1 :]

    for bad in (
        flip(token, 3),
        flip(token, len(token) - 2),
        token[:-4],
        token + "x",
        token.split(".")[0],
        "",
        "x",
    ):
        for path in ("/stats/spring", "/stats/spring.json", "/stats/spring/clicks.csv"):
            resp = client.get(f"{path}?share={quote(bad)}")
            assert resp.status_code == 401, (bad, path)
    # a link for spring used on autumn (and the other way round)
    for path in ("/stats/autumn", "/stats/autumn.json", "/stats/autumn/clicks.csv"):
        assert client.get(f"{path}?share={token}").status_code in (401, 404)
    assert client.get(f"/stats/spring.json?share={autumn_token}").status_code in (401, 404)
    assert client.get(f"/stats/ghost.json?share={token}").status_code in (401, 404)
    assert client.get(f"/stats/spring.json?share={token}").status_code == 200


def test_expired_share_links_are_refused(seeded, client, db_url, monkeypatch):
    token = share_token(share(db_url, "spring", "--expires", "1m"))
    assert client.get(f"/stats/spring.json?share={token}").status_code == 200
    real = time.time
    monkeypatch.setattr(access, "time", types.SimpleNamespace(time=lambda: real() + 120))
    assert_error(client.get(f"/stats/spring.json?share={token}"), 401, "unauthorized")
    assert client.get(f"/stats/spring?share={token}").status_code == 401
    monkeypatch.undo()
    assert client.get(f"/stats/spring.json?share={token}").status_code == 200
    # a correctly signed token whose time is up
    secret = seeded.share_secret(seeded.campaign("spring")["id"])
    old = URLSafeSerializer(secret, salt="tracker-share").dumps(
        {"c": "spring", "h": None, "e": int(real()) - 1}
    )
    assert client.get(f"/stats/spring.json?share={old}").status_code == 401
    fresh = URLSafeSerializer(secret, salt="tracker-share").dumps(
        {"c": "spring", "h": None, "e": int(real()) + 60}
    )
    assert client.get(f"/stats/spring.json?share={fresh}").status_code == 200


def click(client, code, n=1):
    for _ in range(n):
        assert client.get(f"/{code}", headers={"User-Agent": CHROME}).status_code == 302


def test_creator_share_link_shows_only_that_creator(seeded, tokens, client, db_url):
    h = bearer(tokens.admin)
    click(client, "mia-bio", 3)
    click(client, "mia-ad", 1)
    click(client, "jade-bio", 2)
    assert (
        client.post(
            "/api/campaigns/spring/promo-codes",
            json={"creator": "jade", "code": "JADE10"},
            headers=h,
        ).status_code
        == 201
    )
    orders = {
        "orders": [
            dict(ORDER, order_id="o-1"),
            dict(ORDER, order_id="o-2", code="jade10", amount="40.00"),
        ]
    }
    assert (
        client.post("/api/campaigns/spring/redemptions", json=orders, headers=h).status_code == 201
    )
    full = client.get("/stats/spring.json", headers=h).get_json()
    by_handle = {c["handle"]: c for c in full["creators"]}
    assert (
        by_handle["jade"]["total"]["clicks"] == 2 and by_handle["jade"]["total"]["conversions"] == 1
    )
    assert full["totals"]["clicks"] == 6

    url = share(db_url, "spring", "--creator", "@MIA")
    token = share_token(url)
    data = client.get(f"/stats/spring.json?share={token}").get_json()
    assert [c["handle"] for c in data["creators"]] == ["mia"]
    assert [m["handle"] for m in data["marks"]] == ["mia"]
    assert data["totals"] == by_handle["mia"]["total"]
    assert data["totals"]["clicks"] == 4 and data["totals"]["revenue"] == "25.00"

    page = client.get(local_path(url)).get_data(as_text=True)
    table = page.split('id="creators"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r'data-handle="([^"]*)"', table) == ["mia"]
    assert "jade" not in page

    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(f"/stats/spring/clicks.csv?share={token}").get_data(as_text=True)
            )
        )
    )
    assert len(rows) == 4 and {r["creator"] for r in rows} == {"mia"}
    everyone = list(
        csv.DictReader(
            io.StringIO(client.get("/stats/spring/clicks.csv", headers=h).get_data(as_text=True))
        )
    )
    assert len(everyone) == 6

    refused = cli(db_url, "share", "spring", "--creator", "zoe", check=False)
    assert refused.returncode == 2 and refused.stdout == ""


def test_share_revoke_invalidates_old_links_and_new_ones_work(seeded, client, db_url):
    old = share_token(share(db_url, "spring"))
    old_mia = share_token(share(db_url, "spring", "--creator", "mia"))
    autumn = share_token(share(db_url, "autumn"))
    proc = cli(db_url, "share", "spring", "--revoke")
    assert proc.stdout == "" and proc.stderr.strip()
    for token in (old, old_mia):
        for path in ("/stats/spring", "/stats/spring.json", "/stats/spring/clicks.csv"):
            assert client.get(f"{path}?share={token}").status_code == 401
    new = share_token(share(db_url, "spring"))
    assert client.get(f"/stats/spring?share={new}").status_code == 200
    assert client.get(f"/stats/spring.json?share={new}").status_code == 200
    # other campaigns' links are untouched
    assert client.get(f"/stats/autumn.json?share={autumn}").status_code == 200


@pytest.mark.parametrize("text", ["١٢d", "３0d", "2٣h"])
def test_share_durations_take_ascii_digits_only(text):
    from tracker.errors import BadInput

    with pytest.raises(BadInput, match="duration"):
        access.parse_duration(text)
    assert access.parse_duration("12d") == 12 * 86400


def test_share_with_an_absurd_lifetime_is_a_clean_error(seeded, db_url):
    proc = cli(db_url, "share", "spring", "--expires", "100000000w", check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("tracker: error:")


# -- the signed webhook --------------------------------------------------------------------------


def webhook_secret(db_url, *args) -> str:
    proc = cli(db_url, "webhook", "secret", *args)
    assert proc.stdout.count("\n") == 1
    return proc.stdout.strip()


def deliver(client, secret, payload, timestamp=None, signature=None, headers=None):
    raw = json.dumps(payload).encode()
    ts = str(int(time.time())) if timestamp is None else str(timestamp)
    sent = {"X-Tracker-Timestamp": ts, "X-Tracker-Signature": signature or sign(secret, ts, raw)}
    sent.update(headers or {})
    return client.post(
        "/api/webhooks/redemptions", data=raw, headers=sent, content_type="application/json"
    )


def redemptions(store):
    return store.one("SELECT COUNT(*) AS n FROM orders")["n"]


def test_webhook_signed_orders_count_once(seeded, client, db_url):
    secret = webhook_secret(db_url)
    assert len(secret) >= 32
    resp = deliver(client, secret, ORDER)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert (resp.get_json()["orders"], resp.get_json()["new"]) == (1, 1)
    again = deliver(client, secret, ORDER)
    assert again.status_code == 200
    assert (again.get_json()["new"], again.get_json()["already_imported"]) == (0, 1)
    assert redemptions(seeded) == 1
    batch = {"orders": [ORDER, dict(ORDER, order_id="o-2"), dict(ORDER, order_id="o-3")]}
    resp = deliver(client, secret, batch)
    assert resp.status_code == 200
    assert (resp.get_json()["orders"], resp.get_json()["new"]) == (3, 2)
    assert redemptions(seeded) == 3
    row = seeded.one("SELECT * FROM orders WHERE order_id = 'o-2'")
    assert (row["gross_minor"], row["currency"], row["code"]) == (2500, "EUR", "mia10")


def test_webhook_refuses_bad_signatures_and_writes_nothing(seeded, client, db_url):
    secret = webhook_secret(db_url)
    raw = json.dumps(ORDER).encode()
    now = str(int(time.time()))
    good = sign(secret, now, raw)
    before = snapshot(seeded)
    cases = [
        {"X-Tracker-Timestamp": now, "X-Tracker-Signature": sign("wrong", now, raw)},
        {"X-Tracker-Timestamp": now, "X-Tracker-Signature": good[len("sha256=") :]},
        {
            "X-Tracker-Timestamp": now,
            "X-Tracker-Signature": good[:-1] + ("0" if good[-1] != "0" else "1"),
        },
        {"X-Tracker-Timestamp": now, "X-Tracker-Signature": good.upper()},
        {"X-Tracker-Timestamp": str(int(now) + 1), "X-Tracker-Signature": good},
        {"X-Tracker-Timestamp": now},
        {"X-Tracker-Signature": good},
        {},
        {"X-Tracker-Timestamp": "", "X-Tracker-Signature": good},
        {"X-Tracker-Timestamp": "soon", "X-Tracker-Signature": sign(secret, "soon", raw)},
    ]
    for headers in cases:
        resp = client.post(
            "/api/webhooks/redemptions", data=raw, headers=headers, content_type="application/json"
        )
        assert_error(resp, 401, "unauthorized")
    # the body changed after signing
    changed = json.dumps(dict(ORDER, amount="2500.00")).encode()
    resp = client.post(
        "/api/webhooks/redemptions",
        data=changed,
        content_type="application/json",
        headers={"X-Tracker-Timestamp": now, "X-Tracker-Signature": good},
    )
    assert_error(resp, 401)
    assert snapshot(seeded) == before
    ok = client.post(
        "/api/webhooks/redemptions",
        data=raw,
        content_type="application/json",
        headers={"X-Tracker-Timestamp": now, "X-Tracker-Signature": good},
    )
    assert ok.status_code == 200


# A fixed server clock, late in its second: the header carries whole seconds,
# so a timestamp 300 s off is inside the window and 301 s is outside, whatever
# the fraction of the second and however long the request takes.
FROZEN_NOW = 1_800_000_000.75


@pytest.mark.parametrize("offset", [-301, 301, -3600, 86400])
def test_webhook_refuses_timestamps_more_than_5_minutes_off(
    seeded, client, db_url, offset, monkeypatch
):
    secret = webhook_secret(db_url)
    monkeypatch.setattr(access, "time", types.SimpleNamespace(time=lambda: FROZEN_NOW))
    before = snapshot(seeded)
    resp = deliver(client, secret, ORDER, timestamp=int(FROZEN_NOW) + offset)
    assert_error(resp, 401, "unauthorized")
    assert snapshot(seeded) == before
    near = deliver(client, secret, ORDER, timestamp=int(FROZEN_NOW) - 240)
    assert near.status_code == 200


@pytest.mark.parametrize("offset", [-300, 300])
def test_webhook_accepts_timestamps_exactly_5_minutes_off(
    seeded, client, db_url, offset, monkeypatch
):
    secret = webhook_secret(db_url)
    monkeypatch.setattr(access, "time", types.SimpleNamespace(time=lambda: FROZEN_NOW))
    resp = deliver(client, secret, ORDER, timestamp=int(FROZEN_NOW) + offset)
    assert resp.status_code == 200, resp.get_data(as_text=True)


def test_webhook_bad_order_is_400_with_details_and_nothing_written(seeded, client, db_url):
    secret = webhook_secret(db_url)
    before = snapshot(seeded)
    batch = {
        "orders": [
            ORDER,
            dict(ORDER, order_id="o-2", amount="lots"),
            dict(ORDER, order_id="o-3", currency="USD"),
            dict(ORDER, order_id="o-1"),
        ]
    }
    err = assert_error(deliver(client, secret, batch), 400, "invalid")
    assert [d["line"] for d in err["details"]] == [2, 3, 4]
    assert "amount" in err["details"][0]["error"]
    assert all(isinstance(d["error"], str) and d["error"] for d in err["details"])
    for payload in ({"orders": []}, {"orders": "o-1"}, {"orders": [1]}, ["o-1"]):
        assert_error(deliver(client, secret, payload), 400, "invalid")
    assert snapshot(seeded) == before


def test_webhook_rotate_makes_old_signatures_fail(seeded, client, db_url):
    old = webhook_secret(db_url)
    assert webhook_secret(db_url) == old
    new = webhook_secret(db_url, "--rotate")
    assert new != old
    assert_error(deliver(client, old, ORDER), 401)
    assert redemptions(seeded) == 0
    assert deliver(client, new, ORDER).status_code == 200
    assert redemptions(seeded) == 1


def test_webhook_non_ascii_signature_is_401(seeded, client, db_url):
    secret = webhook_secret(db_url)
    before = snapshot(seeded)
    resp = deliver(client, secret, ORDER, signature="sha256=\u00ff" + "0" * 63)
    assert_error(resp, 401, "unauthorized")
    assert snapshot(seeded) == before


# -- failed-token limit ------------------------------------------------------------------------------


def test_failed_tokens_are_rate_limited_per_client(seeded, tokens, app):
    a = app.test_client()
    a.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    b = app.test_client()
    b.environ_base["REMOTE_ADDR"] = "198.51.100.4"
    for _ in range(access.MAX_FAILURES_PER_MINUTE):
        wrong = bearer("trk_" + secrets.token_urlsafe(32))
        assert_error(a.get("/api/campaigns", headers=wrong), 401, "unauthorized")
    refused = a.get("/api/campaigns", headers=bearer("trk_wrong"))
    assert_error(refused, 429, "too_many_requests")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    stats = a.get("/stats/spring.json", headers=bearer("trk_wrong"))
    assert stats.status_code == 429 and stats.headers["Retry-After"]
    # another client is unaffected
    assert_error(b.get("/api/campaigns", headers=bearer("trk_wrong")), 401)
    # the limiter keeps no client address
    assert "203.0.113.7" not in all_text(seeded) and "198.51.100.4" not in all_text(seeded)


def test_a_valid_token_is_never_refused_by_the_limiter(seeded, tokens, app):
    """Behind a proxy without TRACKER_TRUSTED_PROXIES every client has the
    proxy's address: anyone's wrong tokens must not lock the admin out."""
    shared = app.test_client()
    shared.environ_base["REMOTE_ADDR"] = "127.0.0.1"
    for _ in range(3 * access.MAX_FAILURES_PER_MINUTE):
        assert shared.get("/api/campaigns", headers=bearer("trk_wrong")).status_code in (401, 429)
    assert shared.get("/api/campaigns", headers=bearer("trk_wrong")).status_code == 429
    assert shared.get("/api/campaigns", headers=bearer(tokens.admin)).status_code == 200
    assert shared.get("/stats/spring.json", headers=bearer(tokens.admin)).status_code == 200
    assert shared.get("/api/campaigns", headers=bearer(tokens.readonly)).status_code == 200
    # a success does not wipe the failures
    assert shared.get("/api/campaigns", headers=bearer("trk_wrong")).status_code == 429


def test_ten_failures_are_allowed(seeded, tokens, app):
    a = app.test_client()
    a.environ_base["REMOTE_ADDR"] = "203.0.113.8"
    for _ in range(access.MAX_FAILURES_PER_MINUTE - 1):
        assert a.get("/api/campaigns", headers=bearer("trk_wrong")).status_code == 401
    assert a.get("/api/campaigns", headers=bearer(tokens.admin)).status_code == 200
    assert a.get("/api/campaigns", headers=bearer("trk_wrong")).status_code == 401
    assert a.get("/api/campaigns", headers=bearer("trk_wrong")).status_code == 429
    assert a.get("/api/campaigns", headers=bearer(tokens.admin)).status_code == 200


def test_the_failure_window_is_a_sliding_minute_and_retry_after_is_exact(seeded, app, monkeypatch):
    """10 failures in any 60 seconds, as the README says; Retry-After is when
    the oldest of them leaves the window."""
    t0 = 1_800_000_030.0  # half past a minute: minute buckets would count 90 s
    now = [t0]
    monkeypatch.setattr(access, "time", types.SimpleNamespace(time=lambda: now[0]))
    a = app.test_client()
    a.environ_base["REMOTE_ADDR"] = "203.0.113.9"

    def attempt(at):
        now[0] = at
        return a.get("/api/campaigns", headers=bearer("trk_wrong"))

    for i in range(access.MAX_FAILURES_PER_MINUTE):  # failures at t0 .. t0+9
        assert attempt(t0 + i).status_code == 401
    for at, wait in ((t0 + 9.5, 51), (t0 + 30, 30), (t0 + 59.5, 1)):
        refused = attempt(at)
        assert refused.status_code == 429 and refused.headers["Retry-After"] == str(wait)
    assert attempt(t0 + 60).status_code == 401  # the one at t0 left; this one counts
    refused = attempt(t0 + 60.25)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert attempt(t0 + 61).status_code == 401
    assert attempt(t0 + 200).status_code == 401  # all gone


# -- limits ----------------------------------------------------------------------------------------------


def test_bodies_over_the_limit_are_413_json(seeded, tokens, db_url):
    small = create_app(Config(database=db_url, base_url=BASE, max_body_bytes=1024), store=seeded)
    client = small.test_client()
    h = bearer(tokens.admin)
    before = snapshot(seeded)
    big = {"slug": "big", "name": "x" * 2000, "destination": "https://a.example"}
    assert_error(client.post("/api/campaigns", json=big, headers=h), 413, "too_large")
    assert_error(
        client.post(
            "/api/campaigns/spring/redemptions",
            json={"orders": [dict(ORDER, order_id=f"o-{i}") for i in range(30)]},
            headers=h,
        ),
        413,
        "too_large",
    )
    assert_error(
        client.post(
            "/api/webhooks/redemptions",
            data=b"{" + b" " * 2000 + b"}",
            content_type="application/json",
        ),
        413,
        "too_large",
    )
    assert snapshot(seeded) == before
    ok = client.post("/api/campaigns", json=dict(big, name="x" * 100), headers=h)
    assert ok.status_code == 201


@pytest.mark.parametrize(
    "path",
    ["/a", "/ab", "/with.dot", "/" + "a" * 33, "/-abc", "/mia bio", "/mia-bio/", "/%27%3B--"],
)
def test_short_codes_outside_the_alphabet_are_404_without_a_row(seeded, client, path, monkeypatch):
    looked_up = []
    real = seeded.link_for_redirect
    monkeypatch.setattr(
        seeded, "link_for_redirect", lambda code: looked_up.append(code) or real(code)
    )
    resp = client.get(path, headers={"User-Agent": CHROME})
    assert resp.status_code == 404
    assert seeded.click_count() == 0
    assert looked_up == []  # refused by shape, before any database lookup
    click(client, "mia-bio")
    assert seeded.click_count() == 1


# -- headers and the public surface --------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/stats/spring",
        "/stats/spring.json",
        "/stats/spring/clicks.csv",
        "/stats/ghost",
        "/stats/spring?share=bad",
    ],
)
def test_stats_pages_send_security_headers(seeded, tokens, client, path):
    resp = client.get(path, headers=bearer(tokens.admin))
    csp = resp.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-eval" not in csp and "script-src" not in csp
    assert resp.headers.get("X-Content-Type-Options") == "nosniff"
    # the share token is in the URL: it must not leak to other sites
    assert resp.headers.get("Referrer-Policy") in (
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    )
    assert not re.search(r"\d", resp.headers.get("Server", ""))
    assert "Werkzeug" not in resp.headers.get("Server", "")


def test_fresh_install_public_surface(store, client):
    campaign_with_links(store)
    assert store.one("SELECT COUNT(*) AS n FROM api_tokens")["n"] == 0
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json()["status"] == "ok"
    resp = client.get("/mia-bio", headers={"User-Agent": CHROME})
    assert resp.status_code == 302 and resp.headers["Location"].startswith("https://shop.example/p")
    assert store.click_count() == 1
    page = client.get("/stats/spring")
    assert page.status_code == 401 and "text/html" in page.content_type
    for path in (
        "/stats/spring.json",
        "/stats/spring/clicks.csv",
        "/api/campaigns",
        "/api/openapi.json",
        "/api/campaigns/spring/report",
    ):
        assert_error(client.get(path), 401, "unauthorized")


# -- hostile strings through every text input ------------------------------------------------------------

HOSTILE = [
    "'; DROP TABLE clicks; --",
    '" OR 1=1 --',
    "%",
    "_",
    "\\",
    "ü'\"",
    "Robert'); DELETE FROM campaigns WHERE ('1'='1",
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_strings_round_trip_or_are_refused(seeded, tokens, client, text):
    h = bearer(tokens.admin)
    click(client, "mia-bio")
    before = counts(seeded)
    q = quote(text, safe="")

    # slugs: refused, wherever they appear
    assert_error(
        client.post(
            "/api/campaigns",
            json={"slug": text, "name": "n", "destination": "https://a.example"},
            headers=h,
        ),
        400,
        "invalid",
    )
    for path in (
        f"/api/campaigns/{q}",
        f"/api/campaigns/{q}/links",
        f"/api/campaigns/{q}/report",
        f"/api/campaigns/{q}/clicks.csv",
        f"/stats/{q}.json",
    ):
        assert_error(client.get(path, headers=h), 404, "not_found")
    assert client.get(f"/stats/{q}", headers=h).status_code == 404
    assert_error(client.post(f"/api/links/{q}/disable", headers=h), 404, "not_found")
    for query in (f"window={q}", f"limit={q}", f"offset={q}"):
        url = "/api/campaigns/spring/report" if query.startswith("window") else "/api/campaigns"
        assert_error(client.get(f"{url}?{query}", headers=h), 400, "invalid")
    assert_error(client.get(f"/api/campaigns/spring/clicks.csv?since={q}", headers=h), 400)

    # names: stored and returned exactly
    made = client.post(
        "/api/campaigns",
        json={"slug": "hostile", "name": text, "destination": "https://a.example"},
        headers=h,
    )
    assert made.status_code == 201 and made.get_json()["name"] == text
    assert client.get("/api/campaigns/hostile", headers=h).get_json()["name"] == text

    # handles: letters, digits, '.', '_' and '-' (a hostile one is refused, and the
    # creator gets a plain one); creator names: kept as text
    handle = text.strip().lstrip("@").lower()
    who = text
    if not HANDLE_RE.match(handle):
        assert_error(
            client.post("/api/creators", json={"handle": text, "platform": "other"}, headers=h),
            400,
            "invalid",
        )
        who = handle = "hostile.creator"
    made = client.post(
        "/api/creators", json={"handle": who, "platform": "other", "name": text}, headers=h
    )
    assert made.status_code == 201
    assert made.get_json() == {"handle": handle, "platform": "other", "name": text}
    assert (
        client.post(
            "/api/campaigns/hostile/creators", json={"handle": who, "fee": "10"}, headers=h
        ).status_code
        == 201
    )
    enrolled = client.get("/api/campaigns/hostile/creators", headers=h).get_json()["items"]
    assert [(c["handle"], c["fee"]) for c in enrolled] == [(handle, "10.00")]

    # link codes: refused; a link for the hostile handle works end to end
    assert_error(
        client.post(
            "/api/campaigns/hostile/links",
            json={"creator": who, "channel": "bio", "code": text},
            headers=h,
        ),
        400,
        "invalid",
    )
    link = client.post(
        "/api/campaigns/hostile/links", json={"creator": who, "channel": "bio"}, headers=h
    )
    assert link.status_code == 201 and link.get_json()["creator"] == handle
    resp = client.get("/" + link.get_json()["code"], headers={"User-Agent": CHROME})
    assert resp.status_code == 302
    assert dict(parse_qsl(urlsplit(resp.headers["Location"]).query))["utm_content"] == handle

    # promo codes and order ids
    promo = client.post(
        "/api/campaigns/hostile/promo-codes", json={"creator": who, "code": text}, headers=h
    )
    assert promo.status_code == 201 and promo.get_json()["code"] == text.lower()
    listed = client.get("/api/campaigns/hostile/promo-codes", headers=h).get_json()["items"]
    assert [(p["code"], p["creator"]) for p in listed] == [(text.lower(), handle)]
    order = {
        "order_id": text,
        "code": text,
        "amount": "12.50",
        "redeemed_at": "2026-11-05T10:00:00Z",
    }
    for new in (1, 0):
        resp = client.post("/api/campaigns/hostile/redemptions", json=order, headers=h)
        assert resp.status_code == 201 and resp.get_json()["new"] == new
    assert seeded.one("SELECT order_id FROM orders")["order_id"] == text

    # metrics: an unknown creator is a clean 400, the real one round-trips
    err = assert_error(
        client.post(
            "/api/campaigns/hostile/metrics",
            json={"rows": [{"date": "2026-11-05", "creator": text + "x", "source": "organic"}]},
            headers=h,
        ),
        400,
    )
    assert err["details"][0]["line"] == 1
    assert (
        client.post(
            "/api/campaigns/hostile/metrics",
            json={
                "rows": [{"date": "2026-11-05", "creator": who, "source": "organic", "views": 7}]
            },
            headers=h,
        ).status_code
        == 201
    )

    report = client.get("/api/campaigns/hostile/report", headers=h).get_json()
    assert [c["handle"] for c in report["creators"]] == [handle]
    assert report["totals"]["clicks"] == 1 and report["totals"]["conversions"] == 1
    assert report["totals"]["revenue"] == "12.50" and report["totals"]["views"] == 7

    assert set(seeded.table_names()) >= SCHEMA_TABLES
    expected = dict(
        before,
        campaigns=before["campaigns"] + 1,
        creators=before["creators"] + 1,
        campaign_creators=before["campaign_creators"] + 1,
        links=before["links"] + 1,
        clicks=before["clicks"] + 1,
        promo_codes=before["promo_codes"] + 1,
        shops=before["shops"] + 1,
        orders=1,
        metrics=1,
    )  # + the csv shop
    assert counts(seeded) == expected
    assert client.get("/api/campaigns/spring", headers=h).status_code == 200


def test_report_windows_last7_and_custom_through_the_api_and_the_stats_json(seeded, tokens, client):
    h = bearer(tokens.admin)
    last7 = client.get("/api/campaigns/spring/report?window=last7", headers=h).get_json()
    assert last7["window"]["name"] == "last7" and last7["window"]["includes_today"] is False
    custom = client.get(
        "/api/campaigns/spring/report?from=2026-11-03&to=2026-11-09", headers=h
    ).get_json()
    assert {k: custom["window"][k] for k in ("name", "from", "to")} == {
        "name": "custom",
        "from": "2026-11-03",
        "to": "2026-11-09",
    }
    assert (
        client.get("/stats/spring.json?from=2026-11-03&to=2026-11-09", headers=h).get_json()
        == custom
    )
    for query, words in (
        ("from=2026-11-09&to=2026-11-03", "after"),
        ("from=2026-11-09", "both from and to"),
        ("window=7&from=2026-11-01&to=2026-11-02", "not both"),
    ):
        body = assert_error(
            client.get(f"/api/campaigns/spring/report?{query}", headers=h), 400, "invalid"
        )
        assert words in body["message"], query
    # The page's creator CSV: the creator table, header first.
    resp = client.get("/stats/spring/creators.csv?window=last7", headers=h)
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.get_data(as_text=True).splitlines()[0].startswith("Creator,Platform,")
