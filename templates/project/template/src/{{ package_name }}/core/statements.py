"""Statements built once per shape and kept: the generated queries' statement cache (issue 17).

A generated query builds its statement once per shape (the actor's roles, on which a scope may
depend; which filters a list has; which columns an update sets), with bound parameters where the
values go: the actor's id (`actor_id`), the key (`key_<column>`), the values (`v_<column>`).
A call then only binds them: it neither builds a statement nor computes its cache key, which
cost about as much as the round trips of a one-row read. A scope function therefore gets a
stand-in actor whose `id` is the bound parameter: it may use the actor's id only as a value in
SQL, and anything else it decides must follow from the actor's roles.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar, cast

import sqlalchemy as sa

from ..auth import Actor

Statement = TypeVar("Statement")

# Shapes one module keeps at most; an update of every subset of many columns could make more,
# and then the oldest are built again.
MAX_KEPT = 1024


class Kept:
    """One module's statements, by shape."""

    def __init__(self) -> None:
        self._statements: dict[tuple[Any, ...], Any] = {}

    def __call__(
        self, shape: tuple[Any, ...] | None, actor: Actor, build: Callable[[Actor], Statement]
    ) -> Statement:
        """The statement `build` makes for `shape` and the actor's roles, built on first use
        (at every call when `shape` is None): `build` gets `stand_in(actor)`."""
        key = None if shape is None else (*shape, actor.roles)
        kept = None if key is None else self._statements.get(key)
        if kept is not None:
            return cast(Statement, kept)
        stmt = build(stand_in(actor))
        if key is not None:
            if len(self._statements) >= MAX_KEPT:
                self._statements.clear()
            self._statements[key] = stmt
        return stmt


def stand_in(actor: Actor) -> Actor:
    """An actor with `actor`'s roles whose id is the bound parameter `actor_id`."""
    return Actor(id=cast(uuid.UUID, sa.bindparam("actor_id")), roles=actor.roles)


def bound(name: str, value: object) -> Any:
    """The bound parameter `name` that stands for `value` in a kept statement (None for None)."""
    return None if value is None else sa.bindparam(name)


def placeholders(values: dict[str, Any]) -> dict[str, Any]:
    """The bound parameters `v_<column>` that stand for these values in a kept statement."""
    return {column: sa.bindparam(f"v_{column}") for column in values}


def given(values: dict[str, Any]) -> dict[str, Any]:
    """These values as the parameters `v_<column>` of a kept statement."""
    return {f"v_{column}": value for column, value in values.items()}
