"""Importing orders (redemptions) and platform metrics: header variants, the
Shopify export, all-or-nothing refusal with every bad row listed, idempotent
re-imports, exact money, NULL for unreported metrics, and the CLI.

Every store-backed test runs on SQLite and on PostgreSQL (the `store` fixture).
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from tracker import campaigns, reports
from tracker.errors import BadInput, NotFound
from tracker.imports import RowErrors, import_metrics, import_redemptions

from .conftest import tracker
from .helpers import campaign_with_links

DATA = Path(__file__).resolve().parent / "data" / "imports"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)
METRIC_COLS = (
    "impressions",
    "views",
    "reach",
    "likes",
    "comments",
    "shares",
    "saves",
    "followers_gained",
    "spend_minor",
)


# -- helpers ---------------------------------------------------------------------


def data(name: str) -> str:
    return str(DATA / name)


def count(store, table: str) -> int:
    return store.one(f"SELECT COUNT(*) AS n FROM {table}")["n"]


def orders(store, shop: str = "csv") -> dict[str, dict]:
    """The orders of a shop by order id."""
    return {
        r["order_id"]: r
        for r in store.query(
            "SELECT o.* FROM orders o JOIN shops s ON s.id = o.shop_id WHERE s.name = ? "
            "ORDER BY o.order_id",
            [shop],
        )
    }


def total_minor(store) -> int:
    return int(store.one("SELECT COALESCE(SUM(gross_minor), 0) AS s FROM orders")["s"])


def imported(
    orders,
    new,
    already=0,
    updated=0,
    fmt="generic",
    shop="csv",
    no_campaign=0,
    unknown_codes=None,
    not_this_campaign=0,
    read=None,
) -> dict:
    """An import's result (`read`: the file's orders, good or bad; default `orders`)."""
    return {
        "format": fmt,
        "shop": shop,
        "read": orders if read is None else read,
        "orders": orders,
        "new": new,
        "updated": updated,
        "already_imported": already,
        "no_campaign": no_campaign,
        "unknown_codes": unknown_codes or {},
        "not_this_campaign": not_this_campaign,
    }


def metrics(store) -> dict[tuple, dict]:
    rows = store.query(
        "SELECT cr.handle, m.source, m.day, "
        + ", ".join(f"m.{c}" for c in METRIC_COLS)
        + " FROM metrics m JOIN creators cr ON cr.id = m.creator_id ORDER BY 1, 2, 3"
    )
    return {
        (r["handle"], r["source"], r["day"]): {
            c: (None if r[c] is None else int(r[c])) for c in METRIC_COLS
        }
        for r in rows
    }


def metric_row(*values):
    return dict(zip(METRIC_COLS, values))


def csv_text(*lines: str) -> io.StringIO:
    return io.StringIO("\n".join(lines) + "\n")


@pytest.fixture
def spring(store):
    """Campaign `spring` (EUR, Europe/Berlin), creators mia and jade, four
    links, and the promo codes MIA10 (organic) and JADE15 (sponsored)."""
    campaign_with_links(store)
    campaigns.add_promo(store, "spring", "mia", "MIA10", "organic")
    campaigns.add_promo(store, "spring", "jade", "JADE15", "sponsored")
    return store.campaign("spring")


# -- redemptions: header variants -------------------------------------------------------

# The same three orders, whatever the file looks like.
EXPECTED_A = {
    "A-1001": ("mia10", 1999, "2026-11-03T10:00:00.000000Z"),
    "A-1002": ("jade15", 10, "2026-11-03T11:15:30.000000Z"),
    "A-1003": ("mia10", 25000, "2026-11-04T08:30:00.000000Z"),
}


def assert_orders_a(store, campaign):
    got = orders(store)
    assert set(got) == set(EXPECTED_A)
    for order_id, (code, minor, at) in EXPECTED_A.items():
        row = got[order_id]
        assert (row["code"], int(row["gross_minor"]), row["created_at"]) == (code, minor, at)
        assert row["campaign_id"] == campaign["id"]
        assert row["currency"] == "EUR" and row["click_id"] is None
        assert (row["status"], row["refunded_minor"]) == ("counted", 0)


@pytest.mark.parametrize(
    "name",
    [
        "redemptions_lower.csv",
        "redemptions_upper.csv",  # ORDER_ID,CODE,...
        "redemptions_mixed_case.csv",  # Order_Id, Code ,... (spaces around names)
        "redemptions_semicolon_bom.csv",  # Excel "CSV UTF-8", European locale: BOM ; CRLF
        "redemptions_tab.tsv",
        "redemptions_extra_columns.csv",  # shuffled, unknown columns, quoted commas/semicolons
        "redemptions_minimal.csv",  # no currency, no click_id: the campaign's currency
    ],
)
def test_header_variants_read_the_same_orders(store, spring, name):
    result = import_redemptions(store, data(name))
    assert result == imported(3, 3)
    assert_orders_a(store, spring)


def test_bom_in_a_text_stream(store, spring):
    text = "\ufeff" + (DATA / "redemptions_upper.csv").read_text("utf-8")
    result = import_redemptions(store, io.StringIO(text), "spring")
    assert (result["orders"], result["new"]) == (3, 3)
    assert_orders_a(store, spring)


def test_missing_required_column_is_named(store, spring):
    with pytest.raises(BadInput) as exc:
        import_redemptions(
            store,
            csv_text("order_id,code,currency,redeemed_at", "X-1,MIA10,EUR,2026-11-03T10:00:00Z"),
        )
    assert "missing column(s): amount" in exc.value.message
    assert count(store, "orders") == 0


# -- redemptions: Shopify -------------------------------------------------------------


def test_shopify_export_one_order_per_first_line_item(store, spring):
    result = import_redemptions(store, data("shopify_orders.csv"), "spring")
    assert result["format"] == "shopify"
    assert (result["orders"], result["new"], result["already_imported"]) == (5, 3, 0)
    # WELCOME10 is a shop-wide code (no campaign) and #1002 had no code:
    # a shop export holds every order, so those are no campaign's, counted,
    # and not kept (the file goes to no named shop).
    assert (result["no_campaign"], result["unknown_codes"]) == (2, {"welcome10": 1})
    got = orders(store)
    assert set(got) == {"#1001", "#1004", "#1005"}
    expected = {
        "#1001": ("mia10", 6390, "2026-11-03T13:22:05.000000Z"),  # 2 line items
        "#1004": ("jade15", 10440, "2026-11-05T20:03:44.000000Z"),  # 3 line items
        "#1005": ("mia10", 4500, "2026-10-24T21:30:00.000000Z"),  # summer time, +0200
    }
    for order_id, (code, minor, at) in expected.items():
        row = got[order_id]
        assert (row["code"], int(row["gross_minor"]), row["created_at"]) == (code, minor, at)
        assert row["currency"] == "EUR" and row["campaign_id"] == spring["id"]
        assert row["name"] == order_id and row["status"] == "counted"

    again = import_redemptions(store, data("shopify_orders.csv"))
    assert again == imported(5, 0, 3, fmt="shopify", no_campaign=2, unknown_codes={"welcome10": 1})
    assert count(store, "orders") == 3 and total_minor(store) == 6390 + 10440 + 4500


def test_shopify_cells_with_escaped_quotes(store, spring):
    # 'Poster 18"x24", framed' and a two-line note with "quotes", quoted the
    # way Shopify (and every CSV writer) quotes them.
    result = import_redemptions(store, data("shopify_escaped_quotes.csv"), "spring")
    assert (result["orders"], result["new"], result["no_campaign"]) == (2, 2, 0)
    assert set(orders(store)) == {"#2001", "#2002"}


def test_generic_cells_with_escaped_quotes(store, spring):
    result = import_redemptions(store, data("redemptions_escaped_quotes.csv"))
    assert (result["orders"], result["new"]) == (2, 2)
    assert orders(store)["E-1"]["code"] == "mia10"


# -- redemptions: bad rows -------------------------------------------------------------


def test_three_bad_rows_all_reported_and_nothing_written(store, spring):
    import_redemptions(store, data("redemptions_lower.csv"))
    before = orders(store)
    with pytest.raises(RowErrors) as exc:
        import_redemptions(store, data("redemptions_three_bad.csv"), "spring")
    err = exc.value
    # Line numbers are physical lines of the file (the header is line 1 and
    # the blank line 5 counts), so a user can find them in an editor.
    # SUMMER99 on line 7 is no campaign's code: not an error, a count.
    assert [d["line"] for d in err.details] == [3, 6]
    by_line = {d["line"]: d["error"] for d in err.details}
    assert "amount '19,99' is not a number" in by_line[3]
    assert "redeemed_at '03/11/2026 10:00'" in by_line[6]
    message = err.message
    assert "nothing was written" in message and "2 bad row(s)" in message
    for line, why in by_line.items():
        assert f"line {line}: {why}" in message
    for good_line in (2, 4, 7, 8):
        assert f"line {good_line}:" not in message
    # Not even the good rows B-2001, B-2003, B-2006.
    assert orders(store) == before and count(store, "orders") == 3


def test_only_malformed_rows_are_refused(store, spring, client):
    """An order with no code and no click id, or an unknown one, is not an
    error; a bad amount, time, currency or a repeated order id is."""
    with pytest.raises(RowErrors) as exc:
        import_redemptions(
            store,
            csv_text(
                "order_id,code,amount,currency,redeemed_at,click_id",
                "F-1,,10.00,EUR,2026-11-03T10:00:00Z,",
                "F-2,,10.00,EUR,2026-11-03T10:00:00Z,NoSuchClick123",
                "F-3,MIA10,10.00,USD,2026-11-03T10:00:00Z,",
                "F-4,MIA10,10.00,EUR,2026-11-03T10:00:00,",
                "F-5,MIA10,-10.00,EUR,2026-11-03T10:00:00Z,",
                "F-6,MIA10,10.00,EUR,2026-11-03T10:00:00Z,",
                "F-6,MIA10,10.00,EUR,2026-11-03T10:00:00Z,",
                "F-7,MIA10,10.00,EURO,2026-11-03T10:00:00Z,",
            ),
        )
    by_line = {d["line"]: d["error"] for d in exc.value.details}
    assert sorted(by_line) == [4, 5, 6, 8, 9]
    assert "currency USD differs from the campaign's EUR" in by_line[4]
    assert "no time zone offset" in by_line[5]
    assert "must not be negative" in by_line[6]
    assert "appears twice" in by_line[8] and "line 7" in by_line[8]
    assert "'EURO' is not an ISO 4217 code" in by_line[9]
    assert count(store, "orders") == 0


def test_orders_of_no_campaign_are_counted_not_refused(store, spring):
    """The new user's first file: one order without a code, one with the
    shop's own WELCOME10, one of the campaign."""
    result = import_redemptions(
        store,
        csv_text(
            "order_id,code,amount,currency,redeemed_at,click_id",
            "W-1,,20.00,EUR,2026-11-03T10:00:00Z,",
            "W-2,WELCOME10,30.00,EUR,2026-11-03T11:00:00Z,",
            "W-3,welcome10,35.00,EUR,2026-11-03T11:30:00Z,",
            "W-4,,15.00,EUR,2026-11-03T11:45:00Z,NoSuchClick123",
            "W-5,MIA10,40.00,EUR,2026-11-03T12:00:00Z,",
        ),
    )
    assert result == imported(5, 1, no_campaign=4, unknown_codes={"welcome10": 2})
    assert set(orders(store)) == {"W-5"}  # the csv shop keeps no daily totals


