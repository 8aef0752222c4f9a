"""Orders on real SQLite and PostgreSQL: the version-4 migration keeps every
number, refunds count once and may come first, status only moves forward,
Shopify exports apply cancellations and refunds, named shops keep daily
totals, the click parameter and attribution window, shops, and the API's
orders list and admin routes."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import pytest

from tracker import access, campaigns, reports
from tracker.errors import BadInput, NotFound
from tracker.imports import import_redemptions
from tracker.orders import ledger, shops
from tracker.store import open_store
from tracker.store.base import MIGRATION_FILES, read_sql, split_statements

from .conftest import tracker
from .helpers import BASE, campaign_with_links

DATA = Path(__file__).resolve().parent / "data" / "imports"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def figures(report: dict) -> dict:
    """What a marketer reads: totals, sources, creators and attribution."""
    keep = ("conversions", "revenue", "gross_revenue", "refunds", "roi")
    return {
        "totals": {k: report["totals"][k] for k in keep},
        "sources": {s: (m["conversions"], m["revenue"]) for s, m in report["sources"].items()},
        "creators": {
            c["handle"]: (c["total"]["conversions"], c["total"]["revenue"])
            for c in report["creators"]
        },
        "attribution": {k: report["attribution"][k] for k in ("by_click", "by_code", "conflicts")},
    }


@pytest.fixture
def spring(store):
    campaign_with_links(store)
    campaigns.add_promo(store, "spring", "mia", "MIA10", "organic")
    campaigns.add_promo(store, "spring", "jade", "JADE15", "sponsored")
    return store.campaign("spring")


# -- the version-4 migration ----------------------------------------------------------


def test_a_version_3_database_keeps_every_number_the_report_showed(store, tmp_path, request):
    """A database at version 3 with redemptions, migrated: the same report
    (worked out by hand below, as version 3 showed it), and the orders are
    those of the shop `csv`."""
    if store.dialect == "sqlite":
        url = str(tmp_path / "v3.db")
    else:
        url = request.getfixturevalue("new_pg_url")()
    old = open_store(url)
    from tracker.store.postgres import identity_columns

    rewrite = identity_columns if old.dialect == "postgresql" else (lambda s: s)
    with old.transaction():
        old.execute(
            "CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, "
            "applied_at TEXT NOT NULL)"
        )
        for version in (1, 2, 3):
            for statement in split_statements(rewrite(read_sql(MIGRATION_FILES[version]))):
                old.execute(statement)
            old.execute("INSERT INTO schema_migrations VALUES (?, 'then')", [version])
        at = "2026-11-01T08:00:00.000000Z"
        old.execute(
            "INSERT INTO campaigns (id, slug, name, destination, starts_on, timezone, "
            "currency, budget_minor, created_at) VALUES (1, 'spring', 'Spring', "
            "'https://shop.example/', '2026-11-01', 'Europe/Berlin', 'EUR', NULL, ?)",
            [at],
        )
        for cid, handle in ((1, "mia"), (2, "jade")):
            old.execute(
                "INSERT INTO creators (id, handle, platform, name, created_at) "
                "VALUES (?, ?, 'tiktok', NULL, ?)",
                [cid, handle, at],
            )
            old.execute("INSERT INTO campaign_creators VALUES (1, ?, ?)", [cid, 10000 * cid])
            old.execute(
                "INSERT INTO links (id, code, campaign_id, creator_id, channel, "
                "destination, target_url, disabled, created_at) VALUES "
                "(?, ?, 1, ?, 'bio', 'https://shop.example/', 'https://shop.example/', "
                "0, ?)",
                [cid, f"{handle}-bio", cid, at],
            )
        for kid, link, source, when in (
            ("k-mia", 1, "organic", "2026-11-02T10:00:00.000000Z"),
            ("k-jade", 2, "sponsored", "2026-11-03T10:00:00.000000Z"),
        ):
            old.execute(
                "INSERT INTO clicks (id, link_id, campaign_id, creator_id, at, day, "
                "source, platform, reason, is_bot, visitor) VALUES "
                "(?, ?, 1, ?, ?, ?, ?, 'tiktok', 'test', 0, ?)",
                [kid, link, link, when, when[:10], source, f"v-{kid}"],
            )
        old.execute("INSERT INTO promo_codes VALUES ('mia10', 1, 1, NULL, ?)", [at])
        old.execute("INSERT INTO promo_codes VALUES ('jade15', 1, 2, 'sponsored', ?)", [at])
        for oid, code, click, minor, when in (
            ("o1", None, "k-mia", 2000, "2026-11-02T12:00:00.000000Z"),
            ("o2", "jade15", None, 3550, "2026-11-04T12:00:00.000000Z"),
            ("o3", "mia10", "k-jade", 1000, "2026-11-05T12:00:00.000000Z"),
            ("o4", "mia10", None, 500, "2026-11-06T12:00:00.000000Z"),
        ):
            old.execute(
                "INSERT INTO redemptions VALUES (?, 1, ?, ?, ?, 'EUR', ?, ?)",
                [oid, code, click, minor, when, at],
            )
    old.migrate()
    report = reports.campaign_report(old, "spring")
    assert figures(report) == {
        # four orders, 20.00 + 35.50 + 10.00 + 5.00; fees 100 + 200: ROI (70.50 - 300) / 300
        "totals": {
            "conversions": 4,
            "revenue": "70.50",
            "gross_revenue": "70.50",
            "refunds": "0.00",
            "roi": -0.765,
        },
        "sources": {
            "organic": (1, "20.00"),  # o1: mia's organic click
            "sponsored": (2, "45.50"),  # o2 jade15; o3 jade's sponsored click
            "unknown": (1, "5.00"),
        },  # o4: mia10 names no source
        "creators": {"jade": (2, "45.50"), "mia": (2, "25.00")},
        "attribution": {"by_click": 2, "by_code": 2, "conflicts": 1},  # o3: jade vs mia10
    }
    rows = old.query(
        "SELECT s.name, s.platform, s.orders_received, o.order_id, o.status, "
        "o.refunded_minor, o.click_campaign_id FROM orders o "
        "JOIN shops s ON s.id = o.shop_id ORDER BY o.order_id"
    )
    assert [
        (r["name"], r["platform"], r["orders_received"], r["status"], r["refunded_minor"])
        for r in rows
    ] == [("csv", "csv", 4, "counted", 0)] * 4
    assert [r["click_campaign_id"] for r in rows] == [1, None, 1, None]
    assert "redemptions" not in set(old.table_names())
    assert old.campaign("spring")["attribution_days"] == 30
    # the same file again adds nothing: the identity survived the migration
    again = import_redemptions(
        old,
        io.StringIO(
            "order_id,code,amount,currency,redeemed_at\n"
            "o2,JADE15,35.50,EUR,2026-11-04T12:00:00Z\no4,MIA10,5.00,EUR,2026-11-06T12:00:00Z\n"
        ),
    )
    assert (again["new"], again["updated"], again["already_imported"]) == (0, 0, 2)
    assert reports.campaign_report(old, "spring")["totals"] == report["totals"]
    old.close()


# -- the ledger: refunds, retries, order of arrival ---------------------------------------


def shop_order(
    order_id,
    minor,
    code="mia10",
    status="counted",
    refunds=(),
    payment_ref=None,
    click_id=None,
    at="2026-11-03T10:00:00.000000Z",
):
    return ledger.incoming_order(
        order_id,
        at,
        "EUR",
        minor,
        status,
        f"#{order_id}",
        [code] if code else [],
        click_id,
        [{"refund_id": r, "amount_minor": m, "at": None, "kind": "refund"} for r, m in refunds],
        payment_ref,
    )


def order_row(store, shop, order_id):
    return store.orders_by_id(store.shop(shop)["id"], [order_id])[order_id]


def test_a_refund_before_its_order_is_kept_and_counted_once(store, spring):
    shop = store.shop(shops.connect(store, BASE, "glow", "shopify", "s")["name"])
    kept = ledger.save_refund(store, shop, "r-1", 1500, None, order_id="1001", delivery_id="d-1")
    assert kept == {"duplicate": False, "refund": "kept", "order_id": "1001"}
    assert ledger.save_refund(
        store, shop, "r-1", 1500, None, order_id="1001", delivery_id="d-1"
    ) == {"duplicate": True}
    # the order arrives, listing the same refund and a second one
    result = ledger.save_orders(
        store,
        shop,
        [shop_order("1001", 5000, refunds=[("r-1", 1500), ("r-2", 500)])],
        delivery_id="d-2",
        delivered=True,
    )
    assert (result["new"], result["duplicate"]) == (1, False)
    row = order_row(store, "glow", "1001")
    assert (row["gross_minor"], row["refunded_minor"]) == (5000, 2000)  # r-1 once
    # the same refund again, alone: nothing changes
    assert (
        ledger.save_refund(store, shop, "r-2", 500, None, order_id="1001")["refund"] == "unchanged"
    )
    assert order_row(store, "glow", "1001")["refunded_minor"] == 2000
    mia = reports.campaign_report(store, "spring")["totals"]
    assert (mia["conversions"], mia["gross_revenue"], mia["refunds"], mia["revenue"]) == (
        1,
        "50.00",
        "20.00",
        "30.00",
    )
    assert store.shop("glow")["orders_received"] == 1


def test_a_stripe_refund_finds_its_order_by_payment(store, spring):
    shop = store.shop(shops.connect(store, BASE, "pay", "stripe", "whsec_x")["name"])
    assert (
        ledger.save_refund(store, shop, "ch_1", 700, None, payment_ref="pi_1")["refund"] == "kept"
    )
    ledger.save_orders(store, shop, [shop_order("cs_1", 2000, payment_ref="pi_1")])
    assert order_row(store, "pay", "cs_1")["refunded_minor"] == 700
    # a later charge.refunded reports the charge's running total: 700 -> 1200
    assert ledger.save_refund(store, shop, "ch_1", 1200, None, payment_ref="pi_1") == {
        "duplicate": False,
        "refund": "applied",
        "order_id": "cs_1",
    }
    assert order_row(store, "pay", "cs_1")["refunded_minor"] == 1200
    # an older delivery of a smaller total cannot shrink it
    ledger.save_refund(store, shop, "ch_1", 700, None, payment_ref="pi_1")
    assert order_row(store, "pay", "cs_1")["refunded_minor"] == 1200


def test_status_only_moves_forward_whatever_order_deliveries_come_in(store, spring):
    shop = store.shop(shops.connect(store, BASE, "glow", "shopify", "s")["name"])
    for status in ("cancelled", "pending", "counted"):
        ledger.save_orders(store, shop, [shop_order("1", 1000, status=status)])
    assert order_row(store, "glow", "1")["status"] == "cancelled"
    for status in ("counted", "pending"):
        ledger.save_orders(store, shop, [shop_order("2", 1000, status=status)])
    assert order_row(store, "glow", "2")["status"] == "counted"
    # the shop's newest version is the truth: without the code, the code is gone
    # (nobody can plant a code on an order before the shop sends it) ...
    ledger.save_orders(store, shop, [shop_order("2", 1100, code=None)])
    row = order_row(store, "glow", "2")
    assert (row["code"], row["gross_minor"], row["campaign_id"]) == (None, 1100, None)
    # ... while a version that does not say it at all (a file without a code
    # column) keeps it, and the name and payment reference are always kept
    ledger.save_orders(store, shop, [shop_order("2", 1100)])
    later = ledger.incoming_order(
        "2", "2026-11-03T10:00:00.000000Z", "EUR", 1200, keep=ledger.KEPT + ("code",)
    )
    ledger.save_orders(store, shop, [later])
    row = order_row(store, "glow", "2")
    assert (row["code"], row["name"], row["gross_minor"]) == ("mia10", "#2", 1200)


def test_test_orders_and_ignored_topics_write_nothing_but_the_last_delivery(store, spring):
    shop = store.shop(shops.connect(store, BASE, "glow", "shopify", "s")["name"])
    assert ledger.record_delivery(store, shop, "d-9") is True
    assert ledger.record_delivery(store, shop, "d-9") is False
    assert store.shop("glow")["last_delivery_at"] is not None
    assert store.count("orders") == 0


# -- Shopify exports ------------------------------------------------------------------------

SHOPIFY_HEADER = (DATA / "shopify_orders.csv").read_text("utf-8").splitlines()[0].split(",")


def shopify_export(orders) -> io.StringIO:
    """A Shopify orders export with the real export's columns: one line per
    line item, the order's fields on its first line only."""
    buf = io.StringIO()
    out = csv.DictWriter(buf, SHOPIFY_HEADER)
    out.writeheader()
    for o in orders:
        first = {k: "" for k in SHOPIFY_HEADER}
        first.update(
            {
                "Name": o["name"],
                "Email": "someone@example.org",
                "Financial Status": o.get("financial", "paid"),
                "Currency": "EUR",
                "Subtotal": o["total"],
                "Total": o["total"],
                "Discount Code": o.get("code", ""),
                "Created at": o["created"],
                "Lineitem quantity": "1",
                "Lineitem name": "Serum 30 ml",
                "Lineitem price": o["total"],
                "Cancelled at": o.get("cancelled", ""),
                "Refunded Amount": o.get("refunded", "0.00"),
                "Id": o["id"],
                "Note Attributes": o.get("notes", ""),
                "Billing Name": "A Person",
                "Payment Method": "Shopify Payments",
            }
        )
        out.writerow(first)
        for _ in range(o.get("extra_items", 0)):
            out.writerow(
                {k: "" for k in SHOPIFY_HEADER}
                | {
                    "Name": o["name"],
                    "Created at": o["created"],
                    "Lineitem quantity": "1",
                    "Lineitem name": "Tote",
                    "Lineitem price": "5.00",
                }
            )
    buf.seek(0)
    return buf


