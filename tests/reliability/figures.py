"""The profile (CI or long) and the figures each test records for the end-of-run summary."""

from __future__ import annotations

import json
import os

LONG = os.environ.get("SCAFFOLD_LONG", "") not in ("", "0")

#                         CI     long
_PROFILES = {
    "invalid_examples": (100, 1000),  # mutated spec sets, in-process validate + generate
    "invalid_subprocess": (6, 60),  # ... and through the real CLI in a subprocess
    "valid_examples": (60, 200),  # random valid spec sets rendered and checked
    "valid_full_black": (12, 200),  # of those, every file checked by black (the rest: samples)
    "valid_seed_runs": (2, 5),  # of those, rendered again under another PYTHONHASHSEED
    "migration_examples": (40, 400),  # random valid spec sets planned as a first migration
    "kills": (20, 60),  # SIGKILLed `scaffold generate` runs
    "schemathesis_cases": (60, 200),  # examples per API operation
}
SHRINK = LONG  # shrinking a failure can take minutes: only in the long profile
PROFILE: dict[str, int] = {key: pair[1 if LONG else 0] for key, pair in _PROFILES.items()}

FIGURES: dict[str, object] = {}
COUNTED: set[str] = set()  # the figures made by `bump`: summed across pytest-xdist workers


def record(key: str, value: object) -> None:
    FIGURES[key] = value


def bump(key: str, amount: int = 1) -> None:
    current = FIGURES.get(key, 0)
    assert isinstance(current, int)
    FIGURES[key] = current + amount
    COUNTED.add(key)


def dump_figures() -> str:
    """This process's figures, for the pytest-xdist controller (tests/conftest.py)."""
    return json.dumps({"figures": FIGURES, "counted": sorted(COUNTED)}, default=str)


def merge_figures(data: str) -> None:
    """Add a worker's figures to this process's: counts are summed, other figures kept."""
    loaded = json.loads(data)
    for key, value in loaded["figures"].items():
        if key in loaded["counted"] and isinstance(FIGURES.get(key, 0), int):
            bump(key, int(value))
        else:
            FIGURES[key] = value
