"""Data-layer benchmark, run INSIDE a generated project (PYTHONPATH=<project>/src).

    python bench/datalayer.py DATABASE_URL PACKAGE [--rows N] [--quick]

`bench/run.py` bootstraps the project (one `item` entity, bench/run.py:ITEM_SPEC), starts
PostgreSQL through pgserver and runs this; it prints one JSON object:

- `per_call`: microseconds per call (median of batches) of the generated actions `get_item`,
  `list_items`, `create_item`, `update_item`, `delete_item` as a route runs them (a new
  `AsyncSession` per call, the raw input validated, the scope, the write, the commit), against
  raw asyncpg sending the statement a careful hand-written endpoint needs (the very SQL the
  action sent, captured: each action sends exactly one, which the capture asserts) on an asyncpg
  pool. SQLAlchemy always wraps work in a transaction, so the raw reference is shown twice: in a
  transaction (same round trips) and bare (reads; fewest round trips).
- `depth`: a page of 20 at row depth 0, 10,000 and 500,000 of one owner's N rows (default 1M,
  loaded with `generate_series`), keyset (`list_page(after=...)`) next to LIMIT/OFFSET.
- `plans`: the EXPLAIN node types of every list statement (page 1, after a cursor, filtered) on
  the loaded, ANALYZEd table.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import async_sessionmaker


async def per_call(fn: Callable[[], Awaitable[Any]], n: int, batches: int) -> float:
    """Median over `batches` of the mean time of `n` sequential calls, in microseconds."""
    for _ in range(min(n, 50)):
        await fn()  # warm up: prepared statements, pool
    results = []
    for _ in range(batches):
        start = time.perf_counter()
        for _ in range(n):
            await fn()
        results.append((time.perf_counter() - start) / n * 1e6)
    return statistics.median(results)


def plan_nodes(plan: dict[str, Any]) -> list[str]:
    name = plan["Node Type"] + (f" ({plan['Index Name']})" if "Index Name" in plan else "")
    out = [name]
    for child in plan.get("Plans", []):
        out += plan_nodes(child)
    return out


async def main(url: str, package: str, rows: int, quick: bool) -> dict[str, Any]:
    db = importlib.import_module(f"{package}.db")
    auth = importlib.import_module(f"{package}.auth")
    importlib.import_module(f"{package}.entities.registry")
    q = importlib.import_module(f"{package}.entities.items.queries")
    actions = importlib.import_module(f"{package}.entities.items.actions")
    item_cls = importlib.import_module(f"{package}.entities.items.model").Item
    engine = db.make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(db.Base.metadata.create_all)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    dsn = "postgresql://" + url.split("://", 1)[1]
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=1)
    assert pool is not None
    actor = auth.Actor(id=uuid.uuid4(), roles=frozenset())
    async with pool.acquire() as c:
        await c.execute(
            "INSERT INTO users (id, email, password, created_at, updated_at) "
            "VALUES ($1, $2, 'x', now(), now())",
            actor.id,
            f"{actor.id.hex}@example.com",
        )

    seen: list[tuple[str, Any]] = []

    def record(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        seen.append((statement, tuple(params)))

    sa.event.listen(engine.sync_engine, "before_cursor_execute", record)

    async def capture(call: Callable[[], Awaitable[Any]]) -> tuple[str, tuple[Any, ...], Any]:
        seen.clear()
        result = await call()
        assert len(seen) == 1, seen
        return seen[0][0], seen[0][1], result

    values = {"title": "hello", "status": "draft", "amount": 1}
    n, batches = (100, 3) if quick else (300, 5)

    # rows to read, update, delete (one per delete call of both variants, plus warm-up)
    def done(result: Any) -> Any:
        assert result.ok, result.error
        return result.data

    async def gen_create() -> Any:
        async with sessions() as s:
            return done(await actions.create_item(session=s, actor=actor, data=values))

    create_sql, create_params, made = await capture(gen_create)
    target = made.id
    id_at = create_params.index(target)
    doomed = [uuid.uuid4() for _ in range(2 * (50 + n * batches) + 10)]
    async with pool.acquire() as c:
        await c.executemany(
            "INSERT INTO items (id, user_id, title, status, amount, created_at, updated_at) "
            "VALUES ($1, $2, 'doomed', 'draft', 0, now(), now())",
            [(d, actor.id) for d in doomed],
        )

    async def gen_get() -> Any:
        async with sessions() as s:
            return done(await actions.get_item(session=s, actor=actor, id=target))

    async def gen_list() -> Any:
        async with sessions() as s:
            return done(await actions.list_items(session=s, actor=actor, limit=20))

    async def gen_update() -> Any:
        async with sessions() as s:
            return done(
                await actions.update_item(session=s, actor=actor, id=target, data={"amount": 2})
            )

    gen_doomed = iter(doomed[: len(doomed) // 2])
    raw_doomed = iter(doomed[len(doomed) // 2 :])

    async def gen_delete() -> Any:
        async with sessions() as s:
            return done(await actions.delete_item(session=s, actor=actor, id=next(gen_doomed)))

    sqls: dict[str, tuple[str, tuple[Any, ...]]] = {"create": (create_sql, create_params)}
    for op, call in (("get", gen_get), ("list page", gen_list), ("update", gen_update)):
        statement, params, _ = await capture(call)
        sqls[op] = (statement, params)
    statement, params, _ = await capture(gen_delete)
    sqls["delete"] = (statement, params)
    delete_id_at = next(
        i for i, p in enumerate(params) if isinstance(p, uuid.UUID) and p != actor.id
    )
    sa.event.remove(engine.sync_engine, "before_cursor_execute", record)

    def raw(op: str, tx: bool) -> Callable[[], Awaitable[Any]]:
        statement, params = sqls[op]

        def args() -> tuple[Any, ...]:
            if op == "create":
                out = list(params)
                out[id_at] = uuid.uuid4()
                return tuple(out)
            if op == "delete":
                out = list(params)
                out[delete_id_at] = next(raw_doomed)
                return tuple(out)
            return params

        async def call() -> Any:
            async with pool.acquire() as c:
                if tx:
                    async with c.transaction():
                        return await c.fetch(statement, *args())
                return await c.fetch(statement, *args())

        return call

    generated = {
        "get": gen_get,
        "list page": gen_list,
        "create": gen_create,
        "update": gen_update,
        "delete": gen_delete,
    }
    timings: dict[str, dict[str, float]] = {}
    for op, call in generated.items():
        timings[op] = {
            "generated": await per_call(call, n, batches),
            "raw_tx": await per_call(raw(op, True), n, batches),
        }
        if op in ("get", "list page"):
            timings[op]["raw_bare"] = await per_call(raw(op, False), n, batches)

    # where the time of a generated `get` goes: the same call without the pool's pre-ping (one
    # round trip per checkout), and on one session kept for many calls (no checkout at all)
    quiet = db.make_engine(url, pool_pre_ping=False)
    quiet_sessions = async_sessionmaker(quiet, expire_on_commit=False)

    async def get_no_ping() -> Any:
        async with quiet_sessions() as s:
            return await q.get(session=s, actor=actor, id=target)

    async with quiet_sessions() as shared:

        async def get_shared() -> Any:
            async with shared.begin():
                return await q.get(session=shared, actor=actor, id=target)

        timings["get"]["generated_no_ping"] = await per_call(get_no_ping, n, batches)
        timings["get"]["generated_one_session"] = await per_call(get_shared, n, batches)
    await quiet.dispose()

    # depth: one owner's `rows` rows
    async with pool.acquire() as c:
        await c.execute("DELETE FROM items")
        start = time.perf_counter()
        await c.execute(
            "INSERT INTO items (id, user_id, title, status, amount, created_at, updated_at) "
            "SELECT gen_random_uuid(), $1, 'item ' || g, "
            "(ARRAY['draft','active','archived'])[1 + g % 3], g % 1000, "
            "timestamptz '2026-01-01' + g * interval '1 second', now() "
            "FROM generate_series(1, $2::int) g",
            actor.id,
            rows,
        )
        await c.execute("VACUUM ANALYZE items")
        load_s = time.perf_counter() - start
    depth: dict[str, dict[str, float]] = {}
    for at in (0, 10_000, 500_000):
        if at >= rows:
            continue
        after = None
        if at:
            async with pool.acquire() as c:
                row = await c.fetchrow(
                    "SELECT created_at, id FROM items WHERE user_id = $1 "
                    "ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1",
                    actor.id,
                    at - 1,
                )
            after = (row["created_at"], row["id"])

        async def keyset(after: Any = after) -> Any:
            async with sessions() as s:
                page, _ = await q.list_page(session=s, actor=actor, limit=20, after=after)
                return page

        async def offset(at: int = at) -> Any:
            async with sessions() as s:
                stmt = (
                    sa.select(item_cls)
                    .where(item_cls.user_id == actor.id)
                    .order_by(item_cls.created_at.desc(), item_cls.id.desc())
                    .limit(21)
                    .offset(at)
                )
                return list((await s.scalars(stmt)).all())

        k_rows = await keyset()
        o_rows = await offset()
        assert [r.id for r in k_rows] == [r.id for r in o_rows[:20]], "keyset page != offset page"
        reps = 20 if at < 100_000 else 5
        depth[str(at)] = {
            "keyset": await per_call(keyset, reps, 3),
            "offset": await per_call(offset, reps if at < 100_000 else 2, 3),
        }

    # plans of every list statement on the loaded table
    plans: dict[str, list[str]] = {}
    seen.clear()
    sa.event.listen(engine.sync_engine, "before_cursor_execute", record)
    async with sessions() as s:
        first, _ = await q.list_page(session=s, actor=actor, limit=20)
        last = first[-1]
        calls = {
            "page 1": {},
            "after cursor": {"after": (last.created_at, last.id)},
            "status filter": {"status": "active"},
            "status filter, after cursor": {
                "status": "active",
                "after": (last.created_at, last.id),
            },
        }
        captured: dict[str, tuple[str, tuple[Any, ...]]] = {}
        for name, kwargs in calls.items():
            seen.clear()
            await q.list_page(session=s, actor=actor, limit=20, **kwargs)
            captured[name] = seen[-1]
    sa.event.remove(engine.sync_engine, "before_cursor_execute", record)
    async with pool.acquire() as c:
        for name, (statement, params) in captured.items():
            text = await c.fetchval("EXPLAIN (FORMAT JSON) " + statement, *params)
            plan = json.loads(text) if isinstance(text, str) else text
            plans[name] = plan_nodes(plan[0]["Plan"])
    await pool.close()
    await engine.dispose()
    return {
        "per_call": timings,
        "depth": depth,
        "rows": rows,
        "load_seconds": load_s,
        "plans": plans,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("package")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true")
    opts = parser.parse_args()
    print(json.dumps(asyncio.run(main(opts.url, opts.package, opts.rows, opts.quick))))
