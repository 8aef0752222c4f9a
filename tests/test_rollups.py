"""Per-day rollups: a report read from rollups equals the full scan of the
click log, whatever the path the clicks came by and whenever they came.

Every click here goes through the real redirect (or `tracker demo`, or
migrate-data); "now" is controlled by the store's clock (which days have
ended) and the redirect's clock (when a click happens). Every comparison is
against `rollups=False`, the full scan of the click log.
"""

from __future__ import annotations

import random
import threading
import time as walltime
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tracker import campaigns, demo, imports, reports
from tracker.reports.audience import QUERIED
from tracker.reports.build import GROUPINGS
from tracker.store import open_store
from tracker.store.copying import COPY_ORDER
from tracker.store.rollups import MARGIN, STALE_CLAIM
from tracker.transfer import migrate_data
from tracker.vocabulary import ALL_DAYS

from .helpers import BASE, campaign_with_links
from .test_reports import BOT, CHROME, ny_campaign_with_clicks

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 13_2_3 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/13.0.3 Mobile/15E148 Safari/604.1"
)
INSTAGRAM = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 13_3 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 Instagram 123.1.0.26.115 (iPhone11,8; iOS 13_3; "
    "en_US; en-US; scale=2.00; 828x1792; 190542906)"
)
UTC = UTC


# -- helpers ------------------------------------------------------------------------


def hit(app, code, when: datetime, ua=CHROME, ip="198.51.100.7", query=""):
    """One real click through the redirect at `when`."""
    app.wsgi_app.clock = lambda: when.astimezone(UTC)
    resp = app.test_client().get(
        f"/{code}{query}", headers={"User-Agent": ua}, environ_overrides={"REMOTE_ADDR": ip}
    )
    assert resp.status_code == 302


def local(tz: str, day: str, hh=12, mm=0, ss=0, fold=0) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hh, mm, ss, fold=fold), ZoneInfo(tz))


def day_end(tz: str, day: str) -> datetime:
    """The instant the local day ends (the next local midnight)."""
    return datetime.combine(date.fromisoformat(day) + timedelta(days=1), time(0), ZoneInfo(tz))


def set_now(store, when: datetime) -> None:
    store.clock = lambda: when.astimezone(UTC)


def campaign_id(store, slug) -> int:
    return store.campaign(slug)["id"]


def summaries(store, cid, rollups, lo=ALL_DAYS[0], hi=ALL_DAYS[1]) -> dict:
    """Every grouping the report reads, without rolling anything up."""
    return {
        name: store.click_summary(cid, keys, lo, hi, rollups=rollups)
        for name, keys in GROUPINGS.items()
    }


def assert_exact(store, slug, ranges=((ALL_DAYS[0], ALL_DAYS[1]),), handles=()):
    """Rollups + live days == the full scan: every grouping, row for row, and
    the report document for every window (and creator scope)."""
    cid = campaign_id(store, slug)
    for lo, hi in ranges:
        assert summaries(store, cid, True, lo, hi) == summaries(store, cid, False, lo, hi), (lo, hi)
    for window in (7, 14, 30, "all"):
        assert reports.campaign_report(
            store, slug, window, rollups=False
        ) == reports.campaign_report(store, slug, window), window
        for handle in handles:
            assert reports.campaign_report(
                store, slug, window, creator=handle, rollups=False
            ) == reports.campaign_report(store, slug, window, creator=handle), handle


def rollup_rows(store, cid, day) -> int:
    return sum(
        store.one(f"SELECT COUNT(*) AS n FROM {t} WHERE campaign_id = ? AND day = ?", [cid, day])[
            "n"
        ]
        for t in ("click_rollups", "visitor_rollups", "audience_rollups")
    )


def audience(store, cid, rollups, lo=ALL_DAYS[0], hi=ALL_DAYS[1], dimensions=QUERIED) -> list:
    """audience_summary's rows in one order (their order is not part of it)."""
    return sorted(
        store.audience_summary(cid, lo, hi, dimensions, rollups=rollups),
        key=lambda r: (r["creator_id"], r["dimension"], r["value"] is None, str(r["value"])),
    )


