"""Data-layer benchmark, run INSIDE a generated project (PYTHONPATH=<project>/src).

    python bench/datalayer.py DATABASE_URL PACKAGE [--rows N] [--quick]

`bench/run.py` bootstraps the project (one `item` entity, bench/run.py:ITEM_SPEC), starts
PostgreSQL through pgserver and runs this; it prints one JSON object:

- `per_call`: microseconds per call (median of batches) of the generated actions `get_item`,
  `list_items`, `create_item`, `update_item`, `delete_item`, `attach_card_label` and the
  statistic `stats_per_day` (of `reading`, over 120 rows of a week) as a route runs them (a new
  `AsyncSession` per call, the raw input validated, the scope, the write, the commit), against
  raw asyncpg sending the statements a careful hand-written endpoint needs on an asyncpg pool:
  the very SQL the action sent, captured (each action sends exactly one, which the capture
  asserts), except for attach and the statistic, whose references are written by hand
  (`ATTACH_SQL`: one `INSERT … SELECT … WHERE EXISTS` scoped, `STATS_SQL`: the aggregate).
  SQLAlchemy always wraps work in a transaction, so the raw reference is shown twice: in a
  transaction (same round trips) and bare (reads; fewest round trips). The generated and the raw
  batches alternate, so both see the same load.
- `depth`: a page of 20 at row depth 0, 10,000 and 500,000 of one owner's N rows (default 1M,
  loaded with `generate_series`), keyset (`list_page(after=...)`) next to LIMIT/OFFSET.
- `plans`: the EXPLAIN node types of every list statement (page 1, after a cursor, filtered) on
  the loaded, ANALYZEd table.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
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

# attach's hand-written reference: link the label when the card is the actor's and the label
# readable (both are the actor's own), in one statement; a link that exists stays one link
ATTACH_SQL = (
    "INSERT INTO cards_labels (card_id, label_id) SELECT $1, $2 "
    "WHERE EXISTS (SELECT 1 FROM cards WHERE id = $1 AND user_id = $3) "
    "AND EXISTS (SELECT 1 FROM labels WHERE id = $2 AND user_id = $3) "
    "ON CONFLICT DO NOTHING"
)
# the statistic's hand-written reference: the actor's readings per UTC day of a week
STATS_SQL = (
    "SELECT date_trunc('day', created_at AT TIME ZONE 'UTC') AS bucket, count(*) AS count, "
    "sum(amount) AS sum_amount FROM readings "
    "WHERE user_id = $1 AND created_at >= $2 AND created_at < $3 "
    "GROUP BY bucket ORDER BY bucket"
)
STATS_RANGE = {"from_": "2026-01-01", "to": "2026-01-08", "tz": "UTC"}


async def paired(
    generated: Callable[[], Awaitable[Any]],
    references: dict[str, Callable[[], Awaitable[Any]]],
    n: int,
    batches: int,
) -> dict[str, float]:
    """`per_call` of `generated` and of each reference, their batches alternating (one batch of
    each in turn), so that a change of the machine's load falls on all of them alike."""
    calls = {"generated": generated, **references}
    for fn in calls.values():
        for _ in range(min(n, 50)):
            await fn()  # warm up: prepared statements, pool
    results: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(batches):
        for name, fn in calls.items():
            start = time.perf_counter()
            for _ in range(n):
                await fn()
            results[name].append((time.perf_counter() - start) / n * 1e6)
    return {name: statistics.median(times) for name, times in results.items()}


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
    card_actions = importlib.import_module(f"{package}.entities.cards.actions")
    reading_stats = importlib.import_module(f"{package}.entities.readings.stats")
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
    n, batches = (50, 9) if quick else (100, 15)
    calls_a_side = 50 + n * batches + 5  # warm-up, batches, capture

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
    doomed = [uuid.uuid4() for _ in range(2 * calls_a_side)]
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

    # attach: one card, a new label for every call (a link that exists is another path)
    async with sessions() as s:
        result = await card_actions.create_card(session=s, actor=actor, data={"title": "c"})
        card = done(result).id
    labels = [uuid.uuid4() for _ in range(2 * calls_a_side)]
    # the statistic: 120 readings of the actor over the week it counts
    week = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    async with pool.acquire() as c:
        await c.executemany(
            "INSERT INTO labels (id, user_id, name, created_at, updated_at) "
            "VALUES ($1, $2, 'l', now(), now())",
            [(label, actor.id) for label in labels],
        )
        await c.executemany(
            "INSERT INTO readings (id, user_id, kind, amount, created_at, updated_at) "
            "VALUES ($1, $2, 'a', $3, $4, now())",
            [
                (uuid.uuid4(), actor.id, i, week + datetime.timedelta(hours=1.4 * i))
                for i in range(120)
            ],
        )
    gen_labels = iter(labels[: len(labels) // 2])
    raw_labels = iter(labels[len(labels) // 2 :])

    async def gen_attach() -> Any:
        async with sessions() as s:
            return done(
                await card_actions.attach_card_label(
                    session=s, actor=actor, id=card, label_id=next(gen_labels)
                )
            )

    async def gen_statistic() -> Any:
        async with sessions() as s:
            answer = done(await reading_stats.stats_per_day(session=s, actor=actor, **STATS_RANGE))
            assert sum(item.count for item in answer.items) == 120, answer
            return answer

    async def gen_delete() -> Any:
        async with sessions() as s:
            return done(await actions.delete_item(session=s, actor=actor, id=next(gen_doomed)))

    sqls: dict[str, tuple[str, tuple[Any, ...]]] = {"create": (create_sql, create_params)}
    for op, call in (("get", gen_get), ("list page", gen_list), ("update", gen_update)):
        statement, params, _ = await capture(call)
        sqls[op] = (statement, params)
    statement, params, _ = await capture(gen_delete)
    sqls["delete"] = (statement, params)
    await capture(gen_attach)  # one statement, the INSERT … SELECT
    await capture(gen_statistic)
    sqls["attach"] = (ATTACH_SQL, ())
    sqls["statistic"] = (STATS_SQL, (actor.id, week, week + datetime.timedelta(days=7)))
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
            if op == "attach":
                return (card, next(raw_labels), actor.id)
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
        "attach": gen_attach,
        "statistic": gen_statistic,
    }
    timings: dict[str, dict[str, float]] = {}
    for op, call in generated.items():
        references = {"raw_tx": raw(op, True)}
        if op in ("get", "list page", "statistic"):
            references["raw_bare"] = raw(op, False)
        timings[op] = await paired(call, references, n, batches)
    async with pool.acquire() as c:
        linked = await c.fetchval("SELECT count(*) FROM cards_labels")
    assert linked == len(labels) - sum(1 for _ in gen_labels) - sum(1 for _ in raw_labels), linked

    # where the time of a generated `get` goes: the query function alone on a new session (no
    # action: no Read, no result, but the commit), and on one session kept for many calls (no
    # checkout), their batches alternating with the raw reference's
    async def get_query() -> Any:
        async with sessions() as s:
            row = await q.get(session=s, actor=actor, id=target)
            await s.commit()
            return row

    async with sessions() as shared:

        async def get_shared() -> Any:
            async with shared.begin():
                return await q.get(session=shared, actor=actor, id=target)

        variants = await paired(
            get_query, {"one_session": get_shared, "raw_tx": raw("get", True)}, n, batches
        )
    timings["get"]["query_alone"] = variants["generated"]
    timings["get"]["query_one_session"] = variants["one_session"]
    timings["get"]["variants_raw_tx"] = variants["raw_tx"]

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
