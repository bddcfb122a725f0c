"""A step that existing rows would break refuses before it changes anything, on both databases.

A narrower enum, a shorter string, a tighter bound or NOT NULL, in a downgrade or an upgrade,
while rows hold what the narrower rule rejects: the revision stops with a message naming the
table, the column, a few of the values and how many rows, and the database is exactly as it was
(alembic_version, schema, rows, no `_alembic_tmp_*`). Once the rows are fixed it runs. And a
revision that fails half-way for any other reason is undone entirely on SQLite too.

The last tests do the same through a project made by `scaffold init` and its own `env.py`.
"""

from __future__ import annotations

import decimal
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.util import CommandError

import scaffold
from scaffold.ir.model import Column, Table
from scaffold.migrate import plan_migration

from .helpers import AlembicProject, col, rid, table


@pytest.fixture
def proj(project: AlembicProject) -> AlembicProject:
    """The scratch project of conftest.py (SQLite, then PostgreSQL)."""
    return project


def db_state(engine: sa.Engine) -> dict[str, Any]:
    """Everything a failed step must leave as it was: tables, their shape, rows, the revision."""
    insp = sa.inspect(engine)
    state: dict[str, Any] = {"tables": sorted(insp.get_table_names())}
    with engine.connect() as conn:
        for name in state["tables"]:
            state[name] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(name)
                ],
                "checks": sorted(
                    (c["name"], c["sqltext"]) for c in insp.get_check_constraints(name)
                ),
                "indexes": sorted(str(ix["name"]) for ix in insp.get_indexes(name)),
                "rows": sorted(
                    (tuple(r) for r in conn.execute(sa.text(f'SELECT * FROM "{name}"'))),
                    key=repr,
                ),
            }
        if engine.dialect.name == "sqlite":
            state["sqlite_master"] = conn.exec_driver_sql(
                "SELECT type, name, sql FROM sqlite_master ORDER BY name"
            ).all()
    return state


def version(proj: AlembicProject) -> str:
    with proj.engine.connect() as conn:
        return str(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one())


def items(*columns: Column, checks: list[tuple[str, str, str]] | None = None) -> Table:
    return table("items", *columns, checks=checks or [])


@dataclass(frozen=True)
class Case:
    """v1 → v2 widens `column`; the rows (made at v2) hold `values`, which v1 does not admit."""

    v1: Table
    v2: Table
    column: str
    values: list[Any]
    bad: list[str]  # what the message shows, as it shows it
    fixed: Any  # a value v1 admits, to repair the rows with before downgrading again