def marks(store, cid) -> dict[str, str]:
    return {
        r["day"]: r["state"]
        for r in store.query("SELECT day, state FROM rollup_days WHERE campaign_id = ?", [cid])
    }


def random_clicks(
    app,
    rng,
    tz,
    first_day: str,
    days: int,
    n: int,
    codes=("mia-bio", "mia-ad", "jade-bio", "jade-x"),
) -> None:
    """n clicks over `days` local days by a dozen people who come back, open
    several links and sources on one day, and some bots."""
    people = [(f"198.51.100.{i}", rng.choice([CHROME, IPHONE, INSTAGRAM])) for i in range(12)]
    start = date.fromisoformat(first_day)
    for _ in range(n):
        day = (start + timedelta(days=rng.randrange(days))).isoformat()
        when = local(tz, day, rng.randrange(24), rng.randrange(60), rng.randrange(60))
        ip, ua = rng.choice(people)
        if rng.random() < 0.1:
            ip, ua = f"203.0.113.{rng.randrange(5)}", BOT
        query = "?ttclid=E.C.P.abc" if rng.random() < 0.15 else ""
        hit(app, rng.choice(codes), when, ua, ip, query)


# -- exactness ------------------------------------------------------------------------


def test_rollups_equal_the_full_scan_on_random_clicks(store, app):
    campaign_with_links(store)  # Europe/Berlin, from 2026-11-01
    random_clicks(app, random.Random(3), "Europe/Berlin", "2026-10-30", 12, 300)
    cid = campaign_id(store, "spring")
    click_days = [
        r["day"]
        for r in store.query(
            "SELECT DISTINCT day FROM clicks WHERE campaign_id = ? ORDER BY day", [cid]
        )
    ]
    # Midday on 11-08 in Berlin: 10-30 .. 11-07 have ended, 11-08 .. 11-10 have not.
    set_now(store, local("Europe/Berlin", "2026-11-08", 12))
    done = store.roll_up_ended_days(cid)
    assert [d for _, d in done] == [d for d in click_days if d <= "2026-11-07"]
    assert store.rolled_up_days(cid) == [d for d in click_days if d <= "2026-11-07"]
    # The fixture exercises what visitor_rollups is for: a person on several
    # links or creators in one day is one visitor of the day, not several.
    full = summaries(store, cid, False)
    per_day = {r["day"]: r["visitors"] for r in full["day"]}
    per_creator = {}
    for r in full["creator"]:
        per_creator[r["day"]] = per_creator.get(r["day"], 0) + r["visitors"]
    assert any(per_creator[d] > per_day[d] for d in per_day)
    assert_exact(
        store,
        "spring",
        ranges=[
            ALL_DAYS,
            ("2026-11-03", "2026-11-09"),
            ("2026-11-05", "2026-11-05"),
            ("2026-11-08", "2026-11-08"),
            ("2026-11-07", "2026-11-08"),
            ("2026-12-01", "2026-12-31"),
        ],
        handles=("mia", "jade"),
    )
    # The rolled-up days really are read from the rollups: with their clicks
    # gone from the log (never done in production), the click and audience
    # sections of the report are unchanged.
    clicks_part = ("window", "totals", "sources", "creators", "marks", "daily", "audience")
    before = reports.campaign_report(store, "spring", "all")
    store.execute("DELETE FROM clicks WHERE day <= '2026-11-07'")
    after = reports.campaign_report(store, "spring", "all")
    assert {k: after[k] for k in clicks_part} == {k: before[k] for k in clicks_part}
    full = reports.campaign_report(store, "spring", "all", rollups=False)
    assert {k: full[k] for k in clicks_part} != {k: before[k] for k in clicks_part}


