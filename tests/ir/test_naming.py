"""Names: the constraint convention, the 63-character limit, classes and plurals."""

from __future__ import annotations

from typing import Any

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


def test_plural_names_are_singularized_on_their_last_word() -> None:
    assert naming.singular("comments") == "comment"
    assert naming.singular("people") == "person"
    assert naming.singular("shelf_items") == "shelf_item"
    assert naming.singular("order_statuses") == "order_status"
    assert naming.singular("addresses") == "address"
    assert naming.singular("categories") == "category"
    assert naming.singular("children") == "child"
    assert naming.singular("indices") == "index"  # an exception: inflect says `indice`


def test_singular_words_that_end_in_s_are_left_alone() -> None:
    for word in ("status", "address", "bus", "class", "analysis", "canvas", "campus", "lens"):
        assert naming.singular(word) == word, word
    for word in ("news", "series", "species", "sheep", "data", "media", "kudos", "sms"):
        assert naming.singular(word) == word, word
    assert naming.singular("comment") == "comment"
    assert naming.singular("order_status") == "order_status"


def test_no_plural_is_inflected_twice() -> None:
    """A name that is already plural or uncountable is its own plural (specs written by hand)."""
    for word in ("news", "series", "species", "data", "metadata", "media", "sheep", "kudos"):
        assert naming.plural(word) == word, word
    assert naming.plural("comments") == "comments"
    assert naming.plural("people") == "people"
    assert naming.plural("statuses") == "statuses"
    assert naming.plural("shelf_items") == "shelf_items"
    assert naming.plural("address") == "addresses"
    assert naming.plural("analysis") == "analyses"
    assert naming.plural("bus") == "buses"
    assert naming.plural("order_status") == "order_statuses"


def test_the_exceptions_are_ones_inflect_gets_wrong() -> None:
    """Every word of the exception lists disagrees with inflect: the lists hold nothing else."""
    engine: Any = naming._inflect_engine()
    for word in naming.UNCOUNTABLE:
        plural, single = engine.plural_noun(word), engine.singular_noun(word)
        assert plural != word or single not in (False, word), word
    for word, single in naming.IRREGULAR_SINGULAR.items():
        assert engine.singular_noun(word) != single, word
