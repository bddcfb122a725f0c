"""Hypothesis strategies: valid spec sets covering the whole spec language, and mutations of
them that are invalid by construction (each names the rule it breaks)."""

from __future__ import annotations

import copy
import random
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

import yaml
from hypothesis import strategies as st

T = TypeVar("T")

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
# ten values: a unique enum needs at least MIN_UNIQUE_VALUES of them (the capacity rule)
ENUM_VALUES = ["open", "closed", "draft", "a1", "b-2", "x.y", "archived", "in_review", "p3", "q.4"]
# kinds a composite primary key, a unique set or a filter may use
KEYABLE = {"string", "int", "bigint", "date", "uuid", "enum", "bool", "email", "datetime"}
# the kinds a `unique: true` field may have (bool: only in a composite set with a wide partner)
UNIQUE_KINDS = [k for k in SCALAR_TYPES if k not in ("json", "password", "bool")]
# the capacity rule (issue 12): a unique set whose columns admit fewer value combinations than
# this is refused, so the strategies only draw unique sets with at least this many
MIN_UNIQUE_VALUES = 8
SpecSet = dict[str, dict[str, Any]]


# -- realistic patterns ------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    """A regular expression users write, what its matches look like, and how many there are."""

    name: str
    regex: str
    shortest: int  # length of the shortest match
    longest: int | None  # length of the longest match (None: unbounded)
    example: str  # a match (used as a default)
    capacity: int | None  # how many matches (None: more than any test needs)
    kinds: tuple[str, ...] = ("string", "text")


