"""Reliability suite: profile switch, shared projects, and the figures printed at the end.

Two profiles:

- CI (default, `python -m pytest`): bounded, derandomized, a few minutes on two cores;
- long (`SCAFFOLD_LONG=1 python -m pytest tests/reliability`): ten times the examples, cases
  and kills (see docs/reliability.md).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from .figures import LONG, PROFILE
from .project import AppServer, build_example_project, start_app


def pytest_report_header(config: pytest.Config) -> str:
    return f"scaffold reliability profile: {'long' if LONG else 'ci'}"


@pytest.fixture(scope="session")
def profile() -> dict[str, int]:
    return PROFILE


@pytest.fixture(scope="session")
def example_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with every spec of the repo's specs/, generated through the real CLI."""
    return build_example_project(tmp_path_factory.mktemp("reliability") / "chatapp")


@pytest.fixture(scope="session")
def example_app(example_project: Path) -> Iterator[AppServer]:
    """The example project served by uvicorn over real HTTP (SQLite, migrated with alembic)."""
    if os.name != "posix":
        pytest.skip("the server fixture is POSIX-only")
    server = start_app(example_project)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def example_app_pg(example_project: Path, postgres_server_url: str) -> Iterator[AppServer]:
    """The same app on PostgreSQL (pgserver, or TEST_DATABASE_URL), in a database of its own."""
    import sqlalchemy as sa

    if os.name != "posix":
        pytest.skip("the server fixture is POSIX-only")
    name = "reliability_" + uuid.uuid4().hex[:12]
    sync = "postgresql+psycopg2://" + postgres_server_url.split("://", 1)[1]
    admin = sa.create_engine(sync, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(sync).set(drivername="postgresql+asyncpg", database=name)
    server = start_app(example_project, url.render_as_string(hide_password=False), tag="pg")
    try:
        yield server
    finally:
        server.stop()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
