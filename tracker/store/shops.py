"""Shops: where orders come from, their signing secrets and delivery counts."""

from __future__ import annotations

from .base import Database  # defined before base.py imports this module

SHOP_COLUMNS = (
    "id",
    "name",
    "platform",
    "secret",
    "old_secrets",
    "created_at",
    "disconnected_at",
    "last_delivery_at",
    "orders_received",
)


class ShopQueries(Database):
    """Shops and their secrets."""

    def shop(self, name: str) -> dict | None:
        return self.one("SELECT * FROM shops WHERE name = ?", [name])

    def shop_by_id(self, shop_id: int) -> dict | None:
        return self.one("SELECT * FROM shops WHERE id = ?", [shop_id])

    def shops(self) -> list[dict]:
        return self.query("SELECT * FROM shops ORDER BY name")

    def ensure_shop(self, name: str, platform: str, now: str) -> dict:
        """The shop called name, made (without a secret) if there is none."""
        self.execute(
            "INSERT INTO shops (name, platform, old_secrets, created_at) VALUES (?, ?, '[]', ?) "
            "ON CONFLICT (name) DO NOTHING",
            [name, platform, now],
        )
        shop = self.shop(name)
        assert shop is not None  # inserted above, or there already
        return shop

    def set_shop_secrets(
        self, shop_id: int, platform: str, secret: str | None, old_secrets: str
    ) -> None:
        """Connect (again): the platform, the secrets, and no longer disconnected."""
        self.execute(
            "UPDATE shops SET platform = ?, secret = ?, old_secrets = ?, disconnected_at = NULL "
            "WHERE id = ?",
            [platform, secret, old_secrets, shop_id],
        )

    def disconnect_shop(self, shop_id: int, now: str) -> None:
        self.execute(
            "UPDATE shops SET secret = NULL, old_secrets = '[]', disconnected_at = ? WHERE id = ?",
            [now, shop_id],
        )

    def lock_shop(self, shop_id: int, delivered_at: str | None = None) -> None:
        """Inside a transaction: hold the shop's row, so that the writes of
        one shop's deliveries and imports never interleave (PostgreSQL; on
        SQLite the transaction already holds the one write lock). A delivery
        also becomes the shop's last one."""
        self.execute(
            "UPDATE shops SET last_delivery_at = COALESCE(?, last_delivery_at) WHERE id = ?",
            [delivered_at, shop_id],
        )

    def add_orders_received(self, shop_id: int, n: int) -> None:
        if n:
            self.execute(
                "UPDATE shops SET orders_received = orders_received + ? WHERE id = ?", [n, shop_id]
            )

    def shop_order_count(self, shop_id: int) -> int:
        return int(self.value("SELECT COUNT(*) AS n FROM orders WHERE shop_id = ?", [shop_id]))
