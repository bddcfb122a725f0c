"""Columns of spec fields: SQLAlchemy types, Python types, defaults, literals.

Pure functions shared by the resolver; problems are raised as `Bad` (message + hint) and located
by the caller, which knows which key of the spec they come from.
"""

from __future__ import annotations

import datetime as dt
import decimal
import difflib
import json
import math
import re
import uuid
from typing import Any

from scaffold.ir.model import Column, JsonValue
from scaffold.spec.models import FieldSpec

LENGTH_KINDS = ("string", "text", "email", "url", "password")
NUMBER_KINDS = ("int", "bigint", "float", "decimal")
PATTERN_KINDS = ("string", "text", "email", "url")
INT_RANGE = {"int": (-(2**31), 2**31 - 1), "bigint": (-(2**63), 2**63 - 1)}
MAX_VARCHAR = 10_485_760  # PostgreSQL's limit for varchar(n)
DEFAULT_LENGTH = {"string": 255, "email": 320, "url": 2048, "password": 255}
PASSWORD_INPUT = (8, 128)
DEFAULT_DECIMAL = (10, 2)
ENUM_VALUE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
ENUM_LENGTH = 64

PY_TYPES = {
    "string": "str",
    "text": "str",
    "email": "str",
    "url": "str",
    "password": "str",
    "enum": "str",
    "int": "int",
    "bigint": "int",
    "float": "float",
    "decimal": "decimal.Decimal",
    "bool": "bool",
    "date": "datetime.date",
    "datetime": "datetime.datetime",
    "uuid": "uuid.UUID",
    "json": "Any",
}
SA_SIMPLE = {
    "text": "sa.Text()",
    "int": "sa.Integer()",
    "bigint": "sa.BigInteger()",
    "float": "sa.Float()",
    "bool": "sa.Boolean()",
    "date": "sa.Date()",
    "datetime": "sa.DateTime(timezone=True)",
    "uuid": "sa.Uuid()",
    "json": 'sa.JSON().with_variant(postgresql.JSONB(), "postgresql")',
}


class Bad(Exception):
    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def sa_text(sql: str) -> str:
    return f"sa.text({json.dumps(sql)})"


def sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def num_sql(value: int | float | str) -> str:
    return value if isinstance(value, str) else repr(value)


