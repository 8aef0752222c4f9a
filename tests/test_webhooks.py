"""Shops' own webhooks against a real `tracker serve`, on SQLite and
PostgreSQL: real-shaped Shopify, WooCommerce and Stripe deliveries (the
payloads in tests/data/webhooks, given this test's click ids, codes and
times), signed the way each platform signs (tests/webhook_signing.py).

Retries, out-of-order delivery, a refund before its order, a
cancellation, a rotated secret, a wrong signature, a WooCommerce ping and
a test order; every figure of the report is then checked against the hand
computation written out below. A second test sends a burst of 1,000
deliveries from 8 threads while a ninth keeps clicking a short link.
"""

from __future__ import annotations

import copy
import http.client
import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from tracker import access, campaigns, reports
from tracker.orders import shops
from tracker.store import open_store

from .conftest import tracker
from .webhook_signing import shopify_headers, stripe_headers, woocommerce_headers

PAYLOADS = Path(__file__).resolve().parent / "data" / "webhooks"
TIKTOK_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 musical_ly_34.1.0"
)
PREVIEW_BOT = "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"
NEW_YORK = ZoneInfo("America/New_York")


def payload(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_text("utf-8"))


def request(server, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    location = resp.getheader("Location")
    conn.close()
    return resp.status, location, data


def click(server, code, param="trk", ua=TIKTOK_IPHONE, query="") -> str:
    status, location, _ = request(server, "GET", f"/{code}{query}", headers={"User-Agent": ua})
    assert status == 302, status
    return dict(parse_qsl(urlsplit(location).query))[param]


def deliver(server, path, body: bytes, headers: dict) -> tuple[int, dict]:
    status, _, data = request(server, "POST", path, body, headers)
    return status, json.loads(data)


def api(server, token, path):
    status, _, data = request(server, "GET", path, headers={"Authorization": f"Bearer {token}"})
    assert status == 200, data
    return json.loads(data)


def counts(store) -> dict:
    return {t: store.count(t) for t in ("orders", "refunds", "webhook_deliveries")}


# -- payloads with this test's ids, clicks, codes and times -----------------------------


def shopify_order(
    base: str,
    order_id: int,
    name: str,
    created: datetime,
    total: str,
    trk: str | None,
    codes=(),
    **fields,
) -> bytes:
    order = payload(f"shopify/{base}.json")
    query = "utm_source=tiktok&utm_medium=social&utm_campaign=glow" + (f"&trk={trk}" if trk else "")
    order.update(
        id=order_id,
        name=name,
        order_number=int(name[1:]),
        created_at=created.astimezone(NEW_YORK).isoformat(timespec="seconds"),
        total_price=total,
        landing_site=f"/products/vitamin-c-serum?{query}",
        referring_site="https://www.tiktok.com/",
        note_attributes=[{"name": "gift_wrap", "value": "no"}],
        discount_codes=[{"code": c, "amount": "5.00", "type": "fixed_amount"} for c in codes],
        **fields,
    )
    for money in order["total_price_set"].values():
        money["amount"] = total
    return json.dumps(order).encode()


def woo_order(
    base: str, order_id: int, created: datetime, trk: str, coupons=(), refunds=None
) -> bytes:
    order = payload(f"woocommerce/{base}.json")
    gmt = created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    order.update(
        id=order_id,
        number=str(order_id),
        currency="USD",
        date_created_gmt=gmt,
        date_created=created.astimezone(NEW_YORK).strftime("%Y-%m-%dT%H:%M:%S"),
    )
    for meta in order["meta_data"]:
        if meta["key"] == "_wc_order_attribution_session_entry":
            meta["value"] = f"https://teahaus.example/produkt/matcha/?utm_source=ig&trk={trk}"
    order["coupon_lines"] = [line for line in order["coupon_lines"] if line["code"] in coupons]
    if refunds is not None:
        order["refunds"] = refunds
    return json.dumps(order).encode()


def stripe_event(base: str, created: datetime, **session) -> bytes:
    event = payload(f"stripe/{base}.json")
    event["data"]["object"].update(created=int(created.timestamp()), **session)
    return json.dumps(event).encode()


# -- the shops, the campaign, the hand computation ------------------------------------------


def set_up(store, db_url) -> dict:
    campaigns.create_campaign(
        store,
        "glow",
        "Spring glow",
        "https://glow-lab.example/serum",
        datetime.now(NEW_YORK).date().isoformat(),
        "America/New_York",
        "USD",
    )
    for handle, platform, fee in (("maya", "tiktok", "100"), ("noor", "instagram", "50")):
        campaigns.add_creator(store, handle, platform)
        campaigns.enroll(store, "glow", handle, fee)
    base = "https://go.example"
    campaigns.create_link(store, base, "glow", "maya", "ad", code="maya-ad")
    campaigns.create_link(store, base, "glow", "maya", "bio", code="maya-bio")
    campaigns.create_link(store, base, "glow", "noor", "bio", code="noor-bio")
    campaigns.create_link(
        store,
        base,
        "glow",
        "maya",
        "bio",
        code="maya-pay",
        destination="https://buy.stripe.com/test_14k5nB",
        click_param="client_reference_id",
    )
    campaigns.add_promo(store, "glow", "maya", "GLOWUP15", "sponsored")
    campaigns.add_promo(store, "glow", "noor", "NOOR10", "organic")
    campaigns.add_promo(store, "glow", "maya", "LENA10")  # no source said
    for name, platform, secret in (
        ("glow-lab", "shopify", "shpss_old"),
        ("teahaus", "woocommerce", "wc-secret"),
        ("pay", "stripe", "whsec_pay"),
    ):
        out = tracker(
            "--base-url",
            base,
            "shop",
            "connect",
            name,
            "--platform",
            platform,
            "--secret",
            secret,
            db=db_url,
        ).stdout
        assert out == f"{base}/api/webhooks/{platform}/{name}\n"
    return {"token": access.create_token(store, "ops")["token"]}


# The orders, and what the report must say of them (campaign glow, USD; fees
# maya 100.00, noor 50.00; maya's sponsored ad spend 40.00):
#
#   S1 Shopify #1042  maya-ad click (sponsored) + GLOWUP15, 83.89, refunds 31.21 + 4.95
#                     = 36.16 -> net 47.73; delivered refund first, then updated,
#                     create, paid, each twice                        maya sponsored, click
#   S2 Shopify #1043  noor-bio click, cancelled, 41.67                noor, click, no money
#   S3 Shopify #1044  a bot's click on maya-bio + NOOR10, 20.00       noor organic, code
#   S4 Shopify #1045  no click, no code, 15.00                        nobody's (shop totals)
#   S5 Shopify #1046  a test order                                    not stored
#   S6 Shopify #1047  an unknown click id + GLOWUP15, 30.00           maya sponsored, code
#   W1 Woo 4820       noor-bio clicked an hour after the order, 63.31, refund 12.50
#                                                                     nobody's
#   W2 Woo 4822       noor-bio click + lena10 (maya's), 63.31, refund 12.50 -> 50.81
#                                                                     noor organic, click,
#                                                                     a conflict
#   P1 Stripe cs_...  maya-pay click as client_reference_id, 54.30, refund 15.00 (first)
#                     -> 39.30                                        maya organic, click
#   P2 Stripe cs_...  noor-bio click 31 days before the payment, 49.00 nobody's
#
# conversions S1 S3 S6 W2 P1 = 5; gross 83.89 + 20 + 30 + 63.31 + 54.30 = 251.50;
# refunds 36.16 + 12.50 + 15.00 = 63.66; revenue 187.84; cost 150 + 40 = 190.00;
# ROI (187.84 - 190) / 190 = -0.0113684…; ROAS is sponsored revenue over ad
# spend: (S1 47.73 + S6 30.00) / 40 = 1.94325.
EXPECTED_TOTALS = {
    "clicks": 6,
    "bot_clicks": 1,
    "conversions": 5,
    "revenue": "187.84",
    "gross_revenue": "251.50",
    "refunds": "63.66",
    "ad_spend": "40.00",
    "cost": "190.00",
    "roi": -0.011368,
    "roas": 1.94325,
}
EXPECTED_SOURCES = {
    # S1 47.73 + S6 30.00; gross 83.89 + 30; ROAS 77.73 / 40
    "sponsored": {
        "conversions": 2,
        "revenue": "77.73",
        "gross_revenue": "113.89",
        "refunds": "36.16",
        "roas": 1.94325,
    },
    # S3 20.00 + W2 50.81 + P1 39.30; gross 20 + 63.31 + 54.30
    "organic": {
        "conversions": 3,
        "revenue": "110.11",
        "gross_revenue": "137.61",
        "refunds": "27.50",
        "roas": None,
    },
    "unknown": {
        "conversions": 0,
        "revenue": "0.00",
        "gross_revenue": "0.00",
        "refunds": "0.00",
        "roas": None,
    },
}
EXPECTED_CREATORS = {
    # maya: S1 47.73 + S6 30.00 (sponsored), P1 39.30 (organic); cost 100 + 40
    "maya": {
        "conversions": 3,
        "revenue": "117.03",
        "organic": "39.30",
        "sponsored": "77.73",
        "roi": round((117.03 - 140) / 140, 6),
    },
    # noor: S3 20.00 + W2 50.81; cost 50
    "noor": {
        "conversions": 2,
        "revenue": "70.81",
        "organic": "70.81",
        "sponsored": "0.00",
        "roi": round((70.81 - 50) / 50, 6),
    },
}
EXPECTED_ATTRIBUTION = {
    "by_click": 4,  # S1 S2 W2 P1
    "by_code": 2,  # S3 S6
    "conflicts": 1,  # W2: noor's click, maya's code
    "passed_over": {
        "unknown_id": 1,  # S6
        "bot_click": 1,  # S3
        "click_after_order": 1,  # W1
        "outside_window": 1,
    },  # P2
    "not_converted": {
        "pending": 0,
        "cancelled": 1,  # S2
        "refunded": 0,
        "other_currency": 0,
    },
}


def test_shop_deliveries_to_a_real_server_add_up_to_the_hand_computed_report(db_url, serve):
    store = open_store(db_url)
    store.migrate()
    token = set_up(store, db_url)["token"]
    server = serve(db_url)
    hook = "/api/webhooks"

    # -- clicks, through the real redirect -----------------------------------------------
    k1 = click(server, "maya-ad", query="?ttclid=E.C.P.CqwBrk9")  # a Spark Ad: sponsored
    k2 = click(server, "noor-bio")
    k3 = click(server, "maya-bio", ua=PREVIEW_BOT)
    k4 = click(server, "noor-bio")
    k5 = click(server, "noor-bio")
    k6 = click(server, "maya-pay", param="client_reference_id")
    k7 = click(server, "noor-bio")
    now = datetime.now(UTC)
    at = now + timedelta(minutes=2)  # every order, unless said

    # -- Shopify -----------------------------------------------------------------------
    def shopify(body, topic, webhook_id, secret="shpss_old"):
        return deliver(
            server,
            f"{hook}/shopify/glow-lab",
            body,
            shopify_headers(body, secret, topic, webhook_id),
        )

    s1 = {
        topic: shopify_order(base, 6012874219731, "#1042", at, "83.89", k1, ["GLOWUP15"])
        for topic, base in (
            ("orders/create", "orders_create"),
            ("orders/paid", "orders_paid"),
            ("orders/updated", "orders_updated"),
        )
    }
    refund = payload("shopify/refunds_create.json")
    refund_body = json.dumps(refund).encode()

    # a wrong signature: 401, nothing written
    before = counts(store)
    status, body = shopify(s1["orders/create"], "orders/create", "w-0", secret="shpss_wrong")
    assert (status, body["error"]["code"]) == (401, "unauthorized")
    assert counts(store) == before and store.shop("glow-lab")["last_delivery_at"] is None

    # out of order: the refund, the update (with both refunds), then create and paid;
    # every delivery twice (a retry carries the same X-Shopify-Webhook-Id)
    for body, topic, webhook_id, first in (
        (
            refund_body,
            "refunds/create",
            "w-r1",
            {
                "received": "refund",
                "result": "kept",
                "order_id": "6012874219731",
                "refund_id": "1009928364243",
            },
        ),
        (s1["orders/updated"], "orders/updated", "w-u1", {"received": "order", "result": "new"}),
        (
            s1["orders/create"],
            "orders/create",
            "w-c1",
            {"received": "order", "result": "unchanged"},
        ),
        (s1["orders/paid"], "orders/paid", "w-p1", {"received": "order", "result": "unchanged"}),
    ):
        status, got = shopify(body, topic, webhook_id)
        assert status == 200 and got.items() >= first.items(), got
        assert shopify(body, topic, webhook_id) == (200, {"received": "duplicate"})
    s1_row = store.query("SELECT * FROM orders WHERE order_id = '6012874219731'")[0]
    assert (s1_row["status"], s1_row["gross_minor"], s1_row["refunded_minor"]) == (
        "counted",
        8389,
        3616,
    )

    s2 = shopify_order("orders_cancelled", 6012875530451, "#1043", at, "41.67", k2)
    assert shopify(s2, "orders/cancelled", "w-x2")[1]["result"] == "new"
    s3 = shopify_order("orders_paid", 6012876000001, "#1044", at, "20.00", k3, ["NOOR10"])
    assert shopify(s3, "orders/paid", "w-p3")[1]["result"] == "new"
    s5 = shopify_order("orders_paid", 6012876000003, "#1046", at, "99.00", k1, test=True)
    assert shopify(s5, "orders/create", "w-c5") == (
        200,
        {"received": "ignored", "reason": "a test order"},
    )
    other = json.dumps({"id": 706405506930370000, "email": "bob@example.com"}).encode()
    status, got = shopify(other, "customers/create", "w-cust")
    assert status == 200 and got["received"] == "ignored"

    # a rotated secret: the old one stays valid with --keep-old, until forgotten
    tracker(
        "shop",
        "connect",
        "glow-lab",
        "--platform",
        "shopify",
        "--secret",
        "shpss_new",
        "--keep-old",
        db=db_url,
    )
    s4 = shopify_order("orders_paid", 6012876000002, "#1045", at, "15.00", None)
    assert shopify(s4, "orders/paid", "w-p4", secret="shpss_old")[1]["result"] == "new"
    s6 = shopify_order(
        "orders_paid", 6012876000004, "#1047", at, "30.00", "NoSuchClick00001", ["GLOWUP15"]
    )
    assert shopify(s6, "orders/paid", "w-p6", secret="shpss_new")[1]["result"] == "new"
    tracker("shop", "forget-old-secrets", "glow-lab", db=db_url)
    before = counts(store)
    assert shopify(s4, "orders/updated", "w-u4", secret="shpss_old")[0] == 401
    assert counts(store) == before
    assert shopify(s4, "orders/updated", "w-u4", secret="shpss_new") == (
        200,
        {"received": "order", "order_id": "6012876000002", "result": "unchanged"},
    )

    # -- WooCommerce ---------------------------------------------------------------------
    def woo(body, topic, delivery, secret="wc-secret"):
        return deliver(
            server,
            f"{hook}/woocommerce/teahaus",
            body,
            woocommerce_headers(body, secret, topic, delivery),
        )

    ping = (PAYLOADS / "woocommerce" / "ping.txt").read_bytes()
    assert deliver(
        server,
        f"{hook}/woocommerce/teahaus",
        ping,
        {"Content-Type": "application/x-www-form-urlencoded"},
    ) == (200, {"received": "ping"})
    an_hour_before_k4 = now - timedelta(hours=1)
    w1 = woo_order("order_created", 4820, an_hour_before_k4, k4)
    w1_refunded = woo_order(
        "order_partially_refunded",
        4820,
        an_hour_before_k4,
        k4,
        refunds=[{"id": 4908, "reason": "Kaputt", "total": "-12.50"}],
    )
    w2 = woo_order("order_created", 4822, at, k5, coupons=("lena10",))
    w2_refunded = woo_order("order_partially_refunded", 4822, at, k5, coupons=("lena10",))
    assert woo(w1, "order.created", "wd-1")[1]["result"] == "new"
    assert woo(w1_refunded, "order.updated", "wd-2")[1]["result"] == "updated"
    assert woo(w2, "order.created", "wd-3")[1]["result"] == "new"
    assert woo(w2, "order.created", "wd-3") == (200, {"received": "duplicate"})
    assert woo(w2_refunded, "order.updated", "wd-4")[1]["result"] == "updated"
    assert woo(w2_refunded, "order.updated", "wd-4", secret="wc-wrong")[0] == 401

    # -- Stripe --------------------------------------------------------------------------
    def pay(body):
        return deliver(
            server, f"{hook}/stripe/pay", body, stripe_headers(body, int(time.time()), "whsec_pay")
        )

    refunded = stripe_event("charge_refunded", at)
    assert pay(refunded)[1] == {
        "received": "refund",
        "refund_id": "ch_3R9vXb2eZvKYlo2C0Jd5wP8n",
        "order_id": None,
        "result": "kept",
    }
    p1 = stripe_event("checkout_session_completed", at, client_reference_id=k6)
    assert pay(p1)[1]["result"] == "new"
    assert pay(p1) == (200, {"received": "duplicate"})  # the same event id
    p2 = stripe_event(
        "checkout_session_async_payment_succeeded",
        now + timedelta(days=31),
        currency="usd",
        metadata={"trk": k7},
    )
    assert pay(p2)[1]["result"] == "new"
    stale = stripe_headers(p2, int(time.time()) - 600, "whsec_pay")
    assert deliver(server, f"{hook}/stripe/pay", p2, stale)[0] == 401

    # -- not connected, not a platform ---------------------------------------------------
    assert (
        deliver(
            server, f"{hook}/shopify/teahaus", s4, shopify_headers(s4, "wc-secret", "orders/paid")
        )[0]
        == 404
    )
    assert deliver(server, f"{hook}/magento/glow-lab", s4, {})[0] == 404

    # -- the figures ---------------------------------------------------------------------
    status, _, _ = request(
        server,
        "POST",
        "/api/campaigns/glow/metrics",
        json.dumps(
            {
                "rows": [
                    {
                        "date": datetime.now(NEW_YORK).date().isoformat(),
                        "creator": "maya",
                        "source": "sponsored",
                        "spend": "40.00",
                    }
                ]
            }
        ),
        {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert status == 201
    report = api(server, token, "/api/campaigns/glow/report")
    assert {k: report["totals"][k] for k in EXPECTED_TOTALS} == EXPECTED_TOTALS
    for source, expected in EXPECTED_SOURCES.items():
        assert {k: report["sources"][source][k] for k in expected} == expected, source
    for c in report["creators"]:
        expected = EXPECTED_CREATORS[c["handle"]]
        assert (
            c["total"]["conversions"],
            c["total"]["revenue"],
            c["organic"]["revenue"],
            c["sponsored"]["revenue"],
            c["total"]["roi"],
        ) == tuple(expected.values())
    assert report["attribution"] == EXPECTED_ATTRIBUTION
    marks = {m["handle"]: m["day_7"] for m in report["marks"]}
    assert (marks["maya"]["conversions"], marks["maya"]["revenue"]) == (3, "117.03")

    lines = api(server, token, "/api/campaigns/glow/orders")["items"]
    by_id = {o["order_id"]: o for o in lines}
    assert len(lines) == 8  # S1 S2 S3 S6 W2 P1, and W1 P2 for their clicks
    assert {o["shop"] for o in lines} == {"glow-lab", "teahaus", "pay"}
    assert (
        by_id["6012874219731"]["gross"],
        by_id["6012874219731"]["refunded"],
        by_id["6012874219731"]["net"],
        by_id["6012874219731"]["method"],
    ) == ("83.89", "36.16", "47.73", "click")
    assert (
        by_id["6012876000001"]["creator"],
        by_id["6012876000001"]["method"],
        by_id["6012876000001"]["passed_over"],
    ) == ("noor", "code", "bot_click")
    assert (by_id["4820"]["credited"], by_id["4820"]["passed_over"]) == (False, "click_after_order")
    assert by_id["4822"]["conflict"] is True and by_id["4822"]["net"] == "50.81"
    credited = [o for o in lines if o["credited"] and o["conversion"]]
    assert sum(int(o["net"].replace(".", "")) for o in credited) == 18784

    shops_now = {s["name"]: s for s in shops.list_shops(store, "https://go.example")}
    assert {n: s["orders_received"] for n, s in shops_now.items()} == {
        "glow-lab": 5,
        "teahaus": 2,
        "pay": 2,
    }  # S1-S4 and S6; W1 W2; P1 P2
    assert all(s["last_delivery_at"] for s in shops_now.values())
    glow_days = shops.daily_totals(store, "glow-lab", "America/New_York")["days"]
    # counted: S1 47.73, S3 20.00, S4 15.00, S6 30.00 (S2 cancelled, S5 never stored)
    assert (sum(o for o, _ in glow_days.values()), sum(n for _, n in glow_days.values())) == (
        4,
        11273,
    )
    store.close()


# -- a burst: 1,000 deliveries from 8 senders while the redirect keeps answering ------------


def test_a_burst_of_deliveries_lands_nothing_lost_or_doubled_while_clicks_get_302(db_url, serve):
    store = open_store(db_url)
    store.migrate()
    set_up(store, db_url)
    server = serve(db_url, workers=3)
    rng = random.Random(1000)
    base = payload("shopify/orders_paid.json")
    orders, deliveries = {}, []
    thrice = set(rng.sample(range(400), 200))  # 400 x 2 + 200 = 1,000 deliveries
    for n in range(400):
        cents = rng.randrange(1000, 9000)
        order = copy.deepcopy(base)
        order.update(
            id=7_000_000 + n,
            name=f"#{5000 + n}",
            total_price=f"{cents / 100:.2f}",
            landing_site="/products/vitamin-c-serum",
            note_attributes=[],
            referring_site=None,
            discount_codes=[{"code": "NOOR10", "amount": "1.00", "type": "fixed_amount"}],
        )
        orders[order["id"]] = cents
        # created and paid, and for half of them a retry of one of the two
        sends = [(t, f"b-{n}-{t}") for t in ("orders/create", "orders/paid")]
        sends += [rng.choice(sends)] if n in thrice else []
        deliveries += [
            (json.dumps(order).encode(), topic, webhook_id) for topic, webhook_id in sends
        ]
    rng.shuffle(deliveries)
    assert len(deliveries) == 1000

    stop = threading.Event()
    clicks: list[int] = []

    def clicker():
        while not stop.is_set():
            status, _, _ = request(
                server, "GET", "/noor-bio", headers={"User-Agent": TIKTOK_IPHONE}
            )
            clicks.append(status)

    def send(item):
        body, topic, webhook_id = item
        status, got = deliver(
            server,
            "/api/webhooks/shopify/glow-lab",
            body,
            shopify_headers(body, "shpss_old", topic, webhook_id),
        )
        return status, got["received"]

    clicking = threading.Thread(target=clicker)
    started = time.monotonic()
    clicking.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(send, deliveries))
    finally:
        stop.set()
        clicking.join()
    elapsed = time.monotonic() - started
    assert {status for status, _ in results} == {200}
    received = [r for _, r in results]
    assert received.count("order") + received.count("duplicate") == 1000
    rows = store.query("SELECT order_id, gross_minor, status FROM orders")
    assert len(rows) == len(orders) == 400
    assert {int(r["order_id"]): int(r["gross_minor"]) for r in rows} == orders
    assert {r["status"] for r in rows} == {"counted"}
    assert store.shop("glow-lab")["orders_received"] == 400
    distinct = {(topic, webhook_id) for _, topic, webhook_id in deliveries}
    assert store.count("webhook_deliveries") == len(distinct)
    assert received.count("order") == len(distinct)
    report = reports.campaign_report(store, "glow")["totals"]
    assert report["conversions"] == 400
    assert report["revenue"] == f"{sum(orders.values()) / 100:.2f}"
    # every click got its 302 and was stored
    assert len(clicks) > 20 and set(clicks) == {302}
    assert store.click_count(store.campaign("glow")["id"]) == len(clicks)
    assert elapsed < 60, elapsed
    store.close()
