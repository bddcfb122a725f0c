"""Attack suite over real HTTP against the example app (uvicorn, migrated by alembic), on SQLite
and on PostgreSQL (pgserver).

- ownership matrix: every entity x action x {owner, other user, anonymous, expired token,
  `alg: none` token, token signed with another key} → 2xx / 404 (403 on shared tables) / 401…;
- 0 foreign rows in any list page (paged with small pages, and filtered by a foreign parent);
- every server-managed field injected into every write → 422 and nothing changed;
- oversized bodies (declared and chunked) → 413; a write whose body is not JSON → 415;
  requests over the rate limit (a second instance with tiny limits) → 429 with `Retry-After`;
  `limit` above the maximum clamped, below 1 a 422;
- hostile strings (SQL fragments, NUL, RTL override, emoji, 1 MB) stored verbatim or refused
  with a 4xx, never a 500.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from .attack import (
    ACTIONS,
    BAD_IDENTITIES,
    IDENTITIES,
    PUBLIC,
    SERVER_MANAGED,
    SHARED,
    Api,
    Resource,
    load_auth,
    resources,
)
from .figures import bump
from .project import AppServer, start_app

pytestmark = pytest.mark.slow

OWNED_PARENT = {
    "comments": "task_id",
    "messages": "chat_id",
    "suggestions": "document_id",
    "votes": "chat_id",
}
CODE_BY_STATUS = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 422: "validation"}
OK = {"list": 200, "get": 200, "create": 201, "update": 200, "delete": 204}


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def server(request: pytest.FixtureRequest) -> AppServer:
    """The example app on SQLite, then on PostgreSQL: every test below runs on both."""
    name = "example_app" if request.param == "sqlite" else "example_app_pg"
    app: AppServer = request.getfixturevalue(name)
    return app


@pytest.fixture(scope="module")
def api(server: AppServer) -> Iterator[Api]:
    client = Api(server=server, auth=load_auth(server))
    client.identity("owner")
    client.identity("other")
    client.identity("admin", ("admin",))
    client.add_bad_tokens("owner")
    yield client
    client.client.close()


@pytest.fixture(scope="module")
def res(api: Api) -> dict[str, Resource]:
    found = resources(api.client.get("/openapi.json").json())
    assert set(found) >= {"users", "tasks", "comments", "chats", "messages", "documents"}
    return found


def expected(plural: str, action: str, who: str) -> int:
    if who in BAD_IDENTITIES:
        return 401
    if who == "owner":
        return OK[action]
    if plural in SHARED or plural in PUBLIC:
        if action == "create":
            return 201 if plural in PUBLIC else 403
        return 200 if action in ("list", "get") else 403
    if action == "list":
        return 200
    if action == "create":
        return 404 if plural in OWNED_PARENT else 201
    return 404


def actor_for(plural: str, who: str) -> str:
    """The token a request goes with: on a shared table the 'owner' is the admin."""
    return "admin" if plural in SHARED and who == "owner" else who


def assert_error(response: Any, status: int) -> None:
    assert response.status_code == status, response.text
    if status >= 400:
        body = response.json()
        assert set(body) == {"error"}, body
        assert body["error"]["code"] == CODE_BY_STATUS[status], body


def ids(rows: list[dict[str, Any]]) -> set[str]:
    return {str(r["id"]) for r in rows}


@pytest.mark.parametrize("who", IDENTITIES)
@pytest.mark.parametrize("action", ACTIONS)
def test_ownership_matrix(api: Api, res: dict[str, Resource], action: str, who: str) -> None:
    for plural, resource in sorted(res.items()):
        row = api.create(plural, "owner")
        url = resource.url(row)
        sender = actor_for(plural, who)
        want = expected(plural, action, who)
        if action == "list":
            got = api.request(sender, "GET", f"/{plural}")
            assert_error(got, want)
            if want == 200 and who != "owner" and plural not in SHARED | PUBLIC:
                assert str(row["id"]) not in ids(got.json()["items"]), "a foreign row is listed"
        elif action == "get":
            got = api.request(sender, "GET", url)
            assert_error(got, want)
            if want == 200:
                assert got.json() == row
        elif action == "create":
            before = ids(api.list_all(plural, actor_for(plural, "owner"), limit=100))
            body = api.payload(plural, "owner")  # parents, if any, are the owner's
            got = api.request(sender, "POST", f"/{plural}", json=body)
            assert_error(got, want)
            if want == 404:
                assert OWNED_PARENT[plural] in got.json()["error"]["fields"], got.text
            after = ids(api.list_all(plural, actor_for(plural, "owner"), limit=100))
            if want == 201 and who == "owner":
                assert after - before == {got.json()["id"]}
            elif plural in PUBLIC and want == 201:
                assert after - before == {got.json()["id"]}, "a public row is listed for all"
            elif plural not in SHARED:
                assert after == before, "a refused create left a row behind"
        elif action == "update":
            got = api.request(sender, "PATCH", url, json=api.update_payload(plural))
            assert_error(got, want)
            now = api.request(actor_for(plural, "owner"), "GET", url).json()
            if want != 200:
                assert now == row, "a refused update changed the row"
            else:
                assert now == got.json()
        elif action == "delete":
            got = api.request(sender, "DELETE", url)
            assert_error(got, want)
            still = api.request(actor_for(plural, "owner"), "GET", url).status_code
            assert still == (404 if want == 204 else 200)
        bump(f"attack ({api.server.tag}): ownership-matrix requests (entity x action x identity)")


def test_no_foreign_row_in_any_list_page(api: Api, res: dict[str, Resource]) -> None:
    for plural in sorted(set(res) - SHARED):
        mine = ids([api.create(plural, "owner") for _ in range(4)])
        theirs = ids([api.create(plural, "other") for _ in range(4)])
        seen_by_other = ids(api.list_all(plural, "other"))
        seen_by_owner = ids(api.list_all(plural, "owner"))
        if plural in PUBLIC:
            assert mine | theirs <= seen_by_other & seen_by_owner, f"/{plural}: a public row hid"
        else:
            assert not seen_by_other & mine, f"/{plural}: another user sees the owner's rows"
            assert not seen_by_owner & theirs, f"/{plural}: the owner sees another user's rows"
            assert theirs <= seen_by_other and mine <= seen_by_owner
        bump(
            f"attack ({api.server.tag}): rows listed page by page, 0 foreign",
            len(seen_by_other) + len(seen_by_owner),
        )
        if plural in OWNED_PARENT:
            parent = OWNED_PARENT[plural]
            row = api.create(plural, "owner")
            foreign = api.list_all(plural, "other", **{parent: row[parent]})
            assert foreign == [], f"/{plural}?{parent}=<owner's>: {foreign}"


def injected_value(api: Api, field: str) -> object:
    return {
        "id": "0b9d1c1e-2f5a-4c1b-9a55-1d2b3c4d5e6f",
        "user_id": str(api.users["other"]),
        "version": 99,
    }.get(field, "2000-01-01T00:00:00Z")


def test_server_managed_fields_are_refused_on_every_write(
    api: Api, res: dict[str, Resource]
) -> None:
    for plural, resource in sorted(res.items()):
        writer = actor_for(plural, "owner")
        row = api.create(plural, "owner")
        url = resource.url(row)
        for field in SERVER_MANAGED:
            before = ids(api.list_all(plural, writer, limit=100))
            body = {**api.payload(plural, "owner"), field: injected_value(api, field)}
            got = api.request(writer, "POST", f"/{plural}", json=body)
            assert_error(got, 422)
            assert field in got.json()["error"]["fields"], got.text
            assert ids(api.list_all(plural, writer, limit=100)) == before
            body = {**api.update_payload(plural), field: injected_value(api, field)}
            got = api.request(writer, "PATCH", url, json=body)
            assert_error(got, 422)
            assert api.request(writer, "GET", url).json() == row, f"{field} changed the row"
            tag = api.server.tag
            bump(f"attack ({tag}): server-managed fields injected (all 422, rows unchanged)", 2)


def test_oversized_bodies_are_413(api: Api) -> None:
    before = ids(api.list_all("tasks", "owner", limit=100))
    big = '{"title": "' + "a" * (2 * 1024 * 1024) + '"}'
    headers = {**api.headers("owner"), "Content-Type": "application/json"}
    got = api.client.post("/tasks", content=big, headers=headers)
    assert got.status_code == 413, got.text
    assert got.json()["error"]["code"] == "payload_too_large"

    def chunks() -> Iterator[bytes]:
        yield b'{"title": "'
        for _ in range(40):
            yield b"a" * 65536
        yield b'"}'

    got = api.client.post("/tasks", content=chunks(), headers=headers)
    assert got.status_code == 413, got.text
    assert ids(api.list_all("tasks", "owner", limit=100)) == before
    bump(f"attack ({api.server.tag}): oversized bodies (declared, chunked) → 413", 2)


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_writes_that_are_not_json_are_415(
    api: Api, res: dict[str, Resource], content_type: str | None
) -> None:
    row = api.create("tasks", "owner")
    body = json.dumps(api.payload("tasks", "owner")).encode()
    headers = {**api.headers("owner"), **({"Content-Type": content_type} if content_type else {})}
    before = ids(api.list_all("tasks", "owner", limit=100))
    for method, url in (("POST", "/tasks"), ("PATCH", res["tasks"].url(row))):
        got = api.client.request(method, url, content=body, headers=headers)
        assert got.status_code == 415, (method, got.text)
        assert got.json()["error"]["code"] == "unsupported_media_type"
    assert ids(api.list_all("tasks", "owner", limit=100)) == before
    assert api.request("owner", "GET", res["tasks"].url(row)).json() == row
    bump(f"attack ({api.server.tag}): writes whose body is not JSON → 415, nothing written", 2)


@pytest.fixture(scope="module")
def limited_server(server: AppServer) -> Iterator[AppServer]:
    """Another instance of the app on the same database, with tiny rate limits."""
    limited = start_app(
        server.root,
        server.env["DATABASE_URL"],
        tag=f"{server.tag}-limited",
        APP_RATE_LIMIT="4/minute",
        APP_WRITE_RATE_LIMIT="2/minute",
    )
    try:
        yield limited
    finally:
        limited.stop()


def test_requests_over_the_rate_limit_are_429(api: Api, limited_server: AppServer) -> None:
    def too_many(got: httpx.Response) -> None:
        assert got.status_code == 429, got.text
        assert got.json()["error"]["code"] == "too_many_requests"
        assert 1 <= int(got.headers["Retry-After"]) <= 60

    reader = api.headers(api.identity("limited_reader"))
    writer = api.headers(api.identity("limited_writer"))
    anonymous: dict[str, str] = {}  # no token: counted by the client address
    with httpx.Client(base_url=limited_server.url, timeout=60) as client:
        for _ in range(4):
            assert client.get("/tasks", headers=reader).status_code == 200
        too_many(client.get("/tasks", headers=reader))
        assert client.get("/health", headers=reader).status_code == 200  # never limited
        for _ in range(4):
            assert client.get("/tasks", headers=anonymous).status_code == 401
        too_many(client.get("/tasks", headers=anonymous))
        before = ids(api.list_all("tasks", "limited_writer", limit=100))
        for _ in range(2):
            body = api.payload("tasks", "limited_writer")
            assert client.post("/tasks", json=body, headers=writer).status_code == 201
        too_many(client.post("/tasks", json=api.payload("tasks", "limited_writer"), headers=writer))
        assert client.get("/tasks", headers=writer).status_code == 200  # reads count apart
    assert len(ids(api.list_all("tasks", "limited_writer", limit=100)) - before) == 2
    bump(f"attack ({api.server.tag}): over the rate limit → 429 with Retry-After, not written", 3)


def test_limit_is_clamped_and_checked(api: Api, res: dict[str, Resource]) -> None:
    api.identity("bulk")
    for _ in range(105):
        api.create("tasks", "bulk")
    page = api.request("bulk", "GET", "/tasks", params={"limit": 5000}).json()
    assert len(page["items"]) == 100 and page["has_more"] is True
    for plural in sorted(res):
        who = actor_for(plural, "owner")
        got = api.request(who, "GET", f"/{plural}", params={"limit": 10**12})
        assert got.status_code == 200 and len(got.json()["items"]) <= 100, got.text
        for bad in ("0", "-1", "abc", "1.5", "99999999999999999999999999"):
            got = api.request(who, "GET", f"/{plural}", params={"limit": bad})
            if bad.startswith("9999"):
                assert got.status_code in (200, 422), got.text
            else:
                assert_error(got, 422)
        for cursor in ("garbage", "A" * 5000, "eyJhIjoxfQ", "..", "%00"):
            got = api.request(who, "GET", f"/{plural}", params={"cursor": cursor})
            assert_error(got, 422)
        bump(f"attack ({api.server.tag}): bad limit/cursor queries (never 500)", 11)


HOSTILE = [
    "'; DROP TABLE tasks; --",
    '" OR 1=1 --',
    "1; SELECT pg_sleep(5)",
    "%_\\",
    "a\x00b",
    "\x00",
    "\u202egnp.exe",
    "😀👍🏽🇫🇷",
    "e\u0301\u200b\ufeff",
    "\ud7ff\ue000\uffff",
    "<script>alert(1)</script>",
    "{{7*7}}",
    "\r\n\t",
    " " * 3,
    "x" * 1_000_000,
]
TEXT_FIELDS = {
    "tasks": ["title"],
    "comments": ["body"],
    "chats": ["title"],
    "messages": ["role"],
    "documents": ["title", "content"],
    "labels": ["name"],
    "suggestions": ["original_text", "description"],
    "users": ["email"],
}


def test_hostile_strings_are_stored_verbatim_or_refused(api: Api, res: dict[str, Resource]) -> None:
    for plural, fields in TEXT_FIELDS.items():
        writer = actor_for(plural, "owner")
        for field in fields:
            for value in HOSTILE:
                got = api.request(
                    writer,
                    "POST",
                    f"/{plural}",
                    json={**api.payload(plural, "owner"), field: value},
                )
                if got.status_code == 201:
                    stored = api.request(writer, "GET", res[plural].url(got.json())).json()
                    assert stored[field] == value, f"/{plural}.{field} altered {value[:40]!r}"
                    bump(f"attack ({api.server.tag}): hostile strings stored verbatim")
                else:
                    assert 400 <= got.status_code < 500, got.text
                    assert got.json()["error"]["code"] in ("validation", "payload_too_large")
                    bump(f"attack ({api.server.tag}): hostile strings refused with a 4xx")
    for plural, parent in OWNED_PARENT.items():
        for value in HOSTILE[:-1]:
            got = api.request("owner", "GET", f"/{plural}", params={parent: value})
            assert_error(got, 422)
        for value in HOSTILE[:-1]:
            got = api.request("owner", "GET", f"/{plural}/{quote(value, safe='')}")
            assert got.status_code in (404, 422), got.text


def test_public_rows_are_readable_but_not_writable_by_others(
    api: Api, res: dict[str, Resource]
) -> None:
    """`visibility: per_row` (chats) set to public: others read the chat and its messages
    (`owner: {through: chat}`), get 403 on writes, and may not post into it (403 naming the
    ref); the owner's private rows stay 404."""
    chat = api.create("chats", "owner")
    url = res["chats"].url(chat)
    got = api.request("owner", "PATCH", url, json={"visibility": "public"})
    assert got.status_code == 200 and got.json()["visibility"] == "public", got.text
    message = api.request(
        "owner",
        "POST",
        "/messages",
        json={"chat_id": chat["id"], "role": "user", "parts": [], "attachments": []},
    ).json()
    assert api.request("other", "GET", url).status_code == 200
    assert str(chat["id"]) in ids(api.list_all("chats", "other"))
    assert api.request("other", "GET", res["messages"].url(message)).status_code == 200
    assert_error(api.request("other", "PATCH", url, json={"title": "mine now"}), 403)
    assert_error(api.request("other", "DELETE", url), 403)
    assert_error(api.request("other", "DELETE", res["messages"].url(message)), 403)
    body = {"chat_id": chat["id"], "role": "user", "parts": [], "attachments": []}
    got = api.request("other", "POST", "/messages", json=body)
    assert_error(got, 403)
    assert "chat_id" in got.json()["error"]["fields"], got.text
    assert api.request("owner", "GET", url).json()["title"] == chat["title"]
    bump(f"attack ({api.server.tag}): public-row checks (read 200, write 403)", 8)
