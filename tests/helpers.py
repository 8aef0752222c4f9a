"""Small builders shared by tests."""

from tracker import campaigns

BASE = "https://go.example"


def campaign_with_links(store, slug="spring", tz="Europe/Berlin", starts_on="2026-11-01"):
    campaigns.create_campaign(
        store, slug, "Spring launch", "https://shop.example/p?ref=abc", starts_on, tz, "EUR"
    )
    campaigns.add_creator(store, "mia", "tiktok")
    campaigns.add_creator(store, "jade", "instagram")
    campaigns.enroll(store, slug, "mia", "1500")
    campaigns.enroll(store, slug, "jade", "800.50")
    made = {
        "mia-bio": campaigns.create_link(store, BASE, slug, "mia", "bio", code="mia-bio"),
        "mia-ad": campaigns.create_link(store, BASE, slug, "mia", "ad", code="mia-ad"),
        "jade-bio": campaigns.create_link(store, BASE, slug, "jade", "bio", code="jade-bio"),
        "jade-other": campaigns.create_link(store, BASE, slug, "jade", "other", code="jade-x"),
    }
    return made


def click_row(link: dict, n: int, **fields) -> dict:
    """A click row as the redirect writes it, for tests that insert through
    the store directly (link: from store.link_for_redirect)."""
    row = {
        "id": f"c{n:023d}",
        "link_id": link["id"],
        "campaign_id": link["campaign_id"],
        "creator_id": link["creator_id"],
        "at": f"2026-11-10T10:00:{n % 60:02d}.000000Z",
        "day": "2026-11-10",
        "referrer": None,
        "referrer_host": None,
        "user_agent": "x",
        "device": "desktop",
        "os": "Linux",
        "browser": "Firefox",
        "in_app": None,
        "source": "organic",
        "platform": "tiktok",
        "reason": "test",
        "ad_click_id": None,
        "is_bot": 0,
        "visitor": "v",
        "country": None,
        "language": None,
        "qr": 0,
    }
    row.update(fields)
    return row
