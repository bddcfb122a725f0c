"""migrate stage: snapshot diff → typed ops → a reversible Alembic revision.

`compare(old, new)` lists the operations between two snapshots of the IR's tables;
`plan_migration(...)` turns them into the next revision file (or None when nothing changed) and
refuses changes that could lose data unless told otherwise. See docs/migrations.md.
"""

from typing import Any

from scaffold.migrate.compare import Diff, compare, diff
from scaffold.migrate.ops import (
    AddCheck,
    AddColumn,
    AddForeignKey,
    AddUnique,
    AlterColumn,
    CreateIndex,
    CreateTable,
    DropCheck,
    DropColumn,
    DropForeignKey,
    DropIndex,
    DropTable,
    DropUnique,
    Op,
    RenameColumn,
    RenamePrimaryKey,
    RenameTable,
)
from scaffold.migrate.plan import MigrationPlan, plan_migration

__all__ = [
    "AddCheck",
    "AddColumn",
    "AddForeignKey",
    "AddUnique",
    "AlterColumn",
    "CreateIndex",
    "CreateTable",
    "Diff",
    "DropCheck",
    "DropColumn",
    "DropForeignKey",
    "DropIndex",
    "DropTable",
    "DropUnique",
    "MigrationPlan",
    "Op",
    "RenameColumn",
    "RenamePrimaryKey",
    "RenameTable",
    "compare",
    "diff",
    "plan_migration",
    "tables_to_metadata",
]


def __getattr__(name: str) -> Any:
    # `tables_to_metadata` needs SQLAlchemy (~0.2 s to import); planning a revision does not.
    if name == "tables_to_metadata":
        from scaffold.migrate.metadata import tables_to_metadata

        return tables_to_metadata
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
