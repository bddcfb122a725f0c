"""The values a generated test factory writes into each column, and whether a unique set admits
enough of them for the generated tests.

One rule in one place. Every column of a spec field has a *domain*: how many distinct valid values
it admits (`capacity`, None when a test run can never exhaust it) and, for a pattern, the list of
matching values the factories cycle through. The renderer (render/testvalues.py) writes each
row's values from the domains and from `strides` below; the resolver refuses, with a location, a
unique set whose columns cannot give one generated test `MIN_DISTINCT` distinct rows
(`unique_problems`).

How rows get distinct values: each entity's factory numbers its rows (`n` = 1, 2, 3, ...), and a
column's value is the `(n // stride) % capacity`-th value of its domain. One generated test makes
at most `MIN_DISTINCT` rows of an entity, all with consecutive numbers — and every row of an entity
that refers to it makes new parents, so a parent whose children's factories make `k` of it per
child row gets `k * MIN_DISTINCT` rows in one of their tests (`rows_at_once`). A unique set is
safe when every window of that many consecutive numbers gives distinct tuples of its columns.
A set with a ref column is always safe (a factory makes a new parent for every row; a nullable
self-reference is left NULL, and NULLs never collide), and so is a set with a column of unbounded
domain. A set of bounded columns only (enums, bools, bounded numbers, patterns, short strings)
gets mixed-radix strides: its widest column varies fastest, the next one every `capacity` rows of
the first, and so on — so the set admits the product of its columns' capacities.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from pathlib import Path

from scaffold.ir.model import Column, Entity, Field

# The most rows of one entity that one generated test makes (the list-paging test makes 7),
# plus one for good measure. templates/entity/test_entity.py.jinja must stay within it.
MIN_DISTINCT = 8
# How many matching values a pattern field's factory cycles through.
POOL_SIZE = 16
# A domain at least this wide counts as unbounded (no test run makes a million rows).
UNBOUNDED = 10**6
# Integer ranges of the database column types.
INT_RANGES = {
    "int": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
}
# Characters of the factories' short strings (`factory_support.text`, `factory_support.email`).
TEXT_ALPHABET = 36
# The email factory's domain part: `<local>@example.com`.
EMAIL_DOMAIN = "@example.com"
# The roles of columns a generated test gives the same value in every row it makes.
CONSTANT_ROLES = frozenset({"owner", "visibility", "created_at", "updated_at", "deleted_at"})


@dataclass(frozen=True)
class Domain:
    """The distinct valid values of one column, as the factories write them."""

    capacity: int | None  # None: unbounded
    pool: tuple[str, ...] = ()  # the values themselves, for a pattern
    what: str = ""  # for messages: "3 values", "2 values (true, false)"

    @property
    def bounded(self) -> bool:
        return self.capacity is not None


def _bounded(count: int, what: str) -> Domain:
    return Domain(None if count >= UNBOUNDED else count, what=what)


def rows_at_once(entities: Sequence[Entity]) -> dict[str, int]:
    """entity name → the most rows of it that one generated test makes: MIN_DISTINCT, times the
    most rows of it that one row of another entity makes through its factory's parents (a
    factory makes a new parent for every ref to another entity, and that parent its own)."""
    refs = {e.name: [r.target for r in e.refs if r.target != e.name] for e in entities}
    made: dict[tuple[str, str], int] = {}

    def count(child: str, parent: str, visiting: frozenset[str]) -> int:
        if (child, parent) not in made:
            total = 0
            for target in refs.get(child, []):
                if target in visiting:
                    continue  # a cycle of refs: the resolver reports it elsewhere
                total += (target == parent) + count(target, parent, visiting | {target})
            made[child, parent] = total
        return made[child, parent]

    out: dict[str, int] = {}
    for e in entities:
        fan_in = max((count(c.name, e.name, frozenset({c.name})) for c in entities), default=0)
        out[e.name] = MIN_DISTINCT * max(1, fan_in)
    return out


def domain(field: Field, column: Column, rows: int = MIN_DISTINCT) -> Domain:
    """The domain of `column`, a column of `field` (refs are unbounded: a new parent per row);
    a pattern's pool holds enough values for `rows` rows when the pattern admits them."""
    kind = field.kind
    max_length = field.max_length if field.max_length is not None else column.length
    if kind == "ref":
        return Domain(None)
    if field.pattern and kind in ("string", "text", "password"):
        pool = pattern_values(field.pattern, min_length(field), max_length, max(POOL_SIZE, rows))
        return Domain(len(pool), pool, f"{len(pool)} strings matching `{field.pattern}`")
    if kind in ("string", "text", "password"):
        if max_length is None:
            return Domain(None)
        return _bounded(TEXT_ALPHABET**max_length, f"strings of at most {max_length} characters")
    if kind == "email":
        if max_length is None:
            return Domain(None)
        local = max(max_length - len(EMAIL_DOMAIN), 0)
        return _bounded(TEXT_ALPHABET**local, f"addresses of at most {max_length} characters")
    if kind in ("int", "bigint"):
        lowest, highest = int_bounds(field)
        count = max(highest - lowest + 1, 0)
        return _bounded(count, f"the {count} whole numbers {lowest}..{highest}")
    if kind == "float":
        bounds = float_steps(field)
        return Domain(None) if bounds is None else _bounded(bounds[2], f"{bounds[2]} numbers")
    if kind == "decimal":
        dlow, dhigh, scale = decimal_bounds(field, column)
        if dlow is None or dhigh is None:
            return Domain(None)
        count = max(int((dhigh - dlow).scaleb(scale)) + 1, 0)
        return _bounded(count, f"the {count} numbers {dlow}..{dhigh}")
    if kind == "bool":
        return Domain(2, what="true, false")
    if kind == "enum":
        values = field.enum_values or column.enum_values
        return Domain(len(values), what=", ".join(values))
    return Domain(None)  # date, datetime, uuid, url, json: a test run never exhausts them


