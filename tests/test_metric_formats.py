"""Platform metrics exports read as marketers download them (tracker.metrics).

Pure: no store, no server. Every expected figure below was computed by hand
from the fixture in tests/data/imports/, with the arithmetic written out.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from tracker.errors import BadInput, TooLarge
from tracker.imports import RowErrors
from tracker.metrics import dates, numbers, parse_metrics
from tracker.vocabulary import METRIC_COLUMNS

DATA = Path(__file__).resolve().parent / "data" / "imports"
HANDLES = ("mia", "jade")


def parse(name: str, currency: str = "USD", handles=HANDLES, **kw):
    return parse_metrics(DATA / name, name, handles=handles, currency=currency, **kw)


def parse_text(*lines: str, currency: str = "USD", handles=HANDLES, name="upload.csv", **kw):
    return parse_metrics(
        io.StringIO("\n".join(lines) + "\n"), name, handles=handles, currency=currency, **kw
    )


def row(creator: str, source: str, day: str, **figures) -> dict:
    assert set(figures) <= set(METRIC_COLUMNS), set(figures) - set(METRIC_COLUMNS)
    return {
        "creator": creator,
        "source": source,
        "day": day,
        **dict.fromkeys(METRIC_COLUMNS),
        **figures,
    }


def by_key(result) -> dict[tuple, dict]:
    return {(r["creator"], r["source"], r["day"]): r for r in result.rows}


def errors_by_line(exc: RowErrors) -> dict[int, str]:
    return {d["line"]: d["error"] for d in exc.details}


# -- the fixtures, format by format -------------------------------------------------------

META_BY_DAY = [
    # line 4: Carousel by jade -> jade (ad name); Post comments empty = not reported
    row(
        "jade",
        "sponsored",
        "2026-11-03",
        impressions=3600,
        reach=3000,
        spend_minor=4500,
        likes=90,
        comments=None,
        shares=3,
        saves=4,
        views=900,
    ),
    # line 8: campaign "Jade x Brand – November" -> jade (neither ad nor ad set names anyone)
    row(
        "jade",
        "sponsored",
        "2026-11-04",
        impressions=1200,
        reach=1000,
        spend_minor=1510,
        likes=40,
        comments=2,
        shares=1,
        saves=0,
        views=300,
    ),
    # lines 2 + 3, two ads on one day, summed
    row(
        "mia",
        "sponsored",
        "2026-11-03",
        impressions=10000 + 5000,
        reach=8000 + 4000,
        spend_minor=12050 + 6025,  # 120.50 + 60.25 = 180.75 USD
        likes=400 + 150,
        comments=30 + 10,
        shares=12 + 5,
        saves=25 + 8,
        views=3000 + 1500,
    ),  # ThruPlays
    # line 6 (ad set "Whitelisted @mia") + line 7 (ad "@mia Reel 1")
    row(
        "mia",
        "sponsored",
        "2026-11-04",
        impressions=2500 + 9000,
        reach=2000 + 7000,
        spend_minor=3000 + 9999,  # 30.00 + 99.99 = 129.99 USD
        likes=80 + 300,
        comments=5 + 20,
        shares=2 + 9,
        saves=3 + 15,
        views=700 + 2500,
    ),
]


def test_meta_ads_by_day():
    result = parse("meta_ads_by_day.csv")
    assert result.format == "meta_ads"
    assert result.rows == META_BY_DAY
    assert result.skipped_unmatched == 2  # lines 5 and 9: "Evergreen – Retargeting"
    assert result.skipped_totals == 1  # line 10: the summary row, no names, no day


def test_meta_ads_summary_per_creator():
    summary = parse("meta_ads_by_day.csv").summary
    assert set(summary) == {"mia", "jade"}
    assert summary["mia"]["days"] == {"first": "2026-11-03", "last": "2026-11-04", "count": 2}
    assert summary["mia"]["rows"] == 2
    assert summary["mia"]["totals"] == {
        "impressions": 15000 + 11500,
        "views": 4500 + 3200,
        "reach": 12000 + 9000,
        "likes": 550 + 380,
        "comments": 40 + 25,
        "shares": 17 + 11,
        "saves": 33 + 18,
        "followers_gained": None,  # Meta's export has no such column here
        "spend_minor": 18075 + 12999,
    }  # 180.75 + 129.99 = 310.74 USD
    assert summary["jade"]["totals"]["comments"] == 2  # not reported (None) + 2
    assert summary["jade"]["totals"]["spend_minor"] == 4500 + 1510
    assert summary["jade"]["days"] == {"first": "2026-11-03", "last": "2026-11-04", "count": 2}


TIKTOK_BY_DAY = [
    # line 3: ad "jade video 2"; Comments "-" = not reported; no saves column at all
    row(
        "jade",
        "sponsored",
        "2026-11-03",
        spend_minor=2550,
        impressions=6000,
        reach=5000,
        views=2500,
        likes=150,
        comments=None,
        shares=5,
        followers_gained=8,
    ),
    # line 2: "Spark @mia – unboxing"
    row(
        "mia",
        "sponsored",
        "2026-11-03",
        spend_minor=8000,
        impressions=20000,
        reach=15000,
        views=9000,
        likes=700,
        comments=40,
        shares=20,
        followers_gained=35,
    ),
    # line 4 (ad names @mia) + line 5 (ad "Cutdown 9s", ad group "Mia Spark Ads")
    row(
        "mia",
        "sponsored",
        "2026-11-04",
        spend_minor=9525 + 1000,  # 95.25 + 10.00 = 105.25 USD
        impressions=24000 + 3000,
        reach=17000 + 2500,
        views=11000 + 1200,
        likes=820 + 60,
        comments=51 + 4,
        shares=22 + 1,
        followers_gained=40 + 2,
    ),
]


def test_tiktok_ads_by_day():
    result = parse("tiktok_ads_by_day.csv")
    assert result.format == "tiktok_ads"
    assert result.rows == TIKTOK_BY_DAY
    assert result.skipped_unmatched == 1  # line 6: "Always-on prospecting"
    assert result.skipped_totals == 1  # line 7: "Total of 5 results"


def test_meta_ads_german_numbers_semicolons_bom_and_eur():
    result = parse("meta_ads_de.csv", currency="EUR")
    assert result.format == "meta_ads"
    assert result.rows == [
        # line 4: 04.11.2026 = 4 November; "99,9" = 99.90 EUR; Post comments "-"
        row(
            "jade",
            "sponsored",
            "2026-11-04",
            impressions=3000,
            reach=2400,
            spend_minor=9990,
            likes=130,
            comments=None,
            shares=2,
            saves=5,
            views=900,
        ),
        # lines 2 + 3: "12.500" + "2.500" are thousands; "1.234,56" + "65,44" EUR
        row(
            "mia",
            "sponsored",
            "2026-11-03",
            impressions=12500 + 2500,
            reach=9800 + 2000,
            spend_minor=123456 + 6544,  # 1234.56 + 65.44 = 1300.00 EUR
            likes=1020 + 200,
            comments=33 + 7,
            shares=14 + 1,
            saves=21 + 4,
            views=6400 + 1100,
        ),  # 3-second video plays
    ]
    assert result.skipped_totals == 1  # line 5: the summary (03.11. to 04.11., no names)
    assert result.skipped_unmatched == 0


def test_tiktok_studio_content_with_k_and_m_values():
    result = parse("tiktok_studio_content.csv", creator="mia")
    assert result.format == "tiktok_studio"
    assert result.rows == [
        # lines 2 + 3, two posts on 3 November (their post time's date)
        row(
            "mia",
            "organic",
            "2026-11-03",
            views=18400 + 9600,  # "18.4K" + "9,600"
            likes=1200 + 640,  # "1.2K" + 640
            comments=45 + 20,
            shares=12 + 8,
            saves=30 + 25,  # Add to favorites
            reach=15000 + 7100,
        ),  # "15,000" + "7,100"
        # line 4: "1.1M" views, "45.6K" likes, "1,234" comments, "2.3K" saves, Reach "-"
        row(
            "mia",
            "organic",
            "2026-11-05",
            views=1_100_000,
            likes=45_600,
            comments=1234,
            shares=980,
            saves=2300,
            reach=None,
        ),
    ]
    assert (result.skipped_totals, result.skipped_unmatched) == (0, 0)


def test_instagram_content_lifetime_figures_on_the_publish_day():
    result = parse("instagram_content.csv", creator="@Jade")
    assert result.format == "instagram_content"
    assert result.rows == [
        # lines 2 + 3: published 11/03/2026 12:00 and 19:45 (month first, as Meta writes)
        row(
            "jade",
            "organic",
            "2026-11-03",
            views=12400 + 5000,
            reach=9100 + 4000,
            likes=610 + 300,
            shares=88 + 20,
            followers_gained=41 + 9,
            comments=57 + 15,
            saves=230 + 70,
        ),
        # line 4: Shares empty = not reported
        row(
            "jade",
            "organic",
            "2026-11-04",
            views=3000,
            reach=2500,
            likes=200,
            shares=None,
            followers_gained=3,
            comments=11,
            saves=40,
        ),
    ]
    assert result.summary["jade"]["totals"]["shares"] == 108  # 88 + 20 + not reported


def test_our_own_layout_through_the_same_entry_point():
    result = parse("metrics_week1.csv", currency="EUR")
    assert result.format == "tracker_csv"
    got = by_key(result)
    assert got[("mia", "sponsored", "2026-11-03")] == row(
        "mia",
        "sponsored",
        "2026-11-03",
        impressions=40000,
        views=22000,
        reach=31000,
        likes=1200,
        comments=60,
        shares=25,
        saves=44,
        followers_gained=310,
        spend_minor=25000,
    )
    assert got[("jade", "organic", "2026-11-03")] == row(
        "jade", "organic", "2026-11-03", views=5400, likes=300
    )  # "@Jade", blanks None
    assert got[("mia", "organic", "2026-11-04")]["impressions"] == 0  # 0 stays 0
    assert len(result.rows) == 4


def test_our_own_layout_keeps_its_checks():
    with pytest.raises(RowErrors) as exc:
        parse("metrics_bad.csv", currency="EUR")
    got = errors_by_line(exc.value)
    assert sorted(got) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "'zoe'" in got[3] and "not on this campaign" in got[3]
    assert "'paid'" in got[5]
    assert "date '06/11/2026'" in got[10]


def test_our_own_layout_with_a_creator_refuses_other_creators_rows():
    with pytest.raises(RowErrors) as exc:
        parse("metrics_week1.csv", currency="EUR", creator="mia")
    assert list(errors_by_line(exc.value)) == [4]  # the @Jade row
    assert "'jade'" in errors_by_line(exc.value)[4]


def test_our_own_layout_duplicates_are_refused_not_summed():
    with pytest.raises(RowErrors) as exc:
        parse_text(
            "date,creator,source,views", "2026-11-03,mia,organic,10", "2026-11-03,mia,organic,20"
        )
    assert "appears twice (first on line 2)" in errors_by_line(exc.value)[3]


def test_rows_have_exactly_the_store_fields():
    for name, kw in [
        ("meta_ads_by_day.csv", {}),
        ("tiktok_studio_content.csv", {"creator": "mia"}),
    ]:
        for r in parse(name, **kw).rows:
            assert list(r) == ["creator", "source", "day", *METRIC_COLUMNS]


# -- XLSX ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["meta_ads_by_day", "tiktok_ads_by_day"])
def test_xlsx_equals_csv(name):
    assert parse(f"{name}.xlsx") == parse(f"{name}.csv")
    assert parse(f"{name}.xlsx").rows  # not two empty results


def test_xlsx_fixture_holds_typed_cells():
    """So that the test above covers date cells and number cells, not text."""
    sheet = load_workbook(DATA / "meta_ads_by_day.xlsx", read_only=True).worksheets[0]
    header, first = list(sheet.iter_rows(min_row=1, max_row=2, values_only=True))
    cells = dict(zip(header, first))
    assert isinstance(cells["Day"], datetime)
    assert cells["Amount spent (USD)"] == 120.5 and cells["Impressions"] == 10000


def xlsx_bytes(*rows) -> bytes:
    book = Workbook()
    for r in rows:
        book.active.append(list(r))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_line_numbers_are_the_sheet_rows_and_blank_rows_are_left_out():
    data = xlsx_bytes(
        ["By Day", "Campaign name", "Ad name", "Cost", "Impressions"],
        [date(2026, 11, 3), "Spring", "@mia reel", 12.5, 1000],
        [None, None, None, None, None],
        ["2026-11-04", "Spring", "@mia reel", "abc", 1000],
    )
    with pytest.raises(RowErrors) as exc:
        parse_metrics(io.BytesIO(data), "report.xlsx", handles=HANDLES, currency="USD")
    assert list(errors_by_line(exc.value)) == [4]
    assert "Cost 'abc' is not a number" in errors_by_line(exc.value)[4]


# -- uploads ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["meta_ads_by_day.csv", "meta_ads_by_day.xlsx", "meta_ads_de.csv"])
def test_binary_stream_equals_path(name):
    currency = "EUR" if "_de" in name else "USD"
    upload = io.BytesIO((DATA / name).read_bytes())
    assert parse_metrics(upload, name, handles=HANDLES, currency=currency) == parse(
        name, currency=currency
    )


# -- headers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "Day,Campaign name,Ad name,Impressions,Amount spent (USD),Notes",
        "DAY,CAMPAIGN NAME,AD NAME,IMPRESSIONS,AMOUNT SPENT (USD),NOTES",
        "  day , campaign  name ,Ad_Name,impressions,Amount spent(usd),notes",
        "Day,Campaignname,Adname,Impressions,Amount spent,Notes",  # no currency at all
        "Day,Campaign name,Ad name,Impressions,Amount Spent ( USD ),Notes",
    ],
)
def test_meta_header_variants(header):
    result = parse_text(header, "2026-11-03,Spring,@mia reel,1000,12.34,anything at all")
    assert result.format == "meta_ads"
    assert result.rows == [
        row("mia", "sponsored", "2026-11-03", impressions=1000, spend_minor=1234)
    ]


@pytest.mark.parametrize(
    "header",
    [
        "By Day,Campaign name,Ad group name,Ad name,Cost,Impressions,Video views",
        "date,campaign name,ad group name,ad name,cost (usd),impressions,video views",
        "BY DAY,CAMPAIGN NAME,AD GROUP NAME,AD NAME,COST(USD),IMPRESSIONS,VIDEO  VIEWS",
    ],
)
def test_tiktok_header_variants(header):
    result = parse_text(header, "2026-11-03,Spring,Mia Spark,clip 1,7.5,300,120")
    assert result.format == "tiktok_ads"
    assert result.rows == [
        row("mia", "sponsored", "2026-11-03", spend_minor=750, impressions=300, views=120)
    ]


def test_views_prefer_thruplays_over_3_second_plays():
    result = parse_text(
        "Day,Ad name,Impressions,Amount spent (USD),3-second video plays,ThruPlays",
        "2026-11-03,@mia,100,1.00,70,20",
    )
    assert result.rows[0]["views"] == 20


def test_unknown_header_names_the_formats_and_what_the_closest_lacks():
    with pytest.raises(BadInput) as exc:
        parse_text(
            "Day,Campaign name,Ad name,Impressions,Link clicks",
            "2026-11-03,a,b,1,2",
            name="report.csv",
        )
    message = exc.value.message
    assert message.startswith("report.csv: missing column(s): Amount spent (USD). ")
    for label in (
        "Meta Ads Manager",
        "TikTok Ads Manager",
        "TikTok Studio",
        "Instagram / Meta Business Suite",
        "this tracker's layout",
    ):
        assert label in message
    assert "The closest format is Meta Ads Manager report broken down by day;" in message


def test_reporting_starts_without_ends_is_named_as_missing():
    with pytest.raises(BadInput) as exc:
        parse_text("Reporting starts,Ad name,Impressions,Amount spent (USD)", "2026-11-03,a,1,2")
    assert "missing column(s): Reporting ends." in exc.value.message


# -- numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, currency, minor",
    [
        ("1,234.56", "USD", 123456),
        ("1.234,56", "EUR", 123456),
        ("1 234,56", "EUR", 123456),
        ("1\u00a0234,56", "EUR", 123456),  # no-break space, as French Excel writes
        ("1'234.56", "CHF", 123456),
        ("1.234.567,89", "EUR", 123456789),
        ("1234,5", "EUR", 123450),
        ("1234.5", "USD", 123450),
        ("0,99", "EUR", 99),
        ("1,234", "USD", 123400),  # USD has 2 decimals, so 3 digits after the mark group
        ("1.234", "EUR", 123400),
        ("1.234", "JPY", 1234),
        ("12", "USD", 1200),
        (1234.56, "USD", 123456),  # an XLSX number cell
        (12, "USD", 1200),
    ],
)
def test_money_as_exported(raw, currency, minor):
    assert numbers.money(raw, currency, "spend") == minor


@pytest.mark.parametrize(
    "raw, count",
    [
        ("18,400", 18400),
        ("18.400", 18400),
        ("18 400", 18400),
        ("1.234", 1234),
        ("1,234.0", 1234),
        ("1.2K", 1200),
        ("1,2K", 1200),
        ("1.2k", 1200),
        ("45.6K", 45600),
        ("1.1M", 1_100_000),
        ("3.4 M", 3_400_000),
        ("2B", 2_000_000_000),
        ("0", 0),
        (1200, 1200),
        (1200.0, 1200),
    ],
)
def test_counts_as_exported(raw, count):
    assert numbers.count(raw, "views") == count


@pytest.mark.parametrize("raw", [None, "", "  ", "-", "--", "\u2013", "\u2014"])
def test_not_reported_is_none_not_zero(raw):
    assert numbers.count(raw, "views") is None
    assert numbers.money(raw, "USD", "spend") is None


@pytest.mark.parametrize(
    "raw, words",
    [
        ("3.5", "'3.5' is not a whole number"),
        ("1.2345K", "is not a whole number"),
        ("-5", "must not be negative"),
        ("12 34", "misplaced thousands separators"),
        ("1,23,456", "misplaced thousands separators"),
        ("1.234,567.8", "misplaced thousands separators"),
        ("abc", "'abc' is not a number"),
        ("²", "is not a number"),
        (True, "is not a number"),
    ],
)
def test_bad_counts(raw, words):
    with pytest.raises(BadInput) as exc:
        numbers.count(raw, "views")
    assert words in exc.value.message


@pytest.mark.parametrize(
    "raw, currency, words",
    [
        ("1,234", "KWD", "ambiguous"),  # KWD has 3 decimals
        ("1.2K", "USD", "is not a number"),
        ("$12.00", "USD", "is not a number"),
        ("-20.00", "USD", "must not be negative"),
        ("1.234,5678", "EUR", "'1.234,5678' has more than 2 decimals for EUR"),
        ("0.999", "USD", "has more than 2 decimals"),  # a lone 0 before the mark: decimals
        ("12,5", "JPY", "has more than 0 decimals"),
    ],
)
def test_bad_money(raw, currency, words):
    with pytest.raises(BadInput) as exc:
        numbers.money(raw, currency, "spend")
    assert words in exc.value.message


# -- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, day",
    [
        ("2026-11-03", date(2026, 11, 3)),
        ("2026-11-03 23:30:00", date(2026, 11, 3)),
        ("2026-11-03T23:30:00-08:00", date(2026, 11, 3)),  # the date as written, not converted
        ("03.11.2026", date(2026, 11, 3)),
        ("11/03/2026 18:30", date(2026, 11, 3)),
        ("Nov 3, 2026", date(2026, 11, 3)),
        ("3 November 2026", date(2026, 11, 3)),
        (datetime(2026, 11, 3, 23, 59), date(2026, 11, 3)),
    ],
)
def test_days_as_exported(raw, day):
    assert dates.day(raw, "Day") == day


def test_slashed_dates_are_day_first_when_the_file_shows_it():
    result = parse_text(
        "Publish time,Description,Views",
        "03/11/2026 10:00,a,1",
        "13/11/2026 10:00,b,2",
        creator="jade",
    )
    assert [r["day"] for r in result.rows] == ["2026-11-03", "2026-11-13"]


def test_slashed_dates_in_both_orders_refuse_the_file():
    with pytest.raises(BadInput) as exc:
        parse_text(
            "Publish time,Description,Views",
            "13/11/2026 10:00,a,1",
            "11/13/2026 10:00,b,2",
            creator="jade",
        )
    assert "'13/11/2026 10:00'" in exc.value.message and "'11/13/2026 10:00'" in exc.value.message


# -- totals, matching and refusals ----------------------------------------------------------


def test_total_and_summary_rows_are_skipped_not_refused():
    result = parse_text(
        "By Day,Campaign name,Ad group name,Ad name,Cost,Impressions",
        "Total,-,-,-,99.00,9000",
        "2026-11-03,Spring,Mia,Total body workout @mia,1.00,100",  # an ad, not a total
        "Results,,,,99.00,9000",
        ",Spring,Mia,@mia,99.00,9000",  # blank day
        "2026-11-03,Grand total,-,-,99.00,9000",
        "2026-11-03,,,,99.00,9000",  # no names at all
        "Total of 2 results,,,,99.00,9000",
    )
    assert result.skipped_totals == 6
    assert result.rows == [row("mia", "sponsored", "2026-11-03", spend_minor=100, impressions=100)]


def test_handles_count_only_as_whole_words():
    result = parse_text(
        "Day,Ad name,Impressions,Amount spent (USD)",
        "2026-11-03,mia_ugc cut,1,1.00",  # another handle
        "2026-11-03,Amia summer,1,1.00",
        "2026-11-03,jade.k haul,1,1.00",  # jade.k is not jade
        "2026-11-03,Reel by mia.,10,2.00",  # a full stop ends the word
        "2026-11-03,MIA-x,1,1.00",
        handles=("mia", "jade", "mia-x"),
    )
    assert result.skipped_unmatched == 3
    assert by_key(result)[("mia", "sponsored", "2026-11-03")]["impressions"] == 10
    assert by_key(result)[("mia-x", "sponsored", "2026-11-03")]["impressions"] == 1


def test_the_most_specific_name_decides():
    result = parse_text(
        "Day,Campaign name,Ad set name,Ad name,Impressions,Amount spent (USD)",
        "2026-11-03,mia & jade,Duo @jade @mia,Solo @mia,5,1.00",
        "2026-11-03,mia & jade,@jade stories,Cut 2,7,1.00",
    )
    assert [(r["creator"], r["impressions"]) for r in result.rows] == [("jade", 7), ("mia", 5)]


def test_a_row_naming_two_creators_refuses_the_file_and_names_the_line():
    with pytest.raises(RowErrors) as exc:
        parse("ads_two_creators.csv")
    assert errors_by_line(exc.value) == {
        3: "Ad name 'Duet @mia x @jade' names 2 creators (@jade, @mia); a row must belong "
        "to one: rename the ad or import one creator's rows with --creator"
    }
    assert "line 3: Ad name 'Duet @mia x @jade'" in exc.value.message
    assert "1 bad row(s)" in exc.value.message


def test_a_creator_assigns_the_whole_ads_file():
    result = parse("meta_ads_by_day.csv", creator="jade")
    assert result.skipped_unmatched == 0 and result.skipped_totals == 1
    assert [r["creator"] for r in result.rows] == ["jade", "jade"]
    got = by_key(result)
    # lines 2-5 on 3 November, lines 6-9 on 4 November, whoever their names name
    assert got[("jade", "sponsored", "2026-11-03")]["impressions"] == 10000 + 5000 + 3600 + 7000
    assert got[("jade", "sponsored", "2026-11-03")]["spend_minor"] == 12050 + 6025 + 4500 + 8000
    assert got[("jade", "sponsored", "2026-11-04")]["spend_minor"] == 3000 + 9999 + 1510 + 7000
    # line 9 has no ThruPlays: not reported, so it adds nothing
    assert got[("jade", "sponsored", "2026-11-04")]["views"] == 700 + 2500 + 300


def test_a_report_over_several_days_is_refused_with_the_by_day_hint():
    with pytest.raises(RowErrors) as exc:
        parse("meta_ads_not_by_day.csv")
    got = errors_by_line(exc.value)
    assert sorted(got) == [2, 3]
    assert "covers 2026-11-01 to 2026-11-07" in got[2]
    assert "Breakdown > By time > Day" in got[2]


def test_the_day_column_wins_over_the_reporting_period():
    result = parse_text(
        "Day,Ad name,Impressions,Amount spent (USD),Reporting starts,Reporting ends",
        "2026-11-03,@mia,100,1.00,2026-11-01,2026-11-07",
    )
    assert [r["day"] for r in result.rows] == ["2026-11-03"]


def test_a_currency_suffix_other_than_the_campaigns_refuses_the_file():
    with pytest.raises(BadInput) as exc:
        parse("meta_ads_by_day.csv", currency="EUR")
    assert not isinstance(exc.value, RowErrors)
    assert exc.value.message == (
        "meta_ads_by_day.csv: Amount spent (USD) is in USD but the campaign counts in EUR; "
        "amounts are never converted, so import only reports in EUR"
    )


def test_a_currency_column_other_than_the_campaigns_refuses_the_rows():
    with pytest.raises(RowErrors) as exc:
        parse("tiktok_ads_by_day.csv", currency="EUR")
    got = errors_by_line(exc.value)
    assert sorted(got) == [2, 3, 4, 5]  # line 6 names no creator, line 7 is the total
    assert got[2] == "Currency USD is not the campaign's EUR; amounts are never converted"


@pytest.mark.parametrize("name", ["tiktok_studio_content.csv", "instagram_content.csv"])
def test_a_content_export_needs_a_creator(name):
    with pytest.raises(BadInput) as exc:
        parse(name)
    assert "one creator's posts" in exc.value.message
    assert "--creator HANDLE" in exc.value.message


def test_a_content_export_of_another_account_is_refused():
    with pytest.raises(RowErrors) as exc:
        parse("instagram_content.csv", creator="mia")
    assert sorted(errors_by_line(exc.value)) == [2, 3, 4]
    assert (
        errors_by_line(exc.value)[2]
        == "Account username 'jade' is @jade's, but this import is for @mia"
    )
    with pytest.raises(RowErrors) as exc:
        parse("tiktok_studio_content.csv", creator="jade")
    assert (
        "Video link 'https://www.tiktok.com/@mia/video/7430000000000000001' is @mia's"
        in errors_by_line(exc.value)[2]
    )


def test_a_content_export_needs_each_posts_time_but_skips_its_total():
    with pytest.raises(RowErrors) as exc:
        parse_text("Video title,Post time,Total views", "Clip,,10", "Total,,99", creator="mia")
    assert errors_by_line(exc.value) == {2: "Post time is empty"}


def test_the_creator_must_be_enrolled():
    with pytest.raises(BadInput) as exc:
        parse("tiktok_studio_content.csv", creator="zoe")
    assert (
        exc.value.message == "creator 'zoe' is not enrolled on this campaign (enrolled: jade, mia)"
    )


def test_every_bad_row_is_reported_together_and_nothing_returned():
    with pytest.raises(RowErrors) as exc:
        parse_text(
            "Day,Ad name,Impressions,Amount spent (USD)",
            "2026-11-03,@mia,100,1.00",
            "2026-13-03,@mia,100,1.00",
            "2026-11-03,@mia,1.5,1.00",
            "2026-11-03,@mia @jade,100,1.00",
            "2026-11-03,@mia\x00,100,1.00",
            "2026-11-03,@mia,100,1.0055",
        )
    got = errors_by_line(exc.value)
    assert sorted(got) == [3, 4, 5, 6, 7]
    assert "Day '2026-13-03' is not a date" in got[3]
    assert "Impressions '1.5' is not a whole number" in got[4]
    assert "names 2 creators" in got[5]
    assert "NUL" in got[6]
    assert "more than 2 decimals" in got[7]
    assert (
        "upload.csv (Meta Ads Manager report broken down by day) refused, nothing was "
        "written: 5 bad row(s)" in exc.value.message
    )


# -- bad files ----------------------------------------------------------------------------


def zip_of(name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize(
    "filename, content, words",
    [
        ("empty.csv", b"", "the file is empty"),
        ("blank.csv", b"  \n\n", "the file is empty"),
        ("header.csv", b"Day,Ad name,Impressions,Amount spent (USD)\n", "has a header but no rows"),
        (
            "latin1.csv",
            "Day,Ad name,Impressions,Amount spent (USD)\n2026-11-03,Kär,1,1\n".encode("cp1252"),
            "not UTF-8",
        ),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "old Excel .xls workbook"),
        ("fake.xlsx", b"Day,Impressions\n", "is not an Excel .xlsx workbook"),
        ("other.xlsx", zip_of("hello.txt", b"hi"), "is not a readable .xlsx workbook"),
        ("empty.xlsx", xlsx_bytes(), "is empty"),
        ("pictures.csv", b"name,size\ncat.png,12\n", "the metrics exports this tracker reads are"),
    ],
)
def test_every_bad_file_gives_a_clear_message(tmp_path, filename, content, words):
    path = tmp_path / filename
    path.write_bytes(content)
    for source in (path, io.BytesIO(content)):
        with pytest.raises(BadInput) as exc:
            parse_metrics(source, filename, handles=HANDLES, currency="USD")
        assert words in exc.value.message, exc.value.message


@pytest.mark.parametrize("name", ["meta_ads_by_day.csv", "meta_ads_by_day.xlsx"])
def test_a_file_over_the_size_limit_is_refused(monkeypatch, name):
    monkeypatch.setenv("TRACKER_MAX_IMPORT_BYTES", "200")
    with pytest.raises(TooLarge):
        parse(name)
    with pytest.raises(TooLarge):
        parse_metrics(io.BytesIO((DATA / name).read_bytes()), name, handles=HANDLES, currency="USD")


def test_the_campaign_currency_must_be_a_currency():
    with pytest.raises(BadInput) as exc:
        parse("meta_ads_by_day.csv", currency="XYZ")
    assert "'XYZ' is not an ISO 4217 code" in exc.value.message
