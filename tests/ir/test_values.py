"""The values generated factories write (ir/values.py, render/testvalues.py): valid, distinct
within every window of rows one generated test makes, and a located refusal of a unique set
that cannot be."""

from __future__ import annotations

import ast
import datetime
import decimal
import re
import tempfile
import uuid
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scaffold.errors import SpecErrors
from scaffold.ir import values
from scaffold.ir.model import Entity, Schema
from scaffold.ir.resolve import resolve
from scaffold.render import render_project
from scaffold.render.pysource import ProjectView
from scaffold.spec.load import load_specs

REALISTIC = [
    (r"^[a-z0-9]+(?:-[a-z0-9]+)*$", 0, 60),  # slug
    (r"^[A-Z]{3}-[0-9]{4}$", 0, None),  # SKU
    (r"^[A-Z]{2}[0-9]{2}$", 0, None),  # code
    (r"^\+[1-9][0-9]{7,14}$", 0, None),  # phone number
    (r"^#[0-9a-fA-F]{6}$", 0, 7),  # colour
    (r"^[0-9]{5}(-[0-9]{4})?$", 0, None),  # postcode
    (r"^[a-z]*$", 50, 60),  # only long matches fit: exrex's order never reaches them
    (r"[0-9]{3}", 0, None),  # unanchored: pydantic searches
]


@pytest.mark.parametrize(("pattern", "low", "high"), REALISTIC)
def test_pattern_values_match_and_are_distinct(pattern: str, low: int, high: int | None) -> None:
    found = values.pattern_values(pattern, low, high)
    assert len(found) == values.POOL_SIZE
    assert len(set(found)) == len(found)
    for value in found:
        assert re.search(pattern, value), value
        assert low <= len(value) <= (high or len(value))


def test_pattern_values_are_fewer_when_the_pattern_admits_fewer() -> None:
    assert values.pattern_values(r"^(yes|no)$", 0, None) == ("yes", "no")
    assert values.pattern_values(r"^[a-z]{3}$", 0, 2) == ()


def test_pattern_values_do_not_depend_on_the_random_state() -> None:
    import random

    values.pattern_values.cache_clear()
    random.seed(1)
    first = values.pattern_values(r"^[a-z]{20,}$", 25, 30)
    values.pattern_values.cache_clear()
    random.seed(2)
    assert values.pattern_values(r"^[a-z]{20,}$", 25, 30) == first


def _resolve(tmp_path: Path, **specs: str) -> Schema:
    folder = tmp_path / "specs"
    folder.mkdir(exist_ok=True)
    paths = []
    for name, text in specs.items():
        path = folder / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return resolve(load_specs(sorted(paths), root=tmp_path))


def _refused(tmp_path: Path, text: str) -> str:
    with pytest.raises(SpecErrors) as caught:
        _resolve(tmp_path, item=text)
    return "\n".join(d.format() for d in caught.value.diagnostics)


def test_a_unique_bool_is_refused_where_unique_is_written(tmp_path: Path) -> None:
    report = _refused(
        tmp_path, "entity: item\nfields:\n  title: text\n  done: {type: bool, unique: true}\n"
    )
    assert "specs/item.yaml:4:" in report
    assert "unique set (`done`)" in report and "admits 2 distinct values" in report
    assert "Traceback" not in report


def test_a_narrow_composite_set_is_refused_at_its_entry(tmp_path: Path) -> None:
    text = "entity: item\nfields:\n  kind: enum(a,b,c)\n  done: bool\nunique:\n  - [kind, done]\n"
    report = _refused(tmp_path, text)
    assert "specs/item.yaml:6:5:" in report
    assert "admits 6 distinct values (kind: a, b, c; done: true, false)" in report


def test_a_pattern_with_no_value_is_refused_at_the_pattern(tmp_path: Path) -> None:
    text = "entity: item\nfields:\n  code: {type: string, max_length: 2, pattern: '^[A-Z]{3}$'}\n"
    report = _refused(tmp_path, text)
    assert "specs/item.yaml:3:" in report and "`code` admits no value" in report


