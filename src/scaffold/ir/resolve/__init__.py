"""Resolve stage: validated specs → one frozen `Schema`, with every name computed.

The resolver checks everything that needs more than one key or more than one file — names,
refs, ownership chains, defaults against their type, the keyset order — and points each problem
at the key that causes it. All problems are collected and raised together as `SpecErrors`.
The decisions it encodes are written down in docs/spec-language.md.
"""

from __future__ import annotations

import dataclasses
import difflib
import heapq
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scaffold.errors import Diagnostic, Location, SpecErrors
from scaffold.ir import naming, values
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
    id_column,
    num_sql,
    sa_text,
    sql_str,
    timestamp_column,
    where_literal,
)
from scaffold.ir.model import (
    CheckConstraint,
    Column,
    Entity,
    Field,
    Filter,
    ForeignKey,
    Index,
    JsonValue,
    Listing,
    OrderKey,
    OwnerHop,
    Ownership,
    PrimaryKey,
    Ref,
    Schema,
    Table,
    UniqueConstraint,
)
from scaffold.spec.load import LoadedSpec
from scaffold.spec.models import EntitySpec, FieldSpec

OPTION_KINDS: dict[str, tuple[tuple[str, ...], str]] = {
    "min_length": (LENGTH_KINDS, "text types (string, text, email, url, password)"),
    "max_length": (LENGTH_KINDS, "text types (string, text, email, url, password)"),
    "min": (NUMBER_KINDS, "numbers (int, bigint, float, decimal)"),
    "max": (NUMBER_KINDS, "numbers (int, bigint, float, decimal)"),
    "pattern": (PATTERN_KINDS, "string, text, email and url"),
    "values": (("enum",), "`type: enum`"),
    "to": (("ref",), "`type: ref`"),
    "on_delete": (("ref",), "`type: ref`"),
    "precision": (("decimal",), "`type: decimal`"),
    "scale": (("decimal",), "`type: decimal`"),
}
ON_DELETE = {"cascade": "CASCADE", "restrict": "RESTRICT", "set_null": "SET NULL"}
DEFAULT_LIMIT, MAX_LIMIT, LIMIT_CEILING = 20, 100, 1000


@dataclass
class _FieldInfo:
    """What the resolver knows about one spec field while it builds the entity."""

    name: str
    spec: FieldSpec
    columns: list[Column] = field(default_factory=list)
    checks: list[CheckConstraint] = field(default_factory=list)
    ir: Field | None = None
    ref: Ref | None = None
    fk: ForeignKey | None = None


@dataclass
class _Ent:
    """One entity under construction."""

    loaded: LoadedSpec
    name: str
    plural: str
    table: str
    class_name: str
    ok: bool = True
    fields: dict[str, _FieldInfo] = field(default_factory=dict)
    pk: list[str] = field(default_factory=list)
    columns: dict[str, Column] = field(default_factory=dict)  # by column name, final order later
    owner: Ownership | None = None

    @property
    def spec(self) -> EntitySpec:
        return self.loaded.spec


