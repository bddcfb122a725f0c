"""Keyset pagination: `Page`, the signed cursor codec, and `clamp_limit`.

A cursor holds the order-key values of the last row of a page, so the next page starts strictly
after it (`WHERE (created_at, id) < (:created_at, :id)`): no gaps and no repeats, even when rows
share a timestamp, because the last key is unique. Cursors are opaque to clients and signed with
`APP_SECRET_KEY`, so a client cannot forge one to probe values it may not read; anything that is
not a cursor this app issued for this order raises `InvalidCursor`.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from .security import secret_key

T = TypeVar("T")

MAX_CURSOR_LENGTH = 4096
_SIGNATURE_BYTES = 16
_CONTEXT = b"cursor:v1:"

# Which encoded tags a column kind accepts (kinds are those of scaffold's IR). "n" (null) is
# accepted for every kind; a kind not listed here accepts any tag.
_TAGS_BY_KIND: dict[str, frozenset[str]] = {
    **dict.fromkeys(("string", "text", "email", "url", "enum", "password"), frozenset("s")),
    **dict.fromkeys(("int", "bigint"), frozenset("i")),
    "float": frozenset("fi"),
    "decimal": frozenset("m"),
    "bool": frozenset("b"),
    "date": frozenset("d"),
    "datetime": frozenset("t"),
    "uuid": frozenset("u"),
}


class InvalidCursor(ValueError):
    """The cursor is malformed, tampered with, or was issued for another order."""


class Page(BaseModel, Generic[T]):
    """One page of a list: its items, and the cursor of the next page when there is one."""

    items: list[T]
    next_cursor: str | None = None
    has_more: bool = False


def clamp_limit(limit: int | None, default: int, maximum: int) -> int:
    """The page size to use: `default` when not given, never above `maximum`.

    A limit below 1 is an error (routes already reject it with `Query(ge=1)`).
    """
    if limit is None:
        return min(default, maximum)
    if limit < 1:
        raise ValueError("limit must be at least 1")
    return min(limit, maximum)


def encode_cursor(values: Sequence[object]) -> str:
    """An opaque, URL-safe, signed cursor holding `values` (the last row's order keys)."""
    payload = json.dumps(
        [_encode_value(value) for value in values], separators=(",", ":"), allow_nan=False
    ).encode()
    return f"{_b64encode(payload)}.{_b64encode(_sign(payload))}"


def decode_cursor(cursor: str, kinds: Sequence[str]) -> tuple[Any, ...]:
    """The values in `cursor`, checked against the column `kinds` of the order keys."""
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH or cursor.count(".") != 1:
        raise InvalidCursor("the cursor is malformed")
    encoded_payload, encoded_signature = cursor.split(".")
    payload = _b64decode(encoded_payload)
    if not hmac.compare_digest(_b64decode(encoded_signature), _sign(payload)):
        raise InvalidCursor("the cursor was not issued by this server")
    try:
        items = json.loads(payload)
    except ValueError as exc:
        raise InvalidCursor("the cursor is malformed") from exc
    if not isinstance(items, list) or len(items) != len(kinds):
        raise InvalidCursor("the cursor does not fit this list's order")
    return tuple(_decode_value(item, kind) for item, kind in zip(items, kinds, strict=True))


def _sign(payload: bytes) -> bytes:
    digest = hmac.new(secret_key().encode(), _CONTEXT + payload, hashlib.sha256).digest()
    return digest[:_SIGNATURE_BYTES]


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidCursor("the cursor is malformed") from exc


def _encode_value(value: object) -> list[Any]:
    # Order matters: bool is an int, datetime is a date.
    if isinstance(value, enum.Enum):
        return _encode_value(value.value)
    if value is None:
        return ["n"]
    if isinstance(value, bool):
        return ["b", value]
    if isinstance(value, int):
        return ["i", value]
    if isinstance(value, float):
        return ["f", value]
    if isinstance(value, Decimal):
        return ["m", str(value)]
    if isinstance(value, str):
        return ["s", value]
    if isinstance(value, datetime):
        # SQLite hands back naive datetimes; the app stores UTC.
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return ["t", aware.isoformat()]
    if isinstance(value, date):
        return ["d", value.isoformat()]
    if isinstance(value, uuid.UUID):
        return ["u", str(value)]
    raise TypeError(f"cannot put a {type(value).__name__} in a cursor")


def _decode_value(item: object, kind: str) -> Any:
    if not isinstance(item, list) or not item or not isinstance(item[0], str):
        raise InvalidCursor("the cursor is malformed")
    tag = item[0]
    if tag == "n" and len(item) == 1:
        return None
    allowed = _TAGS_BY_KIND.get(kind)
    if len(item) != 2 or (allowed is not None and tag not in allowed):
        raise InvalidCursor("the cursor does not fit this list's order")
    value = item[1]
    try:
        return _DECODERS[tag](value)
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise InvalidCursor("the cursor is malformed") from exc


def _decode_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("expected an integer")
    return value


def _decode_float(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("expected a number")
    return float(value)


def _decode_bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError("expected a boolean")
    return value


def _decode_str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _decode_datetime(value: object) -> datetime:
    parsed = datetime.fromisoformat(_decode_str(value))
    if parsed.tzinfo is None:
        raise ValueError("expected a timezone")
    return parsed.astimezone(UTC)


_DECODERS: dict[str, Callable[[object], Any]] = {
    "i": _decode_int,
    "f": _decode_float,
    "b": _decode_bool,
    "s": _decode_str,
    "m": lambda value: Decimal(_decode_str(value)),
    "t": _decode_datetime,
    "d": lambda value: date.fromisoformat(_decode_str(value)),
    "u": lambda value: uuid.UUID(_decode_str(value)),
}
