"""Hypothesis strategies: valid spec sets covering the whole spec language, and mutations of
them that are invalid by construction (each names the rule it breaks)."""

from __future__ import annotations

import copy
from typing import Any

import yaml
from hypothesis import strategies as st

ENTITY_NAMES = ["alpha", "beta", "gamma", "delta"]
FIELD_NAMES = [
    "title",
    "body",
    "amount",
    "price",
    "status",
    "note",
    "score",
    "due",
    "flag",
    "code",
    "label",
    "starts_at",
    "ratio",
    "token",
    "website",
    "contact",
]
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
ENUM_VALUES = ["open", "closed", "draft", "a1", "b-2", "x.y"]
# kinds a composite primary key, a unique set or a filter may use
KEYABLE = {"string", "int", "bigint", "date", "uuid", "enum", "bool", "email", "datetime"}
SpecSet = dict[str, dict[str, Any]]


@st.composite
def scalar_field(draw: st.DrawFn, kind: str | None = None) -> dict[str, Any]:
    kind = kind or draw(st.sampled_from(SCALAR_TYPES))
    spec: dict[str, Any] = {"type": kind}
    if draw(st.booleans()):
        spec["required"] = False
    with_default = draw(st.booleans()) and kind != "password"
    if kind in ("string", "text"):
        high = draw(st.integers(1, 300))
        low = draw(st.integers(0, min(high, 5)))
        if kind == "string" or draw(st.booleans()):
            spec["max_length"] = high
        pattern = draw(st.booleans())
        if pattern:
            spec["pattern"] = "^[a-z]*$"
        if draw(st.booleans()):
            spec["min_length"] = low
        if with_default:
            spec["default"] = "x" * max(low, min(high, 3))
    elif kind in ("int", "bigint"):
        bound = 2**31 - 1 if kind == "int" else 2**63 - 1
        low = draw(st.integers(-bound - 1, bound))
        high = draw(st.integers(low, bound))
        if draw(st.booleans()):
            spec.update(min=low, max=high)
        if with_default:
            spec["default"] = low
    elif kind == "float":
        if draw(st.booleans()):
            spec.update(min=-1000.5, max=1000.5)
        if with_default:
            spec["default"] = draw(st.floats(-1000, 1000, allow_nan=False))
    elif kind == "decimal":
        if draw(st.booleans()):
            spec.update(precision=10, scale=2)
        if with_default:
            spec["default"] = "12.50" if "precision" in spec else "12.00"
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
        if draw(st.booleans()):
            spec["max_length"] = draw(st.integers(20, 320))
        if with_default:
            spec["default"] = "a@example.com"
    elif kind == "url":
        if with_default:
            spec["default"] = "https://example.com/x"
    elif kind == "enum":
        values = draw(st.lists(st.sampled_from(ENUM_VALUES), min_size=1, max_size=4, unique=True))
        spec["values"] = values
        if with_default:
            spec["default"] = draw(st.sampled_from(values))
    elif kind == "json" and with_default:
        spec["default"] = draw(st.sampled_from([{}, [], {"a": [1, "b"]}, "x", 3]))
    if kind not in ("json", "password") and draw(st.booleans()):
        spec[draw(st.sampled_from(["unique", "index"]))] = True
    if kind not in ("password",) and not spec.get("unique") and draw(st.integers(0, 5)) == 0:
        spec["secret"] = True
    if draw(st.integers(0, 4)) == 0:
        spec["immutable"] = True
    if draw(st.booleans()):
        spec["description"] = draw(st.sampled_from(["Some words.", "Ünïcode — “quotes” 'and' \\"]))
    return spec


def _short(spec: dict[str, Any]) -> Any:
    """The short form of a field when it has one (`text`, `string(120)?`, `enum(a,b)`)."""
    kind = spec["type"]
    extra = set(spec) - {"type", "required", "max_length", "values", "to"}
    if extra:
        return spec
    suffix = "" if spec.get("required", True) else "?"
    if kind == "string" and "max_length" in spec:
        return f"string({spec['max_length']}){suffix}"
    if kind == "enum":
        return f"enum({','.join(spec['values'])}){suffix}"
    if kind == "ref" and "on_delete" not in spec:
        return f"ref({spec['to']}){suffix}"
    if set(spec) <= {"type", "required"}:
        return f"{kind}{suffix}"
    return spec


