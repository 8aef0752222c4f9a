"""Links, UTMs and the redirect target: pure functions and store-backed writes."""

from urllib.parse import parse_qsl, urlsplit

import pytest

from tracker import campaigns, validate
from tracker.errors import BadInput, Duplicate, NotFound

from .helpers import BASE, campaign_with_links


def query(url):
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def test_utms_are_added_and_the_destinations_own_win():
    url = campaigns.add_params(
        "https://shop.example/p?utm_source=newsletter&a=1",
        campaigns.utm_params("tiktok", "ad", "spring", "mia"),
    )
    assert query(url) == [
        ("utm_source", "newsletter"),
        ("a", "1"),
        ("utm_medium", "paid_social"),
        ("utm_campaign", "spring"),
        ("utm_content", "mia"),
    ]


@pytest.mark.parametrize(
    "channel,medium",
    [
        ("bio", "social"),
        ("post", "social"),
        ("story", "social"),
        ("other", "social"),
        ("ad", "paid_social"),
    ],
)
def test_medium_per_channel(channel, medium):
    assert campaigns.utm_params("instagram", channel, "s", "h")["utm_medium"] == medium


def test_redirect_location_precedence():
    dest = "https://shop.example/p?ref=abc&utm_source=shop"
    target = campaigns.add_params(dest, campaigns.utm_params("tiktok", "bio", "spring", "mia"))
    incoming = [("ttclid", "E.C.P"), ("utm_medium", "paid"), ("ref", "evil"), ("trk", "forged")]
    got = dict(query(campaigns.redirect_location(dest, target, incoming, "CLICK1")))
    assert got["ref"] == "abc"  # the destination's own parameter wins
    assert got["utm_source"] == "shop"
    assert got["utm_medium"] == "paid"  # incoming beats our generated UTM
    assert got["utm_campaign"] == "spring"
    assert got["ttclid"] == "E.C.P"  # ad click ids are forwarded
    assert got["trk"] == "CLICK1"  # and trk is always ours
    assert (
        urlsplit(campaigns.redirect_location(dest, target, incoming, "C")).netloc == "shop.example"
    )


def test_redirect_location_without_click_keeps_target():
    target = "https://shop.example/p?utm_source=tiktok"
    assert campaigns.redirect_location(target, target, [], None) == target


@pytest.mark.parametrize(
    "bad",
    [
        "//evil.example/x",
        "javascript:alert(1)",
        "data:text/html,<script>x</script>",
        "https:\\\\evil.example",
        "https://user:pw@evil.example/",
        "https://shop.example@evil.example",
        "ftp://shop.example/",
        "https://",
        "http:/evil.example",
        "https://exa mple.com",
        "https://shop.example/\nLocation: x",
        "shop.example/p",
        "",
    ],
)
def test_hostile_destinations_are_refused(store, bad):
    with pytest.raises(BadInput):
        campaigns.create_campaign(store, "c1", "C", bad)
    assert store.campaigns() == []


def test_create_link_returns_the_public_record(store):
    made = campaign_with_links(store)
    link = made["mia-ad"]
    assert link["short_url"] == f"{BASE}/mia-ad"
    assert link["channel"] == "ad" and link["creator"] == "mia" and link["campaign"] == "spring"
    assert dict(query(link["destination_url"]))["utm_medium"] == "paid_social"
    assert dict(query(link["destination_url"]))["ref"] == "abc"


def test_generated_codes_are_unique_and_strict(store):
    campaign_with_links(store)
    codes = {campaigns.create_link(store, BASE, "spring", "mia", "post")["code"] for _ in range(50)}
    assert len(codes) == 50
    assert all(
        len(c) == campaigns.CODE_LENGTH and set(c) <= set(campaigns.CODE_ALPHABET) for c in codes
    )


@pytest.mark.parametrize("code", ["ab", "has space", "../x", "a" * 33, "healthz", "stats", "-x1"])
def test_bad_codes_are_refused(store, code):
    campaign_with_links(store)
    before = len(store.links(store.campaign("spring")["id"]))
    with pytest.raises(BadInput):
        campaigns.create_link(store, BASE, "spring", "mia", "bio", code=code)
    assert len(store.links(store.campaign("spring")["id"])) == before


