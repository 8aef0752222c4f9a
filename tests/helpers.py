"""Small builders shared by tests."""
from tracker import links

BASE = "https://go.example"


def campaign_with_links(store, slug="spring", tz="Europe/Berlin", starts_on="2026-11-01"):
    links.create_campaign(store, slug, "Spring launch", "https://shop.example/p?ref=abc",
                          starts_on, tz, "EUR")
    links.add_creator(store, "mia", "tiktok")
    links.add_creator(store, "jade", "instagram")
    links.enroll(store, slug, "mia", "1500")
    links.enroll(store, slug, "jade", "800.50")
    made = {
        "mia-bio": links.create_link(store, BASE, slug, "mia", "bio", code="mia-bio"),
        "mia-ad": links.create_link(store, BASE, slug, "mia", "ad", code="mia-ad"),
        "jade-bio": links.create_link(store, BASE, slug, "jade", "bio", code="jade-bio"),
        "jade-other": links.create_link(store, BASE, slug, "jade", "other", code="jade-x"),
    }
    return made
