"""Helpers of the bootstrap tests: run the real CLI in a child process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import scaffold

RunScaffold = Callable[..., subprocess.CompletedProcess[str]]
SCAFFOLD_SRC = str(Path(scaffold.__file__).resolve().parents[1])


@pytest.fixture(scope="session")
def run_scaffold() -> RunScaffold:
    """`run_scaffold("init", "x", cwd=folder)`: `python -m scaffold ...` from this checkout."""

    def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        paths = [SCAFFOLD_SRC, *filter(None, [os.environ.get("PYTHONPATH")])]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
        return subprocess.run(
            [sys.executable, "-m", "scaffold", *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run