def test_duplicates_and_unknowns(store):
    campaign_with_links(store)
    with pytest.raises(Duplicate):
        campaigns.create_link(store, BASE, "spring", "mia", "bio", code="mia-bio")
    with pytest.raises(Duplicate):
        campaigns.create_campaign(store, "spring", "x", "https://a.example")
    with pytest.raises(Duplicate):
        campaigns.add_creator(store, "@MIA", "tiktok")
    with pytest.raises(NotFound):
        campaigns.create_link(store, BASE, "nope", "mia", "bio")
    with pytest.raises(NotFound):
        campaigns.create_link(store, BASE, "spring", "nobody", "bio")
    with pytest.raises(BadInput):
        campaigns.create_link(store, BASE, "spring", "mia", "banner")


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"starts_on": "2026-13-01"}, "not a date"),
        ({"timezone_name": "Mars/Olympus"}, "time zone"),
        ({"currency": "XYZ1"}, "currency"),
        ({"budget": "12,5"}, "not a number"),
        ({"budget": "10.001"}, "decimals"),
    ],
)
def test_campaign_input_errors(store, kwargs, message):
    with pytest.raises(BadInput, match=message):
        campaigns.create_campaign(store, "c1", "Campaign", "https://shop.example", **kwargs)
    assert store.campaigns() == []


def test_money_is_exact(store):
    campaigns.create_campaign(
        store, "yen", "Yen", "https://shop.example", currency="JPY", budget="120000"
    )
    campaigns.add_creator(store, "k", "tiktok")
    assert campaigns.enroll(store, "yen", "k", "5000")["fee"] == "5000"
    assert store.campaign("yen")["budget_minor"] == 120000
    with pytest.raises(BadInput):
        campaigns.enroll(store, "yen", "k", "10.5")


def test_handles_are_case_insensitive_and_html_is_kept_as_text(store):
    campaigns.add_creator(store, "@Mia.Moves", "tiktok")
    assert campaigns.get_creator(store, "mia.moves")["handle"] == "mia.moves"
    # markup is no handle (letters, digits, '.', '_', '-'); a name keeps it as text
    with pytest.raises(BadInput, match="creator handle"):
        campaigns.add_creator(store, "<script>x</script>", "instagram")
    created = campaigns.add_creator(store, "x", "instagram", "<script>x</script>")
    assert created["name"] == "<script>x</script>"


@pytest.mark.parametrize(
    "typed,stored",
    [
        ("mia", "mia"),
        ("@Mia.Moves", "mia.moves"),
        ("  @chef_leo-2 ", "chef_leo-2"),
        ("A" * 100, "a" * 100),
    ],
)
def test_handle_accepts_letters_digits_dot_underscore_dash(typed, stored):
    assert validate.handle(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "@",
        "   ",
        "bad handle!",
        "mia@home",
        "<b>",
        "ünal",
        "a/b",
        "a" * 101,
        "tab\there",
        "mi\na",
        "=cmd|'/c calc'!A1",
    ],
)
def test_handle_refuses_everything_else(typed):
    with pytest.raises(BadInput, match="creator handle"):
        validate.handle(typed)


def test_disable_link(store):
    campaign_with_links(store)
    assert campaigns.set_link_disabled(store, BASE, "mia-bio")["disabled"] is True
    with pytest.raises(NotFound):
        campaigns.set_link_disabled(store, BASE, "nope")


def test_a_code_collision_is_retried(store, monkeypatch):
    campaign_with_links(store)
    codes = iter(["Dup2345", "Dup2345", "Fresh23"])
    monkeypatch.setattr(campaigns, "new_code", lambda: next(codes))
    first = campaigns.create_link(store, BASE, "spring", "mia", "post")
    second = campaigns.create_link(store, BASE, "spring", "mia", "post")
    assert (first["code"], second["code"]) == ("Dup2345", "Fresh23")
