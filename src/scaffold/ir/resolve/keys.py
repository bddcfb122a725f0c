"""Keys of the rows: the unique sets, the names written in `unique` and `indexes`, and the
listing — the keyset order (which must end with a unique key), the filters, the limits."""

from __future__ import annotations

import difflib

from scaffold.errors import Location
from scaffold.ir import naming
from scaffold.ir.model import Column, Filter, Index, OrderKey, PrimaryKey, UniqueConstraint
from scaffold.ir.resolve.context import Context, Ent, fields_hint
from scaffold.ir.resolve.ownership import owner_scoped_list

DEFAULT_LIMIT, MAX_LIMIT, LIMIT_CEILING = 20, 100, 1000


def columns_of(
    ctx: Context, ent: Ent, name: str, where: Location, what: str, *, allow_json: bool = False
) -> list[str] | None:
    """The column(s) a name written in `unique`/`indexes` stands for."""
    info = ent.fields.get(name)
    if info is not None and info.spec.type == "many":
        ctx.err(
            where,
            f"{what} cannot use the many field `{name}`: its links are kept in the link table "
            f"`{ent.table}_{name}`, which has its own key and indexes",
            f"remove `{name}`",
        )
        return None
    if info is not None:
        if info.spec.type in ("json", "password") and not allow_json:
            ctx.err(
                where,
                f"{what} cannot use the `{info.spec.type}` field `{name}`",
                f"remove `{name}`",
            )
            return None
        return [c.name for c in info.columns]
    col = ent.columns.get(name)
    if col is not None and col.role in (
        "pk",
        "ref",
        "owner",
        "visibility",
        "created_at",
        "updated_at",
        "deleted_at",
    ):
        return [name]
    choices = list(ent.fields) + [c for c in ent.columns if c not in ent.fields]
    close = difflib.get_close_matches(name, choices, n=1)
    ctx.err(
        where,
        f"{what} names `{name}`, which is not a field of `{ent.name}`",
        f"did you mean `{close[0]}`?" if close else fields_hint(ent),
    )
    return None


def uniques(ctx: Context, ent: Ent, pk: PrimaryKey) -> tuple[UniqueConstraint, ...]:
    out: list[UniqueConstraint] = []
    seen: set[tuple[str, ...]] = {pk.columns}
    for info in ent.fields.values():
        if info.spec.unique and info.columns:
            cols = tuple(c.name for c in info.columns)
            if cols not in seen:
                seen.add(cols)
                out.append(UniqueConstraint(naming.uq_name(ent.table, cols), cols))
    for i, names in enumerate(ent.spec.unique):
        cols_list: list[str] = []
        if not names:
            ctx.err(
                ent.loaded.at("unique", i),
                f"unique set {i + 1} of `{ent.name}` is empty",
                "list at least one field, or remove it",
            )
            continue
        for j, name in enumerate(names):
            got = columns_of(ctx, ent, name, ent.loaded.at("unique", i, j), "`unique`")
            if got is None:
                cols_list = []
                break
            if any(c in cols_list for c in got):
                ctx.err(
                    ent.loaded.at("unique", i, j),
                    f"`{name}` is listed twice in a `unique` set",
                    "remove the repeat",
                )
                cols_list = []
                break
            cols_list += got
        cols = tuple(cols_list)
        if cols and cols not in seen:
            seen.add(cols)
            out.append(UniqueConstraint(naming.uq_name(ent.table, cols), cols))
    return tuple(out)


def listing(ctx: Context, ent: Ent, uniques: tuple[UniqueConstraint, ...], pk: PrimaryKey) -> tuple[
    tuple[OrderKey, ...] | None,
    tuple[tuple[str, ...], tuple[Filter, ...], int, int] | None,
]:
    spec = ent.spec
    loaded = ent.loaded
    lst = spec.listing
    ok = True
    # order keys
    written = lst.order
    if written is None:
        keys = ["-created_at"] if spec.timestamps else []
        keys += [f"-{c}" for c in ent.pk if f"-{c}" not in keys]
    else:
        keys = list(written)
    order: list[OrderKey] = []
    used: set[str] = set()
    for i, key in enumerate(keys):
        where = loaded.at("list", "order", i) if written is not None else loaded.at("entity")
        name = key.strip()
        descending = name.startswith("-")
        name = name.lstrip("+-").strip()
        col = order_column(ctx, ent, name, where)
        if col is None:
            ok = False
            continue
        if col.name in used:
            ctx.err(where, f"`{name}` is in the keyset order twice", "remove the repeat")
            ok = False
            continue
        used.add(col.name)
        order.append(OrderKey(col.name, descending, col.py_type, col.kind))
    if ok and not order:
        ctx.err(
            loaded.at("list", "order"),
            f"the keyset order of `{ent.name}` is empty",
            "write [-id]",
        )
        ok = False
    if ok:
        last = order[-1].column
        unique_sets = [set(pk.columns)] + [set(u.columns) for u in uniques]
        if not ({last} in [set(s) for s in unique_sets] or set(pk.columns) <= used):
            where = loaded.at("list", "order") if written is not None else loaded.at("entity")
            pk_keys = ", ".join(f"-{c}" for c in pk.columns if c not in used)
            ctx.err(
                where,
                f"the keyset order must end with a unique key, but `{last}` is not unique, "
                "so rows with equal values could be skipped or repeated between pages",
                f"append {pk_keys}" if pk_keys else "append -id",
            )
            ok = False
    # filters
    filters: list[Filter] = []
    seen: set[str] = set()
    for i, name in enumerate(lst.filters):
        where = loaded.at("list", "filters", i)
        info = ent.fields.get(name)
        if info is not None and info.spec.type == "many":
            # a link filter (`?tag_id=`): the relations pass sets `Many.filter`, no column Filter
            if name in seen:
                ctx.err(where, f"filter `{name}` is listed twice", "remove the repeat")
                ok = False
            seen.add(name)
            continue
        got = filter_for(ctx, ent, name, where)
        if got is None:
            ok = False
            continue
        for flt in got:
            if flt.name in seen:
                ctx.err(where, f"filter `{name}` is listed twice", "remove the repeat")
                ok = False
                break
            seen.add(flt.name)
            filters.append(flt)
    # limits
    default_limit = lst.default_limit if lst.default_limit is not None else DEFAULT_LIMIT
    max_limit = lst.max_limit if lst.max_limit is not None else max(MAX_LIMIT, default_limit)
    if not 1 <= max_limit <= LIMIT_CEILING:
        ctx.err(
            loaded.at("list", "max_limit"),
            f"`max_limit` must be between 1 and {LIMIT_CEILING}",
            f"write e.g. `max_limit: {MAX_LIMIT}`",
        )
        ok = False
    elif not 1 <= default_limit <= max_limit:
        ctx.err(
            loaded.at("list", "default_limit"),
            f"`default_limit` must be between 1 and `max_limit` ({max_limit})",
            f"write e.g. `default_limit: {min(DEFAULT_LIMIT, max_limit)}`",
        )
        ok = False
    if not ok:
        return None, None
    scope = ("user_id",) if owner_scoped_list(ent) else ()
    keyset_columns = scope + tuple(k.column for k in order)
    return tuple(order), (keyset_columns, tuple(filters), default_limit, max_limit)


