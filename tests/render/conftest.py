"""Options of the render tests: `--update-golden` (or `UPDATE_GOLDEN=1`, or
`SCAFFOLD_UPDATE_GOLDEN=1`) rewrites the golden files.

The option is only known when pytest starts in or below this folder (`pytest tests/render
--update-golden`); the environment variable works from anywhere.
"""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/ from the current templates instead of comparing",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    # SCAFFOLD_UPDATE_GOLDEN is what the other stages' golden tests read; both work here.
    if "1" in (os.environ.get("UPDATE_GOLDEN"), os.environ.get("SCAFFOLD_UPDATE_GOLDEN")):
        return True
    try:
        return bool(request.config.getoption("--update-golden"))
    except ValueError:
        return False
