"""Peer tools on generated projects, as they come (DESIGN §10.4): pytest-alembic.

A generated project runs pytest-alembic's four built-in tests (single head, upgrade, models match
the DDL, up/down consistency) from `tests/test_pytest_alembic.py`, with the `alembic_engine`
fixture pytest-alembic documents: an `Engine`, which `migrations/env.py` takes as
`config.attributes["connection"]` (and an `AsyncEngine`, its asyncio recipe). Here they run on
SQLite and PostgreSQL in three projects: before any revision, after `scaffold init`, and after
several `scaffold generate` (tables created, columns added, a length widened).

pytest-alembic is installed in this environment (scaffold's `dev` extra pins it as the projects
do), so its plugin would load in every generated suite: the projects switch it off
(`-p no:pytest_alembic`), since its 0.13.1 breaks the collection of a `tests` folder under
pytest 9; scaffold's own `addopts` do the same.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tomllib
import warnings
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from scaffold.bootstrap import project_template

pytestmark = pytest.mark.slow

RunScaffold = Callable[..., subprocess.CompletedProcess[str]]
REPO = Path(__file__).resolve().parents[2]
MODULE = "tests/test_pytest_alembic.py"
BUILT_IN = (
    "test_single_head_revision",
    "test_upgrade",
    "test_model_definitions_match_ddl",
    "test_up_down_consistency",
)
ASYNC_ENGINE = "test_built_in_tests_on_an_async_engine"
# Settings of the calling environment that must not leak into the project's own runs.
LEAKY_ENV = (
    "APP_ENV",
    "APP_SECRET_KEY",
    "DATABASE_URL",
    "TEST_DATABASE_URL",
    "SCAFFOLD_TEST_POSTGRES",
    "PYTEST_ADDOPTS",
    "PYTEST_PLUGINS",
    "PYTHONPATH",
)


def run_in(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python <args>` in the project, with its `src` on the path, as its own CI would."""
    environ = {k: v for k, v in os.environ.items() if k not in LEAKY_ENV}
    environ.update(PYTHONPATH=str(project / "src"), PYTHONDONTWRITEBYTECODE="1", **env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=project,
        env=environ,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
    )