def order_column(ctx: Context, ent: Ent, name: str, where: Location) -> Column | None:
    info = ent.fields.get(name)
    col: Column | None = None
    if info is not None and info.spec.type == "many":
        ctx.err(
            where,
            f"the keyset order cannot use the many field `{name}` (a set of links, not a "
            "column)",
            "order by a column of this entity, e.g. -created_at",
        )
        return None
    if info is not None:
        if len(info.columns) != 1:
            ctx.err(
                where,
                f"the keyset order cannot use the composite ref `{name}`",
                "order by its columns: " + ", ".join(c.name for c in info.columns),
            )
            return None
        col = info.columns[0]
        if info.spec.type in ("json", "password") or info.spec.secret:
            ctx.err(
                where,
                f"the keyset order cannot use the {info.spec.type} field `{name}`",
                "order by another key, e.g. -created_at",
            )
            return None
    else:
        candidate = ent.columns.get(name)
        if candidate is not None and candidate.role in (
            "pk",
            "ref",
            "field",
            "created_at",
            "updated_at",
        ):
            if candidate.role == "field" or candidate.role == "ref":
                owner = ent.fields.get(candidate.field or "")
                if owner is not None and (
                    owner.spec.type in ("json", "password") or owner.spec.secret
                ):
                    ctx.err(
                        where,
                        f"the keyset order cannot use `{name}` (a json, password or secret "
                        "field)",
                        "order by another key, e.g. -created_at",
                    )
                    return None
            col = candidate
    if col is None:
        choices = ["id", "created_at", "updated_at", *ent.fields]
        close = difflib.get_close_matches(name, choices, n=1)
        ctx.err(
            where,
            f"the keyset order names `{name}`, which is not a field of `{ent.name}`",
            f"did you mean `{close[0]}`?" if close else fields_hint(ent),
        )
        return None
    if col.nullable:
        ctx.err(
            where,
            f"the keyset order cannot use `{name}`, which can be null",
            "make it required, or order by another key",
        )
        return None
    return col


def filter_for(ctx: Context, ent: Ent, name: str, where: Location) -> list[Filter] | None:
    info = ent.fields.get(name)
    if info is None:
        for candidate in ent.fields.values():
            if candidate.ref is not None and name in candidate.ref.columns:
                info = candidate
                break
    if info is not None:
        if info.spec.type in ("json", "password") or info.spec.secret:
            ctx.err(
                where,
                f"`{name}` cannot be a list filter ({info.spec.type} or secret)",
                f"remove `{name}` from `list.filters`",
            )
            return None
        return [Filter(c.name, c.name, c.py_type, c.kind, c.enum_values) for c in info.columns]
    if name == "visibility" and ent.spec.visibility == "per_row":
        return [Filter("visibility", "visibility", "str", "enum", ("private", "public"))]
    choices = [*ent.fields, *[c for i in ent.fields.values() if i.ref for c in i.ref.columns]]
    close = difflib.get_close_matches(name, choices, n=1)
    ctx.err(
        where,
        f"filter `{name}` is not a field of `{ent.name}`",
        f"did you mean `{close[0]}`?" if close else fields_hint(ent),
    )
    return None


def keyset_name(
    ent: Ent,
    pk: PrimaryKey,
    uniques: tuple[UniqueConstraint, ...],
    indexes: tuple[Index, ...],
    columns: tuple[str, ...],
) -> str:
    if columns == pk.columns:
        return pk.name
    for uq in uniques:
        if uq.columns == columns:
            return uq.name
    for idx in indexes:
        if idx.columns == columns and idx.where is None:
            return idx.name
    return ""  # pragma: no cover - the keyset candidate is always kept or covered
