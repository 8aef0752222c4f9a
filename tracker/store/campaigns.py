"""Campaigns, creators, enrolments, links and promo codes."""

from __future__ import annotations

from .base import Database  # defined before base.py imports this module
from .rollups import PRUNED_DAYS

LINK_SELECT = """
SELECT l.id, l.code, l.channel, l.destination, l.target_url, l.disabled,
       l.created_at, l.click_param, c.slug AS campaign, cr.handle AS creator,
       cr.platform AS creator_platform
  FROM links l
  JOIN campaigns c ON c.id = l.campaign_id
  JOIN creators cr ON cr.id = l.creator_id
"""

# What the edit commands may change, and the tables whose rows hang on a campaign.
EDITABLE = {
    "campaigns": {
        "name",
        "destination",
        "starts_on",
        "timezone",
        "currency",
        "budget_minor",
        "attribution_days",
        "target_countries",
        "archived_at",
    },
    "creators": {"handle", "platform", "name"},
}
ON_CAMPAIGN = ("links", "promo_codes", "metrics", "clicks", "orders")


class CampaignQueries(Database):
    """Campaigns, creators, enrolments, links and promo codes."""

    def campaign(self, slug: str) -> dict | None:
        return self.one("SELECT * FROM campaigns WHERE slug = ?", [slug])

    def campaign_by_id(self, campaign_id: int) -> dict | None:
        return self.one("SELECT * FROM campaigns WHERE id = ?", [campaign_id])

    def campaigns(self) -> list[dict]:
        return self.query("SELECT * FROM campaigns ORDER BY created_at, id")

    def click_params(self) -> list[str]:
        """Every parameter name a link or campaign carries its click id in."""
        return [
            r["click_param"]
            for r in self.query(
                "SELECT click_param FROM links UNION SELECT click_param FROM campaigns ORDER BY 1"
            )
        ]

    def human_clicks_by_campaign(self) -> dict[int, int]:
        """Human clicks so far, per campaign id (the console's list): the
        click log, and the rollups of the days whose clicks were pruned."""
        return {
            r["campaign_id"]: int(r["clicks"])
            for r in self.query(
                "SELECT campaign_id, SUM(clicks) AS clicks FROM ("
                "SELECT campaign_id, COUNT(*) AS clicks FROM clicks WHERE is_bot = 0 "
                "GROUP BY campaign_id UNION ALL "
                f"SELECT r.campaign_id, SUM(r.clicks) FROM click_rollups r {PRUNED_DAYS} "
                "GROUP BY r.campaign_id) parts GROUP BY campaign_id"
            )
        }

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

    def ensure_enrolled(self, campaign_id: int, creator_id: int) -> bool:
        """Enrol with no fee unless enrolled already (a link or promo code
        puts its creator on the campaign). True if this enrolled them."""
        cur = self.execute(
            "INSERT INTO campaign_creators (campaign_id, creator_id, fee_minor) VALUES (?, ?, 0) "
            "ON CONFLICT (campaign_id, creator_id) DO NOTHING",
            [campaign_id, creator_id],
        )
        return cur.rowcount == 1

    def unenroll(self, campaign_id: int, creator_id: int) -> bool:
        return (
            self.execute(
                "DELETE FROM campaign_creators WHERE campaign_id = ? AND creator_id = ?",
                [campaign_id, creator_id],
            ).rowcount
            > 0
        )

    def _update(self, table: str, row_id: int, fields: dict) -> None:
        """UPDATE table SET fields WHERE id = row_id (column names are ours)."""
        assert table in EDITABLE and set(fields) <= EDITABLE[table], (table, fields)
        if fields:
            self.execute(
                f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in fields)} WHERE id = ?",
                [*fields.values(), row_id],
            )

    def update_campaign(self, campaign_id: int, fields: dict) -> None:
        self._update("campaigns", campaign_id, fields)

    def update_creator(self, creator_id: int, fields: dict) -> None:
        self._update("creators", creator_id, fields)

    def rows_on_campaign(self, table: str, campaign_id: int, creator_id: int | None = None) -> int:
        """How many rows of `table` belong to a campaign (or to one creator on it)."""
        assert table in ON_CAMPAIGN and (creator_id is None or table != "orders"), table
        sql = f"SELECT COUNT(*) AS n FROM {table} WHERE campaign_id = ?"
        params = [campaign_id]
        if creator_id is not None:
            sql += " AND creator_id = ?"
            params.append(creator_id)
        return int(self.value(sql, params))

    def enrolment(self, campaign_id: int, creator_id: int) -> dict | None:
        return self.one(
            "SELECT * FROM campaign_creators WHERE campaign_id = ? AND creator_id = ?",
            [campaign_id, creator_id],
        )

    def creator_campaigns(self) -> list[dict]:
        """Every enrolment: creator id, campaign slug and name, fee."""
        return self.query(
            "SELECT cc.creator_id, c.slug, c.name, c.currency, c.archived_at, cc.fee_minor "
            "FROM campaign_creators cc JOIN campaigns c ON c.id = cc.campaign_id "
            "ORDER BY c.created_at, c.id"
        )

    def creator_campaign_ids(self, creator_id: int) -> set[int]:
        """The campaigns a creator is on."""
        return {
            r["campaign_id"]
            for r in self.query(
                "SELECT campaign_id FROM campaign_creators WHERE creator_id = ?", [creator_id]
            )
        }

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

    def creator_links(self, creator_id: int) -> list[dict]:
        return self.query(
            LINK_SELECT + " WHERE l.creator_id = ? ORDER BY l.created_at, l.id", [creator_id]
        )

    def set_link_target(self, link_id: int, destination: str, target_url: str) -> None:
        self.execute(
            "UPDATE links SET destination = ?, target_url = ? WHERE id = ?",
            [destination, target_url, link_id],
        )

    def link_clicks(self, campaign_id: int) -> dict[int, int]:
        """Human clicks per link id of a campaign (pruned days from their rollups)."""
        return {
            r["link_id"]: int(r["n"])
            for r in self.query(
                "SELECT link_id, SUM(n) AS n FROM ("
                "SELECT link_id, COUNT(*) AS n FROM clicks WHERE campaign_id = ? AND is_bot = 0 "
                "GROUP BY link_id UNION ALL "
                f"SELECT r.link_id, SUM(r.clicks) FROM click_rollups r {PRUNED_DAYS} "
                "WHERE r.campaign_id = ? GROUP BY r.link_id) parts GROUP BY link_id",
                [campaign_id, campaign_id],
            )
        }

    def set_link_disabled(self, code: str, disabled: bool) -> bool:
        cur = self.execute("UPDATE links SET disabled = ? WHERE code = ?", [int(disabled), code])
        return cur.rowcount > 0

    def promo_code(self, code: str) -> dict | None:
        return self.one("SELECT * FROM promo_codes WHERE code = ?", [code.lower()])

    def promo_code_owner(self, code: str) -> dict | None:
        """A promo code with its campaign's slug and its creator's handle."""
        return self.one(
            "SELECT p.code, p.source, c.slug AS campaign, cr.handle AS creator "
            "FROM promo_codes p JOIN campaigns c ON c.id = p.campaign_id "
            "JOIN creators cr ON cr.id = p.creator_id WHERE p.code = ?",
            [code.lower()],
        )

    def delete_promo_code(self, code: str) -> bool:
        return self.execute("DELETE FROM promo_codes WHERE code = ?", [code.lower()]).rowcount > 0

    def promo_codes(self, campaign_id: int) -> list[dict]:
        return self.query(
            "SELECT p.code, p.source, cr.handle AS creator FROM promo_codes p "
            "JOIN creators cr ON cr.id = p.creator_id WHERE p.campaign_id = ? ORDER BY p.code",
            [campaign_id],
        )
