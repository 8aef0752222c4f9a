"""The classifier, table-driven, on real user-agent strings."""

import pytest

from tracker.classify import (
    bot_reason,
    classify,
    in_app_platform,
    medium_kind,
    parse_agent,
    referrer_platform,
)

IG_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 13_3 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 Instagram 123.1.0.26.115 (iPhone11,8; iOS 13_3; "
    "en_US; en-US; scale=2.00; 828x1792; 190542906)"
)
TIKTOK_ANDROID = None  # filled from the fixture table below
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 13_2_3 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/13.0.3 Mobile/15E148 Safari/604.1"
)
FB_PREVIEW = "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"
SNAP_PREVIEW = "Snap URL Preview Service; bot; snapchat; https://developers.snap.com/robots"


def test_fixture_table_is_real_and_balanced(real_agents):
    bots = [r for r in real_agents if r["is_bot"]]
    humans = [r for r in real_agents if not r["is_bot"]]
    assert len(bots) >= 60 and len(humans) >= 60
    assert all(":" in r["origin"] for r in real_agents)


def test_every_real_bot_is_flagged(real_agents):
    missed = [r["ua"] for r in real_agents if r["is_bot"] and not parse_agent(r["ua"]).is_bot]
    assert missed == []


def test_no_real_human_is_flagged(real_agents):
    flagged = [
        (r["ua"], bot_reason(r["ua"]))
        for r in real_agents
        if not r["is_bot"] and parse_agent(r["ua"]).is_bot
    ]
    assert flagged == []


def test_in_app_platform_of_real_strings(real_agents):
    wrong = [
        (r["ua"], r["in_app"], parse_agent(r["ua"]).in_app)
        for r in real_agents
        if parse_agent(r["ua"]).in_app != r["in_app"]
    ]
    assert wrong == []


def test_bots_never_get_in_app_rules():
    # The Snap preview names "snapchat"; it must stay a bot with no in-app platform.
    assert in_app_platform(SNAP_PREVIEW) is None or parse_agent(SNAP_PREVIEW).in_app is None
    agent = parse_agent(SNAP_PREVIEW)
    assert agent.is_bot and agent.in_app is None and agent.device == "bot"


def test_empty_user_agent_is_a_bot():
    assert parse_agent("").is_bot
    assert parse_agent("").bot_reason == "empty user agent"
    assert classify("bio", {}, None, None, "tiktok").is_bot


def test_metaiab_is_treated_as_human():
    ua = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36 MetaIAB Facebook"
    assert not parse_agent(ua).is_bot
    assert parse_agent(ua).in_app == "facebook"


def test_parse_is_cached_per_string():
    parse_agent.cache_clear()
    parse_agent(SAFARI)
    parse_agent(SAFARI)
    info = parse_agent.cache_info()
    assert info.hits == 1 and info.misses == 1


