"""The generated API over real HTTP: uvicorn on loopback, an httpx client, a SQLite file.

Drives the coverage spec set (a private `item` with refs, a public versioned `project`, a shared
`tag`) through the ownership matrix, validation failures, a three-page keyset traversal over rows
that tie on the first order key, a version conflict and the HTTP edges of the contract.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from .projects import COVERAGE_SPECS, bootstrap, project_env

pytestmark = pytest.mark.slow

SECRET = "http-e2e-secret-0123456789abcdef0123456789abcdef"

CREATE_TABLES = """
import asyncio
from probeapp.db import Base, get_engine
import probeapp.entities.registry  # noqa: F401  (every model on Base.metadata)

async def main() -> None:
    async with get_engine().begin() as conn:
        await conn.run_sync(Base.metadata.create_all)

asyncio.run(main())
"""

MINT = """
import json, sys
from probeapp.auth import issue_token
print(json.dumps([issue_token(u, roles=r) for u, r in json.loads(sys.argv[1])]))
"""


@dataclass
class Api:
    url: str
    root: Path
    env: dict[str, str]

    def tokens(self, *actors: tuple[str, tuple[str, ...]]) -> list[dict[str, str]]:
        """`Authorization` headers for (user id, roles) pairs, minted by the app's own code."""
        out = subprocess.run(
            [sys.executable, "-c", MINT, json.dumps([[u, list(r)] for u, r in actors])],
            env=self.env,
            cwd=self.root,
            capture_output=True,
            text=True,
            check=True,
        )
        return [{"Authorization": f"Bearer {token}"} for token in json.loads(out.stdout)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    root = tmp_path_factory.mktemp("http") / "app"
    bootstrap(root, COVERAGE_SPECS)
    env = project_env(
        root, DATABASE_URL=f"sqlite+aiosqlite:///{root / 'app.db'}", APP_SECRET_KEY=SECRET
    )
    env.pop("APP_ENV")  # production settings: the strong secret above is required
    subprocess.run([sys.executable, "-c", CREATE_TABLES], env=env, cwd=root, check=True)
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "probeapp.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                output = server.stdout.read() if server.stdout else ""
                pytest.fail(f"uvicorn did not start:\n{output[-4000:]}")
            time.sleep(0.2)
        yield Api(url, root, env)
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def client(api: Api) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api.url, timeout=10) as http:
        yield http


@dataclass
class People:
    admin: dict[str, str]
    alice: dict[str, str]
    bob: dict[str, str]
    alice_id: str


@pytest.fixture(scope="module")
def people(api: Api, client: httpx.Client) -> People:
    (admin,) = api.tokens((str(uuid.uuid4()), ("admin",)))
    ids = []
    for name in ("alice", "bob"):
        body = {"email": f"{name}@example.com", "password": "correct horse battery"}
        response = client.post("/users", json=body, headers=admin)
        assert response.status_code == 201, response.text
        assert "password" not in response.json()
        ids.append(response.json()["id"])
    alice, bob = api.tokens((ids[0], ()), (ids[1], ()))
    return People(admin=admin, alice=alice, bob=bob, alice_id=ids[0])


@pytest.fixture(scope="module")
def tag(client: httpx.Client, people: People) -> dict[str, Any]:
    response = client.post("/tags", json={"label": "e2e"}, headers=people.admin)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    return dict(body["error"])


def test_ownership_matrix_on_a_private_item(
    client: httpx.Client, people: People, tag: dict[str, Any]
) -> None:
    body = {"title": "alice's", "tag_id": tag["id"], "quantity": 1}
    created = client.post("/items", json=body, headers=people.alice)
    assert created.status_code == 201, created.text
    item = created.json()
    assert item["user_id"] == people.alice_id
    url = f"/items/{item['id']}"

    assert client.get(url, headers=people.alice).json() == item
    _error(client.get(url), 401, "unauthenticated")
    _error(client.get(url, headers=people.bob), 404, "not_found")
    _error(client.patch(url, json={"title": "mine"}, headers=people.bob), 404, "not_found")
    _error(client.delete(url, headers=people.bob), 404, "not_found")
    # Admin is a role for shared tables; it never widens owner scoping.
    _error(client.get(url, headers=people.admin), 404, "not_found")
    bobs = client.get("/items", headers=people.bob).json()["items"]
    assert item["id"] not in [row["id"] for row in bobs]

    changed = client.patch(url, json={"title": "renamed"}, headers=people.alice)
    assert changed.status_code == 200 and changed.json()["title"] == "renamed"
    assert client.delete(url, headers=people.alice).status_code == 204
    _error(client.get(url, headers=people.alice), 404, "not_found")


