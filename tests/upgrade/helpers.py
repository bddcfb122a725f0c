"""Helpers of the upgrade tests: the pinned old project, the CLI, the project's own tools."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import scaffold

DATA = Path(__file__).resolve().parent / "data"
# The project scaffold made as of commit b758386 (`init oldapp --defaults`): data/README.md.
OLD_PROJECT_ARCHIVE = DATA / "project-b758386.tar.gz"
OLD_PACKAGE = "oldapp"
FRESH_PACKAGE = "upapp"  # the projects of the other tests
SCAFFOLD_SRC = str(Path(scaffold.__file__).resolve().parents[1])
TEMPLATE_STATE = ".scaffold/template"
# Settings of the calling environment that must not leak into the project's own runs.
LEAKY_ENV = (
    "APP_ENV",
    "APP_SECRET_KEY",
    "DATABASE_URL",
    "TEST_DATABASE_URL",
    "SCAFFOLD_TEST_POSTGRES",
    "PYTEST_ADDOPTS",
    "PYTEST_PLUGINS",
)


def extract_old_project(folder: Path) -> Path:
    """The b758386 project, unpacked into `folder`; returns its root (`folder/oldapp`)."""
    with tarfile.open(OLD_PROJECT_ARCHIVE, "r:gz") as tar:
        tar.extractall(folder, filter="data")
    return folder / OLD_PACKAGE


def scaffold_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python -m scaffold ...` from this checkout, in a child process (real exit codes)."""
    paths = [SCAFFOLD_SRC, *filter(None, [os.environ.get("PYTHONPATH")])]
    return subprocess.run(
        [sys.executable, "-m", "scaffold", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )


def run_tool(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m <tool> ...` in the project, with its src on the path and test settings."""
    env = {k: v for k, v in os.environ.items() if k not in LEAKY_ENV}
    env.update(
        PYTHONPATH=str(project / "src"),
        PYTHONDONTWRITEBYTECODE="1",
        APP_ENV="test",
        APP_SECRET_KEY="e2e-secret-key-0123456789abcdef0123456789",
    )
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def assert_passes(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, f"{' '.join(result.args)}\n{result.stdout}\n{result.stderr}"


def files_of(root: Path, *, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """posix path → text of every file below `root`, caches and the `skip` prefixes left out."""
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and "__pycache__" not in path.parts and not rel.startswith(skip):
            out[rel] = path.read_text(encoding="utf-8")
    return out


def tree_stat(root: Path) -> dict[str, tuple[str, int]]:
    """posix path → (sha256, mtime_ns) of every file: equal only if nothing was written."""
    out: dict[str, tuple[str, int]] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            rel = path.relative_to(root).as_posix()
            out[rel] = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
    return out


def copy_project(source: Path, dest: Path) -> Path:
    """A copy of the project `source` at `dest` (a fresh playground per test)."""
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest
