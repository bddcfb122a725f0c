"""The whole tool as a new user drives it: init → new entity → generate → check → migrate → test.

One project is bootstrapped per module and walked through a realistic session; each test is one
step and relies on the steps before it (they run in file order).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from reliability.project import ALEMBIC_ROUND_TRIP

import scaffold

REPO = Path(__file__).resolve().parents[1]
SRC = Path(scaffold.__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def run(
    args: list[str], cwd: Path, *, env: dict[str, str] | None = None, timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = os.pathsep.join([str(cwd / "src"), str(SRC)])
    full_env.setdefault("APP_ENV", "test")
    return subprocess.run(
        args, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout
    )


def scaffold_cmd(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "scaffold", *args], cwd)


def snapshot_tree(root: Path) -> dict[str, tuple[int, int]]:
    """path → (mtime_ns, inode) of every file outside caches."""
    out: dict[str, tuple[int, int]] = {}
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not any(
            part in rel for part in ("__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache")
        ):
            st = path.stat()
            out[rel] = (st.st_mtime_ns, st.st_ino)
    return out


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("e2e") / "shop"
    out = scaffold_cmd(root.parent, "init", str(root), "--package", "shop", "--defaults")
    assert out.returncode == 0, out.stdout + out.stderr
    yield root


def test_init_generates_the_user_entity_and_its_first_migration(project: Path) -> None:
    assert (project / "src/shop/entities/users/model.py").is_file()
    assert (project / "tests/entities/test_users.py").is_file()
    assert sorted(p.name for p in (project / "migrations/versions").glob("*.py"))
    assert (project / ".scaffold/snapshot.json").is_file()
    assert (project / ".scaffold/manifest.json").is_file()


def test_new_entity_writes_a_spec_and_generates(project: Path) -> None:
    for name in ("label", "task", "comment"):
        shutil.copy(REPO / "specs" / f"{name}.yaml", project / "specs" / f"{name}.yaml")
    out = scaffold_cmd(project, "generate")
    assert out.returncode == 0, out.stdout + out.stderr
    out = scaffold_cmd(
        project,
        "new",
        "entity",
        "tag",
        "--field",
        "label:string(40):unique",
        "--field",
        "task:ref(task)",
        "--field",
        "weight:int?",
    )
    assert out.returncode == 0, out.stdout + out.stderr
    spec = (project / "specs/tag.yaml").read_text()
    assert "label" in spec and "$schema" in spec
    assert (project / "src/shop/entities/tags/routes.py").is_file()


def test_new_entity_refuses_an_existing_one(project: Path) -> None:
    before = snapshot_tree(project)
    out = scaffold_cmd(project, "new", "entity", "tag", "--field", "x:int")
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert snapshot_tree(project) == before


def test_second_generate_changes_nothing(project: Path) -> None:
    before = snapshot_tree(project)
    out = scaffold_cmd(project, "generate")
    assert out.returncode == 0, out.stdout + out.stderr
    assert snapshot_tree(project) == before
    assert scaffold_cmd(project, "check").returncode == 0


def test_migrations_go_up_down_up_with_no_drift(project: Path) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{project / 'e2e.db'}"}
    for args in ALEMBIC_ROUND_TRIP:
        out = run([sys.executable, "-m", "alembic", *args], project, env=env)
        assert out.returncode == 0, (args, out.stdout + out.stderr)


def test_generated_project_passes_its_own_gates(project: Path) -> None:
    for args in (
        ["-m", "black", "--check", "."],
        ["-m", "ruff", "check", "."],
        ["-m", "mypy", "--strict", "src"],
        ["-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"],
    ):
        out = run([sys.executable, *args], project)
        assert out.returncode == 0, (args, out.stdout[-4000:] + out.stderr[-4000:])


def test_spec_change_is_pending_until_generated_then_adds_one_migration(project: Path) -> None:
    spec = project / "specs/task.yaml"
    text = spec.read_text().replace(
        "fields:\n", "fields:\n  priority: {type: int, default: 0, min: 0, max: 5}\n", 1
    )
    spec.write_text(text)
    assert scaffold_cmd(project, "check").returncode == 1
    versions = project / "migrations/versions"
    count = len(list(versions.glob("*.py")))
    out = scaffold_cmd(project, "generate")
    assert out.returncode == 0, out.stdout + out.stderr
    assert len(list(versions.glob("*.py"))) == count + 1
    assert scaffold_cmd(project, "check").returncode == 0


def test_destroy_needs_the_data_loss_flag_and_keeps_edited_files(project: Path) -> None:
    routes = project / "src/shop/entities/tags/routes.py"
    routes.write_text(routes.read_text() + "\n# my own note\n")
    before = snapshot_tree(project)
    out = scaffold_cmd(project, "destroy", "entity", "tag")
    assert out.returncode == 2, out.stdout + out.stderr
    assert "tags" in out.stderr
    assert snapshot_tree(project) == before
    out = scaffold_cmd(project, "destroy", "entity", "tag", "--allow-data-loss")
    assert out.returncode == 0, out.stdout + out.stderr
    assert not (project / "specs/tag.yaml").exists()
    assert not (project / "src/shop/entities/tags/model.py").exists()
    assert routes.exists() and "# my own note" in routes.read_text()
