"""The intermediate representation: every spec of a project, resolved into one frozen graph.

The IR is the only thing templates and the migration engine see. Every name a template or a
migration needs (class, table, column, constraint, index, module, route) is computed once, by the
resolver, and stored here; templates only loop and branch over it. Everything is a frozen
dataclass of plain values, so the IR dumps to JSON (`to_json`) and loads back (`from_json`):
the migration snapshot (`.scaffold/snapshot.json`) is the `tables` part of it.

Two layers:

- the *database* layer (`Table` and what it holds) — what a migration creates and compares;
- the *entity* layer (`Entity`, `Field`, `Ref`, `Ownership`, `Listing`) — what the model,
  schemas, queries, actions, routes and tests are rendered from.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from scaffold.ir.plain import plain

JsonValue = None | bool | int | float | str | list[Any] | dict[str, Any]

# Logical field types of the spec language (DESIGN §2), plus the types of system columns.
FieldKind = Literal[
    "string",
    "text",
    "int",
    "bigint",
    "float",
    "decimal",
    "bool",
    "date",
    "datetime",
    "uuid",
    "email",
    "url",
    "enum",
    "json",
    "password",
    "ref",
]

# Why a column exists. Templates branch on this rather than on names.
ColumnRole = Literal[
    "pk",  # the default `id` primary key (uuid generated in Python)
    "field",  # a spec field (also a spec field that is part of a composite primary key)
    "ref",  # a column of a `ref` field's foreign key (`task_id`)
    "owner",  # `user_id` of `owner: user`
    "visibility",  # the per-row `visibility` column of `visibility: per_row`
    "created_at",
    "updated_at",
    "deleted_at",
    "version",
]

OnDelete = Literal["CASCADE", "RESTRICT", "SET NULL"]
OwnerKind = Literal["user", "through", "none"]
Visibility = Literal["private", "public", "per_row"]


# --------------------------------------------------------------------------------------------
# database layer
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One database column, exactly as the model declares it and a migration creates it."""

    name: str
    # a FieldKind for spec fields; the logical type for system columns ("datetime", "uuid")
    kind: str
    role: str  # a ColumnRole
    # SQLAlchemy type as Python source, shared by model and migration: "sa.String(120)"
    sa_type: str
    # Python annotation as source: "str", "int", "uuid.UUID", "datetime.datetime"
    py_type: str
    nullable: bool
    primary_key: bool = False
    # The default a new row gets (a JSON value; None with has_default False means "no default").
    has_default: bool = False
    default: JsonValue = None
    # The same default as a SQLAlchemy server-default expression (Python source), used by the
    # model and by migrations to backfill existing rows: "sa.text(\"'open'\")", "sa.false()",
    # "sa.func.now()". None when the column has no default.
    server_default: str | None = None
    length: int | None = None  # string-like columns
    precision: int | None = None  # decimal
    scale: int | None = None  # decimal
    enum_values: tuple[str, ...] = ()
    field: str | None = None  # the spec field that produced this column, if any
    renamed_from: str | None = None  # previous column name (from the spec's `renamed_from:`)


@dataclass(frozen=True)
class PrimaryKey:
    name: str  # pk_<table>
    columns: tuple[str, ...]


@dataclass(frozen=True)
class ForeignKey:
    name: str  # fk_<table>_<cols>_<ref_table>, at most 63 characters
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: str  # an OnDelete


@dataclass(frozen=True)
class UniqueConstraint:
    name: str  # uq_<table>_<cols>
    columns: tuple[str, ...]


@dataclass(frozen=True)
class CheckConstraint:
    """A CHECK whose SQL is portable between SQLite and PostgreSQL (`length(x) <= 120`)."""

    name: str  # ck_<table>_<what>, the final name (no convention applied on top)
    sqltext: str
    column: str | None = None  # the column it guards, when it guards one


@dataclass(frozen=True)
class Index:
    name: str  # ix_<table>_<cols>
    columns: tuple[str, ...]
    unique: bool = False
    # Portable SQL predicate of a partial index ("status = 'open'"), rendered as both
    # postgresql_where and sqlite_where.
    where: str | None = None
    # "spec" | "fk" | "owner" | "keyset" | "field" (field `index: true`) | "stats"
    purpose: str = "spec"


@dataclass(frozen=True)
class Table:
    name: str
    entity: str
    columns: tuple[Column, ...]
    primary_key: PrimaryKey
    foreign_keys: tuple[ForeignKey, ...] = ()
    uniques: tuple[UniqueConstraint, ...] = ()
    checks: tuple[CheckConstraint, ...] = ()
    indexes: tuple[Index, ...] = ()
    renamed_from: str | None = None  # previous table name (from the entity's `renamed_from:`)
    spec_path: str = ""  # the spec file it came from, relative to the project root

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def needs_postgresql_types(self) -> bool:
        """True when a column type mentions `postgresql.` (so the file must import it)."""
        return any("postgresql." in c.sa_type for c in self.columns)


