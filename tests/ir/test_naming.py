"""Names: the constraint convention, the 63-character limit, classes and plurals."""

from __future__ import annotations

from scaffold.ir import naming


def test_convention() -> None:
    assert naming.pk_name("tasks") == "pk_tasks"
    assert naming.fk_name("comments", ["task_id"], "tasks") == "fk_comments_task_id_tasks"
    assert naming.uq_name("users", ["email"]) == "uq_users_email"
    assert naming.ix_name("comments", ["user_id", "created_at", "id"]) == (
        "ix_comments_user_id_created_at_id"
    )
    assert naming.ck_name("tasks", "title", "max_length") == "ck_tasks_title_max_length"


def test_long_names_are_cut_deterministically_with_a_hash() -> None:
    long = "ix_" + "a" * 80
    cut = naming.limit_name(long)
    assert len(cut) == 63
    assert cut == naming.limit_name(long)
    assert cut.startswith("ix_aaaa") and cut[-9] == "_"
    other = naming.limit_name("ix_" + "a" * 79 + "b")
    assert other != cut and len(other) == 63
    assert naming.limit_name("x" * 63) == "x" * 63


def test_class_names_and_plurals() -> None:
    assert naming.class_name("shelf_item") == "ShelfItem"
    assert naming.class_name("user") == "User"
    assert naming.plural("shelf_item") == "shelf_items"
    assert naming.plural("shelf") == "shelves"
    assert naming.plural("category") == "categories"
    assert naming.plural("person") == "people"
    assert naming.plural("status") == "statuses"


def test_user_entity_is_fine_but_user_column_is_reserved() -> None:
    assert "user" in naming.SQL_RESERVED
    assert "user" not in naming.RESERVED_ENTITY_NAMES
    assert "users" not in naming.SQL_RESERVED
