"""Typed migration operations: what `compare` finds and the renderer writes.

Each op is a frozen dataclass holding everything its own rendering *and its reverse* need (a
dropped column keeps its full definition, an altered column keeps both states), so
`downgrade()` is nothing but `[op.reverse() for op in reversed(upgrade)]`.

Ops that change an existing table are `batch` ops: the renderer groups consecutive batch ops on
the same table into one `with op.batch_alter_table(...)` block, which runs natively on
PostgreSQL and as a copy-and-move on SQLite.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from scaffold.ir.model import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Table,
    UniqueConstraint,
)


@dataclass(frozen=True)
class Op:
    """Base of every operation. `table` is the table's name at the moment the op runs."""

    table: str

    #: rendered inside `op.batch_alter_table(table)` (an alter of an existing table)
    batch = False

    def reverse(self) -> Op:
        raise NotImplementedError

    @property
    def slug(self) -> str:
        """A few words for the revision's file name."""
        return f"alter_{self.table}"


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


# -- tables ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateTable(Op):
    definition: Table

    def reverse(self) -> Op:
        return DropTable(self.table, self.definition)

    @property
    def slug(self) -> str:
        return f"create_{self.table}"

    def __str__(self) -> str:
        t = self.definition
        parts = [_count(len(t.columns), "column"), _count(len(t.indexes), "index", "indexes")]
        if t.foreign_keys:
            parts.append(_count(len(t.foreign_keys), "foreign key"))
        return f"create table {t.name} ({', '.join(parts)})"


@dataclass(frozen=True)
class DropTable(Op):
    definition: Table

    def reverse(self) -> Op:
        return CreateTable(self.table, self.definition)

    @property
    def slug(self) -> str:
        return f"drop_{self.table}"

    def __str__(self) -> str:
        return f"drop table {self.table}"


@dataclass(frozen=True)
class RenameTable(Op):
    new_name: str

    def reverse(self) -> Op:
        return RenameTable(self.new_name, self.table)

    @property
    def slug(self) -> str:
        return f"rename_{self.table}_to_{self.new_name}"

    def __str__(self) -> str:
        return f"rename table {self.table} to {self.new_name}"


@dataclass(frozen=True)
class RenamePrimaryKey(Op):
    """PostgreSQL only: keep `pk_<table>` in step with a renamed table.

    Constraint and index names are schema-wide on PostgreSQL, so a stale `pk_<old>` would clash
    with a later table that takes the old name. SQLite names are per table; nothing to do there.
    """

    old_name: str
    new_name: str

    def reverse(self) -> Op:
        return RenamePrimaryKey(self.table, self.new_name, self.old_name)

    def __str__(self) -> str:
        return f"rename primary key {self.old_name} to {self.new_name} (PostgreSQL)"


# -- columns ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddColumn(Op):
    column: Column
    batch = True

    def reverse(self) -> Op:
        return DropColumn(self.table, self.column)

    @property
    def slug(self) -> str:
        return f"add_{self.table}_{self.column.name}"

    def __str__(self) -> str:
        null = "NULL" if self.column.nullable else "NOT NULL"
        backfill = " (existing rows get the default)" if self.column.server_default else ""
        return f"add column {self.table}.{self.column.name} {null}{backfill}"


@dataclass(frozen=True)
class DropColumn(Op):
    column: Column
    batch = True

    def reverse(self) -> Op:
        col = self.column
        if not col.nullable and col.server_default is None:
            # The values are gone: a downgrade can bring the column back, not its contents, and a
            # NOT NULL column without a default cannot be added to a table that has rows.
            col = dataclasses.replace(col, nullable=True)
        return AddColumn(self.table, col)

    @property
    def slug(self) -> str:
        return f"drop_{self.table}_{self.column.name}"

    def __str__(self) -> str:
        return f"drop column {self.table}.{self.column.name}"


@dataclass(frozen=True)
class RenameColumn(Op):
    column: Column  # the definition (under its old name)
    new_name: str
    batch = True

    def reverse(self) -> Op:
        return RenameColumn(
            self.table, dataclasses.replace(self.column, name=self.new_name), self.column.name
        )

    @property
    def slug(self) -> str:
        return f"rename_{self.table}_{self.column.name}"

    def __str__(self) -> str:
        return f"rename column {self.table}.{self.column.name} to {self.new_name}"