PATTERNS = [
    Pattern("slug", r"^[a-z0-9]+(?:-[a-z0-9]+)*$", 1, None, "hello-world", None),
    Pattern("sku", r"^[A-Z]{3}-[0-9]{4}$", 8, 8, "ABC-1234", 26**3 * 10**4),
    Pattern("code", r"^[A-Z]{2}[0-9]{2}$", 4, 4, "AB12", 26**2 * 10**2),
    Pattern("phone", r"^\+[1-9][0-9]{7,14}$", 9, 16, "+14155550123", None),
    Pattern("hex_colour", r"^#[0-9a-fA-F]{6}$", 7, 7, "#1a2B3c", 22**6),
    Pattern("short_hex_colour", r"^#(?:[0-9a-f]{3}){1,2}$", 4, 7, "#fa0", 16**3 + 16**6),
    Pattern("us_zip", r"^[0-9]{5}(?:-[0-9]{4})?$", 5, 10, "12345", 10**5 + 10**9),
    Pattern("uk_postcode", r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$", 6, 8, "SW1A 1AA", None),
    Pattern("currency", r"^[A-Z]{3}$", 3, 3, "EUR", 26**3),
    Pattern("semver", r"^[0-9]+\.[0-9]+\.[0-9]+$", 5, None, "1.2.3", None),
    Pattern("username", r"^[a-z][a-z0-9_]{2,15}$", 3, 16, "ada_l", None),
    Pattern("lower_word", "^[a-z]*$", 0, None, "abc", None),
    Pattern("grade", "^[A-C]$", 1, 1, "B", 3),  # too few matches to be unique
    Pattern("yes_no", "^(?:yes|no)$", 2, 3, "yes", 2),  # too few matches to be unique
    Pattern(
        "company_email",
        r"^[a-z0-9._]+@example\.(?:com|org)$",
        13,
        None,
        "a@example.com",
        None,
        ("email",),
    ),
    Pattern(
        "https_url",
        r"^https://[a-z0-9.-]+/[a-z0-9/-]*$",
        10,
        None,
        "https://example.com/x",
        None,
        ("url",),
    ),
]


def pattern_named(name: str) -> Pattern:
    return next(p for p in PATTERNS if p.name == name)


def _pattern_of(spec: dict[str, Any]) -> Pattern | None:
    return next((p for p in PATTERNS if p.regex == spec.get("pattern")), None)


def capacity(spec: dict[str, Any]) -> int | None:
    """How many distinct values a field admits (None: unbounded), as the capacity rule counts:
    a bool 2, an enum its values, a bounded number its span, a pattern its matches within the
    length limits; refs and everything else are unbounded."""
    kind = spec["type"]
    if kind == "bool":
        return 2
    if kind == "enum":
        return len(spec["values"])
    if kind in ("int", "bigint") and "min" in spec and "max" in spec:
        return int(spec["max"]) - int(spec["min"]) + 1
    if kind == "decimal" and "min" in spec and "max" in spec:
        unit = Decimal(1).scaleb(-spec.get("scale", 0 if "precision" in spec else 2))
        return int((Decimal(str(spec["max"])) - Decimal(str(spec["min"]))) / unit) + 1
    pattern = _pattern_of(spec)
    if pattern is not None and pattern.name == "lower_word":
        low, high = spec.get("min_length", 0), spec.get("max_length", 8)
        total = sum(26**n for n in range(low, min(high, 8) + 1))
        return None if total > 10**9 else total
    if pattern is not None:
        return pattern.capacity
    return None


def set_capacity(specs: list[dict[str, Any]]) -> int | None:
    """The value combinations of a unique set: the product of its columns' capacities."""
    total = 1
    for spec in specs:
        one = capacity(spec)
        if one is None:
            return None
        total *= one
    return total


def wide_enough(specs: list[dict[str, Any]]) -> bool:
    total = set_capacity(specs)
    return total is None or total >= MIN_UNIQUE_VALUES


# -- drawing: one builder, driven by hypothesis or by a seeded random.Random --------------------


class Draw:
    """The choices a builder makes. `HypothesisDraw` lets hypothesis make (and shrink) them;
    `RandomDraw` makes them from a seeded `random.Random`, so that a spec set is named by its
    seed and replayed from it (the random-spec gate)."""

    # Steer clear of two render defects the gate found and that are open (docs/reliability.md,
    # "The random-spec gate"): a pattern field gets a max_length with room beyond its shortest
    # matches (the factory's example builder cannot shorten an optional repeat), and a bounded
    # int's default is its lower bound (ruff formats some long defaults unlike black). The
    # hypothesis fuzzing of test_valid_specs sets this so that it stays green meanwhile; the
    # gate does not. Drop it once those are fixed.
    avoid_open_defects = False

    def boolean(self) -> bool:
        raise NotImplementedError

    def integer(self, low: int, high: int) -> int:
        raise NotImplementedError

    def number(self, low: float, high: float) -> float:
        raise NotImplementedError

    def choice(self, values: Sequence[T]) -> T:
        raise NotImplementedError

    def subset(
        self, values: Sequence[T], min_size: int = 0, max_size: int | None = None
    ) -> list[T]:
        """Distinct elements of `values`, in drawn order."""
        raise NotImplementedError


class HypothesisDraw(Draw):
    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw

    def boolean(self) -> bool:
        return self.draw(st.booleans())

    def integer(self, low: int, high: int) -> int:
        return self.draw(st.integers(low, high))

    def number(self, low: float, high: float) -> float:
        return self.draw(st.floats(low, high, allow_nan=False))

    def choice(self, values: Sequence[T]) -> T:
        return self.draw(st.sampled_from(values))

    def subset(
        self, values: Sequence[T], min_size: int = 0, max_size: int | None = None
    ) -> list[T]:
        strategy = st.lists(
            st.sampled_from(values), min_size=min_size, max_size=max_size, unique=True
        )
        return self.draw(strategy)


class RandomDraw(Draw):
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def boolean(self) -> bool:
        return self.rng.random() < 0.5

    def integer(self, low: int, high: int) -> int:
        # like hypothesis, favour the edges now and then: they are where bugs live
        roll = self.rng.random()
        if roll < 0.1:
            return low
        if roll < 0.2:
            return high
        return self.rng.randint(low, high)

    def number(self, low: float, high: float) -> float:
        return self.rng.uniform(low, high)

    def choice(self, values: Sequence[T]) -> T:
        return values[self.rng.randrange(len(values))]

    def subset(
        self, values: Sequence[T], min_size: int = 0, max_size: int | None = None
    ) -> list[T]:
        high = len(values) if max_size is None else min(max_size, len(values))
        size = self.rng.randint(min(min_size, high), high)
        return self.rng.sample(list(values), size)


def _decimal_text(units: int, scale: int) -> str:
    return str(Decimal(units).scaleb(-scale).quantize(Decimal(1).scaleb(-scale)))


def _decimal(d: Draw, spec: dict[str, Any], unique: bool, with_default: bool) -> None:
    shape = d.integer(0, 5)
    precision, scale = [(10, 2), (10, 2), (6, 2), (12, 4), (5, 0), (3, 1)][shape]
    if shape:
        spec.update(precision=precision, scale=scale)
    if d.boolean():  # bounds, from a realistic span or a narrow one
        largest = 10**precision - 1  # in units of 10**-scale
        low = d.choice([0, 0, 1, -largest, -(10**scale) * 10])
        low = max(low, -largest)
        span = d.choice([3, 7, 10**scale, 50 * 10**scale, largest - low])
        span = max(span, MIN_UNIQUE_VALUES - 1) if unique else span
        high = min(low + span, largest)
        spec.update(min=_decimal_text(low, scale), max=_decimal_text(high, scale))
        if scale == 0 and d.boolean():  # a YAML user writes whole bounds as numbers
            spec.update(min=low, max=high)
        if with_default:
            spec["default"] = _decimal_text(d.integer(low, high), scale)
    elif with_default:
        spec["default"] = _decimal_text(1250 if scale >= 2 else 12, scale)


def _int(d: Draw, spec: dict[str, Any], unique: bool, with_default: bool) -> None:
    bound = 2**31 - 1 if spec["type"] == "int" else 2**63 - 1
    if d.boolean():  # a realistic range (a rating, a percentage, a year)
        low, high = d.choice([(1, 5), (0, 100), (1, 10), (-10, 10), (1900, 2100), (0, bound)])
    else:
        low = d.integer(-bound - 1, bound)
        high = d.integer(low, bound)
    if unique and high - low < MIN_UNIQUE_VALUES - 1:
        high = min(low + MIN_UNIQUE_VALUES - 1, bound)
        low = high - (MIN_UNIQUE_VALUES - 1)
    bounded = d.boolean()
    if bounded:
        spec.update(min=low, max=high)
    if with_default:
        spec["default"] = d.integer(low, high) if bounded and not d.avoid_open_defects else low


def _text(
    d: Draw, spec: dict[str, Any], unique: bool, with_default: bool, pattern: str | None
) -> None:
    kind = spec["type"]
    if pattern is None and d.integer(0, 2) == 0:
        candidates = [p for p in PATTERNS if kind in p.kinds]
        if unique:
            candidates = [p for p in candidates if p.capacity is None or p.capacity >= 8]
        pattern = d.choice(candidates).name if candidates else None
    chosen = pattern_named(pattern) if pattern else None
    if kind in ("string", "text"):
        high = d.integer(1, 300)
        if chosen is not None and chosen.name != "lower_word":
            # room for the pattern's matches: at least the shortest, often exactly the longest
            fit = chosen.longest or chosen.shortest + d.integer(0, 40)
            high = d.choice([fit, max(high, chosen.shortest)])
            if d.avoid_open_defects:
                high = max(high, 2 * (chosen.longest or chosen.shortest) + 10)
        low = d.integer(0, min(high, 5, chosen.longest if chosen and chosen.longest else 5))
        if kind == "string" or d.boolean() or chosen is not None:
            spec["max_length"] = high
        if chosen is not None:
            spec["pattern"] = chosen.regex
        if d.boolean():
            spec["min_length"] = low
        if with_default:
            if chosen is None or chosen.name == "lower_word":
                spec["default"] = "x" * max(low, min(high, 3))
            elif low <= len(chosen.example) <= high:
                spec["default"] = chosen.example
    else:  # email, url
        if d.boolean():
            spec["max_length"] = d.integer(24, 320) if kind == "email" else d.integer(24, 2048)
        if chosen is not None:
            spec["pattern"] = chosen.regex
        if with_default:
            spec["default"] = "a@example.com" if kind == "email" else "https://example.com/x"
    if unique and not wide_enough([spec]):  # a short lower_word: make room
        spec["max_length"] = max(spec.get("max_length", 0), 3)


def build_scalar_field(
    d: Draw, kind: str | None = None, *, unique: bool | None = None, pattern: str | None = None
) -> dict[str, Any]:
    """A field of `kind` (drawn when None) with a random selection of the options it allows;
    `unique` and `pattern` force them (a pattern's kind must be string, text, email or url)."""
    kind = kind or d.choice(SCALAR_TYPES)
    spec: dict[str, Any] = {"type": kind}
    if d.boolean():
        spec["required"] = False
    with_default = d.boolean() and kind != "password"
    flag = None
    if kind not in ("json", "password") and d.boolean():
        flag = d.choice(["unique", "index"])
    if unique is not None:
        flag = "unique" if unique else (flag if flag != "unique" else None)
    if kind == "bool" and flag == "unique":  # 2 values: unique only in a composite set
        flag = "index"
    is_unique = flag == "unique"
    if kind in ("string", "text", "email", "url"):
        _text(d, spec, is_unique, with_default, pattern)
    elif kind in ("int", "bigint"):
        _int(d, spec, is_unique, with_default)
    elif kind == "float":
        if d.boolean():
            spec.update(min=-1000.5, max=1000.5)
        if with_default:
            spec["default"] = d.number(-1000, 1000)
    elif kind == "decimal":
        _decimal(d, spec, is_unique, with_default)
    elif kind == "bool":
        if with_default:
            spec["default"] = d.boolean()
    elif kind == "date":
        if with_default:
            spec["default"] = "2024-02-29"
    elif kind == "datetime":
        if with_default:
            spec["default"] = "2024-02-29T10:00:00+00:00"
    elif kind == "uuid":
        if with_default:
            spec["default"] = "12345678-1234-5678-1234-567812345678"
    elif kind == "enum":
        if is_unique:
            values = d.subset(ENUM_VALUES, min_size=MIN_UNIQUE_VALUES)
        else:
            values = d.subset(ENUM_VALUES, min_size=1, max_size=4)
        spec["values"] = values
        if with_default:
            spec["default"] = d.choice(values)
    elif kind == "json" and with_default:
        spec["default"] = d.choice([{}, [], {"a": [1, "b"]}, "x", 3])
    if flag is not None:
        spec[flag] = True
    if kind not in ("password",) and not spec.get("unique") and d.integer(0, 5) == 0:
        spec["secret"] = True
    if d.integer(0, 4) == 0:
        spec["immutable"] = True
    if d.boolean():
        spec["description"] = d.choice(["Some words.", "Ünïcode — “quotes” 'and' \\"])
    return spec


@st.composite
def scalar_field(draw: st.DrawFn, kind: str | None = None) -> dict[str, Any]:
    return build_scalar_field(HypothesisDraw(draw), kind)


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
    if kind == "many":
        return f"many({spec['to']})"
    if set(spec) <= {"type", "required"}:
        return f"{kind}{suffix}"
    return spec


@dataclass(frozen=True)
class Focus:
    """What a drawn set must contain (the gate rotates these so that a small sample covers the
    whole language): per entity, forced fields `(name, kind, unique, pattern)`; a chain of
    required refs (each entity after the first refers to the one before); a self-reference on
    the last entity; an attempt at a composite unique set on every entity."""

    entities: int | None = None
    fields: tuple[tuple[tuple[str, str, bool, str | None], ...], ...] = ()
    chain: bool = False
    self_ref: bool = False
    composite: bool = False
    many: bool = False  # the last entity gets a many field to the first and one to itself
    stats: bool = False  # every entity gets statistics (DESIGN §9.3)


def _unique_set(
    d: Draw, fields: dict[str, dict[str, Any]], candidates: list[str]
) -> list[str] | None:
    """A composite unique set of `candidates` with room for MIN_UNIQUE_VALUES combinations
    (a narrow draw gets a wide partner, or is dropped)."""
    chosen = d.subset(candidates, min_size=2, max_size=3)
    if wide_enough([fields[f] for f in chosen]):
        return chosen
    wide = [f for f in candidates if f not in chosen and wide_enough([fields[f]])]
    if not wide:
        return None
    return [*chosen, d.choice(wide)]


def build_spec_set(
    d: Draw,
    max_entities: int = len(ENTITY_NAMES),
    names: Sequence[str] = ENTITY_NAMES,
    focus: Focus | None = None,
) -> SpecSet:
    """A set of specs that must resolve: every type, option, ref kind, owner kind, visibility,
    composite keys, indexes (partial and unique too), unique sets and listing options."""
    focus = focus or Focus()
    count = focus.entities or d.integer(1, max_entities)
    specs: SpecSet = {}
    owners: dict[str, str] = {}
    for position, name in enumerate(names[:count]):
        spec: dict[str, Any] = {"entity": name}
        fields: dict[str, dict[str, Any]] = {}
        forced = focus.fields[position] if position < len(focus.fields) else ()
        for fname, kind, unique, pattern in forced:
            fields[fname] = build_scalar_field(d, kind, unique=unique, pattern=pattern)
        free = [f for f in FIELD_NAMES if f not in fields]
        for fname in d.subset(free, max_size=5):
            fields[fname] = build_scalar_field(d)
        earlier = list(specs)
        targets = d.subset(earlier) if earlier else []
        if focus.chain and earlier and earlier[-1] not in targets:
            targets.append(earlier[-1])
        for target in targets:
            ref: dict[str, Any] = {"type": "ref", "to": target}
            if focus.chain and target == earlier[-1]:
                ref["on_delete"] = d.choice(["cascade", "restrict"])
            elif d.boolean():
                ref["required"] = False
                ref["on_delete"] = d.choice(["cascade", "restrict", "set_null"])
            elif d.boolean():
                ref["on_delete"] = d.choice(["cascade", "restrict"])
            fields[target] = ref
        owned = [t for t in earlier if owners[t] != "none"]
        owner = d.choice(["user", "none", *(["through"] if owned else [])])
        if owner == "through":
            parent = d.choice(owned)
            fields[parent] = {"type": "ref", "to": parent, "on_delete": "cascade"}
            spec["owner"] = {"through": parent}
        elif owner == "none" or d.boolean():
            spec["owner"] = owner
        owners[name] = owner
        if owner != "through" and d.boolean():
            choices = ["private", "public", *(["per_row"] if owner == "user" else [])]
            spec["visibility"] = d.choice(choices)
        if d.integer(0, 5) == 0 or (focus.self_ref and position == count - 1):
            fields["parent"] = {
                "type": "ref",
                "to": name,
                "required": False,
                "on_delete": "set_null",
            }
        for flag in ("timestamps", "soft_delete", "versioned", "api"):
            if d.boolean():
                spec[flag] = d.boolean()
        timestamps = spec.get("timestamps", True)
        if d.integer(0, 4) == 0:
            spec["table"] = f"{name}_rows"
        if d.boolean():
            spec["description"] = f"The {name} entity."
        # composite primary key: id + created_at, or id + a required scalar field
        keyable = [
            f
            for f, s in fields.items()
            if s["type"] in KEYABLE - {"bool", "datetime"}
            and s.get("required", True)
            and not s.get("secret")
        ]
        choice = d.integer(0, 3)
        if choice == 0 and timestamps:
            spec["primary_key"] = ["id", "created_at"]
        elif choice == 1 and keyable:
            spec["primary_key"] = ["id", d.choice(keyable)]
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
        if filterable and d.boolean():
            listing["filters"] = d.subset(filterable)
        orders = [["id"], ["-id"], *([["-created_at", "-id"], ["created_at", "id"]] * timestamps)]
        if "primary_key" not in spec and d.boolean():  # `id` alone is unique
            listing["order"] = d.choice(orders)
        if d.boolean():
            listing["default_limit"] = d.integer(1, 50)
            listing["max_limit"] = d.integer(50, 1000)
        if listing:
            spec["list"] = listing
        indexes: list[Any] = []
        if filterable and d.boolean():
            indexes.append(d.subset(filterable, min_size=1))
        testable = [f for f, s in fields.items() if s["type"] in ("enum", "bool")]
        if scalars and testable and d.boolean():
            tested = d.choice(testable)
            value = fields[tested]["values"][0] if fields[tested]["type"] == "enum" else True
            indexes.append({"fields": [d.choice(scalars)], "where": {tested: value}})
        # (a unique index on a column indexed already would take that index's name: refused)
        plain = [i[0] for i in indexes if isinstance(i, list) and len(i) == 1]
        wide = [
            f
            for f in scalars
            if wide_enough([fields[f]]) and not fields[f].get("index") and f not in plain
        ]
        if wide and d.integer(0, 5) == 0:  # a unique index, partial when rows are soft-deleted
            index: dict[str, Any] = {"fields": [d.choice(wide)], "unique": True}
            if spec.get("soft_delete") and d.boolean():
                index["where"] = {"deleted_at": None}
            indexes.append(index)
        if indexes:
            spec["indexes"] = indexes
        # composite unique sets: scalars (a bool or a small enum with a wide partner) and refs
        members = scalars + [f for f, s in fields.items() if s["type"] == "ref" and s["to"] != name]
        narrow = [f for f in members if not wide_enough([fields[f]])]
        if focus.composite and narrow and len(members) >= 2:  # a narrow column, a wide partner
            first = d.choice(narrow)
            spec["unique"] = [[first, d.choice([f for f in members if f != first])]]
            if not wide_enough([fields[f] for f in spec["unique"][0]]):
                spec["unique"][0].append(d.choice([f for f in members if wide_enough([fields[f]])]))
        elif len(members) >= 2 and (focus.composite or d.boolean()):
            chosen = _unique_set(d, fields, members)
            if chosen is not None:
                spec["unique"] = [chosen]
        # many fields (DESIGN §9.1): to an earlier entity or to this one, sometimes a list filter
        linked = d.subset([*earlier, name], max_size=2) if d.integer(0, 2) == 0 else []
        if focus.many and position == count - 1:
            linked = sorted({*linked, names[0], name})
        for target in linked:
            fname = f"{target}_links"
            fields[fname] = {"type": "many", "to": target}
            if d.boolean():
                fields[fname]["description"] = f"The {target} rows this {name} links to."
            keyed = (spec if target == name else specs[target]).get("primary_key")
            if d.boolean() and not keyed:  # a many filter needs a one-column target key
                spec.setdefault("list", {}).setdefault("filters", []).append(fname)
        stats = _stats(d, spec, fields, specs) if focus.stats or d.integer(0, 3) == 0 else {}
        if stats:
            spec["stats"] = stats
            if d.boolean():  # cached answers, invalidated by writes (core/cache.py)
                spec["stats_cache_seconds"] = d.integer(1, 600)
        # the audit log (DESIGN §9.4) on about one entity in three, chosen from the name and
        # position rather than drawn, so that adding it left every other draw of a seed as it was
        if zlib.crc32(f"{name}:{position}:{count}".encode()) % 3 == 0:
            spec["audit"] = True
        if fields:
            short = d.boolean()
            spec["fields"] = {f: (_short(s) if short else s) for f, s in fields.items()}
        specs[name] = spec
    _leave_room_for_parents(specs)
    return specs


def _stats(
    d: Draw, spec: dict[str, Any], fields: dict[str, dict[str, Any]], specs: SpecSet
) -> dict[str, Any]:
    """One to three statistics of what the entity has: periods on its dates and datetimes (and
    `created_at`), groups by its enums, bools and refs to one-column keys, aggregates of its
    numbers; never of a secret field."""

    def kinds(*wanted: str) -> list[str]:
        return [f for f, s in fields.items() if s["type"] in wanted and not s.get("secret")]

    temporal = ["created_at"] * spec.get("timestamps", True) + kinds("date", "datetime")
    groups = kinds("enum", "bool") + [
        f
        for f in kinds("ref")
        if "primary_key"
        not in (spec if fields[f]["to"] == spec["entity"] else specs[fields[f]["to"]])
    ]
    numbers = kinds("int", "bigint", "float", "decimal")
    out: dict[str, Any] = {}
    for i in range(d.integer(1, 3)):
        stat: dict[str, Any] = {}
        if temporal and (not groups or d.boolean()):
            on = d.choice(temporal)
            dated = on != "created_at" and fields[on]["type"] == "date"
            stat["period"] = d.choice(["day", "week", "month", "year", *(["hour"] * (not dated))])
            if on != "created_at" or d.boolean():
                stat["on"] = on
        if groups and ("period" not in stat or d.boolean()):
            stat["group"] = d.choice(groups)
        if not stat:
            break
        for fn in ("sum", "avg", "min", "max"):
            if numbers and d.boolean():
                stat[fn] = d.subset(numbers, min_size=1, max_size=2)
        out[f"stat_{i}"] = stat
    return out


def _ref_targets(name: str, spec: dict[str, Any]) -> list[str]:
    """The other entities `spec` refers to (a ref field in its long or its short form)."""
    out = []
    for f in spec.get("fields", {}).values():
        if isinstance(f, str):
            target = f[4:].rstrip("?").rstrip(")") if f.startswith("ref(") else None
        else:
            target = f["to"] if f["type"] == "ref" else None
        if target is not None and target != name:
            out.append(target)
    return out


def rows_at_once(specs: SpecSet) -> dict[str, int]:
    """The capacity rule's row count per entity, as the resolver counts it (ir/values.py): one
    test makes MIN_UNIQUE_VALUES rows of an entity, and every row of an entity that refers to it
    makes a new parent per ref (refs only go to entities drawn earlier: no cycle)."""
    refs = {name: _ref_targets(name, spec) for name, spec in specs.items()}

    def made(child: str, parent: str) -> int:
        return sum((t == parent) + made(t, parent) for t in refs[child])

    return {
        name: MIN_UNIQUE_VALUES * max(1, *(made(child, name) for child in specs)) for name in specs
    }


def _leave_room_for_parents(specs: SpecSet) -> None:
    """A parent that its children's factories make several of per child row needs that many
    more values in its unique sets: the sets too narrow for it lose `unique`."""
    for name, need in rows_at_once(specs).items():
        spec = specs[name]
        fields = spec.get("fields", {})

        def narrow(names: list[str]) -> bool:
            total = set_capacity([f for n in names if isinstance(f := fields.get(n), dict)])
            return total is not None and total < need

        for fname, f in fields.items():
            if isinstance(f, dict) and f.get("unique") and narrow([fname]):
                del f["unique"]
        if "unique" in spec:
            spec["unique"] = [names for names in spec["unique"] if not narrow(names)]
            if not spec["unique"]:
                del spec["unique"]
        if "indexes" in spec:
            spec["indexes"] = [
                i
                for i in spec["indexes"]
                if not (isinstance(i, dict) and i.get("unique") and narrow(i["fields"]))
            ]
            if not spec["indexes"]:
                del spec["indexes"]


@st.composite
def spec_set(draw: st.DrawFn, max_entities: int = len(ENTITY_NAMES)) -> SpecSet:
    """A set of specs that must resolve (see `build_spec_set`), drawn by hypothesis."""
    d = HypothesisDraw(draw)
    d.avoid_open_defects = True
    return build_spec_set(d, max_entities)


GATE_NAMES = (("alpha", "beta", "gamma"), ("widget", "gadget", "gizmo"))


def gate_focus(seed: int) -> Focus:
    """What the gate's set `seed` must contain. Its entity `j` is slot `k = 2 seed + j`: it gets
    a unique field of kind `UNIQUE_KINDS[k]` (`ident`), a field with pattern `PATTERNS[k]`
    (`handle`; unique when the pattern admits enough values) and, on odd slots, a bool
    (`active`) that the composite unique set takes with a wide partner. Every third set has
    three entities whose refs chain (a -> b -> c) and ends in a self-ref; the others have two.
    Ten consecutive seeds cover every kind, every pattern and every unique kind."""
    count = 3 if seed % 3 == 0 else 2
    fields = []
    for j in range(count):
        k = 2 * seed + j
        pattern = PATTERNS[k % len(PATTERNS)]
        kind = "text" if "text" in pattern.kinds and k % 5 == 4 else pattern.kinds[0]
        wide = pattern.capacity is None or pattern.capacity >= MIN_UNIQUE_VALUES
        slot: list[tuple[str, str, bool, str | None]] = [
            ("ident", UNIQUE_KINDS[k % len(UNIQUE_KINDS)], True, None),
            ("handle", kind, wide, pattern.name),
        ]
        if k % 2:
            slot.append(("active", "bool", False, None))
        fields.append(tuple(slot))
    return Focus(
        entities=count,
        fields=tuple(fields),
        chain=count == 3,
        self_ref=count == 3,
        composite=True,
        many=seed % 2 == 0,
        stats=seed % 2 == 1,
    )


def seeded_spec_set(seed: int, names: Sequence[str], focus: Focus | None = None) -> SpecSet:
    """The spec set of `seed`: the same set every time, on every machine (the gate's replay)."""
    return build_spec_set(RandomDraw(seed), len(names), names=names, focus=focus)


def gate_spec_set(seed: int) -> SpecSet:
    """The random-spec gate's set of `seed`: its names (three consecutive seeds have distinct
    ones, so they share a project) and what it must contain follow from the seed."""
    return seeded_spec_set(seed, GATE_NAMES[seed % len(GATE_NAMES)], gate_focus(seed))


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
