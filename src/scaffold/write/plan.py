"""Planning the write: what happens to every file, computed in memory before anything is written.

`plan_writes` reads the disk and `.scaffold/` and returns a `WritePlan`; `apply_plan` (in
`apply.py`) carries it out. `--dry-run`, `--json` and `check` use the plan and write nothing.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from scaffold.write.fsio import read_text, sha256_text
from scaffold.write.merge import END_MARKER, START_MARKER, has_conflict_markers, merge_text
from scaffold.write.state import (
    JOURNAL,
    MANIFEST,
    SNAPSHOT,
    ManifestEntry,
    WriteError,
    base_path,
    check_rel_path,
    dump_manifest,
    load_manifest,
)


class Action(StrEnum):
    """What regeneration does to one file (the `action` field of `--json`)."""

    CREATE = "create"  # missing, never generated (or --force): written
    UPDATE = "update"  # untouched since last generated: replaced by the new content
    MERGE = "merge"  # edited by the user: three-way merged cleanly, the edits kept
    CONFLICT = "conflict"  # edited, the merge conflicts: markers written (or still present)
    UNCHANGED = "unchanged"  # the file already holds what it should: not written
    DELETED_BY_USER = "deleted-by-user"  # generated before, deleted by the user: stays deleted
    REMOVE = "remove"  # no longer generated and untouched: deleted
    KEEP_EDITED = "keep-edited"  # no longer generated but edited: kept, no longer tracked
    FORCE_OVERWRITE = "force-overwrite"  # edited, replaced anyway because of --force
    REVIEW = "review"  # differs from the new content, no merge base known: left for the user


class Kind(StrEnum):
    FILE = "file"  # a generated project file (tracked in the manifest, merged)
    MIGRATION = "migration"  # a new Alembic revision: created once, never rewritten
    SNAPSHOT = "snapshot"  # .scaffold/snapshot.json: state, always replaced


@dataclass(frozen=True)
class FileChange:
    """One file of the plan: its text on disk now, after the write, and as generated."""

    path: str  # posix, relative to the project root
    action: Action
    before: str | None  # on disk when planned (None: missing)
    after: str | None  # on disk once applied (None: absent)
    generated: str | None  # the new merge base (None: not tracked after this run)
    owner: str | None = None  # the spec/template that made it
    kind: Kind = Kind.FILE

    @property
    def writes(self) -> bool:
        """True when applying the plan changes this file on disk."""
        return self.before != self.after


@dataclass(frozen=True)
class DiskOp:
    """One write of `apply_plan`: replace `path` with `after`, or delete it (`after` None)."""

    path: str
    before: str | None
    after: str | None


_VERBS: dict[Action, tuple[str, str]] = {
    Action.CREATE: ("create", ""),
    Action.UPDATE: ("update", ""),
    Action.MERGE: ("merge", "your edits kept"),
    Action.CONFLICT: (
        "conflict",
        f"resolve the `{START_MARKER}` ... `{END_MARKER}` blocks, then generate again",
    ),
    Action.FORCE_OVERWRITE: ("force", "your edits overwritten (--force)"),
    Action.DELETED_BY_USER: ("skip", "you deleted it; it stays deleted (--force restores it)"),
    Action.REMOVE: ("remove", ""),
    Action.KEEP_EDITED: ("keep", "edited by you and no longer generated; left in place"),
    Action.REVIEW: ("review", "no record of what was generated for it; compare it yourself"),
}


@dataclass(frozen=True)
class WritePlan:
    """Every change one `generate` (or `destroy`) makes, with every text already computed.

    `files` holds one entry per generated or previously generated file, sorted by path;
    `migration` and `snapshot` are the new revision and `.scaffold/snapshot.json`, if any.
    `ops` are the disk writes in the order `apply_plan` makes them: migration, snapshot,
    project files, merge bases, and the manifest last. An empty `ops` means a run writes nothing.
    """

    root: Path
    files: tuple[FileChange, ...]
    migration: FileChange | None = None
    snapshot: FileChange | None = None
    ops: tuple[DiskOp, ...] = field(default=())

    @property
    def has_conflicts(self) -> bool:
        return any(c.action is Action.CONFLICT for c in self.files)

    @property
    def conflicts(self) -> list[str]:
        return [c.path for c in self.files if c.action is Action.CONFLICT]

    def paths(self, action: Action) -> list[str]:
        """The paths of the files with `action`, sorted."""
        return [c.path for c in self.files if c.action is action]

    def changes(self) -> list[FileChange]:
        """The migration (first) and the project files that a run changes on disk."""
        head = [self.migration] if self.migration is not None else []
        return [c for c in head + list(self.files) if c.writes]

    def diff(self) -> str:
        """Unified diff of every file a run would change, the migration included (for
        `--dry-run`); "" when nothing would change. State under `.scaffold/` is left out."""
        return "".join(_unified(c) for c in self.changes())

    def to_json(self, extra: Mapping[str, object] | None = None) -> str:
        """The plan for machines (`--json`): sorted keys, stable across runs.

        `extra` adds top-level fields (the pipeline adds `migration` with its ops and data-loss
        flags); it may not replace the fields below.
        """
        counts = Counter(c.action.value for c in self.files)
        data: dict[str, object] = {
            "version": 1,
            "has_conflicts": self.has_conflicts,
            "conflicts": self.conflicts,
            "counts": dict(sorted(counts.items())),
            "files": [_file_json(c) for c in self.files],
            "migration_file": None if self.migration is None else _file_json(self.migration),
            "snapshot": None if self.snapshot is None else _file_json(self.snapshot),
            "writes": len(self.ops),
        }
        for key, value in (extra or {}).items():
            if key in data:
                raise ValueError(f"to_json: extra field {key!r} would replace a plan field")
            data[key] = value
        return json.dumps(data, indent=2, sort_keys=True)

    def summary_lines(self) -> list[str]:
        """The end report: one line per file that is not unchanged (Rails generator style:
        verb, path, why), then the totals. The migration is reported by the pipeline."""
        lines = []
        for change in self.files:
            if change.action is Action.UNCHANGED or (
                change.action is Action.REMOVE and change.before is None
            ):
                continue
            verb, why = _VERBS[change.action]
            lines.append(f"  {verb:<8} {change.path}" + (f"  ({why})" if why else ""))
        counts = Counter(c.action for c in self.files)
        parts = [
            f"{counts[action]} {label}"
            for action, label in (
                (Action.CREATE, "created"),
                (Action.UPDATE, "updated"),
                (Action.MERGE, "merged"),
                (Action.CONFLICT, "with conflicts"),
                (Action.FORCE_OVERWRITE, "overwritten"),
                (Action.REMOVE, "removed"),
                (Action.KEEP_EDITED, "kept"),
                (Action.DELETED_BY_USER, "left deleted"),
                (Action.REVIEW, "to review"),
                (Action.UNCHANGED, "unchanged"),
            )
            if counts[action]
        ]
        lines.append("files: " + (", ".join(parts) if parts else "none"))
        if self.has_conflicts:
            lines.append(
                f"{len(self.conflicts)} file(s) have conflicts: keep what you need between "
                f"`{START_MARKER}` and `{END_MARKER}`, delete the markers, run generate again"
            )
        return lines


def _file_json(change: FileChange) -> dict[str, object]:
    return {
        "path": change.path,
        "action": change.action.value,
        "kind": change.kind.value,
        "owner": change.owner,
        "writes": change.writes,
    }


def _unified(change: FileChange) -> str:
    old = _lines_for_diff(change.before)
    new = _lines_for_diff(change.after)
    fromfile = "/dev/null" if change.before is None else f"a/{change.path}"
    tofile = "/dev/null" if change.after is None else f"b/{change.path}"
    return "".join(difflib.unified_diff(old, new, fromfile, tofile))


def _lines_for_diff(text: str | None) -> list[str]:
    lines = (text or "").splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


# --- planning --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tracked:
    """What `.scaffold/` knows about one file: its manifest entry and merge base."""

    entry: ManifestEntry | None
    base: str | None  # .scaffold/base/<path>, None when missing

    def generated_equals(self, text: str) -> bool:
        """True when `text` is what scaffold last generated for the file."""
        if self.entry is None:
            return False
        if self.base is not None:
            return text == self.base
        return sha256_text(text) == self.entry.sha256

    def untouched(self, disk: str) -> bool:
        """True when `disk` is exactly what scaffold last generated (the user did not edit it)."""
        return self.generated_equals(disk)


def _tracked(
    root: Path,
    path: str,
    manifest: Mapping[str, ManifestEntry],
    bases: dict[str, str | None] | None = None,
) -> _Tracked:
    """`bases`: merge bases read so far in this plan (filled here; `_finish` reads them again)."""
    entry = manifest.get(path)
    base = read_text(root / base_path(path))
    if bases is not None:
        bases[path] = base
    return _Tracked(entry=entry, base=base)


def _plan_rendered(
    path: str, new: str, disk: str | None, tracked: _Tracked, *, force: bool, owner: str | None
) -> FileChange:
    """The decision table of DESIGN §5 for one file that is generated this run."""

    def change(action: Action, after: str | None) -> FileChange:
        return FileChange(path, action, disk, after, new, owner)

    if disk is None:
        if tracked.entry is not None and not force:
            return change(Action.DELETED_BY_USER, None)
        return change(Action.CREATE, new)
    if disk == new:
        return change(Action.UNCHANGED, disk)
    if tracked.untouched(disk):
        return change(Action.UPDATE, new)
    if force:
        return change(Action.FORCE_OVERWRITE, new)
    # Edited by the user, or on disk but never generated (an empty base: both sides "added"
    # the file, so the lines they share merge and only the differing ones conflict).
    merged = merge_text(tracked.base or "", disk, new)
    if not merged.clean or has_conflict_markers(merged.text):
        return change(Action.CONFLICT, merged.text)
    if merged.text == disk:
        return change(Action.UNCHANGED, disk)
    return change(Action.MERGE, merged.text)


def plan_file(
    path: str, new: str, disk: str | None, *, base: str | None, force: bool = False
) -> FileChange:
    """DESIGN §5's decision table for one file whose merge base the caller keeps itself (project
    upgrades keep theirs apart from the entity manifest). `base` None: never generated."""
    tracked = _Tracked(None if base is None else ManifestEntry(path, None, sha256_text(base)), base)
    return _plan_rendered(path, new, disk, tracked, force=force, owner=None)


def plan_dropped_file(path: str, disk: str | None, *, base: str) -> FileChange:
    """A file generated before (from `base`) and not any more: removed, or kept when edited."""
    return _plan_dropped(path, disk, _Tracked(ManifestEntry(path, None, sha256_text(base)), base))


def _plan_dropped(path: str, disk: str | None, tracked: _Tracked) -> FileChange:
    """A file generated before and not any more (its entity was removed or destroyed)."""
    owner = tracked.entry.owner if tracked.entry else None
    if disk is None or tracked.untouched(disk):
        return FileChange(path, Action.REMOVE, disk, None, None, owner)
    return FileChange(path, Action.KEEP_EDITED, disk, disk, None, owner)


def plan_writes(
    root: Path,
    rendered: Mapping[str, str],
    *,
    migration: tuple[str, str] | None = None,
    snapshot: str | None = None,
    force: bool = False,
    owners: Mapping[str, str] | None = None,
) -> WritePlan:
    """Plan the write of `rendered` (posix path → formatted text) into the project at `root`.

    Reads the disk and `.scaffold/`, writes nothing. `migration` is `(path, text)` of a new
    revision (created, never rewritten: an existing file with other text is a WriteError);
    `snapshot` the new `.scaffold/snapshot.json` text; `force` overwrites edited files and
    restores files the user deleted; `owners` maps a path to the spec/template that made it,
    recorded in the manifest (a path without one keeps its previous owner).
    Files in the manifest that are not in `rendered` are removed, or kept when edited.
    """
    manifest = load_manifest(root)
    owners = owners or {}
    files: list[FileChange] = []
    bases: dict[str, str | None] = {}
    for path in sorted(rendered):
        check_rel_path(path)
        tracked = _tracked(root, path, manifest, bases)
        owner = owners.get(path) or (tracked.entry.owner if tracked.entry else None)
        disk = read_text(root / path)
        files.append(_plan_rendered(path, rendered[path], disk, tracked, force=force, owner=owner))
    for path in sorted(set(manifest) - set(rendered)):
        files.append(
            _plan_dropped(path, read_text(root / path), _tracked(root, path, manifest, bases))
        )
    files.sort(key=lambda c: c.path)
    mig = _plan_migration(root, migration) if migration is not None else None
    snap = _plan_snapshot(root, snapshot) if snapshot is not None else None
    return _finish(root, files, manifest, migration=mig, snapshot=snap, bases=bases)


def plan_destroy(root: Path, paths: Iterable[str]) -> WritePlan:
    """Plan removing the generated files `paths` (an entity's files): each untouched one is
    deleted, each edited one kept and listed (and no longer tracked). Paths scaffold never
    generated are ignored; every other generated file is left as it is."""
    manifest = load_manifest(root)
    files = [
        _plan_dropped(path, read_text(root / path), _tracked(root, path, manifest))
        for path in sorted(set(paths))
        if path in manifest
    ]
    return _finish(root, files, manifest)


def _plan_migration(root: Path, migration: tuple[str, str]) -> FileChange:
    path, text = migration
    check_rel_path(path)
    disk = read_text(root / path)
    if disk is None:
        return FileChange(path, Action.CREATE, None, text, None, kind=Kind.MIGRATION)
    if disk == text:  # written by an earlier, interrupted run
        return FileChange(path, Action.UNCHANGED, disk, disk, None, kind=Kind.MIGRATION)
    raise WriteError(f"{path} already exists with other content; migrations are never rewritten")


def _plan_snapshot(root: Path, text: str) -> FileChange:
    disk = read_text(root / SNAPSHOT)
    action = Action.CREATE if disk is None else Action.UPDATE if disk != text else Action.UNCHANGED
    return FileChange(SNAPSHOT, action, disk, text, None, kind=Kind.SNAPSHOT)


def _finish(
    root: Path,
    files: list[FileChange],
    manifest: Mapping[str, ManifestEntry],
    *,
    migration: FileChange | None = None,
    snapshot: FileChange | None = None,
    bases: Mapping[str, str | None] | None = None,
) -> WritePlan:
    """Add the state writes (merge bases, manifest) and order every write: the manifest last."""
    entries = dict(manifest)
    ops: list[DiskOp] = []
    for extra in (migration, snapshot):
        if extra is not None and extra.writes:
            ops.append(DiskOp(extra.path, extra.before, extra.after))
    ops += [DiskOp(c.path, c.before, c.after) for c in files if c.writes]
    for change in files:
        if change.generated is None:
            entries.pop(change.path, None)
        else:
            entries[change.path] = ManifestEntry(
                change.path, change.owner, sha256_text(change.generated)
            )
        base = base_path(change.path)
        current = bases[change.path] if bases and change.path in bases else read_text(root / base)
        if current != change.generated:
            ops.append(DiskOp(base, current, change.generated))
    manifest_before = read_text(root / MANIFEST)
    manifest_after = dump_manifest(entries) if entries or manifest_before is not None else None
    if manifest_after != manifest_before:
        ops.append(DiskOp(MANIFEST, manifest_before, manifest_after))
    return WritePlan(root, tuple(files), migration, snapshot, tuple(ops))


def check_tree(root: Path, rendered: Mapping[str, str], *, migration_pending: bool) -> list[str]:
    """What `scaffold check` reports as out of date; an empty list means exit 0.

    Stale: a generated file whose spec changed since it was generated (new content ≠ base,
    whether or not the user edited it), a generated file missing that the user did not delete,
    a file on disk that scaffold would now have to adopt or conflicts with, conflict markers
    left in a generated file, a file whose spec is gone, a pending migration, an interrupted
    write. A file the user edited is NOT stale, and neither is one the user deleted.
    """
    manifest = load_manifest(root)
    stale: list[str] = []
    if read_text(root / JOURNAL) is not None:
        stale.append(f"{JOURNAL}: an interrupted generate left writes unfinished")
    for path in sorted(rendered):
        new = rendered[path]
        tracked = _tracked(root, path, manifest)
        disk = read_text(root / path)
        if disk is not None and has_conflict_markers(disk):
            stale.append(f"{path}: unresolved conflict markers")
        elif tracked.entry is None:
            if disk is None:
                stale.append(f"{path}: not generated yet")
            elif disk != new:
                stale.append(f"{path}: exists but was not generated by scaffold (would conflict)")
            else:
                stale.append(f"{path}: not recorded in {MANIFEST}")
        elif disk is not None and disk != new and not tracked.generated_equals(new):
            stale.append(f"{path}: out of date (its spec or template changed)")
    for path in sorted(set(manifest) - set(rendered)):
        stale.append(f"{path}: generated for a spec that no longer exists")
    if migration_pending:
        stale.append("migration pending: the specs changed since the last migration")
    return stale