def shown(value: Any, limit: int = 40) -> str:
    """A value as a message quotes it: YAML-like words, long text cut short."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "null"
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def column_default(
    f: FieldSpec,
    kind: str,
    min_length: int | None,
    max_length: int | None,
    vmin: int | float | str | None,
    vmax: int | float | str | None,
    precision: int | None,
    scale: int | None,
) -> tuple[JsonValue, str | None]:
    """The default of a field as a JSON value and as a server default; `Bad` if it does not fit.

    Messages are about the value only (`` `lots` is not a whole number ``): the resolver names
    the field (`` default of `quantity`: ... ``), since it knows which key they come from.
    """
    value = f.default
    if value is None:
        if f.required:
            raise Bad(
                "null, but the field is required", "remove `default`, or add `required: false`"
            )
        return None, None
    if kind in ("string", "text", "email", "url", "enum"):
        if not isinstance(value, str):
            raise Bad(f"`{shown(value)}` is not text", f"quote it: '{shown(value)}'")
        if kind == "enum" and value not in (f.values or []):
            close = difflib.get_close_matches(value, f.values or [], n=1)
            raise Bad(
                f"`{shown(value)}` is not one of the values ({', '.join(f.values or [])})",
                f"did you mean `{close[0]}`?" if close else "write one of the values",
            )
        if max_length is not None and len(value) > max_length:
            raise Bad(
                f"`{shown(value)}` is longer than `max_length` ({max_length})",
                f"write at most {max_length} characters",
            )
        if min_length is not None and len(value) < min_length:
            raise Bad(
                f"`{shown(value)}` is shorter than `min_length` ({min_length})",
                f"write at least {min_length} characters",
            )
        if f.pattern is not None and re.fullmatch(f.pattern, value) is None:
            raise Bad(
                f"`{shown(value)}` does not match `pattern`",
                f"write text that matches {shown(f.pattern, 60)}",
            )
        if kind == "email" and "@" not in value:
            raise Bad(f"`{shown(value)}` is not an email address", "write e.g. `team@example.com`")
        if kind == "url" and not re.match(r"^[a-z][a-z0-9+.\-]*://", value):
            raise Bad(f"`{shown(value)}` is not a URL", "write e.g. `https://example.com`")
        return value, sa_text(sql_str(value))
    if kind == "bool":
        if not isinstance(value, bool):
            raise Bad(f"`{shown(value)}` is not true or false", "write `true` or `false`")
        return value, "sa.true()" if value else "sa.false()"
    if kind in NUMBER_KINDS:
        number = coerce_number(value, kind, precision, scale)
        if vmin is not None and as_decimal(number) < as_decimal(vmin):
            raise Bad(f"{number} is below `min` ({vmin})", f"write {vmin} or more")
        if vmax is not None and as_decimal(number) > as_decimal(vmax):
            raise Bad(f"{number} is above `max` ({vmax})", f"write {vmax} or less")
        return number, sa_text(num_sql(number))
    if kind == "date":
        try:
            parsed = dt.date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise Bad(f"`{shown(value)}` is not an ISO date", "write e.g. '2024-01-31'")
        return parsed.isoformat(), sa_text(sql_str(parsed.isoformat()))
    if kind == "datetime":
        try:
            moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None:
            raise Bad(
                f"`{shown(value)}` is not an ISO date-time",
                "write e.g. '2024-01-31T12:00:00+00:00'",
            )
        if moment.tzinfo is None:
            raise Bad(
                f"`{shown(value)}` has no time zone", "write e.g. '2024-01-31T12:00:00+00:00'"
            )
        text = moment.isoformat()
        return text, sa_text(sql_str(text))
    if kind == "uuid":
        try:
            text = str(uuid.UUID(value)) if isinstance(value, str) else ""
        except ValueError:
            text = ""
        if not text:
            raise Bad(
                f"`{shown(value)}` is not a UUID",
                "write e.g. '123e4567-e89b-12d3-a456-426614174000'",
            )
        return text, sa_text(sql_str(text))
    if kind == "json":
        try:
            text = json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
        except ValueError:
            raise Bad(
                f"`{shown(value)}` is not a JSON value (no NaN or infinity)",
                "write a mapping, a list, text, a finite number, true, false or null",
            ) from None
        return json.loads(text), sa_text(sql_str(text))
    raise Bad(f"a `{kind}` field cannot have a default", "remove `default`")


def id_column(pk: bool = True) -> Column:
    return Column(
        name="id",
        kind="uuid",
        role="pk",
        sa_type="sa.Uuid()",
        py_type="uuid.UUID",
        nullable=False,
        primary_key=pk,
    )


def timestamp_column(name: str, pk: bool = False) -> Column:
    return Column(
        name=name,
        kind="datetime",
        role=name,
        sa_type="sa.DateTime(timezone=True)",
        py_type="datetime.datetime",
        nullable=False,
        primary_key=pk,
        server_default="sa.func.now()",
    )


def as_decimal(value: int | float | str) -> decimal.Decimal:
    return decimal.Decimal(str(value)) if not isinstance(value, float) else decimal.Decimal(value)


def coerce_number(
    value: Any, kind: str, precision: int | None, scale: int | None
) -> int | float | str:
    """`value` as the number a `kind` column holds; `Bad` (about the value alone) if it is not."""
    if kind in INT_RANGE:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Bad(f"`{shown(value)}` is not a whole number", "write a whole number such as `0`")
        low, high = INT_RANGE[kind]
        if not low <= value <= high:
            hint = "use `type: bigint`" if kind == "int" else f"write a number from {low} to {high}"
            raise Bad(f"{shown(value)} does not fit a `{kind}` column", hint)
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Bad(f"`{shown(value)}` is not a number", "write a number such as `1.5`")
        if isinstance(value, float) and not math.isfinite(value):
            raise Bad(f"`{shown(value)}` is not a finite number", "write a number such as `1.5`")
        try:
            return float(value)
        except OverflowError:
            raise Bad(
                f"`{shown(value)}` is too large for a `float` column", "use `type: decimal`"
            ) from None
    # decimal: kept as text so no precision is lost ("0.10")
    example = "write a decimal number such as '19.99'"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Bad(f"`{shown(value)}` is not a decimal number", example)
    if isinstance(value, float) and not math.isfinite(value):
        raise Bad(f"`{shown(value)}` is not a finite number", example)
    try:
        number = decimal.Decimal(str(value).strip())
    except decimal.InvalidOperation:
        raise Bad(f"`{shown(value)}` is not a decimal number", example) from None
    if not number.is_finite():
        raise Bad(f"`{shown(value)}` is not a finite number", example)
    if precision is not None and scale is not None:
        exponent = number.as_tuple().exponent
        assert isinstance(exponent, int)
        if -exponent > scale:
            raise Bad(
                f"{shown(value)} has more than {scale} decimal places",
                f"round it to {scale} places, or raise `scale`",
            )
        # digits before the point, from the exponent (never by building a huge integer)
        integer_digits = 0 if number.is_zero() else max(number.adjusted() + 1, 0)
        if integer_digits > precision - scale:
            raise Bad(
                f"{shown(value)} does not fit decimal({precision},{scale})",
                f"write at most {precision - scale} digits before the point, or raise "
                "`precision`",
            )
    return format(number, "f")


def where_literal(col: Column, value: Any) -> str:
    """`value` as an SQL literal for `col` in a partial index; `Bad` about the value alone."""
    kind = col.kind
    if kind == "bool":
        if not isinstance(value, bool):
            raise Bad(f"`{shown(value)}` is not true or false", "write `true` or `false`")
        return "true" if value else "false"
    if kind in NUMBER_KINDS:
        return num_sql(coerce_number(value, kind, col.precision, col.scale))
    if not isinstance(value, str):
        raise Bad(f"`{shown(value)}` is not text", f"quote it: '{shown(value)}'")
    if kind == "enum" and value not in col.enum_values:
        close = difflib.get_close_matches(value, col.enum_values, n=1)
        raise Bad(
            f"`{shown(value)}` is not one of the values ({', '.join(col.enum_values)})",
            f"did you mean `{close[0]}`?" if close else "write one of the values",
        )
    return sql_str(value)