# --------------------------------------------------------------------------------------------
# entity layer
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """A field of the spec, as the API exchanges it (a `ref` is exchanged as its columns)."""

    name: str  # spec name ("task", "body")
    kind: str  # a FieldKind
    columns: tuple[
        str, ...
    ]  # its column(s): ("body",), ("task_id",), ("document_id", "document_created_at")
    py_type: str  # annotation of its single column ("str"); for a ref, of its first column
    required: bool  # must be given on create (no default, not nullable)
    nullable: bool
    has_default: bool = False
    default: JsonValue = None
    unique: bool = False
    index: bool = False
    min: int | float | str | None = None  # str for decimals ("0.01")
    max: int | float | str | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    enum_values: tuple[str, ...] = ()
    precision: int | None = None
    scale: int | None = None
    description: str | None = None
    secret: bool = False  # stored, never returned (password is always secret)
    immutable: bool = False  # set on create, never updated
    in_create: bool = True  # accepted by the Create schema
    in_update: bool = True  # accepted by the Update schema
    in_read: bool = True  # returned by the Read schema
    ref: str | None = None  # the Ref's field name, for kind == "ref"
    renamed_from: str | None = None


@dataclass(frozen=True)
class Ref:
    """A `ref` field: a foreign key to another entity, checked for readability on write."""

    field: str  # "task"
    target: str  # entity name: "task"
    target_class: str  # "Task"
    target_table: str  # "tasks"
    target_module: str  # "tasks" (folder under entities/)
    columns: tuple[str, ...]  # ("task_id",)
    target_columns: tuple[str, ...]  # ("id",)
    py_types: tuple[str, ...]  # annotations of the columns ("uuid.UUID",)
    on_delete: str  # an OnDelete
    required: bool
    fk_name: str
    relationship: str  # attribute name of the ORM relationship ("task")
    owner_through: bool = False  # the ref of `owner: {through: ...}`


@dataclass(frozen=True)
class Many:
    """A `many` field (DESIGN §9.1): links from rows of its entity (the source) to rows of its
    target, kept in a link table that belongs to the source (`posts_tags`)."""

    field: str  # "tags"
    target: str  # entity name: "tag"
    target_class: str  # "Tag"
    target_table: str  # "tags"
    target_module: str  # "tags" (folder under entities/)
    target_plural: str  # "tags"
    link_table: str  # the link table's name ("posts_tags"); its Table is in Schema.link_tables
    # link table columns → the source's key columns (`post_id` → `id`), in key order
    source_columns: tuple[str, ...]
    source_key: tuple[str, ...]
    # link table columns → the target's key columns (`tag_id` → `id`), in key order
    target_columns: tuple[str, ...]
    target_key: tuple[str, ...]
    target_py_types: tuple[str, ...]  # annotations of the target's key columns ("uuid.UUID",)
    ids_key: str  # the exchanged list of linked keys in Create/Update/Read: "tag_ids"
    # the exchanged name of one linked key: the path parameter of attach/detach and the list
    # filter's query parameter ("tag_id"; the first link column for a composite target key)
    id_key: str
    reverse: str  # the reverse listing's last path segment: `GET /tags/{id}/<reverse>`
    max_links: int  # the most keys `ids_key` accepts: the target's list max_limit
    filter: bool = False  # `list.filters` names this field: `GET /posts?tag_id=X`
    renamed_from: str | None = None  # the field's previous name (renames the link table)
    # `via: vote`: the links are the rows of an ordinary entity (its name; `link_table` is then
    # that entity's table, not in Schema.link_tables, and `source_columns`/`target_columns` are
    # the columns of its required refs to the source and to the target). Its own routes write
    # the links; the many field reads them (no attach, detach or `<target>_ids` input).
    via: str | None = None
    via_class: str | None = None  # "Vote"
    via_module: str | None = None  # "votes"


@dataclass(frozen=True)
class OwnerHop:
    """One step of an `owner: {through: ...}` chain: from `entity` along its `ref` to `target`."""

    entity: str
    ref: str  # ref field name on `entity`
    columns: tuple[str, ...]  # local FK columns on `entity`'s table
    target: str
    target_table: str
    target_columns: tuple[str, ...]


