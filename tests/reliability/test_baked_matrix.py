"""The baked matrix: a pairwise covering set of entity options, baked into a real project.

`matrix.py` chooses the combinations (owner user/through/none x visibility private/public/per_row
x soft_delete x versioned x timestamps x api x composite key; every valid pair of option values in
at least one entity). They are written as specs into a project made by `scaffold init`, generated
by `scaffold generate` (modules and the migration), and the project must pass black, ruff,
`mypy --strict`, its own tests on SQLite and PostgreSQL, and `alembic upgrade head` →
`alembic check` (no drift) → `downgrade base` → `upgrade head` on both databases.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .figures import LONG, record
from .matrix import (
    FACTORS,
    all_valid_pairs,
    covering_set,
    matrix_specs,
    pairs_missing,
    valid_combinations,
)
from .project import ALEMBIC_ROUND_TRIP, env_for, init_project, must, run, scaffold_cmd

pytestmark = pytest.mark.slow
PACKAGE = "bakeapp"


def test_the_matrix_covers_every_valid_pair_of_options() -> None:
    combos = covering_set()
    assert not pairs_missing(combos)
    assert len(combos) < len(all_valid_pairs())  # a covering set, not the full product
    for name, values in FACTORS.items():
        assert {c[name] for c in combos} == set(values), f"{name}: a value never baked"
    record(
        "baked matrix: option combinations (entities), pairs covered",
        f"{len(combos)} of {len(valid_combinations())}, {len(all_valid_pairs())}",
    )


@pytest.fixture(scope="module")
def baked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = init_project(tmp_path_factory.mktemp("baked") / "bakeapp", package=PACKAGE)
    for name, text in matrix_specs().items():
        (root / "specs" / name).write_text(text, encoding="utf-8")
    must(scaffold_cmd(root, "generate"))
    must(scaffold_cmd(root, "check"))
    return root


def test_baked_project_generates_every_combination(baked: Path) -> None:
    combos = covering_set()
    entities = baked / "src" / PACKAGE / "entities"
    for index, combo in enumerate(combos, start=1):
        module = entities / f"bake_{index:02d}s"
        assert (module / "model.py").is_file(), module
        assert (module / "routes.py").is_file() == combo["api"], f"{module}: api={combo['api']}"
    revisions = sorted((baked / "migrations" / "versions").glob("*.py"))
    assert len(revisions) == 2, revisions  # the user entity's, then the matrix's


@pytest.mark.parametrize(
    "args",
    [
        ["black", "--check", "--quiet", "."],
        ["ruff", "check", "--no-cache", "."],
        ["mypy", "--strict", "--no-incremental", "src"],
    ],
    ids=["black", "ruff", "mypy-strict"],
)
def test_baked_project_passes_its_gate(baked: Path, args: list[str]) -> None:
    must(run([sys.executable, "-m", *args], baked))


def test_baked_project_tests_pass_on_sqlite_and_postgresql(
    baked: Path, postgres_server_url: str
) -> None:
    base = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "tests"]
    children = {
        db: subprocess.Popen(
            base,
            cwd=baked,
            env=env_for(baked, **extra),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for db, extra in {
            "sqlite": {},
            # CI time: PostgreSQL runs this suite in the long profile (the examples, the gate's
            # PostgreSQL batches and the migrations below cover it in CI)
            **({"postgresql": {"TEST_DATABASE_URL": postgres_server_url}} if LONG else {}),
        }.items()
    }
    failures = []
    for db, child in children.items():
        out, _ = child.communicate(timeout=900)
        if child.returncode != 0 or " passed" not in out:
            failures.append(f"--- {db} ---\n{out[-8000:]}")
        else:
            record(f"baked matrix ({db}): generated tests", out.strip().splitlines()[-1])
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_baked_migrations_go_up_down_up_with_no_drift(
    baked: Path, database: str, request: pytest.FixtureRequest
) -> None:
    if database == "sqlite":
        url = f"sqlite+aiosqlite:///{baked / 'baked.db'}"
    else:
        sync_url = request.getfixturevalue("postgres_url")  # a fresh database
        url = "postgresql+asyncpg://" + sync_url.split("://", 1)[1]
    for args in ALEMBIC_ROUND_TRIP:
        must(run([sys.executable, "-m", "alembic", *args], baked, DATABASE_URL=url))
