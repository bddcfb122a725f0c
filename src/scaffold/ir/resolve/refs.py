"""Primary keys and refs: the key columns of each entity, the columns, foreign key and `Ref` of
each ref field, and the order tables are created in (targets before the tables that point at
them)."""

from __future__ import annotations

import difflib
import heapq

from scaffold.ir import naming
from scaffold.ir.columns import id_column, timestamp_column
from scaffold.ir.model import Column, Field, ForeignKey, Ref
from scaffold.ir.resolve.context import Context, Ent
from scaffold.spec.models import EntitySpec

ON_DELETE = {"cascade": "CASCADE", "restrict": "RESTRICT", "set_null": "SET NULL"}


def primary_key(ctx: Context, ent: Ent) -> None:
    spec = ent.spec
    loaded = ent.loaded
    if spec.primary_key is None:
        ent.pk = ["id"]
        return
    names = list(spec.primary_key)
    pk: list[str] = []
    for i, name in enumerate(names):
        where = loaded.at("primary_key", i)
        if name in pk:
            ctx.err(where, f"`{name}` is listed twice in `primary_key`", "remove the repeat")
            ent.ok = False
            continue
        if name == "id":
            pk.append(name)
        elif name == "created_at":
            if not spec.timestamps:
                ctx.err(
                    where,
                    "`created_at` is in `primary_key` but `timestamps` is false",
                    "remove `timestamps: false`",
                )
                ent.ok = False
            pk.append(name)
        elif name in ent.fields and ent.fields[name].spec.type == "many":
            ctx.err(
                where,
                f"`primary_key` names the many field `{name}`, which is a set of links, "
                "not a column",
                f"remove `{name}` from `primary_key`",
            )
            ent.ok = False
        elif name in ent.fields:
            f = ent.fields[name].spec
            if f.type in ("ref", "json", "password", "float") or not f.required or f.secret:
                ctx.err(
                    where,
                    f"field `{name}` cannot be part of the primary key "
                    "(it must be a required, non-secret scalar that is not json or float)",
                    f"remove `{name}` from `primary_key`",
                )
                ent.ok = False
            pk.append(name)
        elif name in spec.fields:
            ent.ok = False  # already reported
        else:
            ctx.err(
                where,
                f"`primary_key` names `{name}`, which is not a field of `{ent.name}`",
                _close(name, spec) or "list `id` and fields of this entity",
            )
            ent.ok = False
    if not names:
        ctx.err(
            loaded.at("primary_key"),
            f"`primary_key` of `{ent.name}` is empty",
            "remove it or list `id`",
        )
        ent.ok = False
    elif "id" not in pk:
        ctx.err(
            loaded.at("primary_key"),
            f"`primary_key` of `{ent.name}` must include `id` (the generated uuid every row "
            "has)",
            f"write [id, {', '.join(pk)}]" if pk else "write [id]",
        )
        ent.ok = False
    ent.pk = pk or ["id"]


def pk_columns(ent: Ent) -> list[Column]:
    """The target columns a ref to `ent` points at, in key order."""
    out = []
    for name in ent.pk:
        if name == "id":
            out.append(id_column())
        elif name == "created_at":
            out.append(timestamp_column("created_at"))
        else:
            info = ent.fields.get(name)
            if info is None or not info.columns:
                return []
            out.append(info.columns[0])
    return out


def find_target(
    ctx: Context, ent: Ent, fname: str, to: str, what: str, key: str = "to"
) -> Ent | None:
    """The entity the ref or many field `fname` points at; None (reported, unless the target's
    own spec failed) when there is none. `what`: "ref" or "many field", for the message;
    `key`: the key that names it, `to` or a many field's `via` (its link entity)."""
    target = ctx.ents.get(to)
    if target is not None:
        return target
    ent.ok = False
    if to in ctx.also_known or any(s.spec.entity == to for s in ctx.specs):
        return None  # the target's own problems were reported
    loaded = ent.loaded
    known = [*ctx.ents, *ctx.also_known, *(s.spec.entity for s in ctx.specs)]
    close = difflib.get_close_matches(to, sorted(set(known)), n=1)
    if key == "to":
        where = loaded.at("fields", fname, "to") if loaded.has("fields", fname, "to") else None
        points = f"points at `{to}`"
    else:
        where = loaded.key_at("fields", fname, key)
        points = f"links through `{to}` (its `{key}`)"
    ctx.err(
        where or loaded.at("fields", fname),
        f"{what} `{fname}` {points}, which is not an entity of these specs",
        (f"did you mean `{close[0]}`?" if close else "add specs/" + to + ".yaml"),
    )
    return None


