"""Names: the entities collected from the specs (plural, table, class), whether a name can be used
as an entity, field, table or column, and the constraint and index names across tables."""

from __future__ import annotations

import re

from scaffold.errors import Diagnostic, Location
from scaffold.ir import naming
from scaffold.ir.model import Table
from scaffold.ir.resolve.audit import AUDIT_ENTITY, AUDIT_TABLE
from scaffold.ir.resolve.context import Context, Ent


def check_name(
    ctx: Context,
    name: str,
    what: str,
    where: Location,
    *,
    python: bool = True,
    sql: bool = False,
    field_name: bool = False,
    advice: str | None = None,
) -> bool:
    """Report why `name` cannot be used as `what`; True when it can."""
    before = len(ctx.diags)
    ok = _check_name(ctx, name, what, where, python=python, sql=sql, field_name=field_name)
    if not ok and advice is not None and len(ctx.diags) > before:
        last = ctx.diags[-1]
        ctx.diags[-1] = Diagnostic(last.location, last.message, advice)
    return ok


def _check_name(
    ctx: Context,
    name: str,
    what: str,
    where: Location,
    *,
    python: bool,
    sql: bool,
    field_name: bool,
) -> bool:
    if not naming.NAME_RE.match(name):
        fixed = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")
        fixed = fixed if fixed and fixed[0].isalpha() else ""
        hint = (
            f"write `{fixed}`"
            if fixed and naming.NAME_RE.match(fixed)
            else "write lower-case words joined by `_`, e.g. `due_date`"
        )
        ctx.err(
            where,
            f"{what} `{name}` is not a snake_case name (lower-case letters, digits and "
            "underscores, starting with a letter)",
            hint,
        )
        return False
    if len(name) > naming.MAX_IDENT:
        ctx.err(
            where,
            f"{what} `{name}` is longer than {naming.MAX_IDENT} characters",
            "write a shorter name",
        )
        return False
    if "__" in name or name.endswith("_"):
        ctx.err(
            where,
            f"{what} `{name}` has a double or trailing underscore",
            f"write `{re.sub('_+', '_', name).strip('_')}`",
        )
        return False
    if python and name in naming.PYTHON_KEYWORDS:
        ctx.err(
            where,
            f"{what} `{name}` is a Python keyword, so generated code could not use it",
            f"write `{name}_value` or a more specific word",
        )
        return False
    if sql and name in naming.SQL_RESERVED:
        advice = naming.SQL_ADVICE.get(name, f"write a more specific word, e.g. `{name}_name`")
        ctx.err(where, f"{what} `{name}` is an SQL reserved word", advice)
        return False
    if sql and name in naming.SQL_SYSTEM_NAMES:
        ctx.err(
            where,
            f"{what} `{name}` is a name the database uses for its own columns",
            f"write `{name}_value` or a more specific word",
        )
        return False
    if field_name:
        if name in naming.SYSTEM_COLUMNS:
            ctx.err(
                where,
                f"field `{name}` is a column scaffold adds itself "
                f"({', '.join(naming.SYSTEM_COLUMNS)})",
                _system_advice(name),
            )
            return False
        if name in naming.BUILTIN_SHADOWS:
            ctx.err(
                where,
                f"field `{name}` would shadow the Python builtin `{name}` in generated code",
                f"write a more specific word, e.g. `{name}_value`",
            )
            return False
        if name in naming.FRAMEWORK_NAMES or name.startswith("model_"):
            ctx.err(
                where,
                f"field `{name}` clashes with a name of SQLAlchemy, pydantic or the "
                "generated functions",
                f"write a more specific word, e.g. `{name}_info`",
            )
            return False
    return True


