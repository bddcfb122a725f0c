"""IR values as Python literals of the generated code (shared by the templates' views)."""

from __future__ import annotations

from typing import Any

from scaffold.ir.model import Column


def py_literal(value: Any) -> str:
    """`value` (a JSON value) as Python source, deterministic for dicts."""
    if isinstance(value, dict):
        items = ", ".join(f"{py_literal(k)}: {py_literal(v)}" for k, v in sorted(value.items()))
        return "{" + items + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(py_literal(v) for v in value) + "]"
    return repr(value)


def literal_type(values: tuple[str, ...] | list[str]) -> str:
    """`Literal["a", "b"]` for enum values."""
    return "Literal[" + ", ".join(py_literal(v) for v in values) + "]"


_KIND_BY_PY_TYPE = {
    "uuid.UUID": "uuid",
    "datetime.datetime": "datetime",
    "datetime.date": "date",
    "int": "int",
    "str": "string",
    "decimal.Decimal": "decimal",
    "Decimal": "decimal",
}


def column_kind(column: Column) -> str:
    """The value kind of a column; a ref column takes the kind of the key it points at."""
    if column.kind == "ref":
        return _KIND_BY_PY_TYPE.get(column.py_type, "uuid")
    return column.kind


def route_type(column: Column) -> str:
    """A column's value as a path or query parameter: datetimes must carry a timezone, integers
    must fit the column (core/types.py `Int32`, `Int64`)."""
    if column_kind(column) == "datetime":
        return "UtcDateTime"
    if column.py_type == "int":
        return "Int64" if "BigInteger" in column.sa_type else "Int32"
    return column.py_type


def default_source(kind: str, value: Any) -> str:
    """A field default (JSON value) as Python source of the right type."""
    if value is None:
        return "None"
    if kind == "decimal":
        return f'Decimal("{value}")'
    if kind == "date":
        return f"datetime.date.fromisoformat({value!r})"
    if kind == "datetime":
        return f"datetime.datetime.fromisoformat({value!r})"
    if kind == "uuid":
        return f"uuid.UUID({value!r})"
    return py_literal(value)


def regex_literal(pattern: str) -> str:
    """A regular expression as Python source: a raw string where one can hold it as written
    (`r"^\\+[0-9]+$"`), else an escaped one. (Not `"r" + repr(...)`: repr doubles backslashes.)"""
    raw_ok = not pattern.endswith("\\") and '"' not in pattern and pattern.isprintable()
    return f'r"{pattern}"' if raw_ok else repr(pattern)
