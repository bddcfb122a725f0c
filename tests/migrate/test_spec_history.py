"""Golden case: the example specs' history, from YAML through the resolver to revisions.

The specs in `specs/` are copied, created, then changed the way a project grows (new fields, an
enum value, a rename of a field and of an entity, versioning, a dropped field). The revisions
must equal the files in `golden/spec_history/` (refresh them with `SCAFFOLD_UPDATE_GOLDEN=1`),
and they must migrate SQLite and PostgreSQL with rows in every table: stairway at every step,
no drift, the seeded rows still there.
"""

from __future__ import annotations

import datetime as dt
import decimal
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from scaffold.ir.model import Table
from scaffold.migrate import MigrationPlan, plan_migration, tables_to_metadata

from .helpers import AlembicProject, rid

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden" / "spec_history"
UPDATE = os.environ.get("SCAFFOLD_UPDATE_GOLDEN") == "1"

# (file, old text, new text); a new text of None renames the file to the old text
Edit = tuple[str, str, str | None]
STEPS: list[tuple[str, list[Edit], bool]] = [
    ("create", [], False),
    (
        "fields and an enum value",
        [
            (
                "task.yaml",
                "  due: date?\n",
                "  due: date?\n  priority: {type: int, min: 1, max: 5, default: 3}\n"
                "  notes: text?\n",
            ),
            ("document.yaml", "[text, code, image, sheet]", "[text, code, image, sheet, pdf]"),
        ],
        False,
    ),
    (
        "rename a field, widen one, versioning on",
        [
            ("comment.yaml", "  body: {type: text,", "  content: {renamed_from: body, type: text,"),
            ("task.yaml", "title: string(200)", "title: string(250)"),
            ("task.yaml", "entity: task\n", "entity: task\nversioned: true\n"),
        ],
        False,
    ),
    (
        "rename an entity",
        [
            ("task.yaml", "entity: task\n", "entity: job\nrenamed_from: task\n"),
            ("task.yaml", "job.yaml", None),
            ("comment.yaml", "to: task,", "to: job,"),
        ],
        False,
    ),
    (
        "drop a field",
        # (and the statistic that counts by it)
        [
            ("job.yaml", "  due: date?\n", ""),
            ("job.yaml", "  due_per_week: {period: week, on: due}\n", ""),
        ],
        True,
    ),
]


def _apply(specs: Path, edits: list[Edit]) -> None:
    for name, old, new in edits:
        path = specs / name
        if new is None:
            path.rename(specs / old)
            continue
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{name}: the example spec changed; update this history ({old!r})"
        path.write_text(text.replace(old, new), encoding="utf-8")


def _history(root: Path) -> list[tuple[tuple[Table, ...], MigrationPlan]]:
    from scaffold.pipeline import load_schema, spec_files

    shutil.copytree(REPO / "specs", root / "specs")
    out: list[tuple[tuple[Table, ...], MigrationPlan]] = []
    snapshot: str | None = None
    for _title, edits, lossy in STEPS:
        _apply(root / "specs", edits)
        schema = load_schema(spec_files([root / "specs"]), root)
        plan = plan_migration(
            snapshot,
            schema.tables,
            existing_revisions=[Path(p.path).name for _, p in out],
            specs=[e.spec_path for e in schema.entities],
            allow_data_loss=lossy,
        )
        assert plan is not None
        snapshot = plan.snapshot
        assert (
            plan_migration(snapshot, schema.tables, existing_revisions=[Path(plan.path).name])
            is None
        )
        out.append((schema.tables, plan))
    return out


@pytest.fixture(scope="module")
def history(
    tmp_path_factory: pytest.TempPathFactory,
) -> list[tuple[tuple[Table, ...], MigrationPlan]]:
    pytest.importorskip("scaffold.ir.resolve")
    return _history(tmp_path_factory.mktemp("spec_history"))


