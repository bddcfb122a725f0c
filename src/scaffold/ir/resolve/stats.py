"""Statistics (DESIGN §9.3): each entry of `stats:` checked and resolved into a `Stat`, with the
index that serves it (scope columns, then the bucketed column or the group's).

A statistic needs a `period` or a `group` (or both). `on` names `created_at` (the default) or a
date/datetime field; an hour period needs a datetime. `group` names an enum, bool or ref field
(a ref to a one-column key). `sum`, `avg`, `min` and `max` name numeric fields. A secret field
is never grouped or aggregated: the answer would reveal what reads never return.
"""

from __future__ import annotations

from typing import Any

from scaffold.errors import Location
from scaffold.ir import naming
from scaffold.ir.model import Aggregate, Stat
from scaffold.ir.resolve.context import Context, Ent
from scaffold.ir.resolve.ownership import owner_scoped_list

MAX_STAT_NAME = 40
NUMERIC = ("int", "bigint", "float", "decimal")
TEMPORAL = ("date", "datetime")
GROUPABLE = ("enum", "bool", "ref")
AGGREGATES = ("sum", "avg", "min", "max")


def stats(ctx: Context, ent: Ent) -> tuple[tuple[Stat, ...], list[tuple[str, ...]]]:
    """The entity's statistics, and the columns of the index each one needs."""
    out: list[Stat] = []
    index_columns: list[tuple[str, ...]] = []
    scope = ("user_id",) if owner_scoped_list(ent) else ()
    for name in ent.spec.stats:
        stat = _stat(ctx, ent, name)
        if stat is None:
            continue
        out.append(stat)
        served = stat.on if stat.on is not None else stat.group_column
        if served is not None:
            index_columns.append((*scope, served))
    return tuple(out), index_columns


def _stat(ctx: Context, ent: Ent, name: str) -> Stat | None:
    loaded = ent.loaded
    spec = ent.spec.stats[name]
    if not naming.NAME_RE.match(name) or name in naming.PYTHON_KEYWORDS:
        ctx.err(
            loaded.key_at("stats", name),
            f"statistic name `{name}` is not a snake_case identifier",
            "write lower-case letters, digits and underscores, starting with a letter "
            "(`per_day`)",
        )
        return None
    if len(name) > MAX_STAT_NAME:
        ctx.err(
            loaded.key_at("stats", name),
            f"statistic name `{name}` is longer than {MAX_STAT_NAME} characters",
            "write a shorter name",
        )
        return None
    if spec.period is None and spec.group is None:
        ctx.err(
            loaded.key_at("stats", name),
            f"statistic `{name}` has neither a `period` nor a `group`",
            "add `period: day` (with `on: <date or datetime field>`) or `group: <enum, bool or "
            "ref field>`",
        )
        return None
    ok = True
    on = on_kind = None
    if spec.period is not None:
        got = _on(ctx, ent, name, spec.on or "created_at", spec.period)
        ok = got is not None
        if got is not None:
            on, on_kind = got
    elif spec.on is not None:
        ctx.err(
            loaded.at("stats", name, "on"),
            f"statistic `{name}` has `on` but no `period`",
            "add `period: day` (or hour, week, month, year), or remove `on`",
        )
        ok = False
    group = None
    if spec.group is not None:
        group = _group(ctx, ent, name, spec.group)
        ok = ok and group is not None
    aggregates: list[Aggregate] = []
    for fn in AGGREGATES:
        for i, field in enumerate(getattr(spec, fn)):
            agg = _aggregate(ctx, ent, name, fn, i, field)
            if agg is None:
                ok = False
            elif any(a.key == agg.key for a in aggregates):
                ctx.err(
                    loaded.at("stats", name, fn, i),
                    f"`{field}` is listed twice in `{fn}` of statistic `{name}`",
                    "remove the repeat",
                )
                ok = False
            else:
                aggregates.append(agg)
    if not ok:
        return None
    return Stat(
        name=name,
        class_name=naming.class_name(name),
        period=spec.period,
        on=on,
        on_kind=on_kind,
        aggregates=tuple(aggregates),
        **(group or {}),
    )