@pytest.mark.parametrize(
    "channel,query,referrer,ua,creator,source,platform",
    [
        # ad click ids decide, with the platform they name
        ("bio", {"ttclid": "E.C.P.abc"}, None, IG_IOS, "instagram", "sponsored", "tiktok"),
        ("other", {"GCLID": "Cj0KCQ"}, None, SAFARI, "tiktok", "sponsored", "google"),
        ("bio", {"ScCid": "a1b2"}, None, SAFARI, "tiktok", "sponsored", "snapchat"),
        (
            "bio",
            {"utm_medium": "bio", "ttclid": "x1"},
            None,
            SAFARI,
            "tiktok",
            "sponsored",
            "tiktok",
        ),
        # unexpanded macros and empty values are ignored
        ("bio", {"ttclid": "__CLICKID__"}, None, SAFARI, "tiktok", "organic", "tiktok"),
        ("bio", {"ttclid": "_CLICKID_"}, None, SAFARI, "tiktok", "organic", "tiktok"),
        ("other", {"gclid": "{{ad.id}}"}, None, SAFARI, "tiktok", "unknown", "tiktok"),
        ("other", {"ttclid": ""}, None, SAFARI, "tiktok", "unknown", "tiktok"),
        # paid mediums
        ("bio", {"utm_medium": "paid_social"}, None, SAFARI, "tiktok", "sponsored", "tiktok"),
        ("bio", {"utm_medium": "Paid%20Social"}, None, SAFARI, "tiktok", "sponsored", "tiktok"),
        (
            "bio",
            {"utm_medium": "cpc", "utm_source": "facebook"},
            None,
            IG_IOS,
            "tiktok",
            "sponsored",
            "instagram",
        ),
        ("other", {"utm_medium": "social_paid"}, None, SAFARI, "tiktok", "sponsored", "tiktok"),
        # fbclid alone is not sponsored
        ("ad", {"fbclid": "IwAR0"}, None, SAFARI, "instagram", "organic", "facebook"),
        ("other", {"igshid": "MzRl"}, None, SAFARI, "tiktok", "organic", "instagram"),
        # organic evidence
        ("other", {}, None, IG_IOS, "tiktok", "organic", "instagram"),
        ("other", {}, "https://l.instagram.com/?u=x", SAFARI, "tiktok", "organic", "instagram"),
        (
            "other",
            {},
            "android-app://com.zhiliaoapp.musically",
            SAFARI,
            "instagram",
            "organic",
            "tiktok",
        ),
        ("other", {"utm_source": "tiktok"}, None, SAFARI, "instagram", "organic", "tiktok"),
        ("other", {"utm_medium": "social"}, None, SAFARI, "tiktok", "organic", "tiktok"),
        ("other", {"utm_source": "instagram"}, None, IG_IOS, "tiktok", "organic", "instagram"),
        # no evidence: the declared channel decides
        ("ad", {}, None, SAFARI, "tiktok", "sponsored", "tiktok"),
        ("bio", {}, None, SAFARI, "instagram", "organic", "instagram"),
        ("story", {}, None, SAFARI, "instagram", "organic", "instagram"),
        ("other", {}, None, SAFARI, "tiktok", "unknown", "tiktok"),
        ("other", {"utm_medium": "email"}, None, SAFARI, "tiktok", "unknown", "tiktok"),
        # substring look-alikes are not social referrers
        ("other", {}, "https://notfacebook.com/x", SAFARI, "tiktok", "unknown", "tiktok"),
        (
            "other",
            {},
            "https://www.tiktok.com.evil.example/",
            SAFARI,
            "instagram",
            "unknown",
            "instagram",
        ),
        # bots keep their source but are flagged; in-app rules are not applied
        ("ad", {"ttclid": "abc"}, None, FB_PREVIEW, "tiktok", "sponsored", "tiktok"),
        ("other", {}, None, SNAP_PREVIEW, "tiktok", "unknown", "tiktok"),
    ],
)
def test_source_rules(channel, query, referrer, ua, creator, source, platform):
    result = classify(channel, query, referrer, ua, creator)
    assert (result.source, result.platform) == (source, platform), result.reason
    assert result.reason


def test_ad_click_id_value_is_kept():
    assert (
        classify("bio", [("ttclid", "E.C.P.123")], None, SAFARI, "tiktok").ad_click_id
        == "E.C.P.123"
    )
    assert classify("bio", {"fbclid": "IwAR"}, None, SAFARI, "tiktok").ad_click_id is None


def test_bot_reason_is_readable():
    result = classify("ad", {}, None, FB_PREVIEW, "tiktok")
    assert result.is_bot and "facebookexternalhit" in result.reason


@pytest.mark.parametrize(
    "referrer,platform",
    [
        ("https://www.tiktok.com/@mia", "tiktok"),
        ("https://tiktok.com", "tiktok"),
        ("https://lm.facebook.com/l.php?u=x", "facebook"),
        ("https://t.co/abc", "twitter"),
        ("https://youtu.be/x", "youtube"),
        ("https://notfacebook.com/", None),
        ("https://facebook.com.evil.example/", None),
        ("https://evil.example/?r=instagram.com", None),
        ("android-app://com.instagram.android", "instagram"),
        ("android-app://com.instagram.android.evil", None),
        ("not a url", None),
        ("", None),
    ],
)
def test_referrer_platform(referrer, platform):
    assert referrer_platform(referrer) == platform


@pytest.mark.parametrize(
    "medium,kind",
    [
        ("paid", "paid"),
        ("paid_social", "paid"),
        ("Paid%20Social", "paid"),
        ("cpc", "paid"),
        ("ppc", "paid"),
        ("paidsocial", "paid"),
        ("spark-ads", "paid"),
        ("social", "organic"),
        ("social-media", "organic"),
        ("linkinbio", "organic"),
        ("email", "other"),
        ("", None),
    ],
)
def test_medium_kind(medium, kind):
    assert medium_kind(medium) == kind
