"""Spec models: short and long forms, strictness, "did you mean" on unknown keys."""

from __future__ import annotations

import pytest

from scaffold.errors import SpecErrors
from scaffold.spec.load import load_text
from scaffold.spec.shorthand import ShorthandError, expand


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("text", {"type": "text"}),
        ("string(120)", {"type": "string", "max_length": 120}),
        ("int?", {"type": "int", "required": False}),
        ("decimal(10,2)", {"type": "decimal", "precision": 10, "scale": 2}),
        ("decimal(8)", {"type": "decimal", "precision": 8}),
        ("enum(open, resolved)", {"type": "enum", "values": ["open", "resolved"]}),
        ("ref(task)?", {"type": "ref", "to": "task", "required": False}),
        ("many(tag)", {"type": "many", "to": "tag"}),
        (" date ? ", {"type": "date", "required": False}),
    ],
)
def test_short_forms_expand(text: str, expected: dict[str, object]) -> None:
    assert expand(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("strin(12)", "did you mean `string`?"),
        ("integer", "write `int`"),
        ("text(5)", "takes no arguments"),
        ("string(1,2)", "takes one length"),
        ("ref()", "names one entity"),
        ("many()", "write `many(tag)`"),
        ("many(a,b)", "names one entity"),
        ("m2m(tag)", "write `many`"),
        ("string(-1)", "whole number"),
        ("a b", "cannot read"),
    ],
)
def test_bad_short_forms_say_what_to_write(text: str, fragment: str) -> None:
    with pytest.raises(ShorthandError) as info:
        expand(text)
    assert fragment in f"{info.value.message} {info.value.hint}"


def test_long_and_short_forms_give_the_same_model() -> None:
    short = load_text("entity: task\nfields:\n  title: string(80)?\n", "task.yaml")
    long = load_text(
        "entity: task\nfields:\n  title: {type: string, max_length: 80, required: false}\n",
        "task.yaml",
    )
    assert short.spec.fields == long.spec.fields


def test_every_key_of_the_design_example_is_accepted() -> None:
    text = """
entity: comment
plural: comments
table: comments
description: A comment left on a task.
owner: user
visibility: private
timestamps: true
soft_delete: true
versioned: true
fields:
  body:   {type: text, min_length: 1, max_length: 5000}
  task:   {type: ref, to: task, on_delete: cascade}
  status: {type: enum, values: [open, resolved], default: open}
  rating: {type: int, min: 1, max: 5, required: false}
  title:  string(120)
indexes:
  - [task, created_at]
  - {fields: [status], where: {status: open}}
unique:
  - [task, title]
list:
  order: [-created_at, -id]
  default_limit: 20
  max_limit: 100
  filters: [status, task]
api: true
renamed_from: remark
primary_key: id
"""
    spec = load_text(text, "comment.yaml").spec
    assert spec.owner.kind == "user"
    assert spec.primary_key == ["id"]
    assert spec.indexes[0].fields == ["task", "created_at"]
    assert spec.indexes[1].where == {"status": "open"}
    assert spec.listing.order == ["-created_at", "-id"]
    assert spec.fields["status"].has_default
    assert not spec.fields["rating"].has_default


@pytest.mark.parametrize(
    ("owner", "kind", "through"),
    [("user", "user", None), ("none", "none", None), ("{through: chat}", "through", "chat")],
)
def test_owner_forms(owner: str, kind: str, through: str | None) -> None:
    spec = load_text(f"entity: message\nowner: {owner}\n", "message.yaml").spec
    assert (spec.owner.kind, spec.owner.through) == (kind, through)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("entity: task\nfields:\n  title: {type: text, lenght: 3}\n", "write `max_length`"),
        ("entity: task\nlist:\n  oder: [-id]\n", "did you mean `order`?"),
        ("entity: task\nindexes:\n  - {fields: [a], were: {a: 1}}\n", "did you mean `where`?"),
        ("entity: task\nowner: {through: a, via: b}\n", "unknown key `via` in `owner`"),
        ("entity: task\nfields:\n  n: {type: int, min: [1]}\n", "wrong type"),
        ("entity: task\nfields:\n  n: {type: int, unique: 1}\n", "must be `true` or `false`"),
        ("entity: 5\n", "`entity` must be text"),
        ("entity: task\nfields:\n  n:\n", "a field needs a type"),
        ("entity: task\nfields: [a, b]\n", "`fields` must be a mapping"),
    ],
)
def test_shape_errors_are_plain_words(text: str, fragment: str) -> None:
    with pytest.raises(SpecErrors) as info:
        load_text(text, "task.yaml")
    report = "\n".join(info.value.report())
    assert fragment in report
    assert report.startswith("task.yaml:")


def test_via_is_a_field_key() -> None:
    text = "entity: chat\nfields:\n  voted_messages: {type: many, to: message, via: vote}\n"
    field = load_text(text, "chat.yaml").spec.fields["voted_messages"]
    assert (field.type, field.to, field.via) == ("many", "message", "vote")
    assert (
        load_text("entity: tag\nfields:\n  posts: many(post)\n", "tag.yaml")
        .spec.fields["posts"]
        .via
        is None
    )
    with pytest.raises(SpecErrors) as info:
        load_text(text.replace("via:", "vai:"), "chat.yaml")
    assert "did you mean `via`?" in info.value.report()[0]
    with pytest.raises(SpecErrors) as info:
        load_text(text.replace("via: vote", "via: [vote]"), "chat.yaml")
    assert info.value.report()[0].startswith("chat.yaml:3:")


def test_unknown_key_hint_lists_what_is_allowed() -> None:
    with pytest.raises(SpecErrors) as info:
        load_text("entity: task\nzzz: 1\n", "task.yaml")
    assert "allowed: entity, plural" in info.value.report()[0]
