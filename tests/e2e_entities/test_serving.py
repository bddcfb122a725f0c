"""A generated app served by uvicorn as a load balancer sees it (DESIGN §10.4): SIGTERM stops
accepting, answers the request in flight, closes the pool and exits 0 — served by
`python -m probeapp` and by `uvicorn --workers 2`; `/ready` follows the database; on SQLite and
PostgreSQL.

The request in flight is a real one: its headers and half its body are sent before the signal,
the rest after, so the server is mid-request when it is told to stop.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import async_url

from .projects import EXAMPLE_SPECS, bootstrap, project_env

pytestmark = pytest.mark.slow

SECRET = "serving-e2e-secret-0123456789abcdef0123456789abcdef"

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
import sys, uuid
from probeapp.auth import issue_token
print(issue_token(uuid.uuid4(), roles=("admin",)))
"""

COUNT_USERS = """
import asyncio, sys
from sqlalchemy import text
from probeapp.db import get_engine

async def main() -> None:
    async with get_engine().connect() as conn:
        query = text("SELECT count(*) FROM users WHERE email = :e")
        found = await conn.scalar(query, {"e": sys.argv[1]})
    print(found)

asyncio.run(main())
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("serving") / "app"
    bootstrap(root, EXAMPLE_SPECS)
    return root


@dataclass
class Served:
    root: Path
    env: dict[str, str]
    server: subprocess.Popen[str]
    port: int
    how: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def python(self, code: str, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", code, *args],
            env=self.env,
            cwd=self.root,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# (database, how it is served): `python -m probeapp` (one process) and uvicorn's own supervisor
SERVINGS = [
    ("sqlite", "module"),
    ("sqlite", "uvicorn-workers"),
    ("postgresql", "module"),
    ("postgresql", "uvicorn-workers"),
]


def _command(how: str, port: int) -> list[str]:
    if how == "module":
        return ["probeapp", "--port", str(port), "--graceful-seconds", "20"]
    return [
        *("uvicorn", "probeapp.main:app", "--host", "127.0.0.1", "--port", str(port)),
        *("--workers", "2", "--timeout-graceful-shutdown", "20"),
    ]


@pytest.fixture(params=SERVINGS, ids=["-".join(p) for p in SERVINGS])
def served(request: pytest.FixtureRequest, project: Path, tmp_path: Path) -> Iterator[Served]:
    database_kind, how = request.param
    if database_kind == "sqlite":
        database = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    else:
        database = async_url(request.getfixturevalue("postgres_url"))
    env = project_env(project, DATABASE_URL=database, APP_SECRET_KEY=SECRET, APP_RATE_LIMIT="off")
    env.pop("APP_ENV")  # production settings
    subprocess.run([sys.executable, "-c", CREATE_TABLES], env=env, cwd=project, check=True)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", *_command(how, port)],
        env=env,
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = Served(project, env, server, port, how)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{served.url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                output = server.stdout.read() if server.stdout else ""
                pytest.fail(f"uvicorn did not start:\n{output[-4000:]}")
            time.sleep(0.2)
        yield served
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10)


def test_sigterm_finishes_the_request_in_flight_and_exits_0(served: Served) -> None:
    ready = httpx.get(f"{served.url}/ready", timeout=5)
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ok"}
    token = served.python(MINT)
    email = f"in-flight-{uuid.uuid4().hex[:8]}@example.com"
    body = json.dumps({"email": email, "password": "correct horse battery"}).encode()
    head = (
        f"POST /users HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", served.port), timeout=20) as sock:
        sock.sendall(head + body[:10])
        time.sleep(0.3)  # the server has read the headers: the request is in flight
        served.server.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        if served.how == "module":  # no longer accepting (a supervisor keeps the socket open)
            with pytest.raises(OSError):
                socket.create_connection(("127.0.0.1", served.port), timeout=2).close()
        sock.sendall(body[10:])
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line = answer.split(b"\r\n", 1)[0].decode()
    assert status_line.endswith("201 Created"), answer.decode(errors="replace")
    assert served.server.wait(timeout=30) == 0
    log = served.server.stdout.read() if served.server.stdout else ""
    assert "Application shutdown complete" in log, log
    assert "Traceback" not in log, log
    assert served.python(COUNT_USERS, email) == "1"  # acknowledged, and there