def min_length(field: Field) -> int:
    low = field.min_length or 0
    return max(low, 8) if field.kind == "password" else low


def int_bounds(field: Field) -> tuple[int, int]:
    lowest, highest = INT_RANGES.get(field.kind, INT_RANGES["bigint"])
    low = int(field.min) if field.min is not None else lowest
    high = int(field.max) if field.max is not None else highest
    return max(low, lowest), min(high, highest)


def float_steps(field: Field) -> tuple[float, float, int] | None:
    """(low, step, count) of a float field with both bounds; None when a bound is open."""
    if field.min is None or field.max is None:
        return None
    low, high = float(field.min), float(field.max)
    width = high - low
    if width >= 1:
        return low, 1.0, min(int(width) + 1, UNBOUNDED)
    if width <= 0:
        return low, 0.0, 1
    return low, width / 100, 101


def decimal_bounds(field: Field, column: Column) -> tuple[Decimal | None, Decimal | None, int]:
    """(low, high, scale) of the values a decimal column takes: the spec's bounds, and the
    column's precision, rounded inwards to its scale."""
    scale = field.scale if field.scale is not None else (column.scale or 0)
    precision = field.precision if field.precision is not None else column.precision
    step = Decimal(1).scaleb(-scale)
    limit = None if precision is None else Decimal(10) ** (precision - scale) - step
    low = Decimal(str(field.min)) if field.min is not None else None
    high = Decimal(str(field.max)) if field.max is not None else None
    if limit is not None:
        low = -limit if low is None else max(low, -limit)
        high = limit if high is None else min(high, limit)
    if low is not None:
        low = low.quantize(step, rounding=ROUND_CEILING)
    if high is not None:
        high = high.quantize(step, rounding=ROUND_FLOOR)
    return low, high, scale


# -- patterns -----------------------------------------------------------------------------------


_PRINTABLE = re.compile(r"[\x20-\x7e]*")


def pattern_values(
    pattern: str, low: int, high: int | None, size: int = POOL_SIZE
) -> tuple[str, ...]:
    """Up to `size` distinct strings that match `pattern` (searched, as pydantic does) within
    the length limits, in a fixed order. Fewer when the pattern admits fewer.

    exrex enumerates the matches of the regular expression in order (shortest repeats first);
    when that order never reaches the length limits, seeded random draws of exrex fill in.
    Every value is checked with `re` and with pydantic's own validator (the Rust engine the
    generated schemas use), so a value the app would refuse never reaches a factory.

    The candidates come in one fixed order whatever `size` is, so the values for a smaller size
    are the first ones of a larger size, and a pool that came out smaller than asked for is every
    value there is: a project whose entities ask for ever larger pools (`rows_at_once` grows with
    the refs into an entity) searches each pattern again only while its pool can still grow.
    """
    key = (pattern, low, high)
    known = _POOLS.get(key)
    if known is None:
        known = _POOLS[key] = _stored_pool(key)
    pool, asked = known
    if size <= len(pool) or len(pool) < asked:
        return pool[:size]
    check = _validator(pattern, low, high)
    found: dict[str, None] = {}
    for candidate in _candidates(pattern, low, high):
        if candidate not in found and check(candidate):
            found[candidate] = None
            if len(found) == size:
                break
    pool = tuple(found)
    _POOLS[key] = (pool, size)
    _store_pool(key, pool, size)
    return pool