CASES = {
    "enum value": Case(
        items(col("state", "enum", values=["a", "b"])),
        items(col("state", "enum", values=["a", "b", "c"])),
        "state",
        ["c", "a", "c"],
        ["2 row(s)", "'c'"],
        "b",
    ),
    # a string field's max_length is its VARCHAR length and a CHECK: both rules, one guard
    "string length": Case(
        items(
            col("title", length=20),
            checks=[("title", "max_length", "length(title) <= 20")],
        ),
        items(
            col("title", length=200),
            checks=[("title", "max_length", "length(title) <= 200")],
        ),
        "title",
        ["x" * 60, "short"],
        ["1 row(s)", "'xxxxxxxxxxxx...xxxxxxxxxxxxx'"],
        "fits",
    ),
    # without the CHECK, only VARCHAR(n) narrows: PostgreSQL would refuse, SQLite would keep a
    # value longer than the model says; the guard treats both alike
    "varchar length": Case(
        items(col("title", length=20)),
        items(col("title", length=200)),
        "title",
        ["y" * 40],
        ["1 row(s)", "'yyyyyyyyyyyy...yyyyyyyyyyyyy'"],
        "fits",
    ),
    "max bound": Case(
        items(col("qty", "int"), checks=[("qty", "max", "qty <= 10")]),
        items(col("qty", "int"), checks=[("qty", "max", "qty <= 100")]),
        "qty",
        [50, 5, 99],
        ["2 row(s)", "50, 99"],
        10,
    ),
    "min bound": Case(
        items(col("qty", "int"), checks=[("qty", "min", "qty >= 1")]),
        items(col("qty", "int"), checks=[("qty", "min", "qty >= -5")]),
        "qty",
        [-3],
        ["1 row(s)", "-3"],
        1,
    ),
    "decimal digits": Case(
        items(col("price", "decimal", precision=5, scale=2)),
        items(col("price", "decimal", precision=10, scale=2)),
        "price",
        [decimal.Decimal("12345.50"), decimal.Decimal("999.99")],
        ["1 row(s) fail `abs(price) < 1000`", "12345.5"],
        decimal.Decimal("1.00"),
    ),
    "bigint to int": Case(
        items(col("hits", "int")),
        items(col("hits", "bigint")),
        "hits",
        [2**40, -(2**31)],
        ["1 row(s) fail `hits BETWEEN -2147483648 AND 2147483647`", str(2**40)],
        0,
    ),
    "not null": Case(
        items(col("notes")),
        items(col("notes", nullable=True)),
        "notes",
        [None, "kept"],
        ["1 row(s)", "NULL"],
        "filled",
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_downgrade_that_rows_break_refuses_and_changes_nothing(
    proj: AlembicProject, case: Case
) -> None:
    proj.generate([case.v1])
    proj.upgrade()
    proj.generate([case.v2])
    proj.upgrade()
    proj.insert(
        [case.v2],
        {"items": [{"id": rid(i), case.column: v} for i, v in enumerate(case.values)]},
    )
    before = db_state(proj.engine)

    with pytest.raises(CommandError) as refused:
        proj.downgrade("-1")

    message = str(refused.value)
    assert message.startswith("downgrade to 0001 refused, nothing was changed")
    assert f"items.{case.column}: " in message
    for shown in case.bad:
        assert shown in message
    assert "Update or delete those rows first" in message
    assert db_state(proj.engine) == before
    assert version(proj) == "0002"
    assert not [t for t in proj.table_names() if t.startswith("_alembic_tmp")]
    proj.upgrade()  # at head already: nothing to do, and nothing in the way

    # once the rows fit, the same downgrade runs, and the way up is open again
    with proj.engine.begin() as conn:
        conn.execute(proj.metadata([case.v2]).tables["items"].update(), {case.column: case.fixed})
    proj.downgrade("-1")
    assert version(proj) == "0001"
    assert proj.drift([case.v1]) == []
    proj.upgrade()
    assert proj.drift([case.v2]) == []


def test_narrowing_upgrade_refuses_too(proj: AlembicProject) -> None:
    v1 = items(col("title", length=200), col("state", "enum", values=["a", "b", "c"]))
    v2 = items(col("title", length=20), col("state", "enum", values=["a", "b"]))
    proj.generate([v1])
    proj.upgrade()
    proj.insert([v1], {"items": [{"id": rid(1), "title": "z" * 30, "state": "c"}]})
    proj.generate([v2], allow_data_loss=True)
    before = db_state(proj.engine)

    with pytest.raises(CommandError) as refused:
        proj.upgrade()

    message = str(refused.value)
    assert message.startswith("upgrade to 0002 refused, nothing was changed")
    assert "items.title: 1 row(s) fail `length(title) <= 20`" in message
    assert "items.state: 1 row(s) fail `state IN ('a', 'b')`: 'c'" in message
    assert db_state(proj.engine) == before
    assert version(proj) == "0001"


def test_every_offending_table_is_named_and_checked_before_the_first_change(
    proj: AlembicProject,
) -> None:
    """Two tables narrowed by one downgrade: the first is untouched when the second refuses."""
    many = [f"v{i}" for i in range(7)]
    v1 = [
        table("boxes", col("size", "int"), checks=[("size", "max", "size <= 3")]),
        table("tags", col("kind", "enum", values=["a"])),
    ]
    v2 = [
        table("boxes", col("size", "int"), checks=[("size", "max", "size <= 30")]),
        table("tags", col("kind", "enum", values=["a", *many])),
    ]
    proj.generate(v1)
    proj.upgrade()
    plan = proj.generate(v2)
    proj.upgrade()
    guard = re.search(r"def downgrade\(\).*?\n    (\S+)\(", plan.content, re.S)
    assert guard is not None and guard[1] == "_refuse_rows_that_break", "guards come first"
    proj.insert(
        v2,
        {
            "boxes": [{"id": rid(1), "size": 20}],
            "tags": [{"id": rid(10 + i), "kind": k} for i, k in enumerate(many + many)],
        },
    )
    before = db_state(proj.engine)

    with pytest.raises(CommandError) as refused:
        proj.downgrade("-1")

    message = str(refused.value)
    assert "boxes.size: 1 row(s) fail `size <= 3`: 20" in message
    # a few distinct values, and how many rows
    assert "tags.kind: 14 row(s) fail `kind IN ('a')`: 'v0', 'v1', 'v2', 'v3', 'v4'\n" in message
    assert db_state(proj.engine) == before


def test_guard_on_a_renamed_column_runs_inside_the_revisions_transaction(
    proj: AlembicProject,
) -> None:
    """The rename comes first, so the guard follows it; the refusal still undoes the rename."""
    v1 = items(col("state", "enum", values=["a", "b"]))
    status = col("status", "enum", values=["a", "b", "c"], renamed_from="state")
    v2 = items(status)
    proj.generate([v1])
    proj.upgrade()
    plan = proj.generate([v2])
    proj.upgrade()
    downgrade = plan.content.split("def downgrade()")[1]
    assert downgrade.index("new_column_name='state'".replace("'", '"')) < downgrade.index(
        "_refuse_rows_that_break("
    )
    proj.insert([v2], {"items": [{"id": rid(1), "status": "c"}]})
    before = db_state(proj.engine)

    with pytest.raises(CommandError, match=r"items\.state: 1 row\(s\) fail .*: 'c'"):
        proj.downgrade("-1")

    assert db_state(proj.engine) == before
    assert [c["name"] for c in sa.inspect(proj.engine).get_columns("items")] == [
        "id",
        "status",
    ]


FAILS_HALF_WAY = '''"""Hand-written: rebuilds a table, creates one, then fails."""

import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = "{down}"


def upgrade() -> None:
    with op.batch_alter_table("{table}") as batch_op:
        batch_op.add_column(sa.Column("n", sa.Integer(), nullable=True))
        batch_op.create_check_constraint("ck_{table}_n_min", "n > 0")
        batch_op.create_index("ix_{table}_n", ["n"])
    op.create_table("other", sa.Column("id", sa.Integer(), primary_key=True))
    op.execute("UPDATE {table} SET {column} = 'not a value'")


def downgrade() -> None:
    pass
'''

FINE = '''"""Hand-written: adds a column."""

import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = "{down}"


def upgrade() -> None:
    with op.batch_alter_table("items") as batch_op:
        batch_op.add_column(sa.Column("m", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("items") as batch_op:
        batch_op.drop_column("m")
'''


def test_revision_failing_half_way_is_undone_entirely(proj: AlembicProject) -> None:
    """Each revision is one transaction: the one that fails leaves nothing, the one before stays."""
    v1 = items(col("state", "enum", values=["a", "b"]))
    proj.generate([v1])
    proj.upgrade()
    proj.insert([v1], {"items": [{"id": rid(1), "state": "a"}]})
    (proj.versions / "0002_fine.py").write_text(FINE.format(rev="0002", down="0001"))
    (proj.versions / "0003_fails.py").write_text(
        FAILS_HALF_WAY.format(rev="0003", down="0002", table="items", column="state")
    )
    # at 0002 as the failing run below gets there: from 0001, after a downgrade (a rebuild)
    proj.upgrade("0002")
    proj.downgrade("0001")
    proj.upgrade("0002")
    at_0002 = db_state(proj.engine)
    proj.downgrade("0001")

    with pytest.raises(sa.exc.IntegrityError, match="ck_items_state_enum"):
        proj.upgrade()

    assert version(proj) == "0002"
    assert db_state(proj.engine) == at_0002
    assert "other" not in proj.table_names()


# -- through a project made by `scaffold init`, with its own env.py ---------------------------

SCAFFOLD_SRC = str(Path(scaffold.__file__).resolve().parents[1])
LABEL_V1 = """entity: label
owner: none
fields:
  name: string(20)
  kind: {type: enum, values: [a, b]}
  rank: {type: int, min: 0, max: 10}
"""
LABEL_V2 = (
    LABEL_V1.replace("[a, b]", "[a, b, c]")
    .replace("max: 10", "max: 100")
    .replace("string(20)", "string(200)")
)


def _run(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PYTHONPATH"}}
    environ["PYTHONPATH"] = os.pathsep.join([str(cwd / "src"), SCAFFOLD_SRC])
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=cwd,
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def initialized(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`scaffold init`, then a `label` entity whose enum, length and bound widen in 0003."""
    parent = tmp_path_factory.mktemp("guards")
    made = _run(parent, "scaffold", "init", "guarded", "--package", "guardedapp", "--defaults")
    assert made.returncode == 0, made.stderr
    root = parent / "guarded"
    for text in (LABEL_V1, LABEL_V2):
        (root / "specs" / "label.yaml").write_text(text, encoding="utf-8")
        generated = _run(root, "scaffold", "generate")
        assert generated.returncode == 0, generated.stdout + generated.stderr
    assert sorted(p.name[:4] for p in (root / "migrations" / "versions").glob("0*.py")) == [
        "0001",
        "0002",
        "0003",
    ]
    return root


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A sync URL to look at the database with; the project is given its async form."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'app.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def _async(url: str) -> str:
    if url.startswith("sqlite"):
        return url.replace("sqlite://", "sqlite+aiosqlite://", 1)
    return "postgresql+asyncpg://" + url.split("://", 1)[1]


@pytest.mark.slow
def test_generated_project_refuses_a_downgrade_with_a_message(
    initialized: Path, database: str
) -> None:
    alembic = {"DATABASE_URL": _async(database)}
    assert _run(initialized, "alembic", "upgrade", "head", **alembic).returncode == 0
    engine = sa.create_engine(database, poolclass=sa.pool.NullPool)
    try:
        labels = sa.Table("labels", sa.MetaData(), autoload_with=engine)
        now = sa.func.now() if engine.dialect.name == "postgresql" else sa.text("'2024-01-02'")
        with engine.begin() as conn:
            for i, (name, kind, rank) in enumerate([("n" * 40, "c", 50), ("ok", "a", 1)]):
                conn.execute(
                    labels.insert().values(
                        id=rid(i + 1).hex,
                        name=name,
                        kind=kind,
                        rank=rank,
                        created_at=now,
                        updated_at=now,
                    )
                )
        proj = AlembicProject.__new__(AlembicProject)
        proj.engine = engine
        before = db_state(proj.engine)

        refused = _run(initialized, "alembic", "downgrade", "-1", **alembic)

        assert refused.returncode != 0
        said = refused.stdout + refused.stderr
        assert "Traceback" not in said
        assert "FAILED: downgrade to 0002 refused, nothing was changed" in said
        assert "labels.name: 1 row(s) fail `length(name) <= 20`" in said
        assert "labels.rank: 1 row(s) fail `rank <= 10`: 50" in said
        assert "labels.kind: 1 row(s) fail `kind IN ('a', 'b')`: 'c'" in said
        assert db_state(proj.engine) == before
        assert _run(initialized, "alembic", "upgrade", "head", **alembic).returncode == 0
    finally:
        engine.dispose()


@pytest.mark.slow
def test_generated_project_undoes_a_failing_revision_on_sqlite(
    initialized: Path, tmp_path: Path
) -> None:
    root = tmp_path / "project"
    shutil.copytree(initialized, root)
    db = tmp_path / "app.db"
    alembic = {"DATABASE_URL": f"sqlite+aiosqlite:///{db}"}
    assert _run(root, "alembic", "upgrade", "head", **alembic).returncode == 0
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO labels (id, name, kind, rank, created_at, updated_at) "
            "VALUES (?, 'one', 'a', 1, '2024-01-02', '2024-01-02')",
            (rid(1).hex,),
        )
    failing = FAILS_HALF_WAY.format(rev="0004", down="0003", table="labels", column="kind")
    (root / "migrations" / "versions" / "0004_fails.py").write_text(failing, encoding="utf-8")
    before = _sqlite_state(db)

    failed = _run(root, "alembic", "upgrade", "head", **alembic)

    assert failed.returncode != 0
    assert "ck_labels_kind_enum" in failed.stderr
    assert _sqlite_state(db) == before
    assert "_alembic_tmp" not in repr(before)
    (root / "migrations" / "versions" / "0004_fails.py").unlink()
    assert _run(root, "alembic", "downgrade", "base", **alembic).returncode == 0


def _sqlite_state(db: Path) -> list[Any]:
    with sqlite3.connect(db) as conn:
        master = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
        rows = [
            conn.execute(f'SELECT * FROM "{name}" ORDER BY 1').fetchall()
            for kind, name, _ in master
            if kind == "table"
        ]
    return [master, rows]


# -- where no guard is written ------------------------------------------------------------------

QTY = col("qty", "int")
NO_GUARD = {
    "more enum values": (
        [items(col("state", "enum", values=["a"]))],
        [items(col("state", "enum", values=["a", "b"]))],
    ),
    "looser bound": (
        [items(QTY, checks=[("qty", "max", "qty <= 10")])],
        [items(QTY, checks=[("qty", "max", "qty <= 11")])],
    ),
    "new column with a check": (
        [items()],
        [items(col("qty", "int", nullable=True), checks=[("qty", "min", "qty >= 1")])],
    ),
    "renamed table keeps its checks": (
        [table("items", QTY, checks=[("qty", "max", "qty <= 10")])],
        [table("things", QTY, checks=[("qty", "max", "qty <= 10")], renamed_from="items")],
    ),
    "renamed column keeps its checks": (
        [items(QTY, checks=[("qty", "max", "qty <= 10")])],
        [
            items(
                col("amount", "int", renamed_from="qty"),
                checks=[("amount", "max", "amount <= 10")],
            )
        ],
    ),
}


@pytest.mark.parametrize(("v1", "v2"), NO_GUARD.values(), ids=list(NO_GUARD))
def test_upgrade_that_no_row_can_break_has_no_guard(v1: list[Table], v2: list[Table]) -> None:
    first = plan_migration(None, tuple(v1), existing_revisions=[])
    assert first is not None
    plan = plan_migration(
        first.snapshot, tuple(v2), existing_revisions=[Path(first.path).name], allow_data_loss=True
    )
    assert plan is not None
    upgrade = plan.content.split("def upgrade()")[1].split("def downgrade()")[0]
    assert "_refuse_rows_that_break" not in upgrade