# -- redemptions: click tokens ------------------------------------------------------------


def click_token(client, code: str) -> str:
    resp = client.get(f"/{code}", headers={"User-Agent": CHROME})
    assert resp.status_code == 302
    return dict(parse_qsl(urlsplit(resp.headers["Location"]).query))["trk"]


def test_click_ids_from_real_redirects(store, spring, client):
    mia, jade = click_token(client, "mia-bio"), click_token(client, "jade-bio")
    assert store.click_owner(mia) is not None
    # No code column at all: click_id alone attributes the order.
    now = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    later = (now + timedelta(hours=1)).isoformat()
    result = import_redemptions(
        store,
        csv_text(
            "Order_ID,Amount,Currency,Redeemed_At,Click_ID",
            f"G-1,30.00,EUR,{now.isoformat()},{mia}",
            f"G-2,12.50,EUR,{later},{jade}",
        ),
        "spring",
    )
    assert (result["orders"], result["new"]) == (2, 2)
    got = orders(store)
    assert (got["G-1"]["click_id"], got["G-1"]["code"]) == (mia, None)
    assert got["G-2"]["click_id"] == jade and got["G-2"]["campaign_id"] == spring["id"]
    assert got["G-2"]["click_campaign_id"] == spring["id"]
    # Code and click token together: both are kept.
    import_redemptions(
        store,
        csv_text(
            "order_id,code,amount,currency,redeemed_at,click_id",
            f"G-3,JADE15,9.99,EUR,{later},{mia}",
        ),
    )
    row = orders(store)["G-3"]
    assert (row["code"], row["click_id"], int(row["gross_minor"])) == ("jade15", mia, 999)


