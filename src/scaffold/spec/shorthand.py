"""The short field form: `text`, `string(120)`, `int?`, `decimal(10,2)`, `enum(a,b)`, `ref(task)`,
`many(tag)`.

`expand(text)` turns it into the long form (`{type: string, max_length: 120}`), the only form
the rest of the pipeline sees. A trailing `?` makes the field optional (`required: false`).
"""

from __future__ import annotations

import difflib
import re
from typing import Any

FIELD_TYPES = (
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
    "many",
)
# The only keys a `many` field takes (its links live in a link table, or in the rows of the
# entity `via` names: no column options).
MANY_KEYS = ("type", "to", "via", "renamed_from", "description")

# Common spellings from other tools, mapped to ours (used for hints only).
TYPE_ALIASES = {
    "str": "string",
    "varchar": "string",
    "char": "string",
    "integer": "int",
    "smallint": "int",
    "number": "float",
    "double": "float",
    "real": "float",
    "numeric": "decimal",
    "money": "decimal",
    "boolean": "bool",
    "timestamp": "datetime",
    "timestamptz": "datetime",
    "time": "datetime",
    "jsonb": "json",
    "dict": "json",
    "object": "json",
    "array": "json",
    "list": "json",
    "foreign_key": "ref",
    "fk": "ref",
    "reference": "ref",
    "references": "ref",
    "relation": "ref",
    "belongs_to": "ref",
    "uuid4": "uuid",
    "m2m": "many",
    "many_to_many": "many",
    "manytomany": "many",
    "has_and_belongs_to_many": "many",
    "habtm": "many",
}

_SHORT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*(\?)?\s*$", re.DOTALL)


class ShorthandError(ValueError):
    """A short form that cannot be read; `hint` says what to write."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def type_hint(name: str) -> str | None:
    """A "did you mean" for an unknown type name."""
    low = name.lower()
    if low in TYPE_ALIASES:
        return f"write `{TYPE_ALIASES[low]}`"
    if low in FIELD_TYPES:
        return f"write `{low}` (types are lower case)"
    close = difflib.get_close_matches(low, FIELD_TYPES, n=1)
    if close:
        return f"did you mean `{close[0]}`?"
    return "types: " + ", ".join(FIELD_TYPES)


def _int_arg(text: str, what: str, example: str) -> int:
    text = text.strip()
    if not re.fullmatch(r"[0-9]+", text):
        raise ShorthandError(f"{what} must be a whole number, got `{text}`", f"write {example}")
    return int(text)


def expand(text: str) -> dict[str, Any]:
    """`string(120)?` → `{"type": "string", "max_length": 120, "required": False}`."""
    match = _SHORT.match(text)
    if match is None:
        raise ShorthandError(
            f"cannot read the field type `{text}`",
            "write a type such as `text`, `string(120)`, `int?` or a mapping {type: ...}",
        )
    name, args, optional = match.group(1), match.group(2), match.group(3)
    if name not in FIELD_TYPES:
        raise ShorthandError(f"unknown field type `{name}`", type_hint(name))
    out: dict[str, Any] = {"type": name}
    if args is not None:
        parts = [p.strip() for p in args.split(",")]
        if name == "string":
            if len(parts) != 1:
                raise ShorthandError("`string(n)` takes one length", "write `string(120)`")
            out["max_length"] = _int_arg(parts[0], "the length of `string(n)`", "`string(120)`")
        elif name == "decimal":
            if len(parts) not in (1, 2):
                raise ShorthandError(
                    "`decimal(p,s)` takes a precision and a scale", "write `decimal(10,2)`"
                )
            out["precision"] = _int_arg(parts[0], "the precision of `decimal`", "`decimal(10,2)`")
            if len(parts) == 2:
                out["scale"] = _int_arg(parts[1], "the scale of `decimal`", "`decimal(10,2)`")
        elif name == "enum":
            if not any(parts):
                raise ShorthandError("`enum(...)` needs values", "write `enum(open,resolved)`")
            out["values"] = parts
        elif name == "ref":
            if len(parts) != 1 or not parts[0]:
                raise ShorthandError("`ref(...)` names one entity", "write `ref(task)`")
            out["to"] = parts[0]
        elif name == "many":
            if len(parts) != 1 or not parts[0]:
                raise ShorthandError("`many(...)` names one entity", "write `many(tag)`")
            out["to"] = parts[0]
        else:
            raise ShorthandError(
                f"type `{name}` takes no arguments in parentheses", f"write `{name}`"
            )
    if optional:
        out["required"] = False
    return out
