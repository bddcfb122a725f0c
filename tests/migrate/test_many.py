"""Many fields in migrations: link tables flow through `Schema.tables` like any table.

Adding a many field creates its link table, `renamed_from` on it renames the table (and the link
column named after the field), removing it drops the table — refused without
`--allow-data-loss`. Every step runs up/down/up with rows in the link table, with no drift.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from scaffold.errors import DataLossRefused
from scaffold.ir.model import Schema, Table, dump_tables, load_tables
from scaffold.ir.resolve import resolve
from scaffold.migrate import CreateTable, DropTable, RenameTable, tables_to_metadata
from scaffold.spec.load import load_specs

from .helpers import AlembicProject, rid

TAG = "entity: tag\nfields:\n  name: string(40)\n"
POST = "entity: post\nfields:\n  title: string(200)\n"
TAGS = POST + "  tags: many(tag)\nlist:\n  filters: [tags]\n"
TOPICS = POST + "  topics: {type: many, to: tag, renamed_from: tags}\n"
DOCUMENT = "entity: document\nprimary_key: [id, created_at]\nfields:\n  title: text\n"
AT = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def _schema(tmp: Path, **specs: str) -> Schema:
    folder = tmp / "specs"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for name, text in specs.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return resolve(load_specs(sorted(folder.iterdir()), root=tmp))


def _step(proj: AlembicProject, tables: tuple[Table, ...], **kw: bool) -> list[object]:
    """Generate, upgrade, check; then down one and up again, checking once more."""
    plan = proj.generate(tables, **kw)
    assert proj.plan(tables) is None  # the snapshot now says it all
    assert load_tables(plan.snapshot) == tables
    assert dump_tables(load_tables(plan.snapshot)) == plan.snapshot
    for _ in range(2):
        proj.upgrade()
        command.check(proj.config())
        assert proj.drift(tables) == []
        assert proj.shape_drift(tables) == []
        proj.downgrade("-1")
    proj.upgrade()
    return list(plan.ops)


def _links(proj: AlembicProject, tables: tuple[Table, ...], name: str) -> list[tuple[object, ...]]:
    """The key columns of every row of link table `name`, sorted."""
    table = tables_to_metadata(tables).tables[name]
    keys = [table.c[c] for c in next(t for t in tables if t.name == name).primary_key.columns]
    with proj.engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(sa.select(*keys)))


def _rows(n: int) -> dict[str, list[dict[str, object]]]:
    return {
        "tags": [{"id": rid(i), "user_id": rid(99), "name": f"t{i}"} for i in (1, 2)],
        "posts": [{"id": rid(n), "user_id": rid(99), "title": f"p{n}"}],
    }


def test_add_rename_and_remove_a_many_field(tmp_path: Path, project: AlembicProject) -> None:
    proj = project
    v1 = _schema(tmp_path, tag=TAG, post=POST).tables
    _step(proj, v1)
    proj.insert(v1, _rows(10))

    # adding the field: one new revision that creates the link table, nothing else
    v2 = _schema(tmp_path, tag=TAG, post=TAGS).tables
    assert [t.name for t in v2] == ["posts", "tags", "posts_tags"]
    ops = _step(proj, v2)
    assert [type(op).__name__ for op in ops] == ["CreateTable"]
    assert isinstance(ops[0], CreateTable) and ops[0].table == "posts_tags"
    proj.insert(v2, {"posts_tags": [{"post_id": rid(10), "tag_id": rid(i)} for i in (1, 2)]})
    assert _links(proj, v2, "posts_tags") == [(rid(10), rid(1)), (rid(10), rid(2))]

    # renamed_from on the field: the table and its target column are renamed, rows kept
    v3 = _schema(tmp_path, tag=TAG, post=TOPICS).tables
    assert next(t for t in v3 if t.name == "posts_topics").renamed_from == "posts_tags"
    ops = _step(proj, v3)
    assert any(isinstance(op, RenameTable) for op in ops)
    assert not any(isinstance(op, CreateTable | DropTable) for op in ops)
    assert _links(proj, v3, "posts_topics") == [(rid(10), rid(1)), (rid(10), rid(2))]
    assert proj.table_names() == {"posts", "tags", "posts_topics"}

    # removing it drops the table, which is refused without --allow-data-loss
    v4 = _schema(tmp_path, tag=TAG, post=POST).tables
    with pytest.raises(DataLossRefused) as refused:
        proj.plan(v4)
    (risk,) = refused.value.risks
    assert risk.startswith("table posts_topics: dropping it deletes all its rows")
    assert "links of many field `topics` of `post`" in risk and "`renamed_from: topics`" in risk
    ops = _step(proj, v4, allow_data_loss=True)
    assert [type(op).__name__ for op in ops] == ["DropTable"]
    assert proj.table_names() == {"posts", "tags"}
    proj.downgrade("-1")  # and back: the table returns (empty: a drop loses its rows)
    assert "posts_topics" in proj.table_names()
    proj.upgrade()
    proj.downgrade("base")
    assert proj.table_names() == set()


def test_links_go_with_either_row(tmp_path: Path, project: AlembicProject) -> None:
    proj = project
    tables = _schema(tmp_path, tag=TAG, post=TAGS).tables
    _step(proj, tables)
    proj.insert(tables, _rows(10) | {"posts": [{"id": rid(10), "user_id": rid(99), "title": "p"}]})
    proj.insert(tables, {"posts_tags": [{"post_id": rid(10), "tag_id": rid(i)} for i in (1, 2)]})
    md = tables_to_metadata(tables)
    with proj.engine.begin() as conn:
        if proj.engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        conn.execute(md.tables["tags"].delete().where(md.tables["tags"].c.id == rid(1)))
    assert _links(proj, tables, "posts_tags") == [(rid(10), rid(2))]


def test_composite_keys_and_self_relations_migrate(tmp_path: Path, project: AlembicProject) -> None:
    proj = project
    specs = {
        "document": DOCUMENT + "  related: many(document)\n",
        "profile": "entity: profile\nfields:\n  handle: text\n  follows: many(profile)\n",
    }
    tables = _schema(tmp_path, **specs).tables
    assert [t.name for t in tables][-2:] == ["documents_related", "profiles_follows"]
    _step(proj, tables)
    docs = [{"id": rid(i), "user_id": rid(99), "title": "d", "created_at": AT} for i in (1, 2)]
    profiles = [{"id": rid(i), "user_id": rid(99), "handle": f"h{i}"} for i in (3, 4)]
    link = {"document_id": rid(1), "document_created_at": AT}
    proj.insert(
        tables,
        {
            "documents": docs,
            "profiles": profiles,
            "documents_related": [link | {"related_id": rid(2), "related_created_at": AT}],
            "profiles_follows": [{"profile_id": rid(3), "follow_id": rid(4)}],
        },
    )
    proj.downgrade("-1")
    proj.upgrade()
    command.check(proj.config())


def test_renaming_the_source_entity_renames_its_link_tables(
    tmp_path: Path, project: AlembicProject
) -> None:
    proj = project
    v1 = _schema(tmp_path, tag=TAG, post=TAGS).tables
    _step(proj, v1)
    proj.insert(v1, _rows(10))
    proj.insert(v1, {"posts_tags": [{"post_id": rid(10), "tag_id": rid(1)}]})
    article = TAGS.replace("entity: post\n", "entity: article\nrenamed_from: post\n")
    v2 = _schema(tmp_path, tag=TAG, article=article).tables
    ops = _step(proj, v2)
    assert [op.new_name for op in ops if isinstance(op, RenameTable)] == [
        "articles",
        "articles_tags",
    ]
    assert proj.table_names() == {"articles", "tags", "articles_tags"}
    assert _links(proj, v2, "articles_tags") == [(rid(10), rid(1))]


CHAT = "entity: chat\nfields:\n  title: text\n"
MESSAGE = "entity: message\nowner: {through: chat}\nfields:\n  chat: {type: ref, to: chat, on_delete: cascade}\n  body: text\n"
VOTE = """entity: vote
owner: {through: chat}
fields:
  chat: {type: ref, to: chat, on_delete: cascade}
  message: {type: ref, to: message, on_delete: cascade}
  is_upvoted: bool
