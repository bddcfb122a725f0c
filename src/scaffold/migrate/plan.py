"""From the last snapshot and the current IR to the next revision file (or to nothing)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scaffold.errors import DataLossRefused, ScaffoldError
from scaffold.ir.model import Table, dump_tables, load_tables, plain
from scaffold.migrate.compare import diff
from scaffold.migrate.ops import (
    AddColumn,
    AlterColumn,
    CreateTable,
    DropColumn,
    DropTable,
    Op,
    RenameColumn,
    RenameTable,
)
from scaffold.migrate.render import Revision, render_revision

VERSIONS_DIR = "migrations/versions"
_REVISION_FILE = re.compile(r"^(\d{4,})_[A-Za-z0-9_]*\.py$")
_SLUG_MAX = 48


@dataclass(frozen=True)
class MigrationPlan:
    """The next revision: where it goes, what it says, and the snapshot to store with it."""

    path: str  # migrations/versions/NNNN_<slug>.py
    revision: str  # "NNNN"
    down_revision: str | None
    content: str
    ops: list[Op]
    risks: list[str]  # what the revision may lose (empty unless allow_data_loss)
    snapshot: str  # the new .scaffold/snapshot.json
    summary: list[str]  # one line per operation, for the report


def plan_migration(
    snapshot_text: str | None,
    tables: tuple[Table, ...],
    *,
    existing_revisions: Sequence[str],
    specs: Sequence[str] = (),
    allow_data_loss: bool = False,
) -> MigrationPlan | None:
    """The revision that brings the last snapshot to `tables`; None when nothing changed.

    `existing_revisions` are the file names in `migrations/versions/`; scaffold's revisions are
    `NNNN_<slug>.py` with revision id `NNNN`, so the next number and its `down_revision` follow
    from the names alone. Raises `DataLossRefused` when the change could lose data and
    `allow_data_loss` is false.
    """
    data = [plain(t) for t in tables]
    snapshot = dump_tables(tables, data, previous=snapshot_text)
    if snapshot_text == snapshot:
        return None
    reuse = list(zip(data, tables, strict=True))
    old = _load_snapshot(snapshot_text, reuse) if snapshot_text else ()
    found = diff(old, tables)
    if not found.ops:
        return None
    if found.risks and not allow_data_loss:
        raise DataLossRefused(found.risks)
    numbers = sorted(
        (int(m.group(1)), m.group(1))
        for name in existing_revisions
        if (m := _REVISION_FILE.match(name))
    )
    down = numbers[-1][1] if numbers else None
    revision = f"{(numbers[-1][0] if numbers else 0) + 1:04d}"
    slug, title = _describe(found.ops)
    upgrade = found.ops
    downgrade = [op.reverse() for op in reversed(upgrade)]
    content = render_revision(
        Revision(
            revision=revision,
            down_revision=down,
            title=title,
            specs=_specs(found.ops, old, tables, specs),
        ),
        upgrade,
        downgrade,
    )
    return MigrationPlan(
        path=f"{VERSIONS_DIR}/{revision}_{slug}.py",
        revision=revision,
        down_revision=down,
        content=content,
        ops=list(upgrade),
        risks=list(found.risks),
        snapshot=snapshot,
        summary=[str(op) for op in upgrade],
    )


def _load_snapshot(text: str, reuse: list[tuple[dict[str, Any], Table]]) -> tuple[Table, ...]:
    try:
        return load_tables(text, reuse)
    except (ValueError, KeyError, TypeError) as exc:
        raise ScaffoldError(
            f".scaffold/snapshot.json is not a snapshot scaffold wrote ({exc}); restore it from "
            "version control — it is the schema your last migration produced"
        ) from None


def _describe(ops: Sequence[Op]) -> tuple[str, str]:
    """A one-line title and a file-name slug, from the ops a reader cares about first.

    Tables and columns come first; a table whose only changes are constraints and indexes is
    summed up as "alter <table>".
    """
    groups: dict[str, list[str]] = {}
    mentioned: set[str] = set()
    for op in ops:
        if isinstance(op, CreateTable):
            phrase, obj = "create table", op.table
        elif isinstance(op, DropTable):
            phrase, obj = "drop table", op.table
        elif isinstance(op, RenameTable):
            phrase, obj = "rename table", f"{op.table} to {op.new_name}"
            mentioned.add(op.new_name)
        elif isinstance(op, AddColumn):
            phrase, obj = "add column", f"{op.table}.{op.column.name}"
        elif isinstance(op, DropColumn):
            phrase, obj = "drop column", f"{op.table}.{op.column.name}"
        elif isinstance(op, RenameColumn):
            phrase, obj = "rename column", f"{op.table}.{op.column.name} to {op.new_name}"
        elif isinstance(op, AlterColumn):
            phrase, obj = "alter column", f"{op.table}.{op.new.name}"
        else:
            continue
        mentioned.add(op.table)
        objs = groups.setdefault(phrase, [])
        if obj not in objs:
            objs.append(obj)
    for op in ops:
        if op.table not in mentioned:
            mentioned.add(op.table)
            groups.setdefault("alter", []).append(op.table)
    title = "; ".join(f"{phrase} {', '.join(objs)}" for phrase, objs in groups.items())
    # a verb goes in together with its first object, so the slug never ends on a bare verb
    words = [
        f"{phrase.split()[0]}_{obj}" if i == 0 else obj
        for phrase, objs in groups.items()
        for i, obj in enumerate(objs)
    ]
    slug = words[0]
    for word in words[1:]:
        if len(slug) + 1 + len(word) > _SLUG_MAX:
            break
        slug = f"{slug}_{word}"
    slug = re.sub(r"[^a-z0-9]+", "_", slug.lower()).strip("_")
    return slug, title[0].upper() + title[1:] + "."


def _specs(
    ops: Sequence[Op], old: Sequence[Table], new: Sequence[Table], specs: Sequence[str]
) -> tuple[str, ...]:
    """The spec files behind the touched tables (all `specs` when the IR does not say)."""
    by_name = {t.name: t for t in old} | {t.name: t for t in new}
    found = set()
    for op in ops:
        if isinstance(op, CreateTable | DropTable):
            found.add(op.definition.spec_path)
        elif op.table in by_name:
            found.add(by_name[op.table].spec_path)
    found.discard("")
    return tuple(sorted(found or set(specs)))