def test_the_audience_section_from_rollups_equals_the_full_scan(store, app):
    """audience_summary over rolled-up days (audience_rollups) plus live days
    (the click log) is the full scan's rows, in any window and for any
    dimensions, QR scans included; and still after a late click reopens a
    rolled-up day, before and after it is rolled up again."""
    campaign_with_links(store)  # Europe/Berlin
    rng = random.Random(11)
    random_clicks(app, rng, "Europe/Berlin", "2026-10-30", 8, 160)
    for i in range(6):  # QR scans on some days
        hit(
            app,
            rng.choice(["mia-bio", "jade-x"]),
            local("Europe/Berlin", f"2026-11-0{i + 1}", 9),
            ua=IPHONE,
            ip=f"192.0.2.{i}",
            query="?qr=1",
        )
    cid = campaign_id(store, "spring")
    set_now(store, local("Europe/Berlin", "2026-11-04", 12))  # up to 11-03 have ended
    store.roll_up_ended_days(cid)
    assert store.rolled_up_days(cid)[-1] == "2026-11-03"
    assert (
        store.value("SELECT COUNT(*) AS n FROM audience_rollups WHERE campaign_id = ?", [cid]) > 0
    )
    ranges = [
        ALL_DAYS,
        ("2026-11-02", "2026-11-05"),
        ("2026-11-03", "2026-11-03"),
        ("2026-11-05", "2026-11-06"),
        ("2026-12-01", "2026-12-31"),
    ]

    def exact():
        for lo, hi in ranges:
            for dims in (QUERIED, ("country", "qr_link"), ("qr_link",), ("link", "in_app")):
                assert audience(store, cid, True, lo, hi, dims) == audience(
                    store, cid, False, lo, hi, dims
                ), (lo, hi, dims)
        for window in (7, 30, "all"):
            for handle in (None, "mia", "jade"):
                assert (
                    reports.campaign_report(store, "spring", window, creator=handle, rollups=False)[
                        "audience"
                    ]
                    == reports.campaign_report(store, "spring", window, creator=handle)["audience"]
                ), (window, handle)

    exact()
    full = audience(store, cid, False)
    assert any(r["dimension"] == "qr_link" for r in full)
    assert {type(r["value"]) for r in full if r["dimension"] in ("link", "qr_link")} == {int}
    # A late human click on a rolled-up day: the day reopens, its audience rows go.
    hit(app, "jade-bio", local("Europe/Berlin", "2026-11-02", 20), ua=INSTAGRAM, ip="192.0.2.99")
    assert "2026-11-02" not in store.rolled_up_days(cid)
    assert (
        store.value(
            "SELECT COUNT(*) AS n FROM audience_rollups WHERE campaign_id = ? "
            "AND day = '2026-11-02'",
            [cid],
        )
        == 0
    )
    exact()  # read live, then rolled up again
    store.roll_up_ended_days(cid)
    assert "2026-11-02" in store.rolled_up_days(cid)
    exact()
    assert sum(r["clicks"] for r in audience(store, cid, True) if r["dimension"] == "link") == (
        sum(r["clicks"] for r in full if r["dimension"] == "link") + 1
    )


def test_the_report_fixtures_are_exact(store, app):
    """The hand-checked campaign of test_reports.py (New York, a DST change
    on day 1, orders by click and by code), rolled up in steps."""
    ids = ny_campaign_with_clicks(store, app)
    campaigns.add_promo(store, "fall", "jade", "JADE10")
    imports.save_redemptions(
        store,
        [
            (
                2,
                {
                    "order_id": "o1",
                    "amount": "20.00",
                    "redeemed_at": "2026-11-07T23:59:00-05:00",
                    "click_id": ids["day7"],
                    "code": "",
                },
            ),
            (
                3,
                {
                    "order_id": "o2",
                    "amount": "15.50",
                    "redeemed_at": "2026-11-08T05:01:00Z",
                    "code": "jade10",
                },
            ),
        ],
        "fall",
    )
    cid = campaign_id(store, "fall")
    for now, rolled in [
        (local("America/New_York", "2026-11-01", 0, 4), []),  # 10-31 ended 4 min ago
        (local("America/New_York", "2026-11-01", 0, 5), ["2026-10-31"]),
        (
            local("America/New_York", "2026-11-08", 0, 30),
            ["2026-10-31", "2026-11-01", "2026-11-07"],
        ),
        (
            local("America/New_York", "2026-11-20"),
            ["2026-10-31", "2026-11-01", "2026-11-07", "2026-11-08"],
        ),
    ]:
        set_now(store, now)
        week = reports.campaign_report(store, "fall", 7)  # rolls up lazily
        assert store.rolled_up_days(cid) == rolled
        assert_exact(store, "fall", handles=("mia", "jade"))
    # and the hand-checked numbers of test_reports still hold
    t = week["totals"]
    assert (t["clicks"], t["bot_clicks"], t["unique_visitors"], t["conversions"]) == (3, 1, 2, 1)
    everything = reports.campaign_report(store, "fall", "all")["totals"]
    assert (everything["clicks"], everything["unique_visitors"]) == (5, 4)


