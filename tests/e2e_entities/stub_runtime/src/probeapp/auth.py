"""Actors and bearer tokens."""

import os
import uuid
from dataclasses import dataclass, field
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer


@dataclass(frozen=True)
class Actor:
    id: uuid.UUID
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


def _secret() -> str:
    return os.environ.get("APP_SECRET_KEY", "test-secret-key-test-secret-key-32b")


def issue_token(user_id: uuid.UUID | str, roles: tuple[str, ...] | list[str] = ()) -> str:
    return jwt.encode({"sub": str(user_id), "roles": list(roles)}, _secret(), algorithm="HS256")


_bearer = HTTPBearer(auto_error=False)


async def current_actor(
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    if creds is None:
        raise HTTPException(401, "authentication required")
    try:
        claims = jwt.decode(creds.credentials, _secret(), algorithms=["HS256"])
        return Actor(id=uuid.UUID(claims["sub"]), roles=frozenset(claims.get("roles", [])))
    except Exception as exc:
        raise HTTPException(401, "invalid token") from exc


ActorDep = Annotated[Actor, Depends(current_actor)]
