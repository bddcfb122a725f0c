"""HTTP benchmark, run INSIDE a generated project (PYTHONPATH=<project>/src).

    python bench/routes_http.py DATABASE_URL PACKAGE [--quick]

`bench/run.py` runs it on the data-layer project (the `item` entity of bench/run.py:ITEM_SPEC,
PostgreSQL through pgserver). One uvicorn server serves the app of `create_app()`, with a
minimal hand-written router added to that same app: `GET /raw/items/{id}` and
`PATCH /raw/items/{id}`, each verifying the bearer token (`auth.verify_token`) and sending the
one scoped statement a careful endpoint needs on an asyncpg pool (the PATCH in a transaction),
answering the same JSON. One client (httpx, keep-alive) sends sequential requests to both, in
alternating batches; it prints one JSON object: microseconds per request, the median of batches.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import socket
import statistics
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import uvicorn
from fastapi import APIRouter, HTTPException, Request
from sqlalchemy.ext.asyncio import async_sessionmaker

COLUMNS = "id, user_id, title, status, amount, created_at, updated_at"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def raw_router(auth: Any, pool_box: dict[str, asyncpg.Pool]) -> APIRouter:
    """The hand-written reference: token, one scoped statement, the row as JSON."""
    router = APIRouter(prefix="/raw/items")

    def actor_of(request: Request) -> Any:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            raise HTTPException(401)
        return auth.verify_token(header[len("Bearer ") :])

    def as_json(row: asyncpg.Record) -> dict[str, Any]:
        out = dict(row)
        out["id"], out["user_id"] = str(out["id"]), str(out["user_id"])
        for key in ("created_at", "updated_at"):
            out[key] = out[key].isoformat().replace("+00:00", "Z")
        return out

    @router.get("/{id}")
    async def get_item(id: uuid.UUID, request: Request) -> dict[str, Any]:
        actor = actor_of(request)
        async with pool_box["pool"].acquire() as c:
            row = await c.fetchrow(
                f"SELECT {COLUMNS} FROM items WHERE id = $1 AND user_id = $2", id, actor.id
            )
        if row is None:
            raise HTTPException(404)
        return as_json(row)

    @router.patch("/{id}")
    async def update_item(id: uuid.UUID, request: Request) -> dict[str, Any]:
        actor = actor_of(request)
        body = await request.json()
        amount = body.get("amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            raise HTTPException(422)
        async with pool_box["pool"].acquire() as c, c.transaction():
            row = await c.fetchrow(
                "UPDATE items SET amount = $1, updated_at = now() "
                f"WHERE id = $2 AND user_id = $3 RETURNING {COLUMNS}",
                amount,
                id,
                actor.id,
            )
        if row is None:
            raise HTTPException(404)
        return as_json(row)

    return router


async def per_request(call: Callable[[], Awaitable[httpx.Response]], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        response = await call()
        assert response.status_code == 200, response.text
    return (time.perf_counter() - start) / n * 1e6


async def main(url: str, package: str, quick: bool) -> dict[str, Any]:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("APP_RATE_LIMIT", "off")
    db = importlib.import_module(f"{package}.db")
    auth = importlib.import_module(f"{package}.auth")
    importlib.import_module(f"{package}.entities.registry")
    actions = importlib.import_module(f"{package}.entities.items.actions")
    main_module = importlib.import_module(f"{package}.main")

    engine = db.make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(db.Base.metadata.create_all)
    actor = auth.Actor(id=uuid.uuid4(), roles=frozenset())
    dsn = "postgresql://" + url.split("://", 1)[1]
    setup = await asyncpg.connect(dsn)
    await setup.execute(
        "INSERT INTO users (id, email, password, created_at, updated_at) "
        "VALUES ($1, $2, 'x', now(), now())",
        actor.id,
        f"{actor.id.hex}@example.com",
    )
    await setup.close()
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        made = await actions.create_item(session=session, actor=actor, data={"title": "hello"})
    assert made.ok, made.error
    await engine.dispose()
    item = made.data.id

    # the server: the generated app plus the hand-written router, on its own thread and loop
    pool_box: dict[str, asyncpg.Pool] = {}
    app = main_module.create_app()
    app.include_router(raw_router(auth, pool_box))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )

    def serve() -> None:
        async def run() -> None:
            pool = await asyncpg.create_pool(dsn, min_size=1, max_size=4)
            assert pool is not None
            pool_box["pool"] = pool
            await server.serve()
            await pool.close()

        asyncio.run(run())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)

    headers = {"Authorization": f"Bearer {auth.issue_token(actor.id)}"}
    n, batches = (100, 3) if quick else (300, 7)
    results: dict[str, dict[str, list[float]]] = {}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
        amounts = iter(range(10**9))
        calls: dict[str, dict[str, Callable[[], Awaitable[httpx.Response]]]] = {
            "get": {
                "generated": lambda: client.get(f"/items/{item}"),
                "hand": lambda: client.get(f"/raw/items/{item}"),
            },
            "patch": {
                "generated": lambda: client.patch(f"/items/{item}", json={"amount": next(amounts)}),
                "hand": lambda: client.patch(
                    f"/raw/items/{item}", json={"amount": next(amounts)}
                ),
            },
        }
        for op, sides in calls.items():
            results[op] = {side: [] for side in sides}
            for call in sides.values():
                await per_request(call, min(n, 50))  # warm up
            for _ in range(batches):  # alternate, so that the machine's load falls on both
                for side, call in sides.items():
                    results[op][side].append(await per_request(call, n))
    server.should_exit = True
    thread.join(timeout=10)
    return {
        op: {side: statistics.median(times) for side, times in sides.items()}
        for op, sides in results.items()
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("package")
    parser.add_argument("--quick", action="store_true")
    opts = parser.parse_args()
    print(json.dumps(asyncio.run(main(opts.url, opts.package, opts.quick))))