@st.composite
def spec_set(draw: st.DrawFn, max_entities: int = len(ENTITY_NAMES)) -> SpecSet:
    """A set of specs that must resolve: every type, option, ref kind, owner kind, visibility,
    composite keys, indexes (partial too), unique sets and listing options."""
    count = draw(st.integers(1, max_entities))
    specs: SpecSet = {}
    owners: dict[str, str] = {}
    for name in ENTITY_NAMES[:count]:
        spec: dict[str, Any] = {"entity": name}
        fields: dict[str, dict[str, Any]] = {}
        for fname in draw(st.lists(st.sampled_from(FIELD_NAMES), max_size=5, unique=True)):
            fields[fname] = draw(scalar_field())
        earlier = list(specs)
        for target in draw(st.lists(st.sampled_from(earlier), unique=True)) if earlier else []:
            ref: dict[str, Any] = {"type": "ref", "to": target}
            if draw(st.booleans()):
                ref["required"] = False
                ref["on_delete"] = draw(st.sampled_from(["cascade", "restrict", "set_null"]))
            elif draw(st.booleans()):
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
        if owner != "through" and draw(st.booleans()):
            choices = ["private", "public", *(["per_row"] if owner == "user" else [])]
            spec["visibility"] = draw(st.sampled_from(choices))
        if draw(st.integers(0, 5)) == 0:
            fields["parent"] = {
                "type": "ref",
                "to": name,
                "required": False,
                "on_delete": "set_null",
            }
        for flag in ("timestamps", "soft_delete", "versioned", "api"):
            if draw(st.booleans()):
                spec[flag] = draw(st.booleans())
        timestamps = spec.get("timestamps", True)
        if draw(st.integers(0, 4)) == 0:
            spec["table"] = f"{name}_rows"
        if draw(st.booleans()):
            spec["description"] = f"The {name} entity."
        # composite primary key: id + created_at, or id + a required scalar field
        keyable = [
            f
            for f, s in fields.items()
            if s["type"] in KEYABLE - {"bool", "datetime"}
            and s.get("required", True)
            and not s.get("secret")
        ]
        choice = draw(st.integers(0, 3))
        if choice == 0 and timestamps:
            spec["primary_key"] = ["id", "created_at"]
        elif choice == 1 and keyable:
            spec["primary_key"] = ["id", draw(st.sampled_from(keyable))]
        scalars = [
            f
            for f, s in fields.items()
            if s["type"] in KEYABLE and not s.get("secret") and s["type"] != "ref"
        ]
        filterable = [
            f
            for f, s in fields.items()
            if s["type"] not in ("json", "password") and not s.get("secret")
        ]
        listing: dict[str, Any] = {}
        if filterable and draw(st.booleans()):
            listing["filters"] = draw(st.lists(st.sampled_from(filterable), unique=True))
        orders = [["id"], ["-id"], *([["-created_at", "-id"], ["created_at", "id"]] * timestamps)]
        if "primary_key" not in spec and draw(st.booleans()):  # `id` alone is unique
            listing["order"] = draw(st.sampled_from(orders))
        if draw(st.booleans()):
            listing["default_limit"] = draw(st.integers(1, 50))
            listing["max_limit"] = draw(st.integers(50, 1000))
        if listing:
            spec["list"] = listing
        indexes: list[Any] = []
        if filterable and draw(st.booleans()):
            indexes.append(draw(st.lists(st.sampled_from(filterable), min_size=1, unique=True)))
        testable = [f for f, s in fields.items() if s["type"] in ("enum", "bool")]
        if scalars and testable and draw(st.booleans()):
            tested = draw(st.sampled_from(testable))
            value = fields[tested]["values"][0] if fields[tested]["type"] == "enum" else True
            indexes.append({"fields": [draw(st.sampled_from(scalars))], "where": {tested: value}})
        if indexes:
            spec["indexes"] = indexes
        if len(scalars) >= 2 and draw(st.booleans()):
            spec["unique"] = [draw(st.lists(st.sampled_from(scalars), min_size=2, unique=True))]
        if fields:
            short = draw(st.booleans())
            spec["fields"] = {f: (_short(s) if short else s) for f, s in fields.items()}
        specs[name] = spec
    return specs


def dump(specs: SpecSet) -> dict[str, str]:
    """file name → YAML text (block style, keys in spec order)."""
    return {
        f"{name}.yaml": yaml.safe_dump(spec, sort_keys=False, allow_unicode=True)
        for name, spec in specs.items()
    }