# -- when a day is rolled up ---------------------------------------------------------

ZONES = {"kiri": "Pacific/Kiritimati", "la": "America/Los_Angeles", "utc": "UTC"}


def test_a_day_rolls_up_after_it_ends_in_each_campaigns_time_zone(store, app):
    """Kiritimati (UTC+14), Los Angeles (UTC-8, DST ends on 2026-11-01: a
    25-hour day) and UTC: the same instant has ended different days."""
    for slug, tz in ZONES.items():
        campaigns.create_campaign(
            store, slug, slug, "https://shop.example/", "2026-11-01", tz, "USD"
        )
        if store.creator("mia") is None:
            campaigns.add_creator(store, "mia", "tiktok")
        campaigns.create_link(store, BASE, slug, "mia", "bio", code=f"{slug}-bio")
        for day in ("2026-11-01", "2026-11-02"):
            hit(app, f"{slug}-bio", local(tz, day, 0, 0, 1))  # just after midnight
            hit(app, f"{slug}-bio", local(tz, day, 23, 59, 59), ua=IPHONE)  # just before the next
        hit(app, f"{slug}-bio", local(tz, "2026-11-01", 1, 30, fold=0), ip="198.51.100.8")
        hit(app, f"{slug}-bio", local(tz, "2026-11-01", 1, 30, fold=1), ip="198.51.100.9")
    ids = {slug: campaign_id(store, slug) for slug in ZONES}

    def rolled():
        return {slug: store.rolled_up_days(cid) for slug, cid in ids.items()}

    # Every campaign's 11-01 ends at its own instant: not before it + MARGIN.
    for slug, tz in sorted(ZONES.items(), key=lambda z: day_end(z[1], "2026-11-01")):
        end = day_end(tz, "2026-11-01")
        set_now(store, end + MARGIN - timedelta(seconds=1))
        store.roll_up_ended_days()
        assert "2026-11-01" not in rolled()[slug], slug
        set_now(store, end + MARGIN)
        store.roll_up_ended_days()
        assert "2026-11-01" in rolled()[slug], slug
        assert "2026-11-02" not in rolled()[slug], slug
    # LA's 11-01 lasted 25 hours (01:00-02:00 twice): it ends at 08:00 UTC on 11-02.
    assert day_end(ZONES["la"], "2026-11-01") == datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    # One instant, three answers: 2026-11-02 10:05 UTC is 00:05 on 11-03 in
    # Kiritimati, 10:05 on 11-02 in UTC, 02:05 on 11-02 in Los Angeles.
    set_now(store, datetime(2026, 11, 2, 10, 5, tzinfo=UTC))
    store.roll_up_ended_days()
    assert rolled() == {
        "kiri": ["2026-11-01", "2026-11-02"],
        "la": ["2026-11-01"],
        "utc": ["2026-11-01"],
    }
    for slug in ZONES:
        assert_exact(store, slug)
    # Each rolled-up day holds its own clicks, midnight to midnight.
    for slug, cid in ids.items():
        per_day = {r["day"]: r["clicks"] for r in store.click_summary(cid, ["day"], *ALL_DAYS)}
        assert per_day == {"2026-11-01": 4, "2026-11-02": 2}, slug