EXPORT = [
    {
        "name": "#2001",
        "id": "7001",
        "total": "50.00",
        "code": "MIA10",
        "created": "2026-11-03 10:00:00 +0100",
        "extra_items": 2,
    },
    {
        "name": "#2002",
        "id": "7002",
        "total": "40.00",
        "code": "JADE15",
        "created": "2026-11-03 11:00:00 +0100",
        "refunded": "15.00",
    },
    {
        "name": "#2003",
        "id": "7003",
        "total": "30.00",
        "code": "MIA10",
        "created": "2026-11-04 11:00:00 +0100",
        "cancelled": "2026-11-04 12:00:00 +0100",
        "financial": "refunded",
        "refunded": "30.00",
    },
    {
        "name": "#2004",
        "id": "7004",
        "total": "25.00",
        "code": "WELCOME10",
        "created": "2026-11-04 12:00:00 +0100",
    },
    {
        "name": "#2005",
        "id": "7005",
        "total": "60.00",
        "code": "",
        "created": "2026-11-05 12:00:00 +0100",
    },
    {
        "name": "#2006",
        "id": "7006",
        "total": "20.00",
        "code": "JADE15",
        "created": "2026-11-05 13:00:00 +0100",
        "financial": "pending",
    },
]


def test_a_shopify_export_applies_cancelled_at_and_refunded_amount(store, spring):
    result = import_redemptions(store, shopify_export(EXPORT))
    assert (
        result["format"],
        result["orders"],
        result["new"],
        result["no_campaign"],
        result["unknown_codes"],
    ) == ("shopify", 6, 4, 2, {"welcome10": 1})
    report = reports.campaign_report(store, "spring")
    # conversions: #2001 (50.00) and #2002 (40.00, 15.00 refunded); #2003 is
    # cancelled, #2006 pending. gross 90.00, refunds 15.00, net 75.00
    assert figures(report)["totals"] == {
        "conversions": 2,
        "revenue": "75.00",
        "gross_revenue": "90.00",
        "refunds": "15.00",
        "roi": round((75 - 2300.50) / 2300.50, 6),
    }
    assert report["attribution"]["not_converted"] == {
        "pending": 1,
        "cancelled": 1,
        "refunded": 0,
        "other_currency": 0,
    }
    # a later export: #2002 refunded 25.00 in all, #2006 now paid, #2001 unchanged
    later = [dict(o) for o in EXPORT]
    later[1]["refunded"] = "25.00"
    later[5]["financial"] = "paid"
    again = import_redemptions(store, shopify_export(later))
    assert (again["new"], again["updated"], again["already_imported"]) == (0, 2, 2)
    totals = reports.campaign_report(store, "spring")["totals"]
    assert (
        totals["conversions"],
        totals["gross_revenue"],
        totals["refunds"],
        totals["revenue"],
    ) == (3, "110.00", "25.00", "85.00")
    # and the same file once more changes nothing
    assert import_redemptions(store, shopify_export(later))["updated"] == 0


