"""Indexes: those of fields, owners, foreign keys and the keyset order, those written in
`indexes` (with their partial-index `where`), those statistics need, less those a key already
covers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scaffold.ir import naming
from scaffold.ir.columns import Bad, where_literal
from scaffold.ir.model import Column, Index, OrderKey, PrimaryKey, UniqueConstraint
from scaffold.ir.resolve.context import Context, Ent, about, fields_hint
from scaffold.ir.resolve.keys import columns_of
from scaffold.ir.resolve.ownership import owner_scoped_list


def indexes(
    ctx: Context,
    ent: Ent,
    pk: PrimaryKey,
    uniques: tuple[UniqueConstraint, ...],
    order: tuple[OrderKey, ...] | None,
    stat_columns: Sequence[tuple[str, ...]] = (),
) -> tuple[Index, ...] | None:
    spec = ent.spec
    loaded = ent.loaded
    table = ent.table
    candidates: list[Index] = []
    for info in ent.fields.values():
        if info.spec.index and info.columns:
            cols = tuple(c.name for c in info.columns)
            candidates.append(Index(naming.ix_name(table, cols), cols, purpose="field"))
    if ent.owner is not None and ent.owner.kind == "user":
        candidates.append(Index(naming.ix_name(table, ["user_id"]), ("user_id",), purpose="owner"))
    for info in ent.fields.values():
        if info.fk is not None:
            cols = info.fk.columns
            candidates.append(Index(naming.ix_name(table, cols), cols, purpose="fk"))
    ok = True
    for i, written in enumerate(spec.indexes):
        cols_list: list[str] = []
        if not written.fields:
            ctx.err(
                loaded.at("indexes", i),
                f"index {i + 1} of `{ent.name}` lists no fields",
                "list at least one field, or remove it",
            )
            ok = False
            continue
        bad = False
        for j, name in enumerate(written.fields):
            where = loaded.at("indexes", i, "fields", j)
            got = columns_of(ctx, ent, name, where, "the index")
            if got is None:
                bad = True
                break
            if any(c in cols_list for c in got):
                ctx.err(where, f"`{name}` is listed twice in the index", "remove the repeat")
                bad = True
                break
            cols_list += got
        condition = None
        if not bad and written.where:
            condition = where_sql(ctx, ent, i, written.where)
            bad = condition is None
        if bad:
            ok = False
            continue
        cols = tuple(cols_list)
        suffix = ""
        if condition is not None and written.where:
            suffix = "_where_" + "_".join(written.where)
        candidates.append(
            Index(
                naming.ix_name(table, cols, suffix),
                cols,
                unique=written.unique,
                where=condition,
                purpose="spec",
            )
        )
    if not ok or order is None:
        return None
    scope = ("user_id",) if owner_scoped_list(ent) else ()
    keyset_cols = scope + tuple(k.column for k in order)
    candidates.append(Index(naming.ix_name(table, keyset_cols), keyset_cols, purpose="keyset"))
    if ent.spec.visibility == "per_row":
        # `user_id = me OR visibility = 'public'`: the owner's branch needs its own index
        own = ("user_id", *keyset_cols)
        candidates.append(Index(naming.ix_name(table, own), own, purpose="keyset"))
    for cols in stat_columns:  # scope columns, then what a statistic buckets or groups by
        candidates.append(Index(naming.ix_name(table, cols), cols, purpose="stats"))
    covered = {pk.columns} | {u.columns for u in uniques}
    out: list[Index] = []
    seen: dict[tuple[tuple[str, ...], bool, str | None], Index] = {}
    names: set[str] = set()
    for idx in candidates:
        key = (idx.columns, idx.unique, idx.where)
        if key in seen:
            continue
        if idx.where is None and idx.columns in covered:
            continue
        if idx.name in names:
            ctx.err(
                loaded.at("indexes"),
                f"two indexes of `{ent.name}` would be named `{idx.name}`",
                "remove one of them, or make them differ",
            )
            return None
        seen[key] = idx
        names.add(idx.name)
        out.append(idx)
    return tuple(out)


def where_sql(ctx: Context, ent: Ent, i: int, where: dict[str, Any]) -> str | None:
    parts = []
    loaded = ent.loaded
    for name, value in where.items():
        at = loaded.at("indexes", i, "where", name)
        info = ent.fields.get(name)
        col: Column | None = None
        if info is not None and info.spec.type not in ("ref", "json", "password"):
            col = info.columns[0] if info.columns else None
        elif name in ("deleted_at", "visibility"):
            col = ent.columns.get(name)
        if col is None:
            ctx.err(
                loaded.key_at("indexes", i, "where", name),
                f"`where` can test a scalar field, `deleted_at` or `visibility`; "
                f"`{name}` is none of them",
                fields_hint(ent),
            )
            return None
        if value is None:
            parts.append(f"{col.name} IS NULL")
            continue
        try:
            literal = where_literal(col, value)
        except Bad as bad:
            ctx.err(at, about(f"`where` value of `{name}`", bad.message), bad.hint)
            return None
        parts.append(f"{col.name} = {literal}")
    return " AND ".join(parts)
