"""The generated entity modules of real spec sets pass black, ruff, mypy --strict and their own
tests, on SQLite and on PostgreSQL.

Two spec sets: the examples in `specs/` (the chat app and the task list: per-row visibility,
`owner: {through}`, a composite primary key and a composite ref) and `specs_coverage/` (public,
versioned, soft-deleted and shared tables, every field type, patterns, partial indexes, a mixed
keyset order, nullable and restricting refs). A third, `specs_names/`, holds names that meet the
generated code's own (an entity `owner`, refs named `values` and `data`, fields named like the
generated tests' locals). A fourth, `specs_inventory/`, holds the value shapes that broke
generated factories (unique patterns, bounded decimals, an enum with exactly 8 values, a
two-character unique string, a unique set of bounded columns only, composite unique sets with
refs, a chained and a self ref). A fifth, `specs_relations/`, holds many fields (DESIGN §9.1) to
private, shared, self and composite-key targets, from public, per-row, soft-deleted, versioned
and through-owned sources.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from .projects import (
    COVERAGE_SPECS,
    EXAMPLE_SPECS,
    INVENTORY_SPECS,
    NAMES_SPECS,
    RELATIONS_SPECS,
    bootstrap,
    project_env,
)

pytestmark = pytest.mark.slow

SPEC_SETS = {
    "examples": EXAMPLE_SPECS,
    "coverage": COVERAGE_SPECS,
    "names": NAMES_SPECS,
    "inventory": INVENTORY_SPECS,
    "relations": RELATIONS_SPECS,
}
# Databases each set's generated suite runs on. The examples run on both; the coverage set runs
# on PostgreSQL, the stricter of the two (types, NUL bytes, JSONB), to keep this file near three
# minutes on a loaded two-core CI machine. `E2E_ALL_DATABASES=1` runs every set on both.
DATABASES = {
    "examples": ("sqlite", "postgresql"),
    "coverage": (
        ("sqlite", "postgresql") if os.environ.get("E2E_ALL_DATABASES") == "1" else ("postgresql",)
    ),
    "names": ("sqlite",),
    "inventory": ("postgresql",),
    "relations": (
        ("sqlite", "postgresql") if os.environ.get("E2E_ALL_DATABASES") == "1" else ("postgresql",)
    ),
}


@dataclass(frozen=True)
class Project:
    name: str
    root: Path
    files: dict[str, str]

    @property
    def python_files(self) -> list[str]:
        return sorted(p for p in self.files if p.endswith(".py"))


@pytest.fixture(scope="module", params=sorted(SPEC_SETS))
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp(f"gen-{request.param}") / "app"
    return Project(request.param, root, bootstrap(root, SPEC_SETS[request.param]))


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
    _check(project, "mypy", "--no-incremental", "src", "tests")


def test_generated_tests_pass_on_the_databases(project: Project, postgres_server_url: str) -> None:
    # The databases at once: each child runs the project's whole generated suite.
    base = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "tests/entities"]
    envs = {
        "sqlite": project_env(project.root),
        "postgresql": project_env(project.root, TEST_DATABASE_URL=postgres_server_url),
    }
    children = {
        database: subprocess.Popen(
            base,
            cwd=project.root,
            env=envs[database],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for database in DATABASES[project.name]
    }
    failures = []
    for database, child in children.items():
        out, _ = child.communicate(timeout=900)
        if child.returncode != 0:
            failures.append(f"--- {database} ---\n{out[-8000:]}")
        else:
            assert " passed" in out, out[-2000:]
    assert not failures, "\n".join(failures)