def test_an_export_into_a_connected_shop_meets_its_webhooks(store, spring):
    """With --shop, a Shopify export is keyed by Shopify's order Id (what
    the webhooks send), and its refunded total never adds to refunds the
    webhooks already brought."""
    shop = store.shop(shops.connect(store, BASE, "glow", "shopify", "s")["name"])
    ledger.save_orders(
        store, shop, [shop_order("7002", 4000, code="jade15", refunds=[("r-9", 1000)])]
    )
    result = import_redemptions(store, shopify_export(EXPORT), shop="glow")
    assert (result["shop"], result["new"], result["updated"]) == ("glow", 5, 1)
    row = order_row(store, "glow", "7002")
    assert (row["name"], row["refunded_minor"]) == ("#2002", 1500)  # max(10.00, 15.00)
    ledger.save_refund(store, shop, "r-10", 800, None, order_id="7002")
    assert order_row(store, "glow", "7002")["refunded_minor"] == 1800  # 10 + 8 > 15
    # the shop keeps its orders that are no campaign's (#2004, #2005)
    assert {
        r["order_id"] for r in store.query("SELECT order_id FROM orders WHERE campaign_id IS NULL")
    } == {"7004", "7005"}
    with pytest.raises(NotFound):
        import_redemptions(store, shopify_export(EXPORT), shop="nowhere")


