"""The running counts of live days (tracker/store/partials.py), on SQLite
and PostgreSQL: a report that reads a live day as counted so far plus the
clicks after the mark equals the full scan of the click log, whatever
happened meanwhile: more clicks, a day that ends and is rolled up, a
renumbered table (SQLite), a lost race, a crash in the middle of
publishing; on PostgreSQL also a click that commits after the positions
after it were handed out, and a click copied in with its own id.

Clicks go through the real redirect; the thresholds are lowered so that a
few dozen clicks are counted in several small slices.
"""

from __future__ import annotations

import random
import threading
import time as walltime

import pytest

from tracker import reports
from tracker.store import partials
from tracker.store.clicks import CLICK_COLUMNS

from .helpers import campaign_with_links
from .test_rollups import assert_exact, audience, campaign_id, hit, local, random_clicks, set_now

TZ = "Europe/Berlin"


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
    marks = {r["day"]: r[store.MARK_COLUMN] for r in counted(store, cid)["partial_marks"]}
    before = reports.campaign_report(store, "spring", "all")
    store.execute(
        f"DELETE FROM clicks WHERE day = '2026-11-09' AND {store.POSITION} < ?",
        [marks["2026-11-09"] - 3],
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
    KEY; here the renumbering is done by hand so that it surely happens.
    (PostgreSQL's positions are never renumbered.)"""
    if store.dialect != "sqlite":
        pytest.skip("SQLite's rowids only")
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
            other = type(store)(store.url)
            other.count_day_so_far(cid, "2026-11-09")
            other.close()
        return counts

    monkeypatch.setattr(store, "_slice_counts", another_server_first)
    store.count_day_so_far(cid, "2026-11-09")
    assert raced
    assert_everything_exact(store, cid)


def test_servers_publishing_the_same_slice_at_once_publish_it_once(store, app, monkeypatch):
    """Another server reaches its publish while ours is in progress: it
    waits for ours (SQLite: the write lock; PostgreSQL: an advisory lock)
    and then finds the mark moved."""
    campaign_with_links(store)
    cid = campaign_id(store, "spring")
    set_now(store, local(TZ, "2026-11-09", 12))
    random_clicks(app, random.Random(16), TZ, "2026-11-09", 1, 30)
    other = type(store)(store.url)
    others_count = []
    rolled_up = store._rolled_up

    def another_server_meanwhile(*args):
        if not others_count:
            others_count.append(None)
            racing = threading.Thread(
                target=lambda: others_count.append(other.count_day_so_far(cid, "2026-11-09"))
            )
            racing.start()
            racing.join(1.0)  # it waits for our publish, or publishes first
        return rolled_up(*args)

    monkeypatch.setattr(store, "_rolled_up", another_server_meanwhile)
    try:
        assert store._count_chunk(cid, "2026-11-09", 3)
        monkeypatch.undo()
        deadline = walltime.monotonic() + 20
        while len(others_count) < 2 and walltime.monotonic() < deadline:
            walltime.sleep(0.05)
        assert len(others_count) == 2
    finally:
        other.close()
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
    store.start_counting(rollup_every=600, count_every=0.05)
    stop = store.stop_counting
    try:
        deadline = walltime.monotonic() + 20
        while not counted(store, cid)["partial_marks"] and walltime.monotonic() < deadline:
            walltime.sleep(0.05)
        assert counted(store, cid)["partial_marks"]
    finally:
        stop()
    assert_everything_exact(store, cid)


# -- PostgreSQL: positions handed out in one order, committed in another ------


def pg_only(store):
    if store.dialect != "postgresql":
        pytest.skip("PostgreSQL's positions only")


def click_row(store, cid, day, n) -> dict:
    """A click like the redirect's, with its own id, for a direct INSERT."""
    link = store.one("SELECT id, creator_id FROM links WHERE code = 'mia-bio'")
    row = dict.fromkeys(CLICK_COLUMNS)
    row.update(
        id=f"late-{n}",
        link_id=link["id"],
        campaign_id=cid,
        creator_id=link["creator_id"],
        at=f"{day}T11:00:00.000000Z",
        day=day,
        source="organic",
        platform="instagram",
        reason="test",
        is_bot=0,
        visitor=f"late-visitor-{n}",
        country="DE",
        qr=0,
    )
    return row


def insert_in_open_transaction(store, row):
    """Another session inserts the click and keeps its transaction open:
    its position is handed out now, its commit comes when the caller says
    (a connection used in `with` is closed at its end, rolled back unless
    committed)."""
    import psycopg

    conn = psycopg.connect(store.url)  # not autocommit: a transaction begins
    cols = list(row)
    conn.execute(
        f"INSERT INTO clicks ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})",
        [row[c] for c in cols],
    )
    return conn


def test_a_click_that_commits_after_later_ones_is_counted(store, app):
    """Its position is below the clicks committed after it: the count waits
    for its transaction (or does not move the mark), and it is never lost."""
    pg_only(store)
    campaign_with_links(store)
    cid = campaign_id(store, "spring")
    set_now(store, local(TZ, "2026-11-09", 12))
    rng = random.Random(13)
    random_clicks(app, rng, TZ, "2026-11-09", 1, 10)
    store.count_day_so_far(cid, "2026-11-09")
    # A click whose transaction stays open while later clicks commit and
    # the day is counted: the count gives up waiting and moves nothing.
    with insert_in_open_transaction(store, click_row(store, cid, "2026-11-09", 1)) as slow:
        random_clicks(app, rng, TZ, "2026-11-09", 1, 20)
        before = counted(store, cid)["partial_marks"]
        assert not store.count_day_so_far(cid, "2026-11-09")
        assert counted(store, cid)["partial_marks"] == before
        slow.commit()
    assert store.count_day_so_far(cid, "2026-11-09")
    assert_everything_exact(store, cid)
    # One that commits while the count waits for it: counted with its slice.
    with insert_in_open_transaction(store, click_row(store, cid, "2026-11-09", 2)) as slow:
        random_clicks(app, rng, TZ, "2026-11-09", 1, 20)
        committing = threading.Timer(0.3, slow.commit)
        committing.start()
        assert store.count_day_so_far(cid, "2026-11-09")
        committing.join()
    assert store.value("SELECT COUNT(*) FROM clicks WHERE id = 'late-2'") == 1
    assert_everything_exact(store, cid)
    position = store.value("SELECT seq FROM clicks WHERE id = 'late-2'")
    assert position <= counted(store, cid)["partial_marks"][0]["through_seq"]


def test_a_click_copied_in_with_its_own_id_after_the_mark_is_counted(store, app):
    """migrate-data and bulk loads insert clicks with their ids: each gets a
    position of its own, above every mark, however its id sorts; and a copy
    from PostgreSQL does not bring its positions along."""
    pg_only(store)
    campaign_with_links(store)
    cid = campaign_id(store, "spring")
    set_now(store, local(TZ, "2026-11-09", 12))
    random_clicks(app, random.Random(14), TZ, "2026-11-09", 1, 30)
    assert store.count_day_so_far(cid, "2026-11-09")
    rows = [click_row(store, cid, "2026-11-09", n) for n in range(3)]
    rows[0]["id"] = "0"  # below every random id
    with store.transaction():
        store.copy_rows("clicks", rows)
    assert_everything_exact(store, cid)
    assert store.count_day_so_far(cid, "2026-11-09", at_least=1)
    assert_everything_exact(store, cid)
    copied = store.table_rows("clicks")
    try:
        assert "seq" not in next(copied)
    finally:
        copied.close()  # its server-side cursor


def test_a_counted_day_moved_to_its_month_partition_keeps_its_positions(store, app):
    """A day no partition covers is written to DEFAULT; making its month's
    partition moves its clicks, each with its position (counted once)."""
    pg_only(store)
    campaign_with_links(store)
    cid = campaign_id(store, "spring")
    day = "2027-06-09"  # beyond the months made ahead
    set_now(store, local(TZ, day, 12))
    random_clicks(app, random.Random(15), TZ, day, 1, 30)
    assert store.value("SELECT COUNT(*) FROM clicks_default") > 0
    assert store.count_day_so_far(cid, day)
    assert "clicks_2027_06" in store.ensure_click_partitions(now=local(TZ, day, 12))
    assert store.value("SELECT COUNT(*) FROM clicks_default") == 0
    assert_everything_exact(store, cid)
