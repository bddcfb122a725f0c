"""Keyset pagination: Page and the cursor codec."""

import base64
import datetime
import decimal
import hashlib
import hmac
import json
import os
import uuid
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class InvalidCursor(ValueError):
    pass


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None
    has_more: bool


def _key() -> bytes:
    return os.environ.get("APP_SECRET_KEY", "test-secret-key-test-secret-key-32b").encode()


def _enc(v: object) -> object:
    if isinstance(v, datetime.datetime | datetime.date | uuid.UUID | decimal.Decimal):
        return str(v) if not isinstance(v, datetime.date) else v.isoformat()
    return v


def encode_cursor(values: Sequence[object]) -> str:
    raw = json.dumps([_enc(v) for v in values], separators=(",", ":")).encode()
    sig = hmac.new(_key(), raw, hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(sig + raw).decode().rstrip("=")


def _dec(kind: str, v: Any) -> Any:
    if v is None:
        return None
    if kind == "datetime":
        d = datetime.datetime.fromisoformat(v)
        return d if d.tzinfo else d.replace(tzinfo=datetime.UTC)
    if kind == "date":
        return datetime.date.fromisoformat(v)
    if kind in ("uuid", "ref"):
        return uuid.UUID(v)
    if kind == "decimal":
        return decimal.Decimal(v)
    return v


def decode_cursor(cursor: str, kinds: Sequence[str]) -> tuple[Any, ...]:
    try:
        blob = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        sig, raw = blob[:12], blob[12:]
        if not hmac.compare_digest(sig, hmac.new(_key(), raw, hashlib.sha256).digest()[:12]):
            raise InvalidCursor("tampered cursor")
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(kinds):
            raise InvalidCursor("wrong cursor shape")
        return tuple(_dec(k, v) for k, v in zip(kinds, values, strict=True))
    except InvalidCursor:
        raise
    except Exception as exc:
        raise InvalidCursor("malformed cursor") from exc


def clamp_limit(limit: int | None, default: int, maximum: int) -> int:
    if limit is None:
        return default
    return max(1, min(limit, maximum))
