"""Shop connectors: signatures, and real-shaped payloads parsed field by field.

The fixtures in data/webhooks carry every field the platforms document; the
expected values below are worked out by hand from them (see the amounts in
each fixture: Shopify USD, WooCommerce EUR, Stripe USD/EUR cents).
"""

from __future__ import annotations

import base64
import dataclasses
import json
from pathlib import Path

import pytest
from werkzeug.datastructures import Headers

from tests.webhook_signing import (
    shopify_headers,
    shopify_signature,
    stripe_headers,
    stripe_signature,
    woocommerce_headers,
    woocommerce_signature,
)
from tracker import vocabulary
from tracker.errors import BadInput
from tracker.orders import shopify, stripe, woocommerce
from tracker.orders.events import Ignored, OrderEvent, Refund, RefundEvent

DATA = Path(__file__).parent / "data" / "webhooks"
DELIVERY = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
NOW = 1774111340  # 2026-03-21T16:42:20Z


def raw(name: str) -> bytes:
    return (DATA / name).read_bytes()


def payload(name: str) -> dict:
    return json.loads(raw(name))


def body(data) -> bytes:
    return json.dumps(data).encode("utf-8")


# -- HMAC over the raw body: Shopify and WooCommerce --------------------------------

HMAC_PLATFORMS = [
    pytest.param(shopify, shopify_headers, "orders/create", "X-Shopify-Hmac-Sha256", id="shopify"),
    pytest.param(
        woocommerce,
        woocommerce_headers,
        "order.created",
        "X-WC-Webhook-Signature",
        id="woocommerce",
    ),
]


def test_signing_helpers_match_the_rfc_4231_hmac_vector():
    expected = base64.b64encode(
        bytes.fromhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    ).decode()
    assert shopify_signature(b"what do ya want for nothing?", "Jefe") == expected
    assert woocommerce_signature(b"what do ya want for nothing?", "Jefe") == expected


@pytest.mark.parametrize("module,headers,topic,name", HMAC_PLATFORMS)
def test_hmac_signature_right_wrong_and_tampered(module, headers, topic, name):
    data = raw("shopify/orders_create.json")
    signed = headers(data, "shpss_right", topic)
    assert module.verify(data, signed, ["shpss_right"]) is True
    assert module.verify(data, signed, ["shpss_wrong"]) is False
    assert module.verify(data.replace(b"83.89", b"83.99"), signed, ["shpss_right"]) is False


@pytest.mark.parametrize("module,headers,topic,name", HMAC_PLATFORMS)
def test_hmac_rotation_accepts_either_secret(module, headers, topic, name):
    data = raw("shopify/orders_paid.json")
    rotating = ["new-secret", "old-secret"]
    assert module.verify(data, headers(data, "old-secret", topic), rotating) is True
    assert module.verify(data, headers(data, "new-secret", topic), rotating) is True
    assert module.verify(data, headers(data, "older-secret", topic), rotating) is False


@pytest.mark.parametrize("module,headers,topic,name", HMAC_PLATFORMS)
@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "not base64 at all!",
        "abc",
        "c2hvcnQ=",
        "ä" * 44,
        "\u2028",
        "=" * 44,
        base64.b64encode(b"\x00" * 32).decode(),
    ],
)
def test_hmac_garbage_signature_is_false_never_an_error(module, headers, topic, name, garbage):
    data = raw("shopify/orders_create.json")
    assert module.verify(data, {name: garbage}, ["secret"]) is False


@pytest.mark.parametrize("module,headers,topic,name", HMAC_PLATFORMS)
def test_hmac_missing_header_or_no_secret_is_false(module, headers, topic, name):
    data = raw("shopify/orders_create.json")
    assert module.verify(data, {}, ["secret"]) is False
    assert module.verify(data, headers(data, "secret", topic), []) is False


@pytest.mark.parametrize("module,headers,topic,name", HMAC_PLATFORMS)
def test_hmac_blank_secret_verifies_nothing(module, headers, topic, name):
    # Anyone can compute an HMAC keyed with "": an unset secret must not open the door.
    data = raw("shopify/orders_create.json")
    assert module.verify(data, headers(data, "", topic), [""]) is False
    assert module.verify(data, headers(data, "", topic), ["  ", "real"]) is False


@pytest.mark.parametrize("module,headers,topic,name", HMAC_PLATFORMS)
def test_hmac_header_name_in_any_case_and_werkzeug_headers(module, headers, topic, name):
    data = raw("shopify/orders_create.json")
    signature = headers(data, "secret", topic)[name]
    assert module.verify(data, {name.lower(): signature}, ["secret"]) is True
    assert module.verify(data, {name.upper(): signature}, ["secret"]) is True
    assert module.verify(data, Headers([(name.lower(), signature)]), ["secret"]) is True


# -- Stripe-Signature ---------------------------------------------------------------


def test_stripe_signature_right_wrong_tampered():
    data = raw("stripe/charge_refunded.json")
    signed = stripe_headers(data, NOW, "whsec_right")
    assert stripe.verify(data, signed, ["whsec_right"], now=NOW) is True
    assert stripe.verify(data, signed, ["whsec_wrong"], now=NOW) is False
    assert stripe.verify(data + b" ", signed, ["whsec_right"], now=NOW) is False


