"""Settings, read once from the environment (and CLI flags, which win)."""
from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_DATABASE = "tracker.db"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Config:
    database: str = DEFAULT_DATABASE
    base_url: str = DEFAULT_BASE_URL
    # How many reverse proxies in front of us append to X-Forwarded-For.
    # 0 (the default) ignores the header: a client could forge it.
    trusted_proxies: int = 0
    max_body_bytes: int = 10 * 1024 * 1024

    @classmethod
    def from_env(cls, **overrides) -> "Config":
        env = os.environ
        settings = {
            "database": env.get("TRACKER_DATABASE") or DEFAULT_DATABASE,
            "base_url": env.get("TRACKER_BASE_URL") or DEFAULT_BASE_URL,
            "trusted_proxies": int(env.get("TRACKER_TRUSTED_PROXIES") or 0),
            "max_body_bytes": int(env.get("TRACKER_MAX_BODY_BYTES") or cls.max_body_bytes),
        }
        settings.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**settings)