unique:
  - [chat, message]
"""
VOTED = CHAT + "  voted_messages: {type: many, to: message, via: vote}\n"


def test_a_via_field_adds_no_table_and_no_revision(tmp_path: Path, project: AlembicProject) -> None:
    """The links of `via: vote` are vote's rows: adding or removing the field changes no table."""
    proj = project
    v1 = _schema(tmp_path, chat=CHAT, message=MESSAGE, vote=VOTE).tables
    _step(proj, v1)
    with_field = _schema(tmp_path, chat=VOTED, message=MESSAGE, vote=VOTE)
    assert with_field.entity("chat").many[0].link_table == "votes"
    assert with_field.tables == v1 and with_field.link_tables == ()
    assert proj.plan(with_field.tables) is None
    # and removing it again plans nothing either (no --allow-data-loss needed)
    assert proj.plan(_schema(tmp_path, chat=CHAT, message=MESSAGE, vote=VOTE).tables) is None
    command.check(proj.config())


def _shop(tmp_path: Path, **specs: str) -> Path:
    """A project made by `scaffold init`, with these specs besides its user."""
    root = tmp_path / "shop"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    subprocess.run(
        [sys.executable, "-m", "scaffold", "init", str(root), "--package", "shop", "--defaults"],
        check=True,
        capture_output=True,
        env=env,
    )
    for name, text in specs.items():
        (root / "specs" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return root


def test_scaffold_check_stays_up_to_date_after_adding_a_via_field(tmp_path: Path) -> None:
    from scaffold import pipeline

    root = _shop(tmp_path, chat=CHAT, message=MESSAGE, vote=VOTE)
    fingerprint = root / ".scaffold" / "fingerprint"
    assert pipeline.generate(start=root) == 0
    versions = root / "migrations" / "versions"
    revisions = sorted(p.name for p in versions.glob("*.py"))
    fingerprint.unlink(missing_ok=True)  # no shortcut: check replans
    assert pipeline.check(start=root) == 0
    (root / "specs" / "chat.yaml").write_text(VOTED, encoding="utf-8")
    assert pipeline.generate(start=root) == 0
    assert sorted(p.name for p in versions.glob("*.py")) == revisions
    fingerprint.unlink(missing_ok=True)
    assert pipeline.check(start=root) == 0


def test_destroying_a_link_entity_is_refused_while_a_many_field_links_through_it(
    tmp_path: Path,
) -> None:
    from scaffold import pipeline
    from scaffold.errors import UsageError

    root = _shop(tmp_path, chat=VOTED, message=MESSAGE, vote=VOTE)
    with pytest.raises(UsageError, match="entity `vote` is referenced by chat"):
        pipeline.destroy_entity("vote", allow_data_loss=True, start=root)
    assert (root / "specs" / "vote.yaml").is_file()
