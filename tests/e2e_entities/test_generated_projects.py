"""The generated entity modules of real spec sets pass black, ruff, mypy --strict and their own
tests, on SQLite and on PostgreSQL.

Two spec sets: the examples in `specs/` (the chat app and the task list: per-row visibility,
`owner: {through}`, a composite primary key and a composite ref) and `specs_coverage/` (public,
versioned, soft-deleted and shared tables, every field type, patterns, partial indexes, a mixed
keyset order, nullable and restricting refs).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from .projects import COVERAGE_SPECS, EXAMPLE_SPECS, bootstrap, project_env

pytestmark = pytest.mark.slow

SPEC_SETS = {"examples": EXAMPLE_SPECS, "coverage": COVERAGE_SPECS}


@dataclass(frozen=True)
class Project:
    root: Path
    files: dict[str, str]

    @property
    def python_files(self) -> list[str]:
        return sorted(p for p in self.files if p.endswith(".py"))


@pytest.fixture(scope="module", params=sorted(SPEC_SETS))
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp(f"gen-{request.param}") / "app"
    return Project(root=root, files=bootstrap(root, SPEC_SETS[request.param]))


def _check(project: Project, *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", *args],
        cwd=project.root,
        env=project_env(project.root),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout[-6000:]}"


def test_generated_files_are_black_formatted(project: Project) -> None:
    _check(project, "black", "--check", "--quiet", *project.python_files)


def test_generated_files_pass_ruff(project: Project) -> None:
    _check(project, "ruff", "check", "--no-cache", *project.python_files)


def test_generated_project_passes_mypy_strict(project: Project) -> None:
    _check(project, "mypy", "--no-incremental", "src")


def test_generated_tests_pass_on_sqlite_and_postgresql(
    project: Project, postgres_server_url: str
) -> None:
    # Both databases at once: each child runs the project's whole generated suite.
    base = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "tests/entities"]
    children = {
        "sqlite": subprocess.Popen(
            base,
            cwd=project.root,
            env=project_env(project.root),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ),
        "postgresql": subprocess.Popen(
            base,
            cwd=project.root,
            env=project_env(project.root, TEST_DATABASE_URL=postgres_server_url),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ),
    }
    failures = []
    for database, child in children.items():
        out, _ = child.communicate(timeout=900)
        if child.returncode != 0:
            failures.append(f"--- {database} ---\n{out[-8000:]}")
        else:
            assert " passed" in out, out[-2000:]
    assert not failures, "\n".join(failures)
