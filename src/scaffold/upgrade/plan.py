"""Planning an upgrade: what happens to every file the project template renders.

DESIGN §5's table, through `write.plan_file` (the same decisions, merges and markers as
`generate`), with three differences of the project template:

- `.copier-answers.yml` is copier's record of the answers, not a file to edit: it is replaced;
- a file that differs from the new render and has no merge base is left for review
  (`Action.REVIEW`), not merged against an empty base;
- `pyproject.toml` conflicts made only of dependency lines are resolved as their union.

The state (`.scaffold/template/base/`, then `state.json`) is written after every project file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from scaffold.upgrade.pyproject import PYPROJECT, resolve_dependency_conflicts
from scaffold.upgrade.state import (
    ANSWERS_FILE,
    STATE_FILE,
    TemplateState,
    dump_state,
    template_base_path,
)
from scaffold.write import Action, DiskOp, FileChange, WritePlan, plan_dropped_file, plan_file
from scaffold.write.fsio import read_text
from scaffold.write.state import check_rel_path

OWNER = "template"


def plan_upgrade(
    root: Path,
    rendered: Mapping[str, str],
    bases: Mapping[str, str],
    *,
    template_version: int,
    force: bool = False,
) -> WritePlan:
    """Plan bringing the project at `root` to `rendered` (posix path → text of the new
    template), merging against `bases` (path → what the template rendered last); `force`
    overwrites edited files and restores deleted ones. Reads the disk, writes nothing."""
    files: list[FileChange] = []
    for path in sorted(rendered):
        check_rel_path(path)
        disk = read_text(root / path)
        files.append(_plan_one(path, rendered[path], disk, bases.get(path), force=force))
    for path in sorted(set(bases) - set(rendered)):
        check_rel_path(path)
        dropped = plan_dropped_file(path, read_text(root / path), base=bases[path])
        files.append(_owned(dropped))
    ops = [DiskOp(c.path, c.before, c.after) for c in files if c.writes]
    for change in files:
        base = template_base_path(change.path)
        current = read_text(root / base)
        if current != change.generated:
            ops.append(DiskOp(base, current, change.generated))
    tracked = tuple(c.path for c in files if c.generated is not None)
    state_before = read_text(root / STATE_FILE)
    state_after = dump_state(TemplateState(version=template_version, files=tracked))
    if state_after != state_before:
        ops.append(DiskOp(STATE_FILE, state_before, state_after))
    return WritePlan(root, tuple(files), None, None, tuple(ops))


def _plan_one(
    path: str, new: str, disk: str | None, base: str | None, *, force: bool
) -> FileChange:
    if path == ANSWERS_FILE:
        action = Action.UNCHANGED if disk == new else Action.UPDATE
        return FileChange(path, action, disk, new, new, OWNER)
    if base is None and disk is not None and disk != new and not force:
        # Nothing says what the template wrote here: the user compares. The new render becomes
        # the base, so the next upgrade merges against what was shown today.
        return FileChange(path, Action.REVIEW, disk, disk, new, OWNER)
    change = plan_file(path, new, disk, base=base, force=force)
    if change.action is Action.CONFLICT and path == PYPROJECT and change.after is not None:
        resolved = resolve_dependency_conflicts(change.after)
        if resolved is not None:
            action = Action.UNCHANGED if resolved == disk else Action.MERGE
            return FileChange(path, action, disk, resolved, new, OWNER)
    return _owned(change)


def _owned(change: FileChange) -> FileChange:
    return FileChange(
        change.path, change.action, change.before, change.after, change.generated, OWNER
    )
