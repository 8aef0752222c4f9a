"""SQLite's running counts of live days (tracker/store/partials.py): a
report that reads a live day as counted so far plus the clicks after the
mark equals the full scan of the click log, whatever happened meanwhile:
more clicks, a day that ends and is rolled up, a renumbered table, a lost
race, a crash in the middle of publishing.

Clicks go through the real redirect; the thresholds are lowered so that a
few dozen clicks are counted in several small slices.
"""

from __future__ import annotations

import random
import time as walltime

import pytest

from tracker import reports
from tracker.store import partials

from .helpers import campaign_with_links
from .test_rollups import assert_exact, audience, campaign_id, hit, local, random_clicks, set_now

TZ = "Europe/Berlin"


@pytest.fixture
def db_url(tmp_path):
    return str(tmp_path / "tracker.db")  # SQLite only: PostgreSQL reads live days whole


@pytest.fixture(autouse=True)
def small_slices(monkeypatch):
    monkeypatch.setattr(partials, "COUNT_ON_AFTER", 3)
    monkeypatch.setattr(partials, "CHUNK", 7)


def counted(store, cid) -> dict:
    """What is kept of the campaign's live days: marks and rows per table."""
    return {
        table: store.query(f"SELECT * FROM {table} WHERE campaign_id = ? ORDER BY 1, 2, 3", [cid])
        for table in partials.TABLES
    }


def assert_everything_exact(store, cid, slug="spring"):
    assert audience(store, cid, True) == audience(store, cid, False)
    assert_exact(
        store,
        slug,
        ranges=[("0000-01-01", "9999-12-31"), ("2026-11-09", "2026-11-09")],
        handles=("mia", "jade"),
    )


def test_live_days_counted_so_far_equal_the_full_scan(store, app):
    campaign_with_links(store)  # Europe/Berlin, from 2026-11-01
    cid = campaign_id(store, "spring")
    set_now(store, local(TZ, "2026-11-09", 12))  # 11-09 and 11-10 are live
    rng = random.Random(5)
    for step in range(4):
        random_clicks(app, rng, TZ, "2026-11-09", 2, 40)
        moved = store.count_live_days_so_far(cid)
        assert {day for _, day in moved} == {"2026-11-09", "2026-11-10"}, step
        assert_everything_exact(store, cid)
        random_clicks(app, rng, TZ, "2026-11-09", 2, 5)  # past the marks, read from the log
        assert_everything_exact(store, cid)
    # The counts really are read: a slice of the log they count is removed
    # (never done in production) and the report does not change.
    marks = {r["day"]: r["through_rowid"] for r in counted(store, cid)["partial_marks"]}
    before = reports.campaign_report(store, "spring", "all")
    store.execute(
        "DELETE FROM clicks WHERE day = '2026-11-09' AND rowid < ?", [marks["2026-11-09"] - 3]
    )
    after = reports.campaign_report(store, "spring", "all")
    assert after["totals"] == before["totals"] and after["audience"] == before["audience"]
    assert reports.campaign_report(store, "spring", "all", rollups=False) != before


def test_a_day_that_ends_is_rolled_up_and_its_counts_go(store, app):
    campaign_with_links(store)
    cid = campaign_id(store, "spring")
    set_now(store, local(TZ, "2026-11-09", 12))
    random_clicks(app, random.Random(6), TZ, "2026-11-09", 1, 30)
    assert store.count_live_days_so_far(cid) == [(cid, "2026-11-09")]
    assert counted(store, cid)["visitor_partials"]
    set_now(store, local(TZ, "2026-11-10", 1))
    reports.campaign_report(store, "spring", 7)  # rolls 11-09 up
    assert store.rolled_up_days(cid) == ["2026-11-09"]
    assert all(rows == [] for rows in counted(store, cid).values())
    assert_everything_exact(store, cid)
    # A late click reopens the rolled-up day; it is read whole, then counted again.
    hit(app, "mia-bio", local(TZ, "2026-11-09", 23, 59))
    assert store.rolled_up_days(cid) == []
    assert_everything_exact(store, cid)