def test_revisions_match_golden(history: list[tuple[tuple[Table, ...], MigrationPlan]]) -> None:
    produced = {Path(plan.path).name: plan.content for _, plan in history}
    if UPDATE:
        shutil.rmtree(GOLDEN, ignore_errors=True)
        GOLDEN.mkdir(parents=True)
        for name, content in produced.items():
            (GOLDEN / name).write_text(content, encoding="utf-8")
    expected = {p.name: p.read_text(encoding="utf-8") for p in sorted(GOLDEN.glob("*.py"))}
    assert sorted(produced) == sorted(expected), "refresh with SCAFFOLD_UPDATE_GOLDEN=1"
    for name, content in produced.items():
        assert content == expected[name], f"{name} differs; refresh with SCAFFOLD_UPDATE_GOLDEN=1"


# -- rows for any table ---------------------------------------------------------------------


def _value(kind: str, column: Any, n: int) -> Any:
    length = getattr(column.type, "length", None) or 64
    values = {
        "uuid": rid(n),
        "text": f"text {n}",
        "int": 3,
        "bigint": 3,
        "float": 1.5,
        "decimal": decimal.Decimal("1.50"),
        "bool": True,
        "date": dt.date(2024, 1, 2),
        "datetime": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        "json": {"n": n},
    }
    if kind in values:
        return values[kind]
    return f"v{n}@example.com"[:length]


def _seed(proj: AlembicProject, tables: tuple[Table, ...], step: int) -> None:
    """One row in every table, refs pointing at the rows of the tables they reference: the
    newest (the keys grow with the step), so a unique set of refs (`vote`'s chat and message)
    holds at every step."""
    md = tables_to_metadata(tables)
    by_name = {t.name: t for t in tables}
    done: set[str] = set()

    def seed(t: Table) -> None:
        if t.name in done:
            return
        done.add(t.name)
        for fk in t.foreign_keys:
            if fk.ref_table != t.name:
                seed(by_name[fk.ref_table])
        row: dict[str, Any] = {}
        n = 1000 * step + len(done)
        for c in t.columns:
            if c.server_default is not None and not c.primary_key:
                continue
            if c.enum_values:
                row[c.name] = c.enum_values[0]
            else:
                row[c.name] = _value(c.kind, md.tables[t.name].c[c.name], n)
        with proj.engine.begin() as conn:
            for fk in t.foreign_keys:
                target = md.tables[fk.ref_table]
                keys = [target.c[c] for c in fk.ref_columns]
                parent = conn.execute(
                    sa.select(*keys).order_by(*(k.desc() for k in keys)).limit(1)
                ).one()
                row.update(zip(fk.columns, parent, strict=True))
            conn.execute(md.tables[t.name].insert(), [row])

    for t in tables:
        seed(t)


def _counts(proj: AlembicProject, tables: tuple[Table, ...]) -> dict[str, int]:
    md = tables_to_metadata(tables)
    with proj.engine.connect() as conn:
        return {
            t.name: conn.execute(
                sa.select(sa.func.count()).select_from(md.tables[t.name])
            ).scalar_one()
            for t in tables
        }


def test_history_migrates_with_rows(
    history: list[tuple[tuple[Table, ...], MigrationPlan]], project: AlembicProject
) -> None:
    proj = project
    counts: dict[str, int] = {}
    renamed = {"tasks": "jobs", "tasks_labels": "jobs_labels"}  # the link table follows
    for step, (tables, plan) in enumerate(history, start=1):
        (proj.root / plan.path).write_text(plan.content, encoding="utf-8")
        proj.snapshot, proj.tables = plan.snapshot, tables
        proj.upgrade()
        command.check(proj.config())
        assert proj.shape_drift(tables) == []
        if step > 1:
            proj.downgrade("-1")
            proj.upgrade()
            command.check(proj.config())
            now = _counts(proj, tables)
            assert now == {(k if k in now else renamed[k]): v for k, v in counts.items()}
        _seed(proj, tables, step)
        counts = _counts(proj, tables)
    proj.downgrade("base")
    assert proj.table_names() == set()
    proj.upgrade()
    command.check(proj.config())
