"""Validation errors name the exchanged key, whatever the type: a regression test over real HTTP.

Pydantic locates an error inside the value: the member of a union that failed
(`status.literal['active','returned','lost']`, `status.none`, `fee.function-after[...]`,
`copies.constrained-int`), a list index, a key of a JSON value. The API answers with the JSON
key the client sent, or the query parameter's name, and one list of messages per key. The spec
set `specs_errors/` has one field of every such shape; the project is served by uvicorn on a
SQLite file, and its own generated suite (which now checks `set(fields) == {key}` on create,
update and list queries) runs too.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .projects import bootstrap, project_env
from .test_http import CREATE_TABLES, SECRET, Api, _free_port

pytestmark = pytest.mark.slow

SPECS = Path(__file__).resolve().parent / "specs_errors"

VALID = {
    "title": "a loan",
    "kind": "book",
    "fee": "12.50",
    "lent_at": "2024-05-01T12:00:00Z",
    "copies": 2,
    "details": {"shelf": [1, 2]},
}
# Keys a loan body may carry, and the query parameters of GET /loans.
BODY_KEYS = {
    "title", "state", "kind", "tier", "shelf_id", "fee", "due_on", "lent_at", "copies",
    "renewed", "notes", "details", "contact", "version",
}  # fmt: skip
QUERY_KEYS = {
    "state", "kind", "tier", "shelf_id", "due_on", "lent_at", "copies", "renewed", "limit",
    "cursor",
}  # fmt: skip
ENUM_MESSAGE = "Input should be 'active', 'returned' or 'lost'"

# (key, a wrong value): every one must answer exactly `{key: [...]}`, on POST and on PATCH.
WRONG_VALUES: list[tuple[str, Any]] = [
    ("state", "borrowed"),  # optional enum
    ("state", 1),
    ("kind", "vinyl"),  # required enum
    ("tier", "platinum"),  # enum with a default
    ("shelf_id", "not-a-uuid"),  # nullable ref
    ("shelf_id", 5),
    ("fee", "1.2.3"),  # decimal(6,2), 0..1000
    ("fee", 12.5),
    ("fee", "-0.01"),
    ("fee", "1000.01"),
    ("fee", "0.125"),
    ("fee", "12345.6"),
    ("due_on", "2024-13-01"),  # optional date
    ("due_on", "tomorrow"),
    ("due_on", 20240101),
    ("lent_at", "2024-05-01T12:00:00"),  # datetime, naive
    ("lent_at", "yesterday"),
    ("lent_at", 1714564800),
    ("copies", "5"),  # int 1..99
    ("copies", 1.5),
    ("copies", True),
    ("copies", 0),
    ("copies", 100),
    ("renewed", 1),  # bool with a default
    ("renewed", "true"),
    ("contact", "not-an-email"),  # optional email
    ("contact", 5),
    ("title", "a"),  # string, 2..40
    ("title", "a" * 41),
    ("title", 5),
    ("title", "a\x00b"),
    ("no_such_key", "x"),
]
# NOT NULL columns refuse null on both; `details` is json that may not be null.
NULLS_REFUSED = ["title", "kind", "tier", "fee", "lent_at", "copies", "renewed", "details"]

# (query parameter, a malformed value) for GET /loans.
WRONG_QUERIES: list[tuple[str, str]] = [
    ("state", "borrowed"),
    ("kind", "vinyl"),
    ("tier", "platinum"),
    ("shelf_id", "not-a-uuid"),
    ("due_on", "20240101"),
    ("due_on", "2024-02-30"),
    ("lent_at", "2024-05-01T12:00:00"),
    ("lent_at", "0.5"),
    ("copies", "1.5"),
    ("copies", "many"),
    ("renewed", "1"),
    ("renewed", "yes"),
    ("limit", "abc"),
    ("limit", "0"),
    ("cursor", "not-a-cursor"),
]

_DEBRIS = re.compile(r"[.\[\]]|literal|none|function|constrained|chain")


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    root = tmp_path_factory.mktemp("errors") / "app"
    bootstrap(root, SPECS)
    env = project_env(
        root, DATABASE_URL=f"sqlite+aiosqlite:///{root / 'app.db'}", APP_SECRET_KEY=SECRET
    )
    env.pop("APP_ENV")
    subprocess.run([sys.executable, "-c", CREATE_TABLES], env=env, cwd=root, check=True)
    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", "probeapp.main:app", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--log-level", "warning"],
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
    (headers,) = api.tokens((str(uuid.uuid4()), ()))
    with httpx.Client(base_url=api.url, timeout=10, headers=headers) as http:
        yield http


@pytest.fixture(scope="module")
def loan(client: httpx.Client) -> dict[str, Any]:
    response = client.post("/loans", json=VALID)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _fields(response: httpx.Response) -> dict[str, list[str]]:
    """The `fields` of a 422 answer, checked for the shape every key and message must have."""
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation"
    fields: dict[str, list[str]] = error["fields"]
    for key, messages in fields.items():
        assert not _DEBRIS.search(key), f"validator debris in the key {key!r}: {fields}"
        assert messages and all(isinstance(m, str) and m for m in messages), fields
        assert len(messages) == len(set(messages)), f"repeated messages: {fields}"
        assert "Input should be None" not in messages, f"the None branch answered: {fields}"
    return fields


def _case_id(key: str, value: Any) -> str:
    return f"{key}={value!r}"[:40]


@pytest.mark.parametrize(
    ("key", "value"), WRONG_VALUES, ids=[_case_id(k, v) for k, v in WRONG_VALUES]
)
def test_create_names_the_key_sent(client: httpx.Client, key: str, value: Any) -> None:
    fields = _fields(client.post("/loans", json={**VALID, key: value}))
    assert set(fields) == {key}


@pytest.mark.parametrize(
    ("key", "value"),
    [*WRONG_VALUES, *((key, None) for key in NULLS_REFUSED), ("version", "1"), ("version", 0)],
    ids=[
        *(_case_id(k, v) for k, v in WRONG_VALUES),
        *(f"{key}=None" for key in NULLS_REFUSED),
        "version='1'",
        "version=0",
    ],
)
def test_update_names_the_key_sent(
    client: httpx.Client, loan: dict[str, Any], key: str, value: Any
) -> None:
    change = {"version": loan["version"], key: value}
    fields = _fields(client.patch(f"/loans/{loan['id']}", json=change))
    assert set(fields) == {key}


@pytest.mark.parametrize(
    ("key", "value"), WRONG_QUERIES, ids=[_case_id(k, v) for k, v in WRONG_QUERIES]
)
def test_list_query_names_the_parameter(client: httpx.Client, key: str, value: str) -> None:
    fields = _fields(client.get("/loans", params={key: value}))
    assert set(fields) == {key}


def test_every_wrong_key_at_once_is_named_once(client: httpx.Client, loan: dict[str, Any]) -> None:
    wrong = dict(WRONG_VALUES)  # the last wrong value of each key
    created = _fields(client.post("/loans", json={**VALID, **wrong}))
    assert set(created) == set(wrong)
    updated = _fields(client.patch(f"/loans/{loan['id']}", json={**wrong, "version": "1"}))
    assert set(updated) == set(wrong) | {"version"}
    # The cursor is decoded by the action, once the parameters' types are right.
    queries = {key: value for key, value in WRONG_QUERIES if key != "cursor"}
    listed = _fields(client.get("/loans", params=queries))
    assert set(listed) == set(queries)
    assert set(created) | set(updated) <= BODY_KEYS | {"no_such_key"}
    assert set(listed) <= QUERY_KEYS


def test_an_optional_enum_says_what_is_wrong(client: httpx.Client, loan: dict[str, Any]) -> None:
    # `state` is `Literal[...] | None`; on PATCH every enum is a union with None. The answer
    # describes the non-None member, once.
    body = {**VALID, "state": "borrowed"}
    assert _fields(client.post("/loans", json=body)) == {"state": [ENUM_MESSAGE]}
    change = {"version": loan["version"], "state": "borrowed", "kind": "vinyl"}
    assert _fields(client.patch(f"/loans/{loan['id']}", json=change)) == {
        "state": [ENUM_MESSAGE],
        "kind": ["Input should be 'book' or 'disc'"],
    }
    listed = _fields(client.get("/loans", params={"state": "borrowed"}))
    assert listed == {"state": [ENUM_MESSAGE]}


def test_nested_errors_name_the_top_level_key(client: httpx.Client) -> None:
    # A json field takes any JSON value, so nothing inside one can fail over HTTP; a container
    # where a scalar belongs is the nearest probe (the runtime's own tests cover list indexes).
    body = {**VALID, "title": {"a": [1]}, "due_on": [1], "fee": ["1.00"]}
    assert set(_fields(client.post("/loans", json=body))) == {"title", "due_on", "fee"}


def test_errors_not_about_a_field_keep_the_root_key(client: httpx.Client) -> None:
    headers = {"Content-Type": "application/json"}
    malformed = _fields(client.post("/loans", content=b'{"title": ', headers=headers))
    assert set(malformed) == {"__root__"}
    assert malformed["__root__"][0].startswith("the body is not valid JSON")
    assert set(_fields(client.post("/loans", json=[VALID]))) == {"__root__"}
    assert set(_fields(client.post("/loans", content=b'{"title": "\xff"}', headers=headers))) == {
        "__root__"
    }


def test_the_generated_suite_checks_exact_keys(api: Api) -> None:
    # The project's own tests for this spec set: every validation case, on POST, PATCH and
    # list queries, asserts `set(fields) == {key}`.
    env = project_env(api.root)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/entities"]
    result = subprocess.run(
        command,
        cwd=api.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-8000:]
    assert "test_update_rejects_an_invalid_value_naming_its_key" in (
        api.root / "tests" / "entities" / "test_loans.py"
    ).read_text(encoding="utf-8")
