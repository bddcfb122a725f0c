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
    """The default of a field as a JSON value and as a server default; `Bad` if it does not fit."""
    value = f.default
    if value is None:
        if f.required:
            raise Bad(
                "the default is null but the field is required",
                "remove `default`, or add `required: false`",
            )
        return None, None
    if kind in ("string", "text", "email", "url", "enum"):
        if not isinstance(value, str):
            raise Bad(f"the default of a `{kind}` field must be text, not `{value}`")
        if kind == "enum" and value not in (f.values or []):
            close = difflib.get_close_matches(value, f.values or [], n=1)
            raise Bad(
                f"the default `{value}` is not one of the values " f"({', '.join(f.values or [])})",
                f"did you mean `{close[0]}`?" if close else None,
            )
        if max_length is not None and len(value) > max_length:
            raise Bad(f"the default is longer than `max_length` ({max_length})")
        if min_length is not None and len(value) < min_length:
            raise Bad(f"the default is shorter than `min_length` ({min_length})")
        if f.pattern is not None and re.fullmatch(f.pattern, value) is None:
            raise Bad("the default does not match `pattern`")
        if kind == "email" and "@" not in value:
            raise Bad("the default is not an email address")
        if kind == "url" and not re.match(r"^[a-z][a-z0-9+.\-]*://", value):
            raise Bad("the default is not a URL")
        return value, sa_text(sql_str(value))
    if kind == "bool":
        if not isinstance(value, bool):
            raise Bad(f"the default of a `bool` field must be true or false, not `{value}`")
        return value, "sa.true()" if value else "sa.false()"
    if kind in NUMBER_KINDS:
        number = coerce_number(value, kind, precision, scale)
        if vmin is not None and as_decimal(number) < as_decimal(vmin):
            raise Bad(f"the default {number} is below `min` ({vmin})")
        if vmax is not None and as_decimal(number) > as_decimal(vmax):
            raise Bad(f"the default {number} is above `max` ({vmax})")
        return number, sa_text(num_sql(number))
    if kind == "date":
        if not isinstance(value, str):
            raise Bad("the default of a `date` field is an ISO date such as '2024-01-31'")
        try:
            parsed = dt.date.fromisoformat(value)
        except ValueError:
            raise Bad(
                f"the default `{value}` is not an ISO date", "write e.g. '2024-01-31'"
            ) from None
        return parsed.isoformat(), sa_text(sql_str(parsed.isoformat()))
    if kind == "datetime":
        if not isinstance(value, str):
            raise Bad("the default of a `datetime` field is an ISO date-time with a zone")
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise Bad(
                f"the default `{value}` is not an ISO date-time",
                "write e.g. '2024-01-31T12:00:00+00:00'",
            ) from None
        if moment.tzinfo is None:
            raise Bad(
                "the default date-time has no time zone",
                "write e.g. '2024-01-31T12:00:00+00:00'",
            )
        text = moment.isoformat()
        return text, sa_text(sql_str(text))
    if kind == "uuid":
        try:
            text = str(uuid.UUID(value)) if isinstance(value, str) else ""
        except ValueError:
            text = ""
        if not text:
            raise Bad(f"the default `{value}` is not a UUID")
        return text, sa_text(sql_str(text))
    if kind == "json":
        try:
            text = json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
        except ValueError:
            raise Bad("the default is not a JSON value") from None
        return json.loads(text), sa_text(sql_str(text))
    raise Bad(f"a `{kind}` field cannot have a default")


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
    if isinstance(value, bool):
        raise Bad(f"`{value}` is not a number")
    if kind in INT_RANGE:
        if not isinstance(value, int):
            raise Bad(f"`{value}` is not a whole number")
        low, high = INT_RANGE[kind]
        if not low <= value <= high:
            hint = "use `type: bigint`" if kind == "int" else None
            raise Bad(f"{value} does not fit a `{kind}` column", hint)
        return value
    if kind == "float":
        if not isinstance(value, int | float) or (
            isinstance(value, float) and not math.isfinite(value)
        ):
            raise Bad(f"`{value}` is not a finite number")
        try:
            return float(value)
        except OverflowError:
            raise Bad(f"`{value}` is too large for a `float` column") from None
    # decimal: kept as text so no precision is lost ("0.10")
    if isinstance(value, float) and not math.isfinite(value):
        raise Bad(f"`{value}` is not a finite number")
    if not isinstance(value, int | float | str):
        raise Bad(f"`{value}` is not a number")
    try:
        number = decimal.Decimal(str(value).strip())
    except decimal.InvalidOperation:
        raise Bad(f"`{value}` is not a decimal number", "write e.g. '19.99'") from None
    if not number.is_finite():
        raise Bad(f"`{value}` is not a finite number")
    if precision is not None and scale is not None:
        exponent = number.as_tuple().exponent
        assert isinstance(exponent, int)
        if -exponent > scale:
            raise Bad(f"{value} has more than {scale} decimal places")
        # digits before the point, from the exponent (never by building a huge integer)
        integer_digits = 0 if number.is_zero() else max(number.adjusted() + 1, 0)
        if integer_digits > precision - scale:
            raise Bad(f"{value} does not fit decimal({precision},{scale})")
    return format(number, "f")


def where_literal(col: Column, value: Any) -> str:
    kind = col.kind
    if kind == "bool":
        if not isinstance(value, bool):
            raise Bad(f"`{col.name}` is a bool; write true or false")
        return "true" if value else "false"
    if kind in NUMBER_KINDS:
        return num_sql(coerce_number(value, kind, col.precision, col.scale))
    if not isinstance(value, str):
        raise Bad(f"`{col.name}` holds text; write the value as text")
    if kind == "enum" and value not in col.enum_values:
        raise Bad(
            f"`{value}` is not one of the values of `{col.name}` ({', '.join(col.enum_values)})"
        )
    return sql_str(value)
