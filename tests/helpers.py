"""Small builders shared by tests."""
from tracker import campaigns

BASE = "https://go.example"


def campaign_with_links(store, slug="spring", tz="Europe/Berlin", starts_on="2026-11-01"):
    campaigns.create_campaign(store, slug, "Spring launch", "https://shop.example/p?ref=abc",
                          starts_on, tz, "EUR")
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
