"""IR values → Python source for the entity templates.

Templates loop over the IR; whatever needs a decision per field type (which pydantic type with
which constraints, a valid sample value, the invalid values that prove each rule) is decided
here, in plain tested Python, so the templates stay thin. Nothing here invents a name: every
class, table, column, module and route name comes from the IR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from scaffold.ir import values
from scaffold.ir.model import Column, Entity, Field, Filter, Ref, Schema
from scaffold.ir.values import INT_RANGES
from scaffold.render.audit import AuditView
from scaffold.render.links import LinkView, incoming, links_of
from scaffold.render.literals import (
    column_kind,
    default_source,
    literal_type,
    py_literal,
    regex_literal,
    route_type,
)
from scaffold.render.stats import (
    CacheParent,
    StatView,
    cache_on_fields,
    cache_parent,
    cache_update,
    invalidated_by,
    stats_of,
)
from scaffold.render.testvalues import Case, cases_for, kept_default, sample_source

STRING_KINDS = frozenset({"string", "text", "password", "email", "url", "enum"})
VISIBILITY_VALUES = ("private", "public")
# Columns the server manages; input that names one is refused (extra="forbid").
SERVER_ROLES = ("pk", "owner", "created_at", "updated_at", "deleted_at", "version")


def _args(**kwargs: Any) -> str:
    return ", ".join(f"{key}={value}" for key, value in kwargs.items() if value is not None)


def _decimal_src(value: Any) -> str | None:
    return None if value is None else f'Decimal("{value}")'


def _num_src(value: Any) -> str | None:
    return None if value is None else repr(value)


@dataclass(frozen=True)
class Input:
    """One key of a Create/Update body: the exchanged name and its pydantic annotation."""

    name: str
    annotation: str
    nullable: bool
    required: bool  # for Create: must be given
    default: str | None  # Python source of the Create default, None when required
    description: str | None = None


class EntityView:
    """Template-ready facts about one entity, all derived from the IR."""

    def __init__(self, entity: Entity, project: ProjectView) -> None:
        self.e = entity
        self.project = project

    # -- columns ---------------------------------------------------------------------------

    def column(self, name: str) -> Column:
        return self.e.table.column(name)

    def role(self, role: str) -> Column | None:
        for column in self.e.table.columns:
            if column.role == role:
                return column
        return None

    @cached_property
    def owner_column(self) -> Column | None:
        return self.role("owner")

    @cached_property
    def visibility_column(self) -> Column | None:
        return self.role("visibility")

    @cached_property
    def created_at(self) -> Column | None:
        return self.role("created_at")

    @cached_property
    def updated_at(self) -> Column | None:
        return self.role("updated_at")

    @cached_property
    def deleted_at(self) -> Column | None:
        return self.role("deleted_at")

    @cached_property
    def version(self) -> Column | None:
        return self.role("version")

    @cached_property
    def pk_columns(self) -> list[Column]:
        return [self.column(name) for name in self.e.primary_key]

    @cached_property
    def pk_params(self) -> str:
        """`id: uuid.UUID` (or every key column of a composite key) as parameters."""
        return ", ".join(f"{c.name}: {c.py_type}" for c in self.pk_columns)

    @cached_property
    def route_pk_params(self) -> str:
        """The key as path parameters: datetimes must carry a timezone and are taken as UTC, so
        a key read from the API (`...Z`) addresses the same row on every database."""
        return ", ".join(f"{c.name}: {route_type(c)}" for c in self.pk_columns)

    @cached_property
    def pk_args(self) -> str:
        """`id=id` for passing the key on."""
        return ", ".join(f"{c.name}={c.name}" for c in self.pk_columns)

    @cached_property
    def link_parameters(self) -> dict[str, str]:
        """OpenAPI link parameters: each key column's path parameter, read from a response body
        (`{"id": "$response.body#/id"}`)."""
        return {c.name: f"$response.body#/{c.name}" for c in self.pk_columns}

    @cached_property
    def pk_path(self) -> str:
        """The item path below the collection: `/{id}`, or `/{id}/{created_at}` for a composite
        key (every key column, in key order, as its own path segment)."""
        return "".join("/{" + c.name + "}" for c in self.pk_columns)

    def model_annotation(self, column: Column) -> str:
        return column.py_type + (" | None" if column.nullable else "")

    def model_default(self, column: Column) -> str | None:
        """Python-side default of a model column (Python source), or None."""
        if column.role == "pk" and column.kind == "uuid":
            return "uuid.uuid4"
        if column.role in ("created_at", "updated_at"):
            return "utcnow"
        if column.role == "version":
            return "1"
        if column.role == "visibility":
            return py_literal(column.default if column.has_default else "private")
        if column.has_default and column.default is not None:
            field = self._field_of(column)
            return default_source(column.kind if field is None else field.kind, column.default)
        return None

    def column_args(self, column: Column) -> str:
        """The arguments of a model column's `mapped_column(...)`."""
        args = [column.sa_type]
        if column.primary_key:
            args.append("primary_key=True")
        args.append(f"nullable={column.nullable}")
        default = self.model_default(column)
        if default is not None:
            args.append(f"default={default}")
        if column.role == "updated_at":
            args.append("onupdate=utcnow")
        if column.server_default:
            args.append(f"server_default={column.server_default}")
        return ", ".join(args)

    def _field_of(self, column: Column) -> Field | None:
        for field in self.e.fields:
            if column.name in field.columns:
                return field
        return None

    @cached_property
    def read_columns(self) -> list[Column]:
        """Columns a Read returns: all but `deleted_at` and the columns of secret fields."""
        hidden = {c for f in self.e.fields if f.secret or not f.in_read for c in f.columns}
        return [c for c in self.e.table.columns if c.role != "deleted_at" and c.name not in hidden]

    def read_annotation(self, column: Column) -> str:
        kind = column_kind(column)
        if column.role == "visibility":
            base = literal_type(column.enum_values or VISIBILITY_VALUES)
        elif kind == "enum" and column.enum_values:
            base = literal_type(column.enum_values)
        elif kind == "datetime":
            base = "UtcDateTime"
        elif kind == "json":
            base = "JsonValue"
        elif kind == "decimal":
            base = "Decimal"
        else:
            base = column.py_type
        return base + (" | None" if column.nullable else "")

    # -- input -----------------------------------------------------------------------------

    def _input_base(self, field: Field, column: Column) -> str:
        kind = column_kind(column) if field.kind == "ref" else field.kind
        max_length = field.max_length if field.max_length is not None else column.length
        if kind in ("string", "text", "password"):
            args = _args(
                min_length=field.min_length or None,
                max_length=max_length,
                pattern=None if field.pattern is None else regex_literal(field.pattern),
            )
            return f"Annotated[Text, StringConstraints({args})]" if args else "Text"
        if kind in ("email", "url"):
            base = "Email" if kind == "email" else "Url"
            args = _args(min_length=field.min_length or None, max_length=max_length)
            return f"Annotated[{base}, Field({args})]" if args else base
        if kind in ("int", "bigint"):
            low, high = INT_RANGES[kind]
            ge = field.min if field.min is not None else low
            le = field.max if field.max is not None else high
            return f"Annotated[int, Field(ge={ge}, le={le})]"
        if kind == "float":
            args = _args(ge=_num_src(field.min), le=_num_src(field.max), allow_inf_nan="False")
            return f"Annotated[float, Field({args})]"
        if kind == "decimal":
            args = _args(
                max_digits=field.precision or column.precision,
                decimal_places=field.scale if field.scale is not None else column.scale,
                ge=_decimal_src(field.min),
                le=_decimal_src(field.max),
            )
            return f"Annotated[StrictDecimal, Field({args})]" if args else "StrictDecimal"
        if kind == "bool":
            return "bool"
        if kind == "date":
            return "IsoDate"
        if kind == "datetime":
            return "UtcDateTime"
        if kind == "uuid":
            # JSON carries UUIDs as strings; the strict mode of the model would refuse those.
            return "Annotated[uuid.UUID, Field(strict=False)]"
        if kind == "enum":
            return literal_type(field.enum_values or column.enum_values)
        if kind == "json":
            return "JsonValue"
        raise ValueError(f"no input type for field kind {kind!r} ({self.e.name}.{field.name})")

    def _inputs(self, *, update: bool) -> list[Input]:
        inputs: list[Input] = []
        for field in self.e.fields:
            if not (field.in_update if update else field.in_create):
                continue
            for name in field.columns:
                column = self.column(name)
                base = self._input_base(field, column)
                nullable = field.nullable or column.nullable
                if base == "JsonValue" and not nullable:
                    base = "Json"  # JSON null would slip into a NOT NULL column
                if nullable:
                    annotation = base + " | None"
                elif update:
                    # Optional in a PATCH, yet null is refused: the OpenAPI document must not
                    # offer null for a NOT NULL column, so the None branch is left out of it.
                    annotation = base + " | SkipJsonSchema[None]"
                else:
                    annotation = base
                if update:
                    default: str | None = "None"
                elif field.has_default and field.default is not None:
                    default = default_source(field.kind, field.default)
                elif not field.required and nullable:
                    default = "None"
                else:
                    default = None
                inputs.append(
                    Input(name, annotation, nullable, default is None, default, field.description)
                )
        visibility = self.visibility_column
        if visibility is not None and not any(i.name == visibility.name for i in inputs):
            values = visibility.enum_values or VISIBILITY_VALUES
            default_value = visibility.default if visibility.has_default else "private"
            inputs.append(
                Input(
                    visibility.name,
                    literal_type(values) + (" | SkipJsonSchema[None]" if update else ""),
                    False,
                    False,
                    "None" if update else py_literal(default_value),
                    "Who may read the row: only its owner (private) or everyone (public).",
                )
            )
        return inputs

    @cached_property
    def create_inputs(self) -> list[Input]:
        return self._inputs(update=False)

    @cached_property
    def update_inputs(self) -> list[Input]:
        return self._inputs(update=True)

    def input_uses(self, name: str) -> bool:
        """Whether an input annotation mentions `name` (so schemas.py defines only what it uses)."""
        pattern = re.compile(rf"\b{re.escape(name)}\b")
        return any(pattern.search(i.annotation) for i in self.create_inputs + self.update_inputs)

    @cached_property
    def update_not_null(self) -> list[str]:
        """Update keys whose column is NOT NULL: leaving them out keeps them, null is refused."""
        return [i.name for i in self.update_inputs if not i.nullable]

    @cached_property
    def update_excluded(self) -> list[str]:
        """Update keys that are not columns of the UPDATE (the version, the lists of links)."""
        return (["version"] if self.e.versioned else []) + [x.m.ids_key for x in self.written_links]

    @cached_property
    def password_inputs(self) -> list[str]:
        return [c for f in self.e.fields if f.kind == "password" and f.in_create for c in f.columns]

    def server_value(self, key: str) -> str:
        """A well-formed value for a server-managed key (so only its being set is wrong)."""
        column = self.column(key)
        if column.role == "version" or column.kind in ("int", "bigint"):
            return "1"
        if column.kind == "datetime":
            return repr("2024-01-01T00:00:00Z")
        return "str(uuid.uuid4())"

    @cached_property
    def server_keys(self) -> list[str]:
        """Keys of server-managed columns; a Create naming one is a 422."""
        return [c.name for c in self.e.table.columns if c.role in SERVER_ROLES]

    # -- refs and ownership ---------------------------------------------------------------

    def target(self, ref: Ref) -> Entity:
        return self.project.schema.entity(ref.target)

    def target_view(self, ref: Ref) -> EntityView:
        return self.project.view(self.target(ref))

    def ref_key_args(self, ref: Ref, source: str) -> str:
        """`id=values["task_id"]`: the target's key, taken from `source[<ref column>]`."""
        return ", ".join(
            f"{target}={source}[{col!r}]"
            for col, target in zip(ref.columns, ref.target_columns, strict=True)
        )

    def ref_pairs(self, ref: Ref) -> list[tuple[str, str]]:
        """(ref column, target key column) pairs of `ref`."""
        return list(zip(ref.columns, ref.target_columns, strict=True))

    def ref_attr_args(self, ref: Ref, source: str) -> str:
        """`task_id=task.id`: the ref columns, taken from a target row `source`."""
        return ", ".join(
            f"{col}={source}.{target}"
            for col, target in zip(ref.columns, ref.target_columns, strict=True)
        )

    def ref_columns_expr(self, ref: Ref) -> str:
        """`Message.chat_id`, or `sa.tuple_(A.x, A.y)` for a composite ref."""
        cols = [f"{self.e.class_name}.{c}" for c in ref.columns]
        return cols[0] if len(cols) == 1 else "sa.tuple_(" + ", ".join(cols) + ")"

    @cached_property
    def composite_refs(self) -> list[Ref]:
        """Refs whose key has several columns (they must be given whole)."""
        return [r for r in self.e.refs if len(r.columns) > 1]

    def self_ref_of(self, column: str) -> Ref | None:
        """The self-reference that `column` belongs to (the factories leave those empty)."""
        for ref in self.e.refs:
            if ref.target == self.e.name and column in ref.columns:
                return ref
        return None

    @cached_property
    def through_ref(self) -> Ref | None:
        for ref in self.e.refs:
            if ref.owner_through:
                return ref
        return None

    @cached_property
    def ref_imports(self) -> list[Entity]:
        """Other entities whose queries this entity's queries and actions use."""
        targets = {r.target for r in self.e.refs} | {m.target for m in self.e.many}
        targets |= {m.via for m in self.e.many if m.via is not None}
        return [self.project.schema.entity(n) for n in sorted(targets - {self.e.name})]

    @cached_property
    def links(self) -> list[LinkView]:
        """This entity's many fields (render/links.py)."""
        return links_of(self)

    @cached_property
    def audit(self) -> AuditView:
        """What the actions record in the audit log (render/audit.py)."""
        return AuditView(self)

    @cached_property
    def stats(self) -> list[StatView]:
        """This entity's statistics (render/stats.py)."""
        return stats_of(self)

    @cached_property
    def cache_parent(self) -> CacheParent | None:
        """The per-row-visible parent of a through-owned entity (the cache tests' third write)."""
        return cache_parent(self)

    @cached_property
    def cache_on_fields(self) -> list[tuple[str, str]]:
        """The period columns the cache tests set (render/stats.py)."""
        return cache_on_fields(self)

    @cached_property
    def cache_update(self) -> tuple[str, list[object]] | None:
        """The group the cache tests move a row between through PATCH (render/stats.py)."""
        return cache_update(self)

    @cached_property
    def invalidates(self) -> tuple[str, ...]:
        """The entities whose cached statistics a write to this one can change."""
        return self.project.invalidated_by[self.e.name]

    @cached_property
    def includable(self) -> list[str]:
        """What `?include=` may name on get and list: ref fields, then many fields (§9.2)."""
        return [r.field for r in self.e.refs] + [m.field for m in self.e.many]

    @cached_property
    def include_targets(self) -> list[Entity]:
        """Other entities whose Read and Page the routes name (included rows, linked lists)."""
        names = {r.target for r in self.e.refs} | {m.target for m in self.e.many}
        return [self.project.schema.entity(n) for n in sorted(names - {self.e.name})]

    @cached_property
    def written_links(self) -> list[LinkView]:
        """The many fields whose links this entity writes (not those of a link entity)."""
        return [link for link in self.links if not link.is_via]

    @cached_property
    def link_filters(self) -> list[LinkView]:
        """Many fields named in `list.filters`: `?tag_id=` lists the rows linked to one tag."""
        return [link for link in self.links if link.m.filter]

    @cached_property
    def filter_args(self) -> str:
        """`, status, tag_id`: every list filter passed on by name, after the actor."""
        names = [f.name for f in self.e.listing.filters] + [x.m.id_key for x in self.link_filters]
        return "".join(f", {n}" for n in names)

    @cached_property
    def incoming_links(self) -> list[LinkView]:
        """The many fields of any entity that link to this one."""
        return incoming(self)

    @cached_property
    def restricted_by(self) -> list[tuple[Entity, Ref]]:
        """(entity, ref) of every ref elsewhere that blocks deleting this entity's rows."""
        if self.e.soft_delete:
            return []  # a soft delete keeps the row, so nothing is restricted
        return [
            (other, ref)
            for other in self.project.referring_to(self.e.name)
            for ref in other.refs
            if ref.target == self.e.name and ref.on_delete == "RESTRICT" and other is not self.e
        ]

    def restricting_name(self, other: Entity, ref: Ref) -> str:
        """`other`'s name in a test name, with the ref when `other` restricts by several refs."""
        several = sum(1 for o, _ in self.restricted_by if o is other) > 1
        return f"{other.name}_{ref.field}" if several else other.name

    @cached_property
    def password_fields(self) -> list[Field]:
        return [f for f in self.e.fields if f.kind == "password" and len(f.columns) == 1]

    @cached_property
    def is_shared(self) -> bool:
        return self.e.owner.kind == "none"

    @cached_property
    def readable_by_others(self) -> bool:
        """True when another user may read some rows (public or per-row visibility)."""
        return self.e.owner.visibility in ("public", "per_row") or self.is_shared

    # -- listing ---------------------------------------------------------------------------

    @cached_property
    def order_kinds(self) -> str:
        kinds = [py_literal(k.kind) for k in self.e.listing.order]
        return "(" + ", ".join(kinds) + ("," if len(kinds) == 1 else "") + ")"

    def keyset_terms(self) -> list[list[str]]:
        """The OR-expansion of "strictly after the cursor" for mixed directions.

        `[[a < :a], [a == :a, b > :b], ...]`: row i of the list is "equal on keys before i,
        strictly past on key i" — correct for any mix of ascending and descending keys.
        """
        terms: list[list[str]] = []
        order = self.e.listing.order
        cls = self.e.class_name
        for i, key in enumerate(order):
            parts = [f"{cls}.{k.column} == after[{j}]" for j, k in enumerate(order[:i])]
            op = "<" if key.descending else ">"
            parts.append(f"{cls}.{key.column} {op} after[{i}]")
            terms.append(parts)
        return terms

    @cached_property
    def keyset_row(self) -> str:
        """`(a, b) < (:a, :b)` when every order key runs the same way ("" otherwise).

        A row-value comparison is an index condition: the scan starts at the cursor. The
        OR-expansion of `keyset_terms` is only a filter, so PostgreSQL reads and drops every row
        before the cursor (a page at depth 10,000 reads 10,000 rows).
        """
        order = self.e.listing.order
        if len({k.descending for k in order}) != 1:
            return ""
        cls = self.e.class_name
        columns = ", ".join(f"{cls}.{k.column}" for k in order)
        op = "<" if order[0].descending else ">"
        return f"sa.tuple_({columns}) {op} sa.tuple_(*after)"

    @cached_property
    def order_by(self) -> str:
        cls = self.e.class_name
        return ", ".join(
            f"{cls}.{k.column}.{'desc' if k.descending else 'asc'}()" for k in self.e.listing.order
        )

    def route_filter_annotation(self, flt: Filter) -> str:
        """A list filter as a query parameter: as strict as a body (`1` is not `true`, a number
        is not a datetime), though query strings are text."""
        kind = flt.kind
        if flt.enum_values:
            return literal_type(flt.enum_values) + " | None"
        special: dict[str, str] = {
            "bool": "QueryBool",
            "datetime": "UtcDateTime",
            "date": "IsoDate",
            "decimal": "StrictDecimal",
        }
        if kind in special:
            return special[kind] + " | None"
        return route_type(self.column(flt.column)) + " | None"

    @cached_property
    def has_bool_filter(self) -> bool:
        return any(f.kind == "bool" for f in self.e.listing.filters)

    def filter_annotation(self, flt: Filter) -> str:
        if flt.enum_values:
            return literal_type(flt.enum_values) + " | None"
        return f"{flt.py_type} | None"

    # -- tests -----------------------------------------------------------------------------

    @cached_property
    def invalid_cases(self) -> list[Case]:
        """One bad value per validation rule of the Create body."""
        cases: list[Case] = []
        for field in self.e.fields:
            if not field.in_create:
                continue
            for name in field.columns:
                cases += cases_for(field, self.column(name), name)
        return cases

    @cached_property
    def changeable_input(self) -> Input | None:
        """An update key a test can change to another valid value (a string if there is one),
        never a secret (it is not in the read)."""
        candidates = []
        for inp in self.update_inputs:
            field = self._field_by_key(inp.name)
            if field is not None and not field.secret:
                candidates.append((inp, field))
        for inp, field in candidates:
            if (
                field.kind in ("string", "text")
                and not field.pattern
                and max(field.min_length or 1, 2) <= (field.max_length or 2**31)
                and not field.unique
            ):
                return inp
        for inp, field in candidates:
            if field.kind == "bool":
                return inp
        return None

    def _field_by_key(self, key: str) -> Field | None:
        for field in self.e.fields:
            if key in field.columns:
                return field
        return None

    def changed_value(self, inp: Input) -> str:
        field = self._field_by_key(inp.name)
        assert field is not None
        if field.kind == "bool":
            return f"not created[{inp.name!r}]"
        return repr("z" * max(field.min_length or 1, 2))

    @cached_property
    def sample_domains(self) -> dict[str, values.Domain]:
        """column → the values the factories cycle through (ir/values.py)."""
        return values.domains(self.e, self.rows_at_once)

    @cached_property
    def rows_at_once(self) -> int:
        """The most rows of this entity one generated test makes (ir/values.py)."""
        return self.project.rows_at_once[self.e.name]

    @cached_property
    def sample_pools(self) -> list[tuple[str, str]]:
        """(module constant, its values as Python source, comma-separated) of every pattern
        field's matching values. The values are strings, and a string's literal is its `repr`
        (`py_literal`): joined by `map`, as a pool holds thousands of them."""
        return [
            (f"{n.upper()}_VALUES", ", ".join(map(repr, d.pool)))
            for n, d in self.sample_domains.items()
            if d.pool
        ]

    @cached_property
    def sample_fields(self) -> list[tuple[str, str]]:
        """(column, Python source of a valid value of the factory's row number `n`) for every
        column of a non-ref field; refs are built by the factory, not sampled. Columns of a
        unique set take distinct values in consecutive rows (ir/values.py)."""
        strides = values.strides(self.e, self.rows_at_once)
        in_unique = {c for cols in values.unique_sets(self.e) for c in cols}
        pools = {n: f"{n.upper()}_VALUES" for n, dom in self.sample_domains.items() if dom.pool}
        out: list[tuple[str, str]] = []
        for field in self.e.fields:
            if field.kind == "ref":
                continue
            for name in field.columns:
                kept = None if name in in_unique else kept_default(field)
                source = kept or sample_source(
                    field,
                    self.column(name),
                    self.sample_domains[name],
                    strides.get(name, 1),
                    pools.get(name),
                )
                out.append((name, source))
        return out

    @cached_property
    def payload_keys(self) -> list[str]:
        """Keys of a Create body (its exchanged names)."""
        return [i.name for i in self.create_inputs]

    @cached_property
    def factory_refs(self) -> list[Ref]:
        """Refs a factory builds a parent for (a nullable self-reference is left empty)."""
        return [r for r in self.e.refs if r.target != self.e.name]

    @cached_property
    def factory_module(self) -> str:
        """This entity's factory module in the generated tests (`factories_<plural>`)."""
        return f"factories_{self.e.plural}"

    def factory_of(self, entity_name: str) -> str:
        """`factories_<plural>.make_<name>` for an entity of the project, by name."""
        target = self.project.view(self.project.schema.entity(entity_name))
        return f"{target.factory_module}.make_{entity_name}"

    @cached_property
    def factory_imports(self) -> list[str]:
        """The other factory modules this entity's factory calls (parents, the owner's user)."""
        names = {
            self.project.view(self.project.schema.entity(r.target)).factory_module
            for r in self.factory_refs
        }
        names.discard(self.factory_module)
        return sorted(names)

    @cached_property
    def owner_column_name(self) -> str | None:
        return self.e.owner.column if self.e.owner.kind == "user" else None

    @cached_property
    def private_by_default(self) -> bool:
        """True when a new row is invisible to other users (private, or per-row by default)."""
        if self.e.owner.kind == "none":
            return False
        return self.e.owner.visibility in ("private", "per_row")

    @cached_property
    def public_root(self) -> tuple[str, str] | None:
        """For per-row visibility: (factory keyword, value) making a row public — on the row
        itself, or on the parent of a `through` row."""
        if self.e.owner.visibility != "per_row" or self.e.owner.visibility_column is None:
            return None
        return (self.e.owner.visibility_column, "public")

    @cached_property
    def unique_fields(self) -> list[Field]:
        return [
            f
            for f in self.e.fields
            if f.unique and f.in_create and f.kind in ("string", "text", "email", "url", "int")
        ]

    @cached_property
    def filter_sample(self) -> Any:
        """A list filter the generated test exercises (an enum/bool/ref filter), or None."""
        return self.e.listing.filters[0] if self.e.listing.filters else None


