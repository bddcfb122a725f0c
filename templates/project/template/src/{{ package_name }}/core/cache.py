"""The statistics cache (DESIGN §9.3, `stats_cache_seconds`): answers kept per actor scope and
parameters, never served after a write that could change them.

How: every entity with cached statistics has a *generation*, a random token. An answer is stored
together with the generation that was current when its computation began, and a lookup serves
it only while that generation is still current. A successful write (create, update, delete,
attach, detach) replaces, after its commit, the generation of its own entity and of every
entity whose statistics it can change (those whose rows refer to it, directly or through
others: a deleted or hidden parent changes what its children's statistics count). So an answer
outlives no write; and one computed while a write was committing is stored under the old
generation and never served. An answer's key holds the actor's scope (user id and admin flag),
so no answer crosses to another actor.

Where: in each instance's memory (a `cachetools.TLRUCache`, bounded, one time-to-live per
entry), or in Redis when `REDIS_URL` is set, so that every instance behind a load balancer sees
the others' writes. Redis is used through redis-py's asyncio client directly: the scheme needs
one `MGET` per lookup and one pipelined `SET` per write, which a decorator-style cache library
would hide behind more round trips. When Redis cannot be reached, lookups miss (the statistic is
computed, as without a cache) and a warning is logged; no request fails because of the cache.

The app makes one `StatsCache` (`create_app()`), and `StatsCacheMiddleware` makes it the
current one for each request: actions find it with `current()`. Outside a request (a script
calling an action) there is none, and nothing is cached.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from cachetools import TLRUCache
from redis.exceptions import RedisError
from starlette.types import ASGIApp, Receive, Scope, Send

from . import redis as redis_settings

logger = logging.getLogger(__name__)

MAX_MEMORY_ENTRIES = 10_000
# the first part of every key in Redis: apps that share a Redis do not share entries
KEY_PREFIX = f"{__name__.split('.')[0]}:stats"
WARN_EVERY_SECONDS = 60.0


@dataclass
class Lookup:
    """What a lookup found: the answer (None on a miss) and what `store` needs to keep one."""

    entity: str
    key: str
    generation: str | None  # None: nothing may be stored (no cache, or Redis is away)
    payload: str | None = None


@dataclass(frozen=True)
class _Entry:
    generation: str
    payload: str
    ttl: float


def _key(entity: str, statistic: str, scope: Iterable[object], params: dict[str, Any]) -> str:
    canonical = json.dumps(
        [entity, statistic, [str(part) for part in scope], params],
        sort_keys=True,
        default=str,
        separators=(",", ":"),
    )
    return f"{entity}:{statistic}:" + hashlib.sha256(canonical.encode()).hexdigest()


def _answer_key(key: str) -> str:
    return f"{KEY_PREFIX}:answer:{key}"


def _generation_key(entity: str) -> str:
    return f"{KEY_PREFIX}:generation:{entity}"


def _new_generation() -> str:
    return uuid.uuid4().hex


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _expires(_key: str, entry: _Entry, now: float) -> float:
    return now + entry.ttl


class StatsCache:
    """Answers of statistics by (entity, generation, scope, statistic, parameters)."""

    def __init__(self, redis_url: str | None = None, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self._redis = redis_settings.client(redis_url) if redis_url and enabled else None
        self._generations: dict[str, str] = {}
        self._answers: TLRUCache[str, _Entry] = TLRUCache(
            maxsize=MAX_MEMORY_ENTRIES, ttu=_expires, timer=time.monotonic
        )
        self._warned_at = -WARN_EVERY_SECONDS

    @classmethod
    def from_environment(cls) -> StatsCache:
        """In Redis when `REDIS_URL` is set (checked: a malformed one refuses to start), else in
        memory."""
        return cls(redis_settings.redis_url())

    @property
    def shared(self) -> bool:
        """True when the answers live in Redis (shared by every instance)."""
        return self._redis is not None

    async def lookup(
        self, entity: str, statistic: str, scope: Iterable[object], params: dict[str, Any]
    ) -> Lookup:
        """The cached answer of `statistic` for an actor of `scope` and these parameters."""
        key = _key(entity, statistic, scope, params)
        if not self.enabled:
            return Lookup(entity, key, None)
        if self._redis is None:
            generation = self._generations.setdefault(entity, _new_generation())
            entry = self._answers.get(key)
            hit = entry.payload if entry is not None and entry.generation == generation else None
            return Lookup(entity, key, generation, hit)
        try:
            return await self._redis_lookup(entity, key)
        except (RedisError, OSError) as exc:
            self._warn("lookup", exc)
            return Lookup(entity, key, None)

    async def store(self, found: Lookup, payload: str, ttl_seconds: int) -> None:
        """Keep `payload` as the answer `found` missed, under the generation it was computed in."""
        if found.generation is None or ttl_seconds <= 0:
            return
        if self._redis is None:
            self._answers[found.key] = _Entry(found.generation, payload, float(ttl_seconds))
            return
        try:
            value = found.generation.encode() + b"\n" + payload.encode()
            await self._redis.set(_answer_key(found.key), value, ex=ttl_seconds)
        except (RedisError, OSError) as exc:
            self._warn("store", exc)

    async def changed(self, entities: Iterable[str]) -> None:
        """After a committed write: no answer of these entities computed before it is served."""
        names = sorted(set(entities))
        if not self.enabled or not names:
            return
        if self._redis is None:
            for name in names:
                self._generations[name] = _new_generation()
            return
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for name in names:
                    pipe.set(_generation_key(name), _new_generation())
                await pipe.execute()
        except (RedisError, OSError) as exc:
            # Instances that still reach Redis may serve answers older than this write until
            # they expire; the write itself has succeeded and is not undone.
            self._warn("invalidation", exc)

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()

    async def _redis_lookup(self, entity: str, key: str) -> Lookup:
        assert self._redis is not None
        generation_key = _generation_key(entity)
        current, stored = await self._redis.mget(generation_key, _answer_key(key))
        if current is None:
            # First use (or an evicted generation): start one; answers stored before it are
            # never served, since they carry another generation.
            await self._redis.set(generation_key, _new_generation(), nx=True)
            current = await self._redis.get(generation_key)
            if current is None:
                return Lookup(entity, key, None)
        generation = _text(current)
        if stored is not None:
            stored_generation, _, payload = _text(stored).partition("\n")
            if stored_generation == generation:
                return Lookup(entity, key, generation, payload)
        return Lookup(entity, key, generation)

    def _warn(self, what: str, exc: BaseException) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            logger.warning(
                "statistics cache: Redis %s failed (%s); answering without it", what, exc
            )


_current: ContextVar[StatsCache | None] = ContextVar("stats_cache", default=None)
_NO_CACHE = StatsCache(enabled=False)


def current() -> StatsCache:
    """The cache of the app serving this request (one that caches nothing outside requests)."""
    return _current.get() or _NO_CACHE


class StatsCacheMiddleware:
    """Make `cache` the current statistics cache while each request runs."""

    def __init__(self, app: ASGIApp, cache: StatsCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = _current.set(self.cache)
        try:
            await self.app(scope, receive, send)
        finally:
            _current.reset(token)