def test_a_click_in_flight_at_midnight_is_in_the_rollup(store, app):
    """Stamped 23:59:59 with the old day, committed three minutes later: the
    margin means the day is not counted before it is in."""
    campaign_with_links(store, tz="UTC")
    cid = campaign_id(store, "spring")
    hit(app, "mia-bio", local("UTC", "2026-11-03", 10))
    end = day_end("UTC", "2026-11-03")
    set_now(store, end + timedelta(minutes=3))
    assert store.roll_up_ended_days(cid) == []
    hit(app, "mia-bio", local("UTC", "2026-11-03", 23, 59, 59), ua=IPHONE)  # commits now
    set_now(store, end + MARGIN)
    assert store.roll_up_ended_days(cid) == [(cid, "2026-11-03")]
    rolled = store.one("SELECT SUM(clicks) AS n FROM click_rollups WHERE campaign_id = ?", [cid])
    assert rolled["n"] == 2
    assert_exact(store, "spring")


# -- late clicks ---------------------------------------------------------------------


def test_a_late_click_reopens_its_day_and_the_next_report_counts_it(store, app):
    campaign_with_links(store)
    random_clicks(app, random.Random(5), "Europe/Berlin", "2026-11-01", 4, 80)
    cid = campaign_id(store, "spring")
    set_now(store, local("Europe/Berlin", "2026-11-10"))
    before = reports.campaign_report(store, "spring", "all")
    assert store.rolled_up_days(cid) == ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"]
    # A click for 11-02 arrives on 11-10 (a replay, a stalled worker): the day reopens.
    hit(app, "jade-bio", local("Europe/Berlin", "2026-11-02", 20), ua=IPHONE, ip="192.0.2.77")
    assert marks(store, cid).get("2026-11-02") is None
    assert rollup_rows(store, cid, "2026-11-02") == 0
    assert rollup_rows(store, cid, "2026-11-03") > 0  # other days stay
    assert_exact(store, "spring")  # rolls 11-02 up again
    assert store.rolled_up_days(cid) == ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"]
    after = reports.campaign_report(store, "spring", "all")
    assert after["totals"]["clicks"] == before["totals"]["clicks"] + 1
    assert after["totals"]["unique_visitors"] == before["totals"]["unique_visitors"] + 1
    # A bot is a late click too.
    hit(app, "mia-bio", local("Europe/Berlin", "2026-11-04", 9), ua=BOT)
    assert "2026-11-04" not in store.rolled_up_days(cid)
    assert reports.campaign_report(store, "spring", "all")["totals"]["bot_clicks"] == (
        after["totals"]["bot_clicks"] + 1
    )
    assert_exact(store, "spring")


def test_a_click_while_a_day_is_being_counted_loses_the_claim(store, app, monkeypatch):
    """Between the claim and the publish a click comes into the day: the
    publish must not mark the day done with a count that misses it."""
    campaign_with_links(store, tz="UTC")
    for h in (8, 9, 10):
        hit(app, "mia-bio", local("UTC", "2026-11-03", h))
    cid = campaign_id(store, "spring")
    set_now(store, local("UTC", "2026-11-05"))
    settle = store._settle_writers

    def click_meanwhile(*args, **kwargs):
        hit(app, "mia-ad", local("UTC", "2026-11-03", 11), ua=IPHONE)
        return settle(*args, **kwargs)

    monkeypatch.setattr(store, "_settle_writers", click_meanwhile, raising=False)
    assert store.roll_up_day(cid, "2026-11-03") is False
    monkeypatch.undo()
    assert marks(store, cid) == {} and rollup_rows(store, cid, "2026-11-03") == 0
    assert_exact(store, "spring")
    assert store.rolled_up_days(cid) == ["2026-11-03"]
    assert store.one("SELECT SUM(clicks) AS n FROM click_rollups")["n"] == 4