def test_stripe_any_v1_may_match_any_secret():
    data = raw("stripe/checkout_session_completed.json")
    two = stripe_headers(data, NOW, "whsec_old", "whsec_new")
    assert two["Stripe-Signature"].count("v1=") == 2
    assert stripe.verify(data, two, ["whsec_new"], now=NOW) is True
    assert stripe.verify(data, two, ["whsec_old"], now=NOW) is True
    assert (
        stripe.verify(
            data, stripe_headers(data, NOW, "whsec_old"), ["whsec_new", "whsec_old"], now=NOW
        )
        is True
    )
    assert stripe.verify(data, two, ["whsec_other"], now=NOW) is False


@pytest.mark.parametrize(
    "now,ok",
    [
        (NOW, True),
        (NOW + 300, True),
        (NOW - 300, True),
        (NOW + 301, False),  # a captured request replayed later
        (NOW - 301, False),  # a timestamp from the future
    ],
)
def test_stripe_timestamp_tolerance(now, ok):
    data = raw("stripe/charge_refunded.json")
    assert stripe.verify(data, stripe_headers(data, NOW, "whsec_x"), ["whsec_x"], now=now) is ok


def test_stripe_tolerance_can_be_narrowed():
    data = raw("stripe/charge_refunded.json")
    signed = stripe_headers(data, NOW, "whsec_x")
    assert stripe.verify(data, signed, ["whsec_x"], now=NOW + 60, tolerance=30) is False
    assert stripe.verify(data, signed, ["whsec_x"], now=NOW + 20, tolerance=30) is True


def test_stripe_timestamp_is_part_of_what_is_signed():
    data = raw("stripe/charge_refunded.json")
    v1 = stripe_signature(data, NOW, "whsec_x").split(",")[1]
    moved = {"Stripe-Signature": f"t={NOW + 1},{v1}"}
    assert stripe.verify(data, moved, ["whsec_x"], now=NOW) is False


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "t=,v1=",
        f"t={NOW}",
        "v1=" + "0" * 64,
        f"t=abc,v1={'0' * 64}",
        f"t={NOW},v0=" + "0" * 64,
        f"t={NOW},v1=zz",
        f"t={NOW},v1=é",
        "t=1,,,,=,v1",
        f"t=-{NOW},v1=" + "0" * 64,
    ],
)
def test_stripe_garbage_header_is_false_never_an_error(garbage):
    data = raw("stripe/charge_refunded.json")
    assert stripe.verify(data, {"Stripe-Signature": garbage}, ["whsec_x"], now=NOW) is False


def test_stripe_only_the_v1_scheme_is_trusted():
    data = raw("stripe/charge_refunded.json")
    v0_only = stripe_signature(data, NOW, "whsec_x").replace("v1=", "v0=")
    assert stripe.verify(data, {"Stripe-Signature": v0_only}, ["whsec_x"], now=NOW) is False


def test_stripe_missing_header_blank_secret_and_header_case():
    data = raw("stripe/charge_refunded.json")
    assert stripe.verify(data, {}, ["whsec_x"], now=NOW) is False
    assert stripe.verify(data, stripe_headers(data, NOW, ""), [""], now=NOW) is False
    value = stripe_signature(data, NOW, "whsec_x")
    assert stripe.verify(data, {"stripe-signature": value}, ["whsec_x"], now=NOW) is True


# -- Shopify orders ------------------------------------------------------------------


def shopify_order(name: str, **changes) -> OrderEvent:
    data = payload(f"shopify/{name}")
    data.update(changes)
    return shopify.parse("orders/updated", body(data))


def test_shopify_orders_create_every_field():
    event = shopify.parse("orders/create", raw("shopify/orders_create.json"), event_id=DELIVERY)
    assert event == OrderEvent(
        shop_order_id="6012874219731",
        name="#1042",
        created_at="2026-03-14T13:21:07.000000Z",  # 09:21:07 at -04:00
        currency="USD",
        gross_minor=8389,  # 86.00 - 12.90 + 4.95 + 5.84
        codes=("glowup15",),
        click_id="Qx7dK2mPz9LbT4sW",
        status="pending",  # authorized
        refunds=(),
        test=False,
        payment_ref=None,
        event_id=DELIVERY,
    )


def test_shopify_orders_paid_counts():
    event = shopify.parse("orders/paid", raw("shopify/orders_paid.json"))
    assert (event.shop_order_id, event.status, event.gross_minor, event.event_id) == (
        "6012874219731",
        "counted",
        8389,
        None,
    )


def test_shopify_orders_updated_carries_embedded_refunds():
    event = shopify.parse("orders/updated", raw("shopify/orders_updated.json"))
    assert event.status == "counted"  # partially_refunded: the refunds net the money
    assert event.gross_minor == 8389
    assert event.refunds == (
        Refund("1009928364243", 3121, "2026-03-20T15:02:44.000000Z"),  # failed try + success
        Refund("1009931673811", 495, "2026-03-22T20:40:10.000000Z"),
    )


