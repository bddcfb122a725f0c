"""scaffold's own code is held to the bar it sets for generated code: black, ruff, mypy --strict."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "tool",
    [
        ["black", "--check", "-q", "-l", "100", "src/scaffold"],
        ["ruff", "check", "src/scaffold"],
        ["mypy", "--strict", "src/scaffold"],
    ],
    ids=["black", "ruff", "mypy"],
)
def test_source_is_clean(tool: list[str]) -> None:
    out = subprocess.run([sys.executable, "-m", *tool], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