def test_orders_go_to_the_campaign_of_their_code(store, spring):
    campaigns.create_campaign(
        store, "autumn", "Autumn", "https://shop.example/a", "2026-11-01", "UTC", "EUR"
    )
    campaigns.add_creator(store, "leo", "youtube")
    campaigns.add_promo(store, "autumn", "leo", "LEO20")
    autumn = store.campaign("autumn")
    lines = (
        "order_id,code,amount,currency,redeemed_at",
        "H-1,MIA10,10.00,EUR,2026-11-03T10:00:00Z",
        "H-2,LEO20,20.00,EUR,2026-11-03T10:00:00Z",
    )
    # --campaign spring writes spring's order and leaves autumn's alone
    assert import_redemptions(store, csv_text(*lines), "spring") == imported(
        2, 1, not_this_campaign=1
    )
    assert set(orders(store)) == {"H-1"}
    with pytest.raises(NotFound):
        import_redemptions(store, csv_text(*lines), "no-such-campaign")
    assert import_redemptions(store, csv_text(*lines)) == imported(2, 1, 1)
    got = orders(store)
    assert (got["H-1"]["campaign_id"], got["H-2"]["campaign_id"]) == (spring["id"], autumn["id"])
    # and autumn's order cannot be changed under --campaign spring either
    changed = csv_text(lines[0], "H-2,MIA10,20.00,EUR,2026-11-03T10:00:00Z")
    assert import_redemptions(store, changed, "spring") == imported(1, 0, not_this_campaign=1)
    assert orders(store)["H-2"]["code"] == "leo20"