def test_shopify_orders_cancelled_every_field():
    event = shopify.parse("orders/cancelled", raw("shopify/orders_cancelled.json"), event_id="d1")
    assert event == OrderEvent(
        shop_order_id="6012875530451",
        name="#1043",
        created_at="2026-03-15T12:44:51.000000Z",
        currency="USD",
        gross_minor=4167,
        codes=(),
        click_id="Mv2RbX9kLq4Tz8Hc",
        status="cancelled",
        refunds=(),
        test=False,
        payment_ref=None,
        event_id="d1",
    )


def test_shopify_refunds_create_every_field():
    event = shopify.parse("refunds/create", raw("shopify/refunds_create.json"), event_id="d2")
    assert event == RefundEvent(
        shop_order_id="6012874219731",
        payment_ref=None,
        refund=Refund("1009928364243", 3121, "2026-03-20T15:02:44.000000Z"),
        event_id="d2",
    )


def test_shopify_delivery_id_is_the_webhook_id_header():
    data = raw("shopify/orders_create.json")
    headers = shopify_headers(data, "s", "orders/create", webhook_id="wh-123")
    assert shopify.delivery_id(headers) == "wh-123"
    assert shopify.delivery_id({"x-shopify-webhook-id": " wh-9 "}) == "wh-9"
    assert shopify.delivery_id({}) is None


def test_shopify_total_price_set_when_total_price_is_absent():
    data = payload("shopify/orders_create.json")
    data["total_price_set"]["shop_money"]["amount"] = "90.00"
    assert shopify.parse("orders/create", body(data)).gross_minor == 8389  # total_price wins
    del data["total_price"]
    assert shopify.parse("orders/create", body(data)).gross_minor == 9000


def _without_trk(url: str) -> str:
    return url.split("&trk=")[0]


def test_shopify_click_id_precedence_landing_then_attribute_then_referrer():
    data = payload("shopify/orders_create.json")
    assert shopify.parse("orders/create", body(data)).click_id == "Qx7dK2mPz9LbT4sW"
    data["landing_site"] = _without_trk(data["landing_site"])
    assert shopify.parse("orders/create", body(data)).click_id == "Hb3LwQ8nV1cR6yTe"
    data["referring_site"] = "https://go.example/r/maya?trk=Rf5Tq2Wn8Yb3Kd6M"
    assert shopify.parse("orders/create", body(data)).click_id == "Hb3LwQ8nV1cR6yTe"
    data["note_attributes"] = [{"name": "gift_wrap", "value": "no"}]
    assert shopify.parse("orders/create", body(data)).click_id == "Rf5Tq2Wn8Yb3Kd6M"
    data["referring_site"] = "https://www.tiktok.com/"
    assert shopify.parse("orders/create", body(data)).click_id is None


@pytest.mark.parametrize(
    "landing,attributes,expected",
    [
        ("http://www.example.com?source=abc&trk=AbsUrl000000001", [], "AbsUrl000000001"),
        (None, [{"name": "trk", "value": "Plain0000000001"}], "Plain0000000001"),
        (None, [{"name": " _trk ", "value": " Hidden00000001 "}], "Hidden00000001"),
        ("/p?trk=&utm_source=x", [{"name": "_trk", "value": "Next00000000001"}], "Next00000000001"),
        ("/p?trk=two%20words", [], None),
        ("/p?trk=" + "x" * 129, [], None),
        ("/p#trk=Fragment0000001", [], None),
        ("http://[bad/p?trk=Broken000000001", [], None),
        (12345, [{"name": "trk", "value": 7}, "junk"], None),
    ],
)
def test_shopify_click_id_odd_sources(landing, attributes, expected):
    assert (
        shopify_order(
            "orders_create.json",
            landing_site=landing,
            note_attributes=attributes,
            referring_site=None,
        ).click_id
        == expected
    )


def test_shopify_click_params_are_configurable():
    data = payload("shopify/orders_create.json")
    data["landing_site"] = "/products/serum?ref=Custom000000001&trk=Default00000001"
    assert shopify.parse("orders/create", body(data)).click_id == "Default00000001"
    assert (
        shopify.parse("orders/create", body(data), click_params=("ref",)).click_id
        == "Custom000000001"
    )
    assert (
        shopify.parse("orders/create", body(data), click_params=("ref", "trk")).click_id
        == "Custom000000001"
    )


@pytest.mark.parametrize(
    "financial,cancelled_at,status",
    [
        ("pending", None, "pending"),
        ("authorized", None, "pending"),
        ("paid", None, "counted"),
        ("partially_paid", None, "counted"),
        ("partially_refunded", None, "counted"),
        ("refunded", None, "counted"),
        ("voided", None, "cancelled"),
        ("expired", None, "cancelled"),
        ("PAID", None, "counted"),
        (None, None, "pending"),
        ("something_new", None, "pending"),
        ("paid", "2026-03-15T10:05:00-04:00", "cancelled"),
    ],
)
def test_shopify_statuses(financial, cancelled_at, status):
    assert (
        shopify_order(
            "orders_paid.json", financial_status=financial, cancelled_at=cancelled_at
        ).status
        == status
    )


