"""Pydantic types shared by entity schemas: strict about what arrives, exact about what leaves.

JSON input arrives as strings for dates, datetimes and decimals (ISO 8601, `"12.50"`), and
nothing is coerced silently: `1` is not a date and `12.5` is not a decimal. Values read from the
database are Python objects and pass through, normalised.

Use them as field types, with constraints added the usual way:
`Annotated[Email, Field(max_length=64)]`,
`Annotated[StrictDecimal, Field(max_digits=10, decimal_places=2)]`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from typing import Annotated

from annotated_types import Interval
from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, AnyHttpUrl, BeforeValidator, TypeAdapter, ValidationError

# Integers as path and query parameters: a value the column cannot hold is a 422 naming the
# parameter, not a database error (PostgreSQL and SQLite refuse to bind it).
Int32 = Annotated[int, Interval(ge=-(2**31), le=2**31 - 1)]
Int64 = Annotated[int, Interval(ge=-(2**63), le=2**63 - 1)]

_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_HTTP_URL: TypeAdapter[AnyHttpUrl] = TypeAdapter(AnyHttpUrl)


def to_utc(value: datetime) -> datetime:
    """`value` in UTC; a naive value (SQLite returns those) is taken to be UTC already."""
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _utc_datetime(value: object) -> datetime:
    if isinstance(value, datetime):
        return to_utc(value)
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("not a valid ISO 8601 datetime") from None
        if parsed.tzinfo is None:
            raise ValueError("the datetime needs a timezone, e.g. 2024-05-01T12:00:00Z")
        return _in_utc(parsed)
    raise ValueError("expected an ISO 8601 datetime with a timezone, e.g. 2024-05-01T12:00:00Z")


_SPACED_OFFSET = re.compile(r"(.*T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})")


def parse_instant(value: str, zone: tzinfo) -> datetime:
    """A query parameter as a UTC instant: an ISO 8601 datetime with a timezone, or a date (the
    first instant of that day in `zone`). An offset's `+` that arrived unescaped in a query string
    (as a space) is read as a `+`. Raises ValueError with a message for people."""
    text = value.strip()
    spaced = _SPACED_OFFSET.fullmatch(value)
    if spaced:
        text = f"{spaced.group(1)}+{spaced.group(2)}"
    if _ISO_DATE.fullmatch(text):
        day = _iso_date(text)
        return _in_utc(datetime(day.year, day.month, day.day, tzinfo=zone))
    return _utc_datetime(text)


def _in_utc(value: datetime) -> datetime:
    # 0001-01-01T00:30+01:00 is a valid ISO 8601 text whose instant is before year 1
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the datetime is out of range (years 1 to 9999 in UTC)") from None


def _iso_date(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError("not a valid date") from None
    raise ValueError("expected an ISO 8601 date, e.g. 2024-05-01")


def _strict_decimal(value: object) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str) and _DECIMAL.fullmatch(value):
        return Decimal(value)
    raise ValueError('expected a decimal number written as a string, e.g. "12.50"')


def _email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address: {exc}") from None


def _http_url(value: str) -> str:
    try:
        _HTTP_URL.validate_python(value)
    except ValidationError:
        raise ValueError("not a valid http(s) URL") from None
    return value


UtcDateTime = Annotated[datetime, BeforeValidator(_utc_datetime)]
"""A timezone-aware datetime in UTC. Input must carry a timezone; naive values from the
database are taken as UTC. Serialised as ISO 8601 with `Z`."""

IsoDate = Annotated[date, BeforeValidator(_iso_date)]
"""A calendar date, given as `YYYY-MM-DD`."""

StrictDecimal = Annotated[Decimal, BeforeValidator(_strict_decimal)]
"""A decimal given as a string (`"12.50"`), never as a float; serialised as a string."""

Email = Annotated[str, AfterValidator(_email)]
"""An email address, checked and normalised (the domain lower-cased); no DNS lookup."""

Url = Annotated[str, AfterValidator(_http_url)]
"""An absolute http(s) URL, kept exactly as given."""