# -- redemptions: re-imports -----------------------------------------------------------


def test_reimport_adds_nothing_and_updates_what_changed(store, spring):
    first = import_redemptions(store, data("redemptions_first.csv"))
    assert (first["orders"], first["new"], first["already_imported"]) == (4, 4, 0)
    snapshot, total = orders(store), total_minor(store)
    assert total == 1999 + 2450 + 700 + 10000

    again = import_redemptions(store, data("redemptions_first.csv"))
    assert again == imported(4, 0, 4)
    assert total_minor(store) == total
    for order_id, row in orders(store).items():  # not even updated_at moves
        assert row == snapshot[order_id]

    overlap = import_redemptions(store, data("redemptions_overlap.csv"), "spring")
    # C-3003 is the same, C-3004 came again with 80.00 instead of 100.00
    assert overlap == imported(4, 2, 1, updated=1)
    got = orders(store)
    assert count(store, "orders") == 6
    assert total_minor(store) == total - 2000 + 1234 + 66
    assert int(got["C-3004"]["gross_minor"]) == 8000
    assert got["C-3003"] == snapshot["C-3003"]

    once_more = import_redemptions(store, data("redemptions_overlap.csv"))
    assert (once_more["new"], once_more["updated"], once_more["already_imported"]) == (0, 0, 4)
    assert count(store, "orders") == 6


# -- redemptions: money ---------------------------------------------------------------


