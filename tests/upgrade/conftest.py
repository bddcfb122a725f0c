"""Fixtures of the upgrade tests: a fresh project per module, and a copy of it per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import FRESH_PACKAGE, copy_project, scaffold_cli


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`scaffold init` of today (never changed: copy it through `project`)."""
    folder = tmp_path_factory.mktemp("pristine")
    out = scaffold_cli("init", FRESH_PACKAGE, "--defaults", cwd=folder)
    assert out.returncode == 0, out.stdout + out.stderr
    return folder / FRESH_PACKAGE


@pytest.fixture
def project(pristine: Path, tmp_path: Path) -> Path:
    """A copy of the fresh project for one test to change."""
    return copy_project(pristine, tmp_path / FRESH_PACKAGE)
