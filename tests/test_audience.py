"""Who clicked: country, language and QR scans on each click, target
countries on the campaign, and the report's audience section.

1. Pure pieces: Accept-Language, the QR parameter, the country lookup (real
   public addresses of well-known national networks, as iptocc 3.3 places
   them), target-country validation, and the audience arithmetic with every
   number worked out by hand.
2. Through the real redirect and the real store (SQLite and PostgreSQL):
   REMOTE_ADDR and X-Forwarded-For, IPv6, private addresses, the raw address
   nowhere in the database, qr=1 recorded and not forwarded, the CSV, the
   report, the API and the page.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import pytest

from tracker import access, campaigns, reports, validate
from tracker.classify import country, primary_language, take_qr
from tracker.errors import BadInput
from tracker.reports import audience
from tracker.reports.export import COLUMNS
from tracker.settings import Config
from tracker.web.app import create_app

from .helpers import campaign_with_links

SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 13_2_3 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/13.0.3 Mobile/15E148 Safari/604.1"
)
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)
IG_ANDROID = (
    "Mozilla/5.0 (Linux; Android 13; 23028RN4DI Build/TP1A.220624.014; wv) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.66 Mobile "
    "Safari/537.36 Instagram 308.0.0.36.109 Android (33/13; 320dpi; 720x1460; "
    "Xiaomi/Redmi; 23028RN4DI; cloud; mt6765; en_IN; 534961943)"
)
BOT = "facebookexternalhit/1.1"

# Public addresses of well-known networks, and the country iptocc (RIR
# delegation data) gives them.
PUBLIC = {
    "194.25.2.129": "DE",  # Deutsche Telekom (T-Online) resolver
    "195.186.1.111": "CH",  # Swisscom resolver
    "195.3.96.67": "AT",  # A1 Telekom Austria resolver
    "212.27.48.10": "FR",  # Free (Iliad), France
    "8.8.8.8": "US",  # Google Public DNS
    "1.0.16.1": "JP",  # APNIC block delegated in Japan (iptocc's own example)
    "2003::1": "DE",  # Deutsche Telekom's IPv6 block 2003::/19
    "2a02:8388::1": "AT",  # Magenta Telekom (UPC) Austria IPv6
    "2001:4860:4860::8888": "US",  # Google Public DNS over IPv6
}
# Private, loopback, shared, documentation and non-addresses: no country.
NOWHERE = [
    "10.1.2.3",
    "192.168.0.10",
    "172.16.5.4",
    "127.0.0.1",
    "100.64.0.1",
    "203.0.113.9",
    "198.51.100.7",
    "::1",
    "fe80::1",
    "fd00::1",
    "2001:db8::1",
    "",
    "unknown",
    "not an address",
    "8.8.8.8:443",
    "[2003::1]",
]


# =============================================================================
# 1. Pure pieces
# =============================================================================


@pytest.mark.parametrize(
    "header,language",
    [
        ("de-AT,de;q=0.9,en;q=0.8", "de"),
        ("en-US,en;q=0.9", "en"),
        ("EN-gb", "en"),  # lower-cased
        ("zh-Hant-TW,zh;q=0.9", "zh"),  # script and region dropped
        ("pt_BR", "pt"),  # underscore, as some apps send it
        ("  fr-CA , en ;q=0.5", "fr"),  # spaces
        ("fil,en;q=0.5", "fil"),  # three letters
        ("fr;q=0.5, de;q=0.8", "de"),  # the highest q wins, not the first
        ("de;q=0.8, fr;q=0.8", "de"),  # equal q: the first
        ("en;level=1;q=0.3, ja;q=0.4", "ja"),  # q after another parameter
        ("de;q=1.0, en", "de"),
        ("*", None),  # any language says nothing
        ("*, es;q=0.5", "es"),
        ("de;q=0", None),  # q=0: not acceptable
        ("en;q=abc, fr", "fr"),  # a malformed q is skipped
        ("en;q=nan, it;q=0.1", "it"),
        ("en;q=-1", None),
        ("i-klingon", None),  # grandfathered tags: no 2-3 letter language
        ("x-pig-latin, nl;q=0.2", "nl"),
        ("english", None),  # too long
        ("d", None),
        ("123", None),
        ("dé", None),  # letters are ASCII
        (",,, ;q=1", None),
        ("", None),
    ],
)
def test_primary_language(header, language):
    assert primary_language(header) == language


def test_primary_language_reads_a_bounded_header():
    assert primary_language("de," + "x" * 10_000) == "de"
    assert primary_language("x" * 300 + ",de") is None  # past the 256 characters read


def test_take_qr_removes_every_qr_and_says_whether_it_was_a_scan():
    assert take_qr([("qr", "1"), ("ttclid", "a")]) == ([("ttclid", "a")], True)
    assert take_qr([("ttclid", "a"), ("qr", "1"), ("qr", "2")]) == ([("ttclid", "a")], True)
    assert take_qr([("qr", "0"), ("x", "")]) == ([("x", "")], False)  # not a scan, still ours
    assert take_qr([("qr", "")]) == ([], False)
    assert take_qr([("QR", "1")]) == ([("QR", "1")], False)  # the name is exact
    same = [("a", "1")]
    assert take_qr(same) == (same, False)


@pytest.mark.parametrize("address,code", PUBLIC.items())
def test_country_of_public_addresses(address, code):
    assert country(address) == code


def test_country_of_an_ipv4_mapped_ipv6_address():
    assert country("::ffff:194.25.2.129") == "DE"
    assert country("::ffff:10.0.0.1") is None


@pytest.mark.parametrize("address", NOWHERE)
def test_no_country_for_private_reserved_and_malformed_addresses(address):
    assert country(address) is None


@pytest.mark.parametrize(
    "given,codes",
    [
        ("DE,AT,CH", ("DE", "AT", "CH")),
        ("de, at ;ch", ("DE", "AT", "CH")),
        (["de", " AT "], ("DE", "AT")),
        ("DE,de,AT", ("DE", "AT")),  # each once, in the order given
        ("", ()),
        (None, ()),
        ([], ()),
        (" , ", ()),
    ],
)
def test_target_countries_accepted(given, codes):
    assert validate.countries(given) == codes


@pytest.mark.parametrize(
    "given,message",
    [
        ("UK", "the United Kingdom is GB"),
        ("DE,XX,EU", "'XX', 'EU' are not ISO 3166 alpha-2 codes"),
        ("Germany", "'Germany' is not an ISO 3166 alpha-2 code"),
        ("D", "'D' is not"),
        ("DEU", "'DEU' is not"),  # alpha-3 is not alpha-2
        (["DE", 3], "country codes like 'DE,AT,CH'"),
        (5, "country codes like 'DE,AT,CH'"),
        ({"DE": 1}, "country codes like 'DE,AT,CH'"),
    ],
)
def test_target_countries_refused(given, message):
    with pytest.raises(BadInput) as err:
        validate.countries(given)
    assert message in str(err.value)


def test_every_iso_code_is_known_and_only_those():
    codes = validate.iso_countries()
    assert len(codes) == 249 and {"DE", "AT", "CH", "US", "GB", "JP"} <= codes
    assert not {"UK", "EU", "XX", "ZZ"} & codes


# -- the arithmetic, by hand ------------------------------------------------------------


def test_breakdown_top_n_other_and_shares():
    counts = {"DE": 5, "AT": 2, "US": 2, None: 2, "FR": 1}  # 12 clicks
    b = audience.breakdown(counts, top=3)
    assert b == {
        "clicks": 12,
        # 5 first; AT and US tie at 2 (alphabetical), None ties too but goes last
        "top": [
            {"value": "DE", "clicks": 5, "share": 0.416667},  # 5/12
            {"value": "AT", "clicks": 2, "share": 0.166667},  # 2/12
            {"value": "US", "clicks": 2, "share": 0.166667},
        ],
        "other": {"values": 2, "clicks": 3, "share": 0.25},  # None 2 + FR 1 = 3/12
    }
    assert audience.breakdown(counts)["other"] == {"values": 0, "clicks": 0, "share": 0.0}
    assert [t["value"] for t in audience.breakdown(counts)["top"]] == ["DE", "AT", "US", None, "FR"]


def test_breakdown_keeps_top_8_and_sums_the_rest():
    counts = {f"v{i:02}": 20 - i for i in range(12)}  # 20, 19, …, 9: 174 clicks
    b = audience.breakdown(counts)
    assert [t["value"] for t in b["top"]] == [f"v{i:02}" for i in range(8)]
    assert b["other"] == {"values": 4, "clicks": 12 + 11 + 10 + 9, "share": 0.241379}  # 42/174
    assert sum(t["clicks"] for t in b["top"]) + b["other"]["clicks"] == b["clicks"] == 174


def test_breakdown_of_nothing_has_no_shares():
    assert audience.breakdown({}) == {
        "clicks": 0,
        "top": [],
        "other": {"values": 0, "clicks": 0, "share": None},
    }


@pytest.mark.parametrize(
    "countries,targets,share",
    [
        ({"DE": 6, "AT": 1, "US": 2, "BR": 1}, ("DE", "AT", "CH"), 0.3),  # 3 of 10
        ({"DE": 6, "US": 2, None: 2}, ("DE", "AT", "CH"), 0.25),  # 2 of 8 known
        ({"DE": 4, "CH": 1}, ("DE", "AT", "CH"), 0.0),  # all inside: 0, not None
        ({"US": 3}, ("DE",), 1.0),
        ({None: 5}, ("DE",), None),  # no known country
        ({}, ("DE",), None),  # no clicks
        ({"US": 3, "DE": 1}, (), None),  # no targets
    ],
)
def test_outside_target_share_by_hand(countries, targets, share):
    assert audience.outside_share(countries, targets) == share


def row(creator, dimension, value, clicks):
    return {"creator_id": creator, "dimension": dimension, "value": value, "clicks": clicks}


def test_audience_section_by_hand():
    mia, jade, zoe = 1, 2, 3
    rows = [
        # mia: 5 clicks on link 10 (2 of them QR scans), 1 on link 11
        row(mia, "country", "DE", 3),
        row(mia, "country", "US", 2),
        row(mia, "country", None, 1),
        row(mia, "language", "de", 4),
        row(mia, "language", "en", 2),
        row(mia, "device", "mobile", 6),
        row(mia, "link", 10, 5),
        row(mia, "link", 11, 1),
        row(mia, "qr_link", 10, 2),
        # jade: 2 clicks, both from Switzerland, one a QR scan
        row(jade, "country", "CH", 2),
        row(jade, "language", "de", 1),
        row(jade, "language", None, 1),
        row(jade, "device", "desktop", 2),
        row(jade, "link", 12, 2),
        row(jade, "qr_link", 12, 1),
    ]
    creators = [
        {"id": jade, "handle": "jade"},
        {"id": mia, "handle": "mia"},
        {"id": zoe, "handle": "zoe"},
    ]
    links = [
        {"id": 10, "code": "mia-bio", "creator": "mia", "channel": "bio"},
        {"id": 11, "code": "mia-ad", "creator": "mia", "channel": "ad"},
        {"id": 12, "code": "jade-bio", "creator": "jade", "channel": "bio"},
        {"id": 13, "code": "zoe-bio", "creator": "zoe", "channel": "bio"},
    ]
    a = audience.audience_section(creators, links, rows, ["DE", "AT", "CH"])
    assert a["dimensions"] == list(audience.DIMENSIONS) and a["top"] == 8
    assert a["target_countries"] == ["DE", "AT", "CH"]
    camp = a["campaign"]
    # 6 + 2 = 8 clicks, 2 + 1 = 3 QR scans; known countries 3+2+2 = 7, outside: US 2 -> 2/7
    assert (camp["clicks"], camp["qr_scans"], camp["outside_target_share"]) == (8, 3, 0.285714)
    assert camp["breakdowns"]["country"]["top"] == [
        {"value": "DE", "clicks": 3, "share": 0.375},  # 3/8
        {"value": "CH", "clicks": 2, "share": 0.25},
        {"value": "US", "clicks": 2, "share": 0.25},
        {"value": None, "clicks": 1, "share": 0.125},
    ]
    assert camp["breakdowns"]["language"]["top"] == [
        {"value": "de", "clicks": 5, "share": 0.625},  # 4 + 1 of 8
        {"value": "en", "clicks": 2, "share": 0.25},
        {"value": None, "clicks": 1, "share": 0.125},
    ]
    assert camp["breakdowns"]["device"]["top"] == [
        {"value": "mobile", "clicks": 6, "share": 0.75},
        {"value": "desktop", "clicks": 2, "share": 0.25},
    ]
    assert camp["breakdowns"]["browser"] == {
        "clicks": 0,
        "top": [],
        "other": {"values": 0, "clicks": 0, "share": None},
    }
    by = {c["handle"]: c for c in a["creators"]}
    assert [c["handle"] for c in a["creators"]] == ["jade", "mia", "zoe"]  # the order given
    # mia: known 3 + 2 = 5, outside US 2 -> 0.4 (the unknown one counts on neither side)
    assert (by["mia"]["clicks"], by["mia"]["qr_scans"], by["mia"]["outside_target_share"]) == (
        6,
        2,
        0.4,
    )
    assert by["mia"]["breakdowns"]["country"]["top"][0] == {
        "value": "DE",
        "clicks": 3,
        "share": 0.5,
    }
    # jade: all from CH, a target: 0.0; zoe: no clicks at all: None
    assert (by["jade"]["clicks"], by["jade"]["qr_scans"], by["jade"]["outside_target_share"]) == (
        2,
        1,
        0.0,
    )
    assert (by["zoe"]["clicks"], by["zoe"]["qr_scans"], by["zoe"]["outside_target_share"]) == (
        0,
        0,
        None,
    )
    assert a["links"] == [
        {"code": "mia-bio", "creator": "mia", "channel": "bio", "clicks": 5, "qr_scans": 2},
        {"code": "mia-ad", "creator": "mia", "channel": "ad", "clicks": 1, "qr_scans": 0},
        {"code": "jade-bio", "creator": "jade", "channel": "bio", "clicks": 2, "qr_scans": 1},
        {"code": "zoe-bio", "creator": "zoe", "channel": "bio", "clicks": 0, "qr_scans": 0},
    ]
    # Without targets there is no audience-fit signal anywhere.
    plain = audience.audience_section(creators, links, rows, [])
    assert plain["campaign"]["outside_target_share"] is None
    assert all(c["outside_target_share"] is None for c in plain["creators"])


# =============================================================================
# 2. Through the real redirect and store (SQLite and PostgreSQL)
# =============================================================================


def clicks(store):
    return store.query("SELECT * FROM clicks ORDER BY at, id")


@pytest.fixture
def proxied(store, db_url):
    """The app behind one trusted proxy (TRACKER_TRUSTED_PROXIES=1)."""
    return create_app(
        Config(database=db_url, base_url="https://go.example", trusted_proxies=1), store=store
    )


def visit(client, path, address=None, forwarded=None, language=None, agent=SAFARI, **kw):
    headers = {"User-Agent": agent}
    if forwarded is not None:
        headers["X-Forwarded-For"] = forwarded
    if language is not None:
        headers["Accept-Language"] = language
    environ = {"REMOTE_ADDR": address} if address is not None else {}
    resp = client.get(path, headers=headers, environ_overrides=environ, **kw)
    assert resp.status_code == 302, resp.status_code
    return resp


def test_country_from_the_peer_address(store, client):
    campaign_with_links(store)
    for address in PUBLIC:
        visit(client, "/mia-bio", address=address)
    visit(client, "/mia-bio", address="10.0.0.7")
    assert [r["country"] for r in clicks(store)] == list(PUBLIC.values()) + [None]


def test_country_from_x_forwarded_for_behind_a_trusted_proxy(store, proxied):
    campaign_with_links(store)
    client = proxied.test_client()
    # the proxy (10.0.0.2) appends the address it saw; a client may forge what is before it
    visit(client, "/mia-bio", address="10.0.0.2", forwarded="8.8.8.8, 194.25.2.129")
    visit(client, "/mia-bio", address="10.0.0.2", forwarded="2a02:8388::1")
    visit(client, "/mia-bio", address="10.0.0.2", forwarded="192.168.1.20")
    visit(client, "/mia-bio", address="195.186.1.111")  # no header: the peer
    assert [r["country"] for r in clicks(store)] == ["DE", "AT", None, "CH"]


def test_x_forwarded_for_is_ignored_without_trusted_proxies(store, client):
    campaign_with_links(store)
    visit(client, "/mia-bio", address="195.186.1.111", forwarded="194.25.2.129")
    visit(client, "/mia-bio", address="10.0.0.2", forwarded="194.25.2.129")
    assert [r["country"] for r in clicks(store)] == ["CH", None]


def test_the_address_is_stored_nowhere(store, proxied):
    """Dump every table after clicks from many addresses: none of them appears."""
    campaign_with_links(store)
    client = proxied.test_client()
    addresses = list(PUBLIC) + ["10.20.30.40", "203.0.113.77", "fd12:3456::9"]
    for n, address in enumerate(addresses):
        visit(
            client,
            "/mia-bio" if n % 2 else "/jade-bio",
            address="10.0.0.2",
            forwarded=address,
            language="de-AT,de;q=0.9",
        )
        visit(client, "/mia-ad", address=address, agent=BOT)  # bots too
    # the report and the export read the clicks, and write nothing of them
    reports.campaign_report(store, "spring")
    dump = "\n".join(
        f"{table}: " + " | ".join(f"{k}={v}" for k, v in r.items())
        for table in store.table_names()
        for r in store.query(f"SELECT * FROM {table}")
    )
    assert len(clicks(store)) == 2 * len(addresses) and "DE" in dump
    for address in addresses + ["10.0.0.2"]:
        assert address not in dump, address
    # IPv6 in its other spellings
    for spelled in ("2003:0:0:0:0:0:0:1", "2003:0000", "2a02:8388:0:0", "2001:4860:4860:0"):
        assert spelled not in dump


def test_language_from_accept_language(store, client):
    campaign_with_links(store)
    for header in ("de-AT,de;q=0.9,en;q=0.8", "fr;q=0.5, it;q=0.9", "*", None, "pt_BR", "x" * 5000):
        visit(client, "/jade-bio", address="8.8.8.8", language=header)
    assert [r["language"] for r in clicks(store)] == ["de", "it", None, None, "pt", None]


def test_a_qr_scan_is_recorded_and_qr_is_not_forwarded(store, client):
    campaign_with_links(store)
    scan = visit(client, "/mia-ad?qr=1&ttclid=E.C.P.q1", address="8.8.8.8")
    plain = visit(client, "/mia-ad?ttclid=E.C.P.q2", address="8.8.8.8")
    other = visit(client, "/mia-bio?qr=0&utm_term=x", address="8.8.8.8")
    head = client.head("/mia-bio?qr=1")
    for resp in (scan, plain, other, head):
        params = parse_qsl(urlsplit(resp.headers["Location"]).query, keep_blank_values=True)
        assert "qr" not in dict(params), resp.headers["Location"]
    assert dict(parse_qsl(urlsplit(scan.headers["Location"]).query))["ttclid"] == "E.C.P.q1"
    assert "utm_term=x" in other.headers["Location"]
    rows = clicks(store)  # HEAD makes no row
    assert [r["qr"] for r in rows] == [1, 0, 0]
    assert rows[0]["reason"] == "ttclid on the link; QR scan"
    assert rows[0]["source"] == "sponsored" and rows[0]["ad_click_id"] == "E.C.P.q1"
    assert [r["reason"].endswith("QR scan") for r in rows] == [True, False, False]


def test_a_bots_qr_scan_says_both(store, client):
    campaign_with_links(store)
    visit(client, "/mia-bio?qr=1", address="8.8.8.8", agent=BOT)
    (r,) = clicks(store)
    assert r["qr"] == 1 and r["is_bot"] == 1
    assert r["reason"] == "declared channel bio; bot: bot token facebookexternalhit; QR scan"


LEGACY_HEADER = (
    "click_id,clicked_at,campaign,creator,platform,channel,source,reason,is_bot,"
    "device,os,browser,referrer_host,ad_click_id,visitor"
)


def test_csv_appends_country_language_and_qr_scan(store, client):
    campaign_with_links(store)
    visit(client, "/mia-bio?qr=1", address="194.25.2.129", language="de-DE")
    visit(client, "/jade-bio", address="10.0.0.1")
    visit(client, "/jade-bio", address="8.8.8.8", agent=BOT, language="en")
    token = access.create_token(store, "csv")["token"]
    text = client.get(
        "/api/campaigns/spring/clicks.csv?include_bots=true",
        headers={"Authorization": f"Bearer {token}"},
    ).get_data(as_text=True)
    header = text.splitlines()[0]
    assert header == LEGACY_HEADER + ",country,language,qr_scan"
    assert ",".join(COLUMNS) == header
    rows = list(csv.reader(io.StringIO(text)))[1:]
    assert [r[15:] for r in rows] == [
        ["DE", "de", "true"],
        ["", "", "false"],
        ["US", "en", "false"],
    ]
    assert [r[8] for r in rows] == ["false", "false", "true"]  # is_bot still 9th
    assert rows[0][7] == "declared channel bio; QR scan"


def test_an_old_click_reads_as_no_country_and_no_scan(store):
    """Clicks recorded before version 8 get NULL country/language and qr 0."""
    campaign_with_links(store)
    link = store.link("mia-bio")
    store.execute(
        "INSERT INTO clicks (id, link_id, campaign_id, creator_id, at, day, source, platform, "
        "reason, is_bot, visitor) SELECT 'old1', id, campaign_id, creator_id, "
        "'2026-11-02T10:00:00.000000Z', '2026-11-02', 'organic', 'tiktok', 'declared channel bio',"
        " 0, 'abc' FROM links WHERE id = ?",
        [link["id"]],
    )
    (r,) = clicks(store)
    assert (r["country"], r["language"], r["qr"]) == (None, None, 0)
    a = reports.campaign_report(store, "spring")["audience"]
    assert a["campaign"]["clicks"] == 1 and a["campaign"]["qr_scans"] == 0
    assert a["campaign"]["breakdowns"]["country"]["top"] == [
        {"value": None, "clicks": 1, "share": 1.0}
    ]


# -- the report ---------------------------------------------------------------------------


def at(app, moment):
    app.wsgi_app.clock = lambda: moment


def utc(*parts):
    return datetime(*parts, tzinfo=UTC)


def audience_campaign(store, app):
    """spring (Berlin, from 2026-11-01) targeting DE, AT, CH, with these clicks:

    mia-bio  11-02  DE  de  Safari iPhone        QR
    mia-bio  11-02  DE  de  Safari iPhone
    mia-bio  11-03  US  en  Chrome desktop       referrer instagram
    mia-ad   11-03  AT  de  Instagram in-app     QR
    mia-ad   11-04  --  --  Safari iPhone        (private address: unknown country)
    mia-ad   11-04  US  --  bot                  left out
    jade-bio 11-05  CH  fr  Safari iPhone        QR
    jade-bio 11-05  CH  fr  Safari iPhone
    jade-x   11-20  JP  ja  Chrome desktop       day 20: outside the 7-day window
    """
    campaign_with_links(store)
    campaigns.set_target_countries(store, "spring", "DE,AT,CH")
    client = app.test_client()
    clicks = [
        ("/mia-bio?qr=1", utc(2026, 11, 2, 9), "194.25.2.129", "de-DE,de;q=0.9", SAFARI, None),
        ("/mia-bio", utc(2026, 11, 2, 10), "194.25.2.129", "de", SAFARI, None),
        ("/mia-bio", utc(2026, 11, 3, 9), "8.8.8.8", "en-US", CHROME, "https://l.instagram.com/"),
        ("/mia-ad?qr=1", utc(2026, 11, 3, 10), "195.3.96.67", "de-AT", IG_ANDROID, None),
        ("/mia-ad", utc(2026, 11, 4, 9), "192.168.1.5", None, SAFARI, None),
        ("/mia-ad", utc(2026, 11, 4, 10), "8.8.8.8", "en", BOT, None),
        ("/jade-bio?qr=1", utc(2026, 11, 5, 9), "195.186.1.111", "fr-CH", SAFARI, None),
        ("/jade-bio", utc(2026, 11, 5, 10), "195.186.1.111", "fr-CH, de;q=0.5", SAFARI, None),
        ("/jade-x", utc(2026, 11, 20, 9), "1.0.16.1", "ja", CHROME, None),
    ]
    for path, moment, address, language, agent, referrer in clicks:
        at(app, moment)
        headers = {"User-Agent": agent}
        if language:
            headers["Accept-Language"] = language
        if referrer:
            headers["Referer"] = referrer
        assert (
            client.get(
                path, headers=headers, environ_overrides={"REMOTE_ADDR": address}
            ).status_code
            == 302
        )


def top(entry, dimension):
    return [(t["value"], t["clicks"], t["share"]) for t in entry["breakdowns"][dimension]["top"]]


def test_report_audience_by_hand(store, app):
    audience_campaign(store, app)
    week = reports.campaign_report(store, "spring", 7)
    a = week["audience"]
    assert a["target_countries"] == ["DE", "AT", "CH"]
    camp = a["campaign"]
    # 7 human clicks in the first 7 days (the bot and day 20 left out); the same as the totals
    assert camp["clicks"] == week["totals"]["clicks"] == 7
    assert camp["qr_scans"] == 3
    # known countries: DE 2, US 1, AT 1, CH 2 = 6; outside DE/AT/CH: US 1 -> 1/6
    assert camp["outside_target_share"] == 0.166667
    assert top(camp, "country") == [
        ("CH", 2, 0.285714),
        ("DE", 2, 0.285714),
        ("AT", 1, 0.142857),
        ("US", 1, 0.142857),
        (None, 1, 0.142857),
    ]
    assert top(camp, "language") == [
        ("de", 3, 0.428571),
        ("fr", 2, 0.285714),
        ("en", 1, 0.142857),
        (None, 1, 0.142857),
    ]
    assert top(camp, "device") == [("mobile", 6, 0.857143), ("desktop", 1, 0.142857)]
    assert top(camp, "os") == [
        ("iOS", 5, 0.714286),
        ("Android", 1, 0.142857),
        ("Windows", 1, 0.142857),
    ]
    assert top(camp, "in_app") == [(None, 6, 0.857143), ("instagram", 1, 0.142857)]
    assert top(camp, "referrer_host") == [(None, 6, 0.857143), ("l.instagram.com", 1, 0.142857)]
    assert camp["breakdowns"]["browser"]["clicks"] == 7
    by = {c["handle"]: c for c in a["creators"]}
    # mia: 5 clicks, 2 scans; known DE 2, US 1, AT 1 -> outside 1/4
    assert (by["mia"]["clicks"], by["mia"]["qr_scans"], by["mia"]["outside_target_share"]) == (
        5,
        2,
        0.25,
    )
    assert top(by["mia"], "country") == [
        ("DE", 2, 0.4),
        ("AT", 1, 0.2),
        ("US", 1, 0.2),
        (None, 1, 0.2),
    ]
    # jade: both from CH: nothing outside (0.0, not None)
    assert (by["jade"]["clicks"], by["jade"]["qr_scans"], by["jade"]["outside_target_share"]) == (
        2,
        1,
        0.0,
    )
    assert top(by["jade"], "language") == [("fr", 2, 1.0)]
    assert {c["handle"]: c["total"]["clicks"] for c in week["creators"]} == {
        c["handle"]: c["clicks"] for c in a["creators"]
    }
    links = {link["code"]: (link["clicks"], link["qr_scans"]) for link in a["links"]}
    assert links == {"mia-bio": (3, 1), "mia-ad": (2, 1), "jade-bio": (2, 1), "jade-x": (0, 0)}

    # All time adds jade's day-20 click from Japan: jade's known 3, outside 1 -> 1/3
    everything = reports.campaign_report(store, "spring", "all")["audience"]
    jade = {c["handle"]: c for c in everything["creators"]}["jade"]
    assert (jade["clicks"], jade["outside_target_share"]) == (3, 0.333333)
    assert everything["campaign"]["clicks"] == 8
    assert dict((v, n) for v, n, _ in top(everything["campaign"], "country"))["JP"] == 1
    assert {link["code"]: link["clicks"] for link in everything["links"]}["jade-x"] == 1


def test_no_targets_no_audience_fit(store, app):
    audience_campaign(store, app)
    campaigns.set_target_countries(store, "spring", "")
    a = reports.campaign_report(store, "spring", 7)["audience"]
    assert a["target_countries"] == []
    assert a["campaign"]["outside_target_share"] is None
    assert all(c["outside_target_share"] is None for c in a["creators"])


def test_a_campaign_without_clicks(store):
    campaign_with_links(store)
    campaigns.set_target_countries(store, "spring", ["AT"])
    a = reports.campaign_report(store, "spring", 30)["audience"]
    assert (a["campaign"]["clicks"], a["campaign"]["qr_scans"]) == (0, 0)
    assert a["campaign"]["outside_target_share"] is None
    assert a["campaign"]["breakdowns"]["country"] == {
        "clicks": 0,
        "top": [],
        "other": {"values": 0, "clicks": 0, "share": None},
    }
    assert [link["clicks"] for link in a["links"]] == [0, 0, 0, 0]


def test_creator_scoped_report_shows_only_that_creators_audience(store, app):
    audience_campaign(store, app)
    full = reports.campaign_report(store, "spring", 7)["audience"]
    mine = reports.campaign_report(store, "spring", 7, creator="jade")["audience"]
    (jade,) = mine["creators"]
    assert jade == {c["handle"]: c for c in full["creators"]}["jade"]
    assert {k: v for k, v in mine["campaign"].items()} == {
        k: v for k, v in jade.items() if k != "handle"
    }
    assert [link["code"] for link in mine["links"]] == ["jade-bio", "jade-x"]
    assert "DE" not in json.dumps(mine["campaign"]["breakdowns"]["country"])


def test_audience_summary_rows(store, app):
    """The store's boundary: (creator_id, dimension, value, clicks) of human clicks
    in the window, one grouped query per dimension."""
    audience_campaign(store, app)
    spring = store.campaign("spring")
    mia = store.creator("mia")["id"]
    rows = store.audience_summary(spring["id"], "2026-11-01", "2026-11-03", ["country", "qr_link"])
    got = sorted(
        (r["creator_id"] == mia, r["dimension"], r["value"] or "", r["clicks"]) for r in rows
    )
    mia_ad, mia_bio = store.link("mia-ad")["id"], store.link("mia-bio")["id"]
    assert got == sorted(
        [
            (True, "country", "DE", 2),
            (True, "country", "US", 1),
            (True, "country", "AT", 1),
            (True, "qr_link", mia_bio, 1),
            (True, "qr_link", mia_ad, 1),
        ]
    )
    # each dimension's rows are the same whatever else is asked for in the same call
    alone = store.audience_summary(spring["id"], "2026-11-01", "2026-11-30", ["qr_link"])
    asked = store.audience_summary(
        spring["id"],
        "2026-11-01",
        "2026-11-30",
        ["country", "qr_link", "link", "country", "language"],
    )
    assert sorted(r["clicks"] for r in alone) == [1, 1, 1]
    assert sorted((r["creator_id"], r["value"], r["clicks"]) for r in alone) == sorted(
        (r["creator_id"], r["value"], r["clicks"]) for r in asked if r["dimension"] == "qr_link"
    )
    assert (
        sum(r["clicks"] for r in asked if r["dimension"] == "country")
        == sum(r["clicks"] for r in asked if r["dimension"] == "link")
        == 8
    )
    with pytest.raises(ValueError):
        store.audience_summary(spring["id"], "2026-11-01", "2026-11-03", ["visitor"])
    assert store.audience_summary(spring["id"], "2026-11-01", "2026-11-03", []) == []


# -- target countries: campaigns, API ----------------------------------------------------


def test_target_countries_on_create_and_change(store):
    made = campaigns.create_campaign(
        store,
        "alps",
        "Alps",
        "https://shop.example/a",
        "2026-11-01",
        "Europe/Vienna",
        "EUR",
        target_countries="at, de,CH",
    )
    assert made["target_countries"] == ["AT", "DE", "CH"]
    assert store.campaign("alps")["target_countries"] == "AT,DE,CH"
    assert campaigns.set_target_countries(store, "alps", ["it"])["target_countries"] == ["IT"]
    assert campaigns.set_target_countries(store, "alps", None)["target_countries"] == []
    assert store.campaign("alps")["target_countries"] is None
    plain = campaigns.create_campaign(store, "plain", "Plain", "https://shop.example/p")
    assert plain["target_countries"] == []
    with pytest.raises(BadInput):
        campaigns.create_campaign(
            store, "bad", "Bad", "https://shop.example/b", target_countries="DE,UK"
        )
    assert store.campaign("bad") is None
    with pytest.raises(BadInput):
        campaigns.set_target_countries(store, "alps", "XX")
    assert store.campaign("alps")["target_countries"] is None


def test_api_create_and_patch_target_countries(store, client):
    campaign_with_links(store)
    h = {"Authorization": "Bearer " + access.create_token(store, "ops")["token"]}
    made = client.post(
        "/api/campaigns",
        headers=h,
        json={
            "slug": "alps",
            "name": "Alps",
            "destination": "https://shop.example/a",
            "target_countries": ["DE", "at"],
        },
    )
    assert made.status_code == 201 and made.get_json()["target_countries"] == ["DE", "AT"]
    assert client.get("/api/campaigns/alps", headers=h).get_json()["target_countries"] == [
        "DE",
        "AT",
    ]
    patched = client.patch(
        "/api/campaigns/spring", headers=h, json={"target_countries": "DE,AT,CH"}
    )
    assert patched.status_code == 200 and patched.get_json()["target_countries"] == [
        "DE",
        "AT",
        "CH",
    ]
    report = client.get("/api/campaigns/spring/report", headers=h).get_json()
    assert report["audience"]["target_countries"] == ["DE", "AT", "CH"]
    for bad in (
        {"target_countries": "DE,XX"},
        {"target_countries": 7},
        {"slug": "new"},
        {},
        {"target_countries": "DE", "budget": "five"},
    ):
        resp = client.patch("/api/campaigns/spring", headers=h, json=bad)
        assert resp.status_code == 400, bad
        assert resp.get_json()["error"]["code"] == "invalid"
    # all or nothing: the refused patches changed nothing
    assert client.get("/api/campaigns/spring", headers=h).get_json()["target_countries"] == [
        "DE",
        "AT",
        "CH",
    ]
    renamed = client.patch("/api/campaigns/spring", headers=h, json={"name": "Spring two"})
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "Spring two"
    bad_create = client.post(
        "/api/campaigns",
        headers=h,
        json={
            "slug": "bad",
            "name": "Bad",
            "destination": "https://shop.example/b",
            "target_countries": "EU",
        },
    )
    assert bad_create.status_code == 400 and store.campaign("bad") is None
    assert store.campaign("spring")["target_countries"] == "DE,AT,CH"
    cleared = client.patch("/api/campaigns/spring", headers=h, json={"target_countries": []})
    assert cleared.get_json()["target_countries"] == []
    # a read-only token may not change it
    ro = {"Authorization": "Bearer " + access.create_token(store, "ro", read_only=True)["token"]}
    assert (
        client.patch(
            "/api/campaigns/spring", headers=ro, json={"target_countries": "DE"}
        ).status_code
        == 403
    )


# -- the page ------------------------------------------------------------------------------


def test_the_stats_page_shows_the_audience(store, app):
    audience_campaign(store, app)
    url = access.share_link(store, "https://go.example", "spring")["url"]
    page = app.test_client().get(urlsplit(url).path + "?" + urlsplit(url).query + "&window=7")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    section = html[html.index('<section id="audience"') :]
    section = section[: section.index("</section>")]
    assert "Audience" in section and "Countries" in section and "Languages" in section
    assert "Switzerland" in section and "Germany" in section and "French" in section
    assert "16.7% outside the target countries" in section  # the campaign: 1/6
    assert 'id="aud-qr">3<' in section
    assert section.count('<details class="aud-creator"') == 2
    assert 'data-handle="mia"' in section and "25.0% outside" in section
    assert 'data-handle="jade"' in section and "0.0% outside" in section
    assert 'data-code="mia-bio"' in section
    assert "l.instagram.com" in section and "none (direct or hidden)" in section
    assert "<script" not in section  # no script needed


def test_the_page_of_a_campaign_without_targets_or_clicks(store, app):
    campaign_with_links(store)
    url = access.share_link(store, "https://go.example", "spring")["url"]
    html = (
        app.test_client().get(urlsplit(url).path + "?" + urlsplit(url).query).get_data(as_text=True)
    )
    assert 'id="audience"' in html and "No human clicks in this window." in html
    assert "outside the target countries" not in html
    assert "Name the campaign’s" in html or "Name the campaign&#8217;s" in html


def test_the_audience_fits_a_phone(store, app):
    """In real Chromium at 360 px: with every creator opened and long codes,
    hosts and names, nothing in the section is wider than the screen."""
    playwright = pytest.importorskip("playwright.sync_api")
    import shutil

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not shutil.os.path.exists(chromium):
        pytest.skip("Debian's chromium is not installed (`make test` installs it)")
    audience_campaign(store, app)
    campaigns.add_creator(store, "a.creator.with.a.rather.long.handle_for_phones", "tiktok")
    campaigns.create_link(
        store,
        "https://go.example",
        "spring",
        "a.creator.with.a.rather.long.handle_for_phones",
        "story",
        code="a-very-long-code-for-qr-posters1",
    )
    at(app, utc(2026, 11, 6, 9))
    resp = app.test_client().get(
        "/a-very-long-code-for-qr-posters1?qr=1",
        headers={
            "User-Agent": SAFARI,
            "Accept-Language": "fr-FR",
            "Referer": "https://newsletter.mail.an-extremely-long-subdomain-name-of-a"
            "-mailing-provider.example.com/track/click",
        },
        environ_overrides={"REMOTE_ADDR": "212.27.48.10"},
    )
    assert resp.status_code == 302
    url = access.share_link(store, "https://go.example", "spring")["url"]
    html = (
        app.test_client()
        .get(urlsplit(url).path + "?" + urlsplit(url).query + "&window=7")
        .get_data(as_text=True)
    )
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 360, "height": 740})
            page.set_content(html)
            page.evaluate(
                "document.querySelectorAll('#audience details').forEach(d => d.open = true)"
            )
            widths = page.evaluate("""() => {
                const s = document.querySelector('#audience');
                const right = Math.max(...[...s.querySelectorAll('*')].map(
                    e => e.getBoundingClientRect().right));
                return {scroll: s.scrollWidth, client: s.clientWidth, right: right,
                        screen: window.innerWidth,
                        tables: [...s.querySelectorAll('table')].map(
                            t => t.getBoundingClientRect().width)};
            }""")
            assert widths["scroll"] <= widths["client"], widths
            assert widths["right"] <= widths["screen"], widths
            assert all(w <= widths["client"] for w in widths["tables"]), widths
            opened = page.locator("#audience details[open]").count()
            assert opened == 3
            assert (
                page.locator("#audience details[data-handle='jade'] [data-dimension='country'] li")
                .first.inner_text()
                .startswith("CH")
            )
        finally:
            browser.close()
