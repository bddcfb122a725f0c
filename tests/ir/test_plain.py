"""`plain` (ir/plain.py, compiled converters) gives what `dataclasses.asdict` gives, on every
node of the example schema and of both benchmark spec families, and on the odd leaves."""

from __future__ import annotations

import dataclasses
import enum
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from scaffold.ir.plain import plain

from .conftest import REPO, example_schema, resolve_texts

sys.path.insert(0, str(REPO / "bench"))
from families import entity_name, entity_spec


def _same(node: Any) -> None:
    expected = json.dumps(dataclasses.asdict(node), sort_keys=True, default=repr)
    assert json.dumps(plain(node), sort_keys=True, default=repr) == expected


def test_plain_equals_asdict_on_the_example_schema() -> None:
    schema = example_schema()
    _same(schema)
    for entity in schema.entities:
        _same(entity)
    for table in schema.tables:
        _same(table)


@pytest.mark.parametrize("family", ["thing", "wide"])
def test_plain_equals_asdict_on_the_bench_families(tmp_path: Path, family: str) -> None:
    specs = {entity_name(family, i): entity_spec(family, i) for i in range(12)}
    schema = resolve_texts(tmp_path, specs)
    _same(schema)


class Color(enum.Enum):
    RED = "red"


class Pair(NamedTuple):
    a: int
    b: str


@dataclasses.dataclass(frozen=True)
class Leafy:
    color: Color
    amount: Decimal
    pair: Pair
    nested: dict[str, list[tuple[int, ...]]]
    flag: bool | None


def test_plain_keeps_leaves_and_converts_containers_as_asdict_does() -> None:
    node = Leafy(Color.RED, Decimal("1.50"), Pair(1, "x"), {"k": [(1, 2), ()]}, None)
    out = plain(node)
    assert out == {
        "color": Color.RED,
        "amount": Decimal("1.50"),
        "pair": [1, "x"],
        "nested": {"k": [[1, 2], []]},
        "flag": None,
    }
    assert out["color"] is Color.RED
    _same(node)