@pytest.mark.parametrize(
    "fields",
    [
        "  lane: {type: enum, values: [a, b, c, d, e, f, g, h], unique: true}\n",
        "  dock: {type: string, max_length: 1, unique: true}\n",  # 36 one-character strings
        "  done: bool\n  owner_ref: ref(other)\nunique:\n  - [done, owner_ref]\n",
        "  k: enum(a,b,c)\n  done: bool\n  size: enum(s,m)\nunique:\n  - [k, done, size]\n",
        "  units: {type: int, min: 1, max: 8, unique: true}\n",
        "  price: {type: decimal, precision: 3, scale: 2, min: '0.01', max: '0.08',"
        " unique: true}\n",
    ],
)
def test_sets_wide_enough_for_the_generated_tests_resolve(tmp_path: Path, fields: str) -> None:
    schema = _resolve(
        tmp_path,
        item="entity: item\nfields:\n" + fields,
        other="entity: other\nfields:\n  t: text\n",
    )
    assert not values.unique_problems(schema.entity("item"))


# -- the rendered arithmetic, evaluated ---------------------------------------------------------


def _factory_support(schema: Schema) -> SimpleNamespace:
    """The rendered factory_support module's pure functions (its imports need a project)."""
    files = render_project(schema, package="probeapp")
    source = files["tests/entities/factory_support.py"]
    module = ast.parse(source)
    keep = [
        node
        for node in module.body
        if isinstance(node, ast.FunctionDef | ast.Assign)
        and not isinstance(node, ast.AsyncFunctionDef)
        and (not isinstance(node, ast.Assign) or ast.unparse(node).startswith("ALPHABET"))
    ]
    namespace: dict[str, Any] = {}
    exec(compile(ast.Module(body=keep, type_ignores=[]), "factory_support", "exec"), namespace)
    return SimpleNamespace(**namespace)


def _rows(schema: Schema, entity: Entity, count: int) -> list[dict[str, Any]]:
    view = ProjectView(schema=schema, package="probeapp").view(entity)
    namespace: dict[str, Any] = {
        "factory_support": _factory_support(schema),
        "datetime": datetime,
        "decimal": decimal,
        "Decimal": Decimal,
        "uuid": uuid,
    }
    for constant, pool in view.sample_pools:
        namespace[constant] = eval(f"({pool},)")  # the source the module holds
    compiled = {column: compile(src, column, "eval") for column, src in view.sample_fields}
    return [
        {column: eval(code, {**namespace, "n": n}) for column, code in compiled.items()}
        for n in range(1, count + 1)
    ]


def _valid(entity: Entity, row: dict[str, Any]) -> None:
    for field in entity.fields:
        if field.kind == "ref":
            continue
        value = row[field.columns[0]]
        if field.enum_values:
            assert value in field.enum_values
        if field.pattern:
            assert re.search(field.pattern, value)
        if isinstance(value, str):
            assert (field.min_length or 0) <= len(value) <= (field.max_length or len(value))
        if field.min is not None:
            assert Decimal(str(value)) >= Decimal(str(field.min)), (field.name, value)
        if field.max is not None:
            assert Decimal(str(value)) <= Decimal(str(field.max)), (field.name, value)
        if field.kind == "decimal" and field.scale is not None:
            exponent = value.as_tuple().exponent
            assert isinstance(exponent, int) and -exponent <= field.scale


