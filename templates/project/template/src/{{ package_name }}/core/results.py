"""`ActionResult`: what every server action returns, success or a typed failure.

Actions never raise for expected failures (bad input, a missing row, a stale version); they return
`ActionResult.failure(...)`, so callers other than HTTP routes (jobs, scripts, tests) get the same
answer the API gives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from pydantic import ValidationError
from pydantic_core import ErrorDetails

T = TypeVar("T")

ErrorCode = Literal[
    "unauthenticated", "forbidden", "not_found", "conflict", "validation", "internal"
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
    """The field name of a pydantic error location: `("tags", 0)` → `"tags.0"`."""
    return ".".join(str(part) for part in loc) or ROOT_FIELD


def field_errors(exc: ValidationError) -> dict[str, list[str]]:
    """Pydantic's errors as `{"field": ["message", ...]}`, in the order they were found."""
    fields: dict[str, list[str]] = {}
    for error in exc.errors(include_url=False):
        fields.setdefault(error_field(tuple(error["loc"])), []).append(error_message(error))
    return fields


def error_message(error: ErrorDetails) -> str:
    """A readable message for one pydantic error (without the "Value error, " prefix)."""
    if error["type"] == "value_error" and "error" in error.get("ctx", {}):
        return str(error["ctx"]["error"])
    return error["msg"]
