"""Redis, when `REDIS_URL` is set: the setting, checked at start, and the client every instance
of the app uses to share state (the statistics cache's answers and generations).

Without `REDIS_URL` nothing here connects: each instance keeps that state in its own memory.
A Redis that cannot be reached is never a 500: its users log a warning and carry on without it
(core/cache.py). Timeouts are short so that a Redis that went away costs milliseconds.
"""

from __future__ import annotations

import os

import redis.asyncio as aioredis

# How long one Redis command may take before the caller carries on without Redis.
REDIS_TIMEOUT_SECONDS = 0.5
SCHEMES = ("redis://", "rediss://", "unix://")


def redis_url() -> str | None:
    """The URL in `REDIS_URL` (None when not set); a malformed one refuses to start."""
    url = os.environ.get("REDIS_URL", "").strip()
    if not url:
        return None
    if not url.startswith(SCHEMES):
        raise RuntimeError(
            "REDIS_URL is not a Redis URL; refusing to start. Write redis://HOST:PORT/DB, "
            "rediss://… (TLS) or unix:///path/to/redis.sock, or leave it unset to keep state "
            "in each instance's memory."
        )
    try:
        client(url)
    except ValueError as exc:
        raise RuntimeError(f"REDIS_URL cannot be used ({exc}); refusing to start.") from None
    return url


def client(url: str) -> aioredis.Redis:
    """A client for `url` (connections are opened on first use, not here)."""
    return aioredis.Redis.from_url(
        url,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        decode_responses=False,
    )
