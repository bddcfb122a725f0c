"""The example specs resolve into the reference schemas of DESIGN §8, the same way every time."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

from scaffold.ir.model import Schema, dump_tables, load_tables, plain

from .conftest import REPO, example_schema

SRC = REPO / "src"


def test_examples_resolve_with_referenced_entities_first() -> None:
    schema = example_schema()
    names = [e.name for e in schema.entities]
    assert names == [
        "chat",
        "document",
        "label",
        "message",
        "suggestion",
        "task",
        "comment",
        "user",
        "vote",
    ]
    for entity in schema.entities:
        for ref in entity.refs:
            assert names.index(ref.target) <= names.index(entity.name)


def test_json_round_trip_and_determinism() -> None:
    schema = example_schema()
    text = schema.to_json()
    assert Schema.from_json(text) == schema
    assert Schema.from_json(text).to_json() == text
    assert example_schema().to_json() == text
    assert load_tables(dump_tables(schema.tables)) == schema.tables


def test_snapshot_text_is_the_same_with_or_without_a_previous_snapshot() -> None:
    """Unchanged tables' text comes from the previous snapshot: the result must not depend on it."""
    tables = example_schema().tables
    whole = dump_tables(tables)
    assert whole == json.dumps(json.loads(whole), indent=2, sort_keys=True) + "\n"
    assert dump_tables(tables, previous=whole) == whole
    changed = (*tables[:2], dataclasses.replace(tables[2], name="renamed"), *tables[3:])
    fresh = dump_tables(changed)
    assert dump_tables(changed, previous=whole) == fresh
    assert dump_tables(tables[1:], previous=whole) == dump_tables(tables[1:])
    # a previous snapshot in another layout (re-indented by hand) is simply not reused
    other = json.dumps(json.loads(whole), indent=4)
    assert dump_tables(tables, previous=other) == whole
    # a previous table whose data differs under the same name is not reused
    edited = whole.replace('"nullable": false', '"nullable": true', 1)
    assert dump_tables(tables, previous=edited) == whole
    assert load_tables(whole, [(plain(t), t) for t in tables]) == tables


def test_same_ir_under_other_hash_seeds() -> None:
    code = (
        "from pathlib import Path; import sys\n"
        "from scaffold.spec.load import load_specs\n"
        "from scaffold.ir.resolve import resolve\n"
        f"root = Path({str(REPO)!r})\n"
        "files = sorted((root / 'specs').glob('*.yaml'))\n"
        "sys.stdout.write(resolve(load_specs(files, root=root)).to_json())\n"
    )
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(SRC)}
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        outputs.add(out.stdout)
    assert outputs == {example_schema().to_json()}


def test_user_is_shared_with_a_secret_optional_password() -> None:
    user = example_schema().entity("user")
    assert user.table.name == "users"
    assert user.owner.kind == "none"
    assert [c.name for c in user.table.columns] == [
        "id",
        "email",
        "password",
        "created_at",
        "updated_at",
    ]
    email = user.field("email")
    assert (email.unique, email.max_length) == (True, 64)
    assert user.table.column("email").sa_type == "sa.String(64)"
    password = user.field("password")
    assert password.secret and not password.in_read and password.nullable
    assert (password.min_length, password.max_length) == (8, 128)
    assert user.table.uniques[0].name == "uq_users_email"


def test_chat_has_an_owner_column_without_a_foreign_key_and_per_row_visibility() -> None:
    chat = example_schema().entity("chat")
    user_id = chat.table.column("user_id")
    assert (user_id.role, user_id.sa_type, user_id.nullable) == ("owner", "sa.Uuid()", False)
    assert chat.table.foreign_keys == ()
    assert ("user_id",) in [i.columns for i in chat.table.indexes]
    visibility = chat.table.column("visibility")
    assert visibility.enum_values == ("private", "public")
    assert visibility.server_default == "sa.text(\"'private'\")"
    assert "ck_chats_visibility_enum" in [c.name for c in chat.table.checks]
    assert chat.owner.visibility_table == "chats"
    last_context = chat.table.column("last_context")
    assert last_context.nullable and "JSONB" in last_context.sa_type
    assert chat.table.needs_postgresql_types