def test_amounts_are_exact_minor_units(store, spring):
    import_redemptions(store, data("redemptions_amounts.csv"))
    got = {k: r["gross_minor"] for k, r in orders(store).items()}
    assert got == {
        "D-1": 10,
        "D-2": 20,
        "D-3": 1999,
        "D-4": 123456789,
        "D-5": 500,
        "D-6": 50,
        "D-7": 1,
        "D-8": 0,
    }
    assert all(isinstance(v, int) for v in got.values())
    pair = store.one("SELECT SUM(gross_minor) AS s FROM orders WHERE order_id IN ('D-1', 'D-2')")[
        "s"
    ]
    assert int(pair) == 30  # 0.10 + 0.20, not 0.30000000000000004


@pytest.mark.parametrize(
    "currency,amount,minor",
    [
        ("EUR", "0.30", 30),
        ("EUR", "1.005", None),  # more decimals than the currency has
        ("EUR", "1e3", None),
        ("EUR", "", None),
        ("JPY", "1500", 1500),  # no minor unit
        ("JPY", "1500.5", None),
        ("KWD", "1.234", 1234),  # three decimals
        ("EUR", "١٢٣.٤٥", None),  # Arabic-Indic digits: ASCII digits only, as for counts
        ("EUR", "１２.５０", None),  # fullwidth digits
        ("EUR", "12.٥", None),
    ],
)
def test_amounts_follow_the_currency(store, currency, amount, minor):
    campaigns.create_campaign(
        store, "shop", "Shop", "https://shop.example/", "2026-11-01", "UTC", currency
    )
    campaigns.add_creator(store, "ken", "tiktok")
    campaigns.add_promo(store, "shop", "ken", "KEN5")
    source = csv_text(
        "order_id,code,amount,currency,redeemed_at",
        f"M-1,KEN5,{amount},{currency},2026-11-03T10:00:00Z",
    )
    if minor is None:
        with pytest.raises(RowErrors) as exc:
            import_redemptions(store, source)
        assert [d["line"] for d in exc.value.details] == [2]
        assert count(store, "orders") == 0
    else:
        import_redemptions(store, source)
        assert orders(store)["M-1"]["gross_minor"] == minor


# -- dry runs: the same checks and counts, nothing written ---------------------------------


def test_dry_run_counts_what_the_import_would_do_and_writes_nothing(store, spring):
    import_redemptions(store, data("redemptions_first.csv"))
    before = orders(store)
    preview = import_redemptions(store, data("redemptions_overlap.csv"), dry_run=True)
    assert orders(store) == before
    done = import_redemptions(store, data("redemptions_overlap.csv"))
    assert preview == done
    assert (done["new"], done["updated"], done["already_imported"]) == (2, 1, 1)


def test_dry_run_of_a_shopify_export_counts_unknown_codes(store, spring):
    preview = import_redemptions(store, data("shopify_orders.csv"), dry_run=True)
    assert count(store, "orders") == 0 and count(store, "shops") == 0
    assert (preview["read"], preview["new"], preview["no_campaign"]) == (5, 3, 2)
    assert {k.lower(): v for k, v in preview["unknown_codes"].items()} == {"welcome10": 1}
    assert preview == import_redemptions(store, data("shopify_orders.csv"))


def test_dry_run_refuses_bad_rows_like_the_import(store, spring):
    with pytest.raises(RowErrors) as exc:
        import_redemptions(store, data("redemptions_three_bad.csv"), "spring", dry_run=True)
    assert [d["line"] for d in exc.value.details] == [3, 6]  # line 7: no campaign's code
    assert exc.value.read == 6 and count(store, "orders") == 0


def test_metrics_dry_run_counts_new_and_replaced_rows(store, spring):
    import_metrics(store, data("metrics_week1.csv"), "spring")
    before = metrics(store)
    preview = import_metrics(store, data("metrics_week1_corrected.csv"), "spring", dry_run=True)
    assert (preview["rows"], preview["new"], preview["replaced"]) == (4, 1, 3)
    assert metrics(store) == before
    assert preview == import_metrics(store, data("metrics_week1_corrected.csv"), "spring")
    import_metrics(store, data("metrics_week1.csv"), "spring")
    before = metrics(store)
    with pytest.raises(RowErrors) as exc:
        import_metrics(store, data("metrics_bad.csv"), "spring", dry_run=True)
    assert exc.value.read == 10 and metrics(store) == before


