"""The migration matrix: every kind of spec change, on SQLite and PostgreSQL, with rows in place.

Each case: create the `before` tables and seed rows → plan the change (refused first when it
could lose data, then allowed) → `upgrade head` → no drift between the `after` models and the
database → `downgrade -1` → `upgrade head` again. Columns the change does not touch must read
back identical at every step; each case also checks what it changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from scaffold.errors import DataLossRefused
from scaffold.ir.model import Table

from .helpers import AlembicProject, col, ref, rid, table

Rows = dict[str, list[dict[str, Any]]]

TITLE = col("title", length=120)
DONE = col("done", "bool", server_default="sa.false()")
OPEN = "sa.text(\"'open'\")"


def tasks(*extra: Any, name: str = "tasks", **kw: Any) -> Table:
    return table(name, TITLE, DONE, *extra, **kw)


USERS = table("users", col("email", length=64), uniques=[["email"]])
PROJECTS = table("projects", col("name", length=80))


def task_rows(**extra: list[Any]) -> list[dict[str, Any]]:
    rows = [
        {"id": rid(1), "title": "write the spec", "done": False},
        {"id": rid(2), "title": "ship it", "done": True},
        {"id": rid(3), "title": "tell everyone — ünïcode", "done": False},
    ]
    for key, values in extra.items():
        for row, value in zip(rows, values, strict=True):
            row[key] = value
    return rows


def column(name: str, values: list[Any]) -> list[dict[str, Any]]:
    return [{"id": rid(i + 1), name: v} for i, v in enumerate(values)]


@dataclass
class Case:
    id: str
    before: list[Table]
    after: list[Table]
    seed: Rows
    expect: Rows = field(default_factory=dict)  # after upgrade (columns named in the rows)
    expect_down: Rows = field(default_factory=dict)  # after downgrade
    refused: tuple[str, ...] = ()  # table.column named by the refusal (the flag then allows it)
    # (table, row) that the upgraded database accepts and the downgraded one rejects
    probe: tuple[str, dict[str, Any]] | None = None
    probe_rejected_after: bool = False  # the other way round
    lossy_downgrade: bool = False  # the downgrade cannot restore the exact shape


CASES = [
    Case(
        "add_nullable_column",
        [tasks()],
        [tasks(col("note", "text", nullable=True))],
        {"tasks": task_rows()},
        expect={"tasks": column("note", [None, None, None])},
    ),
    Case(
        "add_not_null_column_with_default",
        [tasks()],
        [
            tasks(
                col("priority", "int", server_default='sa.text("3")'),
                col("state", "enum", values=["open", "done"], server_default=OPEN),
            )
        ],
        {"tasks": task_rows()},
        expect={"tasks": [{"id": rid(i), "priority": 3, "state": "open"} for i in (1, 2, 3)]},
    ),
    Case(
        "drop_column",
        [tasks(col("note", "text", nullable=True), col("code", length=20))],
        [tasks()],
        {"tasks": task_rows(note=["a", None, "c"], code=["T-1", "T-2", "T-3"])},
        refused=("tasks.note", "tasks.code"),
        expect_down={"tasks": [{"id": rid(i), "note": None, "code": None} for i in (1, 2, 3)]},
        lossy_downgrade=True,  # `code` comes back nullable: its values are gone
    ),
    Case(
        "rename_column",
        [tasks(col("summary", length=200), indexes=[["summary"]])],
        [tasks(col("abstract", length=200, renamed_from="summary"), indexes=[["abstract"]])],
        {"tasks": task_rows(summary=["s1", "s2", "s3"])},
        expect={"tasks": column("abstract", ["s1", "s2", "s3"])},
        expect_down={"tasks": column("summary", ["s1", "s2", "s3"])},
    ),
    Case(
        "rename_table",
        [
            USERS,
            tasks(refs=[ref("user", "users")], indexes=[["title"]]),
            table("comments", col("body", "text"), refs=[ref("task", "tasks")]),
        ],
        [
            USERS,
            tasks(
                refs=[ref("user", "users")], indexes=[["title"]], name="todos", renamed_from="tasks"
            ),
            table("comments", col("body", "text"), refs=[ref("task", "todos")]),
        ],
        {
            "users": [{"id": rid(9), "email": "a@example.com"}],
            "tasks": task_rows(user_id=[rid(9)] * 3),
            "comments": [{"id": rid(20 + i), "body": f"c{i}", "task_id": rid(i)} for i in (1, 2)],
        },
        expect={"todos": task_rows(user_id=[rid(9)] * 3)},
        expect_down={"tasks": task_rows(user_id=[rid(9)] * 3)},
    ),
    Case(
        "widen_length_and_type",
        [tasks(col("code", length=20), col("hits", "int"))],
        [tasks(col("code", length=200), col("hits", "bigint"), name="tasks")],
        {"tasks": task_rows(code=["a", "b", "c"], hits=[1, 2, 2_000_000_000])},
        expect={"tasks": task_rows(code=["a", "b", "c"], hits=[1, 2, 2_000_000_000])},
    ),
    Case(
        "narrow_length_and_type",
        [tasks(col("code", length=200), col("ref_no", length=20))],
        [tasks(col("code", length=20), col("ref_no", "int"))],
        {"tasks": task_rows(code=["a", "b", "c"], ref_no=["12", "34", "56"])},
        refused=("tasks.code", "tasks.ref_no"),
        expect={"tasks": task_rows(code=["a", "b", "c"], ref_no=[12, 34, 56])},
        expect_down={"tasks": task_rows(code=["a", "b", "c"], ref_no=["12", "34", "56"])},
    ),
    Case(
        "add_index_unique_check",
        [tasks(col("code", length=20))],
        [
            tasks(
                col("code", length=20),
                indexes=[["title", "done"]],
                uniques=[["code"]],
                checks=[("code", "min_length", "length(code) >= 1")],
            )
        ],
        {"tasks": task_rows(code=["a", "b", "c"])},
        probe=("tasks", {"id": rid(50), "title": "x", "code": ""}),
        probe_rejected_after=True,
    ),
    Case(
        "drop_index_unique_check",
        [
            tasks(
                col("code", length=20),
                indexes=[["title", "done"]],
                uniques=[["code"]],
                checks=[("code", "min_length", "length(code) >= 1")],
            )
        ],
        [tasks(col("code", length=20))],
        {"tasks": task_rows(code=["a", "b", "c"])},
        probe=("tasks", {"id": rid(50), "title": "x", "code": ""}),
    ),
    Case(
        "add_ref",
        [PROJECTS, tasks()],
        [PROJECTS, tasks(refs=[ref("project", "projects", nullable=True, on_delete="SET NULL")])],
        {"projects": [{"id": rid(7), "name": "p"}], "tasks": task_rows()},
        expect={"tasks": column("project_id", [None, None, None])},
    ),
    Case(
        "drop_ref",
        [PROJECTS, tasks(refs=[ref("project", "projects", nullable=True, on_delete="SET NULL")])],
        [PROJECTS, tasks()],
        {"projects": [{"id": rid(7), "name": "p"}], "tasks": task_rows(project_id=[rid(7)] * 3)},
        refused=("tasks.project_id",),
        expect_down={"tasks": column("project_id", [None, None, None])},
    ),
    Case(
        "add_enum_value",
        [tasks(col("state", "enum", values=["open", "done"], server_default=OPEN))],
        [tasks(col("state", "enum", values=["open", "done", "archived"], server_default=OPEN))],
        {"tasks": task_rows(state=["open", "done", "open"])},
        probe=("tasks", {"id": rid(50), "title": "x", "state": "archived"}),
    ),
    Case(
        "remove_enum_value",
        [tasks(col("state", "enum", values=["open", "done", "archived"], server_default=OPEN))],
        [tasks(col("state", "enum", values=["open", "done"], server_default=OPEN))],
        {"tasks": task_rows(state=["open", "done", "open"])},
        refused=("tasks.state",),
        probe=("tasks", {"id": rid(50), "title": "x", "state": "archived"}),
        probe_rejected_after=True,
    ),
    Case(
        "add_table",
        [USERS],
        [USERS, tasks(refs=[ref("user", "users")])],
        {"users": [{"id": rid(9), "email": "a@example.com"}]},
        expect={"tasks": []},
    ),
    Case(
        "drop_table",
        [USERS, tasks(refs=[ref("user", "users")])],
        [USERS],
        {
            "users": [{"id": rid(9), "email": "a@example.com"}],
            "tasks": task_rows(user_id=[rid(9)] * 3),
        },
        refused=("table tasks",),
        expect_down={"tasks": []},
    ),
    Case(
        "soft_delete_and_versioned_on",
        [tasks()],
        [
            tasks(
                col("deleted_at", "datetime", nullable=True, role="deleted_at"),
                col("version", "int", server_default='sa.text("1")', role="version"),
                partial=[(["title"], "deleted_at IS NULL")],
            )
        ],
        {"tasks": task_rows()},
        expect={"tasks": [{"id": rid(i), "deleted_at": None, "version": 1} for i in (1, 2, 3)]},
    ),
    Case(
        "rename_table_and_columns_with_other_changes",
        [
            tasks(
                col("state", "enum", values=["open", "done"], server_default=OPEN),
                indexes=[["state"]],
            )
        ],
        [
            tasks(
                col(
                    "status",
                    "enum",
                    values=["open", "done", "late"],
                    server_default=OPEN,
                    renamed_from="state",
                ),
                col("note", "text", nullable=True),
                indexes=[["status"]],
                name="todos",
                renamed_from="tasks",
            )
        ],
        {"tasks": task_rows(state=["open", "done", "done"])},
        expect={"todos": task_rows(status=["open", "done", "done"], note=[None] * 3)},
        expect_down={"tasks": task_rows(state=["open", "done", "done"])},
        probe=("todos", {"id": rid(50), "title": "x", "status": "late"}),
    ),
    Case(
        "change_default_and_on_delete",
        [
            PROJECTS,
            tasks(
                col("state", "enum", values=["open", "done"], server_default=OPEN),
                refs=[ref("project", "projects", on_delete="CASCADE")],
            ),
        ],
        [
            PROJECTS,
            tasks(
                col("state", "enum", values=["open", "done"], server_default="sa.text(\"'done'\")"),
                refs=[ref("project", "projects", on_delete="RESTRICT")],
            ),
        ],
        {"projects": [{"id": rid(7), "name": "p"}], "tasks": task_rows(project_id=[rid(7)] * 3)},
        expect={"tasks": task_rows(project_id=[rid(7)] * 3)},
    ),
    Case(
        "timestamps_on",
        [tasks()],
        [
            tasks(
                col("created_at", "datetime", server_default="sa.func.now()", role="created_at"),
                col("updated_at", "datetime", server_default="sa.func.now()", role="updated_at"),
            )
        ],
        {"tasks": task_rows()},
    ),
    Case(
        "nullable_to_not_null_with_default",
        [tasks(col("label", length=40, nullable=True))],
        [tasks(col("label", length=40, server_default="sa.text(\"'none'\")"))],
        {"tasks": task_rows(label=["x", None, "z"])},
        expect={"tasks": column("label", ["x", "none", "z"])},
        expect_down={"tasks": column("label", ["x", "none", "z"])},
    ),
]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'app.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def project(db_url: str, tmp_path: Path) -> Iterator[AlembicProject]:
    proj = AlembicProject(tmp_path / "project", db_url)
    yield proj
    proj.dispose()


def untouched(before: list[Table], after: list[Table]) -> dict[str, list[str]]:
    """Per table kept under its name: the columns whose definition does not change."""
    after_by = {t.name: t for t in after}
    kept: dict[str, list[str]] = {}
    for t in before:
        if t.name not in after_by:
            continue
        new = {c.name: c for c in after_by[t.name].columns}
        kept[t.name] = [
            c.name
            for c in t.columns
            if c.name in new
            and (c.sa_type, c.nullable, c.server_default)
            == (new[c.name].sa_type, new[c.name].nullable, new[c.name].server_default)
        ]
    return kept


def assert_rows(proj: AlembicProject, tables: list[Table], expected: Rows) -> None:
    for name, rows in expected.items():
        cols = list(rows[0]) if rows else ["id"]
        assert proj.select(tables, name, cols) == rows, name


def probe_accepted(
    proj: AlembicProject, tables: list[Table], probe: tuple[str, dict[str, Any]]
) -> bool:
    """Insert the probe row and roll back: True when the database accepted it."""
    name, row = probe
    t = next(t for t in tables if t.name == name)
    from scaffold.migrate import tables_to_metadata

    md = tables_to_metadata([t])
    with proj.engine.connect() as conn:
        trans = conn.begin()
        try:
            conn.execute(md.tables[name].insert(), [row])
        except sa.exc.IntegrityError:
            return False
        finally:
            trans.rollback()
    return True


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_migration_case(case: Case, project: AlembicProject) -> None:
    proj = project
    proj.generate(case.before)
    proj.upgrade()
    proj.insert(case.before, case.seed)
    kept = untouched(case.before, case.after)
    baseline = {name: proj.select(case.before, name, cols) for name, cols in kept.items()}

    if case.refused:
        with pytest.raises(DataLossRefused) as refusal:
            proj.plan(case.after)
        for where in case.refused:
            assert any(where in risk for risk in refusal.value.risks), (where, refusal.value.risks)
    proj.generate(case.after, allow_data_loss=bool(case.refused))
    assert proj.plan(case.after) is None, "regenerating with no change must plan nothing"

    def check_up() -> None:
        assert proj.drift(case.after) == []
        assert proj.shape_drift(case.after) == []
        for name, cols in kept.items():
            assert proj.select(case.after, name, cols) == baseline[name], name
        assert_rows(proj, case.after, case.expect)
        if case.probe:
            assert probe_accepted(proj, case.after, case.probe) is not case.probe_rejected_after

    proj.upgrade()
    check_up()
    for t in case.after:  # backfilled NOT NULL columns really hold values
        required = [c.name for c in t.columns if not c.nullable]
        assert all(None not in row.values() for row in proj.select(case.after, t.name, required))

    proj.downgrade("-1")
    if not case.lossy_downgrade:
        assert proj.drift(case.before) == []
        assert proj.shape_drift(case.before) == []
    for name, cols in kept.items():
        assert proj.select(case.before, name, cols) == baseline[name], name
    assert_rows(proj, case.before, case.expect_down)
    if case.probe and any(t.name == case.probe[0] for t in case.before):
        assert probe_accepted(proj, case.before, case.probe) is case.probe_rejected_after

    proj.upgrade()
    check_up()
