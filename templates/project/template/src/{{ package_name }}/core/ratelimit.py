"""Rate limits (DESIGN §9.5): every route but `/health` and `/ready` is limited per actor, reads and writes
apart, and answers 429 `too_many_requests` with `Retry-After` over the limit.

- **Actor**: the user id of a valid bearer token, else the client address (what the server sees:
  behind a proxy run uvicorn with `--proxy-headers` so that it is the client's, not the proxy's).
  An invalid token counts against the address, so that forging tokens does not escape limits.
- **Limits**: `APP_RATE_LIMIT` (reads: `GET`, `HEAD`, `OPTIONS`; default `600/minute`) and
  `APP_WRITE_RATE_LIMIT` (every other method; default `120/minute`), in the `limits` library's
  notation (`100/minute`, `10/second;1000/day`). An entity's own `rate_limit` (the registry's
  `rate_limits`, by route) replaces the app's for the paths under its route and counts apart; the
  other routes share one count per actor. `APP_RATE_LIMIT=off` turns every limit off,
  `APP_WRITE_RATE_LIMIT=off` the write limit only. A value that does not parse refuses to start,
  naming the variable.
- **Counting**: fixed windows (`limits`' `FixedWindowRateLimiter`): one atomic increment per
  request (one Redis round trip), at the price of up to twice the limit across a window's edge.
- **Where**: in memory, or in Redis when `REDIS_URL` is set, so that every instance shares the
  counts. A Redis that cannot be reached is never a 500: the instance counts in its own memory
  (limits then hold per instance), logs a warning (at most once a minute) and tries Redis again
  after a few seconds.

Library: `limits` itself, not slowapi (which wraps it): slowapi limits through a decorator on each
route (or a default for all), while here the limit depends on the method and the entity of the
path, and the 429 must be in the API's error shape; a pure-ASGI middleware over `limits`'
async strategies does exactly that, with no per-route code in the generated routers.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError
from redis.exceptions import RedisError
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from ..auth import InvalidToken, verify_token
from . import redis as redis_settings
from .errors import error_response

logger = logging.getLogger(__name__)

DEFAULT_READ_LIMIT = "600/minute"
DEFAULT_WRITE_LIMIT = "120/minute"
OFF = "off"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
EXEMPT_PATHS = frozenset({"/health", "/ready"})  # the probes of a load balancer
# the first part of every key in Redis: apps that share a Redis do not share counts
KEY_PREFIX = f"{__name__.split('.')[0]}:ratelimit"
RETRY_REDIS_AFTER_SECONDS = 5.0
WARN_EVERY_SECONDS = 60.0
# the count of the routes without limits of their own
DEFAULT_SCOPE = "*"

Limits = tuple[RateLimitItem, ...]
# route ("/tasks") → (its read limit, its write limit); None keeps the app's
EntityLimits = Mapping[str, tuple[str | None, str | None]]


def parse_limits(value: str, setting: str) -> Limits:
    """`value` in the `limits` notation, or `ValueError` naming `setting`."""
    try:
        items = tuple(parse_many(value))
    except ValueError:
        items = ()
    if not items or any(item.amount < 1 for item in items):
        raise ValueError(
            f"{setting} is {value!r}, which is not a rate limit: write it like 600/minute, "
            "10/second;1000/day (limits notation), or off"
        )
    return items


def _setting(name: str, default: str) -> Limits | None:
    value = os.environ.get(name, "").strip() or default
    if value.lower() == OFF:
        return None
    return _checked(value, name)


def limits_setting(name: str, default: str) -> Limits:
    """The limits in the environment variable `name` (or `default`); a malformed value refuses
    to start, naming the variable. `off` is not accepted here."""
    return _checked(os.environ.get(name, "").strip() or default, name)


def _checked(value: str, setting: str) -> Limits:
    try:
        return parse_limits(value, setting)
    except ValueError as exc:
        raise RuntimeError(f"{exc}; refusing to start.") from None


@dataclass(frozen=True)
class Policy:
    """Which limits a request counts against: the app's, or its entity's own."""

    read: Limits
    write: Limits
    routes: Mapping[str, tuple[Limits | None, Limits | None]] = field(default_factory=dict)

    def limits_for(self, path: str, method: str) -> tuple[str, str, Limits]:
        """(read or write, the count's scope, the limits) of a request."""
        kind = "read" if method in READ_METHODS else "write"
        route = "/" + path.lstrip("/").split("/", 1)[0]
        own = self.routes.get(route)
        chosen = own[0 if kind == "read" else 1] if own is not None else None
        if chosen is not None:
            return kind, route, chosen
        return kind, DEFAULT_SCOPE, self.read if kind == "read" else self.write

    @classmethod
    def from_environment(cls, entity_limits: EntityLimits) -> Policy | None:
        """`APP_RATE_LIMIT`, `APP_WRITE_RATE_LIMIT` and the entities' own (None: all off)."""
        read = _setting("APP_RATE_LIMIT", DEFAULT_READ_LIMIT)
        if read is None:
            return None
        write = _setting("APP_WRITE_RATE_LIMIT", DEFAULT_WRITE_LIMIT) or ()
        routes = {
            route: (_own(route, "read", read_limit), _own(route, "write", write_limit))
            for route, (read_limit, write_limit) in entity_limits.items()
        }
        return cls(read=read, write=write, routes=routes)


def _own(route: str, kind: str, value: str | None) -> Limits | None:
    return None if value is None else _checked(value, f"the {kind} rate_limit of {route}")


def actor_key(scope: Scope) -> str:
    """Whom a request counts against: the token's user, else the client address."""
    authorization = Headers(scope=scope).get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token:
        try:
            return f"user:{verify_token(token.strip()).id}"
        except InvalidToken:
            pass
    client = scope.get("client")
    return f"address:{client[0] if client else 'unknown'}"


class Counter:
    """Counts hits per key against limits in memory, or in Redis (shared) while it answers.

    A Redis that fails is never a 500: the counting goes on in this instance's memory for a few
    seconds, with a warning at most once a minute, then Redis is tried again.
    """

    def __init__(self, redis_url: str | None = None, *, key_prefix: str = KEY_PREFIX) -> None:
        self._local = FixedWindowRateLimiter(MemoryStorage())
        self._client = redis_settings.client(redis_url) if redis_url else None
        self._shared: FixedWindowRateLimiter | None = None
        if self._client is not None:
            # the client of core/redis.py (its short timeouts), through its connection pool
            pool: dict[str, Any] = {"connection_pool": self._client.connection_pool}
            storage = RedisStorage(
                "async+redis://",
                implementation="redispy",
                wrap_exceptions=True,
                key_prefix=key_prefix,
                **pool,
            )
            self._shared = FixedWindowRateLimiter(storage)
        self._redis_away_until = 0.0
        self._warned_at = -WARN_EVERY_SECONDS

    @property
    def shared(self) -> bool:
        """True when the counts live in Redis (shared by every instance)."""
        return self._shared is not None

    async def hit(self, items: Limits, *keys: str) -> int | None:
        """Count one hit of `keys`: None while under every limit of `items`, else the seconds
        until a hit may count again."""
        if self._shared is not None and time.monotonic() >= self._redis_away_until:
            try:
                return await self._count(self._shared, items, keys)
            except (StorageError, RedisError, OSError) as exc:
                self._redis_away_until = time.monotonic() + RETRY_REDIS_AFTER_SECONDS
                self._warn(exc)
        return await self._count(self._local, items, keys)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    @staticmethod
    async def _count(
        limiter: FixedWindowRateLimiter, items: Limits, keys: tuple[str, ...]
    ) -> int | None:
        for item in items:
            if not await limiter.hit(item, *keys):
                stats = await limiter.get_window_stats(item, *keys)
                return max(1, math.ceil(stats.reset_time - time.time()))
        return None

    def _warn(self, exc: BaseException) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            logger.warning(
                "rate limits: Redis failed (%s); counting in this instance's memory", exc
            )


class RateLimiter:
    """Counts requests per actor against the policy's limits (a `Counter`)."""

    def __init__(self, policy: Policy, redis_url: str | None = None) -> None:
        self.policy = policy
        self.counter = Counter(redis_url)

    @classmethod
    def from_environment(cls, entity_limits: EntityLimits) -> RateLimiter | None:
        """The limiter the settings ask for (None when `APP_RATE_LIMIT=off`); a malformed
        setting refuses to start."""
        policy = Policy.from_environment(entity_limits)
        if policy is None:
            return None
        return cls(policy, redis_settings.redis_url())

    @property
    def shared(self) -> bool:
        """True when the counts live in Redis (shared by every instance)."""
        return self.counter.shared

    async def retry_after(self, scope: Scope) -> int | None:
        """None when the request may go on, else the seconds until it may be sent again."""
        kind, counted, items = self.policy.limits_for(scope["path"], scope["method"])
        if not items:
            return None
        return await self.counter.hit(items, kind, counted, actor_key(scope))

    async def close(self) -> None:
        await self.counter.close()


class RateLimitMiddleware:
    """Answer 429 `too_many_requests`, with `Retry-After`, for a request over its limit."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        seconds = await self.limiter.retry_after(scope)
        if seconds is None:
            await self.app(scope, receive, send)
            return
        response = error_response(
            429,
            "too_many_requests",
            f"too many requests; retry in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )
        await response(scope, receive, send)
