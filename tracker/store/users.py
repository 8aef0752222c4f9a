"""People who sign in to the console."""

from __future__ import annotations

from .base import Database  # defined before base.py imports this module


class UserQueries(Database):
    """Users: e-mail, password hash, role."""

    def user(self, email: str) -> dict | None:
        return self.one("SELECT * FROM users WHERE email = ?", [email])

    def user_by_id(self, user_id: int) -> dict | None:
        return self.one("SELECT * FROM users WHERE id = ?", [user_id])

    def users(self) -> list[dict]:
        return self.query("SELECT * FROM users ORDER BY email")

    def set_password_hash(self, email: str, password_hash: str) -> bool:
        return (
            self.execute(
                "UPDATE users SET password_hash = ? WHERE email = ?", [password_hash, email]
            ).rowcount
            > 0
        )

    def delete_user(self, email: str) -> bool:
        return self.execute("DELETE FROM users WHERE email = ?", [email]).rowcount > 0
