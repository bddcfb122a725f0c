"""The values generated tests use: a valid value of every column for the factories (distinct
from row to row, see ir/values.py for the rule) and the invalid values that prove each
validation rule of a Create body."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from scaffold.ir import values
from scaffold.ir.model import Column, Field
from scaffold.ir.values import INT_RANGES, Domain
from scaffold.render.literals import column_kind, default_source, py_literal


def sample_source(
    field: Field, column: Column, dom: Domain, stride: int = 1, pool: str | None = None
) -> str:
    """Python source of a valid value of `column` in the factory's row number `n`: the
    `(n // stride)`-th value of its domain, cycling (`pool` names the module constant holding a
    pattern's values). `stride` > 1 only for the columns of a unique set of bounded columns."""
    kind = field.kind
    i = "n" if stride == 1 else f"(n // {stride})"
    max_length = field.max_length if field.max_length is not None else column.length
    if pool is not None:
        return f"{pool}[{i} % {len(dom.pool)}]"
    if kind in ("string", "text", "password"):
        label = "secret-password" if kind == "password" else field.name
        return f"factory_support.text({i}, {label!r}, {values.min_length(field)}, {max_length})"
    if kind == "email":
        return f"factory_support.email({i}, {max_length})"
    if kind == "url":
        return f'f"https://example.com/{{{i}}}"'
    if kind in ("int", "bigint"):
        return _int_source(field, i)
    if kind == "float":
        return _float_source(field, i)
    if kind == "decimal":
        return _decimal_source(field, column, i)
    if kind == "bool":
        return f"{i} % 2 == 0"
    if kind == "date":
        return f"datetime.date(2024, 1, 1) + datetime.timedelta(days={i})"
    if kind == "datetime":
        return (
            f"datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(minutes={i})"
        )
    if kind == "uuid":
        return "uuid.uuid4()"
    if kind == "enum":
        choices = field.enum_values or column.enum_values
        if len(choices) == 1:
            return py_literal(choices[0])
        return f"({', '.join(py_literal(v) for v in choices)})[{i} % {len(choices)}]"
    if kind == "json":
        return f'{{"n": {i}}}'
    raise ValueError(f"no sample value for field kind {kind!r}")


def kept_default(field: Field) -> str | None:
    """The default an enum or bool field keeps in every factory row (when no unique set needs
    it to vary): rows then look like rows a client creates without the field."""
    if field.has_default and field.default is not None and field.kind in ("enum", "bool"):
        return default_source(field.kind, field.default)
    return None


def _int_source(field: Field, i: str) -> str:
    low, high = values.int_bounds(field)
    span = high - low + 1
    if span == 1:
        return repr(low)
    if (field.min is not None and field.max is not None) or span < values.UNBOUNDED:
        return f"{low!r} + {i} % {span}"
    if field.min is not None and low != 0:
        return f"{low!r} + {i}"
    if field.max is not None and field.min is None:
        return f"{high!r} - {i}"
    return i


def _float_source(field: Field, i: str) -> str:
    steps = values.float_steps(field)
    if steps is None:
        if field.min is not None:
            return f"float({field.min!r} + {i})"
        if field.max is not None:
            return f"float({field.max!r} - {i})"
        return f"float({i})"
    low, step, count = steps
    if count == 1:
        return f"float({low!r})"
    if step == 1.0:
        return f"float({low!r} + {i} % {count})"
    return f"min({float(field.max or 0)!r}, {low!r} + ({i} % {count}) * {step!r})"


def _decimal_source(field: Field, column: Column, i: str) -> str:
    low, high, scale = values.decimal_bounds(field, column)
    if low is not None and high is not None:
        span = int((high - low).scaleb(scale)) + 1
        offset = "" if span == 1 else f" + {_scaled(f'{i} % {span}', scale)}"
        return f'Decimal("{low}"){offset}'
    if low is not None:
        return f'Decimal("{low}") + {_scaled(i, scale)}'
    if high is not None:
        return f'Decimal("{high}") - {_scaled(i, scale)}'
    return _scaled(i, scale)


def _scaled(count: str, scale: int) -> str:
    """`Decimal(<count>)` in steps of the scale's last digit (`.scaleb(-2)`: hundredths)."""
    return f"Decimal({count}).scaleb(-{scale})" if scale else f"Decimal({count})"


@dataclass(frozen=True)
class Case:
    """One invalid input that a validation rule must refuse: `slug` names the rule."""

    slug: str
    key: str
    value: str  # Python source of the bad JSON value; "MISSING" drops the key


def _non_matching(pattern: str, low: int, high: int | None) -> str | None:
    regex = re.compile(pattern)
    for candidate in ("", "!", " ", "-", "0", "a", "A", "~~", "\t"):
        fits = low <= len(candidate) <= (high if high is not None else 10**6)
        if fits and regex.search(candidate) is None:
            return candidate
    return None


def cases_for(field: Field, column: Column, key: str) -> list[Case]:
    kind = column_kind(column) if field.kind == "ref" else field.kind
    slug = key
    cases: list[Case] = []
    if field.required and not field.has_default:
        cases.append(Case(f"missing_{slug}", key, "MISSING"))
    if not (field.nullable or column.nullable):
        cases.append(Case(f"null_{slug}", key, "None"))
    max_length = field.max_length if field.max_length is not None else column.length
    if kind in ("string", "text", "password", "email", "url"):
        cases.append(Case(f"number_as_{slug}", key, "5"))
        if field.min_length:
            cases.append(
                Case(
                    f"{slug}_shorter_than_{field.min_length}",
                    key,
                    _repeat("a", field.min_length - 1),
                )
            )
        if max_length is not None and kind in ("string", "text", "password"):
            cases.append(
                Case(f"{slug}_longer_than_{max_length}", key, _repeat("a", max_length + 1))
            )
        if max_length is not None and kind == "email":
            local = max(max_length - len("@example.com") + 1, 1)
            value = f'{_repeat("a", local)} + "@example.com"'
            cases.append(Case(f"{slug}_longer_than_{max_length}", key, value))
        if kind == "email":
            cases.append(Case(f"malformed_{slug}", key, repr("not-an-email")))
        if kind == "url":
            cases.append(Case(f"malformed_{slug}", key, repr("not a url")))
        if field.pattern:
            bad = _non_matching(field.pattern, field.min_length or 0, max_length)
            if bad is not None:
                cases.append(Case(f"{slug}_not_matching_pattern", key, repr(bad)))
        if kind in ("string", "text", "password"):
            cases.append(Case(f"nul_character_in_{slug}", key, repr("a\x00b")))
    elif kind in ("int", "bigint"):
        cases.append(Case(f"string_as_{slug}", key, '"5"'))
        cases.append(Case(f"bool_as_{slug}", key, "True"))
        cases.append(Case(f"fraction_as_{slug}", key, "1.5"))
        lowest, highest = INT_RANGES[kind]
        low = int(field.min) if field.min is not None else lowest
        high = int(field.max) if field.max is not None else highest
        cases.append(Case(f"{slug}_below_{_slug_num(low)}", key, repr(low - 1)))
        cases.append(Case(f"{slug}_above_{_slug_num(high)}", key, repr(high + 1)))
    elif kind == "float":
        cases.append(Case(f"string_as_{slug}", key, '"1.5"'))
        cases.append(Case(f"bool_as_{slug}", key, "True"))
        if field.min is not None:
            cases.append(
                Case(f"{slug}_below_{_slug_num(field.min)}", key, repr(float(field.min) - 1))
            )
        if field.max is not None:
            cases.append(
                Case(f"{slug}_above_{_slug_num(field.max)}", key, repr(float(field.max) + 1))
            )
    elif kind == "decimal":
        cases.append(Case(f"number_as_{slug}", key, "1.5"))
        cases.append(Case(f"malformed_{slug}", key, '"1.2.3"'))
        scale = field.scale if field.scale is not None else column.scale
        if scale is not None:
            cases.append(
                Case(f"{slug}_with_{scale + 1}_decimal_places", key, repr("0." + "1" * (scale + 1)))
            )
        if field.min is not None:
            cases.append(
                Case(
                    f"{slug}_below_{_slug_num(field.min)}",
                    key,
                    repr(str(Decimal(str(field.min)) - 1)),
                )
            )
        if field.max is not None:
            cases.append(
                Case(
                    f"{slug}_above_{_slug_num(field.max)}",
                    key,
                    repr(str(Decimal(str(field.max)) + 1)),
                )
            )
    elif kind == "bool":
        cases.append(Case(f"number_as_{slug}", key, "1"))
        cases.append(Case(f"string_as_{slug}", key, '"true"'))
    elif kind == "date":
        cases.append(Case(f"malformed_{slug}", key, '"tomorrow"'))
        cases.append(Case(f"number_as_{slug}", key, "20240101"))
    elif kind == "datetime":
        cases.append(Case(f"malformed_{slug}", key, '"yesterday"'))
        cases.append(Case(f"naive_{slug}", key, '"2024-05-01T12:00:00"'))
    elif kind == "uuid":
        cases.append(Case(f"malformed_{slug}", key, '"not-a-uuid"'))
        cases.append(Case(f"number_as_{slug}", key, "5"))
    elif kind == "enum":
        cases.append(Case(f"unknown_{slug}", key, repr("not-a-" + slug)))
    return cases


def _repeat(char: str, count: int) -> str:
    """Source of a string of `count` characters: a literal when short, `"a" * 5001` when long."""
    return repr(char * count) if count <= 12 else f"{char!r} * {count}"


def _slug_num(value: Any) -> str:
    return str(value).replace("-", "minus_").replace(".", "_")
