"""Many fields through an explicit link entity (`via`): the `Many` is read off the link entity's
refs, and no link table is added (docs/spec-language.md, "Explicit link entities")."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.errors import SpecErrors
from scaffold.ir.model import Schema, dump_tables, load_tables
from scaffold.spec.load import load_specs

Resolve = Callable[..., Schema]
Errors = Callable[..., list[str]]

CHAT = "entity: chat\nvisibility: public\nfields:\n  title: text\n"
VOTED = CHAT + "  voted_messages: {type: many, to: message, via: vote}\n"
MESSAGE = """entity: message
owner: {through: chat}
fields:
  chat: {type: ref, to: chat, on_delete: cascade}
  body: text
list:
  max_limit: 40
"""
VOTE = """entity: vote
owner: {through: chat}
fields:
  chat: {type: ref, to: chat, on_delete: cascade}
  message: {type: ref, to: message, on_delete: cascade}
  is_upvoted: bool
unique:
  - [chat, message]
"""
DOCUMENT = "entity: document\nprimary_key: [id, created_at]\nfields:\n  title: text\n"


def test_the_links_are_the_rows_of_the_link_entity(resolve_specs: Resolve) -> None:
    schema = resolve_specs(chat=VOTED, message=MESSAGE, vote=VOTE)
    (many,) = schema.entity("chat").many
    assert (many.field, many.target, many.target_class, many.target_table) == (
        "voted_messages",
        "message",
        "Message",
        "messages",
    )
    assert (many.target_module, many.target_plural) == ("messages", "messages")
    assert (many.via, many.via_class, many.via_module) == ("vote", "Vote", "votes")
    assert many.link_table == "votes" == schema.entity("vote").table.name
    assert (many.source_columns, many.source_key) == (("chat_id",), ("id",))
    assert (many.target_columns, many.target_key) == (("message_id",), ("id",))
    assert many.target_py_types == ("uuid.UUID",)
    assert (many.ids_key, many.id_key, many.reverse) == (
        "voted_message_ids",
        "voted_message_id",
        "chats",
    )
    assert many.max_links == 40
    assert not many.filter and many.renamed_from is None


def test_a_via_field_adds_no_table_column_or_order(resolve_specs: Resolve) -> None:
    plain = resolve_specs(chat=CHAT, message=MESSAGE, vote=VOTE)
    schema = resolve_specs(chat=VOTED, message=MESSAGE, vote=VOTE)
    assert schema.link_tables == ()
    assert schema.tables == plain.tables
    assert [e.name for e in schema.entities] == [e.name for e in plain.entities]
    assert [e.name for e in schema.entities] == ["chat", "message", "vote"]
    chat = schema.entity("chat")
    assert [f.name for f in chat.fields] == ["title"]
    assert chat.listing.filters == ()
    with pytest.raises(KeyError):
        schema.link_table("votes")
    assert Schema.from_json(schema.to_json()) == schema
    assert load_tables(dump_tables(schema.tables)) == schema.tables


def test_optional_refs_of_the_link_entity_do_not_count(resolve_specs: Resolve) -> None:
    vote = VOTE.replace(
        "  is_upvoted: bool\n",
        "  is_upvoted: bool\n  reply: {type: ref, to: message, required: false, on_delete: set_null}\n"
        "  other_chat: {type: ref, to: chat, required: false, on_delete: set_null}\n",
    )
    many = resolve_specs(chat=VOTED, message=MESSAGE, vote=vote).entity("chat").many[0]
    assert (many.source_columns, many.target_columns) == (("chat_id",), ("message_id",))


def test_a_filter_and_a_reverse_listing_as_for_link_tables(resolve_specs: Resolve) -> None:
    chat = VOTED + "list:\n  filters: [voted_messages]\n"
    message = MESSAGE + "  filters: []\n"
    many = resolve_specs(chat=chat, message=message, vote=VOTE).entity("chat").many[0]
    assert many.filter and many.id_key == "voted_message_id"
    # a many field `chats` of message takes GET /messages/{id}/chats: the reverse moves aside
    message = MESSAGE.replace("  body: text\n", "  body: text\n  chats: many(chat)\n")
    schema = resolve_specs(chat=VOTED, message=message, vote=VOTE)
    assert schema.entity("chat").many[0].reverse == "chats_by_voted_messages"
    assert [t.name for t in schema.link_tables] == ["messages_chats"]


def test_composite_keys_link_through_the_refs_columns(resolve_specs: Resolve) -> None:
    review = """entity: review
fields:
  reviewer: {type: ref, to: reviewer, on_delete: cascade}
  document: {type: ref, to: document, on_delete: cascade}
  verdict: text