def test_postgresql_waits_for_clicks_that_were_being_written(db_url, store, app):
    """A click whose transaction looked for the day's mark before the claim
    existed, and commits after it: the count waits for it, or gives up and
    leaves the day live."""
    if store.dialect != "postgresql":
        pytest.skip("SQLite runs one write at a time: a click and its trigger commit together")
    import psycopg

    campaign_with_links(store, tz="UTC")
    hit(app, "mia-bio", local("UTC", "2026-11-03", 8))
    cid = campaign_id(store, "spring")
    template = store.one("SELECT * FROM clicks")
    set_now(store, local("UTC", "2026-11-06"))

    opened = []

    def click_in_flight(click_id, day):
        """Inserted (so its trigger has run), not committed."""
        conn = psycopg.connect(db_url)
        opened.append(conn)
        row = dict(template, id=click_id, day=day, visitor=click_id)
        conn.execute(
            f"INSERT INTO clicks ({', '.join(row)}) VALUES ({', '.join(['%s'] * len(row))})",
            list(row.values()),
        )
        return conn

    try:
        stuck = click_in_flight("in-flight-1", "2026-11-03")
        original = store._settle_writers
        store._settle_writers = lambda: original(timeout=0.3)
        try:
            assert store.roll_up_day(cid, "2026-11-03") is False  # gave up
        finally:
            store._settle_writers = original
        assert marks(store, cid) == {}  # and released its claim
        stuck.commit()

        slow = click_in_flight("in-flight-2", "2026-11-04")  # a day with no other click
        timer = threading.Timer(0.5, slow.commit)
        timer.start()
        started = walltime.monotonic()
        assert store.roll_up_day(cid, "2026-11-04") is True
        assert walltime.monotonic() - started >= 0.4  # it waited for the commit
        timer.join()

        # A long transaction that writes something else is no reason to wait.
        other = psycopg.connect(db_url)
        opened.append(other)
        other.execute("INSERT INTO settings (key, value) VALUES ('long', 'writer')")
        hit(app, "mia-bio", local("UTC", "2026-11-05", 8))
        store._settle_writers = lambda: original(timeout=0.3)
        try:
            assert store.roll_up_day(cid, "2026-11-05") is True
        finally:
            store._settle_writers = original
    finally:
        for conn in opened:  # a failure must not leave a transaction open
            conn.close()
    rolled = store.one("SELECT SUM(clicks) AS n FROM click_rollups WHERE day = '2026-11-04'")
    assert rolled["n"] == 1
    assert_exact(store, "spring")
    assert store.rolled_up_days(cid) == ["2026-11-03", "2026-11-04", "2026-11-05"]


# -- crashes and idempotence -----------------------------------------------------------


def test_a_crash_in_the_publishing_transaction_leaves_nothing_half_done(store, app, monkeypatch):
    campaign_with_links(store)
    random_clicks(app, random.Random(8), "Europe/Berlin", "2026-11-01", 3, 60)
    cid = campaign_id(store, "spring")
    set_now(store, local("Europe/Berlin", "2026-11-10"))

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")  # after the aggregates were inserted

    monkeypatch.setattr(store, "_mark_done", crash, raising=False)
    inserted = []
    execute_many = store.execute_many
    monkeypatch.setattr(
        store,
        "execute_many",
        lambda sql, rows: (inserted.append(len(rows)), execute_many(sql, rows)),
        raising=False,
    )
    with pytest.raises(RuntimeError):
        store.roll_up_ended_days(cid)
    assert inserted and all(inserted)  # the rows were written, then rolled back
    assert marks(store, cid) == {}
    assert store.one("SELECT COUNT(*) AS n FROM click_rollups")["n"] == 0
    assert store.one("SELECT COUNT(*) AS n FROM visitor_rollups")["n"] == 0
    # The report path logs the failure and counts the days from the click log.
    assert_exact(store, "spring", handles=("mia",))
    assert store.rolled_up_days(cid) == []
    # A process killed before it could even release its claim: the claim is
    # ignored by readers and taken over once stale.
    monkeypatch.setattr(store, "_release", lambda *a: None, raising=False)
    with pytest.raises(RuntimeError):
        store.roll_up_day(cid, "2026-11-01")
    assert marks(store, cid) == {"2026-11-01": "rolling"}
    monkeypatch.undo()
    assert_exact(store, "spring")
    assert store.rolled_up_days(cid) == ["2026-11-02", "2026-11-03"]  # 11-01: claim is fresh
    set_now(store, local("Europe/Berlin", "2026-11-10") + STALE_CLAIM + timedelta(seconds=1))
    assert store.roll_up_ended_days(cid) == [(cid, "2026-11-01")]
    assert store.rolled_up_days(cid) == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert_exact(store, "spring", handles=("mia", "jade"))


