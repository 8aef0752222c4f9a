"""The CSV export: the same bytes as the row-by-row way it was written
before (dicts, safe_cell, csv.writer), now that the database finishes the
cells and the writer takes them a batch at a time; on both databases."""

from __future__ import annotations

import csv
import io
import os

import pytest

from tracker.reports import export
from tracker.store.clicks import CLICK_COLUMNS

from .helpers import campaign_with_links

# Cells a spreadsheet would run, cells the CSV must quote, and plain ones.
NASTY = [
    "=cmd|'/c calc'!A1",
    "+1",
    "-2",
    "@SUM(A1)",
    "\tTab",
    "\rReturn",
    "comma, inside",
    'quote " inside',
    "line\nbreak",
    "'already quoted",
    "ünïcødé ✓",
    "",
    None,
    " =space first",
    "x",
]


def reference_csv(store, campaign_id, day_from, day_to, include_bots, creator_id=None) -> str:
    """The export as it was written before: one dict per row, safe_cell per cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(export.COLUMNS)
    for row in store.export_clicks(campaign_id, day_from, day_to, include_bots, creator_id):
        row["is_bot"] = bool(row["is_bot"])
        row["qr_scan"] = bool(row["qr_scan"])
        writer.writerow([export.safe_cell(row[c]) for c in export.COLUMNS])
    return buffer.getvalue()


@pytest.fixture
def nasty_clicks(store):
    campaign_with_links(store)
    campaign = store.campaign("spring")
    links = {r["code"]: r for r in store.query("SELECT * FROM links")}
    rows = []
    for i in range(700):  # more than one fetch, many chunks
        link = links[["mia-bio", "mia-ad", "jade-bio", "jade-x"][i % 4]]
        value = NASTY[i % len(NASTY)]
        rows.append(
            {
                "id": f"c{i:05d}" if i % 7 else f"-{i:05d}",
                "link_id": link["id"],
                "campaign_id": campaign["id"],
                "creator_id": link["creator_id"],
                "at": f"2026-11-{1 + i % 9:02d}T{i % 24:02d}:00:00.{i:06d}Z",
                "day": f"2026-11-{1 + i % 9:02d}",
                "referrer": value,
                "referrer_host": value,
                "user_agent": value or "ua",
                "device": value,
                "os": NASTY[(i + 3) % len(NASTY)],
                "browser": NASTY[(i + 5) % len(NASTY)],
                "in_app": None,
                "source": ["organic", "sponsored", "unknown"][i % 3],
                "platform": "=platform" if i % 11 == 0 else "tiktok",
                "reason": NASTY[(i + 1) % len(NASTY)] or "r",
                "ad_click_id": NASTY[(i + 2) % len(NASTY)],
                "is_bot": int(i % 5 == 0),
                "visitor": NASTY[(i + 4) % len(NASTY)] or "v",
                "country": NASTY[(i + 6) % len(NASTY)],
                "language": NASTY[(i + 7) % len(NASTY)],
                "qr": int(i % 3 == 0),
            }
        )
    with store.transaction():
        store.copy_rows("clicks", [{c: r[c] for c in CLICK_COLUMNS} for r in rows])
    return campaign["id"]


@pytest.mark.parametrize(
    "since, until, include_bots, creator",
    [
        (None, None, True, None),
        (None, None, False, None),
        ("2026-11-03", "2026-11-05", True, None),
        (None, None, True, "jade"),
        ("2026-11-02", None, False, "mia"),
    ],
)
def test_export_bytes_are_unchanged(store, nasty_clicks, since, until, include_bots, creator):
    creator_id = store.creator(creator)["id"] if creator else None
    want = reference_csv(
        store, nasty_clicks, since or "0000-01-01", until or "9999-12-31", include_bots, creator_id
    )
    rows = export.click_rows(store, "spring", since, until, include_bots, creator)
    got = "".join(export.csv_chunks(rows))
    assert got == want
    assert rows.count == len(list(csv.reader(io.StringIO(want)))) - 1 > 0  # one per click
    # Any chunk size gives the same text, and chunks are about the size asked for.
    chunks = list(
        export.csv_chunks(
            export.click_rows(store, "spring", since, until, include_bots, creator),
            chunk_chars=4096,
        )
    )
    assert "".join(chunks) == want
    assert all(len(c) < 4096 + 256 * 400 for c in chunks)
    # Iterating rows (header first) still gives lists of cells.
    listed = list(export.click_rows(store, "spring", since, until, include_bots, creator))
    assert listed[0] == list(export.COLUMNS)
    assert "".join(export.csv_chunks(listed)) == want


def test_risky_cells_are_quoted_in_the_query(store, nasty_clicks):
    rows = list(
        csv.reader(
            io.StringIO(
                "".join(export.csv_chunks(export.click_rows(store, "spring", include_bots=True)))
            )
        )
    )
    header, body = rows[0], rows[1:]
    cells = [dict(zip(header, r)) for r in body]
    assert {c["is_bot"] for c in cells} == {c["qr_scan"] for c in cells} == {"true", "false"}
    assert {c["referrer_host"] for c in cells} >= {
        "'=cmd|'/c calc'!A1",
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "'\tTab",
        "'\rReturn",
        "",
        " =space first",
    }
    assert "'-00000" in {c["click_id"] for c in cells}
    assert "'=platform" in {c["platform"] for c in cells}


def test_an_export_lets_the_wal_start_over_between_days(tmp_path):
    """SQLite reads one day per statement (SQLiteStore.export_click_cells):
    once a day's rows are read, no read of the export holds the WAL, and a
    checkpoint can start it over. Walking clicks_export, a whole-campaign
    statement would hold it until the last row (no sort ends the read early)."""
    import sqlite3

    from tracker.store import open_store

    from .helpers import click_row

    path = str(tmp_path / "wal.db")
    store = open_store(path)
    store.migrate()
    campaign_with_links(store)
    link = store.link_for_redirect("mia-bio")
    days = ["2026-11-10", "2026-11-11", "2026-11-12"]
    n = 0
    for day in days:
        for _ in range(7):
            n += 1
            store.insert_click(click_row(link, n, day=day, at=f"{day}T10:00:{n:02d}.000000Z"))
    other = sqlite3.connect(path, isolation_level=None)

    other.execute("CREATE TABLE scratch (n INTEGER)")

    def write():  # a commit that adds pages to the WAL
        other.execute("INSERT INTO scratch VALUES (1)")

    def wal_starts_over() -> bool:
        write()
        busy, _, _ = other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        emptied = busy == 0 and os.path.getsize(path + "-wal") == 0
        write()  # so that the next read starts inside the WAL, as on a busy server
        return emptied

    batches = store.export_click_cells(link["campaign_id"], days[0], days[-1], True, batch=5)
    seen_days, starts_over = [], []
    for batch in batches:  # 5 rows, then the day's last 2: the day's read is done
        seen_days.append({row[1][:10] for row in batch})
        starts_over.append(wal_starts_over())
    other.close()
    store.close()

    assert seen_days == [{day} for day in days for _ in (1, 2)]
    assert starts_over == [False, True] * 3, starts_over


def test_rows_are_in_time_order_whatever_the_write_order(store):
    """Within the campaign: by local day, then time, then click id (two
    clicks in the same microsecond), however the rows lie in the table."""
    import random

    campaign_with_links(store)
    campaign = store.campaign("spring")
    link = store.one("SELECT * FROM links WHERE code = 'mia-bio'")
    rows = []
    for i in range(400):
        day = f"2026-11-{1 + i % 3:02d}"
        # UTC times of the previous evening sort before the morning's: the
        # local day, not the time, comes first.
        at = f"2026-11-{i % 3:02d}T23:{i % 7:02d}:00.000000Z" if i % 5 == 0 else None
        at = at or f"{day}T{i % 11:02d}:{i % 13:02d}:00.{i % 4:06d}Z"
        rows.append(
            {
                "id": f"k{random.Random(i).getrandbits(40):012x}",
                "link_id": link["id"],
                "campaign_id": campaign["id"],
                "creator_id": link["creator_id"],
                "at": at,
                "day": day,
                "referrer": None,
                "referrer_host": None,
                "user_agent": "ua",
                "device": None,
                "os": None,
                "browser": None,
                "in_app": None,
                "source": "organic",
                "platform": "tiktok",
                "reason": "r",
                "ad_click_id": None,
                "is_bot": 0,
                "visitor": f"v{i % 17}",
                "country": None,
                "language": None,
                "qr": 0,
            }
        )
    random.Random(7).shuffle(rows)  # the table's order is not the time order
    with store.transaction():
        store.copy_rows("clicks", [{c: r[c] for c in CLICK_COLUMNS} for r in rows])
    want = [r["id"] for r in sorted(rows, key=lambda r: (r["day"], r["at"], r["id"]))]
    assert len(set((r["at"], r["day"]) for r in rows)) < len(rows)  # ties on time
    assert [r[0] for r in exported(store)] == want
    later = {r["id"] for r in rows if r["day"] >= "2026-11-02"}
    assert [r[0] for r in exported(store, since="2026-11-02")] == [i for i in want if i in later]


def exported(store, **kw) -> list[list[str]]:
    """The campaign's export (bots included), parsed, without its header."""
    rows = export.click_rows(store, "spring", include_bots=True, **kw)
    return list(csv.reader(io.StringIO("".join(export.csv_chunks(rows)))))[1:]


def test_sqlite_export_walks_an_index_in_its_order(store, nasty_clicks):
    """SQLite reads the export's rows in clicks_export's order: no sort (a
    temporary B-tree per day was about half of a large export's time)."""
    if store.dialect != "sqlite":
        pytest.skip("PostgreSQL sorts each day (it has no clicks_export index)")
    conn = store._conn()
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        assert "".join(export.csv_chunks(export.click_rows(store, "spring", include_bots=True)))
    finally:
        conn.set_trace_callback(None)
    reads = [s for s in statements if "ORDER BY k.day, k.at, k.id" in s]
    assert len(reads) == 9  # one per day
    for sql in reads:
        plan = [r["detail"] for r in store.query(f"EXPLAIN QUERY PLAN {sql}")]
        assert any("USING INDEX clicks_export" in p for p in plan), plan
        assert not any("TEMP B-TREE" in p for p in plan), plan