@dataclass(frozen=True)
class Ownership:
    kind: str  # an OwnerKind
    # owner: user — the owner column on this table ("user_id"). None otherwise.
    column: str | None = None
    # owner: through — the chain from this entity to the entity that holds the owner column
    # (empty for the other kinds), and where that column is.
    chain: tuple[OwnerHop, ...] = ()
    root_entity: str | None = None  # the entity with the owner column (this one, for kind user)
    root_table: str | None = None
    root_column: str | None = None  # "user_id" on the root table
    # Visibility that applies to this entity's rows: its own for kind user/none; the root's for
    # kind through (a message in a public chat is public).
    visibility: str = "private"  # a Visibility
    # For per_row visibility, the table and column that holds "private"/"public".
    visibility_table: str | None = None
    visibility_column: str | None = None


@dataclass(frozen=True)
class OrderKey:
    column: str
    descending: bool
    py_type: str
    kind: str


@dataclass(frozen=True)
class Filter:
    name: str  # as exchanged in the query string ("status", "task_id")
    column: str
    py_type: str
    kind: str
    enum_values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Listing:
    order: tuple[OrderKey, ...]  # keyset order; the keys together are unique
    default_limit: int
    max_limit: int
    filters: tuple[Filter, ...] = ()
    keyset_index: str = ""  # name of the index that serves the keyset order


@dataclass(frozen=True)
class Aggregate:
    """One aggregate of a statistic: `sum_amount` is the sum of field `amount`."""

    fn: str  # "sum" | "avg" | "min" | "max"
    field: str  # the spec field ("amount")
    column: str  # its column ("amount")
    kind: str  # "int" | "bigint" | "float" | "decimal"
    key: str  # as exchanged: "sum_amount"
    scale: int | None = None  # a decimal's scale: answers are strings with this many places


@dataclass(frozen=True)
class Stat:
    """One statistic of `stats:` (DESIGN §9.3): `GET /<plural>/stats/<name>`.

    Rows are counted per bucket of `period` (the wall-clock hour, day, week, month or year of
    column `on` in the requested zone) and/or per value of `group`; each item carries `count` and
    the aggregates. Semantics are written down in docs/runtime-contract.md ("Statistics").
    """

    name: str  # "per_day"
    class_name: str  # "PerDay" (its schemas: `<Entity>Stat<PerDay>`, `...Stats`)
    period: str | None = None  # "hour" | "day" | "week" | "month" | "year"
    on: str | None = None  # the column bucketed ("created_at", "spent_at")
    on_kind: str | None = None  # "datetime" | "date"
    group: str | None = None  # the group key as exchanged ("kind", "category_id")
    group_column: str | None = None  # its column
    group_kind: str | None = None  # "enum" | "bool" | "ref"
    group_py_type: str | None = None  # "str", "bool", "uuid.UUID"
    group_values: tuple[str, ...] = ()  # an enum's values, in spec order
    group_nullable: bool = False
    aggregates: tuple[Aggregate, ...] = ()


@dataclass(frozen=True)
class Entity:
    name: str  # "comment" (snake_case, singular)
    plural: str  # "comments"
    class_name: str  # "Comment"
    plural_class: str  # "Comments"
    table: Table
    module: str  # folder under <pkg>/entities/: "comments"
    route: str  # "/comments"
    spec_path: str  # "specs/comment.yaml", relative to the project root
    description: str | None
    owner: Ownership
    visibility: str  # a Visibility (this entity's own setting)
    timestamps: bool
    soft_delete: bool
    versioned: bool
    api: bool
    primary_key: tuple[str, ...]  # column names
    default_pk: bool  # True when the key is the generated `id` uuid
    fields: tuple[Field, ...]
    refs: tuple[Ref, ...]
    listing: Listing
    renamed_from: str | None = None
    many: tuple[Many, ...] = ()  # `type: many` fields, in spec order
    stats: tuple[Stat, ...] = ()  # `stats:`, in spec order
    stats_cache_seconds: int = 0  # how long a statistic's answer may be served from the cache
    # the entity's own rate limits (spec `rate_limit`, `limits` notation); None: the app's
    rate_limit_read: str | None = None
    rate_limit_write: str | None = None
    audit: bool = False  # every write appends to `audit_events` (DESIGN §9.4)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


@dataclass(frozen=True)
class Schema:
    """All entities of a project, referenced entities before the entities that reference them."""

    entities: tuple[Entity, ...]
    version: int = 1
    # the link tables of `many` fields (after every entity table: they refer to two of them)
    link_tables: tuple[Table, ...] = ()
    # `audit_events` (ir/resolve/audit.py), when some entity has `audit: true`
    audit_table: Table | None = None

    @property
    def tables(self) -> tuple[Table, ...]:
        audit = (self.audit_table,) if self.audit_table is not None else ()
        return tuple(e.table for e in self.entities) + self.link_tables + audit

    def link_table(self, name: str) -> Table:
        for t in self.link_tables:
            if t.name == name:
                return t
        raise KeyError(name)

    def entity(self, name: str) -> Entity:
        for e in self.entities:
            if e.name == name:
                return e
        raise KeyError(name)

    def to_json(self) -> str:
        return dump_json(self)

    @classmethod
    def from_json(cls, text: str) -> Schema:
        schema: Schema = _build(cls, json.loads(text))
        return schema


