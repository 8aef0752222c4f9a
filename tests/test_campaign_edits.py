"""Changing what exists: campaigns (and archiving them), creators (their
links follow), enrolments, promo codes, and the link preview the console
shows. Each refused change writes nothing. Real SQLite and PostgreSQL."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from tracker import campaigns, imports
from tracker.errors import BadInput, Duplicate, NotFound
from tracker.redirect import Redirector

from .helpers import BASE, campaign_with_links

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)


def query(url: str) -> dict:
    return dict(parse_qsl(urlsplit(url).query))


def table(store, name: str) -> list:
    return sorted(map(str, store.query(f"SELECT * FROM {name}")))


def order(store, order_id="o-1", code="mia10"):
    imports.save_redemptions(
        store,
        [
            (
                2,
                {
                    "order_id": order_id,
                    "code": code,
                    "amount": "10",
                    "redeemed_at": "2026-11-02T10:00:00Z",
                },
            )
        ],
    )


# -- campaigns ---------------------------------------------------------------------


def test_update_campaign_changes_only_what_is_given(store):
    campaign_with_links(store)
    done = campaigns.update_campaign(
        store, "spring", name="Spring relaunch", budget="2500.50", starts_on="2026-11-03"
    )
    assert done["name"] == "Spring relaunch" and done["budget"] == "2500.50"
    assert done["starts_on"] == "2026-11-03" and done["timezone"] == "Europe/Berlin"
    assert done["changed"] == {
        "name": ["Spring launch", "Spring relaunch"],
        "budget": [None, "2500.50"],
        "starts_on": ["2026-11-01", "2026-11-03"],
    }
    assert campaigns.update_campaign(store, "spring", budget="")["budget"] is None
    assert campaigns.update_campaign(store, "spring", name="Spring relaunch")["changed"] == {}


def test_a_new_destination_is_for_new_links_only(store):
    made = campaign_with_links(store)
    campaigns.update_campaign(store, "spring", destination="https://shop.example/new")
    assert store.link("mia-bio")["target_url"] == made["mia-bio"]["destination_url"]
    fresh = campaigns.create_link(store, BASE, "spring", "mia", "post")
    assert fresh["destination_url"].startswith("https://shop.example/new?")


def test_currency_changes_keep_face_values_until_the_first_import(store):
    campaign_with_links(store)
    campaigns.enroll(store, "spring", "jade", "800")
    campaigns.update_campaign(store, "spring", budget="5000")
    done = campaigns.update_campaign(store, "spring", currency="jpy")
    assert done["currency"] == "JPY" and done["budget"] == "5000"
    assert done["changed"]["currency"] == ["EUR", "JPY"]
    assert {c["handle"]: c["fee"] for c in campaigns.campaign_creators(store, "spring")} == {
        "jade": "800",
        "mia": "1500",
    }


def test_currency_change_refused_when_a_fee_does_not_fit(store):
    campaign_with_links(store)  # jade's fee is 800.50 EUR
    before = table(store, "campaigns"), table(store, "campaign_creators")
    with pytest.raises(BadInput, match="fee of jade"):
        campaigns.update_campaign(store, "spring", currency="JPY")
    assert (table(store, "campaigns"), table(store, "campaign_creators")) == before


def test_currency_and_time_zone_are_fixed_once_used(store, client):
    campaign_with_links(store)
    campaigns.add_promo(store, "spring", "mia", "MIA10")
    order(store)
    with pytest.raises(BadInput, match="1 order.*its currency can change only"):
        campaigns.update_campaign(store, "spring", currency="USD")
    assert campaigns.update_campaign(store, "spring", timezone_name="UTC")["timezone"] == "UTC"
    client.get("/mia-bio", headers={"User-Agent": CHROME})
    before = table(store, "campaigns")
    with pytest.raises(BadInput, match="1 click.*its time zone can change only"):
        campaigns.update_campaign(store, "spring", timezone_name="Europe/Berlin", name="Renamed")
    assert table(store, "campaigns") == before  # the name did not change either


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"name": " "}, "campaign name must not be empty"),
        ({"destination": "javascript:alert(1)"}, "destination"),
        ({"starts_on": "1/11/2026"}, "--starts-on"),
        ({"timezone_name": "Mars/Olympus"}, "time zone"),
        ({"currency": "EURO"}, "currency"),
        ({"budget": "12.345"}, "budget"),
    ],
)
def test_update_campaign_refuses_bad_fields_and_writes_nothing(store, kwargs, message):
    campaign_with_links(store)
    before = table(store, "campaigns")
    with pytest.raises(BadInput, match=message):
        campaigns.update_campaign(store, "spring", **{"name": "Other", **kwargs})
    assert table(store, "campaigns") == before
    with pytest.raises(NotFound):
        campaigns.update_campaign(store, "ghost", name="x")


def test_archive_and_restore(store, client):
    campaign_with_links(store)
    done = campaigns.archive_campaign(store, "spring")
    assert done["archived_at"] and done["archived_at"].endswith("Z")
    assert campaigns.archive_campaign(store, "spring")["archived_at"] == done["archived_at"]
    # an archived campaign's links keep working
    assert client.get("/mia-bio", headers={"User-Agent": CHROME}).status_code == 302
    assert campaigns.archive_campaign(store, "spring", archived=False)["archived_at"] is None


# -- creators --------------------------------------------------------------------------


def test_creator_edit_recomputes_link_targets(store):
    campaign_with_links(store)
    done = campaigns.update_creator(
        store, "MIA", platform="instagram", name="Mia M.", new_handle="@Mia.Moves"
    )
    assert done["handle"] == "mia.moves" and done["platform"] == "instagram"
    assert done["links_updated"] == 2
    assert done["changed"] == {
        "handle": ["mia", "mia.moves"],
        "platform": ["tiktok", "instagram"],
        "name": [None, "Mia M."],
    }
    target = query(store.link("mia-ad")["target_url"])
    assert target["utm_source"] == "instagram" and target["utm_content"] == "mia.moves"
    assert target["utm_medium"] == "paid_social" and target["ref"] == "abc"
    assert query(store.link("jade-bio")["target_url"])["utm_content"] == "jade"
    # a name alone touches no link
    assert campaigns.update_creator(store, "mia.moves", name="")["links_updated"] == 0
    assert store.creator("mia.moves")["name"] is None


def test_creator_edit_refusals_write_nothing(store):
    campaign_with_links(store)
    before = table(store, "creators"), table(store, "links")
    with pytest.raises(Duplicate, match="taken"):
        campaigns.update_creator(store, "mia", new_handle="jade", platform="youtube")
    with pytest.raises(BadInput, match="platform"):
        campaigns.update_creator(store, "mia", platform="myspace")
    with pytest.raises(BadInput, match="creator handle"):
        campaigns.update_creator(store, "mia", new_handle="  ")
    with pytest.raises(NotFound):
        campaigns.update_creator(store, "ghost", name="x")
    assert (table(store, "creators"), table(store, "links")) == before


def test_redirects_follow_a_creator_edit_after_the_cache_time(store):
    campaign_with_links(store)
    seen = []

    def app(environ, start_response):  # pragma: no cover - never reached
        raise AssertionError

    redirector = Redirector(store, app)
    clock = [1000.0]
    redirector.monotonic = lambda: clock[0]

    def location():
        environ = {
            "PATH_INFO": "/mia-bio",
            "REQUEST_METHOD": "GET",
            "QUERY_STRING": "",
            "HTTP_USER_AGENT": CHROME,
            "REMOTE_ADDR": "203.0.113.1",
            "wsgi.errors": None,
        }
        redirector(environ, lambda status, headers: seen.append(dict(headers)))
        return query(seen[-1]["Location"])["utm_source"]

    assert location() == "tiktok"
    campaigns.update_creator(store, "mia", platform="youtube")
    assert location() == "tiktok"  # the cached copy, for a while
    clock[0] += campaigns.LINK_CACHE_SECONDS
    assert location() == "youtube"


def test_creators_with_their_campaigns(store):
    campaign_with_links(store)
    campaigns.add_creator(store, "solo", "youtube")
    found = {c["handle"]: c for c in campaigns.creators_with_campaigns(store)}
    assert [c["slug"] for c in found["mia"]["campaigns"]] == ["spring"]
    assert found["jade"]["campaigns"][0]["fee"] == "800.50"
    assert found["solo"]["campaigns"] == []


# -- enrolments and promo codes ------------------------------------------------------


def test_fee_change_and_unenroll(store):
    campaign_with_links(store)
    campaigns.add_creator(store, "zoe", "youtube")
    campaigns.enroll(store, "spring", "zoe", "100")
    assert campaigns.enroll(store, "spring", "zoe", "250.25")["fee"] == "250.25"
    assert campaigns.unenroll(store, "spring", "@ZOE") == {
        "campaign": "spring",
        "creator": "zoe",
        "unenrolled": True,
    }
    assert "zoe" not in {c["handle"] for c in campaigns.campaign_creators(store, "spring")}
    with pytest.raises(NotFound, match="not on campaign"):
        campaigns.unenroll(store, "spring", "zoe")


def test_unenroll_refused_while_links_hang_on_the_creator(store):
    campaign_with_links(store)
    before = table(store, "campaign_creators")
    with pytest.raises(BadInput, match="2 link"):
        campaigns.unenroll(store, "spring", "mia")
    assert table(store, "campaign_creators") == before


def test_remove_promo_code(store):
    campaign_with_links(store)
    campaigns.add_promo(store, "spring", "mia", "MIA10")
    campaigns.add_promo(store, "spring", "jade", "JADE5")
    assert campaigns.remove_promo(store, "jade5")["removed"] is True
    assert store.promo_code("jade5") is None
    order(store)
    with pytest.raises(BadInput, match="1 order"):
        campaigns.remove_promo(store, "MIA10")
    assert store.promo_code("mia10") is not None
    with pytest.raises(NotFound):
        campaigns.remove_promo(store, "nope")


# -- the link preview --------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["bio", "ad"])
@pytest.mark.parametrize("destination", [None, "https://shop.example/other?x=1"])
def test_preview_is_what_create_link_makes(store, channel, destination):
    campaign_with_links(store)
    preview = campaigns.preview_link(store, "spring", "Jade", channel, destination)
    made = campaigns.create_link(store, BASE, "spring", "jade", channel, destination)
    assert preview["destination_url"] == made["destination_url"]


def test_preview_refuses_what_create_link_refuses(store):
    campaign_with_links(store)
    with pytest.raises(BadInput, match="channel"):
        campaigns.preview_link(store, "spring", "mia", "billboard")
    with pytest.raises(BadInput, match="destination"):
        campaigns.preview_link(store, "spring", "mia", "bio", "ftp://x.example")
    with pytest.raises(NotFound):
        campaigns.preview_link(store, "spring", "ghost", "bio")


@pytest.mark.parametrize("code", ["login", "Logout", "campaigns", "creators", "uploads", "links"])
def test_console_paths_are_reserved_codes(store, code):
    campaign_with_links(store)
    with pytest.raises(BadInput, match="reserved"):
        campaigns.create_link(store, BASE, "spring", "mia", "bio", code=code)