# ---------------------------------------------------------------------------------------------
# invalid mutations: each takes a valid spec set and returns texts that must be refused


def _any_field(draw: st.DrawFn, specs: SpecSet) -> tuple[str, str] | None:
    pairs = [(e, f) for e, s in specs.items() for f in s.get("fields", {})]
    return draw(st.sampled_from(pairs)) if pairs else None


def _long_form(spec: dict[str, Any], field: str) -> dict[str, Any]:
    value = spec["fields"][field]
    if isinstance(value, str):
        kind = value.rstrip("?").split("(", 1)[0]
        long: dict[str, Any] = {"type": kind}
        if "(" in value:
            arg = value.rstrip("?")[len(kind) + 1 : -1]
            if kind == "string":
                long["max_length"] = int(arg)
            elif kind == "enum":
                long["values"] = arg.split(",")
            elif kind == "ref":
                long["to"] = arg
        if value.endswith("?"):
            long["required"] = False
        spec["fields"][field] = long
        return long
    return value


RESERVED_FIELDS = [
    "select",
    "order",
    "group",
    "table",
    "limit",
    "class",
    "from",
    "match",
    "id",
    "created_at",
    "user_id",
    "version",
    "visibility",
    "list",
    "metadata",
    "oid",
    "xmin",
    "rowid",
    "session",
    "model_dump",
]
NON_ASCII = ["títle", "名前", "naïve", "straße", "ﬁeld", "тема"]
RESERVED_ENTITIES = ["class", "page", "base", "actor", "query", "lambda"]
WRONG_TYPES: list[tuple[str, Any]] = [
    ("timestamps", "maybe"),
    ("soft_delete", 3),
    ("versioned", "yes"),
    ("api", [True]),
    ("visibility", 7),
    ("visibility", "secret"),
    ("owner", 12),
    ("owner", ["user"]),
    ("fields", ["title"]),
    ("fields", "title: text"),
    ("entity", 5),
    ("entity", ["alpha"]),
    ("list", "all"),
    ("indexes", {"fields": 3}),
    ("unique", 42),
    ("primary_key", {"id": True}),
    ("description", {"a": 1}),
]
FIELD_WRONG_TYPES: list[tuple[str, Any]] = [
    ("required", "no"),
    ("required", 1),
    ("unique", "true"),
    ("type", 3),
    ("type", "strnig"),
    ("type", ["text"]),
    ("max_length", "long"),
    ("max_length", 0),
    ("max_length", -5),
    ("min", "low"),
    ("description", ["x"]),
    ("on_delete", "explode"),
]


INVALID_KINDS = [
    "missing_entity",
    "missing_type",
    "ref_without_to",
    "wrong_type",
    "field_wrong_type",
    "duplicate_key",
    "duplicate_entity",
    "reserved_field",
    "reserved_entity",
    "non_ascii_field",
    "non_ascii_entity",
    "long_field",
    "long_entity",
    "huge_length",
    "huge_int",
    "ownership_cycle",
    "ref_cycle",
    "bad_ref",
    "unknown_key",
    "yaml_damage",
    "not_a_mapping",
    "file_name_mismatch",
]