@dataclass(frozen=True)
class AlterColumn(Op):
    """Type, nullability or server default of one column (same name before and after)."""

    old: Column
    new: Column
    batch = True

    def reverse(self) -> Op:
        return AlterColumn(self.table, self.new, self.old)

    @property
    def slug(self) -> str:
        return f"alter_{self.table}_{self.new.name}"

    @property
    def type_changed(self) -> bool:
        return self.old.sa_type != self.new.sa_type

    @property
    def nullable_changed(self) -> bool:
        return self.old.nullable != self.new.nullable

    @property
    def default_changed(self) -> bool:
        return self.old.server_default != self.new.server_default

    @property
    def backfills(self) -> bool:
        """Turning NOT NULL with a default: rows holding NULL get the default first."""
        return self.old.nullable and not self.new.nullable and self.new.server_default is not None

    def __str__(self) -> str:
        what = []
        if self.type_changed:
            what.append(f"type {self.old.sa_type} -> {self.new.sa_type}")
        if self.nullable_changed:
            what.append("NOT NULL" if not self.new.nullable else "nullable")
        if self.default_changed:
            what.append(f"default {self.old.server_default} -> {self.new.server_default}")
        return f"alter column {self.table}.{self.new.name}: " + ", ".join(what)


# -- constraints and indexes -----------------------------------------------------------------


@dataclass(frozen=True)
class CreateIndex(Op):
    index: Index
    batch = True

    def reverse(self) -> Op:
        return DropIndex(self.table, self.index)

    def __str__(self) -> str:
        return f"create index {self.index.name} on {self.table}"


@dataclass(frozen=True)
class DropIndex(Op):
    index: Index
    batch = True

    def reverse(self) -> Op:
        return CreateIndex(self.table, self.index)

    def __str__(self) -> str:
        return f"drop index {self.index.name} on {self.table}"


@dataclass(frozen=True)
class AddUnique(Op):
    constraint: UniqueConstraint
    batch = True

    def reverse(self) -> Op:
        return DropUnique(self.table, self.constraint)

    def __str__(self) -> str:
        return f"add unique {self.constraint.name} on {self.table}"


@dataclass(frozen=True)
class DropUnique(Op):
    constraint: UniqueConstraint
    batch = True

    def reverse(self) -> Op:
        return AddUnique(self.table, self.constraint)

    def __str__(self) -> str:
        return f"drop unique {self.constraint.name} on {self.table}"


@dataclass(frozen=True)
class AddCheck(Op):
    constraint: CheckConstraint
    batch = True

    def reverse(self) -> Op:
        return DropCheck(self.table, self.constraint)

    def __str__(self) -> str:
        return f"add check {self.constraint.name} on {self.table}"


@dataclass(frozen=True)
class DropCheck(Op):
    constraint: CheckConstraint
    batch = True

    def reverse(self) -> Op:
        return AddCheck(self.table, self.constraint)

    def __str__(self) -> str:
        return f"drop check {self.constraint.name} on {self.table}"


@dataclass(frozen=True)
class AddForeignKey(Op):
    constraint: ForeignKey
    batch = True

    def reverse(self) -> Op:
        return DropForeignKey(self.table, self.constraint)

    def __str__(self) -> str:
        return (
            f"add foreign key {self.constraint.name} "
            f"{self.table} -> {self.constraint.ref_table}"
        )


@dataclass(frozen=True)
class DropForeignKey(Op):
    constraint: ForeignKey
    batch = True

    def reverse(self) -> Op:
        return AddForeignKey(self.table, self.constraint)

    def __str__(self) -> str:
        return f"drop foreign key {self.constraint.name} on {self.table}"


__all__ = [
    "AddCheck",
    "AddColumn",
    "AddForeignKey",
    "AddUnique",
    "AlterColumn",
    "CreateIndex",
    "CreateTable",
    "DropCheck",
    "DropColumn",
    "DropForeignKey",
    "DropIndex",
    "DropTable",
    "DropUnique",
    "Op",
    "RenameColumn",
    "RenamePrimaryKey",
    "RenameTable",
]
