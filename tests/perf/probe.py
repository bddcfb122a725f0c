"""Run inside a generated project (PYTHONPATH=<project>/src): what its queries send to the database.

    python probe.py DATABASE_URL PACKAGE

For every entity of the project's registry, on fresh rows made by the generated factories:

- `counts`: how many statements `get`, `update` and `delete` send (SQLAlchemy's
  `before_cursor_execute`, inside one transaction each — BEGIN/COMMIT are not statements);
- `plans` (PostgreSQL only): the plan nodes of every statement `list_page` sends (first page, a
  page after a cursor, each filter), explained with `SET enable_seqscan = off`, which proves an
  index exists that can serve the query.

Prints one JSON object. Used by tests/perf/test_data_layer.py (and readable by hand).
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import pkgutil
import re
import sys
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

KEYS = ("session", "actor", "values", "limit", "after")


def singular_of(module: Any) -> str:
    """The entity's singular name, from the model class name (`ShelfItem` → `shelf_item`)."""
    model = module_model(module)
    return "".join("_" + c.lower() if c.isupper() else c for c in model.__name__).lstrip("_")


def module_model(module: Any) -> Any:
    model_module = importlib.import_module(module.__name__.rsplit(".", 1)[0] + ".model")
    base = importlib.import_module(module.__name__.split(".")[0] + ".db").Base
    for value in vars(model_module).values():
        if (
            isinstance(value, type)
            and issubclass(value, base)
            and value is not base
            and value.__module__ == model_module.__name__
        ):
            return value
    raise LookupError(f"no model in {model_module.__name__}")


async def main(url: str, package: str) -> dict[str, Any]:
    db = importlib.import_module(f"{package}.db")
    auth = importlib.import_module(f"{package}.auth")
    sys.path.insert(0, "tests")
    factories = importlib.import_module("entities.factories")
    importlib.import_module(f"{package}.entities.registry")
    engine: AsyncEngine = db.make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(db.Base.metadata.create_all)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    seen: list[tuple[str, Any]] = []

    def record(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        seen.append((statement, params))

    sa.event.listen(engine.sync_engine, "before_cursor_execute", record)
    actor = auth.Actor(id=uuid.uuid4(), roles=frozenset({"admin"}))
    async with sessions() as session:
        if hasattr(factories, "make_user"):
            await factories.make_user(session, id=actor.id)
    counts: dict[str, dict[str, int]] = {}
    plans: dict[str, list[list[str]]] = {}
    postgres = engine.dialect.name == "postgresql"
    package_entities = importlib.import_module(f"{package}.entities")
    for info in sorted(pkgutil.iter_modules(package_entities.__path__), key=lambda i: i.name):
        if not info.ispkg or info.name == "audit_events":  # the audit log is not an entity
            continue
        queries = importlib.import_module(f"{package}.entities.{info.name}.queries")
        model = module_model(queries)
        singular = singular_of(queries)
        make = getattr(factories, f"make_{singular}")
        own_values = getattr(factories, f"{singular}_values")
        counts[info.name] = {}
        pk = [c.key for c in model.__table__.primary_key.columns]

        async def fresh_row(make: Any = make) -> Any:
            async with sessions() as session:
                return await make(session, owner=actor)

        def keys_of(fn: Any, row: Any) -> dict[str, Any]:
            names = [p for p in inspect.signature(fn).parameters if p not in KEYS]
            return {name: getattr(row, name) for name in names}

        row = await fresh_row()
        update_values = {k: v for k, v in own_values(900_000 + len(counts)).items() if k not in pk}
        update_values = dict(list(update_values.items())[:1])
        for op in ("get", "update", "delete"):
            fn = getattr(queries, op)
            kwargs: dict[str, Any] = {"session": None, "actor": actor, **keys_of(fn, row)}
            if op == "update":
                kwargs["values"] = update_values
            async with sessions() as session, session.begin():
                kwargs["session"] = session
                seen.clear()
                result = await fn(**kwargs)
                counts[info.name][op] = len(seen)
            assert result, f"{info.name}.{op} matched no row"
        if postgres:
            plans[info.name] = await explain_lists(
                engine, sessions, queries, actor, fresh_row, seen
            )
    sa.event.remove(engine.sync_engine, "before_cursor_execute", record)
    await engine.dispose()
    return {"counts": counts, "plans": plans}


async def explain_lists(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    queries: Any,
    actor: Any,
    fresh_row: Any,
    seen: list[tuple[str, Any]],
) -> list[list[str]]:
    """The plan nodes ("Node Type on relation") of each statement `list_page` sends."""
    row = await fresh_row()
    params = inspect.signature(queries.list_page).parameters
    filters = [p for p in params if p not in KEYS]
    calls: list[dict[str, Any]] = [{}]
    for name in filters:
        value = getattr(row, name, None)
        if value is not None:
            calls.append({name: value})
    statements: list[tuple[str, Any]] = []
    for extra in calls:
        async with sessions() as session:
            seen.clear()
            rows, _ = await queries.list_page(session=session, actor=actor, limit=1, **extra)
            statements += seen
            if rows:
                seen.clear()
                after = cursor_values(queries, rows[-1])
                await queries.list_page(session=session, actor=actor, limit=1, after=after, **extra)
                statements += seen
    plans: list[list[str]] = []
    async with engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        await raw.execute("SET enable_seqscan = off")
        for statement, args in statements:
            plan = await raw.fetchval("EXPLAIN (FORMAT JSON) " + statement, *args)
            plan = json.loads(plan) if isinstance(plan, str) else plan
            plans.append(nodes(plan[0]["Plan"]))
        await raw.execute("RESET enable_seqscan")
    return plans


def cursor_values(queries: Any, row: Any) -> tuple[Any, ...]:
    """The keyset values of `row`, in the order of the ORDER BY of `list_page`."""
    # the list's statement is built by `_list_statement` (kept per shape), or in `list_page`
    source = inspect.getsource(getattr(queries, "_list_statement", queries.list_page))
    found = re.search(r"\.order_by\((.*?)\)\s*\.limit\(", source, re.S)
    assert found, "list_page has no ORDER BY … LIMIT"
    keys = re.findall(r"\b[A-Z]\w*\.(\w+)", found.group(1))
    return tuple(getattr(row, k) for k in keys)


def nodes(plan: dict[str, Any]) -> list[str]:
    found = [f"{plan['Node Type']} on {plan.get('Relation Name', '-')}"]
    for child in plan.get("Plans", []):
        found += nodes(child)
    return found


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1], sys.argv[2]))))
