"""Property tests: random valid spec sets resolve; random mutations of them either resolve or
fail with located `SpecErrors` — never with any other exception."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scaffold.errors import SpecErrors
from scaffold.ir.model import Schema
from scaffold.ir.resolve import resolve
from scaffold.spec.load import load_specs

ENTITY_NAMES = ["alpha", "beta", "gamma", "delta"]
FIELD_NAMES = ["title", "body", "amount", "price", "status", "note", "score", "due", "flag", "code"]
SCALAR_TYPES = [
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
]
SETTINGS = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def scalar_field(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(SCALAR_TYPES))
    spec: dict[str, Any] = {"type": kind}
    required = draw(st.booleans())
    if not required:
        spec["required"] = False
    with_default = draw(st.booleans()) and kind != "password"
    if kind in ("string", "text"):
        high = draw(st.integers(1, 300))
        low = draw(st.integers(0, high))
        if kind == "string" or draw(st.booleans()):
            spec["max_length"] = high
        if draw(st.booleans()):
            spec["min_length"] = low
        if with_default:
            spec["default"] = "x" * max(low, min(high, 3))
    elif kind in ("int", "bigint"):
        low = draw(st.integers(-1000, 1000))
        high = draw(st.integers(low, 2000))
        if draw(st.booleans()):
            spec.update(min=low, max=high)
        if with_default:
            spec["default"] = low
    elif kind == "float":
        if with_default:
            spec["default"] = draw(st.floats(-1e6, 1e6, allow_nan=False))
    elif kind == "decimal":
        spec.update(precision=10, scale=2)
        if with_default:
            spec["default"] = "12.50"
    elif kind == "bool":
        if with_default:
            spec["default"] = draw(st.booleans())
    elif kind == "date":
        if with_default:
            spec["default"] = "2024-02-29"
    elif kind == "datetime":
        if with_default:
            spec["default"] = "2024-02-29T10:00:00+00:00"
    elif kind == "uuid":
        if with_default:
            spec["default"] = "12345678-1234-5678-1234-567812345678"
    elif kind == "email":
        if with_default:
            spec["default"] = "a@example.com"
    elif kind == "url":
        if with_default:
            spec["default"] = "https://example.com"
    elif kind == "enum":
        values = draw(
            st.lists(
                st.sampled_from(["open", "closed", "draft", "a1", "b-2"]),
                min_size=1,
                max_size=4,
                unique=True,
            )
        )
        spec["values"] = values
        if with_default:
            spec["default"] = draw(st.sampled_from(values))
    elif kind == "json" and with_default:
        spec["default"] = draw(st.sampled_from([{}, [], {"a": [1, "b"]}, "x", 3]))
    # a unique field must admit at least 8 values (the rows one generated test makes)
    narrow = kind in ("bool", "enum") or ("min" in spec and spec["max"] - spec["min"] < 7)
    if kind not in ("json", "password") and draw(st.booleans()):
        spec["index" if narrow else draw(st.sampled_from(["unique", "index"]))] = True
    if draw(st.booleans()):
        spec["description"] = "Some words."
    return spec


@st.composite
def spec_set(draw: st.DrawFn) -> dict[str, dict[str, Any]]:
    count = draw(st.integers(1, len(ENTITY_NAMES)))
    specs: dict[str, dict[str, Any]] = {}
    owners: dict[str, str] = {}
    for name in ENTITY_NAMES[:count]:
        spec: dict[str, Any] = {"entity": name}
        fields: dict[str, Any] = {}
        for fname in draw(st.lists(st.sampled_from(FIELD_NAMES), max_size=5, unique=True)):
            fields[fname] = draw(scalar_field())
        earlier = list(specs)
        for target in draw(st.lists(st.sampled_from(earlier), unique=True)) if earlier else []:
            ref: dict[str, Any] = {"type": "ref", "to": target}
            if draw(st.booleans()):
                ref["required"] = False
                ref["on_delete"] = draw(st.sampled_from(["cascade", "restrict", "set_null"]))
            else:
                ref["on_delete"] = draw(st.sampled_from(["cascade", "restrict"]))
            fields[target] = ref
        owned = [t for t in earlier if owners[t] != "none"]
        owner = draw(st.sampled_from(["user", "none", *(["through"] if owned else [])]))
        if owner == "through":
            parent = draw(st.sampled_from(owned))
            fields[parent] = {"type": "ref", "to": parent, "on_delete": "cascade"}
            spec["owner"] = {"through": parent}
        elif owner == "none" or draw(st.booleans()):
            spec["owner"] = owner
        owners[name] = owner
        if owner != "through":
            choices = ["private", "public", *(["per_row"] if owner == "user" else [])]
            spec["visibility"] = draw(st.sampled_from(choices))
        for flag in ("timestamps", "soft_delete", "versioned", "api"):
            if draw(st.booleans()):
                spec[flag] = draw(st.booleans())
        if fields:
            spec["fields"] = fields
        filterable = [f for f, s in fields.items() if s["type"] not in ("json", "password")]
        listing: dict[str, Any] = {}
        if filterable and draw(st.booleans()):
            listing["filters"] = draw(st.lists(st.sampled_from(filterable), unique=True))
        if spec.get("timestamps", True) and draw(st.booleans()):
            listing["order"] = ["-created_at", "-id"]
        if draw(st.booleans()):
            listing["default_limit"] = draw(st.integers(1, 50))
            listing["max_limit"] = draw(st.integers(50, 1000))
        if listing:
            spec["list"] = listing
        if filterable and draw(st.booleans()):
            spec["indexes"] = [draw(st.lists(st.sampled_from(filterable), min_size=1, unique=True))]
        specs[name] = spec
    return specs


def _resolve_texts(texts: dict[str, str]) -> Schema:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "specs").mkdir()
        files = []
        for name, text in texts.items():
            path = root / "specs" / f"{name}.yaml"
            path.write_text(text, encoding="utf-8")
            files.append(path)
        return resolve(load_specs(files, root=root))


def _dump(specs: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {name: yaml.safe_dump(spec, sort_keys=False) for name, spec in specs.items()}


@SETTINGS
@given(spec_set())
def test_random_valid_spec_sets_resolve(specs: dict[str, dict[str, Any]]) -> None:
    schema = _resolve_texts(_dump(specs))
    assert sorted(e.name for e in schema.entities) == sorted(specs)
    assert Schema.from_json(schema.to_json()) == schema


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.sampled_from(
        [
            "../x",
            "order",
            "user",
            "-id",
            "ref(nope)",
            "string(0)",
            "enum()",
            "id",
            "created_at",
            "set_null",
            "alpha",
            "beta",
            "json",
            "2024-13-01",
            "0.001",
            "through",
            "",
            "a" * 70,
            "1e999999999",
            10**400,
        ]
    ),
    st.lists(st.sampled_from(["id", "title", "-created_at", "alpha", 1]), max_size=3),
    st.dictionaries(
        st.sampled_from(["through", "type", "fields", "x"]), st.text(max_size=4), max_size=2
    ),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, str]:
    specs = draw(spec_set())
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(sorted(specs)))
        paths = _paths(specs[name])
        path = draw(st.sampled_from(paths))
        parent: Any = specs[name]
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        action = draw(st.sampled_from(["replace", "delete", "rename", "add"]))
        if action == "replace":
            parent[last] = draw(JUNK)
        elif action == "delete":
            del parent[last]
        elif action == "rename" and isinstance(parent, dict):
            new_key = draw(st.sampled_from(["order", "type", "nullable", "id", "Title", "x y"]))
            parent[new_key] = parent.pop(last)
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["zzz", "default", "unique", "to", "owner"]))] = draw(JUNK)
    texts = _dump(specs)
    if draw(st.booleans()):  # damage the text itself
        name = draw(st.sampled_from(sorted(texts)))
        text = texts[name]
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            texts[name] = (
                text[:at]
                + draw(st.sampled_from([":", "\t", "- ", "{", "'", "\n  x: y"]))
                + text[at:]
            )
        else:
            texts[name] = text[:at] + text[at + 1 :]
    return texts


@settings(SETTINGS, max_examples=200)
@given(mutated())
def test_mutated_specs_resolve_or_fail_with_located_errors(texts: dict[str, str]) -> None:
    try:
        _resolve_texts(texts)
    except SpecErrors as errors:
        assert errors.diagnostics
        for diag in errors.diagnostics:
            assert diag.location.file.startswith("specs/"), diag
            assert diag.location.line >= 1, diag
            assert diag.message