def key_copy(
    name: str, key: Column, *, nullable: bool, field: str, renamed_from: str | None
) -> Column:
    """A column `name` that holds values of the key column `key` (a ref's or a link's)."""
    return Column(
        name=name,
        kind=key.kind,
        role="ref",
        sa_type=key.sa_type,
        py_type=key.py_type,
        nullable=nullable,
        length=key.length,
        precision=key.precision,
        scale=key.scale,
        enum_values=key.enum_values,
        field=field,
        renamed_from=renamed_from,
    )


def ref_fields(ctx: Context, ent: Ent) -> None:
    loaded = ent.loaded
    for fname, info in ent.fields.items():
        f = info.spec
        if f.type != "ref" or f.to is None:
            continue
        target = find_target(ctx, ent, fname, f.to, "ref")
        if target is None:
            continue
        target_cols = pk_columns(target)
        if not target_cols:
            ent.ok = False
            continue
        required = f.required
        on_delete = ON_DELETE[f.on_delete or "restrict"]
        if on_delete == "SET NULL" and required:
            ctx.err(
                loaded.at("fields", fname, "on_delete"),
                f"ref `{fname}` is required, so `on_delete: set_null` cannot clear it",
                "add `required: false`, or use `cascade` or `restrict`",
            )
            ent.ok = False
            continue
        if len(target_cols) == 1 and target.pk == ["id"]:
            names = [f"{fname}_id"]
        else:
            names = [f"{fname}_{c.name}" for c in target_cols]
        columns = []
        for cname, tcol in zip(names, target_cols, strict=True):
            if len(cname) > naming.MAX_IDENT:
                ctx.err(
                    loaded.key_at("fields", fname),
                    f"column `{cname}` of ref `{fname}` is longer than {naming.MAX_IDENT} "
                    "characters",
                    "write a shorter field name",
                )
                ent.ok = False
                break
            columns.append(
                key_copy(
                    cname,
                    tcol,
                    nullable=not required,
                    field=fname,
                    renamed_from=(
                        cname.replace(fname, f.renamed_from, 1) if f.renamed_from else None
                    ),
                )
            )
        else:
            fk = ForeignKey(
                name=naming.fk_name(ent.table, names, target.table),
                columns=tuple(names),
                ref_table=target.table,
                ref_columns=tuple(c.name for c in target_cols),
                on_delete=on_delete,
            )
            info.columns = columns
            info.fk = fk
            through = ent.spec.owner.kind == "through" and ent.spec.owner.through == fname
            info.ref = Ref(
                field=fname,
                target=target.name,
                target_class=target.class_name,
                target_table=target.table,
                target_module=target.plural,
                columns=tuple(names),
                target_columns=tuple(c.name for c in target_cols),
                py_types=tuple(c.py_type for c in target_cols),
                on_delete=on_delete,
                required=required,
                fk_name=fk.name,
                relationship=fname,
                owner_through=through,
            )
            info.ir = Field(
                name=fname,
                kind="ref",
                columns=tuple(names),
                py_type=target_cols[0].py_type,
                required=required,
                nullable=not required,
                unique=f.unique,
                index=f.index,
                description=f.description,
                secret=f.secret,
                immutable=f.immutable or through,
                in_create=True,
                in_update=not (f.immutable or through),
                in_read=not f.secret,
                ref=fname,
                renamed_from=f.renamed_from,
            )


def order_entities(ctx: Context) -> list[str]:
    deps: dict[str, set[str]] = {name: set() for name in ctx.ents}
    for ent in ctx.ents.values():
        for info in ent.fields.values():
            if info.ref is not None and info.ref.target != ent.name:
                deps[ent.name].add(info.ref.target)
    users: dict[str, set[str]] = {name: set() for name in ctx.ents}
    for name, targets in deps.items():
        for target in targets:
            users[target].add(name)
    waiting = {name: len(targets) for name, targets in deps.items()}
    ready = [name for name, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        name = heapq.heappop(ready)
        order.append(name)
        for user in sorted(users[name]):
            waiting[user] -= 1
            if waiting[user] == 0:
                heapq.heappush(ready, user)
    left = sorted(name for name in ctx.ents if name not in order)
    if left:
        ent = ctx.ents[left[0]]
        ref = next(
            i.name for i in ent.fields.values() if i.ref is not None and i.ref.target in left
        )
        ctx.err(
            ent.loaded.at("fields", ref),
            "refs go round in a circle between " + ", ".join(f"`{n}`" for n in left),
            "tables are created in dependency order; remove one of the refs",
        )
    return order


def _close(name: str, spec: EntitySpec) -> str | None:
    close = difflib.get_close_matches(name, ["id", "created_at", *spec.fields], n=1)
    return f"did you mean `{close[0]}`?" if close else None
