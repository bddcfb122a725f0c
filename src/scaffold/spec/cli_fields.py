"""`scaffold new entity --field ...`: the Rails-style field syntax of DESIGN §6.

    body:text   title:string(120):unique   task:ref(task):cascade   rating:int?
    status:enum(open,resolved)=open   due:date:optional   code:string(8):unique:immutable
    tags:many(tag)

`name:type[(args)][?][:option...][=default]` → (name, long-form field mapping). Options:
`unique`, `index`, `secret`, `immutable`, `optional`, `required`, and for refs the delete
rule `cascade`, `restrict` or `set_null`; a many field takes none of them. The result is checked
again when the spec is loaded.
"""

from __future__ import annotations

import re
from typing import Any

from scaffold.errors import UsageError
from scaffold.ir import naming
from scaffold.spec.shorthand import ShorthandError, expand

FLAGS = ("unique", "index", "secret", "immutable")
ON_DELETE = ("cascade", "restrict", "set_null")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
EXAMPLES = "e.g. body:text, title:string(120):unique, task:ref(task), rating:int?, tags:many(tag)"


def _split_outside_parens(text: str, sep: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == sep and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def _typed_default(kind: str, text: str, option: str) -> Any:
    if kind in ("int", "bigint"):
        if not re.fullmatch(r"[-+]?[0-9]+", text):
            raise UsageError(f"--field {option}: default `{text}` is not a whole number")
        return int(text)
    if kind == "float":
        try:
            return float(text)
        except ValueError:
            raise UsageError(f"--field {option}: default `{text}` is not a number") from None
    if kind == "bool":
        if text.lower() not in ("true", "false"):
            raise UsageError(f"--field {option}: default of a bool is true or false")
        return text.lower() == "true"
    if kind == "many":
        raise UsageError(
            f"--field {option}: a many field cannot have a default (new rows start with no links)"
        )
    if kind in ("ref", "password"):
        raise UsageError(f"--field {option}: a {kind} field cannot have a default")
    if kind == "json":
        import json

        try:
            return json.loads(text)
        except ValueError:
            raise UsageError(f"--field {option}: default `{text}` is not JSON") from None
    return text  # strings, enums, dates, decimals (kept as text), uuids


def parse_field_option(text: str) -> tuple[str, dict[str, Any]]:
    """`title:string(120):unique` → ("title", {"type": "string", "max_length": 120, ...})."""
    option = text.strip()
    if ":" not in option:
        raise UsageError(f"--field {text!r}: write name:type ({EXAMPLES})")
    name, rest = option.split(":", 1)
    name = name.strip()
    if not _NAME.match(name):
        raise UsageError(
            f"--field {text!r}: field name `{name}` must be snake_case "
            "(lower-case letters, digits, underscores)"
        )
    default: str | None = None
    parts = _split_outside_parens(rest, "=")
    if len(parts) > 2:
        parts = [parts[0], "=".join(parts[1:])]
    if len(parts) == 2:
        rest, default = parts[0], parts[1]
    segments = [s.strip() for s in _split_outside_parens(rest, ":")]
    if not segments or not segments[0]:
        raise UsageError(f"--field {text!r}: the type is missing ({EXAMPLES})")
    try:
        spec = expand(segments[0])
    except ShorthandError as exc:
        hint = f" ({exc.hint})" if exc.hint else ""
        raise UsageError(f"--field {text!r}: {exc.message}{hint}") from None
    if spec["type"] == "many" and "to" not in spec:
        raise UsageError(
            f"--field {text!r}: a many field names the entity it links to: write "
            f"{name}:many({naming.singular(name)})"
        )
    if spec["type"] == "many" and (len(segments) > 1 or "required" in spec):
        raise UsageError(
            f"--field {text!r}: a many field takes no options; write {name}:many({spec['to']}) "
            "(it is never required: a row may have no links)"
        )
    for flag in segments[1:]:
        if flag in FLAGS:
            spec[flag] = True
        elif flag in ("optional", "?"):
            spec["required"] = False
        elif flag == "required":
            spec["required"] = True
        elif flag in ON_DELETE:
            if spec["type"] != "ref":
                raise UsageError(f"--field {text!r}: `{flag}` applies to ref fields only")
            spec["on_delete"] = flag
        else:
            allowed = ", ".join((*FLAGS, "optional", "required", *ON_DELETE))
            raise UsageError(f"--field {text!r}: unknown option `{flag}` (options: {allowed})")
    if default is not None:
        spec["default"] = _typed_default(spec["type"], default.strip(), repr(text))
    return name, spec
