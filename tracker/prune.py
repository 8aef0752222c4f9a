"""`tracker prune --before DATE`: delete raw clicks older than a date once
their days are rolled up, so a busy install keeps a year of reports without
keeping a year of click rows (docs/scaling.md, "Partitions and retention").

What stays: every rolled-up day's rollups (the report, the stats page, the
API read them: they stay exact), orders, and what attribution reads of the
clicks that orders name (kept_clicks). What goes: the raw click rows, so
the click CSV of those days is empty and they can never be counted afresh.

Refused, with nothing changed: a date that is not a date; a date so recent
that an order could still name one of its clicks (the longest attribution
window of any campaign, plus a day for time zones); any day before the
date that has clicks and is not rolled up (a rollup that failed, or is
running). The SQL is in tracker/store/pruning.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from . import validate
from .errors import BadInput
from .store import Store

Progress = Callable[[str], None]


def latest_allowed(store: Store) -> str:
    """The most recent --before allowed today: a click on a day before it
    was made more than every campaign's attribution window ago, so no new
    order can be credited to it (the extra day covers time zones: a local
    day ends up to 14 hours after the UTC one)."""
    today = store.clock().date()
    return (today - timedelta(days=store.max_attribution_days() + 1)).isoformat()


def check_date(store: Store, before_text: str) -> str:
    before = validate.day(before_text, "--before").isoformat()
    latest = latest_allowed(store)
    if before > latest:
        days = store.max_attribution_days()
        raise BadInput(
            f"--before {before} is too recent: orders may still name clicks of the last "
            f"{days} days (the longest attribution window of a campaign) plus one; "
            f"the latest date allowed today is {latest}"
        )
    return before


def plan(store: Store, before_text: str) -> dict:
    """What a prune before the date removes (nothing is removed here;
    ended days are rolled up first, as a report would, and on PostgreSQL
    the partitions are put in order, as the servers' housekeeping would).

    Refuses (BadInput) as the module says. The plan: per campaign the days
    and clicks (bots too, as their rollups count them); on PostgreSQL the
    month partitions dropped whole, the other days deleted day by day."""
    before = check_date(store, before_text)
    # As a server's housekeeping would: months ahead, and clicks that sit in
    # the DEFAULT partition moved to their month's, so it can be dropped whole.
    store.ensure_click_partitions()
    store.roll_up_ended_days()
    campaigns = store.campaigns()
    _refuse_unrolled(store, campaigns, before)
    days: list[dict] = []
    for campaign in campaigns:
        for row in store.click_days_before(campaign["id"], before):
            days.append(
                {
                    "campaign_id": campaign["id"],
                    "campaign": campaign["slug"],
                    "day": row["day"],
                    "clicks": int(row["clicks"]),
                }
            )
    partitions = []
    for partition in store.click_partitions():
        if partition["to"] is None or partition["to"] > before:
            continue
        inside = [d for d in days if partition["from"] <= d["day"] < partition["to"]]
        partitions.append({**partition, "clicks": sum(d["clicks"] for d in inside)})
        for d in inside:
            d["partition"] = partition["name"]
    return {
        "before": before,
        "clicks": sum(d["clicks"] for d in days),
        "campaigns": _per_campaign(campaigns, days),
        "partitions": partitions,
        "days": days,
    }


def _refuse_unrolled(store: Store, campaigns: list[dict], before: str) -> None:
    """A day before the date with clicks that are not rolled up would lose
    them from every report: refuse, naming the first such day."""
    last = (validate.day(before) - timedelta(days=1)).isoformat()
    for campaign in campaigns:
        late = store.days_to_roll_up(campaign["id"], last)
        if late:
            raise BadInput(
                f"campaign {campaign['slug']!r} has clicks on {late[0]} that are not rolled up "
                f"(its rollup failed or is running right now; see the server's log), "
                f"{len(late)} day(s) in all; nothing was pruned, try again later"
            )


def _per_campaign(campaigns: list[dict], days: list[dict]) -> list[dict]:
    out = []
    for campaign in campaigns:
        mine = [d for d in days if d["campaign_id"] == campaign["id"]]
        if mine:
            out.append(
                {
                    "campaign": campaign["slug"],
                    "days": len(mine),
                    "clicks": sum(d["clicks"] for d in mine),
                    "first_day": mine[0]["day"],
                    "last_day": mine[-1]["day"],
                }
            )
    return out


def prune(store: Store, planned: dict, progress: Progress | None = None) -> dict:
    """Carry out a plan: keep what attribution needs of the clicks orders
    name, drop the whole months (PostgreSQL), delete the other days one by
    one (each day one transaction: a prune that stops half way has pruned
    whole days, each exact). Returns the plan with what was removed."""
    progress = progress or (lambda text: None)
    before = planned["before"]
    store.keep_ordered_clicks(before)
    for partition in planned["partitions"]:
        inside = [
            (d["campaign_id"], d["day"])
            for d in planned["days"]
            if d.get("partition") == partition["name"]
        ]
        store.drop_click_partition(partition, inside)
        progress(
            f"dropped {partition['name']} ({partition['from']} to {partition['to']}, "
            f"excluded): {partition['clicks']} clicks"
        )
    deleted = 0
    for d in planned["days"]:
        if "partition" in d:
            continue
        n = store.prune_click_day(d["campaign_id"], d["day"])
        deleted += n
        progress(f"{d['campaign']} {d['day']}: {n} clicks deleted")
    return {**planned, "deleted_by_day": deleted}


def summary(planned: dict) -> list[str]:
    """The plan for a person: one line per campaign and per partition."""
    if not planned["days"] and not planned["partitions"]:
        return [f"no raw clicks before {planned['before']}: nothing to prune"]
    lines = [f"raw clicks before {planned['before']}: {planned['clicks']}"]
    for c in planned["campaigns"]:
        lines.append(
            f"  {c['campaign']}: {c['clicks']} clicks on {c['days']} day(s), "
            f"{c['first_day']} to {c['last_day']}"
        )
    for p in planned["partitions"]:
        lines.append(
            f"  partition {p['name']} ({p['from']} to {p['to']}, excluded) "
            f"dropped: {p['clicks']} clicks"
        )
    return lines