def test_shopify_test_orders_are_marked():
    assert shopify_order("orders_paid.json", test=True).test is True
    assert shopify_order("orders_paid.json", test=False).test is False
    assert shopify_order("orders_paid.json", test="true").test is False  # only JSON true


def test_shopify_codes_lower_case_each_once():
    codes = [
        {"code": "GLOWUP15"},
        {"code": " glowup15 "},
        {"code": "VIP"},
        {"code": ""},
        {"amount": "1.00"},
        "junk",
    ]
    assert shopify_order("orders_paid.json", discount_codes=codes).codes == ("glowup15", "vip")


@pytest.mark.parametrize(
    "topic",
    [
        "products/update",
        "orders/delete",
        "customers/create",
        "",
        "orders/fulfilled",
        "refunds/update",
    ],
)
def test_shopify_other_topics_are_ignored_without_reading_the_body(topic):
    event = shopify.parse(topic, b"not even json", event_id="d3")
    assert isinstance(event, Ignored) and event.event_id == "d3" and repr(topic) in event.reason


def test_shopify_topic_case_and_spaces():
    assert isinstance(
        shopify.parse(" Orders/Create ", raw("shopify/orders_create.json")), OrderEvent
    )


def test_shopify_refund_counts_only_successful_refund_transactions():
    data = payload("shopify/orders_updated.json")
    first = data["refunds"][0]["transactions"]
    template = first[1]
    first += [
        dict(template, id=1, kind="capture"),
        dict(template, id=2, kind="sale"),
        dict(template, id=3, status="pending"),
        dict(template, id=4, status="error"),
        dict(template, id=5, kind="void", status="success"),
    ]
    refunds = shopify.parse("orders/updated", body(data)).refunds
    assert [r.amount_minor for r in refunds] == [3121, 495]
    first.append(dict(template, id=6, amount="1.00"))  # a second successful refund payment
    assert shopify.parse("orders/updated", body(data)).refunds[0].amount_minor == 3221


def test_shopify_refund_without_successful_transactions_is_zero():
    data = payload("shopify/refunds_create.json")
    data["transactions"] = [t for t in data["transactions"] if t["status"] != "success"]
    assert shopify.parse("refunds/create", body(data)).refund.amount_minor == 0


def test_shopify_refund_currency_falls_back_to_line_items_when_transaction_has_none():
    # Shopify's own sample payloads send transactions with "currency": null.
    data = payload("shopify/refunds_create.json")
    for transaction in data["transactions"]:
        transaction.update(currency=None, amount="3121")
    data["refund_line_items"][0]["subtotal_set"]["presentment_money"]["currency_code"] = "JPY"
    assert shopify.parse("refunds/create", body(data)).refund.amount_minor == 3121
    for transaction in data["transactions"]:
        transaction["amount"] = "31.21"
    with pytest.raises(BadInput, match="more than 0 decimals for JPY"):
        shopify.parse("refunds/create", body(data))
    data["refund_line_items"] = []
    with pytest.raises(BadInput, match="names no currency"):
        shopify.parse("refunds/create", body(data))


@pytest.mark.parametrize("total,minor", [("4500", 4500), ("4500.00", 4500), (4500, 4500)])
def test_shopify_amounts_use_the_currency_decimals_jpy(total, minor):
    event = shopify_order("orders_paid.json", currency="JPY", total_price=total)
    assert (event.currency, event.gross_minor) == ("JPY", minor)


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"currency": "JPY", "total_price": "4500.50"}, "more than 0 decimals for JPY"),
        ({"total_price": "83.899"}, "more than 2 decimals for USD"),
        ({"total_price": "-83.89"}, "must not be negative"),
        ({"total_price": None, "total_price_set": None}, "total_price '' is not a number"),
        ({"currency": "dollars"}, "ISO 4217"),
        ({"currency": None}, "ISO 4217"),
        ({"id": None}, "Shopify order id is missing"),
        ({"id": True}, "Shopify order id is missing"),
        ({"created_at": "yesterday"}, "created_at 'yesterday' is not ISO 8601"),
        ({"created_at": "2026-03-14T09:21:07"}, "has no time zone offset"),
        ({"created_at": None}, "created_at None is not a time"),
    ],
)
def test_shopify_bad_fields_are_bad_input(changes, message):
    with pytest.raises(BadInput, match=message):
        shopify_order("orders_create.json", **changes)


@pytest.mark.parametrize(
    "data", [b"{not json", b"", b"\xff\xfe\x00garbage", b"[1, 2]", b"null", b"[" * 100_000]
)
def test_shopify_malformed_body_is_bad_input(data):
    with pytest.raises(BadInput, match="Shopify order"):
        shopify.parse("orders/create", data)
    with pytest.raises(BadInput, match="Shopify refund"):
        shopify.parse("refunds/create", data)


# -- WooCommerce orders --------------------------------------------------------------