class ProjectView:
    """Facts about the whole schema that the per-project templates need."""

    def __init__(self, *, schema: Schema, package: str) -> None:
        self.schema = schema
        self.package = package
        self._views: dict[str, EntityView] = {}

    def view(self, entity: Entity) -> EntityView:
        if entity.name not in self._views:
            self._views[entity.name] = EntityView(entity, self)
        return self._views[entity.name]

    @cached_property
    def views(self) -> list[EntityView]:
        return [self.view(e) for e in self.schema.entities]

    # The reverse lookups, one index each, so that an entity's view asks for the entities that
    # point at it (render/memo.py records exactly those) instead of scanning them all.

    def referring_to(self, name: str) -> list[Entity]:
        """The entities with a ref to entity `name`, in schema order."""
        return [self.schema.entity(n) for n in self._reverse[0].get(name, ())]

    def linking_to(self, name: str) -> list[Entity]:
        """The entities with a many field that links to entity `name`, in schema order."""
        return [self.schema.entity(n) for n in self._reverse[1].get(name, ())]

    @cached_property
    def _reverse(self) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
        refs: dict[str, list[str]] = {}
        links: dict[str, list[str]] = {}
        for e in self.schema.entities:
            for target in dict.fromkeys(r.target for r in e.refs):
                refs.setdefault(target, []).append(e.name)
            for target in dict.fromkeys(m.target for m in e.many):
                links.setdefault(target, []).append(e.name)
        return (
            {k: tuple(v) for k, v in refs.items()},
            {k: tuple(v) for k, v in links.items()},
        )

    @cached_property
    def invalidated_by(self) -> dict[str, tuple[str, ...]]:
        """Entity → the entities whose cached statistics a write to it can change."""
        return invalidated_by(self.schema)

    @cached_property
    def rows_at_once(self) -> dict[str, int]:
        return values.rows_at_once(self.schema.entities)

    @cached_property
    def user_entity(self) -> Entity | None:
        """The entity whose table the owner columns point at (the project's `user`)."""
        for entity in self.schema.entities:
            owner = entity.owner
            if owner.kind != "user" or owner.column is None:
                continue
            for fk in entity.table.foreign_keys:
                if fk.columns == (owner.column,):
                    for target in self.schema.entities:
                        if target.table.name == fk.ref_table:
                            return target
        return None


def py_args(values: Any) -> str:
    """Python literals separated by commas, without a trailing one (black would keep a
    trailing comma and explode the call one argument a line)."""
    return ", ".join(py_literal(v) for v in values)


def joined(values: Any, template: str, sep: str = ", ") -> str:
    """`template` formatted with each value (as `{0}`), joined: `"C.{0}"` → `C.a, C.b`."""
    return sep.join(template.format(v) for v in values)


GLOBALS: dict[str, Any] = {"py_literal": py_literal, "literal_type": literal_type}
FILTERS: dict[str, Any] = {"py": py_literal, "pyargs": py_args, "joined": joined}