class _Resolver:
    def __init__(self, specs: Sequence[LoadedSpec], also_known: frozenset[str] = frozenset()):
        self.specs = list(specs)
        self.also_known = also_known  # entities whose files failed to load
        self.diags: list[Diagnostic] = []
        self.ents: dict[str, _Ent] = {}
        self.owner_failed: set[str] = set()

    # -- diagnostics ----------------------------------------------------------------------

    def err(self, where: Location, message: str, hint: str | None = None) -> None:
        self.diags.append(Diagnostic(where, message, hint))

    # -- names ----------------------------------------------------------------------------

    def check_name(
        self,
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
        before = len(self.diags)
        ok = self._check_name(name, what, where, python=python, sql=sql, field_name=field_name)
        if not ok and advice is not None and len(self.diags) > before:
            last = self.diags[-1]
            self.diags[-1] = Diagnostic(last.location, last.message, advice)
        return ok

    def _check_name(
        self,
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
            self.err(
                where,
                f"{what} `{name}` is not a snake_case name (lower-case letters, digits and "
                "underscores, starting with a letter)",
                hint,
            )
            return False
        if len(name) > naming.MAX_IDENT:
            self.err(
                where,
                f"{what} `{name}` is longer than {naming.MAX_IDENT} characters",
                "write a shorter name",
            )
            return False
        if "__" in name or name.endswith("_"):
            self.err(
                where,
                f"{what} `{name}` has a double or trailing underscore",
                f"write `{re.sub('_+', '_', name).strip('_')}`",
            )
            return False
        if python and name in naming.PYTHON_KEYWORDS:
            self.err(
                where,
                f"{what} `{name}` is a Python keyword, so generated code could not use it",
                f"write `{name}_value` or a more specific word",
            )
            return False
        if sql and name in naming.SQL_RESERVED:
            advice = naming.SQL_ADVICE.get(name, f"write a more specific word, e.g. `{name}_name`")
            self.err(where, f"{what} `{name}` is an SQL reserved word", advice)
            return False
        if sql and name in naming.SQL_SYSTEM_NAMES:
            self.err(
                where,
                f"{what} `{name}` is a name the database uses for its own columns",
                f"write `{name}_value` or a more specific word",
            )
            return False
        if field_name:
            if name in naming.SYSTEM_COLUMNS:
                self.err(
                    where,
                    f"field `{name}` is a column scaffold adds itself "
                    f"({', '.join(naming.SYSTEM_COLUMNS)})",
                    _system_advice(name),
                )
                return False
            if name in naming.BUILTIN_SHADOWS:
                self.err(
                    where,
                    f"field `{name}` would shadow the Python builtin `{name}` in generated code",
                    f"write a more specific word, e.g. `{name}_value`",
                )
                return False
            if name in naming.FRAMEWORK_NAMES or name.startswith("model_"):
                self.err(
                    where,
                    f"field `{name}` clashes with a name of SQLAlchemy, pydantic or the "
                    "generated functions",
                    f"write a more specific word, e.g. `{name}_info`",
                )
                return False
        return True

    # -- the recipe -----------------------------------------------------------------------

    def run(self) -> Schema:
        self.collect_entities()
        for ent in self.ents.values():
            self.scalar_fields(ent)
        for ent in self.ents.values():
            self.primary_key(ent)
        for ent in self.ents.values():
            self.ref_fields(ent)
        for ent in self.ents.values():
            self.ownership(ent, [])
        # With problems already found, entities are still built (to report their own problems)
        # in name order; the dependency order only matters for a schema that is returned.
        order = self.order_entities() if not self.diags else sorted(self.ents)
        entities = []
        for name in order:
            built = self.build_entity(self.ents[name])
            if built is not None:
                entities.append(built)
        if not self.diags:
            self.check_global_names(entities)
        if not self.diags:
            for built in entities:
                self.check_test_values(self.ents[built.name], built)
        if self.diags:
            raise SpecErrors(self.diags)
        return Schema(entities=tuple(entities))

    # -- entities ---------------------------------------------------------------------------

    def collect_entities(self) -> None:
        plurals: dict[str, str] = {}
        tables: dict[str, str] = {}
        for loaded in self.specs:
            spec = loaded.spec
            ok = self.check_name(spec.entity, "entity name", loaded.at("entity"))
            if ok and naming.clashes_with_import(spec.entity):
                self.err(
                    loaded.at("entity"),
                    f"entity `{spec.entity}` would be the class "
                    f"`{naming.class_name(spec.entity)}`, which generated modules already import",
                    f"write a more specific name, e.g. `{spec.entity}_item`",
                )
                ok = False
            if not ok:
                continue
            if spec.entity in self.ents:
                other = self.ents[spec.entity].loaded
                self.err(
                    loaded.at("entity"),
                    f"entity `{spec.entity}` is also defined in {other.path}",
                    "every entity has exactly one spec file",
                )
                continue
            plural = spec.plural or naming.plural(spec.entity)
            where = loaded.at("plural") if spec.plural else loaded.at("entity")
            advice = None if spec.plural else f"set `plural:` for entity `{spec.entity}`"
            if not self.check_name(plural, "plural", where, advice=advice):
                continue
            if plural in naming.RESERVED_MODULES:
                self.err(
                    where,
                    f"plural `{plural}` of entity `{spec.entity}` would clash with a generated "
                    "file",
                    f"set `plural:` for entity `{spec.entity}` to another word",
                )
                continue
            table = spec.table or plural
            where_t = loaded.at("table") if spec.table else where
            advice = None if spec.table else f"set `table:` for entity `{spec.entity}`"
            if not self.check_name(
                table, "table name", where_t, python=False, sql=True, advice=advice
            ):
                continue
            if table == "alembic_version" or table.startswith(("pg_", "sqlite_")):
                self.err(
                    where_t,
                    f"table name `{table}` of entity `{spec.entity}` is reserved by the database "
                    "or Alembic",
                    f"set `table:` for entity `{spec.entity}` to another name",
                )
                continue
            if plural in plurals:
                self.err(
                    where,
                    f"plural `{plural}` is also the plural of entity `{plurals[plural]}`",
                    "set `plural:` on one of them",
                )
                continue
            if table in tables:
                self.err(
                    where_t,
                    f"table `{table}` is also the table of entity `{tables[table]}`",
                    "set `table:` on one of them",
                )
                continue
            if spec.renamed_from is not None:
                self.check_name(
                    spec.renamed_from,
                    f"`renamed_from` of entity `{spec.entity}`",
                    loaded.at("renamed_from"),
                )
            plurals[plural] = spec.entity
            tables[table] = spec.entity
            self.ents[spec.entity] = _Ent(
                loaded=loaded,
                name=spec.entity,
                plural=plural,
                table=table,
                class_name=naming.class_name(spec.entity),
            )
        classes: dict[str, str] = {}
        for ent in self.ents.values():
            if ent.class_name in classes:
                self.err(
                    ent.loaded.at("entity"),
                    f"entity `{ent.name}` and entity `{classes[ent.class_name]}` would both be "
                    f"the class `{ent.class_name}`",
                    "rename one of them",
                )
            classes[ent.class_name] = ent.name
        # the generated test factories name a function after each entity: `make_<name>`,
        # `<name>_values`, `<name>_payload` (entities `make` and `payload` would share one)
        helpers: dict[str, str] = {}
        for ent in self.ents.values():
            names = (f"make_{ent.name}", f"{ent.name}_values", f"{ent.name}_payload")
            taken = next((n for n in names if n in helpers), None)
            if taken is not None:
                self.err(
                    ent.loaded.at("entity"),
                    f"entity `{ent.name}` and entity `{helpers[taken]}` would both name the "
                    f"generated test helper `{taken}`",
                    "write a more specific name for one of them",
                )
                continue
            helpers.update(dict.fromkeys(names, ent.name))

    # -- scalar fields ----------------------------------------------------------------------

    def scalar_fields(self, ent: _Ent) -> None:
        loaded = ent.loaded
        for fname, fspec in ent.spec.fields.items():
            where = loaded.key_at("fields", fname)
            sql = fspec.type != "ref"
            if not self.check_name(fname, "field", where, sql=sql, field_name=True):
                ent.ok = False
                continue
            if not self.field_options(ent, fname, fspec):
                ent.ok = False
                continue
            info = _FieldInfo(name=fname, spec=fspec)
            ent.fields[fname] = info
            if fspec.type == "ref":
                continue
            try:
                self.scalar_column(ent, info)
            except Bad as bad:
                self.err(
                    loaded.at("fields", fname), _about(f"field `{fname}`", bad.message), bad.hint
                )
                ent.ok = False

    def field_options(self, ent: _Ent, fname: str, f: FieldSpec) -> bool:
        loaded = ent.loaded
        ok = True
        given = f.model_fields_set
        for option, (kinds, what) in OPTION_KINDS.items():
            if option in given and getattr(f, option) is not None and f.type not in kinds:
                self.err(
                    loaded.key_at("fields", fname, option),
                    f"`{option}` of `{fname}` does not apply to a `{f.type}` field; it is for "
                    f"{what}",
                    _option_advice(option, f.type) or f"remove `{option}`",
                )
                ok = False
        if f.renamed_from is not None and not self.check_name(
            f.renamed_from,
            f"`renamed_from` of `{fname}`",
            loaded.at("fields", fname, "renamed_from"),
        ):
            ok = False
        if f.type == "enum" and not f.values:
            self.err(
                loaded.at("fields", fname),
                f"enum field `{fname}` needs `values`",
                "write {type: enum, values: [open, resolved]}",
            )
            ok = False
        if f.type == "ref" and not f.to:
            self.err(
                loaded.at("fields", fname),
                f"ref field `{fname}` needs `to: <entity>`",
                f"write {{type: ref, to: {fname}}}",
            )
            ok = False
        if f.type in ("json", "password") and (f.unique or f.index):
            self.err(
                loaded.at("fields", fname),
                f"`{fname}` is a `{f.type}` field, which cannot be unique or indexed",
                "remove `unique` and `index`",
            )
            ok = False
        if f.type in ("ref", "password") and f.has_default:
            self.err(
                loaded.key_at("fields", fname, "default"),
                f"default of `{fname}`: a `{f.type}` field cannot have a default",
                "remove `default`",
            )
            ok = False
        if f.pattern is not None:
            try:
                re.compile(f.pattern)
            except re.error as exc:
                self.err(
                    loaded.at("fields", fname, "pattern"),
                    f"`pattern` of `{fname}` is not a valid regular expression: {exc}",
                    "write a Python regular expression, e.g. '^[a-z0-9-]+$'",
                )
                ok = False
        return ok

    def scalar_column(self, ent: _Ent, info: _FieldInfo) -> None:
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
                bad_at(
                    "min_length", f"`min_length` of `{fname}` cannot be negative", "write 0 or more"
                )
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
                self.enum_values(ent, fname, values)
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
                vmin = self.number(ent, fname, "min", f.min, kind, precision, scale)
                vmax = self.number(ent, fname, "max", f.max, kind, precision, scale)
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
                        _about(f"default of `{fname}`", bad.message),
                        bad.hint,
                    ) from None
        except _LocatedBad as bad:
            self.err(bad.where, bad.message, bad.hint)
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

    def enum_values(self, ent: _Ent, fname: str, values: list[str]) -> None:
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
        self,
        ent: _Ent,
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
            raise _LocatedBad(
                where, _about(f"`{option}` of `{fname}`", bad.message), bad.hint
            ) from None

    # -- primary keys ---------------------------------------------------------------------

    def primary_key(self, ent: _Ent) -> None:
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
                self.err(where, f"`{name}` is listed twice in `primary_key`", "remove the repeat")
                ent.ok = False
                continue
            if name == "id":
                pk.append(name)
            elif name == "created_at":
                if not spec.timestamps:
                    self.err(
                        where,
                        "`created_at` is in `primary_key` but `timestamps` is false",
                        "remove `timestamps: false`",
                    )
                    ent.ok = False
                pk.append(name)
            elif name in ent.fields:
                f = ent.fields[name].spec
                if f.type in ("ref", "json", "password", "float") or not f.required or f.secret:
                    self.err(
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
                self.err(
                    where,
                    f"`primary_key` names `{name}`, which is not a field of `{ent.name}`",
                    _close(name, spec) or "list `id` and fields of this entity",
                )
                ent.ok = False
        if not names:
            self.err(
                loaded.at("primary_key"),
                f"`primary_key` of `{ent.name}` is empty",
                "remove it or list `id`",
            )
            ent.ok = False
        elif "id" not in pk:
            self.err(
                loaded.at("primary_key"),
                f"`primary_key` of `{ent.name}` must include `id` (the generated uuid every row "
                "has)",
                f"write [id, {', '.join(pk)}]" if pk else "write [id]",
            )
            ent.ok = False
        ent.pk = pk or ["id"]

    def pk_columns(self, ent: _Ent) -> list[Column]:
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

    # -- refs -----------------------------------------------------------------------------

    def ref_fields(self, ent: _Ent) -> None:
        loaded = ent.loaded
        for fname, info in ent.fields.items():
            f = info.spec
            if f.type != "ref" or f.to is None:
                continue
            target = self.ents.get(f.to)
            if target is None and (
                f.to in self.also_known or any(s.spec.entity == f.to for s in self.specs)
            ):
                ent.ok = False  # the target's own problems were reported
                continue
            if target is None:
                known = [*self.ents, *self.also_known, *(s.spec.entity for s in self.specs)]
                close = difflib.get_close_matches(f.to, sorted(set(known)), n=1)
                self.err(
                    (
                        loaded.at("fields", fname, "to")
                        if loaded.has("fields", fname, "to")
                        else loaded.at("fields", fname)
                    ),
                    f"ref `{fname}` points at `{f.to}`, which is not an entity of these specs",
                    (f"did you mean `{close[0]}`?" if close else "add specs/" + f.to + ".yaml"),
                )
                ent.ok = False
                continue
            target_cols = self.pk_columns(target)
            if not target_cols:
                ent.ok = False
                continue
            required = f.required
            on_delete = ON_DELETE[f.on_delete or "restrict"]
            if on_delete == "SET NULL" and required:
                self.err(
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
                    self.err(
                        loaded.key_at("fields", fname),
                        f"column `{cname}` of ref `{fname}` is longer than {naming.MAX_IDENT} "
                        "characters",
                        "write a shorter field name",
                    )
                    ent.ok = False
                    break
                columns.append(
                    Column(
                        name=cname,
                        kind=tcol.kind,
                        role="ref",
                        sa_type=tcol.sa_type,
                        py_type=tcol.py_type,
                        nullable=not required,
                        length=tcol.length,
                        precision=tcol.precision,
                        scale=tcol.scale,
                        enum_values=tcol.enum_values,
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

    # -- ownership ------------------------------------------------------------------------

    def ownership(self, ent: _Ent, visiting: list[str]) -> Ownership | None:
        if ent.owner is not None:
            return ent.owner
        if ent.name in self.owner_failed:
            return None
        spec = ent.spec
        loaded = ent.loaded
        kind = spec.owner.kind
        if kind == "user":
            ent.owner = Ownership(
                kind="user",
                column="user_id",
                root_entity=ent.name,
                root_table=ent.table,
                root_column="user_id",
                visibility=spec.visibility,
                visibility_table=ent.table if spec.visibility == "per_row" else None,
                visibility_column=("visibility" if spec.visibility == "per_row" else None),
            )
            return ent.owner
        if kind == "none":
            if spec.visibility == "per_row":
                self.err(
                    loaded.at("visibility"),
                    "`visibility: per_row` needs an owner; a shared table (owner: none) is "
                    "readable by every actor",
                    "remove `visibility`, or set `owner: user`",
                )
                ent.ok = False
                return None
            ent.owner = Ownership(kind="none", visibility=spec.visibility)
            return ent.owner
        through = spec.owner.through or ""
        where = (
            loaded.at("owner", "through")
            if loaded.has("owner", "through")
            else (loaded.at("owner"))
        )
        if ent.name in visiting:
            members = visiting[visiting.index(ent.name) :]
            self.owner_failed.update(members)
            cycle = " → ".join([*members, ent.name])
            self.err(
                where,
                f"ownership goes round in a circle: {cycle}",
                "one entity of the chain must have `owner: user`",
            )
            ent.ok = False
            return None
        if loaded.has("visibility") and spec.visibility != "private":
            self.err(
                loaded.at("visibility"),
                f"`{ent.name}` is owned through a ref, so it takes its visibility from its "
                "parent",
                "remove `visibility` (set it on the parent)",
            )
            ent.ok = False
        info = ent.fields.get(through)
        if info is None or info.spec.type != "ref":
            if through in ent.fields or through in spec.fields:
                msg = f"`owner: {{through: {through}}}` names `{through}`, which is not a ref"
                hint = f"make `{through}` a ref: {{type: ref, to: <parent entity>}}"
            else:
                refs = [n for n, i in ent.fields.items() if i.spec.type == "ref"]
                msg = f"`owner: {{through: {through}}}` names no field of `{ent.name}`"
                close = difflib.get_close_matches(through, refs, n=1)
                hint = (
                    f"did you mean `{close[0]}`?"
                    if close
                    else f"add a ref field `{through}: {{type: ref, to: {through}}}`"
                )
            self.err(where, msg, hint)
            ent.ok = False
            return None
        if not info.spec.required:
            self.err(
                loaded.at("fields", through),
                f"ref `{through}` decides who owns the row, so it must be required",
                "remove `required: false`",
            )
            ent.ok = False
            return None
        if info.ref is None:
            return None  # its own problem was reported
        parent = self.ents[info.ref.target]
        if parent.spec.owner.kind == "none":
            self.err(
                where,
                f"`{parent.name}` is shared (owner: none), so `{ent.name}` cannot be owned "
                "through it",
                "use `owner: user` or `owner: none` here",
            )
            ent.ok = False
            return None
        upstream = self.ownership(parent, [*visiting, ent.name])
        if upstream is None:
            ent.ok = False
            return None
        hop = OwnerHop(
            entity=ent.name,
            ref=through,
            columns=info.ref.columns,
            target=parent.name,
            target_table=parent.table,
            target_columns=info.ref.target_columns,
        )
        ent.owner = Ownership(
            kind="through",
            chain=(hop, *upstream.chain),
            root_entity=upstream.root_entity,
            root_table=upstream.root_table,
            root_column=upstream.root_column,
            visibility=upstream.visibility,
            visibility_table=upstream.visibility_table,
            visibility_column=upstream.visibility_column,
        )
        return ent.owner

    # -- order ----------------------------------------------------------------------------

    def order_entities(self) -> list[str]:
        deps: dict[str, set[str]] = {name: set() for name in self.ents}
        for ent in self.ents.values():
            for info in ent.fields.values():
                if info.ref is not None and info.ref.target != ent.name:
                    deps[ent.name].add(info.ref.target)
        users: dict[str, set[str]] = {name: set() for name in self.ents}
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
        left = sorted(name for name in self.ents if name not in order)
        if left:
            ent = self.ents[left[0]]
            ref = next(
                i.name for i in ent.fields.values() if i.ref is not None and i.ref.target in left
            )
            self.err(
                ent.loaded.at("fields", ref),
                "refs go round in a circle between " + ", ".join(f"`{n}`" for n in left),
                "tables are created in dependency order; remove one of the refs",
            )
        return order

    # -- one entity -----------------------------------------------------------------------

    def build_entity(self, ent: _Ent) -> Entity | None:
        spec = ent.spec
        loaded = ent.loaded
        table = ent.table
        owner = ent.owner
        if not ent.ok or owner is None:
            return None
        columns: list[Column] = [id_column(pk="id" in ent.pk)]
        if owner.kind == "user":
            columns.append(
                Column(
                    name="user_id",
                    kind="uuid",
                    role="owner",
                    sa_type="sa.Uuid()",
                    py_type="uuid.UUID",
                    nullable=False,
                )
            )
        checks: list[CheckConstraint] = []
        for info in ent.fields.values():
            for col in info.columns:
                columns.append(replace_pk(col, col.name in ent.pk))
            checks += info.checks
        if spec.visibility == "per_row":
            columns.append(
                Column(
                    name="visibility",
                    kind="enum",
                    role="visibility",
                    sa_type=f"sa.String({ENUM_LENGTH})",
                    py_type="str",
                    nullable=False,
                    has_default=True,
                    default="private",
                    server_default=sa_text("'private'"),
                    length=ENUM_LENGTH,
                    enum_values=("private", "public"),
                )
            )
            checks.append(
                CheckConstraint(
                    naming.ck_name(table, "visibility", "enum"),
                    "visibility IN ('private', 'public')",
                    "visibility",
                )
            )
        if spec.timestamps:
            columns.append(timestamp_column("created_at", pk="created_at" in ent.pk))
            columns.append(timestamp_column("updated_at"))
        if spec.soft_delete:
            columns.append(
                Column(
                    name="deleted_at",
                    kind="datetime",
                    role="deleted_at",
                    sa_type="sa.DateTime(timezone=True)",
                    py_type="datetime.datetime",
                    nullable=True,
                )
            )
        if spec.versioned:
            columns.append(
                Column(
                    name="version",
                    kind="int",
                    role="version",
                    sa_type="sa.Integer()",
                    py_type="int",
                    nullable=False,
                    has_default=True,
                    default=1,
                    server_default=sa_text("1"),
                )
            )
        by_name: dict[str, Column] = {}
        for col in columns:
            if col.name in by_name:
                where = loaded.key_at("fields", col.field) if col.field else loaded.at("entity")
                self.err(
                    where,
                    f"column `{col.name}` of field `{col.field}` is already a column of "
                    f"`{ent.name}`",
                    "rename the field",
                )
                return None
            by_name[col.name] = col
        ent.columns = by_name
        pk = PrimaryKey(naming.pk_name(table), tuple(ent.pk))

        fks = tuple(i.fk for i in ent.fields.values() if i.fk is not None)
        uniques = self.uniques(ent, pk)
        listing_order, listing_rest = self.listing(ent, uniques, pk)
        indexes = self.indexes(ent, pk, uniques, listing_order)
        if indexes is None or listing_order is None or listing_rest is None:
            return None
        keyset_columns, filters, default_limit, max_limit = listing_rest
        keyset_name = self.keyset_name(ent, pk, uniques, indexes, keyset_columns)
        fields = tuple(i.ir for i in ent.fields.values() if i.ir is not None)
        fields = tuple(
            _replace(f, in_update=False) if f.name in ent.pk and f.in_update else f for f in fields
        )
        table_ir = Table(
            name=table,
            entity=ent.name,
            columns=tuple(columns),
            primary_key=pk,
            foreign_keys=fks,
            uniques=uniques,
            checks=tuple(checks),
            indexes=indexes,
            renamed_from=(naming.plural(spec.renamed_from) if spec.renamed_from else None),
            spec_path=loaded.path,
        )
        return Entity(
            name=ent.name,
            plural=ent.plural,
            class_name=ent.class_name,
            plural_class=naming.class_name(ent.plural),
            table=table_ir,
            module=ent.plural,
            route=f"/{ent.plural}",
            spec_path=loaded.path,
            description=spec.description,
            owner=owner,
            visibility=spec.visibility,
            timestamps=spec.timestamps,
            soft_delete=spec.soft_delete,
            versioned=spec.versioned,
            api=spec.api,
            primary_key=tuple(ent.pk),
            default_pk=ent.pk == ["id"],
            fields=fields,
            refs=tuple(i.ref for i in ent.fields.values() if i.ref is not None),
            listing=Listing(
                order=listing_order,
                default_limit=default_limit,
                max_limit=max_limit,
                filters=filters,
                keyset_index=keyset_name,
            ),
            renamed_from=spec.renamed_from,
        )

    # -- name → columns -------------------------------------------------------------------

    def columns_of(
        self, ent: _Ent, name: str, where: Location, what: str, *, allow_json: bool = False
    ) -> list[str] | None:
        """The column(s) a name written in `unique`/`indexes` stands for."""
        info = ent.fields.get(name)
        if info is not None:
            if info.spec.type in ("json", "password") and not allow_json:
                self.err(
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
        self.err(
            where,
            f"{what} names `{name}`, which is not a field of `{ent.name}`",
            f"did you mean `{close[0]}`?" if close else _fields_hint(ent),
        )
        return None

    def uniques(self, ent: _Ent, pk: PrimaryKey) -> tuple[UniqueConstraint, ...]:
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
                self.err(
                    ent.loaded.at("unique", i),
                    f"unique set {i + 1} of `{ent.name}` is empty",
                    "list at least one field, or remove it",
                )
                continue
            for j, name in enumerate(names):
                got = self.columns_of(ent, name, ent.loaded.at("unique", i, j), "`unique`")
                if got is None:
                    cols_list = []
                    break
                if any(c in cols_list for c in got):
                    self.err(
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

    def listing(self, ent: _Ent, uniques: tuple[UniqueConstraint, ...], pk: PrimaryKey) -> tuple[
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
            col = self.order_column(ent, name, where)
            if col is None:
                ok = False
                continue
            if col.name in used:
                self.err(where, f"`{name}` is in the keyset order twice", "remove the repeat")
                ok = False
                continue
            used.add(col.name)
            order.append(OrderKey(col.name, descending, col.py_type, col.kind))
        if ok and not order:
            self.err(
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
                self.err(
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
            got = self.filter_for(ent, name, where)
            if got is None:
                ok = False
                continue
            for flt in got:
                if flt.name in seen:
                    self.err(where, f"filter `{name}` is listed twice", "remove the repeat")
                    ok = False
                    break
                seen.add(flt.name)
                filters.append(flt)
        # limits
        default_limit = lst.default_limit if lst.default_limit is not None else DEFAULT_LIMIT
        max_limit = lst.max_limit if lst.max_limit is not None else max(MAX_LIMIT, default_limit)
        if not 1 <= max_limit <= LIMIT_CEILING:
            self.err(
                loaded.at("list", "max_limit"),
                f"`max_limit` must be between 1 and {LIMIT_CEILING}",
                f"write e.g. `max_limit: {MAX_LIMIT}`",
            )
            ok = False
        elif not 1 <= default_limit <= max_limit:
            self.err(
                loaded.at("list", "default_limit"),
                f"`default_limit` must be between 1 and `max_limit` ({max_limit})",
                f"write e.g. `default_limit: {min(DEFAULT_LIMIT, max_limit)}`",
            )
            ok = False
        if not ok:
            return None, None
        scope = ("user_id",) if _owner_scoped_list(ent) else ()
        keyset_columns = scope + tuple(k.column for k in order)
        return tuple(order), (keyset_columns, tuple(filters), default_limit, max_limit)

    def order_column(self, ent: _Ent, name: str, where: Location) -> Column | None:
        info = ent.fields.get(name)
        col: Column | None = None
        if info is not None:
            if len(info.columns) != 1:
                self.err(
                    where,
                    f"the keyset order cannot use the composite ref `{name}`",
                    "order by its columns: " + ", ".join(c.name for c in info.columns),
                )
                return None
            col = info.columns[0]
            if info.spec.type in ("json", "password") or info.spec.secret:
                self.err(
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
                        self.err(
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
            self.err(
                where,
                f"the keyset order names `{name}`, which is not a field of `{ent.name}`",
                f"did you mean `{close[0]}`?" if close else _fields_hint(ent),
            )
            return None
        if col.nullable:
            self.err(
                where,
                f"the keyset order cannot use `{name}`, which can be null",
                "make it required, or order by another key",
            )
            return None
        return col

    def filter_for(self, ent: _Ent, name: str, where: Location) -> list[Filter] | None:
        info = ent.fields.get(name)
        if info is None:
            for candidate in ent.fields.values():
                if candidate.ref is not None and name in candidate.ref.columns:
                    info = candidate
                    break
        if info is not None:
            if info.spec.type in ("json", "password") or info.spec.secret:
                self.err(
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
        self.err(
            where,
            f"filter `{name}` is not a field of `{ent.name}`",
            f"did you mean `{close[0]}`?" if close else _fields_hint(ent),
        )
        return None

    def indexes(
        self,
        ent: _Ent,
        pk: PrimaryKey,
        uniques: tuple[UniqueConstraint, ...],
        order: tuple[OrderKey, ...] | None,
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
            candidates.append(
                Index(naming.ix_name(table, ["user_id"]), ("user_id",), purpose="owner")
            )
        for info in ent.fields.values():
            if info.fk is not None:
                cols = info.fk.columns
                candidates.append(Index(naming.ix_name(table, cols), cols, purpose="fk"))
        ok = True
        for i, written in enumerate(spec.indexes):
            cols_list: list[str] = []
            if not written.fields:
                self.err(
                    loaded.at("indexes", i),
                    f"index {i + 1} of `{ent.name}` lists no fields",
                    "list at least one field, or remove it",
                )
                ok = False
                continue
            bad = False
            for j, name in enumerate(written.fields):
                where = loaded.at("indexes", i, "fields", j)
                got = self.columns_of(ent, name, where, "the index")
                if got is None:
                    bad = True
                    break
                if any(c in cols_list for c in got):
                    self.err(where, f"`{name}` is listed twice in the index", "remove the repeat")
                    bad = True
                    break
                cols_list += got
            where_sql = None
            if not bad and written.where:
                where_sql = self.where_sql(ent, i, written.where)
                bad = where_sql is None
            if bad:
                ok = False
                continue
            cols = tuple(cols_list)
            suffix = ""
            if where_sql is not None and written.where:
                suffix = "_where_" + "_".join(written.where)
            candidates.append(
                Index(
                    naming.ix_name(table, cols, suffix),
                    cols,
                    unique=written.unique,
                    where=where_sql,
                    purpose="spec",
                )
            )
        if not ok or order is None:
            return None
        scope = ("user_id",) if _owner_scoped_list(ent) else ()
        keyset_cols = scope + tuple(k.column for k in order)
        candidates.append(Index(naming.ix_name(table, keyset_cols), keyset_cols, purpose="keyset"))
        if ent.spec.visibility == "per_row":
            # `user_id = me OR visibility = 'public'`: the owner's branch needs its own index
            own = ("user_id", *keyset_cols)
            candidates.append(Index(naming.ix_name(table, own), own, purpose="keyset"))
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
                self.err(
                    loaded.at("indexes"),
                    f"two indexes of `{ent.name}` would be named `{idx.name}`",
                    "remove one of them, or make them differ",
                )
                return None
            seen[key] = idx
            names.add(idx.name)
            out.append(idx)
        return tuple(out)

    def keyset_name(
        self,
        ent: _Ent,
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

    def where_sql(self, ent: _Ent, i: int, where: dict[str, Any]) -> str | None:
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
                self.err(
                    loaded.key_at("indexes", i, "where", name),
                    f"`where` can test a scalar field, `deleted_at` or `visibility`; "
                    f"`{name}` is none of them",
                    _fields_hint(ent),
                )
                return None
            if value is None:
                parts.append(f"{col.name} IS NULL")
                continue
            try:
                literal = where_literal(col, value)
            except Bad as bad:
                self.err(at, _about(f"`where` value of `{name}`", bad.message), bad.hint)
                return None
            parts.append(f"{col.name} = {literal}")
        return " AND ".join(parts)

    def check_global_names(self, entities: list[Entity]) -> None:
        owners: dict[str, str] = {}
        for e in entities:
            t = e.table
            names = [t.primary_key.name]
            names += [fk.name for fk in t.foreign_keys]
            names += [u.name for u in t.uniques]
            names += [c.name for c in t.checks]
            names += [i.name for i in t.indexes]
            for name in names:
                if name in owners and owners[name] != t.name:
                    self.err(
                        Location(e.spec_path, 1, 1),
                        f"constraint or index name `{name}` is used by tables `{owners[name]}` "
                        f"and `{t.name}`",
                        "rename one of the tables",
                    )
                owners.setdefault(name, t.name)

    # -- values the generated tests can write (ir/values.py) ---------------------------------

    def check_test_values(self, ent: _Ent, entity: Entity) -> None:
        """A field with no valid value, or a unique set with too few distinct ones for the
        entity's own generated tests, is refused where it is written."""
        doms = values.domains(entity)
        for f in entity.fields:
            for name in f.columns:
                if doms[name].capacity == 0:
                    option = "pattern" if f.pattern else ("max" if f.max is not None else "type")
                    self.err(
                        ent.loaded.at("fields", f.name, option),
                        f"`{f.name}` admits no value: {_no_value(f)}",
                        "widen the limits or the pattern",
                    )
                    return
        for problem in values.unique_problems(entity):
            names = ", ".join(f"`{c}`" for c in problem.columns)
            self.err(
                self.unique_origin(ent, entity, problem.columns),
                f"the unique set ({names}) of `{entity.name}` admits {problem.capacity}"
                f" distinct {'value' if problem.capacity == 1 else 'values'} ({problem.detail}),"
                f" fewer than the {values.MIN_DISTINCT} rows its generated tests make at once",
                "add a field with more values to the set, such as a name, a code or a ref;"
                " widen its fields; or drop `unique`",
            )

    def unique_origin(self, ent: _Ent, entity: Entity, cols: tuple[str, ...]) -> Location:
        """Where the unique set of columns `cols` was written in the spec."""
        spec, loaded = ent.spec, ent.loaded
        by_name = {f.name: f.columns for f in entity.fields}

        def columns(names: list[str]) -> tuple[str, ...]:
            return tuple(c for n in names for c in by_name.get(n, (n,)))

        for f in entity.fields:
            if f.unique and f.columns == cols:
                return loaded.at("fields", f.name, "unique")
        for i, names in enumerate(spec.unique):
            if columns(names) == cols:
                return loaded.at("unique", i)
        for i, index in enumerate(spec.indexes):
            if index.unique and columns(index.fields) == cols:
                return loaded.at("indexes", i)
        if spec.primary_key and columns(spec.primary_key) == cols:
            return loaded.at("primary_key")
        return loaded.at("entity")


class _LocatedBad(Exception):
    def __init__(self, where: Location, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.where = where
        self.message = message
        self.hint = hint


def _about(subject: str, message: str) -> str:
    """A message about a value, prefixed with the key it belongs to: `columns.py` reports
    `` `lots` is not a whole number ``, the resolver ``default of `quantity`: `lots` is ...``.
    """
    return f"{subject}: {message}"


def _fields_hint(ent: _Ent) -> str:
    """What to write instead of a name that is no field: the fields there are."""
    names = list(ent.spec.fields)
    if not names:
        return f"`{ent.name}` has no fields yet"
    shown = ", ".join(f"`{n}`" for n in names[:8]) + (", ..." if len(names) > 8 else "")
    return f"fields of `{ent.name}`: {shown}"


def replace_pk(col: Column, pk: bool) -> Column:
    return _replace(col, primary_key=True) if pk else col


def _replace(node: Any, **changes: Any) -> Any:
    return dataclasses.replace(node, **changes)


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


def _option_advice(option: str, kind: str) -> str | None:
    if option in ("min", "max") and kind in LENGTH_KINDS:
        return f"write `{option}_length`"
    if option in ("min_length", "max_length") and kind in NUMBER_KINDS:
        return f"write `{option.split('_')[0]}`"
    if option == "values":
        return "write `type: enum`"
    if option in ("to", "on_delete"):
        return "write `type: ref`"
    return None


def _no_value(f: Field) -> str:
    if f.pattern:
        limits = [f"at least {f.min_length}" if f.min_length else "", ""]
        if f.max_length is not None:
            limits[1] = f"at most {f.max_length}"
        length = " and ".join(x for x in limits if x)
        of = f"text of {length} characters" if length else "text"
        return f"no {of} matches `{f.pattern}`"
    return f"no number lies between `{f.min}` and `{f.max}` at its precision and scale"


def _close(name: str, spec: EntitySpec) -> str | None:
    close = difflib.get_close_matches(name, ["id", "created_at", *spec.fields], n=1)
    return f"did you mean `{close[0]}`?" if close else None


def resolve(specs: Sequence[LoadedSpec]) -> Schema:
    """Resolve every loaded spec into one `Schema`. Raises `SpecErrors` with all problems."""
    return _Resolver(specs).run()


def check_partial(specs: Sequence[LoadedSpec], also_known: frozenset[str]) -> list[Diagnostic]:
    """The problems of the specs that loaded, when others did not (`also_known` names the
    entities of those others, so refs to them are not reported as unknown)."""
    try:
        _Resolver(specs, also_known).run()
    except SpecErrors as errors:
        return list(errors.diagnostics)
    return []


def _owner_scoped_list(ent: _Ent) -> bool:
    """Whether a list reads only the actor's own rows (so its keyset index leads with user_id);
    public and per-row entities list other users' rows too, so theirs cannot."""
    return ent.owner is not None and ent.owner.kind == "user" and ent.spec.visibility == "private"
