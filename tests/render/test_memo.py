"""The render memo (render/memo.py) never serves a stale module: after any spec change, a render
that takes unchanged entities from the memo equals a render without it.

The changes are made to random spec sets of the reliability gate (tests/reliability), one entity
at a time, of the kinds that reach other entities' modules: a new field, a new ref to another
entity (kept or restricting deletes), a new many field, soft delete and audit switched, refs
dropped, a whole entity dropped. Then a sequence of unrelated random sets over the same entity
names is rendered through one memo.
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scaffold.errors import SpecErrors
from scaffold.ir.model import Schema
from scaffold.pipeline import load_schema, spec_files
from scaffold.render import memo as memo_module
from scaffold.render import project as render_project_module
from scaffold.render.project import render_project
from tests.reliability.strategies import SpecSet, dump, gate_spec_set
from tests.render.cases import PACKAGE

Mutation = Callable[[SpecSet, str, str], bool]


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("SCAFFOLD_NO_CACHE", raising=False)
    monkeypatch.setenv("SCAFFOLD_CACHE_DIR", str(tmp_path / "cache"))
    yield


def _schema(specs: SpecSet) -> Schema | None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "specs").mkdir()
        for name, text in dump(specs).items():
            (root / "specs" / name).write_text(text, encoding="utf-8")
        try:
            return load_schema(spec_files([root / "specs"]), root)
        except SpecErrors:
            return None


def _memoized(schema: Schema) -> tuple[dict[str, str], int]:
    """The render through the memo, and how many entities it took from the memo."""
    hits = 0
    lookup = memo_module.RenderMemo.lookup

    def counting(self: memo_module.RenderMemo, *args: Any) -> dict[str, str] | None:
        nonlocal hits
        found = lookup(self, *args)
        hits += found is not None
        return found

    memo_module.RenderMemo.lookup = counting  # type: ignore[method-assign]
    try:
        return render_project(schema, package=PACKAGE), hits
    finally:
        memo_module.RenderMemo.lookup = lookup  # type: ignore[method-assign]


def _fresh(schema: Schema, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The render with the memo off (the formatted-module cache stays: it is keyed by the raw
    text, so a stale raw text could not hide behind it)."""
    with monkeypatch.context() as patch:
        patch.setattr(render_project_module, "memo_folder", lambda: None)
        return render_project(schema, package=PACKAGE)


def _add_field(specs: SpecSet, name: str, _other: str) -> bool:
    specs[name]["fields"]["zz_note"] = {"type": "string", "max_length": 40, "required": False}
    return True


def _add_ref(on_delete: str) -> Mutation:
    def mutate(specs: SpecSet, name: str, other: str) -> bool:
        specs[name]["fields"]["zz_ref"] = {
            "type": "ref",
            "to": other,
            "required": on_delete != "set_null",
            "on_delete": on_delete,
        }
        return True

    return mutate


def _add_many(specs: SpecSet, name: str, other: str) -> bool:
    specs[name]["fields"]["zz_links"] = {"type": "many", "to": other}
    return True


def _toggle(key: str) -> Mutation:
    def mutate(specs: SpecSet, name: str, _other: str) -> bool:
        specs[name][key] = not specs[name].get(key, False)
        return True

    return mutate


def _drop_refs(specs: SpecSet, name: str, _other: str) -> bool:
    fields = specs[name]["fields"]
    gone = [
        f for f, v in fields.items() if isinstance(v, dict) and v.get("type") in ("ref", "many")
    ]
    for f in gone:
        del fields[f]
    for spec in specs.values():  # indexes and unique sets naming them would not resolve
        for key in ("indexes", "unique"):
            if key in spec and spec is specs[name]:
                del spec[key]
    specs[name].pop("stats", None)
    return bool(gone)


def _drop_entity(specs: SpecSet, name: str, _other: str) -> bool:
    del specs[name]
    return bool(specs)


MUTATIONS: dict[str, Mutation] = {
    "a new field": _add_field,
    "a new ref, cascading": _add_ref("cascade"),
    "a new ref, restricting deletes": _add_ref("restrict"),
    "a new optional ref": _add_ref("set_null"),
    "a new many field": _add_many,
    "soft delete switched": _toggle("soft_delete"),
    "audit switched": _toggle("audit"),
    "its refs dropped": _drop_refs,
    "the entity dropped": _drop_entity,
}
SEEDS = [1200, 1203, 1207]
SOLO = "zz_solo"


@pytest.mark.parametrize("seed", SEEDS)
def test_a_memoized_render_equals_a_fresh_one_after_every_kind_of_change(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = gate_spec_set(seed)
    names = sorted(base)
    # an entity no other reaches: what points at it after a change is all its renders can
    # learn of it (the project-wide lookups' values, not the entities' own digests)
    base[SOLO] = {"entity": SOLO, "fields": {"title": "string(40)"}}
    base_schema = _schema(base)
    assert base_schema is not None, f"gate_spec_set({seed}) does not resolve"
    checked = 0
    for name in names:
        for other in (names[(names.index(name) + 1) % len(names)], SOLO):
            for kind, mutate in MUTATIONS.items():
                changed = copy.deepcopy(base)
                if not mutate(changed, name, other):
                    continue
                schema = _schema(changed)
                if schema is None:  # the change does not resolve with this set (a cycle, a key)
                    continue
                _memoized(base_schema)  # the memo holds the base set's renders
                got, _ = _memoized(schema)
                fresh = _fresh(schema, monkeypatch)
                assert got == fresh, f"{kind} on {name} (to {other}): a stale module"
                checked += 1
    assert checked >= len(names) * 8


def test_a_sequence_of_unrelated_sets_over_the_same_names(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = 0
    for seed in range(1300, 1312):
        schema = _schema(gate_spec_set(seed))
        if schema is None:
            continue
        got, _ = _memoized(schema)
        assert got == _fresh(schema, monkeypatch), f"gate_spec_set({seed}): a stale module"
        seen += 1
    assert seen >= 8


def test_a_change_to_an_entity_nothing_reaches_renders_that_entity_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = gate_spec_set(SEEDS[0])
    base[SOLO] = {"entity": SOLO, "fields": {"title": "string(40)"}}
    base_schema = _schema(base)
    assert base_schema is not None
    _memoized(base_schema)
    changed = copy.deepcopy(base)
    _add_field(changed, SOLO, "")
    schema = _schema(changed)
    assert schema is not None
    got, hits = _memoized(schema)
    assert hits == len(schema.entities) - 1
    assert got == _fresh(schema, monkeypatch)
    assert "zz_note" in got["src/probeapp/entities/zz_solos/model.py"]


def test_an_unchanged_set_is_taken_whole_from_the_memo() -> None:
    schema = _schema(gate_spec_set(SEEDS[0]))
    assert schema is not None
    first, _ = _memoized(schema)
    again, hits = _memoized(schema)
    assert again == first
    assert hits == len(schema.entities)


def test_an_entity_that_reads_every_entity_is_not_memoized() -> None:
    """A render that iterates the whole schema has no narrower dependencies to record."""
    schema = _schema(gate_spec_set(SEEDS[0]))
    assert schema is not None
    project = render_project_module.pysource.ProjectView(schema=schema, package=PACKAGE)
    memo = memo_module.RenderMemo(project, setting="probe", folder=Path(tempfile.mkdtemp()))
    tracked, deps = memo.tracked()
    tracked.view(schema.entities[0])
    assert not deps.everything
    list(tracked.schema.entities)
    assert deps.everything