def test_a_named_shop_keeps_daily_totals_of_every_order(store, spring):
    shop = store.shop(shops.connect(store, BASE, "glow", "shopify", "s")["name"])
    import_redemptions(store, shopify_export(EXPORT), shop="glow")
    # a refund on a nobody's order, twice: counted once
    for _ in range(2):
        ledger.save_refund(store, shop, "r-5", 1000, None, order_id="7005")
    totals = shops.daily_totals(store, "glow", "Europe/Berlin")
    # Berlin days; counted orders only (#2003 cancelled, #2006 pending):
    # 11-03: #2001 50.00 + #2002 (40.00 - 15.00); 11-04: #2004 25.00;
    # 11-05: #2005 60.00 - 10.00
    assert totals["days"] == {
        date(2026, 11, 3): (2, 7500),
        date(2026, 11, 4): (1, 2500),
        date(2026, 11, 5): (1, 5000),
    }
    nobodys = shops.daily_totals(store, "glow", "Europe/Berlin", nobodys_only=True)
    assert nobodys["days"] == {date(2026, 11, 4): (1, 2500), date(2026, 11, 5): (1, 5000)}
    # a day is the time zone's: 11-03 10:00 +0100 is 09:00 UTC, 04:00 in New York,
    # 23:00 in Kiritimati (UTC+14), where 11-03 11:00 +0100 is already 11-04
    assert shops.daily_totals(store, "glow", "America/New_York")["days"][date(2026, 11, 3)] == (
        2,
        7500,
    )
    kiritimati = shops.daily_totals(store, "glow", "Pacific/Kiritimati")["days"]
    assert (kiritimati[date(2026, 11, 3)], kiritimati[date(2026, 11, 4)]) == ((1, 5000), (1, 2500))


