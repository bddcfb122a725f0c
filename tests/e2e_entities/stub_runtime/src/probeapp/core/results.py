"""ActionResult."""

from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

import pydantic

ErrorCode = Literal["unauthenticated", "forbidden", "not_found", "conflict", "validation", "internal"]
T = TypeVar("T")


@dataclass(frozen=True)
class ActionError:
    code: ErrorCode
    message: str
    fields: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ActionResult(Generic[T]):
    data: T | None = None
    error: ActionError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @classmethod
    def success(cls, data: T) -> "ActionResult[T]":
        return cls(data=data)

    @classmethod
    def failure(
        cls, code: ErrorCode, message: str, fields: dict[str, list[str]] | None = None
    ) -> "ActionResult[T]":
        return cls(error=ActionError(code, message, fields or {}))


def field_errors(exc: pydantic.ValidationError) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "body"
        out.setdefault(key, []).append(err["msg"])
    return out