def test_shared_and_public_rows_are_readable_but_not_writable_by_others(
    client: httpx.Client, people: People, tag: dict[str, Any]
) -> None:
    assert client.get(f"/tags/{tag['id']}", headers=people.bob).status_code == 200
    change = {"label": "mine", "version": tag["version"]}
    _error(client.patch(f"/tags/{tag['id']}", json=change, headers=people.bob), 403, "forbidden")
    _error(client.post("/tags", json={"label": "x"}, headers=people.bob), 403, "forbidden")

    body = {"name": "Apollo", "code": "APO-1", "budget": "10.00"}
    project = client.post("/projects", json=body, headers=people.alice).json()
    url = f"/projects/{project['id']}"
    assert client.get(url, headers=people.bob).status_code == 200
    _error(client.patch(url, json={"version": 1}, headers=people.bob), 403, "forbidden")
    # Bob may read Alice's public project but not add notes to it: it is not his.
    note = {"project_id": project["id"], "body": "hi"}
    error = _error(
        client.post("/project_status_notes", json=note, headers=people.bob), 403, "forbidden"
    )
    assert "project_id" in error["fields"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Apollo 2", "code": "APO-2", "budget": 10.5}, "budget"),  # decimals are strings
        ({"name": "Apollo 3", "code": "apo-3", "budget": "1.00"}, "code"),  # pattern
        ({"name": "Apollo 4", "code": "APO-4", "budget": "1.001"}, "budget"),  # scale
        ({"name": "Apollo 5", "code": "APO-5", "budget": "1", "priority": "3"}, "priority"),
        ({"name": "Apollo 6", "code": "APO-6", "budget": "1", "archived": 1}, "archived"),
        ({"name": "Apollo 7", "code": "APO-7", "budget": "1", "status": "gone"}, "status"),
        ({"name": "Apollo 8", "code": "APO-8", "budget": "1", "ends_at": "2024-05-01"}, "ends_at"),
        ({"name": "A", "code": "APO-9", "budget": "1"}, "name"),  # min_length 2
        ({"name": "Apollo 10", "code": "APO-10", "budget": "1", "id": str(uuid.uuid4())}, "id"),
        ({"name": "Apollo 11", "code": "APO-11", "budget": "1", "version": 7}, "version"),
        ({"name": "Apollo 12", "code": "APO-12", "budget": "1", "big": 2**70}, "big"),
        ({"name": "Apollo\x00", "code": "APO-13", "budget": "1"}, "name"),
        ({"name": "Apollo\ud800", "code": "APO-14", "budget": "1"}, "name"),
    ],
)
def test_validation_failures_are_422_naming_the_field(
    client: httpx.Client, people: People, body: dict[str, Any], field: str
) -> None:
    # Serialised here (ASCII, escapes kept): httpx would refuse to encode a lone surrogate.
    headers = {**people.alice, "Content-Type": "application/json"}
    response = client.post("/projects", content=json.dumps(body), headers=headers)
    error = _error(response, 422, "validation")
    assert field in error["fields"], error


def test_malformed_json_and_wrong_methods(client: httpx.Client, people: People) -> None:
    headers = {**people.alice, "Content-Type": "application/json"}
    _error(client.post("/projects", content=b'{"name": ', headers=headers), 422, "validation")
    response = client.put("/projects", json={}, headers=people.alice)
    assert response.status_code == 405
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_three_page_keyset_traversal_over_tied_rows(
    client: httpx.Client, people: People, api: Api, tag: dict[str, Any]
) -> None:
    # Carol, a user of her own, so that nobody else's rows are in her lists.
    body = {"email": "carol@example.com"}
    carol_id = client.post("/users", json=body, headers=people.admin).json()["id"]
    (carol,) = api.tokens((carol_id, ()))
    made = []
    for i in range(7):
        # Every row has the same quantity: the order (-quantity, id) is decided by the id alone.
        body = {"title": f"row {i}", "tag_id": tag["id"], "quantity": 5}
        response = client.post("/items", json=body, headers=carol)
        assert response.status_code == 201, response.text
        made.append(response.json()["id"])
    seen: list[str] = []
    pages = 0
    params: dict[str, Any] = {"limit": 3, "tag_id": tag["id"]}
    while True:
        page = client.get("/items", params=params, headers=carol)
        assert page.status_code == 200, page.text
        body = page.json()
        seen += [row["id"] for row in body["items"] if row["quantity"] == 5]
        pages += 1
        if not body["has_more"]:
            assert body["next_cursor"] is None
            break
        params["cursor"] = body["next_cursor"]
    assert pages == 3
    assert seen == sorted(made, key=uuid.UUID), "each row exactly once, in keyset order"

    assert len(client.get("/items", params={"limit": 1000}, headers=carol).json()["items"]) == 7
    _error(client.get("/items", params={"limit": 0}, headers=carol), 422, "validation")
    _error(client.get("/items", params={"cursor": "junk"}, headers=carol), 422, "validation")
    forged = params.get("cursor", "x") + "A"
    _error(client.get("/items", params={"cursor": forged}, headers=carol), 422, "validation")


def test_version_conflict_is_409(client: httpx.Client, people: People) -> None:
    body = {"name": "Gemini", "code": "GEM-1", "budget": "5.00"}
    project = client.post("/projects", json=body, headers=people.alice).json()
    url = f"/projects/{project['id']}"
    first = client.patch(url, json={"budget": "6.00", "version": 1}, headers=people.alice)
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = client.patch(url, json={"budget": "7.00", "version": 1}, headers=people.alice)
    _error(stale, 409, "conflict")
    _error(client.patch(url, json={"budget": "7.00"}, headers=people.alice), 422, "validation")
    assert client.get(url, headers=people.alice).json()["budget"] == "6.00"


def test_restricted_delete_and_unique_violation_are_409(
    client: httpx.Client, people: People
) -> None:
    label = client.post("/tags", json={"label": "kept"}, headers=people.admin).json()
    body = {"title": "uses kept", "tag_id": label["id"], "quantity": 0}
    assert client.post("/items", json=body, headers=people.alice).status_code == 201
    _error(client.delete(f"/tags/{label['id']}", headers=people.admin), 409, "conflict")
    _error(client.post("/tags", json={"label": "kept"}, headers=people.admin), 409, "conflict")


def test_openapi_lists_every_status(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    paths = document["paths"]
    post = paths["/items"]["post"]
    assert {"201", "401", "403", "404", "409", "422"} <= set(post["responses"])
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ItemCreate"}
    assert document["components"]["schemas"]["ItemCreate"]["properties"]["title"]
    assert {"204", "401", "403", "404"} <= set(paths["/items/{id}"]["delete"]["responses"])
