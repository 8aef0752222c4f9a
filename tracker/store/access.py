"""Install settings and secrets, API tokens, share secrets and failed
authentication attempts."""

from __future__ import annotations

from .base import Database  # defined before base.py imports this module


class AccessQueries(Database):
    """Settings, tokens, share secrets, failed attempts."""

    def setting(self, key: str) -> str | None:
        row = self.one("SELECT value FROM settings WHERE key = ?", [key])
        return row["value"] if row else None

    def ensure_setting(self, key: str, value: str) -> str:
        """Store value under key unless one is there; return the stored one."""
        self.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            [key, value],
        )
        return self.value("SELECT value FROM settings WHERE key = ?", [key])

    def set_setting(self, key: str, value: str) -> None:
        self.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    def token_by_hash(self, token_hash: str) -> dict | None:
        return self.one(
            "SELECT t.*, c.slug AS campaign FROM api_tokens t "
            "LEFT JOIN campaigns c ON c.id = t.campaign_id WHERE t.token_hash = ?",
            [token_hash],
        )

    def tokens(self) -> list[dict]:
        return self.query(
            "SELECT t.name, t.read_only, t.created_at, c.slug AS campaign FROM api_tokens t "
            "LEFT JOIN campaigns c ON c.id = t.campaign_id ORDER BY t.name"
        )

    def delete_token(self, name: str) -> bool:
        return self.execute("DELETE FROM api_tokens WHERE name = ?", [name]).rowcount > 0

    def share_secret(self, campaign_id: int) -> str | None:
        row = self.one("SELECT secret FROM share_secrets WHERE campaign_id = ?", [campaign_id])
        return row["secret"] if row else None

    def set_share_secret(
        self, campaign_id: int, secret: str, now: str, replace: bool = True
    ) -> str:
        action = (
            "UPDATE SET secret = excluded.secret, rotated_at = excluded.rotated_at"
            if replace
            else "NOTHING"
        )
        self.execute(
            "INSERT INTO share_secrets (campaign_id, secret, rotated_at) VALUES (?, ?, ?) "
            f"ON CONFLICT (campaign_id) DO {action}",
            [campaign_id, secret, now],
        )
        return self.value("SELECT secret FROM share_secrets WHERE campaign_id = ?", [campaign_id])

    def add_auth_failure(self, client: str, at: str) -> None:
        self.execute(
            "INSERT INTO auth_failures (client, at, failures) VALUES (?, ?, 1) "
            "ON CONFLICT (client, at) DO UPDATE SET failures = auth_failures.failures + 1",
            [client, at],
        )

    def auth_failures_after(self, client: str, at: str) -> list[dict]:
        """The client's failures later than `at`, oldest first: {at, failures}."""
        return self.query(
            "SELECT at, failures FROM auth_failures WHERE client = ? AND at > ? ORDER BY at",
            [client, at],
        )

    def forget_auth_failures_before(self, at: str) -> None:
        self.execute("DELETE FROM auth_failures WHERE at < ?", [at])
