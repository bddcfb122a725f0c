"""What the templates need to render an entity's statistics (DESIGN §9.3): `StatView`.

The IR's `Stat` says what is counted; this says how it is written: the names of its function,
schemas and route, the Python source of its measures and of the item's fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from scaffold.ir import values
from scaffold.ir.model import Entity, Ref, Schema, Stat
from scaffold.render.literals import literal_type
from scaffold.render.literals import py_literal as py

if TYPE_CHECKING:
    from scaffold.render.pysource import EntityView


@dataclass(frozen=True)
class StatView:
    s: Stat
    e: Entity

    @property
    def entity_class(self) -> str:
        return self.e.class_name

    @property
    def plural(self) -> str:
        return self.e.plural

    @property
    def rows(self) -> int:
        """How many rows of the entity one generated statistics test makes: as many as every
        generated test may (ir/values.py), so unique fields keep distinct values."""
        return values.MIN_DISTINCT

    def _unique(self, column: str | None) -> bool:
        """Whether `column` alone must be unique (a unique field or a one-column unique set)."""
        if column is None:
            return False
        one = {u.columns for u in self.e.table.uniques if len(u.columns) == 1}
        fields = [f for f in self.e.fields if f.columns == (column,)]
        return (column,) in one or any(f.unique for f in fields)

    @property
    def on_unique(self) -> bool:
        """The tests must then give every row its own instant (or day)."""
        return self._unique(self.s.on)

    @property
    def group_unique(self) -> bool:
        """The tests then leave the group column to the factory (its values are distinct)."""
        return self._unique(self.s.group_column)

    @property
    def fn(self) -> str:
        """Its function in stats.py and in routes.py's module: `per_day` → `stats_per_day`."""
        return f"stats_{self.s.name}"

    @property
    def operation_id(self) -> str:
        return f"stats_{self.plural}_{self.s.name}"

    @property
    def path(self) -> str:
        return f"/stats/{self.s.name}"

    @property
    def item_class(self) -> str:
        return f"{self.entity_class}Stat{self.s.class_name}"

    @property
    def answer_class(self) -> str:
        return f"{self.entity_class}Stats{self.s.class_name}"

    @property
    def measures_name(self) -> str:
        return f"{self.s.name.upper()}_MEASURES"

    @property
    def measures(self) -> str:
        """The `Measure` list of its aggregates, as Python source."""
        parts = [
            f"Measure(key={py(a.key)}, fn={py(a.fn)}, kind={py(a.kind)}, scale={py(a.scale)})"
            for a in self.s.aggregates
        ]
        return "(" + "".join(p + ", " for p in parts) + ")"

    @property
    def columns(self) -> str:
        """`{"sum_amount": Expense.amount}`: the column each measure aggregates."""
        cls = self.entity_class
        return "{" + ", ".join(f"{py(a.key)}: {cls}.{a.column}" for a in self.s.aggregates) + "}"

    @property
    def group_nullable(self) -> bool:
        """Whether an item's group key can be null: an optional group field, or a ref group of a
        bucket without rows."""
        s = self.s
        return s.group_nullable or (s.group_kind == "ref" and s.period is not None)

    @property
    def group_annotation(self) -> str:
        s = self.s
        if s.group_kind == "enum":
            base = literal_type(s.group_values)
        elif s.group_kind == "bool":
            base = "bool"
        else:
            base = s.group_py_type or "uuid.UUID"
        return base + (" | None" if self.group_nullable else "")

    @property
    def group_values(self) -> str | None:
        """The group keys every answer lists (zeros included), as Python source; None for a ref."""
        if self.s.group_kind == "enum":
            return "(" + "".join(f"{py(v)}, " for v in self.s.group_values) + ")"
        if self.s.group_kind == "bool":
            return "(False, True)"
        return None

    @property
    def group_values_list(self) -> list[object] | None:
        """The group keys every answer lists, for the generated tests; None for a ref."""
        if self.s.group_kind == "enum":
            return list(self.s.group_values)
        if self.s.group_kind == "bool":
            return [False, True]
        return None

    @property
    def group_ref(self) -> Ref | None:
        for ref in self.e.refs:
            if ref.columns == (self.s.group_column,):
                return ref
        return None

    @property
    def group_target(self) -> str:
        ref = self.group_ref
        assert ref is not None
        return ref.target

    @property
    def group_target_key(self) -> str:
        ref = self.group_ref
        assert ref is not None
        return ref.target_columns[0]

    @property
    def item_fields(self) -> list[tuple[str, str, str]]:
        """(name, annotation, description) of each key of an item, in the answer's order."""
        s = self.s
        out: list[tuple[str, str, str]] = []
        if s.period is not None:
            shape = "YYYY-MM-DDTHH:00" if s.period == "hour" else "YYYY-MM-DD"
            out.append(
                (
                    "period",
                    "str",
                    f"The {s.period}'s start in the zone asked for ({shape}).",
                )
            )
        if s.group is not None:
            out.append((s.group, self.group_annotation, f"The `{s.group}` these rows share."))
        out.append(("count", "int", "How many rows."))
        for a in s.aggregates:
            if a.kind == "decimal":
                annotation = "str | None"
                note = f" (a decimal as a string, {a.scale} places)"
            elif a.fn == "avg" or a.kind == "float":
                annotation, note = "float | None", ""
            else:
                annotation, note = "int | None", ""
            word = {
                "sum": "Sum",
                "avg": "Average",
                "min": "Smallest",
                "max": "Largest",
            }[a.fn]
            out.append(
                (
                    a.key,
                    annotation,
                    f"{word} of `{a.field}`{note}; null without values.",
                )
            )
        return out

    @property
    def summary(self) -> str:
        s = self.s
        parts = []
        if s.period is not None:
            parts.append(f"per {s.period} of `{s.on}`")
        if s.group is not None:
            parts.append(f"per `{s.group}`")
        return " and ".join(parts)


