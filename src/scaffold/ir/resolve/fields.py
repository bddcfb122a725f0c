"""Scalar fields: the options each type takes, and the column, checks and `Field` of each
scalar field (length, enum values, decimal precision, bounds, default)."""

from __future__ import annotations

import re

from scaffold.errors import Location
from scaffold.ir import naming
from scaffold.ir.columns import (
    DEFAULT_DECIMAL,
    DEFAULT_LENGTH,
    ENUM_LENGTH,
    ENUM_VALUE_RE,
    LENGTH_KINDS,
    MAX_VARCHAR,
    NUMBER_KINDS,
    PASSWORD_INPUT,
    PATTERN_KINDS,
    PY_TYPES,
    SA_SIMPLE,
    Bad,
    as_decimal,
    coerce_number,
    column_default,
    num_sql,
    sql_str,
)
from scaffold.ir.model import CheckConstraint, Column, Field, JsonValue
from scaffold.ir.resolve.context import Context, Ent, FieldInfo, about
from scaffold.ir.resolve.names import check_name
from scaffold.spec.models import FIELD_KEYS, FieldSpec
from scaffold.spec.shorthand import MANY_KEYS

OPTION_KINDS: dict[str, tuple[tuple[str, ...], str]] = {
    "min_length": (LENGTH_KINDS, "text types (string, text, email, url, password)"),
    "max_length": (LENGTH_KINDS, "text types (string, text, email, url, password)"),
    "min": (NUMBER_KINDS, "numbers (int, bigint, float, decimal)"),
    "max": (NUMBER_KINDS, "numbers (int, bigint, float, decimal)"),
    "pattern": (PATTERN_KINDS, "string, text, email and url"),
    "values": (("enum",), "`type: enum`"),
    "to": (("ref",), "`type: ref`"),
    "on_delete": (("ref",), "`type: ref`"),
    "via": (("many",), "`type: many` (the entity whose rows are the links)"),
    "precision": (("decimal",), "`type: decimal`"),
    "scale": (("decimal",), "`type: decimal`"),
}