def test_message_is_owned_through_its_chat() -> None:
    schema = example_schema()
    message = schema.entity("message")
    assert message.owner.kind == "through"
    assert message.owner.column is None
    assert [h.ref for h in message.owner.chain] == ["chat"]
    assert (message.owner.root_entity, message.owner.root_column) == ("chat", "user_id")
    assert message.owner.visibility == "per_row"
    chat_ref = message.refs[0]
    assert chat_ref.owner_through and chat_ref.on_delete == "CASCADE"
    field = message.field("chat")
    assert field.in_create and not field.in_update
    assert "user_id" not in [c.name for c in message.table.columns]


def test_chat_lists_its_voted_messages_through_vote() -> None:
    """The reference schema's vote: an ordinary entity whose rows are the links of a many field
    of chat; its own table holds them, so the only link table is the task's labels."""
    schema = example_schema()
    vote = schema.entity("vote")
    assert vote.owner.kind == "through" and [h.ref for h in vote.owner.chain] == ["chat"]
    assert [f.name for f in vote.fields] == ["chat", "message", "is_upvoted"]
    assert [u.columns for u in vote.table.uniques] == [("chat_id", "message_id")]
    (many,) = schema.entity("chat").many
    assert (many.field, many.target, many.via, many.via_class, many.via_module) == (
        "voted_messages",
        "message",
        "vote",
        "Vote",
        "votes",
    )
    assert many.link_table == "votes"
    assert (many.source_columns, many.source_key) == (("chat_id",), ("id",))
    assert (many.target_columns, many.target_key) == (("message_id",), ("id",))
    assert (many.ids_key, many.id_key, many.reverse) == (
        "voted_message_ids",
        "voted_message_id",
        "chats",
    )
    assert [t.name for t in schema.link_tables] == ["tasks_labels"]
    # link tables after every entity's, then the audit log's (task and user are audited)
    assert [t.name for t in schema.tables][-3:] == ["votes", "tasks_labels", "audit_events"]


def test_document_composite_key_and_suggestion_composite_ref() -> None:
    schema = example_schema()
    document = schema.entity("document")
    assert document.primary_key == ("id", "created_at")
    assert not document.default_pk
    assert document.table.primary_key.columns == ("id", "created_at")
    assert [o.column for o in document.listing.order] == ["created_at", "id"]
    suggestion = schema.entity("suggestion")
    ref = suggestion.refs[0]
    assert ref.columns == ("document_id", "document_created_at")
    assert ref.target_columns == ("id", "created_at")
    fk = suggestion.table.foreign_keys[0]
    assert fk.name == "fk_suggestions_document_id_document_created_at_documents"
    assert suggestion.table.column("document_created_at").sa_type == "sa.DateTime(timezone=True)"
    resolved = suggestion.table.column("is_resolved")
    assert (resolved.server_default, resolved.default) == ("sa.false()", False)
    assert not suggestion.field("is_resolved").required


def test_comment_keyset_index_and_soft_delete() -> None:
    comment = example_schema().entity("comment")
    assert comment.soft_delete and comment.table.column("deleted_at").nullable
    assert comment.listing.keyset_index == "ix_comments_user_id_created_at_id"
    indexes = {i.name: i for i in comment.table.indexes}
    assert indexes["ix_comments_user_id_created_at_id"].columns == ("user_id", "created_at", "id")
    assert indexes["ix_comments_task_id"].purpose == "fk"
    assert [f.name for f in comment.listing.filters] == ["task_id"]
    assert (comment.listing.default_limit, comment.listing.max_limit) == (20, 100)
    assert comment.route == "/comments" and comment.module == "comments"


def test_validate_cli_passes_on_the_examples(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run(
        [sys.executable, "-m", "scaffold", "validate", "specs/"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    assert "9 spec(s) valid" in out.stdout


GOLDEN = Path(__file__).resolve().parent / "golden" / "examples.json"


def test_examples_ir_matches_the_golden_file() -> None:
    """The IR of the examples is a contract (templates, migrations): changes must be deliberate.

    Refresh with `SCAFFOLD_UPDATE_GOLDEN=1 pytest tests/ir/test_examples.py`.
    """
    text = example_schema().to_json()
    if os.environ.get("SCAFFOLD_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(text, encoding="utf-8")
    assert GOLDEN.read_text(encoding="utf-8") == text
