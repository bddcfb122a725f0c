"""Fixtures shared by the migration tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import AlembicProject


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def project(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AlembicProject]:
    """A scratch Alembic project on SQLite, then on a fresh PostgreSQL database (a module may
    declare its own `project`)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'app.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    proj = AlembicProject(tmp_path / "project", url)
    yield proj
    proj.dispose()