class _LocatedBad(Exception):
    def __init__(self, where: Location, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.where = where
        self.message = message
        self.hint = hint


def scalar_fields(ctx: Context, ent: Ent) -> None:
    loaded = ent.loaded
    for fname, fspec in ent.spec.fields.items():
        where = loaded.key_at("fields", fname)
        sql = fspec.type not in ("ref", "many")  # neither is a column of this name
        if not check_name(ctx, fname, "field", where, sql=sql, field_name=True):
            ent.ok = False
            continue
        if not field_options(ctx, ent, fname, fspec):
            ent.ok = False
            continue
        info = FieldInfo(name=fname, spec=fspec)
        ent.fields[fname] = info
        if fspec.type in ("ref", "many"):
            continue
        try:
            scalar_column(ctx, ent, info)
        except Bad as bad:
            ctx.err(loaded.at("fields", fname), about(f"field `{fname}`", bad.message), bad.hint)
            ent.ok = False


def field_options(ctx: Context, ent: Ent, fname: str, f: FieldSpec) -> bool:
    loaded = ent.loaded
    if f.type == "many":
        return many_options(ctx, ent, fname, f)
    ok = True
    given = f.model_fields_set
    for option, (kinds, what) in OPTION_KINDS.items():
        if option in given and getattr(f, option) is not None and f.type not in kinds:
            ctx.err(
                loaded.key_at("fields", fname, option),
                f"`{option}` of `{fname}` does not apply to a `{f.type}` field; it is for "
                f"{what}",
                _option_advice(option, f) or f"remove `{option}`",
            )
            ok = False
    if f.renamed_from is not None and not check_name(
        ctx,
        f.renamed_from,
        f"`renamed_from` of `{fname}`",
        loaded.at("fields", fname, "renamed_from"),
    ):
        ok = False
    if f.type == "enum" and not f.values:
        ctx.err(
            loaded.at("fields", fname),
            f"enum field `{fname}` needs `values`",
            "write {type: enum, values: [open, resolved]}",
        )
        ok = False
    if f.type == "ref" and not f.to:
        ctx.err(
            loaded.at("fields", fname),
            f"ref field `{fname}` needs `to: <entity>`",
            f"write {{type: ref, to: {fname}}}",
        )
        ok = False
    if f.type in ("json", "password") and (f.unique or f.index):
        ctx.err(
            loaded.at("fields", fname),
            f"`{fname}` is a `{f.type}` field, which cannot be unique or indexed",
            "remove `unique` and `index`",
        )
        ok = False
    if f.type in ("ref", "password") and f.has_default:
        ctx.err(
            loaded.key_at("fields", fname, "default"),
            f"default of `{fname}`: a `{f.type}` field cannot have a default",
            "remove `default`",
        )
        ok = False
    if f.pattern is not None:
        try:
            re.compile(f.pattern)
        except re.error as exc:
            ctx.err(
                loaded.at("fields", fname, "pattern"),
                f"`pattern` of `{fname}` is not a valid regular expression: {exc}",
                "write a Python regular expression, e.g. '^[a-z0-9-]+$'",
            )
            ok = False
    return ok


def many_options(ctx: Context, ent: Ent, fname: str, f: FieldSpec) -> bool:
    """A many field takes `to` (required), `renamed_from` and `description`, nothing else: it
    is no column, so no column option applies to it."""
    loaded = ent.loaded
    ok = True
    single = naming.singular(fname)
    kept = f"the rows of `{f.via}`" if f.via else f"the link table `{ent.table}_{fname}`"
    for option in FIELD_KEYS:
        if option in MANY_KEYS or option not in f.model_fields_set:
            continue
        ctx.err(
            loaded.key_at("fields", fname, option),
            f"`{option}` does not apply to the many field `{fname}`: it is a set of links kept "
            f"in {kept}, not a column",
            (
                _via_advice(option, f.via)
                if f.via
                else _many_advice(
                    option, loaded.has("fields", fname, option), f.to or single, single
                )
            ),
        )
        ok = False
    if f.via and f.renamed_from is not None:
        ctx.err(
            loaded.key_at("fields", fname, "renamed_from"),
            f"`renamed_from` does not apply to the many field `{fname}`, whose links are the "
            f"rows of `{f.via}`: renaming the field renames no table or column",
            f"remove `renamed_from`; to rename the link table, rename the entity `{f.via}` "
            "(`renamed_from:` in its own spec)",
        )
        ok = False
    if not f.to:
        ctx.err(
            loaded.at("fields", fname),
            f"many field `{fname}` needs `to: <entity>`",
            f"write {{type: many, to: {single}}}",
        )
        ok = False
    if (
        not f.via
        and f.renamed_from is not None
        and not check_name(
            ctx,
            f.renamed_from,
            f"`renamed_from` of `{fname}`",
            loaded.at("fields", fname, "renamed_from"),
        )
    ):
        ok = False
    return ok


def _many_advice(option: str, written: bool, target: str, single: str) -> str:
    if option == "required":
        if not written:  # the `?` of the short form
            return f"write `many({target})` without `?`"
        return "remove `required`: a row may have no links, its set is then empty"
    if option == "default":
        return f"remove `default`: a new row starts with the links sent as `{single}_ids`"
    if option == "unique":
        return "remove `unique`: each link is stored once, the link table's primary key sees to it"
    if option == "index":
        return "remove `index`: the link table is indexed both ways already"
    if option == "on_delete":
        return "remove `on_delete`: a link is deleted with either of its rows, ON DELETE CASCADE"
    if option in ("min", "max", "min_length", "max_length"):
        return (
            f"remove `{option}`: the most links one request may set is the `list.max_limit` "
            f"of `{target}`"
        )
    return (
        f"remove `{option}`: a many field takes only `to`, `via`, `renamed_from` and "
        "`description`"
    )


def _via_advice(option: str, via: str) -> str:
    """What to write instead of a column option on a many field whose links are rows of `via`:
    the option belongs on `via`'s own fields, if anywhere."""
    if option == "required":
        return "remove `required`: a row may have no links, its set is then empty"
    if option == "unique":
        return f"remove `unique`; to store each link once, write `unique: [[...]]` in `{via}`"
    if option == "on_delete":
        return f"remove `on_delete`; the `on_delete` of the refs of `{via}` decide"
    return (
        f"remove `{option}`: a many field with `via` takes only `to`, `via` and `description`; "
        f"the links' own fields are the fields of `{via}`"
    )


def scalar_column(ctx: Context, ent: Ent, info: FieldInfo) -> None:
    f = info.spec
    kind = f.type
    loaded = ent.loaded
    fname = info.name
    table = ent.table
    checks: list[CheckConstraint] = []
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    min_length = f.min_length
    max_length = f.max_length
    vmin: int | float | str | None = None
    vmax: int | float | str | None = None

    def bad_at(option: str, message: str, hint: str | None = None) -> None:
        raise _LocatedBad(loaded.at("fields", fname, option), message, hint)

    try:
        if min_length is not None and min_length < 0:
            bad_at("min_length", f"`min_length` of `{fname}` cannot be negative", "write 0 or more")
        if max_length is not None and max_length < 1:
            bad_at(
                "max_length",
                f"`max_length` of `{fname}` must be at least 1",
                "write a length such as `120`",
            )
        if max_length is not None and max_length > MAX_VARCHAR and kind != "text":
            bad_at(
                "max_length",
                f"`max_length` of `{fname}` is above {MAX_VARCHAR}",
                "use `type: text` for longer text",
            )
        if min_length is not None and max_length is not None and min_length > max_length:
            bad_at(
                "min_length",
                f"`min_length` ({min_length}) of `{fname}` is above its `max_length` "
                f"({max_length})",
                "lower `min_length` or raise `max_length`",
            )
        if kind == "password":
            min_length = PASSWORD_INPUT[0] if min_length is None else min_length
            max_length = PASSWORD_INPUT[1] if max_length is None else max_length
            if min_length > max_length:
                bad_at(
                    "min_length",
                    f"`min_length` ({min_length}) of `{fname}` is above its `max_length` "
                    f"({max_length})",
                    "lower `min_length` or raise `max_length`",
                )
            length = DEFAULT_LENGTH["password"]
            sa_type = f"sa.String({length})"
        elif kind in ("string", "email", "url"):
            length = max_length if max_length is not None else DEFAULT_LENGTH[kind]
            max_length = length
            sa_type = f"sa.String({length})"
            checks.append(
                CheckConstraint(
                    naming.ck_name(table, fname, "max_length"),
                    f"length({fname}) <= {length}",
                    fname,
                )
            )
        elif kind == "enum":
            values = list(f.values or [])
            enum_values(ent, fname, values)
            length = ENUM_LENGTH
            sa_type = f"sa.String({ENUM_LENGTH})"
            checks.append(
                CheckConstraint(
                    naming.ck_name(table, fname, "enum"),
                    f"{fname} IN ({', '.join(sql_str(v) for v in values)})",
                    fname,
                )
            )
        elif kind == "decimal":
            precision = f.precision if f.precision is not None else DEFAULT_DECIMAL[0]
            if f.precision is None and f.scale is None:
                scale = DEFAULT_DECIMAL[1]
            else:
                scale = f.scale if f.scale is not None else 0
            if not 1 <= precision <= 1000:
                bad_at(
                    "precision",
                    f"`precision` of `{fname}` must be between 1 and 1000",
                    "write e.g. `precision: 10`",
                )
            if not 0 <= scale <= precision:
                bad_at(
                    "scale",
                    f"`scale` of `{fname}` must be between 0 and the precision ({precision})",
                    f"write e.g. `scale: {min(2, precision)}`",
                )
            sa_type = f"sa.Numeric({precision}, {scale})"
        else:
            sa_type = SA_SIMPLE[kind]
        if kind in ("text", "string", "email", "url") and min_length:
            checks.append(
                CheckConstraint(
                    naming.ck_name(table, fname, "min_length"),
                    f"length({fname}) >= {min_length}",
                    fname,
                )
            )
        if kind == "text" and max_length is not None:
            checks.append(
                CheckConstraint(
                    naming.ck_name(table, fname, "max_length"),
                    f"length({fname}) <= {max_length}",
                    fname,
                )
            )
        if kind in NUMBER_KINDS:
            vmin = number(ent, fname, "min", f.min, kind, precision, scale)
            vmax = number(ent, fname, "max", f.max, kind, precision, scale)
            if vmin is not None and vmax is not None and as_decimal(vmin) > as_decimal(vmax):
                bad_at(
                    "min",
                    f"`min` ({vmin}) of `{fname}` is above its `max` ({vmax})",
                    "swap them, or write a `min` below the `max`",
                )
            if vmin is not None:
                checks.append(
                    CheckConstraint(
                        naming.ck_name(table, fname, "min"),
                        f"{fname} >= {num_sql(vmin)}",
                        fname,
                    )
                )
            if vmax is not None:
                checks.append(
                    CheckConstraint(
                        naming.ck_name(table, fname, "max"),
                        f"{fname} <= {num_sql(vmax)}",
                        fname,
                    )
                )
        has_default = f.has_default
        default: JsonValue = None
        server_default: str | None = None
        if has_default:
            try:
                default, server_default = column_default(
                    f, kind, min_length, max_length, vmin, vmax, precision, scale
                )
            except Bad as bad:
                raise _LocatedBad(
                    loaded.at("fields", fname, "default"),
                    about(f"default of `{fname}`", bad.message),
                    bad.hint,
                ) from None
    except _LocatedBad as bad:
        ctx.err(bad.where, bad.message, bad.hint)
        ent.ok = False
        return
    nullable = not f.required
    column = Column(
        name=fname,
        kind=kind,
        role="field",
        sa_type=sa_type,
        py_type=PY_TYPES[kind],
        nullable=nullable,
        has_default=has_default,
        default=default,
        server_default=server_default,
        length=length,
        precision=precision,
        scale=scale,
        enum_values=tuple(f.values or ()) if kind == "enum" else (),
        field=fname,
        renamed_from=f.renamed_from,
    )
    info.columns = [column]
    info.checks = checks
    secret = f.secret or kind == "password"
    info.ir = Field(
        name=fname,
        kind=kind,
        columns=(fname,),
        py_type=PY_TYPES[kind],
        required=not nullable and not has_default,
        nullable=nullable,
        has_default=has_default,
        default=default,
        unique=f.unique,
        index=f.index,
        min=vmin,
        max=vmax,
        min_length=min_length if kind in LENGTH_KINDS else None,
        max_length=max_length if kind in LENGTH_KINDS else None,
        pattern=f.pattern,
        enum_values=column.enum_values,
        precision=precision,
        scale=scale,
        description=f.description,
        secret=secret,
        immutable=f.immutable,
        in_create=True,
        in_update=not f.immutable,
        in_read=not secret,
        renamed_from=f.renamed_from,
    )


def enum_values(ent: Ent, fname: str, values: list[str]) -> None:
    seen: set[str] = set()
    for i, value in enumerate(values):
        if not ENUM_VALUE_RE.match(value) or len(value) > ENUM_LENGTH:
            raise _LocatedBad(
                ent.loaded.at("fields", fname, "values", i),
                f"enum value `{value}` of `{fname}` must be a word of letters, digits, "
                f"`_`, `-` or `.` that starts with a letter or digit "
                f"(at most {ENUM_LENGTH} characters)",
                "write e.g. `in_progress`",
            )
        if value in seen:
            raise _LocatedBad(
                ent.loaded.at("fields", fname, "values", i),
                f"enum value `{value}` of `{fname}` is listed twice",
                "remove the repeated value",
            )
        seen.add(value)


def number(
    ent: Ent,
    fname: str,
    option: str,
    value: int | float | str | None,
    kind: str,
    precision: int | None,
    scale: int | None,
) -> int | float | str | None:
    if value is None:
        return None
    where = ent.loaded.at("fields", fname, option)
    try:
        return coerce_number(value, kind, precision, scale)
    except Bad as bad:
        raise _LocatedBad(where, about(f"`{option}` of `{fname}`", bad.message), bad.hint) from None


def _option_advice(option: str, f: FieldSpec) -> str | None:
    kind = f.type
    if option == "via":
        target = f"to: {f.to}" if f.to else "to: <entity>"
        return f"write {{type: many, {target}, via: {f.via}}}, or remove `via`"
    if option in ("min", "max") and kind in LENGTH_KINDS:
        return f"write `{option}_length`"
    if option in ("min_length", "max_length") and kind in NUMBER_KINDS:
        return f"write `{option.split('_')[0]}`"
    if option == "values":
        return "write `type: enum`"
    if option in ("to", "on_delete"):
        return "write `type: ref`"
    return None