# -- metrics -----------------------------------------------------------------------


def test_metrics_empty_cells_are_null_not_zero(store, spring):
    result = import_metrics(store, data("metrics_week1.csv"), "spring")
    assert (result["rows"], result["format"], result["skipped_unmatched"]) == (4, "tracker_csv", 0)
    assert (result["new"], result["replaced"]) == (4, 0)
    assert metrics(store) == {
        ("jade", "organic", "2026-11-03"): metric_row(
            None, 5400, None, 300, None, None, None, None, None
        ),
        ("mia", "organic", "2026-11-03"): metric_row(
            15000, 9800, 12000, 850, 42, 17, 30, 120, None
        ),
        ("mia", "organic", "2026-11-04"): metric_row(0, 0, 0, 0, 0, 0, 0, 0, 0),
        ("mia", "sponsored", "2026-11-03"): metric_row(
            40000, 22000, 31000, 1200, 60, 25, 44, 310, 25000
        ),
    }


def test_metrics_missing_columns_are_null(store, spring):
    result = import_metrics(store, data("metrics_missing_columns.csv"), "spring")
    assert (result["rows"], result["format"], result["skipped_unmatched"]) == (2, "tracker_csv", 0)
    assert (result["new"], result["replaced"]) == (2, 0)
    assert metrics(store) == {
        ("jade", "sponsored", "2026-11-03"): metric_row(
            None, None, None, 77, None, None, None, None, None
        ),
        ("mia", "organic", "2026-11-03"): metric_row(
            None, 9800, None, 850, None, None, None, None, None
        ),
    }


def test_metrics_reimport_replaces_the_row(store, spring):
    import_metrics(store, data("metrics_week1.csv"), "spring")
    import_metrics(store, data("metrics_week1.csv"), "spring")
    assert count(store, "metrics") == 4
    result = import_metrics(store, data("metrics_week1_corrected.csv"), "spring")
    assert (result["rows"], result["format"], result["skipped_unmatched"]) == (4, "tracker_csv", 0)
    assert (result["new"], result["replaced"]) == (1, 3)
    got = metrics(store)
    assert count(store, "metrics") == 5
    assert got[("mia", "organic", "2026-11-03")] == metric_row(
        15500, 9900, 12100, 870, 45, 18, 31, 125, None
    )
    # saves was 44 and is now empty: the row is replaced, so it is NULL.
    assert got[("mia", "sponsored", "2026-11-03")] == metric_row(
        41000, 22500, 31500, 1250, 61, 26, None, 315, 26050
    )
    assert got[("jade", "organic", "2026-11-03")] == metric_row(
        8000, 5600, 7000, 310, 12, None, None, None, None
    )
    assert got[("jade", "sponsored", "2026-11-05")] == metric_row(
        20000, 11000, 15000, 600, 20, 9, 14, 80, 9999
    )
    assert got[("mia", "organic", "2026-11-04")] == metric_row(0, 0, 0, 0, 0, 0, 0, 0, 0)


def test_metrics_bad_rows_all_reported_and_nothing_written(store, spring):
    campaigns.add_creator(store, "kai", "tiktok")  # exists, but not on the campaign
    import_metrics(store, data("metrics_week1.csv"), "spring")
    before = metrics(store)
    with pytest.raises(RowErrors) as exc:
        import_metrics(store, data("metrics_bad.csv"), "spring")
    by_line = {d["line"]: d["error"] for d in exc.value.details}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "'zoe'" in by_line[3] and "not on campaign" in by_line[3]
    assert "'kai'" in by_line[4] and "not on campaign" in by_line[4]
    assert "source" in by_line[5] and "'paid'" in by_line[5]
    assert "impressions '-5'" in by_line[6]
    assert "views '3.5'" in by_line[7]
    assert "impressions '1,200'" in by_line[8]
    assert "spend '-20.00'" in by_line[9]
    assert "date '06/11/2026'" in by_line[10]
    message = exc.value.message
    assert "8 bad row(s)" in message and "nothing was written" in message
    for line, why in by_line.items():
        assert f"line {line}: {why}" in message
    assert "line 2:" not in message and "line 11:" not in message
    # Line 2 would have replaced mia/organic/2026-11-03 and line 11 added a
    # row: neither happened.
    assert metrics(store) == before