def test_rolling_up_is_idempotent(store, app):
    campaign_with_links(store)
    random_clicks(app, random.Random(9), "Europe/Berlin", "2026-11-01", 3, 40)
    cid = campaign_id(store, "spring")
    set_now(store, local("Europe/Berlin", "2026-11-10"))
    assert len(store.roll_up_ended_days(cid)) == 3

    def snapshot():
        return {
            t: store.query(f"SELECT * FROM {t} ORDER BY 1, 2, 3, 4")
            for t in ("rollup_days", "click_rollups", "visitor_rollups")
        }

    first = snapshot()
    assert store.roll_up_ended_days(cid) == []
    assert store.roll_up_ended_days() == []
    assert store.roll_up_day(cid, "2026-11-02") is False  # done already
    reports.campaign_report(store, "spring", "all")
    assert snapshot() == first
    # A day someone else is rolling up right now is left to them.
    hit(app, "mia-bio", local("Europe/Berlin", "2026-10-31"))
    now = store.clock().strftime("%Y-%m-%dT%H:%M:%S.000000Z")
    store.execute(
        "INSERT INTO rollup_days VALUES (?, '2026-10-31', 'rolling', 'other', ?)", [cid, now]
    )
    assert store.roll_up_day(cid, "2026-10-31") is False
    assert store.roll_up_ended_days(cid) == []
    assert_exact(store, "spring")
    assert marks(store, cid)["2026-10-31"] == "rolling"


# -- every write path -------------------------------------------------------------------


def test_demo_replaying_past_days_stays_exact(store, monkeypatch):
    """`tracker demo` replays a month through the redirect, day by day. Reports
    run meanwhile: they roll up the day being replayed (it ended long ago),
    and the demo's next clicks for that day reopen it."""
    state = {"clicks": 0, "rolled": set(), "reopened": set(), "rollups": 0}
    replay = demo._one_click

    def one_click(client, app, *args):
        replay(client, app, *args)
        state["clicks"] += 1
        if state["clicks"] % 60 == 0:
            cid = campaign_id(store, "demo-launch")
            # days rolled up at the last report that the replay has reopened since
            state["reopened"] |= state["rolled"] - set(store.rolled_up_days(cid))
            reports.campaign_report(store, "demo-launch", "all")  # rolls up lazily
            state["rolled"] = set(store.rolled_up_days(cid))
            state["rollups"] += len(state["rolled"])

    monkeypatch.setattr(demo, "_one_click", one_click)
    import io

    demo.fill_demo(store, BASE, clicks=700, seed=3, days=12, out=io.StringIO())
    assert state["rollups"] and state["reopened"], state
    cid = campaign_id(store, "demo-launch")
    assert store.rolled_up_days(cid)
    assert_exact(store, "demo-launch", handles=("mia.moves", "chef.leo"))


def test_migrate_data_copies_rollups_and_stays_exact(tmp_path, db_url):
    """SQLite with rolled-up and live days -> a new database (SQLite or
    PostgreSQL): the rollups come along, counted like every table, and the
    copy's reports equal the original's and their own full scans."""
    from tracker.settings import Config
    from tracker.web.app import create_app

    source = open_store(str(tmp_path / "source.db"))
    source_app = create_app(Config(database=source.url, base_url=BASE), store=source)
    campaign_with_links(source)
    random_clicks(source_app, random.Random(11), "Europe/Berlin", "2026-11-01", 8, 120)
    set_now(source, local("Europe/Berlin", "2026-11-06", 3))
    rolled = [d for _, d in source.roll_up_ended_days()]
    assert rolled == ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"]
    target = open_store(db_url)
    result = migrate_data(source, target)
    for table in ("rollup_days", "click_rollups", "visitor_rollups"):
        assert table in dict(COPY_ORDER)
        assert result["tables"][table] == target.count(table) == source.count(table) > 0, table
    cid = campaign_id(target, "spring")
    assert target.rolled_up_days(cid) == rolled
    set_now(target, local("Europe/Berlin", "2026-11-06", 3))
    for window in (7, "all"):
        assert reports.campaign_report(source, "spring", window) == reports.campaign_report(
            target, "spring", window
        )
    assert target.rolled_up_days(cid) == rolled  # nothing was reopened
    assert_exact(target, "spring", handles=("mia",))
    # The copy's trigger works: a late click there reopens its day.
    target_app = create_app(Config(database=target.url, base_url=BASE), store=target)
    hit(target_app, "mia-ad", local("Europe/Berlin", "2026-11-02", 7), ua=IPHONE)
    assert "2026-11-02" not in marks(target, cid)
    assert_exact(target, "spring")
    source.close()
    target.close()


