"""Issue 17: what a generated project's own test suite costs per test, against a floor.

    python bench/suite.py [--quick] [--keep DIR]

Builds a project from the repo's example specs (`scaffold init` + `scaffold generate`, so the
migration tests have a migration) and runs, side by side on SQLite, with the same invocation
(`python -m pytest -q -p no:cacheprovider`, the project's conftest loaded):

- the project's own suite: wall time / number of tests;
- the floor: a module of as many copies of the least a database test does (one insert and one
  select in a rolled-back transaction on one engine shared by the module), wall time / count.

The ratio is of pytest's own session times (the `in N s` of its summary: collection and the
tests, not the interpreter's start-up and plugin imports, which are the same for both and on a
loaded machine take seconds); the wall times, start-up included, are shown beside them, and the
CPU time of each run (the process and its children, start-up included), which moves less with
the load of a shared machine.
`suite_rows(base, quick)` returns the table row for bench/run.py.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import ENV, PY, REPO, Row, Rows, scaffold

PACKAGE = "benchapp"
FLOOR_MODULE = "test_floor_bench.py"
FLOOR_TEST = '''"""The floor of a test (bench/suite.py): one insert, one select, rolled back."""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

COPIES = {copies}
metadata = sa.MetaData()
floor = sa.Table(
    "floor", metadata, sa.Column("id", sa.Uuid, primary_key=True), sa.Column("title", sa.Text)
)
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_engine(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AsyncEngine]:
    path: Path = tmp_path_factory.mktemp("floor") / "floor.db"
    engine = create_async_engine(f"sqlite+aiosqlite:///{{path}}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.mark.parametrize("copy", range(COPIES))
async def test_floor(shared_engine: AsyncEngine, copy: int) -> None:
    async with shared_engine.connect() as conn:
        transaction = await conn.begin()
        row_id = uuid.uuid4()
        await conn.execute(floor.insert().values(id=row_id, title=f"copy {{copy}}"))
        found = await conn.scalar(sa.select(floor.c.title).where(floor.c.id == row_id))
        assert found == f"copy {{copy}}"
        await transaction.rollback()
'''
COUNTS = re.compile(r"(\d+) (passed|failed|error|errors|skipped|xfailed|xpassed)\b")
SESSION = re.compile(r" in ([\d.]+)s\b")


def build_project(base: Path) -> Path:
    """A project of the example specs, generated (entities, tests, migration)."""
    cache = base / "cache-suite"
    root = base / "suite"
    scaffold("init", str(root), "--package", PACKAGE, "--defaults", cwd=base, cache=cache)
    for spec in sorted((REPO / "specs").glob("*.yaml")):
        shutil.copy(spec, root / "specs" / spec.name)
    scaffold("generate", cwd=root, cache=cache)
    return root


def project_env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in ENV.items() if not k.startswith(("PYTEST_", "TEST_DATABASE"))}
    env.update(
        PYTHONPATH=str(root / "src"),
        APP_ENV="test",
        APP_SECRET_KEY="bench-secret-key-0123456789abcdef0123456789",
    )
    env.pop("SCAFFOLD_TEST_POSTGRES", None)
    return env


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def pytest_run(root: Path, *args: str) -> tuple[float, float, float, int]:
    """(wall seconds, pytest's session seconds, CPU seconds, tests run) of one `pytest -q` in the
    project; fails on a failing test."""
    command = [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
    # the same start for both: no writes of an earlier run still going to disk (after the suite
    # before this fix, which wrote a database file per test, the floor measured 5-10x slower)
    os.sync()
    start, cpu = time.perf_counter(), children_cpu()
    out = subprocess.run(command, cwd=root, env=project_env(root), capture_output=True, text=True)
    wall, cpu = time.perf_counter() - start, children_cpu() - cpu
    summary = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    counts = {kind: int(n) for n, kind in COUNTS.findall(summary)}
    if out.returncode != 0 or counts.get("failed") or counts.get("error") or counts.get("errors"):
        raise SystemExit(f"{' '.join(command)} failed:\n{out.stdout[-5000:]}\n{out.stderr[-2000:]}")
    session = float(SESSION.findall(summary)[-1])
    return wall, session, cpu, counts.get("passed", 0) + counts.get("skipped", 0)


def measure(root: Path, repeat: int) -> dict[str, float]:
    """Per-test milliseconds of the project's suite and of the floor, side by side (medians of
    pytest's session time, of the wall time, `_wall`, and of the CPU time, `_cpu`)."""
    floor_file = root / "tests" / FLOOR_MODULE
    floor_file.unlink(missing_ok=True)
    times: dict[str, list[float]] = {}
    tests = 0
    for _ in range(repeat):
        # the floor is short, and one burst of another process's work can double it: three runs
        for name in ("suite", "floor", "floor", "floor"):
            if name == "floor":
                floor_file.write_text(FLOOR_TEST.format(copies=tests))
            try:
                wall, session, cpu, tests = pytest_run(
                    root, str(floor_file) if name == "floor" else "tests"
                )
            finally:
                floor_file.unlink(missing_ok=True)
            for kind, seconds in (("", session), ("_wall", wall), ("_cpu", cpu)):
                times.setdefault(name + kind, []).append(seconds / tests)
    found = {f"{name}_ms": statistics.median(values) * 1000 for name, values in times.items()}
    return {"tests": tests, **found}


def suite_rows(base: Path, quick: bool) -> list[Row]:
    """The row of issue 17: the generated suite per test against the floor, on SQLite."""
    rows: list[Row] = Rows()
    root = build_project(base)
    found = measure(root, 1 if quick else 3)
    rows.append(
        (
            f"generated suite per test (SQLite, {found['tests']:.0f} tests)",
            f"{found['suite_ms']:.1f} ms (wall {found['suite_wall_ms']:.1f}, CPU"
            f" {found['suite_cpu_ms']:.1f} ms)",
            f"floor {found['floor_ms']:.1f} ms (wall {found['floor_wall_ms']:.1f}, CPU"
            f" {found['floor_cpu_ms']:.1f} ms)",
            f"{found['suite_ms'] / found['floor_ms']:.2f}\u00d7 (CPU"
            f" {found['suite_cpu_ms'] / found['floor_cpu_ms']:.2f}\u00d7)",
            "\u2264 3\u00d7",
        )
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="one run of each, not three")
    parser.add_argument("--keep", type=Path, help="build the project here and keep it")
    opts = parser.parse_args()
    if opts.keep:
        shutil.rmtree(opts.keep, ignore_errors=True)
        opts.keep.mkdir(parents=True)
        rows = suite_rows(opts.keep, opts.quick)
    else:
        with tempfile.TemporaryDirectory(prefix="scaffold-bench-suite-") as tmp:
            rows = suite_rows(Path(tmp), opts.quick)
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    sys.exit(main())