def woo_order(name: str = "order_created.json", **changes) -> OrderEvent:
    data = payload(f"woocommerce/{name}")
    data.update(changes)
    return woocommerce.parse("order.updated", body(data))


def test_woocommerce_order_created_every_field():
    data = raw("woocommerce/order_created.json")
    headers = woocommerce_headers(data, "wc-secret", "order.created", delivery_id="dlv-1")
    event = woocommerce.parse(
        headers["X-WC-Webhook-Topic"], data, event_id=woocommerce.delivery_id(headers)
    )
    assert event == OrderEvent(
        shop_order_id="4821",
        name="4821",
        created_at="2026-04-02T17:47:12.000000Z",  # date_created_gmt, no offset: UTC
        currency="EUR",
        gross_minor=6331,  # 64.90 - 6.49 + 4.90
        codes=("lena10",),
        click_id="Zr5NpW2xHd8KqL3v",
        status="counted",  # processing
        refunds=(),
        test=False,
        payment_ref=None,
        event_id="dlv-1",
    )


def test_woocommerce_partial_refund_negative_total_keeps_the_order_counted():
    event = woocommerce.parse("order.updated", raw("woocommerce/order_partially_refunded.json"))
    assert event.status == "counted"
    assert event.gross_minor == 6331
    assert event.refunds == (Refund("4907", 1250, None),)  # "-12.50"


def test_woocommerce_fully_refunded_order_is_not_a_conversion():
    event = woocommerce.parse("order.updated", raw("woocommerce/order_refunded.json"))
    assert event.status == "cancelled"
    assert event.refunds == (Refund("4912", 5081, None), Refund("4907", 1250, None))
    assert sum(r.amount_minor for r in event.refunds) == event.gross_minor


def test_woocommerce_positive_refund_total_is_taken_as_its_size():
    refunds = [{"id": 1, "reason": "", "total": "12.50"}, {"id": 2, "reason": "", "total": "-0.01"}]
    assert woo_order(refunds=refunds).refunds == (Refund("1", 1250, None), Refund("2", 1, None))


def test_woocommerce_ping_is_ignored_and_recognisable_without_a_signature():
    ping = raw("woocommerce/ping.txt")
    assert woocommerce.is_ping(ping) and woocommerce.is_ping(b"webhook_id=3\r\n")
    assert woocommerce.parse("", ping) == Ignored("ping")
    assert woocommerce.parse("order.created", ping, event_id="d9") == Ignored("ping", "d9")
    assert woocommerce.verify(ping, {}, ["wc-secret"]) is False  # WooCommerce does not sign it
    for other in (
        b"webhook_id=",
        b"webhook_id=3&x=1",
        b"webhook_id=abc",
        raw("woocommerce/order_created.json"),
    ):
        assert not woocommerce.is_ping(other)


@pytest.mark.parametrize(
    "status,expected",
    [
        ("completed", "counted"),
        ("processing", "counted"),
        ("pending", "pending"),
        ("on-hold", "pending"),
        ("checkout-draft", "pending"),
        ("cancelled", "cancelled"),
        ("failed", "cancelled"),
        ("refunded", "cancelled"),
        ("trash", "cancelled"),
        ("Completed", "counted"),
        ("wc-custom-shipped", "pending"),
        (None, "pending"),
    ],
)
def test_woocommerce_statuses(status, expected):
    assert woo_order(status=status).status == expected


def _meta(data: dict, key: str, value=None, drop: bool = False) -> None:
    data["meta_data"] = [m for m in data["meta_data"] if m["key"] != key]
    if not drop:
        data["meta_data"].append({"id": 99999, "key": key, "value": value})


def test_woocommerce_click_id_entry_url_then_meta():
    data = payload("woocommerce/order_created.json")
    _meta(data, "trk", "Meta00000000001")
    assert woocommerce.parse("order.created", body(data)).click_id == "Zr5NpW2xHd8KqL3v"
    entry = "https://teahaus-kiel.example/produkt/matcha-starter-set/?utm_source=instagram"
    _meta(data, woocommerce.SESSION_ENTRY_KEY, entry)
    assert woocommerce.parse("order.created", body(data)).click_id == "Meta00000000001"
    _meta(data, "trk", drop=True)
    _meta(data, "_trk", "Hidden00000001")
    assert woocommerce.parse("order.created", body(data)).click_id == "Hidden00000001"
    _meta(data, "_trk", drop=True)
    assert woocommerce.parse("order.created", body(data)).click_id is None
    _meta(data, woocommerce.SESSION_ENTRY_KEY, drop=True)
    assert woocommerce.parse("order.created", body(data)).click_id is None


