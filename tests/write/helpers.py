"""Helpers for the write-stage tests: run a generate, look at a whole tree."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from scaffold.write import WritePlan, apply_plan, plan_writes


def generate(
    root: Path,
    rendered: Mapping[str, str],
    *,
    migration: tuple[str, str] | None = None,
    snapshot: str | None = None,
    force: bool = False,
) -> WritePlan:
    """plan + apply, as `scaffold generate` does; returns the plan."""
    plan = plan_writes(root, rendered, migration=migration, snapshot=snapshot, force=force)
    apply_plan(plan)
    return plan


def tree(root: Path) -> dict[str, str]:
    """Every file under `root` (state included) by posix path → text."""
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def stats(root: Path) -> dict[str, tuple[int, int, int]]:
    """(inode, mtime_ns, size) of every file and folder under `root`: proof of "no writes"."""
    out = {}
    for p in sorted(root.rglob("*")):
        st = os.stat(p)
        out[p.relative_to(root).as_posix()] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return out


def write(root: Path, path: str, text: str) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def read(root: Path, path: str) -> str:
    return (root / path).read_text(encoding="utf-8")
