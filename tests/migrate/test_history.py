"""A realistic spec history, migrated step by step the way pytest-alembic tests a project.

At every step, on SQLite and PostgreSQL, with rows in the tables: one head, `upgrade head`,
`alembic check` finds no drift, then a stairway (`downgrade -1`, `upgrade head`). At the end the
whole chain goes down to base and up again.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory

from scaffold.ir.model import Table

from .helpers import AlembicProject, col, ref, rid, table

OPEN = "sa.text(\"'open'\")"
USERS = table("users", col("email", length=64), uniques=[["email"]])


def tasks(*extra: object, title: int = 120, **kw: object) -> Table:
    return table(
        "tasks",
        col("title", length=title),
        col("done", "bool", server_default="sa.false()"),
        *extra,  # type: ignore[arg-type]
        refs=[ref("user", "users")],
        **kw,  # type: ignore[arg-type]
    )


def comments(body: str = "body", name: str = "comments", **kw: object) -> Table:
    renamed = {"renamed_from": "body"} if body != "body" else {}
    return table(
        name,
        col(body, "text", **renamed),  # type: ignore[arg-type]
        col("deleted_at", "datetime", nullable=True, role="deleted_at"),
        refs=[ref("task", "tasks")],
        partial=[(["task_id"], "deleted_at IS NULL")],
        **kw,  # type: ignore[arg-type]
    )


STATE = col("state", "enum", values=["open", "done"], server_default=OPEN)
STATE3 = col("state", "enum", values=["open", "done", "archived"], server_default=OPEN)
VERSION = col("version", "int", server_default='sa.text("1")', role="version")
DUE = col("due", "date", nullable=True)

HISTORY: list[tuple[list[Table], bool]] = [
    ([USERS, tasks()], False),
    ([USERS, tasks(DUE), comments()], False),
    ([USERS, tasks(DUE, STATE, title=200), comments("content")], False),
    (
        [
            USERS,
            tasks(DUE, STATE3, VERSION, title=200, uniques=[["user_id", "title"]]),
            comments("content"),
        ],
        False,
    ),
    (
        [
            USERS,
            tasks(STATE3, VERSION, title=200, uniques=[["user_id", "title"]]),
            comments("content", name="notes", renamed_from="comments"),
        ],
        True,
    ),
]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'app.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def test_history_stairway(db_url: str, tmp_path: Path) -> None:
    proj = AlembicProject(tmp_path / "project", db_url)
    try:
        for step, (tables, lossy) in enumerate(HISTORY, start=1):
            plan = proj.generate(tables, allow_data_loss=lossy)
            assert plan.path.startswith(f"migrations/versions/{step:04d}_")
            heads = ScriptDirectory.from_config(proj.config()).get_heads()
            assert heads == [f"{step:04d}"]
            proj.upgrade()
            command.check(proj.config())
            assert proj.shape_drift(tables) == []
            proj.downgrade("-1")
            proj.upgrade()
            command.check(proj.config())
            # rows go in once their table is past its own stairway (which starts from nothing)
            if step == 1:
                proj.insert(
                    tables,
                    {
                        "users": [{"id": rid(1), "email": "a@example.com"}],
                        "tasks": [
                            {"id": rid(10 + i), "title": f"t{i}", "user_id": rid(1)}
                            for i in range(3)
                        ],
                    },
                )
            if step == 2:
                proj.insert(
                    tables,
                    {"comments": [{"id": rid(20), "body": "hello", "task_id": rid(10)}]},
                )
            titles = proj.select(tables, "tasks", ["title"])
            assert [r["title"] for r in titles] == ["t0", "t1", "t2"]
        notes = proj.select(HISTORY[-1][0], "notes", ["id", "content", "task_id"])
        assert notes == [{"id": rid(20), "content": "hello", "task_id": rid(10)}]
        proj.downgrade("base")
        assert proj.table_names() == set()
        proj.upgrade()
        command.check(proj.config())
    finally:
        proj.dispose()
