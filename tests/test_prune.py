"""`tracker prune --before DATE` and the partitioned click log: the reports
after a prune equal the reports before it, row for row; every refusal
changes nothing; a click into a pruned day is refused; on PostgreSQL whole
months go as partitions and the partitions ahead exist; migration 0010
keeps every click.

Clicks go through the real redirect at fixed moments of August to November
2026; the prune runs through the real `tracker` command (in process). "Now"
is the real clock: every day clicked here has ended, and the dates pruned
are far enough back for any attribution window.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta

import pytest

from tracker import campaigns, imports, reports
from tracker.redirect import Redirector
from tracker.reports.audience import QUERIED
from tracker.store import open_store
from tracker.store.base import MIGRATION_FILES, read_sql, split_statements

from .helpers import BASE, campaign_with_links, click_row
from .test_rollups import audience, campaign_id, local, random_clicks, summaries

BEFORE = "2026-10-15"
WINDOWS = (7, 14, 30, "last7", "all")
RANGES = (("0000-01-01", "9999-12-31"), ("2026-09-20", "2026-10-20"), ("2026-10-14", "2026-10-16"))


def install(store, app) -> None:
    """Two campaigns (Berlin and Los Angeles) with clicks from August to
    early November, orders by click token (some of pruned clicks) and by code."""
    campaign_with_links(store, starts_on="2026-08-20")
    campaigns.create_campaign(
        store, "west", "West", "https://shop.example/", "2026-08-20", "America/Los_Angeles", "EUR"
    )
    campaigns.enroll(store, "west", "mia", "100")
    campaigns.create_link(store, BASE, "west", "mia", "bio", code="west-bio")
    random_clicks(app, random.Random(5), "Europe/Berlin", "2026-08-25", 72, 260)
    random_clicks(
        app, random.Random(6), "America/Los_Angeles", "2026-09-28", 35, 60, codes=("west-bio",)
    )
    campaigns.add_promo(store, "spring", "jade", "JADE10")
    records = []
    human = store.query(
        "SELECT id, at FROM clicks WHERE is_bot = 0 AND campaign_id = ? ORDER BY day, at, id",
        [campaign_id(store, "spring")],
    )
    for n, click in enumerate(human[::40]):  # early and late clicks, pruned or not
        at = datetime.fromisoformat(click["at"].replace("Z", "+00:00")) + timedelta(hours=5)
        records.append(
            (
                n + 2,
                {
                    "order_id": f"o{n}",
                    "amount": "20.00",
                    "redeemed_at": at.isoformat(),
                    "click_id": click["id"],
                    "code": "",
                },
            )
        )
    records.append(
        (
            99,
            {
                "order_id": "code1",
                "amount": "9.90",
                "redeemed_at": "2026-09-03T10:00:00Z",
                "code": "jade10",
            },
        )
    )
    imports.save_redemptions(store, records, "spring")


def everything(store) -> dict:
    """Every number a report shows, per campaign: the report for every
    window (and a creator), the grouped summaries and audience for several
    ranges, the console's click counts."""
    out: dict = {"console": store.human_clicks_by_campaign()}
    for slug in ("spring", "west"):
        cid = campaign_id(store, slug)
        for window in WINDOWS:
            out[slug, window] = reports.campaign_report(store, slug, window)
        out[slug, "mia"] = reports.campaign_report(store, slug, "all", creator="mia")
        for lo, hi in RANGES:
            out[slug, lo, hi] = summaries(store, cid, True, lo, hi)
            out[slug, lo, hi, "audience"] = audience(store, cid, True, lo, hi)
            out[slug, lo, hi, "both"] = store.click_summaries(
                cid, {"day": ["day"], "creator": ["creator_id"]}, lo, hi
            )
            out[slug, lo, hi, "audience_summary"] = sorted(
                store.audience_summary(cid, lo, hi, QUERIED),
                key=lambda r: (r["creator_id"], r["dimension"], str(r["value"])),
            )
        out[slug, "links"] = store.link_clicks(cid)
    return out


def fingerprint(store) -> tuple:
    """The raw click log and the rollup marks, to see that nothing changed."""
    ids = [r["id"] for r in store.query("SELECT id FROM clicks ORDER BY id")]
    marks = store.query("SELECT campaign_id, day, state FROM rollup_days ORDER BY 1, 2")
    return len(ids), hash(tuple(ids)), tuple(tuple(m.values()) for m in marks)


def pruned_days(store) -> list[str]:
    return [r["day"] for r in store.query("SELECT day FROM rollup_days WHERE state = 'pruned'")]


@pytest.fixture
def loaded(store, app):
    install(store, app)
    store.roll_up_ended_days()
    return store


# -- exactness ------------------------------------------------------------------------


