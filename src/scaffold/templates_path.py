"""Where the shipped templates are: inside the wheel, or at the repository root in a checkout."""

from __future__ import annotations

from pathlib import Path


def templates_dir() -> Path:
    """The `templates/` folder (`scaffold/templates` in a wheel, `<repo>/templates` in a clone)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parents[1] / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("scaffold's templates/ folder is missing from this installation")
