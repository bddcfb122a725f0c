"""`ActionResult`: what every server action returns, success or a typed failure.

Actions never raise for expected failures (bad input, a missing row, a stale version); they return
`ActionResult.failure(...)`, so callers other than HTTP routes (jobs, scripts, tests) get the same
answer the API gives.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from pydantic import ValidationError
from pydantic_core import ErrorDetails

T = TypeVar("T")

ErrorCode = Literal[
    "unauthenticated",
    "forbidden",
    "not_found",
    "conflict",
    "validation",
    "internal",
    "unavailable",
]

# Key of `fields` for errors about the input as a whole rather than one field.
ROOT_FIELD = "__root__"


@dataclass(frozen=True)
class ActionError:
    """Why an action failed: a code, a message for people, and errors per input field."""

    code: ErrorCode
    message: str
    fields: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ActionResult(Generic[T]):
    """Either `data` (when `ok`) or an `error`, never both."""

    data: T | None = None
    error: ActionError | None = None

    @property
    def ok(self) -> bool:
        """True when the action succeeded."""
        return self.error is None

    @classmethod
    def success(cls, data: T) -> ActionResult[T]:
        """A successful result carrying `data`."""
        return cls(data=data)

    @classmethod
    def failure(
        cls,
        code: ErrorCode,
        message: str,
        fields: dict[str, list[str]] | None = None,
    ) -> ActionResult[T]:
        """A failed result; `fields` maps input field names to their messages."""
        return cls(error=ActionError(code=code, message=message, fields=dict(fields or {})))


def error_field(loc: tuple[int | str, ...]) -> str:
    """The exchanged name an error is about: the first part of its location.

    Pydantic's location goes on into the value: the member of a union that failed (`none`,
    `literal['a','b']`, `function-after[...]`, `constrained-int`), list indexes and keys inside
    a JSON value. The API names the top-level key the client sent (`("tags", 0)` → `"tags"`);
    an error about the input as a whole (no location) is `ROOT_FIELD`'s.
    """
    return str(loc[0]) if loc else ROOT_FIELD


def field_errors(exc: ValidationError) -> dict[str, list[str]]:
    """Pydantic's errors as `{"field": ["message", ...]}`, in the order they were found."""
    return merge_errors((error_field(tuple(e["loc"])), e) for e in exc.errors(include_url=False))


def merge_errors(located: Iterable[tuple[str, ErrorDetails]]) -> dict[str, list[str]]:
    """`(field, error)` pairs as `{"field": ["message", ...]}`: one list per field, no repeats.

    A value that fails `X | None` fails both members; "Input should be None" is dropped when
    the field has another message, which says what is wrong with the value.
    """
    grouped: dict[str, list[ErrorDetails]] = {}
    for key, error in located:
        grouped.setdefault(key, []).append(error)
    fields: dict[str, list[str]] = {}
    for key, errors in grouped.items():
        real = [error for error in errors if error["type"] != "none_required"] or errors
        fields[key] = list(dict.fromkeys(error_message(error) for error in real))
    return fields


def error_message(error: ErrorDetails) -> str:
    """A readable message for one pydantic error (without the "Value error, " prefix)."""
    if error["type"] == "value_error" and "error" in error.get("ctx", {}):
        return str(error["ctx"]["error"])
    return error["msg"]
