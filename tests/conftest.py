"""Fixtures shared by the whole suite.

PostgreSQL: `TEST_DATABASE_URL` (a `postgresql://` URL) when set; otherwise one server per test
session is started through the `pgserver` package in a temporary folder, so no server has to be
installed. SQLite needs nothing.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from reliability.figures import FIGURES, LONG, dump_figures, merge_figures

REPO_ROOT = Path(__file__).resolve().parents[1]


# -- the reliability suite's figures, printed at the end of the run (docs/reliability.md) --
# With pytest-xdist (`-n`), each worker sends its figures to the controller, which prints them.


def pytest_configure(config: pytest.Config) -> None:
    # scaffold's disk cache (formatted modules, compiled templates) in a folder of this run, not
    # the user's ~/.cache/scaffold: a test that fakes a formatter must not leave entries behind
    if "SCAFFOLD_CACHE_DIR" not in os.environ:
        os.environ["SCAFFOLD_CACHE_DIR"] = tempfile.mkdtemp(prefix="scaffold-test-cache-")


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["scaffold_figures"] = dump_figures()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    data = getattr(node, "workeroutput", {}).get("scaffold_figures")
    if data:
        merge_figures(data)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FIGURES:
        return
    tr = terminalreporter
    tr.section(f"scaffold reliability figures ({'long' if LONG else 'ci'} profile)")
    for key in FIGURES:
        tr.write_line(f"{key}: {FIGURES[key]}")


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A `postgresql://` URL of a server for this test session (a maintenance database)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    import pgserver

    folder = tempfile.mkdtemp(prefix="scaffold-pg-")
    server = pgserver.get_server(folder, cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test (dropped afterwards); sync URL form."""
    import sqlalchemy as sa

    name = "t_" + uuid.uuid4().hex[:16]
    admin = sa.create_engine(_sync_url(postgres_server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    base = sa.engine.make_url(_sync_url(postgres_server_url))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _sync_url(url: str) -> str:
    """The same server as a sync SQLAlchemy URL (psycopg2)."""
    return "postgresql+psycopg2://" + url.split("://", 1)[1]


def async_url(url: str) -> str:
    """The same server as an async SQLAlchemy URL (asyncpg), as generated projects use it."""
    return "postgresql+asyncpg://" + url.split("://", 1)[1]