# -- the schema and housekeeping ----------------------------------------------------------


def test_an_upgraded_database_gets_the_tables_and_the_trigger(db_url, tmp_path, request):
    """A database at version 3 migrates to rollups, trigger included, and
    its existing days roll up."""
    from tracker.store.base import MIGRATION_FILES, read_sql, split_statements

    if db_url.startswith("postgresql"):
        url = request.getfixturevalue("new_pg_url")()
    else:
        url = str(tmp_path / "old.db")
    old = open_store(url)
    with old.transaction():
        old.execute(
            "CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, "
            "applied_at TEXT NOT NULL)"
        )
        for version in (1, 2, 3):
            for statement in split_statements(old._ddl(read_sql(MIGRATION_FILES[version]))):
                old.execute(statement)
            old.execute("INSERT INTO schema_migrations VALUES (?, 'then')", [version])
    old.migrate()
    assert {r["version"] for r in old.query("SELECT version FROM schema_migrations")} == set(
        MIGRATION_FILES
    )
    if old.dialect == "sqlite":
        triggers = [
            r["name"] for r in old.query("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        ]
    else:
        triggers = [
            r["tgname"]
            for r in old.query(
                "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                # a partition's clone of the trigger (version 10) has a parent
                "WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND n.nspname = current_schema()"
            )
        ]
    assert triggers == ["clicks_late_rollup"]
    from tracker.settings import Config
    from tracker.web.app import create_app

    app = create_app(Config(database=url, base_url=BASE), store=old)
    campaign_with_links(old)
    hit(app, "mia-bio", local("Europe/Berlin", "2026-11-02"))
    set_now(old, local("Europe/Berlin", "2026-11-04"))
    assert old.roll_up_ended_days() == [(campaign_id(old, "spring"), "2026-11-02")]
    hit(app, "jade-bio", local("Europe/Berlin", "2026-11-02"))
    assert old.rolled_up_days(campaign_id(old, "spring")) == []
    assert_exact(old, "spring")
    old.close()


def test_the_counting_thread_rolls_up_ended_days(tmp_path):
    from tracker.settings import Config
    from tracker.web.app import create_app

    store = open_store(str(tmp_path / "house.db"))
    app = create_app(Config(database=store.url, base_url=BASE), store=store)
    campaign_with_links(store, slug="a")
    campaigns.create_campaign(store, "b", "B", "https://shop.example/", "2026-11-01", "UTC", "EUR")
    campaigns.create_link(store, BASE, "b", "mia", "bio", code="b-bio")
    hit(app, "mia-bio", local("Europe/Berlin", "2026-11-02"))
    hit(app, "b-bio", local("UTC", "2026-11-02", 23))
    # 00:03 UTC: Berlin's 11-02 ended an hour ago, UTC's 11-02 only 3 minutes ago.
    set_now(store, local("UTC", "2026-11-03", 0, 3))
    store.start_counting(rollup_every=0.2)
    try:
        deadline = walltime.monotonic() + 20
        while not store.rolled_up_days(campaign_id(store, "a")) and walltime.monotonic() < deadline:
            walltime.sleep(0.1)
        assert store.rolled_up_days(campaign_id(store, "a")) == ["2026-11-02"]
        walltime.sleep(0.5)  # two more rounds
        assert store.rolled_up_days(campaign_id(store, "b")) == []
        set_now(store, local("UTC", "2026-11-03", 0, 5))
        while not store.rolled_up_days(campaign_id(store, "b")) and walltime.monotonic() < deadline:
            walltime.sleep(0.1)
        assert store.rolled_up_days(campaign_id(store, "b")) == ["2026-11-02"]
    finally:
        store.stop_counting()
        store.close()