@dataclass(frozen=True)
class CacheParent:
    """The parent whose visibility decides who reads a through-owned entity's rows (one hop,
    `visibility: per_row`, a one-column key): the cache tests make it public through its
    PATCH route and expect another actor's cached answer to change."""

    route: str  # "/chats"
    column: str  # the child's ref column ("chat_id")
    versioned: bool


def cache_parent(view: EntityView) -> CacheParent | None:
    e = view.e
    ref = view.through_ref
    owner = e.owner
    if ref is None or len(owner.chain) != 1 or len(ref.columns) != 1:
        return None
    if owner.visibility != "per_row" or owner.visibility_table != ref.target_table:
        return None
    parent = view.project.schema.entity(ref.target)
    if not parent.api:
        return None
    return CacheParent(route=parent.route, column=ref.columns[0], versioned=parent.versioned)


def cache_on_fields(view: EntityView) -> list[tuple[str, str]]:
    """(column, "date" | "datetime") of each period's `on` that a client writes (not the
    server's `created_at`): the cache tests set them so that every row falls in the range."""
    out: list[tuple[str, str]] = []
    for s in view.e.stats:
        if s.period is None or s.on is None or s.on_kind is None:
            continue
        if view.column(s.on).role != "field" or (s.on, s.on_kind) in out:
            continue
        out.append((s.on, s.on_kind))
    return out


def cache_update(view: EntityView) -> tuple[str, list[object]] | None:
    """(key, values) of an enum or bool group that the Update body accepts: the cache tests
    move a row between groups through PATCH (each value in turn, so one of them is a change)."""
    for s in view.e.stats:
        if s.group is None or s.group_kind not in ("enum", "bool"):
            continue
        field = next((f for f in view.e.fields if f.columns == (s.group_column,)), None)
        if field is None or not field.in_update or field.immutable:
            continue
        values: list[object] = list(s.group_values) if s.group_kind == "enum" else [False, True]
        return s.group, values[:2]
    return None


def stats_of(view: EntityView) -> list[StatView]:
    return [StatView(s, view.e) for s in view.e.stats]


def invalidated_by(schema: Schema) -> dict[str, tuple[str, ...]]:
    """For each entity, the entities with cached statistics whose answers a write to it can
    change. A statistic of E counts E's rows in E's scope with E's filters, so it changes with
    a write to E; to any row E's rows refer to, directly or up a chain of refs (a deleted
    parent cascades or sets null, a parent's owner or visibility decides a through-owned
    row's scope); and, for E's many fields, to their targets and `via` entities and what those
    refer to (the links a filter reads, and which targets the reader may see)."""
    by_table = {e.table.name: e.name for e in schema.entities}
    refers = {
        e.name: {by_table[fk.ref_table] for fk in e.table.foreign_keys if fk.ref_table in by_table}
        for e in schema.entities
    }
    out: dict[str, set[str]] = {e.name: set() for e in schema.entities}
    for e in schema.entities:
        if not (e.stats and e.stats_cache_seconds > 0):
            continue
        reached = _reach(e.name, refers)
        for m in e.many:
            reached |= _reach(m.target, refers)
            if m.via is not None:
                reached |= _reach(m.via, refers)
        for name in reached:
            out[name].add(e.name)
    return {name: tuple(sorted(found)) for name, found in out.items()}


def _reach(start: str, refers: dict[str, set[str]]) -> set[str]:
    """`start` and every entity its rows refer to, directly or up a chain of refs."""
    seen = {start}
    todo = [start]
    while todo:
        for target in refers.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


__all__ = [
    "CacheParent",
    "StatView",
    "cache_on_fields",
    "cache_parent",
    "invalidated_by",
    "stats_of",
]