def test_woocommerce_click_params_are_configurable():
    data = payload("woocommerce/order_created.json")
    _meta(data, woocommerce.SESSION_ENTRY_KEY, "https://t.example/?cid=Custom000000001")
    assert woocommerce.parse("order.created", body(data)).click_id is None
    assert (
        woocommerce.parse("order.created", body(data), click_params=("cid",)).click_id
        == "Custom000000001"
    )


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2026-04-02T17:47:12", "2026-04-02T17:47:12.000000Z"),
        ("2026-04-02T17:47:12+00:00", "2026-04-02T17:47:12.000000Z"),
        ("2026-04-02T19:47:12+02:00", "2026-04-02T17:47:12.000000Z"),
        ("2026-04-02T17:47:12Z", "2026-04-02T17:47:12.000000Z"),
    ],
)
def test_woocommerce_gmt_dates(value, expected):
    assert woo_order(date_created_gmt=value).created_at == expected


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"date_created_gmt": None}, "date_created_gmt None is not a time"),
        ({"date_created_gmt": "2. April"}, "is not ISO 8601"),
        ({"total": "63,31"}, "total '63,31' is not a number"),
        ({"total": "63.311"}, "more than 2 decimals for EUR"),
        ({"currency": "€"}, "ISO 4217"),
        ({"id": ""}, "WooCommerce order id is missing"),
        ({"refunds": [{"id": 1, "total": "-abc"}]}, "refund total '-abc' is not a number"),
        ({"refunds": [{"total": "-1.00"}]}, "WooCommerce refund id is missing"),
    ],
)
def test_woocommerce_bad_fields_are_bad_input(changes, message):
    with pytest.raises(BadInput, match=message):
        woo_order(**changes)


@pytest.mark.parametrize(
    "topic",
    [
        "product.updated",
        "order.deleted",
        "order.restored",
        "coupon.created",
        "action.woocommerce_order_refunded",
        "",
    ],
)
def test_woocommerce_other_topics_are_ignored(topic):
    event = woocommerce.parse(topic, b"{}", event_id="d4")
    assert isinstance(event, Ignored) and event.event_id == "d4" and repr(topic) in event.reason


def test_woocommerce_malformed_json_is_bad_input():
    with pytest.raises(BadInput, match="WooCommerce order is not valid JSON"):
        woocommerce.parse("order.created", b'{"id": 4821,')


def test_woocommerce_delivery_id():
    assert woocommerce.delivery_id({"X-WC-Webhook-Delivery-ID": "abc"}) == "abc"
    assert woocommerce.delivery_id({"x-wc-webhook-delivery-id": ""}) is None


# -- Stripe events -------------------------------------------------------------------

PI = "pi_3R9vXb2eZvKYlo2C0h7Qm4Tq"
CHARGE = "ch_3R9vXb2eZvKYlo2C0Jd5wP8n"


def stripe_event(name: str, type_: str | None = None, **changes):
    data = payload(f"stripe/{name}")
    data["data"]["object"].update(changes)
    if type_:
        data["type"] = type_
    return stripe.parse(body(data))


def test_stripe_checkout_session_completed_every_field():
    event = stripe.parse(raw("stripe/checkout_session_completed.json"))
    assert event == OrderEvent(
        shop_order_id="cs_live_b1Kq8ZrT3vXw9NpL2mD5yH7cJ4fG6sA0eR1tU8iO3pQ9wE2rT5yU7iO0pA",
        name=None,
        created_at="2026-03-18T14:20:00.000000Z",  # created 1773843600
        currency="USD",
        gross_minor=5430,  # 5800 - 870 + 500
        codes=("maya15",),  # metadata.code; discounts[] hold ids only
        click_id="Pq7TnV3kXw9RbM2d",
        status="counted",
        refunds=(),
        test=False,
        payment_ref=PI,
        event_id="evt_1R9vXd2eZvKYlo2CjR6sW3pB",
    )


def test_stripe_async_payment_succeeded_every_field():
    event = stripe.parse(raw("stripe/checkout_session_async_payment_succeeded.json"))
    assert event == OrderEvent(
        shop_order_id="cs_live_a7Hd2Lq9Xv4Tz1Nb8Rk3Wm6Yp0Fs5Gj2Ce9Ut4Io7Pa1Sd3Fg6Hj8Kl0Zx2",
        name=None,
        created_at="2026-03-19T09:05:31.000000Z",
        currency="EUR",
        gross_minor=4900,
        codes=(),
        click_id="Wd4YhN7cRt2KpX9m",  # no client_reference_id: metadata.trk
        status="counted",
        refunds=(),
        test=False,
        payment_ref="pi_3R9yQk2eZvKYlo2C1sN6vB3x",
        event_id="evt_1RAkPq2eZvKYlo2CvD8fN1tK",
    )


@pytest.mark.parametrize(
    "type_,payment_status,status",
    [
        ("checkout.session.completed", "paid", "counted"),
        ("checkout.session.completed", "unpaid", "pending"),  # a delayed method (SEPA, ACH)
        ("checkout.session.completed", "no_payment_required", "pending"),
        ("checkout.session.async_payment_succeeded", "paid", "counted"),
        ("checkout.session.async_payment_failed", "unpaid", "cancelled"),
        ("checkout.session.expired", "unpaid", "cancelled"),
    ],
)
def test_stripe_session_statuses(type_, payment_status, status):
    event = stripe_event("checkout_session_completed.json", type_, payment_status=payment_status)
    assert event.status == status


