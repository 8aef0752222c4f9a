"""Campaigns, creators, enrolments, links and promo codes."""
from __future__ import annotations


LINK_SELECT = """
SELECT l.id, l.code, l.channel, l.destination, l.target_url, l.disabled,
       l.created_at, c.slug AS campaign, cr.handle AS creator,
       cr.platform AS creator_platform
  FROM links l
  JOIN campaigns c ON c.id = l.campaign_id
  JOIN creators cr ON cr.id = l.creator_id
"""


class CampaignQueries:
    """Campaigns, creators, enrolments, links and promo codes."""

    def campaign(self, slug: str) -> dict | None:
        return self.one("SELECT * FROM campaigns WHERE slug = ?", [slug])

    def campaign_by_id(self, campaign_id: int) -> dict | None:
        return self.one("SELECT * FROM campaigns WHERE id = ?", [campaign_id])

    def campaigns(self) -> list[dict]:
        return self.query("SELECT * FROM campaigns ORDER BY created_at, id")

    def creator(self, handle: str) -> dict | None:
        return self.one("SELECT * FROM creators WHERE handle = ?", [handle])

    def creators(self) -> list[dict]:
        return self.query("SELECT * FROM creators ORDER BY handle")

    def enroll(self, campaign_id: int, creator_id: int, fee_minor: int) -> None:
        self.execute(
            "INSERT INTO campaign_creators (campaign_id, creator_id, fee_minor) "
            "VALUES (?, ?, ?) ON CONFLICT (campaign_id, creator_id) "
            "DO UPDATE SET fee_minor = excluded.fee_minor",
            [campaign_id, creator_id, fee_minor],
        )

    def ensure_enrolled(self, campaign_id: int, creator_id: int) -> None:
        """Enrol with no fee unless enrolled already (a link or promo code
        puts its creator on the campaign)."""
        self.execute(
            "INSERT INTO campaign_creators (campaign_id, creator_id, fee_minor) VALUES (?, ?, 0) "
            "ON CONFLICT (campaign_id, creator_id) DO NOTHING", [campaign_id, creator_id])

    def enrolment(self, campaign_id: int, creator_id: int) -> dict | None:
        return self.one(
            "SELECT * FROM campaign_creators WHERE campaign_id = ? AND creator_id = ?",
            [campaign_id, creator_id],
        )

    def creator_campaign_ids(self, creator_id: int) -> set[int]:
        """The campaigns a creator is on."""
        return {r["campaign_id"] for r in self.query(
            "SELECT campaign_id FROM campaign_creators WHERE creator_id = ?", [creator_id])}

    def campaign_creators(self, campaign_id: int) -> list[dict]:
        return self.query(
            "SELECT cr.id, cr.handle, cr.platform, cr.name, cc.fee_minor "
            "FROM campaign_creators cc JOIN creators cr ON cr.id = cc.creator_id "
            "WHERE cc.campaign_id = ? ORDER BY cr.handle",
            [campaign_id],
        )

    def link(self, code: str) -> dict | None:
        return self.one(LINK_SELECT + " WHERE l.code = ?", [code])

    def links(self, campaign_id: int) -> list[dict]:
        return self.query(
            LINK_SELECT + " WHERE l.campaign_id = ? ORDER BY l.created_at, l.id",
            [campaign_id],
        )

    def set_link_disabled(self, code: str, disabled: bool) -> bool:
        cur = self.execute(
            "UPDATE links SET disabled = ? WHERE code = ?", [int(disabled), code]
        )
        return cur.rowcount > 0


    def promo_code(self, code: str) -> dict | None:
        return self.one("SELECT * FROM promo_codes WHERE code = ?", [code.lower()])

    def promo_codes(self, campaign_id: int) -> list[dict]:
        return self.query(
            "SELECT p.code, p.source, cr.handle AS creator FROM promo_codes p "
            "JOIN creators cr ON cr.id = p.creator_id WHERE p.campaign_id = ? ORDER BY p.code",
            [campaign_id])