"""
    schema = resolve_specs(
        document=DOCUMENT + "  reviewers: {type: many, to: reviewer, via: review}\n",
        reviewer="entity: reviewer\nfields:\n  name: text\n",
        review=review,
    )
    many = schema.entity("document").many[0]
    assert many.link_table == "reviews"
    assert many.source_columns == ("document_id", "document_created_at")
    assert many.source_key == ("id", "created_at")
    assert (many.target_columns, many.target_key) == (("reviewer_id",), ("id",))
    # the other way round: the target's key is composite
    schema = resolve_specs(
        document=DOCUMENT,
        reviewer="entity: reviewer\nfields:\n  name: text\n"
        "  documents: {type: many, to: document, via: review}\n",
        review=review,
    )
    many = schema.entity("reviewer").many[0]
    assert many.target_columns == ("document_id", "document_created_at")
    assert many.target_key == ("id", "created_at")
    assert many.target_py_types == ("uuid.UUID", "datetime.datetime")
    assert (many.ids_key, many.id_key) == ("document_ids", "document_id")


PROFILE = (
    "entity: profile\nfields:\n  handle: text\n  follows: {type: many, to: profile, via: follow}\n"
)


def test_self_relation_source_side_is_the_ref_named_like_the_entity(
    resolve_specs: Resolve,
) -> None:
    follow = """entity: follow
fields:
  followed: {type: ref, to: profile, on_delete: cascade}
  profile: {type: ref, to: profile, on_delete: cascade}
"""
    many = resolve_specs(profile=PROFILE, follow=follow).entity("profile").many[0]
    assert (many.source_columns, many.target_columns) == (("profile_id",), ("followed_id",))
    assert (many.ids_key, many.id_key, many.reverse) == ("follow_ids", "follow_id", "profiles")
    # without a ref named `profile`, the first ref in spec order is the source side
    follow = follow.replace("  profile:", "  follower:")
    many = resolve_specs(profile=PROFILE, follow=follow).entity("profile").many[0]
    assert (many.source_columns, many.target_columns) == (("followed_id",), ("follower_id",))


def test_errors_of_the_link_entity_itself_are_not_echoed(spec_errors: Errors) -> None:
    errors = spec_errors(
        chat=VOTED, message=MESSAGE, vote=VOTE.replace("is_upvoted: bool", "is_upvoted: boool")
    )
    assert len(errors) == 1 and "specs/vote.yaml" in errors[0], errors
    errors = spec_errors(chat=VOTED, message=MESSAGE, vote=VOTE.replace("to: chat,", "to: chatt,"))
    assert all("specs/vote.yaml" in e for e in errors), errors


def test_a_link_entity_whose_file_failed_to_load_is_not_unknown(tmp_path: Path) -> None:
    folder = tmp_path / "specs"
    folder.mkdir()
    for name, text in (("chat", VOTED), ("message", MESSAGE), ("vote", "entity: vote\nfields: [")):
        (folder / f"{name}.yaml").write_text(text)
    with pytest.raises(SpecErrors) as info:
        load_specs(sorted(folder.iterdir()), root=tmp_path)
    report = info.value.report()
    assert report and all("specs/vote.yaml" in e for e in report), report


def test_two_fields_through_one_link_entity(spec_errors: Errors) -> None:
    chat = VOTED + "  liked_messages: {type: many, to: message, via: vote}\n"
    errors = spec_errors(chat=chat, message=MESSAGE, vote=VOTE)
    assert len(errors) == 1, errors
    assert "specs/chat.yaml:6:45" in errors[0]
    assert "`vote` is already the link entity of many field `voted_messages`" in errors[0]
    assert "link through another entity" in errors[0]


def test_exchanged_names_of_a_via_field_must_be_free(spec_errors: Errors) -> None:
    chat = VOTED.replace("  title: text\n", "  title: text\n  voted_message_ids: json\n")
    errors = spec_errors(chat=chat, message=MESSAGE, vote=VOTE)
    assert any("exchanged as `voted_message_ids`" in e for e in errors), errors


def test_via_on_a_field_that_is_not_many(spec_errors: Errors) -> None:
    chat = CHAT + "  best: {type: ref, to: message, via: vote, required: false}\n"
    chat += "  note: {type: text, via: vote}\n"
    errors = spec_errors(chat=chat, message=MESSAGE, vote=VOTE)
    assert any(
        "specs/chat.yaml:5:34" in e
        and "`via` of `best` does not apply to a `ref` field" in e
        and "write {type: many, to: message, via: vote}" in e
        for e in errors
    ), errors
    assert any(
        "`via` of `note` does not apply to a `text` field" in e
        and "write {type: many, to: <entity>, via: vote}" in e
        for e in errors
    ), errors