def test_stripe_charge_refunded_is_cumulative_by_charge():
    # API 2022-11-15 and later: the charge no longer lists its refunds.
    event = stripe.parse(raw("stripe/charge_refunded.json"))
    assert event == RefundEvent(
        shop_order_id=None,
        payment_ref=PI,
        refund=Refund(CHARGE, 1500, "2026-03-21T16:42:20.000000Z"),  # the event's time
        event_id="evt_3R9vXb2eZvKYlo2C0Kd2Yp8s",
    )


def test_stripe_a_later_refund_replaces_the_cumulative_one():
    first = stripe_event("charge_refunded.json", amount_refunded=1500)
    later = stripe_event("charge_refunded.json", amount_refunded=5430, refunded=True)
    assert first.refund.refund_id == later.refund.refund_id == CHARGE  # the store upserts by id
    assert (first.refund.amount_minor, later.refund.amount_minor) == (1500, 5430)


def test_stripe_listed_refunds_count_each_once_and_skip_failed():
    event = stripe.parse(raw("stripe/charge_refunded_legacy_list.json"))
    # 500 + 1000 succeeded, the 700 attempt failed; time of the latest counted refund
    assert event.refund == Refund(CHARGE, 1500, "2026-03-24T10:15:07.000000Z")
    assert event.event_id == "evt_3R9vXb2eZvKYlo2C0Lq7Zt1d" and event.payment_ref == PI


def test_stripe_list_wins_over_amount_refunded_and_duplicates_count_once():
    data = payload("stripe/charge_refunded_legacy_list.json")
    charge = data["data"]["object"]
    charge["amount_refunded"] = 9999
    assert stripe.parse(body(data)).refund.amount_minor == 1500
    charge["refunds"]["data"].append(dict(charge["refunds"]["data"][0]))  # re-listed refund
    assert stripe.parse(body(data)).refund.amount_minor == 1500
    charge["refunds"]["data"][0]["status"] = "pending"  # still on its way: counted
    charge["refunds"]["data"][2]["status"] = "canceled"
    assert stripe.parse(body(data)).refund.amount_minor == 500


def test_stripe_incomplete_or_empty_list_falls_back_to_amount_refunded():
    data = payload("stripe/charge_refunded_legacy_list.json")
    charge = data["data"]["object"]
    charge["amount_refunded"] = 2200
    charge["refunds"]["has_more"] = True
    assert stripe.parse(body(data)).refund == Refund(CHARGE, 2200, "2026-03-24T10:15:08.000000Z")
    charge["refunds"] = {"object": "list", "data": [], "has_more": False}
    assert stripe.parse(body(data)).refund.amount_minor == 2200


def test_stripe_click_id_reference_then_metadata():
    assert (
        stripe_event(
            "checkout_session_completed.json", metadata={"trk": "Meta00000000001"}
        ).click_id
        == "Pq7TnV3kXw9RbM2d"
    )
    assert (
        stripe_event(
            "checkout_session_completed.json",
            client_reference_id=None,
            metadata={"trk": "Meta00000000001"},
        ).click_id
        == "Meta00000000001"
    )
    assert (
        stripe_event(
            "checkout_session_completed.json",
            client_reference_id="not one",
            metadata={"_trk": "Hidden00000001"},
        ).click_id
        == "Hidden00000001"
    )
    assert (
        stripe_event(
            "checkout_session_completed.json", client_reference_id=None, metadata={}
        ).click_id
        is None
    )
    data = payload("stripe/checkout_session_completed.json")
    data["data"]["object"].update(client_reference_id=None, metadata={"ref": "Custom000000001"})
    assert stripe.parse(body(data), click_params=("ref",)).click_id == "Custom000000001"


def test_stripe_codes_come_only_from_metadata():
    assert stripe_event("checkout_session_completed.json", metadata={}).codes == ()
    assert stripe_event("checkout_session_completed.json", metadata={"code": " Maya15 "}).codes == (
        "maya15",
    )


def test_stripe_test_mode_events_are_marked_test():
    data = payload("stripe/checkout_session_completed.json")
    data["livemode"] = False
    assert stripe.parse(body(data)).test is True


def test_stripe_expanded_payment_intent():
    event = stripe_event(
        "checkout_session_completed.json", payment_intent={"id": PI, "object": "payment_intent"}
    )
    assert event.payment_ref == PI


def test_stripe_amounts_are_minor_units_jpy_has_no_decimals():
    event = stripe_event("checkout_session_completed.json", currency="jpy", amount_total=4500)
    assert (event.currency, event.gross_minor) == ("JPY", 4500)


@pytest.mark.parametrize(
    "name,type_,reason",
    [
        ("checkout_session_completed.json", "payment_intent.succeeded", "payment_intent.succeeded"),
        ("charge_refunded.json", "charge.refund.updated", "charge.refund.updated"),
        ("charge_refunded.json", "customer.created", "customer.created"),
    ],
)
def test_stripe_other_event_types_are_ignored(name, type_, reason):
    data = payload(f"stripe/{name}")
    data["type"] = type_
    event = stripe.parse(body(data))
    assert isinstance(event, Ignored) and reason in event.reason
    assert event.event_id == data["id"]


