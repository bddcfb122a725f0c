"""Load stage: spec files → validated `EntitySpec`s that still know where each value was written.

Every problem of every file is collected; `load_specs` raises one `SpecErrors` holding all of
them, each located `file:line:col` with the path relative to the project root.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from scaffold.errors import Diagnostic, Location, SpecErrors
from scaffold.spec.models import (
    ENTITY_KEYS,
    FIELD_KEYS,
    INDEX_KEYS,
    LIST_KEYS,
    RATE_LIMIT_KEYS,
    STAT_KEYS,
    EntitySpec,
)
from scaffold.spec.shorthand import FIELD_TYPES, ShorthandError, type_hint
from scaffold.spec.yamlpos import Pos, PosDict, PosList, YamlError, load_yaml

MAX_SPEC_BYTES = 1_000_000


@dataclass(frozen=True)
class LoadedSpec:
    """One validated spec and the positions of what it says."""

    path: str  # as shown in diagnostics: relative to the project root when inside it
    spec: EntitySpec
    tree: PosDict

    def at(self, *parts: str | int) -> Location:
        """Where the value at `parts` was written (or the nearest enclosing value)."""
        pos, _, _ = _walk(self.tree, parts, key=False)
        return Location(self.path, pos.line, pos.col)

    def key_at(self, *parts: str | int) -> Location:
        """Where the key (or list item) at `parts` was written."""
        pos, _, _ = _walk(self.tree, parts, key=True)
        return Location(self.path, pos.line, pos.col)

    def has(self, *parts: str | int) -> bool:
        """True when the spec text itself holds `parts` (not a default)."""
        _, consumed, _ = _walk(self.tree, parts, key=False)
        return len(consumed) == len(parts)


def _walk(
    tree: Any, parts: Sequence[str | int], *, key: bool
) -> tuple[Pos, list[str | int], list[str | int]]:
    """Follow `parts` as far as the YAML goes. Returns (position, parts followed, parts left)."""
    node = tree
    pos = getattr(tree, "pos", Pos(1, 1))
    consumed: list[str | int] = []
    rest = list(parts)
    while rest:
        part = rest[0]
        if isinstance(node, PosDict) and isinstance(part, str) and part in node:
            last = len(rest) == 1
            pos = node.key_pos[part] if (key and last) else node.value_pos[part]
            node = node[part]
        elif isinstance(node, PosList) and isinstance(part, int) and 0 <= part < len(node):
            pos = node.item_pos[part]
            node = node[part]
        else:
            break
        consumed.append(part)
        rest.pop(0)
    return pos, consumed, rest


def display_path(root: Path, file: Path) -> str:
    try:
        return file.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return file.as_posix()


def load_specs(files: Sequence[Path], *, root: Path) -> list[LoadedSpec]:
    """Read and validate every file; raise `SpecErrors` with all problems of all files."""
    diagnostics: list[Diagnostic] = []
    loaded: list[LoadedSpec] = []
    failed: set[str] = set()
    for file in files:
        shown = display_path(root, file)
        spec = _load_one(file, shown, diagnostics)
        if spec is not None:
            loaded.append(spec)
        else:
            failed.add(file.stem)
    if diagnostics:
        # Report what the resolver finds in the files that did load too, in the same run, so a
        # user fixes everything at once; refs to the broken files are not reported as unknown.
        from scaffold.ir.resolve import check_partial

        diagnostics += check_partial(loaded, frozenset(failed))
        raise SpecErrors(diagnostics)
    return loaded


def load_text(text: str, shown: str) -> LoadedSpec:
    """Validate one spec given as text (tests, `scaffold new`). Raises `SpecErrors`."""
    diagnostics: list[Diagnostic] = []
    spec = _from_text(text, shown, Path(shown).stem, diagnostics)
    if diagnostics or spec is None:
        raise SpecErrors(diagnostics)
    return spec


def _load_one(file: Path, shown: str, out: list[Diagnostic]) -> LoadedSpec | None:
    try:
        raw = file.read_bytes()
    except OSError as exc:
        out.append(
            Diagnostic(
                Location(shown, 1, 1),
                f"cannot read the file: {exc.strerror or exc}",
                "check that it is a readable file",
            )
        )
        return None
    if len(raw) > MAX_SPEC_BYTES:
        out.append(
            Diagnostic(
                Location(shown, 1, 1),
                "the file is too large for a spec (> 1 MB)",
                "a spec describes one entity; keep it under 1 MB",
            )
        )
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        out.append(
            Diagnostic(
                Location(shown, line, 1), "the file is not valid UTF-8 text", "save it as UTF-8"
            )
        )
        return None
    return _from_text(text, shown, file.stem, out)


def _from_text(text: str, shown: str, stem: str, out: list[Diagnostic]) -> LoadedSpec | None:
    def located(pos: Pos, message: str, hint: str | None = None) -> None:
        out.append(Diagnostic(Location(shown, pos.line, pos.col), message, hint))

    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        tree, problems = load_yaml(text)
    except YamlError as exc:
        located(exc.problem.pos, exc.problem.message, exc.problem.hint)
        return None
    except RecursionError:
        located(Pos(1, 1), "the YAML is nested too deeply", "a spec needs a few levels at most")
        return None
    for problem in problems:
        located(problem.pos, problem.message, problem.hint)
    if tree is None:
        located(Pos(1, 1), "the file is empty", f"a spec starts with `entity: {stem}`")
        return None
    if not isinstance(tree, PosDict):
        what = "a list" if isinstance(tree, PosList) else f"the value `{tree}`"
        located(
            getattr(tree, "pos", Pos(1, 1)),
            f"a spec is a mapping of keys (entity:, fields:, ...), not {what}",
            f"start the file with `entity: {stem}`",
        )
        return None
    try:
        spec = EntitySpec.model_validate(tree)
    except ValidationError as exc:
        for diag in _pydantic_diagnostics(exc, tree, shown):
            out.append(diag)
        return None
    loaded = LoadedSpec(path=shown, spec=spec, tree=tree)
    if spec.entity != stem and not problems:
        out.append(
            Diagnostic(
                loaded.at("entity"),
                f"entity `{spec.entity}` is written in a file named `{stem}`",
                f"rename the file to `{spec.entity}.yaml` or write `entity: {stem}`",
            )
        )
        return None
    return None if problems else loaded


# ---- pydantic errors → located diagnostics ------------------------------------------------

FIELD_KEY_HINTS = {
    "nullable": "write `required: false`",
    "null": "write `required: false`",
    "optional": "write `required: false`",
    "not_null": "fields are required by default; write `required: false` for optional ones",
    "length": "write `max_length`",
    "size": "write `max_length`",
    "maxlength": "write `max_length`",
    "minlength": "write `min_length`",
    "choices": "write `values`",
    "options": "write `values`",
    "enum": "write `type: enum` and `values: [...]`",
    "target": "write `to`",
    "references": "write `to`",
    "ref": "write `type: ref` and `to: <entity>`",
    "ondelete": "write `on_delete`",
    "on_update": "scaffold never changes keys, so there is no `on_update`",
    "primary": "write `primary_key: [id, <field>]` on the entity",
    "primary_key": "write `primary_key: [id, <field>]` on the entity",
    "pk": "write `primary_key: [id, <field>]` on the entity",
    "regex": "write `pattern`",
    "doc": "write `description`",
    "help": "write `description`",
    "readonly": "write `immutable: true`",
    "read_only": "write `immutable: true`",
    "hidden": "write `secret: true`",
    "private": "write `secret: true`",
    "minimum": "write `min`",
    "maximum": "write `max`",
}
ENTITY_KEY_HINTS = {
    "name": "the entity is named with `entity:`",
    "model": "the entity is named with `entity:`",
    "columns": "write `fields`",
    "attributes": "write `fields`",
    "properties": "write `fields`",
    "tablename": "write `table`",
    "table_name": "write `table`",
    "timestamp": "write `timestamps`",
    "soft_deletes": "write `soft_delete`",
    "paranoid": "write `soft_delete: true`",
    "version": "write `versioned: true`",
    "owned_by": "write `owner`",
    "sort": "write `list: {order: [...]}`",
    "order": "write `list: {order: [...]}`",
    "filters": "write `list: {filters: [...]}`",
    "limit": "write `list: {default_limit: ..., max_limit: ...}`",
    "doc": "write `description`",
    "pk": "write `primary_key`",
}

_UNION_TAGS = frozenset({"int", "float", "str", "bool", "none", "list", "dict"})


def _allowed_keys(parts: list[str | int]) -> tuple[str, ...]:
    if len(parts) == 1:
        return ENTITY_KEYS
    head = parts[0]
    if head == "fields" and len(parts) == 3:
        return FIELD_KEYS
    if head == "indexes" and len(parts) == 3:
        return INDEX_KEYS
    if head == "list" and len(parts) == 2:
        return LIST_KEYS
    if head == "stats" and len(parts) == 3:
        return STAT_KEYS
    if head == "rate_limit" and len(parts) == 2:
        return RATE_LIMIT_KEYS
    return ()


def _show(parts: Sequence[str | int]) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + part
    return text


def _where(parts: list[str | int]) -> str:
    if len(parts) >= 2 and parts[0] == "fields":
        return f" in field `{parts[1]}`"
    if len(parts) >= 2 and parts[0] == "indexes":
        return f" in `indexes[{parts[1]}]`"
    if parts and parts[0] == "list":
        return " in `list`"
    if len(parts) >= 2 and parts[0] == "stats":
        return f" in statistic `{parts[1]}`"
    return ""


def _is_tag(part: str | int) -> bool:
    return isinstance(part, str) and (part in _UNION_TAGS or "[" in part or "(" in part)


def _clean_loc(tree: PosDict, loc: Sequence[str | int]) -> list[str | int]:
    """Drop the union-member tags pydantic puts in a location (`int`, `list[str]`, ...)."""
    out: list[str | int] = []
    for part in loc:
        _, _, rest = _walk(tree, [*out, part], key=False)
        if rest and _is_tag(part):
            continue
        out.append(part)
    return out


def _pydantic_diagnostics(exc: ValidationError, tree: PosDict, shown: str) -> list[Diagnostic]:
    found: dict[tuple[Location, str], Diagnostic] = {}
    counts: dict[tuple[Location, str], int] = {}
    paths: dict[tuple[Location, str], list[str | int]] = {}
    for err in exc.errors(include_url=False):
        loc = _clean_loc(tree, err["loc"])
        kind = err["type"]
        pos, consumed, rest = _walk(tree, loc, key=kind == "extra_forbidden")
        parts = consumed + rest
        where = Location(shown, pos.line, pos.col)
        name = _show(parts) or "the spec"
        message, hint = _message(kind, err, parts, _label(parts))
        key = (where, name)
        counts[key] = counts.get(key, 0) + 1
        if key not in found:
            found[key] = Diagnostic(where, message, hint)
            paths[key] = parts
    out = []
    for key, diag in found.items():
        if counts[key] > 1 and "must be" in diag.message:  # every member of a union failed
            parts = paths[key]
            diag = Diagnostic(
                diag.location,
                f"{_label(parts)} has a value of the wrong type",
                _UNION_HINTS.get(str(parts[-1]) if parts else "", "see docs/spec-language.md"),
            )
        out.append(diag)
    return out


_UNION_HINTS = {
    "min": "write a number such as `0`",
    "max": "write a number such as `100`",
    "where": "write a value such as `open`, `true`, `3` or null",
}


def _label(parts: Sequence[str | int]) -> str:
    """The key a message is about, as a user reads it: `` `max` of field `rating` ``,
    `` `list.order` ``; a field's own value is `` field `rating` ``."""
    if len(parts) >= 2 and parts[0] == "fields":
        if len(parts) == 2:
            return f"field `{parts[1]}`"
        return f"`{_show(parts[2:])}` of field `{parts[1]}`"
    return f"`{_show(parts)}`" if parts else "the spec"


