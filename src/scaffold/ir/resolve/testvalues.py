"""Values the generated tests can write (the domains are in ir/values.py): a field that admits no
value, or a unique set with fewer distinct values than the tests make rows, is refused where it
is written."""

from __future__ import annotations

from scaffold.errors import Location
from scaffold.ir import values
from scaffold.ir.model import Entity, Field
from scaffold.ir.resolve.context import Context, Ent


def check_test_values(ctx: Context, ent: Ent, entity: Entity, rows: int) -> None:
    """A field with no valid value, or a unique set with too few distinct ones for the
    entity's own generated tests, is refused where it is written."""
    doms = values.domains(entity)
    for f in entity.fields:
        for name in f.columns:
            if doms[name].capacity == 0:
                option = "pattern" if f.pattern else ("max" if f.max is not None else "type")
                ctx.err(
                    ent.loaded.at("fields", f.name, option),
                    f"`{f.name}` admits no value: {_no_value(f)}",
                    "widen the limits or the pattern",
                )
                return
    for problem in values.unique_problems(entity, rows):
        names = ", ".join(f"`{c}`" for c in problem.columns)
        ctx.err(
            unique_origin(ent, entity, problem.columns),
            f"the unique set ({names}) of `{entity.name}` admits {problem.capacity}"
            f" distinct {'value' if problem.capacity == 1 else 'values'} ({problem.detail}),"
            f" fewer than the {problem.rows} rows its generated tests make at once",
            "add a field with more values to the set, such as a name, a code or a ref;"
            " widen its fields; or drop `unique`",
        )


def unique_origin(ent: Ent, entity: Entity, cols: tuple[str, ...]) -> Location:
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


def _no_value(f: Field) -> str:
    if f.pattern:
        limits = [f"at least {f.min_length}" if f.min_length else "", ""]
        if f.max_length is not None:
            limits[1] = f"at most {f.max_length}"
        length = " and ".join(x for x in limits if x)
        of = f"text of {length} characters" if length else "text"
        return f"no {of} matches `{f.pattern}`"
    return f"no number lies between `{f.min}` and `{f.max}` at its precision and scale"