def test_metrics_superscript_digit_is_refused_like_any_non_number(store, spring):
    with pytest.raises(RowErrors) as exc:
        import_metrics(
            store, csv_text("date,creator,source,likes", "2026-11-03,mia,organic,²"), "spring"
        )
    assert [d["line"] for d in exc.value.details] == [2]
    assert count(store, "metrics") == 0


def test_metrics_counts_and_spend_take_ascii_digits_only(store, spring):
    with pytest.raises(RowErrors) as exc:
        import_metrics(
            store,
            csv_text(
                "date,creator,source,likes,spend",
                "2026-11-03,mia,organic,١٢٣,",
                "2026-11-03,mia,sponsored,5,١٢.٥٠",
                "2026-11-04,mia,sponsored,５,1.50",
            ),
            "spring",
        )
    assert [d["line"] for d in exc.value.details] == [2, 3, 4]
    assert count(store, "metrics") == 0


def test_metrics_need_the_key_columns(store, spring):
    with pytest.raises(BadInput) as exc:
        import_metrics(store, csv_text("date,creator,views", "2026-11-03,mia,10"), "spring")
    assert "missing column(s): source" in exc.value.message
    assert count(store, "metrics") == 0


# -- the CLI --------------------------------------------------------------------------


@pytest.fixture
def seeded(run):
    for args in (
        (
            "campaign",
            "create",
            "spring",
            "--name",
            "Spring",
            "--destination",
            "https://shop.example/p",
            "--starts-on",
            "2026-11-01",
            "--timezone",
            "Europe/Berlin",
            "--currency",
            "EUR",
        ),
        ("creator", "add", "@mia", "--platform", "tiktok"),
        ("creator", "add", "jade", "--platform", "instagram"),
        ("promo", "add", "spring", "mia", "MIA10", "--source", "organic"),
        ("promo", "add", "spring", "jade", "JADE15", "--source", "sponsored"),
    ):
        code, _, err = run(*args)
        assert code == 0, err
    return run


def test_cli_import_redemptions(seeded, store):
    code, out, err = seeded(
        "import", "redemptions", data("redemptions_lower.csv"), "--campaign", "spring"
    )
    assert (code, err) == (0, "")
    assert out == "3 order(s) read (generic, shop csv): 3 new, 0 updated, 0 already imported\n"
    code, out, _ = seeded("import", "redemptions", data("redemptions_lower.csv"), "--json")
    assert code == 0
    assert json.loads(out) == imported(3, 0, 3)
    code, out, err = seeded("import", "redemptions", data("shopify_orders.csv"))
    assert code == 0 and "(shopify, shop csv): 3 new" in out
    assert err.splitlines() == [
        "1 order(s) with code 'welcome10': no campaign uses it",
        "1 order(s) with no campaign's code and no click id that credits them",
    ]
    assert count(store, "orders") == 6
    # --campaign writes only that campaign's orders and says what it left alone
    code, out, err = seeded(
        "import", "redemptions", data("redemptions_overlap.csv"), "--campaign", "nowhere"
    )
    assert code == 2 and "nowhere" in err
    code, out, err = seeded("import", "redemptions", data("shopify_orders.csv"), "--shop", "glow")
    assert code == 2 and err.startswith("tracker: error: shop 'glow' does not exist")


@pytest.mark.parametrize(
    "name,messages",
    [
        ("redemptions_three_bad.csv", ["2 bad row(s)", "line 3: amount", "line 6: redeemed_at"]),
        ("metrics_week1.csv", ["missing column(s): order_id, code, amount, redeemed_at"]),
        ("no_such_file.csv", ["no_such_file.csv"]),
    ],
)
def test_cli_import_redemptions_bad_files_exit_2(seeded, store, name, messages):
    seeded("import", "redemptions", data("redemptions_lower.csv"))
    code, out, err = seeded("import", "redemptions", data(name), "--campaign", "spring")
    assert code == 2 and out == ""
    assert err.startswith("tracker: error:")
    for message in messages:
        assert message in err
    assert count(store, "orders") == 3