def _pool_file(key: tuple[str, int, int | None]) -> Path | None:
    """The cache file of a pattern's pool (`SCAFFOLD_NO_CACHE`: None): it depends on scaffold's
    code, exrex (the candidates) and pydantic-core (the validator)."""
    from scaffold.cache import cache_root, installed_version
    from scaffold.digest import code_digest

    root = cache_root()
    if root is None:
        return None
    versions = f"{code_digest()} {installed_version('exrex')} {installed_version('pydantic_core')}"
    name = hashlib.sha256(f"{versions}\0{key!r}".encode()).hexdigest()
    return root / "patterns" / name[:2] / name


def _stored_pool(key: tuple[str, int, int | None]) -> tuple[tuple[str, ...], int]:
    """The pool an earlier run found for `key` and the size it asked for; ((), 0) when none."""
    import json

    from scaffold.cache import read_cache_file

    path = _pool_file(key)
    text = None if path is None else read_cache_file(path)
    if text is not None:
        try:
            data = json.loads(text)
            pool, asked = data["pool"], data["asked"]
            if isinstance(asked, int) and all(isinstance(v, str) for v in pool):
                return tuple(pool), asked
        except (ValueError, KeyError, TypeError):
            pass
    return (), 0


def _store_pool(key: tuple[str, int, int | None], pool: tuple[str, ...], asked: int) -> None:
    import json

    from scaffold.cache import write_cache_file

    path = _pool_file(key)
    if path is not None:
        write_cache_file(path, json.dumps({"pool": list(pool), "asked": asked}))


# (pattern, low, high) → (the values found, the size asked for); see `pattern_values`
_POOLS: dict[tuple[str, int, int | None], tuple[tuple[str, ...], int]] = {}
pattern_values.cache_clear = _POOLS.clear  # type: ignore[attr-defined]


def _candidates(pattern: str, low: int, high: int | None) -> Iterator[str]:
    import exrex  # type: ignore[import-untyped]

    # exrex's `limit` bounds a repeat's count exclusively: `*` with limit 3 repeats 0..2 times
    limit = (high if high is not None else low + 12) + 1
    tried = 0
    try:
        for candidate in exrex.generate(pattern, limit=limit):
            yield candidate
            tried += 1
            if tried == 4000:
                break
        else:
            return  # every match (repeats up to `limit`) was tried: random draws add none
    except Exception:
        pass
    # `exrex.getone(pattern)` is `_randone(parse(pattern))`: the pattern parsed once (most of the
    # cost of a draw), the same draws
    draw = getattr(exrex, "_randone", None)
    try:
        parsed = exrex.parse(pattern) if draw is not None else None
    except Exception:
        return
    state = random.getstate()
    random.seed(f"scaffold:{pattern}:{low}:{high}")
    try:
        for _ in range(2000):
            try:
                yield draw(parsed, limit) if draw is not None else exrex.getone(pattern, limit)
            except Exception:
                return
    finally:
        random.setstate(state)


def _validator(pattern: str, low: int, high: int | None):  # type: ignore[no-untyped-def]
    from pydantic_core import SchemaValidator, ValidationError, core_schema

    schema = core_schema.str_schema(pattern=pattern, min_length=low, max_length=high)
    try:
        validator = SchemaValidator(schema)
    except Exception:
        validator = None
    regex = re.compile(pattern)

    def check(value: str) -> bool:
        if not _PRINTABLE.fullmatch(value) or regex.search(value) is None:
            return False
        if not low <= len(value) <= (high if high is not None else len(value)):
            return False
        if validator is not None:
            try:
                validator.validate_python(value)
            except ValidationError:
                return False
        return True

    return check


# -- unique sets ------------------------------------------------------------------------------