BOUNDED = st.sampled_from(
    [
        "{type: bool}",
        "enum(a,b,c)",
        "enum(a,b)",
        "{type: enum, values: [a, b, c, d, e]}",
        "{type: int, min: -3, max: 3}",
        "{type: int, min: 10, max: 11}",
        "{type: decimal, precision: 4, scale: 2, min: '0.05', max: '0.09'}",
        "{type: string, max_length: 1}",
        "{type: string, pattern: '^[A-C]$'}",
        "{type: string, pattern: '^[xy][0-9]$'}",
        "{type: float, min: 0, max: 2}",
    ]
)


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(shapes=st.lists(BOUNDED, min_size=1, max_size=4), sets=st.data())
def test_every_window_of_rows_is_distinct_in_every_unique_set(
    tmp_path_factory: pytest.TempPathFactory, shapes: list[str], sets: st.DataObject
) -> None:
    names = [f"f{i}" for i in range(len(shapes))]
    unique = sets.draw(
        st.lists(st.lists(st.sampled_from(names), min_size=1, unique=True), min_size=1, max_size=3)
    )
    text = "entity: item\nfields:\n" + "".join(
        f"  {n}: {s}\n" for n, s in zip(names, shapes, strict=True)
    )
    text += "unique:\n" + "".join(f"  - [{', '.join(u)}]\n" for u in unique)
    folder = tmp_path_factory.mktemp("values")
    try:
        schema = _resolve(folder, item=text)
    except SpecErrors as refused:
        assert all("admits" in d.message for d in refused.diagnostics)
        return
    entity = schema.entity("item")
    rows = _rows(schema, entity, 400)
    for row in rows:
        _valid(entity, row)
    for cols in values.unique_sets(entity):
        if cols == ("id",):
            continue
        tuples = [tuple(row[c] for c in cols) for row in rows]
        for start in range(len(tuples) - values.MIN_DISTINCT):
            window = tuples[start : start + values.MIN_DISTINCT]
            assert len(set(window)) == values.MIN_DISTINCT, (cols, start, window)


def test_the_inventory_example_rows_are_valid_and_distinct() -> None:
    root = Path(__file__).resolve().parents[1] / "e2e_entities" / "specs_inventory"
    schema = resolve(load_specs(sorted(root.glob("*.yaml")), root=root.parent))
    for entity in schema.entities:
        rows = _rows(schema, entity, 100)
        for row in rows:
            _valid(entity, row)
        for cols in values.unique_sets(entity):
            plain = [c for c in cols if c in rows[0]]
            if len(plain) < len(cols):
                continue  # a ref or the id makes the set distinct
            for start in range(len(rows) - values.MIN_DISTINCT):
                window = {tuple(r[c] for c in plain) for r in rows[start : start + 8]}
                assert len(window) == values.MIN_DISTINCT, (entity.name, cols)


def test_min_distinct_covers_the_generated_tests() -> None:
    """The most rows of one entity a generated test makes (the paging test's range) stays
    within MIN_DISTINCT."""
    template = Path(__file__).resolve().parents[2] / "templates" / "entity" / "test_entity.py.jinja"
    counts = [int(c) for c in re.findall(r"for _ in range\((\d+)\)", template.read_text())]
    assert counts and max(counts) < values.MIN_DISTINCT


def test_a_parent_made_twice_per_child_row_needs_twice_the_values(tmp_path: Path) -> None:
    """A shipment's factory makes two docks per row (its `origin` and its `target`), so a test
    of shipments makes 2 × MIN_DISTINCT docks: a unique set of the dock needs that many values."""
    child = "entity: shipment\nfields:\n  origin: ref(dock)\n  target: ref(dock)\n"
    narrow = "entity: dock\nfields:\n  bay: {type: int, min: 1, max: 10, unique: true}\n"
    with pytest.raises(SpecErrors) as caught:
        _resolve(tmp_path, dock=narrow, shipment=child)
    report = "\n".join(d.format() for d in caught.value.diagnostics)
    assert "specs/dock.yaml:3:" in report
    assert "admits 10 distinct values" in report and "fewer than the 16 rows" in report
    wide = narrow.replace("max: 10", "max: 16")
    schema = _resolve(tmp_path, dock=wide, shipment=child)
    assert values.rows_at_once(schema.entities) == {"dock": 16, "shipment": 8}


def test_rows_at_once_counts_parents_made_through_other_parents() -> None:
    """A row of `crate` makes a `bay` directly and one through its `dock`: 2 per row; a
    self-reference is left empty by the factories and counts for nothing."""
    schema = _resolve_texts(
        bay="entity: bay\nfields:\n  title: text\n  up: {type: ref, to: bay, required: false}\n",
        dock="entity: dock\nfields:\n  bay: ref(bay)\n",
        crate="entity: crate\nfields:\n  bay: ref(bay)\n  dock: ref(dock)\n",
    )
    assert values.rows_at_once(schema.entities) == {"bay": 16, "dock": 8, "crate": 8}


def _resolve_texts(**specs: str) -> Schema:
    with tempfile.TemporaryDirectory() as tmp:
        return _resolve(Path(tmp), **specs)