@st.composite
def invalid_spec_set(draw: st.DrawFn, kind: str) -> dict[str, str]:
    """file name → text: a valid set with one mutation of `kind` that breaks it."""
    specs = copy.deepcopy(draw(spec_set(max_entities=3)))
    names = sorted(specs)
    name = draw(st.sampled_from(names))
    spec = specs[name]
    rename_file: tuple[str, str] | None = None
    text_edit: str | None = None
    if kind == "missing_entity":
        del spec["entity"]
    elif kind == "missing_type":
        spec.setdefault("fields", {})["extra"] = {"required": False}
    elif kind == "ref_without_to":
        spec.setdefault("fields", {})["link"] = {"type": "ref", "on_delete": "cascade"}
    elif kind == "wrong_type":
        key, value = draw(st.sampled_from(WRONG_TYPES))
        spec[key] = value
    elif kind == "field_wrong_type":
        key, value = draw(st.sampled_from(FIELD_WRONG_TYPES))
        spec.setdefault("fields", {}).setdefault("extra", {"type": "int"})
        picked = _any_field(draw, specs) or (name, "extra")
        target = _long_form(specs[picked[0]], picked[1])
        if key in ("max_length", "min") and target["type"] not in ("string", "text", "int"):
            target.clear()
            target["type"] = "string" if key == "max_length" else "int"
        if key == "on_delete":
            target.clear()
            target.update(type="ref", to=picked[0], required=False)
        target[key] = value
    elif kind == "duplicate_key":
        text_edit = draw(st.sampled_from([f"entity: {name}\n", "timestamps: true\n"]))
        spec["timestamps"] = True
    elif kind == "duplicate_entity":
        rename_file = ("", f"{name}_copy.yaml")  # the same entity in a second file
    elif kind == "reserved_field":
        spec.setdefault("fields", {})[draw(st.sampled_from(RESERVED_FIELDS))] = "int?"
    elif kind == "reserved_entity":
        new = draw(st.sampled_from(RESERVED_ENTITIES))
        spec["entity"] = new
        rename_file = (name, f"{new}.yaml")
    elif kind == "non_ascii_field":
        spec.setdefault("fields", {})[draw(st.sampled_from(NON_ASCII))] = "text?"
    elif kind == "non_ascii_entity":
        new = draw(st.sampled_from(NON_ASCII))
        spec["entity"] = new
        rename_file = (name, f"{new}.yaml")
    elif kind == "long_field":
        spec.setdefault("fields", {})["f" + "x" * draw(st.integers(63, 300))] = "int?"
    elif kind == "long_entity":
        new = "e" + "x" * draw(st.integers(63, 200))
        spec["entity"] = new
        rename_file = (name, f"{new}.yaml")
    elif kind == "huge_length":
        spec.setdefault("fields", {})["huge"] = draw(
            st.sampled_from(
                [
                    {"type": "string", "max_length": 10_485_761 + draw(st.integers(0, 10**12))},
                    "string(99999999999999999999)",
                    {"type": "decimal", "precision": 10**6, "scale": 2},
                    {"type": "decimal", "precision": 5, "scale": 9},
                    {"type": "enum", "values": ["v" * 65]},
                    {"type": "text", "min_length": 10, "max_length": 5},
                ]
            )
        )
    elif kind == "huge_int":
        spec.setdefault("fields", {})["huge"] = draw(
            st.sampled_from(
                [
                    {"type": "int", "max": 2**31},
                    {"type": "int", "min": -(2**31) - 1},
                    {"type": "bigint", "default": 2**63},
                    {"type": "int", "min": 10**40},
                    {"type": "int", "min": 5, "max": 1},
                ]
            )
        )
    elif kind == "ownership_cycle":
        other = "omega"
        specs[other] = {
            "entity": other,
            "owner": {"through": "zeta"},
            "fields": {"zeta": {"type": "ref", "to": "zeta"}},
        }
        specs["zeta"] = {
            "entity": "zeta",
            "owner": {"through": "omega"},
            "fields": {"omega": {"type": "ref", "to": "omega"}},
        }
    elif kind == "ref_cycle":
        specs["omega"] = {"entity": "omega", "fields": {"zeta": "ref(zeta)"}}
        specs["zeta"] = {"entity": "zeta", "fields": {"omega": "ref(omega)"}}
    elif kind == "bad_ref":
        target = draw(st.sampled_from(["zeta", "Alpha", "alpah", "../alpha", "", "users"]))
        spec.setdefault("fields", {})["link"] = {"type": "ref", "to": target}
    elif kind == "unknown_key":
        if draw(st.booleans()):
            spec[draw(st.sampled_from(["fieldz", "onwer", "softdelete", "order"]))] = True
        else:
            spec.setdefault("fields", {})["extra"] = {
                "type": "text",
                draw(st.sampled_from(["nullable", "lenght", "maxlength", "optional"])): True,
            }
    texts = dump(specs)
    file = f"{name}.yaml"
    if rename_file is not None:
        old, new = rename_file
        if old:
            texts[new] = texts.pop(file)
            file = new
        else:
            texts[new] = texts[file]
    if text_edit is not None:
        texts[file] += text_edit
    if kind == "yaml_damage":
        damage = draw(st.sampled_from(["fields: [\n", "  bad: {type: text\n", "\t- x\n", ": :\n"]))
        texts[file] += damage
    elif kind == "not_a_mapping":
        texts[file] = draw(st.sampled_from(["- entity: x\n", "just words\n", "42\n", "~\n"]))
    elif kind == "file_name_mismatch":
        texts[f"renamed_{file}"] = texts.pop(file)
    return texts
