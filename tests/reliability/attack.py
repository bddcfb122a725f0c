"""An HTTP client for the attack suite: identities, tokens, and rows of the example app."""

from __future__ import annotations

import base64
import importlib
import json
import os
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import httpx
import jwt

from .project import PACKAGE, SECRET, AppServer

SHARED = {"users"}  # owner: none — reads for everyone, writes for admins
PUBLIC = {"labels"}  # visibility: public — reads for every signed-in actor, writes for the owner
BAD_IDENTITIES = ("anonymous", "expired", "alg_none", "other_key")
IDENTITIES = ("owner", "other", *BAD_IDENTITIES)
ACTIONS = ("list", "get", "create", "update", "delete")
SERVER_MANAGED = ("id", "user_id", "created_at", "updated_at", "deleted_at", "version")


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def load_auth(server: AppServer) -> Any:
    """The generated project's own `auth` module (tokens come from `issue_token`)."""
    os.environ.setdefault("APP_ENV", "test")
    os.environ["APP_SECRET_KEY"] = SECRET
    src = str(server.root / "src")
    if src not in sys.path:
        sys.path.insert(0, src)
    return importlib.import_module(f"{PACKAGE}.auth")


@dataclass
class Api:
    server: AppServer
    auth: Any
    client: httpx.Client = field(init=False)
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    tokens: dict[str, str | None] = field(default_factory=dict)
    counter: int = 0

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.server.url, timeout=60)

    def identity(self, name: str, roles: tuple[str, ...] = ()) -> str:
        user_id = uuid.uuid4()
        self.users[name] = user_id
        self.tokens[name] = self.auth.issue_token(user_id, roles)
        return name

    def add_bad_tokens(self, victim: str) -> None:
        """Tokens that name `victim` but must not authenticate anyone."""
        uid = str(self.users[victim])
        now = int(time.time())
        claims = {"sub": uid, "roles": ["admin"], "iat": now, "exp": now + 3600}
        self.tokens["anonymous"] = None
        self.tokens["expired"] = self.auth.issue_token(
            self.users[victim], expires_in=timedelta(seconds=-30)
        )
        self.tokens["alg_none"] = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
        self.tokens["other_key"] = jwt.encode(claims, "another-key-" + "k" * 40, algorithm="HS256")

    def headers(self, who: str) -> dict[str, str]:
        token = self.tokens[who]
        return {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, who: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response = self.client.request(method, url, headers=self.headers(who), **kwargs)
        assert response.status_code < 500, (method, url, response.status_code, response.text)
        return response

    def unique(self) -> int:
        self.counter += 1
        return self.counter

    # -- rows --------------------------------------------------------------------------------

    def payload(self, plural: str, who: str) -> dict[str, Any]:
        """A valid create body; parents (refs) are created for `who` first."""
        n = self.unique()
        if plural == "users":
            return {
                "email": f"user{n}-{uuid.uuid4().hex[:6]}@example.com",
                "password": "s3cret-pass",
            }
        if plural == "tasks":
            return {"title": f"task {n}", "done": False, "due": "2026-12-31"}
        if plural == "comments":
            return {"body": f"comment {n}", "task_id": self.create("tasks", who)["id"]}
        if plural == "chats":
            return {"title": f"chat {n}"}
        if plural == "messages":
            chat = self.create("chats", who)["id"]
            return {"chat_id": chat, "role": "user", "parts": [{"text": "hi"}], "attachments": []}
        if plural == "documents":
            return {"title": f"doc {n}", "content": "body", "kind": "text"}
        if plural == "labels":
            return {"name": f"label {n}", "color": "#00aa11"}
        if plural == "suggestions":
            doc = self.create("documents", who)
            return {
                "document_id": doc["id"],
                "document_created_at": doc["created_at"],
                "original_text": "a",
                "suggested_text": "b",
            }
        if plural == "votes":
            message = self.create("messages", who)
            return {"chat_id": message["chat_id"], "message_id": message["id"], "is_upvoted": True}
        raise AssertionError(f"no payload for /{plural}: add one (a new example spec?)")

    def update_payload(self, plural: str) -> dict[str, Any]:
        n = self.unique()
        return {
            "users": {"email": f"changed{n}-{uuid.uuid4().hex[:6]}@example.com"},
            "tasks": {"title": f"changed {n}"},
            "comments": {"body": f"changed {n}"},
            "chats": {"title": f"changed {n}"},
            "messages": {"role": "assistant"},
            "documents": {"title": f"changed {n}"},
            "labels": {"name": f"changed {n}"},
            "suggestions": {"is_resolved": True},
            "votes": {"is_upvoted": False},
        }[plural]

    def create(self, plural: str, who: str) -> dict[str, Any]:
        writer = "admin" if plural in SHARED else who
        response = self.request(writer, "POST", f"/{plural}", json=self.payload(plural, who))
        assert response.status_code == 201, (plural, response.text)
        row: dict[str, Any] = response.json()
        return row

    def list_all(self, plural: str, who: str, **params: Any) -> list[dict[str, Any]]:
        """Every row `who` can see, page by page (small pages, to cross page boundaries)."""
        rows: list[dict[str, Any]] = []
        cursor = None
        for _ in range(10_000):
            query = {"limit": 3, **params, **({"cursor": cursor} if cursor else {})}
            response = self.request(who, "GET", f"/{plural}", params=query)
            assert response.status_code == 200, response.text
            page = response.json()
            rows += page["items"]
            cursor = page["next_cursor"]
            if not page["has_more"]:
                break
        return rows


@dataclass(frozen=True)
class Resource:
    plural: str
    item: str  # path template, e.g. /documents/{id}/{created_at}
    keys: tuple[str, ...]

    def url(self, row: dict[str, Any]) -> str:
        path = self.item
        for key in self.keys:
            path = path.replace("{" + key + "}", quote(str(row[key]), safe=""))
        return path


def resources(openapi: dict[str, Any]) -> dict[str, Resource]:
    found: dict[str, Resource] = {}
    for path in openapi["paths"]:
        parts = path.strip("/").split("/")
        if len(parts) > 1 and all(p.startswith("{") for p in parts[1:]):
            keys = tuple(p.strip("{}") for p in parts[1:])
            found[parts[0]] = Resource(plural=parts[0], item=path, keys=keys)
    return found


Check = Callable[[httpx.Response], None]
