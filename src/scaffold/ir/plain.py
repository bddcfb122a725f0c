"""IR nodes as JSON data: what `dataclasses.asdict` gives, without its deep copies, fast.

`plain` runs over every entity and table of a schema at every `scaffold generate` (the render
memo's digests, the migration snapshot), tens of thousands of nodes, so each node type gets a
converter once a run: a dataclass's is compiled code that reads its fields by name, and values
of the built-in scalar types are returned without a call.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

_SCALARS: frozenset[type] = frozenset({str, int, float, bool, type(None)})
_converters: dict[type, Callable[[Any], Any]] = {}


def plain(node: Any) -> Any:
    """`node` as JSON data: lists for tuples and lists, dicts for dicts and dataclasses."""
    tp = type(node)
    if tp in _SCALARS:
        return node
    convert = _converters.get(tp)
    if convert is None:
        convert = _converters[tp] = _converter(tp)
    return convert(node)


def _sequence(node: Any) -> list[Any]:
    return [plain(item) for item in node]


def _mapping(node: Any) -> dict[Any, Any]:
    return {key: plain(value) for key, value in node.items()}


def _same(node: Any) -> Any:
    return node


def _converter(tp: type) -> Callable[[Any], Any]:
    if issubclass(tp, tuple | list):
        return _sequence
    if issubclass(tp, dict):
        return _mapping
    if not dataclasses.is_dataclass(tp):
        return _same  # enums, decimals and other leaves, as asdict leaves them
    names = [f.name for f in dataclasses.fields(tp)]
    items = ", ".join(
        f"{name!r}: (v if type(v := node.{name}) in scalars else plain(v))" for name in names
    )
    # the fields are read by name in compiled code: a dataclass field name is an identifier
    code = f"def convert(node):\n    return {{{items}}}\n"
    scope: dict[str, Any] = {"scalars": _SCALARS, "plain": plain}
    exec(compile(code, f"<plain {tp.__qualname__}>", "exec"), scope)
    return scope["convert"]  # type: ignore[no-any-return]