def _on(ctx: Context, ent: Ent, name: str, field: str, period: str) -> tuple[str, str] | None:
    loaded = ent.loaded
    where: Location = (
        loaded.at("stats", name, "on")
        if ent.spec.stats[name].on is not None
        else loaded.at("stats", name, "period")
    )
    if field == "created_at":
        if not ent.spec.timestamps:
            ctx.err(
                where,
                f"statistic `{name}` counts by `created_at`, but `{ent.name}` has "
                "`timestamps: false`",
                "write `on: <a date or datetime field>`",
            )
            return None
        return "created_at", "datetime"
    info = ent.fields.get(field)
    if info is None:
        ctx.err(where, f"`on: {field}` names no field of `{ent.name}`", _temporal_hint(ent))
        return None
    if info.spec.type not in TEMPORAL:
        ctx.err(
            where,
            f"`on: {field}` is a {info.spec.type} field; a period needs a date or datetime",
            _temporal_hint(ent),
        )
        return None
    if period == "hour" and info.spec.type == "date":
        ctx.err(
            loaded.at("stats", name, "period"),
            f"statistic `{name}` counts per hour, but `{field}` is a date (it has no hours)",
            "write `period: day` (or week, month, year), or count on a datetime field",
        )
        return None
    return info.columns[0].name, info.spec.type


def _temporal_hint(ent: Ent) -> str:
    names = ["created_at"] if ent.spec.timestamps else []
    names += [n for n, i in ent.fields.items() if i.spec.type in TEMPORAL]
    if not names:
        return f"`{ent.name}` has no date or datetime field"
    return "date and datetime fields of `" + ent.name + "`: " + ", ".join(f"`{n}`" for n in names)


def _group(ctx: Context, ent: Ent, name: str, field: str) -> dict[str, Any] | None:
    where = ent.loaded.at("stats", name, "group")
    info = ent.fields.get(field)
    groupable = [n for n, i in ent.fields.items() if i.spec.type in GROUPABLE]
    hint = (
        "enum, bool and ref fields of `" + ent.name + "`: " + ", ".join(f"`{n}`" for n in groupable)
        if groupable
        else f"`{ent.name}` has no enum, bool or ref field to group by"
    )
    if info is None:
        ctx.err(where, f"`group: {field}` names no field of `{ent.name}`", hint)
        return None
    kind = info.spec.type
    if kind not in GROUPABLE:
        ctx.err(
            where,
            f"`group: {field}` is a {kind} field; a statistic groups by an enum, bool or ref",
            hint,
        )
        return None
    if len(info.columns) != 1:
        ctx.err(
            where,
            f"`group: {field}` refers to an entity with a composite key; a group is one column",
            hint,
        )
        return None
    if info.spec.secret:
        ctx.err(
            where,
            f"`group: {field}` is secret, and its groups would reveal its values",
            hint,
        )
        return None
    col = info.columns[0]
    exchanged = info.ir.columns[0] if info.ir is not None else col.name
    return {
        "group": exchanged if kind == "ref" else field,
        "group_column": col.name,
        "group_kind": kind,
        "group_py_type": col.py_type,
        "group_values": tuple(info.spec.values or ()) if kind == "enum" else (),
        "group_nullable": col.nullable,
    }


def _aggregate(ctx: Context, ent: Ent, name: str, fn: str, i: int, field: str) -> Aggregate | None:
    where = ent.loaded.at("stats", name, fn, i)
    info = ent.fields.get(field)
    numeric = [n for n, f in ent.fields.items() if f.spec.type in NUMERIC]
    hint = (
        "numeric fields of `" + ent.name + "`: " + ", ".join(f"`{n}`" for n in numeric)
        if numeric
        else f"`{ent.name}` has no int, bigint, float or decimal field"
    )
    if info is None:
        ctx.err(where, f"`{fn}` of statistic `{name}`: `{field}` names no field", hint)
        return None
    if info.spec.type not in NUMERIC:
        ctx.err(
            where,
            f"`{fn}` of statistic `{name}`: `{field}` is a {info.spec.type} field, not a number",
            hint,
        )
        return None
    if info.spec.secret:
        ctx.err(
            where,
            f"`{fn}` of statistic `{name}`: `{field}` is secret, and its {fn} would reveal it",
            "aggregate a field that is not secret, or remove it",
        )
        return None
    col = info.columns[0]
    return Aggregate(
        fn=fn,
        field=field,
        column=col.name,
        kind=info.spec.type,
        key=f"{fn}_{field}",
        scale=col.scale if info.spec.type == "decimal" else None,
    )


__all__ = ["stats"]