def _message(kind: str, err: Any, parts: list[str | int], name: str) -> tuple[str, str | None]:
    """The message and hint of one pydantic error; `name` is the key it is about (`_label`)."""
    value = err.get("input")
    ctx = err.get("ctx") or {}
    last = parts[-1] if parts else ""
    field = f"field `{parts[1]}`: " if len(parts) >= 2 and parts[0] == "fields" else ""
    if kind == "missing":
        if parts == ["entity"]:
            return "`entity` is required", "start the file with `entity: <name>`"
        if last == "type":
            return f"field `{parts[1]}` needs a `type`", "e.g. {type: string, max_length: 80}"
        return f"{name} is required", f"add `{last}: ...`"
    if kind == "extra_forbidden":
        key = str(last)
        allowed = _allowed_keys(parts)
        hints = {ENTITY_KEYS: ENTITY_KEY_HINTS, FIELD_KEYS: FIELD_KEY_HINTS}.get(allowed, {})
        hint = hints.get(key.lower())
        close = difflib.get_close_matches(key, [*allowed, *hints], n=1, cutoff=0.6)
        if hint is None and close and close[0] in allowed:
            hint = f"did you mean `{close[0]}`?"
        elif hint is None and close:
            hint = hints[close[0]]
        if hint is None and allowed:
            hint = "allowed: " + ", ".join(allowed)
        return f"unknown key `{key}`{_where(parts[:-1])}", hint
    if kind == "literal_error":
        expected = str(ctx.get("expected", ""))
        if last == "type" and isinstance(value, str):
            return f"{field}unknown field type `{value}`", type_hint(value)
        words = [w.strip(" '") for w in expected.replace(" or ", ",").split(",") if w.strip()]
        hint = None
        if isinstance(value, str):
            close = difflib.get_close_matches(value, words, n=1)
            hint = f"did you mean `{close[0]}`?" if close else None
        return (
            f"{name} must be one of {', '.join(words)}; got `{value}`",
            hint or f"write one of {', '.join(words)}",
        )
    if kind == "bool_type":
        return f"{name} must be `true` or `false`, not `{value}`", "write `true` or `false`"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"{name} must be a whole number, not `{value}`", "write a whole number such as `10`"
    if kind in ("float_type", "float_parsing"):
        return f"{name} must be a number, not `{value}`", "write a number such as `1.5`"
    if kind == "string_type":
        hint = f"quote it: '{value}'" if isinstance(value, int | float | bool) else "write text"
        return f"{name} must be text, not `{value}`", hint
    if kind == "list_type":
        return f"{name} must be a list", "write a list, e.g. [a, b]"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"{name} must be a mapping of keys", "write `key: value` lines under it"
    if kind == "value_error":
        error = ctx.get("error")
        if isinstance(error, ShorthandError):
            return field + error.message, error.hint
        text = str(error) if error is not None else str(err.get("msg", ""))
        return field + text, None
    return f"{name}: {err.get('msg', 'invalid value')}", "see docs/spec-language.md"


__all__ = ["FIELD_TYPES", "LoadedSpec", "display_path", "load_specs", "load_text"]