def must(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, f"{' '.join(result.args)}\n{result.stdout}\n{result.stderr}"
    return result


def revisions(project: Path) -> list[str]:
    return sorted(path.name for path in (project / "migrations" / "versions").glob("*.py"))


@pytest.fixture(scope="module")
def projects(
    tmp_path_factory: pytest.TempPathFactory, run_scaffold: RunScaffold
) -> dict[str, Path]:
    """`none`: the template alone, before any `scaffold generate` (no revision, no model);
    `init`: `scaffold init` (the user entity, one revision); `evolved`: the example specs, then
    a column added, a length widened and a column added, then a new entity (five revisions)."""
    import copier

    parent = tmp_path_factory.mktemp("peer-tools")
    none = parent / "none"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # copier warns about a dirty template checkout
        copier.run_copy(
            str(project_template()),
            str(none),
            data={"project_name": "bare", "package_name": "bareapp"},
            defaults=True,
            quiet=True,
        )
    assert revisions(none) == []

    for name in ("init", "evolved"):
        # `external`: the example specs' user (copied over below) has no sign-in `role`
        auth = "external" if name == "evolved" else "password"
        args = ("init", name, "--package", f"{name}app", "--defaults", "--auth", auth)
        must(run_scaffold(*args, cwd=parent))
    init, evolved = parent / "init", parent / "evolved"
    assert revisions(init) == ["0001_create_users.py"]

    specs = evolved / "specs"
    for spec in sorted((REPO / "specs").glob("*.yaml")):
        shutil.copy(spec, specs / spec.name)
    changes: list[Callable[[], None]] = [
        lambda: None,
        lambda: _edit(
            specs / "task.yaml", "fields:\n", "fields:\n  priority: {type: int, default: 0}\n"
        ),
        lambda: _edit(
            specs / "comment.yaml",
            "max_length: 5000}\n",
            "max_length: 8000}\n  score: {type: int, required: false}\n",
        ),
        lambda: (specs / "note.yaml").write_text(
            "entity: note\nowner: none\nfields:\n  text: string(50)\n"
            "  task: {type: ref, to: task, on_delete: cascade}\n",
            encoding="utf-8",
        ),
    ]
    for change in changes:
        change()
        must(run_scaffold("generate", cwd=evolved))
    assert len(revisions(evolved)) == 5, revisions(evolved)
    return {"none": none, "init": init, "evolved": evolved}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def database_env(request: pytest.FixtureRequest, database: str) -> dict[str, str]:
    if database == "sqlite":
        return {}
    url: str = request.getfixturevalue("postgres_server_url")
    return {"TEST_DATABASE_URL": url}


def run_module(project: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return run_in(project, "-m", "pytest", "-v", "-p", "no:cacheprovider", MODULE, **env)


@pytest.mark.parametrize("kind", ["none", "init", "evolved"])
@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_built_in_tests_pass(
    projects: dict[str, Path], kind: str, database: str, request: pytest.FixtureRequest
) -> None:
    result = must(run_module(projects[kind], **database_env(request, database)))
    for name in (*BUILT_IN, ASYNC_ENGINE):
        assert f"{MODULE}::{name} PASSED" in result.stdout, result.stdout
    assert re.search(r"\b5 passed\b", result.stdout), result.stdout
    assert "skipped" not in result.stdout


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_built_in_tests_catch_drift_and_a_broken_downgrade(
    projects: dict[str, Path], database: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """They are not vacuous: a column in a model and in no revision, and a downgrade that drops
    a table still referenced, fail them on either database."""
    project = tmp_path / "evolved"
    shutil.copytree(projects["evolved"], project)
    model = project / "src" / "evolvedapp" / "entities" / "notes" / "model.py"
    line = "    text: Mapped[str] = mapped_column(sa.String(50), nullable=False)\n"
    extra = "    extra: Mapped[int | None] = mapped_column(sa.Integer(), nullable=True)\n"
    _edit(model, line, line + extra)
    (newest,) = (project / "migrations" / "versions").glob("0005_*.py")
    drop = '    op.drop_table("notes")\n'
    _edit(newest, drop, drop + '    op.drop_table("tasks")\n')

    result = run_module(project, **database_env(request, database))

    assert result.returncode == 1, result.stdout + result.stderr
    for name in ("test_model_definitions_match_ddl", "test_up_down_consistency", ASYNC_ENGINE):
        assert f"FAILED {MODULE}::{name}" in result.stdout, result.stdout
    assert "sa.Column('extra', sa.Integer(), nullable=True)" in result.stdout
    assert "Failed to downgrade through each revision individually" in result.stdout
    assert re.search(r"\b3 failed, 2 passed\b", result.stdout), result.stdout


def test_the_generated_suite_runs_them_with_the_plugin_installed(
    projects: dict[str, Path],
) -> None:
    """The whole `tests` folder collects although pytest-alembic is installed here (its plugin
    alone breaks that), and the built-in tests are part of it."""
    assert version("pytest-alembic")
    collect = ("-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider")
    result = must(run_in(projects["init"], *collect))
    for name in (*BUILT_IN, ASYNC_ENGINE):
        assert f"{MODULE}::{name}\n" in result.stdout
    assert "tests/test_migrations.py::" in result.stdout


def test_pytest_alembic_is_pinned_alike_here_and_in_the_projects(
    projects: dict[str, Path],
) -> None:
    """One exact version, in scaffold's `dev` extra (the generated suites run in its
    environment), in the projects' `dev` extra, and installed."""

    def pins(pyproject: Path) -> list[str]:
        data: dict[str, Any] = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        dev = data["project"]["optional-dependencies"]["dev"]
        return [spec for spec in dev if spec.startswith("pytest-alembic")]

    installed = f"pytest-alembic=={version('pytest-alembic')}"
    assert pins(REPO / "pyproject.toml") == [installed]
    assert pins(projects["init"] / "pyproject.toml") == [installed]
    for root in (REPO, projects["init"]):
        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
        assert "-p no:pytest_alembic" in data["tool"]["pytest"]["ini_options"]["addopts"]


FAILS_HALF_WAY = '''"""Hand-written: rebuilds a table, creates one, then fails."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("n", sa.Integer(), nullable=True))
        batch_op.create_check_constraint("ck_users_n_min", "n > 0")
    op.create_table("other", sa.Column("id", sa.Integer(), primary_key=True))
    op.execute("UPDATE no_such_table SET x = 1")


def downgrade() -> None:
    pass
'''

# An engine of the caller's, with foreign keys on (as an app's): migrations run on it, one fails.
ENGINE_SCRIPT = """
import json, sys
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event

engine = create_engine(sys.argv[1])
event.listen(engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA foreign_keys=ON"))
config = Config("alembic.ini")
config.attributes["connection"] = engine
command.upgrade(config, "0001")
try:
    command.upgrade(config, "head")
    failed = None
except Exception as error:
    failed = str(error)
with engine.connect() as connection:
    dbapi = connection.connection.dbapi_connection
    back = [dbapi.isolation_level, connection.exec_driver_sql("PRAGMA foreign_keys").scalar()]
print(json.dumps({"failed": failed, "connection": back}))
"""


def test_an_engine_passed_in_migrates_sqlite_in_transactions(
    projects: dict[str, Path], tmp_path: Path
) -> None:
    """With an `Engine` in `config.attributes["connection"]`, a revision that fails half-way
    through a batch rebuild leaves nothing behind on SQLite (no `_alembic_tmp_users`, no new
    table, the version unchanged), and the engine's connection is handed back as it was."""
    project = tmp_path / "init"
    shutil.copytree(projects["init"], project)
    (project / "migrations" / "versions" / "0002_fails.py").write_text(FAILS_HALF_WAY)
    db = tmp_path / "app.db"

    result = must(run_in(project, "-c", ENGINE_SCRIPT, f"sqlite:///{db}"))

    outcome = json.loads(result.stdout)
    assert "no such table: no_such_table" in outcome["failed"]
    assert outcome["connection"] == ["", 1]  # the driver's default, and foreign keys on again
    with sqlite3.connect(db) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
        columns = {row[1] for row in conn.execute("PRAGMA table_info(users)")}
    assert "users" in tables
    assert not {"other", "_alembic_tmp_users"} & tables
    assert "n" not in columns
