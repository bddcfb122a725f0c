"""The IR's tables as SQLAlchemy `MetaData`, declared the way a generated model declares them.

Used to check a migrated database against the specs (`alembic check` / `compare_metadata`)
without importing the generated models. Types and server defaults are Python source in the IR;
they are evaluated here with `sa` and `postgresql` in scope and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import conv

from scaffold.ir.model import Table

_SCOPE: dict[str, Any] = {"sa": sa, "postgresql": postgresql, "__builtins__": {}}


def sa_expr(source: str) -> Any:
    """Evaluate a SQLAlchemy expression written by the resolver (`sa.String(120)`)."""
    return eval(source, dict(_SCOPE))


def sa_type(source: str) -> sa.types.TypeEngine[Any]:
    value = sa_expr(source)
    if isinstance(value, type):
        value = value()
    if not isinstance(value, sa.types.TypeEngine):
        raise TypeError(f"not a SQLAlchemy type: {source}")
    return value


def tables_to_metadata(tables: Sequence[Table], metadata: sa.MetaData | None = None) -> sa.MetaData:
    """Declare `tables` on `metadata` (a new one by default) with their final names."""
    md = metadata if metadata is not None else sa.MetaData()
    for t in tables:
        items: list[Any] = []
        for c in t.columns:
            kw: dict[str, Any] = {"nullable": c.nullable}
            if c.server_default is not None:
                kw["server_default"] = sa_expr(c.server_default)
            items.append(sa.Column(c.name, sa_type(c.sa_type), **kw))
        items.append(sa.PrimaryKeyConstraint(*t.primary_key.columns, name=conv(t.primary_key.name)))
        for fk in t.foreign_keys:
            items.append(
                sa.ForeignKeyConstraint(
                    list(fk.columns),
                    [f"{fk.ref_table}.{c}" for c in fk.ref_columns],
                    name=conv(fk.name),
                    ondelete=fk.on_delete,
                )
            )
        for uq in t.uniques:
            items.append(sa.UniqueConstraint(*uq.columns, name=conv(uq.name)))
        for ck in t.checks:
            items.append(sa.CheckConstraint(ck.sqltext, name=conv(ck.name)))
        table = sa.Table(t.name, md, *items)
        for ix in t.indexes:
            where: dict[str, Any] = {}
            if ix.where:
                where = {
                    "postgresql_where": sa.text(ix.where),
                    "sqlite_where": sa.text(ix.where),
                }
            sa.Index(conv(ix.name), *[table.c[c] for c in ix.columns], unique=ix.unique, **where)
    return md