def test_a_10000_order_shopify_export_imports_with_its_progress_shown(
    store, spring, db_url, tmp_path
):
    rng = random.Random(8)
    orders, expected = [], {"conversions": 0, "gross": 0, "refunds": 0}
    start = datetime(2026, 11, 1, 9, 0, tzinfo=timezone(timedelta(hours=1)))
    for n in range(10_000):
        cents = rng.randrange(500, 20_000)
        code = rng.choice(["MIA10", "JADE15", "WELCOME10", ""])
        refunded = rng.choice([0, 0, 0, cents // 4, cents])
        cancelled = rng.random() < 0.03
        o = {
            "name": f"#{10_000 + n}",
            "id": str(90_000_000 + n),
            "total": f"{cents // 100}.{cents % 100:02d}",
            "code": code,
            "created": (start + timedelta(minutes=3 * n)).strftime("%Y-%m-%d %H:%M:%S %z"),
            "refunded": f"{refunded // 100}.{refunded % 100:02d}",
            "extra_items": rng.choice([0, 0, 1, 2]),
        }
        if cancelled:
            o["cancelled"] = o["created"]
        orders.append(o)
        if code in ("MIA10", "JADE15") and not cancelled:
            expected["gross"] += cents
            expected["refunds"] += refunded
            expected["conversions"] += refunded < cents
    path = tmp_path / "big_export.csv"
    path.write_text(shopify_export(orders).getvalue(), "utf-8")
    proc = tracker("import", "redemptions", str(path), "--json", db=db_url)
    progress = [line for line in proc.stderr.splitlines() if "rows checked" in line]
    assert progress == [f"redemptions: {n} rows checked" for n in range(1000, 10_001, 1000)]
    result = json.loads(proc.stdout)
    assert result["orders"] == 10_000
    assert result["new"] + result["no_campaign"] == 10_000
    totals = reports.campaign_report(store, "spring")["totals"]
    money = lambda minor: f"{minor // 100}.{minor % 100:02d}"  # noqa: E731
    assert (
        totals["conversions"],
        totals["gross_revenue"],
        totals["refunds"],
        totals["revenue"],
    ) == (
        expected["conversions"],
        money(expected["gross"]),
        money(expected["refunds"]),
        money(expected["gross"] - expected["refunds"]),
    )
    again = json.loads(tracker("import", "redemptions", str(path), "--json", db=db_url).stdout)
    assert (again["new"], again["updated"]) == (0, 0)


# -- the click parameter and the attribution window -----------------------------------------


def test_the_click_id_travels_under_the_links_click_param(store, client):
    campaigns.create_campaign(
        store,
        "pay",
        "Pay",
        "https://buy.stripe.com/test_abc?x=1",
        "2026-11-01",
        "UTC",
        "EUR",
        click_param="client_reference_id",
    )
    campaigns.add_creator(store, "mia", "tiktok")
    stripe_link = campaigns.create_link(store, BASE, "pay", "mia", "bio", code="mia-pay")
    shop_link = campaigns.create_link(
        store,
        BASE,
        "pay",
        "mia",
        "ad",
        code="mia-shop",
        destination="https://shop.example/p",
        click_param="trk",
    )
    assert (stripe_link["click_param"], shop_link["click_param"]) == ("client_reference_id", "trk")
    assert campaigns.campaign_record(store.campaign("pay"))["click_param"] == "client_reference_id"
    resp = client.get(
        "/mia-pay?client_reference_id=forged&trk=kept", headers={"User-Agent": CHROME}
    )
    query = dict(parse_qsl(urlsplit(resp.headers["Location"]).query))
    click_id = query["client_reference_id"]
    assert click_id != "forged" and store.click_owner(click_id) is not None
    assert query["trk"] == "kept" and query["x"] == "1"  # only our own name is replaced
    resp = client.get("/mia-shop", headers={"User-Agent": CHROME})
    assert "client_reference_id" not in resp.headers["Location"]
    assert store.click_owner(dict(parse_qsl(urlsplit(resp.headers["Location"]).query))["trk"])
    assert store.click_params() == ["client_reference_id", "trk"]
    for bad in ("utm_source", "has space", "", "x" * 65):
        if bad:
            with pytest.raises(BadInput):
                campaigns.create_link(store, BASE, "pay", "mia", "bio", click_param=bad)


def test_changing_the_attribution_window_changes_the_credit(store, spring, client):
    resp = client.get("/mia-bio", headers={"User-Agent": CHROME})
    click_id = dict(parse_qsl(urlsplit(resp.headers["Location"]).query))["trk"]
    ten_days = utc(datetime.now(UTC) + timedelta(days=10))
    import_redemptions(
        store,
        io.StringIO(
            "order_id,code,amount,currency,redeemed_at,click_id\n"
            f"L-1,JADE15,12.00,EUR,{ten_days},{click_id}\n"
        ),
    )
    report = reports.campaign_report(store, "spring")
    assert figures(report)["creators"] == {"jade": (0, "0.00"), "mia": (1, "12.00")}
    assert campaigns.set_attribution_days(store, "spring", "7")["attribution_days"] == 7
    report = reports.campaign_report(store, "spring")
    # the click is 10 days before the order: passed over, jade's code credits it
    assert figures(report)["creators"] == {"jade": (1, "12.00"), "mia": (0, "0.00")}
    assert report["attribution"]["passed_over"]["outside_window"] == 1
    (line,) = reports.campaign_orders(store, "spring")
    assert (line["creator"], line["method"], line["passed_over"]) == (
        "jade",
        "code",
        "outside_window",
    )
    for bad in ("0", "366", "a week", "-3", "1.5"):
        with pytest.raises(BadInput):
            campaigns.set_attribution_days(store, "spring", bad)
    with pytest.raises(BadInput):
        campaigns.create_campaign(store, "x", "X", "https://a.example", attribution_days="0")
    made = campaigns.create_campaign(store, "y", "Y", "https://a.example", attribution_days=14)
    assert (made["attribution_days"], made["click_param"]) == (14, "trk")


# -- shops ------------------------------------------------------------------------------------


def test_shops_connect_list_rotate_forget_and_disconnect(store):
    made = shops.connect(store, BASE, "Glow-Lab", "shopify", "shpss_first")
    assert made["url"] == "https://go.example/api/webhooks/shopify/glow-lab"
    assert (made["name"], made["platform"], made["connected"], made["old_secrets"]) == (
        "glow-lab",
        "shopify",
        True,
        0,
    )
    assert "shpss_first" not in json.dumps(shops.list_shops(store, BASE))
    rotated = shops.connect(store, BASE, "glow-lab", "shopify", "shpss_second", keep_old=True)
    assert rotated["old_secrets"] == 1
    assert shops.secrets_of(store.shop("glow-lab")) == ["shpss_second", "shpss_first"]
    again = shops.connect(store, BASE, "glow-lab", "shopify", "shpss_third", keep_old=True)
    assert shops.secrets_of(store.shop("glow-lab")) == [
        "shpss_third",
        "shpss_second",
        "shpss_first",
    ]
    assert again["old_secrets"] == 2
    assert shops.forget_old_secrets(store, BASE, "glow-lab")["old_secrets"] == 0
    assert shops.secrets_of(store.shop("glow-lab")) == ["shpss_third"]
    shops.connect(store, BASE, "glow-lab", "shopify", "shpss_fourth")  # no --keep-old
    assert shops.secrets_of(store.shop("glow-lab")) == ["shpss_fourth"]
    gone = shops.disconnect(store, BASE, "glow-lab")
    assert (gone["connected"], shops.secrets_of(store.shop("glow-lab"))) == (False, [])
    # a shop with orders keeps its platform
    shop = store.shop(shops.connect(store, BASE, "glow-lab", "shopify", "s5")["name"])
    ledger.save_orders(store, shop, [shop_order("1", 100, code=None)])
    with pytest.raises(BadInput, match="shopify shop with orders"):
        shops.connect(store, BASE, "glow-lab", "stripe", "whsec_1")
    for name, platform, secret in (
        ("csv", "shopify", "s"),
        ("bad name", "shopify", "s"),
        ("ok", "magento", "s"),
        ("ok", "stripe", ""),
        ("ok", "stripe", "has space"),
    ):
        with pytest.raises(BadInput):
            shops.connect(store, BASE, name, platform, secret)
    with pytest.raises(NotFound):
        shops.disconnect(store, BASE, "nowhere")
    assert [s["name"] for s in shops.list_shops(store, BASE)] == ["glow-lab"]


# -- the API: orders list, campaign update, shops ----------------------------------------------


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_the_orders_list_and_campaign_update_in_the_api(store, spring, client):
    admin = access.create_token(store, "admin")["token"]
    import_redemptions(store, shopify_export(EXPORT))
    page = client.get("/api/campaigns/spring/orders?limit=2", headers=bearer(admin)).get_json()
    assert (page["total"], len(page["items"]), page["next_offset"]) == (4, 2, 2)
    everything = client.get("/api/campaigns/spring/orders", headers=bearer(admin)).get_json()
    lines = {o["name"]: o for o in everything["items"]}
    assert set(lines) == {"#2001", "#2002", "#2003", "#2006"}
    assert (
        lines["#2002"]["gross"],
        lines["#2002"]["refunded"],
        lines["#2002"]["net"],
        lines["#2002"]["creator"],
        lines["#2002"]["source"],
        lines["#2002"]["method"],
        lines["#2002"]["conversion"],
    ) == ("40.00", "15.00", "25.00", "jade", "sponsored", "code", True)
    assert (lines["#2003"]["status"], lines["#2003"]["net"], lines["#2003"]["conversion"]) == (
        "cancelled",
        "0.00",
        False,
    )
    week = client.get("/api/campaigns/spring/orders?window=7", headers=bearer(admin)).get_json()
    assert week["total"] == 4
    assert (
        client.get("/api/campaigns/spring/orders?window=5", headers=bearer(admin)).status_code
        == 400
    )
    resp = client.patch(
        "/api/campaigns/spring", json={"attribution_days": 7}, headers=bearer(admin)
    )
    assert resp.status_code == 200 and resp.get_json()["attribution_days"] == 7
    for body in ({"attribution_days": 0}, {"attribution_days": "x"}, {"slug": "new"}, {}):
        assert (
            client.patch("/api/campaigns/spring", json=body, headers=bearer(admin)).status_code
            == 400
        )
    made = client.post(
        "/api/campaigns",
        json={
            "slug": "pay",
            "name": "Pay",
            "destination": "https://buy.stripe.com/x",
            "attribution_days": 14,
            "click_param": "client_reference_id",
        },
        headers=bearer(admin),
    ).get_json()
    assert (made["attribution_days"], made["click_param"]) == (14, "client_reference_id")


def test_shops_in_the_admin_api(store, client):
    admin = access.create_token(store, "admin")["token"]
    reader = access.create_token(store, "reader", read_only=True)["token"]
    made = client.post(
        "/api/shops",
        json={"name": "teahaus", "platform": "woocommerce", "secret": "wc-secret-1"},
        headers=bearer(admin),
    )
    assert made.status_code == 201
    assert made.get_json()["url"] == "https://go.example/api/webhooks/woocommerce/teahaus"
    again = client.post(
        "/api/shops",
        json={
            "name": "teahaus",
            "platform": "woocommerce",
            "secret": "wc-secret-2",
            "keep_old": True,
        },
        headers=bearer(admin),
    ).get_json()
    assert again["old_secrets"] == 1
    listed = client.get("/api/shops", headers=bearer(reader))
    assert listed.status_code == 200 and "wc-secret" not in listed.get_data(as_text=True)
    assert [s["name"] for s in listed.get_json()["items"]] == ["teahaus"]
    assert (
        client.post("/api/shops/teahaus/forget-old-secrets", headers=bearer(admin)).get_json()[
            "old_secrets"
        ]
        == 0
    )
    assert (
        client.delete("/api/shops/teahaus", headers=bearer(admin)).get_json()["connected"] is False
    )
    assert client.delete("/api/shops/nowhere", headers=bearer(admin)).status_code == 404
    assert (
        client.post(
            "/api/shops",
            json={"name": "x", "platform": "woocommerce", "secret": "s", "keep_old": "yes"},
            headers=bearer(admin),
        ).status_code
        == 400
    )


# -- the CLI ----------------------------------------------------------------------------------


def test_the_cli_for_shops_orders_windows_and_click_params(run, store, tmp_path):
    def ok(*args):
        code, out, err = run(*args)
        assert code == 0, err
        return out, err

    out, _ = ok(
        "campaign",
        "create",
        "pay",
        "--name",
        "Pay",
        "--destination",
        "https://buy.stripe.com/test_abc",
        "--starts-on",
        "2026-11-01",
        "--currency",
        "EUR",
        "--attribution-days",
        "14",
        "--click-param",
        "client_reference_id",
        "--json",
    )
    assert (json.loads(out)["attribution_days"], json.loads(out)["click_param"]) == (
        14,
        "client_reference_id",
    )
    ok("creator", "add", "mia", "--platform", "tiktok")
    ok("promo", "add", "pay", "mia", "MIA10")
    made = json.loads(ok("link", "create", "pay", "mia", "--channel", "bio", "--json")[0])
    assert made["click_param"] == "client_reference_id"
    made = json.loads(
        ok(
            "link",
            "create",
            "pay",
            "mia",
            "--channel",
            "ad",
            "--destination",
            "https://shop.example/p",
            "--click-param",
            "trk",
            "--json",
        )[0]
    )
    assert made["click_param"] == "trk"
    out, err = ok("campaign", "set", "pay", "--attribution-days", "7")
    assert "attribution_days changed from 14 to 7" in err
    assert run("campaign", "set", "pay", "--attribution-days", "0")[0] == 2

    # shops: the URL on stdout, never a secret anywhere
    out, err = ok("shop", "connect", "Glow", "--platform", "shopify", "--secret", "shpss_1")
    assert (out, err) == ("https://go.example/api/webhooks/shopify/glow\n", "")
    out, err = ok(
        "shop", "connect", "glow", "--platform", "shopify", "--secret", "shpss_2", "--keep-old"
    )
    assert "1 earlier secret(s) of glow stay valid" in err
    listed, _ = ok("shop", "list")
    assert listed.splitlines()[0] == (
        "name\tplatform\tconnected\torders_received\tlast_delivery_at\told_secrets\turl"
    )
    assert "shpss" not in listed + ok("shop", "list", "--json")[0]
    ok("shop", "forget-old-secrets", "glow")
    assert shops.secrets_of(store.shop("glow")) == ["shpss_2"]
    code, _, err = run("shop", "connect", "x", "--platform", "magento", "--secret", "s")
    assert code == 2 and "platform must be one of shopify, woocommerce, stripe" in err

    # an export into the shop, then the orders behind the report
    export = tmp_path / "export.csv"
    export.write_text(shopify_export(EXPORT).getvalue())
    out, err = ok("import", "redemptions", str(export), "--shop", "glow")
    # all six are kept (the shop's daily totals); only MIA10 is a code of this campaign
    assert out == "6 order(s) read (shopify, shop glow): 6 new, 0 updated, 0 already imported\n"
    assert "orders that are no campaign's count in shop glow's daily totals" in err
    out, _ = ok("orders", "pay")
    lines = out.splitlines()
    assert lines[0] == (
        "shop\torder_id\tname\tday\tstatus\tgross\trefunded\tnet\tconversion\t"
        "creator\tsource\tmethod\tpassed_over"
    )
    assert len(lines) == 1 + 2  # #2001 and #2003 carry MIA10
    got = {o["name"]: o for o in json.loads(ok("orders", "pay", "--json")[0])}
    assert (got["#2001"]["net"], got["#2003"]["status"]) == ("50.00", "cancelled")
    assert json.loads(ok("orders", "pay", "--window", "7", "--json")[0]) == list(got.values())
    out, _ = ok("shop", "disconnect", "glow")
    assert out == "glow disconnected; its 6 order(s) stay\n"


def test_the_report_compares_the_shop_before_and_since_the_campaign(store, spring):
    """The shop baseline: the whole shop's daily orders and net revenue in the
    28 days before the campaign against the days since it started (full days),
    and the campaign's share; a comparison, not a causal claim."""
    shop = store.shop(shops.connect(store, BASE, "glow", "shopify", "s")["name"])
    ledger.save_orders(
        store,
        shop,
        [
            shop_order("b1", 2000, code=None, at="2026-10-10T10:00:00.000000Z"),
            shop_order("b2", 4000, code=None, at="2026-10-20T10:00:00.000000Z"),
            shop_order("c1", 5000, code="mia10", at="2026-11-03T10:00:00.000000Z"),
            shop_order("c2", 3000, code=None, at="2026-11-04T10:00:00.000000Z"),
        ],
    )
    found = reports.campaign_report(store, "spring")["shop_baseline"]
    assert found["shops"] == ["glow"] and found["label"] == "comparison, not a causal claim"
    # before: 10-04..10-31, but the shop's first known day is 10-10: 22 days,
    # 2 orders, 20.00 + 40.00 = 60.00, 60.00 / 22 = 2.727… -> 2.73 a day
    assert {k: found["before"][k] for k in ("from", "to", "days", "orders", "net")} == {
        "from": "2026-10-10",
        "to": "2026-10-31",
        "days": 22,
        "orders": 2,
        "net": "60.00",
    }
    assert found["before"]["net_per_day"] == "2.73"
    # since: 11-01 to yesterday; 2 orders, 50.00 + 30.00 = 80.00, mia's 50.00 credited
    today = datetime.now(ZoneInfo("Europe/Berlin")).date()
    since = (today - date(2026, 11, 1)).days
    assert (
        found["since_start"]["days"],
        found["since_start"]["orders"],
        found["since_start"]["net"],
    ) == (since, 2, "80.00")
    assert found["attributed_net"] == "50.00" and found["attributed_share"] == 0.625
    # a creator's share link shows no shop figures
    assert reports.campaign_report(store, "spring", creator="mia")["shop_baseline"] is None


def test_the_stats_page_shows_the_shop_baseline_labelled_as_a_comparison(store, spring, client):
    shop = store.shop(shops.connect(store, BASE, "glow", "shopify", "s")["name"])
    ledger.save_orders(
        store,
        shop,
        [
            shop_order("b1", 2000, code=None, at="2026-10-10T10:00:00.000000Z"),
            shop_order("c1", 5000, code="mia10", at="2026-11-03T10:00:00.000000Z"),
        ],
    )
    url = access.share_link(store, BASE, "spring")["url"]
    page = client.get(url.replace(BASE, "")).get_data(as_text=True)
    assert 'id="shop-baseline"' in page and "comparison, not a causal claim" in page
    assert "€0.91" in page  # 20.00 over the 22 days from 10-10 to 10-31
    from tracker.reports.text import render

    text = render(reports.campaign_report(store, "spring"))
    assert "the whole shop (glow; comparison, not a causal claim)" in text
    assert "€0.91 a day in the 22 days before" in text


def test_orders_from_plain_files_give_no_shop_baseline(store, spring):
    import_redemptions(store, shopify_export(EXPORT))  # the `csv` shop
    assert reports.campaign_report(store, "spring")["shop_baseline"] is None