def load_tables(text: str, reuse: Sequence[tuple[dict[str, Any], Table]] = ()) -> tuple[Table, ...]:
    """Load the `tables` list of a snapshot written by `dump_tables`.

    `reuse` pairs tables with their `plain` data: a snapshot table whose data is equal is that
    table (no rebuilding), which is most of them after a small change.
    """
    known = {data["name"]: (data, table) for data, table in reuse}
    out = []
    for data in json.loads(text)["tables"]:
        pair = known.get(data.get("name")) if isinstance(data, dict) else None
        out.append(pair[1] if pair is not None and pair[0] == data else _build(Table, data))
    return tuple(out)


def dump_tables(
    tables: Sequence[Table],
    data: Sequence[dict[str, Any]] | None = None,
    previous: str | None = None,
) -> str:
    """Deterministic JSON of a table list (the migration snapshot); `data`: their `plain` data.

    `previous`, an earlier snapshot: the text of every table whose data is unchanged is taken
    from it (json's indented output is pure Python, ~40 ms for 50 tables); the result is the
    same text either way.
    """
    listed = list(data) if data is not None else [plain(t) for t in tables]
    if not listed:
        return json.dumps({"version": 1, "tables": []}, indent=2, sort_keys=True) + "\n"
    known = _snapshot_chunks(previous) if previous else {}
    parts = []
    for item in listed:
        chunk = known.get(str(item.get("name")))
        if chunk is None or json.loads(chunk) != item:
            chunk = _indent(json.dumps(item, indent=2, sort_keys=True))
        parts.append(chunk)
    return _SNAPSHOT_OPEN + ",\n".join(parts) + _SNAPSHOT_CLOSE


_SNAPSHOT_OPEN = '{\n  "tables": [\n'
_SNAPSHOT_CLOSE = '\n  ],\n  "version": 1\n}\n'
_CHUNK_SEP = "\n    },\n    {\n"


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.split("\n"))


def _snapshot_chunks(text: str) -> dict[str, str]:
    """name → text of each table of a snapshot in `dump_tables`' layout ({} for any other)."""
    if not (text.startswith(_SNAPSHOT_OPEN + "    {\n") and text.endswith(_SNAPSHOT_CLOSE)):
        return {}
    body = text[len(_SNAPSHOT_OPEN) + len("    {\n") : -len(_SNAPSHOT_CLOSE)]
    if not body.endswith("\n    }"):
        return {}
    chunks: dict[str, str] = {}
    for piece in body[: -len("\n    }")].split(_CHUNK_SEP):
        # the table's own "name" key, at its top level (indent 6), names the chunk
        for line in piece.split("\n"):
            if line.startswith('      "name": '):
                name = json.loads(line[len('      "name": ') :].rstrip(","))
                chunks[name] = "    {\n" + piece + "\n    }"
                break
    return chunks


def dump_json(node: Any) -> str:
    """Deterministic JSON of any IR node (sorted keys, two-space indent, trailing newline)."""
    return json.dumps(plain(node), indent=2, sort_keys=True) + "\n"


@functools.cache
def _field_types(tp: type) -> tuple[tuple[str, Any], ...]:
    """(name, resolved type) of every field of dataclass `tp` (resolving hints is slow: once)."""
    hints = typing.get_type_hints(tp)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(tp))


def _build(tp: Any, data: Any) -> Any:
    """Rebuild a frozen dataclass tree from `dataclasses.asdict` output."""
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        kwargs = {name: _build(hint, data[name]) for name, hint in _field_types(tp) if name in data}
        return tp(**kwargs)
    origin = typing.get_origin(tp)
    if origin is tuple:
        inner, *_rest = typing.get_args(tp)
        return tuple(_build(inner, item) for item in data)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            if dataclasses.is_dataclass(arg) and isinstance(data, dict):
                return _build(arg, data)
        return data
    return data


__all__ = [
    "Aggregate",
    "CheckConstraint",
    "Column",
    "Entity",
    "Field",
    "Filter",
    "ForeignKey",
    "Index",
    "JsonValue",
    "Listing",
    "Many",
    "OrderKey",
    "OwnerHop",
    "Ownership",
    "PrimaryKey",
    "Ref",
    "Schema",
    "Stat",
    "Table",
    "UniqueConstraint",
    "dump_json",
    "dump_tables",
    "load_tables",
    "plain",
]
