"""Fixtures: a fresh schema per test, app with the session overridden, client, actors."""

import importlib
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from probeapp.auth import Actor, issue_token
from probeapp.db import Base, get_session
from probeapp.main import create_app

os.environ.setdefault("APP_ENV", "test")
importlib.import_module("probeapp.entities.registry")


@pytest.fixture
async def engine() -> AsyncIterator[AsyncEngine]:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        url = "postgresql+asyncpg://" + url.split("://", 1)[1]
        eng = create_async_engine(url)
    else:
        path = Path(tempfile.mkdtemp()) / "test.db"
        eng = create_async_engine(f"sqlite+aiosqlite:///{path}")

        @event.listens_for(eng.sync_engine, "connect")
        def _fk(dbapi_conn, _rec):  # type: ignore[no-untyped-def]
            dbapi_conn.execute("PRAGMA foreign_keys=ON")

    async with eng.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    yield eng
    await eng.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with async_sessionmaker(engine, expire_on_commit=False)() as s:
        yield s


@pytest.fixture
def app(engine: AsyncEngine) -> FastAPI:
    application = create_app()
    maker = async_sessionmaker(engine, expire_on_commit=False)

    async def _session() -> AsyncIterator[AsyncSession]:
        async with maker() as s:
            yield s

    application.dependency_overrides[get_session] = _session
    return application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as c:
        yield c


@pytest.fixture
def make_actor() -> Callable[..., Actor]:
    def _make(roles: tuple[str, ...] = ()) -> Actor:
        return Actor(id=uuid.uuid4(), roles=frozenset(roles))

    return _make


@pytest.fixture
def headers_for() -> Callable[[Actor], dict[str, str]]:
    def _headers(actor: Actor) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(actor.id, roles=tuple(actor.roles))}"}

    return _headers
