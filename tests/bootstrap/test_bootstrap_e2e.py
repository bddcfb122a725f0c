"""`scaffold init` end to end: the new project passes its own checks on SQLite and PostgreSQL.

The project is bootstrapped once per module through the real CLI. Its tools run with this
interpreter (every dependency of a generated project is in scaffold's `dev` extra) and
`PYTHONPATH=<project>/src`, rather than pip-installing it: the same checks, much faster.
"""

from __future__ import annotations

import filecmp
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from scaffold.bootstrap import project_template

pytestmark = pytest.mark.slow

RunScaffold = Callable[..., subprocess.CompletedProcess[str]]
PACKAGE = "probeapp"
# Settings of the calling environment that must not leak into the project's own runs.
LEAKY_ENV = (
    "APP_ENV",
    "APP_SECRET_KEY",
    "APP_MAX_BODY_BYTES",
    "DATABASE_URL",
    "TEST_DATABASE_URL",
    "SCAFFOLD_TEST_POSTGRES",
    "PYTEST_ADDOPTS",
    "PYTEST_PLUGINS",
)


def run_tool(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m <tool> ...` in the project, as its own CI would."""
    environ = {k: v for k, v in os.environ.items() if k not in LEAKY_ENV}
    environ.update(PYTHONPATH=str(project / "src"), PYTHONDONTWRITEBYTECODE="1", **env)
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=project,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )


def assert_passes(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, f"{' '.join(result.args)}\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, run_scaffold: RunScaffold) -> Iterator[Path]:
    """A project made by `scaffold init probe --package probeapp --defaults`."""
    parent = tmp_path_factory.mktemp("cli")
    result = run_scaffold("init", "probe", "--package", PACKAGE, "--defaults", cwd=parent)
    assert_passes(result)
    yield parent / "probe"


def relative_files(root: Path) -> set[str]:
    skip = {".mypy_cache", ".pytest_cache", ".ruff_cache", "__pycache__"}
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and not skip & set(path.relative_to(root).parts)
    }


def test_project_has_the_promised_files(project: Path) -> None:
    files = relative_files(project)
    expected = {
        "pyproject.toml",
        "scaffold.yaml",
        "README.md",
        ".gitignore",
        ".copier-answers.yml",
        "alembic.ini",
        "specs/user.yaml",
        "migrations/env.py",
        "migrations/script.py.mako",
        "migrations/versions/.gitkeep",
        "tests/conftest.py",
        "tests/test_app.py",
        "tests/test_migrations.py",
        *(
            f"src/{PACKAGE}/{name}"
            for name in (
                "__init__.py",
                "db.py",
                "auth.py",
                "main.py",
                "entities/__init__.py",
                "core/__init__.py",
                "core/results.py",
                "core/errors.py",
                "core/pagination.py",
                "core/types.py",
                "core/security.py",
            )
        ),
    }
    assert expected <= files
    assert not [f for f in files if f.endswith(".jinja")]


def test_project_settings_and_user_spec(project: Path) -> None:
    settings = yaml.safe_load((project / "scaffold.yaml").read_text())
    assert settings == {"package": PACKAGE, "specs": "specs", "src": "src", "auth": "password"}
    user = yaml.safe_load((project / "specs/user.yaml").read_text())
    assert user["entity"] == "user"
    assert user["owner"] == "none"
    assert user["fields"]["email"] == {"type": "email", "unique": True, "max_length": 64}
    assert user["fields"]["password"] == {"type": "password", "required": False}
    role = {"type": "enum", "values": ["member", "admin"], "default": "member"}
    assert user["fields"]["role"] == role
    assert (project / f"src/{PACKAGE}/signin.py").is_file()
    assert (project / f"src/{PACKAGE}/manage.py").is_file()


def test_project_does_not_depend_on_scaffold(project: Path) -> None:
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    dependencies = (
        pyproject["project"]["dependencies"] + pyproject["project"]["optional-dependencies"]["dev"]
    )
    names = {dep.split(">")[0].split("[")[0].split("=")[0].strip() for dep in dependencies}
    assert "scaffold" not in names
    assert {"fastapi", "sqlalchemy", "alembic", "pyjwt", "argon2-cffi"} <= names
    assert {"pytest", "pytest-asyncio", "httpx", "black", "ruff", "mypy", "pgserver"} <= names
    assert pyproject["tool"]["pytest"]["ini_options"]["asyncio_mode"] == "auto"
    assert pyproject["tool"]["mypy"]["strict"] is True
    imports_scaffold = re.compile(r"^\s*(import|from)\s+scaffold\b", re.MULTILINE)
    for path in [*project.rglob("*.py"), project / "migrations/script.py.mako"]:
        assert not imports_scaffold.search(path.read_text()), path


def test_copier_copy_makes_the_same_project(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """`copier copy` on the template is the other documented way in; it must agree."""
    target = tmp_path_factory.mktemp("copier") / project.name
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "copier",
            "copy",
            "--defaults",
            "--quiet",
            "--data",
            f"package_name={PACKAGE}",
            str(project_template()),
            str(target),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert_passes(result)
    # init may add what `scaffold generate` renders; everything copier wrote must be identical.
    files = relative_files(target)
    assert files <= relative_files(project)
    _, mismatch, errors = filecmp.cmpfiles(project, target, sorted(files), shallow=False)
    assert (mismatch, errors) == ([], [])


def test_black(project: Path) -> None:
    assert_passes(run_tool(project, "black", "--check", "."))


def test_ruff(project: Path) -> None:
    assert_passes(run_tool(project, "ruff", "check", "."))


def test_mypy_strict(project: Path) -> None:
    assert_passes(run_tool(project, "mypy", "--strict", "src"))


def test_own_tests_pass_on_sqlite(project: Path) -> None:
    result = run_tool(project, "pytest", "-q", "-p", "no:cacheprovider")
    assert_passes(result)
    assert " passed" in result.stdout


@pytest.mark.postgres
def test_own_tests_pass_on_postgres(project: Path, postgres_server_url: str) -> None:
    result = run_tool(
        project, "pytest", "-q", "-p", "no:cacheprovider", TEST_DATABASE_URL=postgres_server_url
    )
    assert_passes(result)
    assert " passed" in result.stdout
    assert "skipped" not in result.stdout  # every generated test runs on PostgreSQL too


@pytest.mark.postgres
def test_own_tests_start_postgres_through_pgserver_when_asked(project: Path) -> None:
    result = run_tool(
        project,
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/test_core.py",
        "-k",
        "database_answers or foreign_keys",
        SCAFFOLD_TEST_POSTGRES="1",
    )
    assert_passes(result)
    assert "2 passed" in result.stdout  # the foreign-key test runs on PostgreSQL as well
    assert "skipped" not in result.stdout


def test_alembic_runs_at_the_project_root(project: Path, tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    for command in (["upgrade", "head"], ["check"], ["downgrade", "base"]):
        assert_passes(run_tool(project, "alembic", *command, DATABASE_URL=database))


def test_app_starts_with_a_secret_and_refuses_without(project: Path) -> None:
    code = f"from {PACKAGE}.main import app; print(app.title)"
    started = _python(project, code, APP_ENV="production", APP_SECRET_KEY="x" * 48)
    assert_passes(started)
    assert started.stdout.strip() == "probe"
    refused = _python(project, code, APP_ENV="production")
    assert refused.returncode != 0
    assert "APP_SECRET_KEY" in refused.stderr


def _python(project: Path, code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in LEAKY_ENV}
    environ.update(PYTHONPATH=str(project / "src"), **env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=project, env=environ, capture_output=True, text=True
    )


def test_unusual_answers_still_give_a_clean_project(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The longest package name init accepts, and names with quotes and accents, stay clean."""
    import copier

    package = "a_rather_long_package_name_for_a_project"
    assert len(package) == 40
    project = tmp_path_factory.mktemp("unusual") / "shop"
    title = 'Ünïcode "Shop" <b>&\'s'
    copier.run_copy(
        str(project_template()),
        project,
        data={"package_name": package, "project_name": title, "description": title + " \\ 100%"},
        defaults=True,
        unsafe=False,
        quiet=True,
    )
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == title + " \\ 100%"
    assert_passes(run_tool(project, "black", "--check", "."))
    assert_passes(run_tool(project, "ruff", "check", "."))
    code = f"from {package}.main import app; print(app.title)"
    started = _python(project, code, APP_ENV="test")
    assert_passes(started)
    assert started.stdout.strip() == title