def field_columns(entity: Entity) -> dict[str, tuple[Field, Column]]:
    """column name → (field, column), for every column of a spec field."""
    out: dict[str, tuple[Field, Column]] = {}
    for f in entity.fields:
        for name in f.columns:
            out[name] = (f, entity.table.column(name))
    return out


def domains(entity: Entity, rows: int = MIN_DISTINCT) -> dict[str, Domain]:
    """The domain of every column of a spec field of `entity` (`rows`: see `rows_at_once`)."""
    return {name: domain(f, col, rows) for name, (f, col) in field_columns(entity).items()}


def unique_sets(entity: Entity) -> list[tuple[str, ...]]:
    """Every set of columns the database keeps unique: the primary key, unique constraints and
    unique indexes (partial ones too: every row a test makes may match their condition)."""
    table = entity.table
    sets = [table.primary_key.columns, *(u.columns for u in table.uniques)]
    sets += [i.columns for i in table.indexes if i.unique]
    out: list[tuple[str, ...]] = []
    for cols in sets:
        if cols not in out:
            out.append(cols)
    return out


def _bounded_only(
    entity: Entity, cols: tuple[str, ...], doms: dict[str, Domain]
) -> list[str] | None:
    """The bounded columns of a unique set whose every column is bounded or constant in a test
    (None when a column of it is unbounded, so the set is safe whatever the others do)."""
    roles = {c.name: c.role for c in entity.table.columns}
    bounded: list[str] = []
    for name in cols:
        if roles.get(name) in CONSTANT_ROLES:
            continue
        dom = doms.get(name)
        if dom is None or not dom.bounded:
            return None  # id, a ref, or an unbounded field
        bounded.append(name)
    return bounded


def strides(entity: Entity, rows: int = MIN_DISTINCT) -> dict[str, int]:
    """column → stride (1 for every column not in a set of bounded columns only)."""
    doms = domains(entity, rows)
    out: dict[str, int] = {}
    for cols in unique_sets(entity):
        bounded = _bounded_only(entity, cols, doms)
        if not bounded:
            continue
        running = 1
        for name in bounded:
            if name in out:
                running *= doms[name].capacity or 1
        fresh = sorted((n for n in bounded if n not in out), key=lambda n: -(doms[n].capacity or 1))
        for name in fresh:
            out[name] = running
            running *= doms[name].capacity or 1
    return out


def index_of(n: int, stride: int, capacity: int) -> int:
    """Which value of its domain a column takes in row `n` (the factories' own arithmetic)."""
    return (n // stride) % capacity if capacity else 0


@dataclass(frozen=True)
class UniqueProblem:
    columns: tuple[str, ...]
    capacity: int
    detail: str  # "status: 3 values (a, b, c); flag: 2 values (true, false)"
    rows: int  # the rows one generated test makes at once


def unique_problems(entity: Entity, rows: int = MIN_DISTINCT) -> list[UniqueProblem]:
    """The unique sets of `entity` whose rows, as the factories write them, repeat within
    `rows` consecutive rows (so a generated test would break: see `rows_at_once`)."""
    doms = domains(entity, rows)
    steps = strides(entity, rows)
    problems: list[UniqueProblem] = []
    for cols in unique_sets(entity):
        bounded = _bounded_only(entity, cols, doms)
        if bounded is None:
            continue
        caps = {name: doms[name].capacity or 0 for name in bounded}
        total = 1
        for cap in caps.values():
            total *= cap
        if total >= rows and _windows_distinct(bounded, caps, steps, rows):
            continue
        detail = "; ".join(f"{name}: {doms[name].what}" for name in bounded) or "no field"
        problems.append(UniqueProblem(cols, total, detail, rows))
    return problems


def _windows_distinct(
    cols: list[str], caps: dict[str, int], steps: dict[str, int], rows: int
) -> bool:
    """Every `rows` consecutive row numbers give distinct tuples (checked over one period of the
    tuples, or its first 4096 starts when the period is longer)."""
    period = 1
    for name in cols:
        period = max(period, steps.get(name, 1) * caps[name])
    for start in range(1, min(period, 4096) + 1):
        seen = {
            tuple(index_of(n, steps.get(c, 1), caps[c]) for c in cols)
            for n in range(start, start + rows)
        }
        if len(seen) < rows:
            return False
    return True