def collect_entities(ctx: Context) -> None:
    plurals: dict[str, str] = {}
    tables: dict[str, str] = {}
    for loaded in ctx.specs:
        spec = loaded.spec
        ok = check_name(ctx, spec.entity, "entity name", loaded.at("entity"))
        if ok and naming.clashes_with_import(spec.entity):
            ctx.err(
                loaded.at("entity"),
                f"entity `{spec.entity}` would be the class "
                f"`{naming.class_name(spec.entity)}`, which generated modules already import",
                f"write a more specific name, e.g. `{spec.entity}_item`",
            )
            ok = False
        if ok and spec.entity == AUDIT_ENTITY:
            ctx.err(
                loaded.at("entity"),
                f"entity name `{AUDIT_ENTITY}` is reserved: the audit log's events are its rows "
                "(`audit: true` on an entity turns them on)",
                f"write a more specific name, e.g. `{AUDIT_ENTITY}_record`",
            )
            ok = False
        if not ok:
            continue
        if spec.entity in ctx.ents:
            other = ctx.ents[spec.entity].loaded
            ctx.err(
                loaded.at("entity"),
                f"entity `{spec.entity}` is also defined in {other.path}",
                "every entity has exactly one spec file",
            )
            continue
        plural = spec.plural or naming.plural(spec.entity)
        where = loaded.at("plural") if spec.plural else loaded.at("entity")
        advice = None if spec.plural else f"set `plural:` for entity `{spec.entity}`"
        if not check_name(ctx, plural, "plural", where, advice=advice):
            continue
        if plural in naming.RESERVED_MODULES:
            ctx.err(
                where,
                f"plural `{plural}` of entity `{spec.entity}` would clash with a generated " "file",
                f"set `plural:` for entity `{spec.entity}` to another word",
            )
            continue
        if plural in naming.RESERVED_ROUTES:
            ctx.err(
                where,
                f"plural `{plural}` of entity `{spec.entity}` would route to `/{plural}`, which "
                "the app already serves",
                f"set `plural:` for entity `{spec.entity}` to another word",
            )
            continue
        table = spec.table or plural
        where_t = loaded.at("table") if spec.table else where
        advice = None if spec.table else f"set `table:` for entity `{spec.entity}`"
        if not check_name(ctx, table, "table name", where_t, python=False, sql=True, advice=advice):
            continue
        if table in ("alembic_version", AUDIT_TABLE) or table.startswith(("pg_", "sqlite_")):
            ctx.err(
                where_t,
                f"table name `{table}` of entity `{spec.entity}` is reserved by the database, "
                "Alembic or the audit log",
                f"set `table:` for entity `{spec.entity}` to another name",
            )
            continue
        if plural in plurals:
            ctx.err(
                where,
                f"plural `{plural}` is also the plural of entity `{plurals[plural]}`",
                "set `plural:` on one of them",
            )
            continue
        if table in tables:
            ctx.err(
                where_t,
                f"table `{table}` is also the table of entity `{tables[table]}`",
                "set `table:` on one of them",
            )
            continue
        if spec.renamed_from is not None:
            check_name(
                ctx,
                spec.renamed_from,
                f"`renamed_from` of entity `{spec.entity}`",
                loaded.at("renamed_from"),
            )
        plurals[plural] = spec.entity
        tables[table] = spec.entity
        ctx.ents[spec.entity] = Ent(
            loaded=loaded,
            name=spec.entity,
            plural=plural,
            table=table,
            class_name=naming.class_name(spec.entity),
        )
    classes: dict[str, str] = {}
    for ent in ctx.ents.values():
        if ent.class_name in classes:
            ctx.err(
                ent.loaded.at("entity"),
                f"entity `{ent.name}` and entity `{classes[ent.class_name]}` would both be "
                f"the class `{ent.class_name}`",
                "rename one of them",
            )
        classes[ent.class_name] = ent.name
    # the generated test factories name a function after each entity: `make_<name>`,
    # `<name>_values`, `<name>_payload` (entities `make` and `payload` would share one)
    helpers: dict[str, str] = {}
    for ent in ctx.ents.values():
        names = (f"make_{ent.name}", f"{ent.name}_values", f"{ent.name}_payload")
        taken = next((n for n in names if n in helpers), None)
        if taken is not None:
            ctx.err(
                ent.loaded.at("entity"),
                f"entity `{ent.name}` and entity `{helpers[taken]}` would both name the "
                f"generated test helper `{taken}`",
                "write a more specific name for one of them",
            )
            continue
        helpers.update(dict.fromkeys(names, ent.name))


def check_global_names(ctx: Context, tables: list[Table]) -> None:
    """No two tables (entity or link tables) share a constraint or index name."""
    owners: dict[str, str] = {}
    for t in tables:
        names = [t.primary_key.name]
        names += [fk.name for fk in t.foreign_keys]
        names += [u.name for u in t.uniques]
        names += [c.name for c in t.checks]
        names += [i.name for i in t.indexes]
        for name in names:
            if name in owners and owners[name] != t.name:
                ctx.err(
                    Location(t.spec_path, 1, 1),
                    f"constraint or index name `{name}` is used by tables `{owners[name]}` "
                    f"and `{t.name}`",
                    "rename one of the tables",
                )
            owners.setdefault(name, t.name)


def _system_advice(name: str) -> str:
    return {
        "id": "every row already has `id`",
        "user_id": "the owner column comes from `owner: user`; a ref to a user is "
        "`author: {type: ref, to: user}`",
        "created_at": "`timestamps: true` (the default) adds it",
        "updated_at": "`timestamps: true` (the default) adds it",
        "deleted_at": "write `soft_delete: true`",
        "version": "write `versioned: true`",
        "visibility": "write `visibility: per_row` on the entity",
    }.get(name, "choose another name")