def test_prune_keeps_every_report_exact(loaded, run):
    store = loaded
    before = everything(store)
    old = store.query("SELECT COUNT(*) AS n FROM clicks WHERE day < ?", [BEFORE])[0]["n"]
    assert old > 100
    code, out, err = run("prune", "--before", BEFORE, "--yes", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["clicks"] == old and result["dry_run"] is False
    assert {c["campaign"] for c in result["campaigns"]} == {"spring", "west"}
    assert store.value("SELECT COUNT(*) AS n FROM clicks WHERE day < ?", [BEFORE]) == 0
    assert store.value("SELECT COUNT(*) AS n FROM clicks WHERE day >= ?", [BEFORE]) > 0
    assert min(pruned_days(store)) < "2026-09-01" and max(pruned_days(store)) < BEFORE
    assert everything(store) == before
    # The orders of pruned clicks keep what attribution reads of them.
    kept = store.query("SELECT id FROM kept_clicks")
    assert kept and all(r["day"] < BEFORE for r in store.query("SELECT day FROM kept_clicks"))
    assert set(store.click_facts([r["id"] for r in kept])) == {r["id"] for r in kept}
    # Again: nothing left to prune, and still the same.
    code, out, err = run("prune", "--before", BEFORE, "--yes")
    assert code == 0 and "nothing to prune" in err, err
    assert everything(store) == before


def test_prune_by_day_says_each_day_and_how_to_reclaim_space(loaded, run):
    store = loaded
    code, out, err = run("prune", "--before", "2026-09-01", "--yes")
    assert code == 0, err
    deleted_lines = [line for line in err.splitlines() if line.endswith("clicks deleted")]
    if store.dialect == "sqlite":
        assert len(deleted_lines) == len(pruned_days(store)) > 3
        assert "VACUUM" in err
    assert "pruned" in out
    code, out, err = run("prune", "--before", "2026-09-10", "--yes", "--vacuum")
    assert code == 0 and "VACUUM" in err, err


def test_a_dry_run_changes_nothing(loaded, run):
    store = loaded
    seen = fingerprint(store)
    code, out, err = run("prune", "--before", BEFORE, "--dry-run", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["dry_run"] is True and result["clicks"] > 100
    assert "spring:" in err and "west:" in err
    assert fingerprint(store) == seen and not pruned_days(store)


def test_without_yes_and_nobody_to_answer_nothing_is_pruned(loaded, run):
    seen = fingerprint(loaded)
    code, out, err = run("prune", "--before", BEFORE)
    assert code == 2 and "--yes" in err
    assert fingerprint(loaded) == seen


# -- refusals ------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2026-13-01", "last month", ""])
def test_a_bad_date_is_refused(loaded, run, text):
    seen = fingerprint(loaded)
    code, out, err = run("prune", "--before", text, "--yes")
    assert code == 2 and "--before" in err and "YYYY-MM-DD" in err, err
    assert fingerprint(loaded) == seen


def test_a_date_orders_may_still_need_is_refused(loaded, run):
    store = loaded
    campaigns.set_attribution_days(store, "west", 60)
    latest = (datetime.now(UTC).date() - timedelta(days=61)).isoformat()
    too_recent = (date.fromisoformat(latest) + timedelta(days=1)).isoformat()
    seen = fingerprint(store)
    code, out, err = run("prune", "--before", too_recent, "--yes")
    assert code == 2 and f"the latest date allowed today is {latest}" in err, err
    assert "60 days" in err
    assert fingerprint(store) == seen


def test_a_day_not_rolled_up_is_refused_and_nothing_changes(loaded, run):
    """A rollup running (a fresh claim) or failed leaves a day unrolled: the
    prune names it and prunes no day at all, not even the ones before it."""
    store = loaded
    cid = campaign_id(store, "west")
    day = store.query(
        "SELECT MIN(day) AS day FROM clicks WHERE campaign_id = ? AND day >= '2026-10-05'", [cid]
    )[0]["day"]
    with store.transaction():
        for table in ("click_rollups", "visitor_rollups", "audience_rollups", "rollup_days"):
            store.execute(f"DELETE FROM {table} WHERE campaign_id = ? AND day = ?", [cid, day])
        store.execute(
            "INSERT INTO rollup_days (campaign_id, day, state, token, rolled_at) "
            "VALUES (?, ?, 'rolling', 'someone', ?)",
            [cid, day, datetime.now(UTC).isoformat()],
        )
    seen = fingerprint(store)
    code, out, err = run("prune", "--before", BEFORE, "--yes")
    assert code == 2, err
    assert "'west'" in err and day in err and "nothing was pruned" in err, err
    assert fingerprint(store) == seen and not pruned_days(store)


def test_a_late_click_into_a_pruned_day_is_refused(loaded, run, app):
    store = loaded
    assert run("prune", "--before", BEFORE, "--yes")[0] == 0
    cid = campaign_id(store, "spring")
    day = max(d for d in pruned_days(store))
    report = everything(store)
    seen = fingerprint(store)
    link = store.link_for_redirect("mia-bio")
    with pytest.raises(Exception, match="pruned"):
        store.insert_click(click_row(link, 1, day=day, at=f"{day}T12:00:00.000000Z"))
    assert fingerprint(store) == seen
    assert everything(store) == report
    # A day that was never clicked is not pruned: a late click there is taken.
    store.insert_click(click_row(link, 2, day="2026-08-01", at="2026-08-01T12:00:00.000000Z"))
    assert (
        store.value(
            "SELECT COUNT(*) AS n FROM clicks WHERE campaign_id = ? AND day = '2026-08-01'", [cid]
        )
        == 1
    )


def test_the_console_counts_and_time_zone_guard_see_pruned_clicks(loaded, run):
    """Every raw click of the campaigns pruned (short attribution windows
    allow it): the console still counts them, and a campaign whose days are
    in its rollups cannot change its time zone."""
    store = loaded
    for slug in ("spring", "west"):
        campaigns.set_attribution_days(store, slug, 1)
    counts = store.human_clicks_by_campaign()
    links = store.link_clicks(campaign_id(store, "spring"))
    assert run("prune", "--before", "2026-11-10", "--yes")[0] == 0, "prune"
    assert store.click_count() == 0
    assert store.human_clicks_by_campaign() == counts
    assert store.link_clicks(campaign_id(store, "spring")) == links
    assert store.pruned_click_count(campaign_id(store, "west")) > 0
    with pytest.raises(Exception, match="time zone can change only before the first click"):
        campaigns.update_campaign(store, "west", timezone_name="UTC")


# -- PostgreSQL: the partitioned click log ----------------------------------------------


def partitions(store) -> dict[str, tuple]:
    return {p["name"]: (p["from"], p["to"]) for p in store.click_partitions()}


def month_name(day: date) -> str:
    return f"clicks_{day.year:04d}_{day.month:02d}"


def test_postgresql_drops_whole_months_and_keeps_months_ahead(pg_url, run_on):
    store = open_store(pg_url)
    store.migrate()
    from tracker.settings import Config
    from tracker.web.app import create_app

    app = create_app(Config(database=pg_url, base_url=BASE), store=store)
    install(store, app)
    assert (
        store.value(
            "SELECT COUNT(*) AS n FROM pg_partitioned_table WHERE partrelid = CAST('clicks' AS regclass)"
        )
        == 1
    )
    # August to October landed in DEFAULT (only now and two months ahead are
    # made ahead); housekeeping, and prune itself first, moves them to
    # partitions of their own.
    assert store.value("SELECT COUNT(*) AS n FROM clicks_default") > 0
    total = store.click_count()
    store.roll_up_ended_days()
    before = everything(store)
    code, out, err = run_on(pg_url, "prune", "--before", BEFORE, "--dry-run")
    assert code == 0 and "partition clicks_2026_08" in err, err
    assert store.value("SELECT COUNT(*) AS n FROM clicks_default") == 0
    assert store.click_count() == total and everything(store) == before
    code, out, err = run_on(pg_url, "prune", "--before", BEFORE, "--yes", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert [p["name"] for p in result["partitions"]] == ["clicks_2026_08", "clicks_2026_09"]
    now = partitions(store)
    assert "clicks_2026_08" not in now and "clicks_2026_09" not in now
    assert now["clicks_2026_10"] == ("2026-10-01", "2026-11-01")  # partly pruned, by day
    assert store.value("SELECT COUNT(*) AS n FROM clicks WHERE day < ?", [BEFORE]) == 0
    assert store.value("SELECT COUNT(*) AS n FROM clicks_2026_10") > 0
    today = datetime.now(UTC).date().replace(day=1)
    ahead = [today, (today + timedelta(days=32)).replace(day=1)]
    ahead.append((ahead[1] + timedelta(days=32)).replace(day=1))
    assert {month_name(m) for m in ahead} <= set(now)
    assert "clicks_default" in now
    assert everything(store) == before
    store.close()


def test_housekeeping_keeps_the_partitions_ahead(pg_url):
    store = open_store(pg_url)
    store.migrate()
    store.clock = lambda: datetime(2027, 3, 10, 12, tzinfo=UTC)
    redirector = Redirector(store, fallback=None, clock=store.clock)
    redirector.keep_click_partitions()
    names = partitions(store)
    assert names["clicks_2027_05"] == ("2027-05-01", "2027-06-01")
    assert {"clicks_2027_03", "clicks_2027_04"} <= set(names)
    assert store.ensure_click_partitions() == []  # idempotent
    store.close()


def test_a_click_in_default_moves_to_its_month_and_stays_counted(pg_url):
    store = open_store(pg_url)
    store.migrate()
    campaign_with_links(store)
    link = store.link_for_redirect("mia-bio")
    for n in range(3):
        assert store.insert_click(click_row(link, n, day="2026-05-0" + str(n + 1)))
    assert store.value("SELECT COUNT(*) AS n FROM clicks_default") == 3
    assert "clicks_2026_05" in store.ensure_click_partitions()
    assert store.value("SELECT COUNT(*) AS n FROM clicks_2026_05") == 3
    assert store.value("SELECT COUNT(*) AS n FROM clicks_default") == 0
    # The moved rows are under the primary key of clicks: a click twice is refused.
    with pytest.raises(Exception, match="duplicate key"):
        store.insert_click(click_row(link, 0, day="2026-05-01"))
    store.close()


# -- migration 0010 ------------------------------------------------------------------


def version_9(url):
    """A database made by migrations 1 to 9, as an install was before 10."""
    old = open_store(url)
    with old.transaction():
        old.execute(
            "CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, "
            "applied_at TEXT NOT NULL)"
        )
        for version in range(1, 10):
            for statement in split_statements(old._ddl(read_sql(MIGRATION_FILES[version]))):
                old.execute(statement)
            old.execute("INSERT INTO schema_migrations VALUES (?, 'then')", [version])
    return old


def test_migration_10_keeps_every_click_and_the_report(db_url, tmp_path, request):
    if db_url.startswith("postgresql"):
        url = request.getfixturevalue("new_pg_url")()
    else:
        url = str(tmp_path / "v9.db")
    old = version_9(url)
    campaign_with_links(old, starts_on="2026-09-01")
    links = [old.link_for_redirect(c) for c in ("mia-bio", "mia-ad", "jade-bio", "jade-x")]
    rng = random.Random(9)
    for n in range(400):
        day = date(2026, 9, 1) + timedelta(days=rng.randrange(80))
        old.insert_click(
            click_row(
                rng.choice(links),
                n,
                day=day.isoformat(),
                at=f"{day}T{rng.randrange(24):02d}:00:00.000000Z",
                visitor=f"v{rng.randrange(30)}",
                is_bot=int(rng.random() < 0.1),
                source=rng.choice(["organic", "sponsored"]),
                country=rng.choice(["DE", "AT", None]),
            )
        )
    cid = campaign_id(old, "spring")
    old.clock = lambda: local("Europe/Berlin", "2026-10-15")
    old._drop_partials = lambda *args: None  # version 9 had no counts of live days (11)
    old.roll_up_ended_days()  # some days rolled up at version 9
    del old._drop_partials
    checksum = "SELECT COUNT(*) AS n, MIN(id) AS lo, MAX(id) AS hi FROM clicks"
    ids = [r["id"] for r in old.query("SELECT id FROM clicks ORDER BY id")]
    full = summaries(old, cid, False)
    full_audience = audience(old, cid, False)
    count_before = old.one(checksum)
    old.migrate()
    assert [r["id"] for r in old.query("SELECT id FROM clicks ORDER BY id")] == ids
    assert old.one(checksum) == count_before and len(ids) == 400
    assert summaries(old, cid, False) == full == summaries(old, cid, True)
    assert audience(old, cid, False) == full_audience == audience(old, cid, True)
    assert old.rolled_up_days(cid)  # the migration reopened no rolled-up day
    for window in WINDOWS:
        assert reports.campaign_report(old, "spring", window) == reports.campaign_report(
            old, "spring", window, rollups=False
        )
    if old.dialect == "postgresql":
        names = partitions(old)
        assert {"clicks_2026_09", "clicks_2026_10", "clicks_2026_11", "clicks_default"} <= set(
            names
        )
        assert old.value("SELECT COUNT(*) AS n FROM clicks_default") == 0
        assert old.value("SELECT COUNT(*) AS n FROM clicks_2026_09") > 0
    # The new trigger reopens a rolled-up day for a late click, as before.
    day = old.rolled_up_days(cid)[0]
    old.insert_click(click_row(links[0], 999, day=day))
    assert day not in old.rolled_up_days(cid)
    assert summaries(old, cid, True) == summaries(old, cid, False)
    old.close()


@pytest.fixture
def run_on(capsys):
    """The `tracker` command in-process against another database."""
    from tracker.cli import main

    def run(db, *args):
        code = main(["--db", db, "--base-url", BASE, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_prune_command_is_in_the_help(run):
    code, out, err = run("prune", "--help")
    assert code == 0 and "--before" in out and "--dry-run" in out and "rolled up" in out