def test_a_mark_that_no_longer_names_its_click_is_ignored(store, app):
    """VACUUM renumbers the rowids of a table without an INTEGER PRIMARY
    KEY; here the renumbering is done by hand so that it surely happens."""
    campaign_with_links(store)
    cid = campaign_id(store, "spring")
    set_now(store, local(TZ, "2026-11-09", 12))
    random_clicks(app, random.Random(7), TZ, "2026-11-09", 2, 30)
    store.count_live_days_so_far(cid)
    assert counted(store, cid)["partial_marks"]
    store.execute("UPDATE clicks SET rowid = rowid + 1000")
    assert_everything_exact(store, cid)  # the counts are not read
    random_clicks(app, random.Random(8), TZ, "2026-11-09", 2, 10)
    assert store.count_live_days_so_far(cid)  # starts over
    assert_everything_exact(store, cid)
    marks = counted(store, cid)["partial_marks"]
    assert marks and all(m["through_rowid"] > 1000 for m in marks)


def test_a_day_counted_by_someone_else_meanwhile_is_not_counted_twice(store, app, monkeypatch):
    campaign_with_links(store)
    cid = campaign_id(store, "spring")
    set_now(store, local(TZ, "2026-11-09", 12))
    random_clicks(app, random.Random(9), TZ, "2026-11-09", 1, 30)
    slice_counts = store._slice_counts
    raced = []

    def another_server_first(*args):
        counts = slice_counts(*args)
        if not raced:
            raced.append(True)
            # another process publishes the same slice while we read it
            monkeypatch.setattr(store, "_slice_counts", slice_counts)
            other = type(store)(store.path)
            other.count_day_so_far(cid, "2026-11-09")
            other.close()
        return counts

    monkeypatch.setattr(store, "_slice_counts", another_server_first)
    store.count_day_so_far(cid, "2026-11-09")
    assert raced
    assert_everything_exact(store, cid)


def test_a_crash_while_publishing_a_slice_changes_nothing(store, app, monkeypatch):
    campaign_with_links(store)
    cid = campaign_id(store, "spring")
    set_now(store, local(TZ, "2026-11-09", 12))
    random_clicks(app, random.Random(10), TZ, "2026-11-09", 1, 20)
    store.count_day_so_far(cid, "2026-11-09")
    random_clicks(app, random.Random(11), TZ, "2026-11-09", 1, 20)
    before = counted(store, cid)
    execute = store.execute

    def power_cut(sql, params=()):
        if sql.startswith("INSERT INTO partial_marks"):
            raise RuntimeError("power cut")  # the counts were added just before
        return execute(sql, params)

    monkeypatch.setattr(store, "execute", power_cut)
    with pytest.raises(RuntimeError):
        store.count_day_so_far(cid, "2026-11-09")
    monkeypatch.undo()
    assert counted(store, cid) == before
    assert_everything_exact(store, cid)
    # The report path logs such a failure and reads the day as it stands.
    monkeypatch.setattr(store, "execute", power_cut)
    assert_everything_exact(store, cid)


def test_a_report_only_reads_and_the_servers_thread_counts(store, app):
    campaign_with_links(store)
    cid = campaign_id(store, "spring")
    set_now(store, local(TZ, "2026-11-09", 12))
    random_clicks(app, random.Random(12), TZ, "2026-11-09", 1, 30)
    reports.campaign_report(store, "spring", "all")
    assert all(rows == [] for rows in counted(store, cid).values())  # a report never writes
    store.start_checkpointer(interval=0.02, rollup_every=600, count_every=0.05)
    try:
        deadline = walltime.monotonic() + 20
        while not counted(store, cid)["partial_marks"] and walltime.monotonic() < deadline:
            walltime.sleep(0.05)
        assert counted(store, cid)["partial_marks"]
    finally:
        store.stop_checkpointer()
    assert_everything_exact(store, cid)