def test_cli_import_metrics(seeded, store):
    seeded("creator", "add", "kai", "--platform", "tiktok")
    code, out, err = seeded("import", "metrics", data("metrics_week1.csv"), "--campaign", "spring")
    assert (code, out, err) == (0, "4 metrics row(s) imported\n", "")
    before = metrics(store)
    code, out, err = seeded("import", "metrics", data("metrics_bad.csv"), "--campaign", "spring")
    assert code == 2 and out == "" and err.startswith("tracker: error:")
    assert "8 bad row(s)" in err
    for line in range(3, 11):
        assert f"line {line}:" in err
    assert metrics(store) == before


def test_console_script_import_exit_codes(store, spring, db_url):
    """The installed `tracker` script, in its own process."""
    bad = tracker(
        "import", "redemptions", data("redemptions_three_bad.csv"), db=db_url, check=False
    )
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.startswith("tracker: error: import refused")
    assert all(f"line {n}:" in bad.stderr for n in (3, 6))
    assert count(store, "orders") == 0
    ok = tracker(
        "import", "redemptions", data("redemptions_semicolon_bom.csv"), "--json", db=db_url
    )
    assert json.loads(ok.stdout)["new"] == 3
    ok = tracker("import", "metrics", data("metrics_week1.csv"), "--campaign", "spring", db=db_url)
    assert ok.returncode == 0 and ok.stdout == "4 metrics row(s) imported\n"
    assert count(store, "orders") == 3 and count(store, "metrics") == 4


def test_cli_non_utf8_file_is_a_clean_error(seeded, store):
    # Excel on Windows saves "CSV (comma delimited)" as Windows-1252.
    code, out, err = seeded("import", "redemptions", data("redemptions_cp1252.csv"))
    assert code == 2 and err.startswith("tracker: error:") and err.count("\n") >= 1
    assert count(store, "orders") == 0


# -- platform exports as downloaded, through to the report --------------------------------


def usd_campaign(store):
    campaigns.create_campaign(
        store,
        "usd",
        "US launch",
        "https://shop.example/us",
        "2026-11-01",
        "America/New_York",
        "USD",
    )
    for handle, platform in (("mia", "tiktok"), ("jade", "instagram")):
        campaigns.add_creator(store, handle, platform)
        campaigns.enroll(store, "usd", handle, "0")


def test_a_meta_ads_export_lands_in_the_report(store):
    usd_campaign(store)
    result = import_metrics(store, data("meta_ads_by_day.csv"), "usd")
    assert (result["format"], result["rows"], result["skipped_unmatched"]) == ("meta_ads", 4, 2)
    assert result["creators"]["mia"]["days"]["count"] == 2
    report = reports.campaign_report(store, "usd")
    mia = next(c for c in report["creators"] if c["handle"] == "mia")
    # mia: 180.75 + 129.99 USD spent; 15000 + 11500 impressions (see test_metric_formats)
    assert mia["sponsored"]["ad_spend"] == "310.74"
    assert mia["sponsored"]["impressions"] == 26500
    # jade: 45.00 + 15.10 USD
    assert report["sources"]["sponsored"]["ad_spend"] == "370.84"
    # a re-import replaces, never adds
    import_metrics(store, data("meta_ads_by_day.csv"), "usd")
    assert reports.campaign_report(store, "usd")["sources"]["sponsored"]["ad_spend"] == "370.84"


def test_a_content_export_needs_its_creator_and_counts_as_organic(store):
    usd_campaign(store)
    with pytest.raises(BadInput, match="--creator"):
        import_metrics(store, data("tiktok_studio_content.csv"), "usd")
    assert metrics(store) == {}
    result = import_metrics(store, data("tiktok_studio_content.csv"), "usd", creator="@Mia")
    assert result["format"] == "tiktok_studio" and set(result["creators"]) == {"mia"}
    assert {key[1] for key in metrics(store)} == {"organic"}