def test_stripe_setup_sessions_and_charges_without_intent_are_ignored():
    setup = stripe_event("checkout_session_completed.json", mode="setup", amount_total=None)
    assert isinstance(setup, Ignored) and "setup" in setup.reason
    legacy = stripe_event("charge_refunded.json", payment_intent=None)
    assert isinstance(legacy, Ignored) and legacy.event_id == "evt_3R9vXb2eZvKYlo2C0Kd2Yp8s"


@pytest.mark.parametrize(
    "name,changes,message",
    [
        ("checkout_session_completed.json", {"amount_total": "54.30"}, "amount_total '54.30'"),
        ("checkout_session_completed.json", {"amount_total": -1}, "amount_total -1"),
        ("checkout_session_completed.json", {"amount_total": True}, "amount_total True"),
        ("checkout_session_completed.json", {"currency": "xx"}, "ISO 4217"),
        ("checkout_session_completed.json", {"created": "2026-03-18"}, "not a Unix time"),
        ("checkout_session_completed.json", {"created": 10**20}, "out of range"),
        ("checkout_session_completed.json", {"id": None}, "Checkout Session id is missing"),
        ("charge_refunded.json", {"amount_refunded": 15.0}, "amount_refunded 15.0"),
        ("charge_refunded.json", {"id": 42.5}, "Stripe charge id is missing"),
    ],
)
def test_stripe_bad_fields_are_bad_input(name, changes, message):
    with pytest.raises(BadInput, match=message):
        stripe_event(name, **changes)


@pytest.mark.parametrize(
    "data,message",
    [
        (b"", "Stripe event is not valid JSON"),
        (b'{"id": "evt_1", "type": "charge.refunded"', "Stripe event is not valid JSON"),
        (b'"checkout.session.completed"', "Stripe event is not a JSON object"),
        (b'{"id": "evt_1", "type": "charge.refunded", "data": {}}', "has no data.object"),
        (b'{"type": "checkout.session.completed", "data": {"object": []}}', "has no data.object"),
    ],
)
def test_stripe_malformed_events_are_bad_input(data, message):
    with pytest.raises(BadInput, match=message):
        stripe.parse(data)


# -- the events themselves ------------------------------------------------------------


def test_order_statuses_live_in_the_vocabulary():
    assert vocabulary.ORDER_STATUSES == ("counted", "pending", "cancelled")
    assert {
        e.status
        for e in (
            shopify.parse("orders/create", raw("shopify/orders_create.json")),
            shopify.parse("orders/paid", raw("shopify/orders_paid.json")),
            shopify.parse("orders/cancelled", raw("shopify/orders_cancelled.json")),
        )
    } == set(vocabulary.ORDER_STATUSES)


def test_events_are_frozen_and_refuse_unknown_statuses():
    event = stripe.parse(raw("stripe/checkout_session_completed.json"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.status = "pending"
    with pytest.raises(ValueError, match="refunded"):
        dataclasses.replace(event, status="refunded")
    assert Ignored("ping") == Ignored("ping", None)


def test_signing_helpers_build_what_the_connectors_read():
    data = raw("shopify/orders_create.json")
    assert shopify.verify(data, shopify_headers(data, "k", "orders/create"), ["k"])
    assert woocommerce.verify(data, woocommerce_headers(data, "k", "order.created"), ["k"])
    assert stripe.verify(data, stripe_headers(data, NOW, "k"), ["k"], now=NOW)
    assert woocommerce_headers(data, "k", "order.updated")["X-WC-Webhook-Event"] == "updated"


# -- odd but signed payloads ----------------------------------------------------------

ODD_VALUES = (None, True, -1.5, "x", [1], {"a": 1})
PARSERS = {
    "shopify/orders_updated.json": lambda b: shopify.parse("orders/updated", b),
    "shopify/refunds_create.json": lambda b: shopify.parse("refunds/create", b),
    "woocommerce/order_refunded.json": lambda b: woocommerce.parse("order.updated", b),
    "stripe/checkout_session_completed.json": stripe.parse,
    "stripe/charge_refunded_legacy_list.json": stripe.parse,
}


def _paths(node, path=()):
    """Every place in a JSON document: dict keys and list items, nested."""
    children = (
        node.items()
        if isinstance(node, dict)
        else (enumerate(node) if isinstance(node, list) else ())
    )
    for key, child in children:
        yield path + (key,)
        yield from _paths(child, path + (key,))


def _body_with(document, path, value) -> bytes:
    """The document serialized with one place changed, then put back."""
    node = document
    for key in path[:-1]:
        node = node[key]
    original, node[path[-1]] = node[path[-1]], value
    try:
        return body(document)
    finally:
        node[path[-1]] = original


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_any_field_of_any_type_gives_an_event_or_bad_input(name):
    document, parse, outcomes = payload(name), PARSERS[name], set()
    for path in list(_paths(document)):
        for value in ODD_VALUES:
            try:
                outcomes.add(type(parse(_body_with(document, path, value))).__name__)
            except BadInput:
                outcomes.add("BadInput")
    assert document == payload(name)
    assert "BadInput" in outcomes and outcomes - {"BadInput"}
