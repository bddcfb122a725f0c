"""Database access: the declarative `Base`, the async engine and sessions.

`DATABASE_URL` selects the database (default: a SQLite file, `./app.db`). A PostgreSQL URL of any
spelling (`postgres://`, `postgresql://`, `postgresql+asyncpg://`, Neon's `?sslmode=require`)
is used through asyncpg. Behind a transaction-pooling proxy (PgBouncer, Neon's `-pooler` hosts,
or `DATABASE_POOLED=1`) prepared statements are not cached, because the next statement of a
session may run on another server connection.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./app.db"
DEFAULT_STATEMENT_TIMEOUT_MS = 30_000
# A database that does not answer is given up on well within the pool's wait, so a request
# answers 503 (core/faults.py) in seconds instead of hanging for asyncpg's 60.
DEFAULT_CONNECT_TIMEOUT_S = 5.0
DEFAULT_POOL_TIMEOUT_S = 10.0
# A pooled connection idle this long is checked (one round trip) before it is handed out, so the
# first request after the database restarted gets a new connection instead of a dead one; one
# in steady use is not.
PING_AFTER_IDLE_S = 1.0
READY_TIMEOUT_S = 1.0

# Names for constraints and indexes that are not named explicitly, so that migrations can drop
# them again. Explicit names (the ones scaffold computes) are kept as they are: no pattern below
# uses %(constraint_name)s.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

_POSTGRES_DRIVERS = {"postgres", "postgresql", "postgresql+psycopg2", "postgresql+psycopg"}


class Base(DeclarativeBase):
    """Base class of every model; its metadata names constraints by `NAMING_CONVENTION`."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def database_url() -> str:
    """The URL in `DATABASE_URL`, or the default SQLite file."""
    return os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def is_pooled(url: URL) -> bool:
    """True when connections go through a transaction-pooling proxy (PgBouncer, Neon pooler)."""
    if os.environ.get("DATABASE_POOLED", "").lower() in {"1", "true", "yes"}:
        return True
    return "-pooler" in (url.host or "") or url.port == 6432


def engine_arguments(url: str | URL) -> tuple[URL, dict[str, Any]]:
    """The async URL and the `connect_args` for `url`, whatever driver it names."""
    parsed = make_url(url)
    connect_args: dict[str, Any] = {}
    if parsed.drivername in _POSTGRES_DRIVERS:
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif parsed.drivername == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    if parsed.get_backend_name() != "postgresql":
        return parsed, connect_args
    connect_args["timeout"] = float(
        os.environ.get("DATABASE_CONNECT_TIMEOUT_S", DEFAULT_CONNECT_TIMEOUT_S)
    )

    # libpq spellings that asyncpg does not understand (Neon hands these out).
    query = dict(parsed.query)
    sslmode = query.pop("sslmode", None)
    query.pop("channel_binding", None)
    if isinstance(sslmode, str) and sslmode != "disable":
        connect_args["ssl"] = sslmode
    if is_pooled(parsed):
        connect_args["statement_cache_size"] = 0
        connect_args["prepared_statement_name_func"] = _unique_statement_name
        query["prepared_statement_cache_size"] = "0"
    else:
        # A pooler would reject unknown start-up parameters; set the timeout on the role there.
        timeout = os.environ.get("DATABASE_STATEMENT_TIMEOUT_MS", str(DEFAULT_STATEMENT_TIMEOUT_MS))
        connect_args["server_settings"] = {"statement_timeout": timeout}
    return parsed.set(query=query), connect_args


def _unique_statement_name() -> str:
    # Names must not collide between clients sharing one server connection through a pooler.
    return f"__asyncpg_{uuid.uuid4()}__"


def make_engine(url: str | URL, *, schema: str | None = None, **options: Any) -> AsyncEngine:
    """An async engine for `url`; `schema` sets the PostgreSQL `search_path` (tests use it)."""
    parsed, connect_args = engine_arguments(url)
    if schema is not None and parsed.get_backend_name() == "postgresql":
        settings = connect_args.setdefault("server_settings", {})
        settings["search_path"] = schema
    if parsed.get_backend_name() == "postgresql":
        if is_pooled(parsed) or (parsed.host or "").endswith(".neon.tech"):
            # Serverless databases close idle connections; check before handing one out.
            options.setdefault("pool_pre_ping", True)
        else:
            # A pre-ping is one more round trip per request; recycling old connections instead
            # covers servers that drop long-idle ones.
            options.setdefault("pool_recycle", 1800)
        if options.get("poolclass") is None:
            timeout = float(os.environ.get("DATABASE_POOL_TIMEOUT_S", DEFAULT_POOL_TIMEOUT_S))
            options.setdefault("pool_timeout", timeout)
    engine = create_async_engine(parsed, connect_args=connect_args, **options)
    if parsed.get_backend_name() == "postgresql" and not options.get("pool_pre_ping"):
        _ping_after_idle(engine)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _enable_sqlite_foreign_keys)
    return engine


def _ping_after_idle(engine: AsyncEngine) -> None:
    """Check a pooled connection that sat idle before handing it out (SQLAlchemy's pessimistic
    disconnect recipe, limited to idle connections): a dead one makes the pool open another."""
    dialect = engine.sync_engine.dialect

    @event.listens_for(engine.sync_engine, "checkin")
    def _checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError("a pooled connection was closed while idle") from exc


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    # SQLite ignores FOREIGN KEY clauses (and ON DELETE) unless asked, per connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


_engine: AsyncEngine | None = None
_session_factory: async_sessionmaker[AsyncSession] | None = None


def get_engine() -> AsyncEngine:
    """The application's engine for `DATABASE_URL`, created on first use."""
    global _engine
    if _engine is None:
        _engine = make_engine(database_url())
    return _engine


def session_factory() -> async_sessionmaker[AsyncSession]:
    """The application's session factory (objects stay usable after commit)."""
    global _session_factory
    if _session_factory is None:
        _session_factory = async_sessionmaker(get_engine(), expire_on_commit=False)
    return _session_factory


async def dispose_engine() -> None:
    """Close the application's pool (at shutdown); the next use opens a new one."""
    global _engine, _session_factory
    engine, _engine, _session_factory = _engine, None, None
    if engine is not None:
        await engine.dispose()


async def check_ready(session: AsyncSession) -> None:
    """Raise unless a `SELECT 1` answers within `READY_TIMEOUT_S` (`GET /ready`); a timeout is
    a `TimeoutError`, answered 503 like the database away (core/faults.py)."""
    async with asyncio.timeout(READY_TIMEOUT_S):
        await session.execute(text("SELECT 1"))


async def get_session() -> AsyncIterator[AsyncSession]:
    """FastAPI dependency: one session per request, closed afterwards."""
    async with session_factory()() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
