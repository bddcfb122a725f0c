"""Many-to-many fields (DESIGN §9.1): the `Many` and the link table the resolver builds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.ir.model import Schema

Resolve = Callable[..., Schema]

TAG = "entity: tag\nowner: user\nvisibility: public\nfields:\n  name: string(40)\n"
POST = """entity: post
owner: user
visibility: public
fields:
  title: string(200)
  tags: {type: many, to: tag, description: Topics of the post.}
list:
  filters: [tags]
"""
DOCUMENT = "entity: document\nprimary_key: [id, created_at]\nfields:\n  title: text\n"


def test_simple_link_table(resolve_specs: Resolve) -> None:
    schema = resolve_specs(tag=TAG, post=POST)
    post = schema.entity("post")
    (many,) = post.many
    assert many.field == "tags"
    assert (many.target, many.target_class, many.target_table) == ("tag", "Tag", "tags")
    assert (many.target_module, many.target_plural) == ("tags", "tags")
    assert many.link_table == "posts_tags"
    assert (many.source_columns, many.source_key) == (("post_id",), ("id",))
    assert (many.target_columns, many.target_key) == (("tag_id",), ("id",))
    assert many.target_py_types == ("uuid.UUID",)
    assert (many.ids_key, many.id_key, many.reverse) == ("tag_ids", "tag_id", "posts")
    assert many.max_links == 100
    assert many.filter and many.renamed_from is None

    link = schema.link_table("posts_tags")
    assert (link.entity, link.spec_path) == ("post", "specs/post.yaml")
    assert [c.name for c in link.columns] == ["post_id", "tag_id", "created_at"]
    assert [c.role for c in link.columns] == ["ref", "ref", "created_at"]
    assert [c.primary_key for c in link.columns] == [True, True, False]
    assert all(not c.nullable for c in link.columns)
    assert link.column("post_id").sa_type == post.table.column("id").sa_type
    assert link.column("tag_id").py_type == "uuid.UUID"
    # created_at is the very column timestamps give an entity table
    assert link.column("created_at") == schema.entity("tag").table.column("created_at")
    assert link.primary_key.name == "pk_posts_tags"
    assert link.primary_key.columns == ("post_id", "tag_id")
    fks = {fk.name: fk for fk in link.foreign_keys}
    assert set(fks) == {"fk_posts_tags_post_id_posts", "fk_posts_tags_tag_id_tags"}
    assert fks["fk_posts_tags_post_id_posts"].ref_table == "posts"
    assert fks["fk_posts_tags_tag_id_tags"].ref_columns == ("id",)
    assert {fk.on_delete for fk in link.foreign_keys} == {"CASCADE"}
    (index,) = link.indexes
    assert (index.name, index.columns, index.purpose) == (
        "ix_posts_tags_tag_id_post_id",
        ("tag_id", "post_id"),
        "fk",
    )
    assert not link.uniques and not link.checks and link.renamed_from is None


def test_a_many_field_is_no_column_field_or_filter_of_its_entity(resolve_specs: Resolve) -> None:
    schema = resolve_specs(tag=TAG, post=POST)
    post = schema.entity("post")
    assert [c.name for c in post.table.columns] == [
        "id",
        "user_id",
        "title",
        "created_at",
        "updated_at",
    ]
    assert [f.name for f in post.fields] == ["title"]
    assert post.refs == () and post.table.foreign_keys == ()
    assert post.listing.filters == ()


def test_link_tables_come_after_every_entity_table(resolve_specs: Resolve) -> None:
    schema = resolve_specs(tag=TAG, post=POST)
    # no order between post and tag comes from the many field: names decide
    assert [e.name for e in schema.entities] == ["post", "tag"]
    assert [t.name for t in schema.tables] == ["posts", "tags", "posts_tags"]
    assert schema.link_tables == (schema.link_table("posts_tags"),)


def test_self_relation(resolve_specs: Resolve) -> None:
    schema = resolve_specs(profile="entity: profile\nfields:\n  follows: many(profile)\n")
    (many,) = schema.entity("profile").many
    assert many.link_table == "profiles_follows"
    assert (many.source_columns, many.target_columns) == (("profile_id",), ("follow_id",))
    assert (many.ids_key, many.id_key, many.reverse) == ("follow_ids", "follow_id", "profiles")
    link = schema.link_table("profiles_follows")
    assert {fk.name: fk.ref_table for fk in link.foreign_keys} == {
        "fk_profiles_follows_profile_id_profiles": "profiles",
        "fk_profiles_follows_follow_id_profiles": "profiles",
    }
    assert link.indexes[0].columns == ("follow_id", "profile_id")


def test_composite_key_source_and_target(resolve_specs: Resolve) -> None:
    schema = resolve_specs(
        document=DOCUMENT + "  related: many(document)\n  reviewers: {type: many, to: reviewer}\n",
        reviewer="entity: reviewer\nfields:\n  name: text\n  sources: many(document)\n",
    )
    related, reviewers = schema.entity("document").many
    assert related.source_columns == ("document_id", "document_created_at")
    assert related.target_columns == ("related_id", "related_created_at")
    assert related.source_key == related.target_key == ("id", "created_at")
    assert related.target_py_types == ("uuid.UUID", "datetime.datetime")
    assert related.id_key == "related_id" and related.ids_key == "related_ids"
    link = schema.link_table("documents_related")
    assert link.primary_key.columns == (
        "document_id",
        "document_created_at",
        "related_id",
        "related_created_at",
    )
    assert link.column("related_created_at").sa_type == "sa.DateTime(timezone=True)"
    assert link.column("related_created_at").server_default is None
    assert link.column("related_created_at").role == "ref"
    fk = link.foreign_keys[1]
    assert fk.columns == ("related_id", "related_created_at")
    assert fk.ref_columns == ("id", "created_at")
    assert link.indexes[0].columns == (
        "related_id",
        "related_created_at",
        "document_id",
        "document_created_at",
    )
    assert reviewers.source_columns == ("document_id", "document_created_at")
    assert reviewers.target_columns == ("reviewer_id",)
    (sources,) = schema.entity("reviewer").many
    assert sources.source_columns == ("reviewer_id",)
    assert sources.target_columns == ("source_id", "source_created_at")
    assert sources.target_key == ("id", "created_at")


def test_filter_flag_only_when_listed(resolve_specs: Resolve) -> None:
    schema = resolve_specs(tag=TAG, post=POST.replace("list:\n  filters: [tags]\n", ""))
    assert not schema.entity("post").many[0].filter
    schema = resolve_specs(
        tag=TAG,
        post=POST.replace("filters: [tags]", "filters: [title, tags]"),
    )
    post = schema.entity("post")
    assert post.many[0].filter
    assert [f.name for f in post.listing.filters] == ["title"]


def test_max_links_is_the_targets_max_limit(resolve_specs: Resolve) -> None:
    schema = resolve_specs(tag=TAG + "list:\n  max_limit: 30\n", post=POST)
    assert schema.entity("post").many[0].max_links == 30


def test_reverse_segment_is_the_source_plural_unless_it_collides(resolve_specs: Resolve) -> None:
    schema = resolve_specs(
        tag=TAG + "  posts: many(post)\n",
        post=POST,
    )
    post_tags = schema.entity("post").many[0]
    tag_posts = schema.entity("tag").many[0]
    # GET /tags/{id}/posts is the tag's own many field: the reverse of post.tags moves aside
    assert post_tags.reverse == "posts_by_tags"
    assert tag_posts.reverse == "tags_by_posts"
    # two many fields of one source to one target: both are named by their field
    schema = resolve_specs(
        tag=TAG,
        post=POST.replace("  tags:", "  topics: many(tag)\n  tags:"),
    )
    assert [m.reverse for m in schema.entity("post").many] == [
        "posts_by_topics",
        "posts_by_tags",
    ]
    # a self-relation lists the sources by the source's plural
    schema = resolve_specs(tag=TAG, post=POST.replace("to: tag", "to: post"))
    assert schema.entity("post").many[0].reverse == "posts"


def test_renamed_many_field_renames_the_link_table_and_its_columns(
    resolve_specs: Resolve,
) -> None:
    schema = resolve_specs(
        tag=TAG, post=POST.replace("{type: many,", "{renamed_from: labels, type: many,")
    )
    link = schema.link_table("posts_tags")
    assert schema.entity("post").many[0].renamed_from == "labels"
    assert link.renamed_from == "posts_labels"
    assert link.column("tag_id").renamed_from == "label_id"
    assert link.column("post_id").renamed_from is None
    # a renamed source entity renames its link tables too
    schema = resolve_specs(
        tag=TAG, post=POST.replace("entity: post\n", "entity: post\nrenamed_from: article\n")
    )
    link = schema.link_table("posts_tags")
    assert link.renamed_from == "articles_tags"
    assert link.column("post_id").renamed_from == "article_id"


def test_json_round_trip_with_link_tables(resolve_specs: Resolve) -> None:
    from scaffold.ir.model import dump_tables, load_tables

    schema = resolve_specs(tag=TAG, post=POST, document=DOCUMENT + "  tags: many(tag)\n")
    assert Schema.from_json(schema.to_json()) == schema
    assert load_tables(dump_tables(schema.tables)) == schema.tables


Errors = Callable[..., list[str]]


def test_exchanged_names_of_a_many_field_must_be_free(spec_errors: Errors) -> None:
    errors = spec_errors(tag=TAG, post=POST.replace("  title:", "  tag_ids: text\n  title:"))
    assert any("specs/post.yaml:7:3" in e and "exchanged as `tag_ids`" in e for e in errors)
    errors = spec_errors(tag=TAG, post=POST.replace("  title:", "  tag: many(tag)\n  title:"))
    assert any("also the ids of many field `tag`" in e for e in errors), errors
    errors = spec_errors(
        tag=TAG,
        post=POST.replace("  title:", "  tag: ref(tag)\n  title:").replace("[tags]", "[tag, tags]"),
    )
    assert any(
        "specs/post.yaml:9:18" in e and "query parameter `tag_id`" in e for e in errors
    ), errors
    errors = spec_errors(tag=TAG, post=POST.replace("[tags]", "[tags, tags]"))
    assert any("filter `tags` is listed twice" in e for e in errors), errors


def test_link_table_names_collide_with_link_tables_too(spec_errors: Errors) -> None:
    errors = spec_errors(
        tag=TAG,
        post=POST.replace("  tags:", "  tags_top: many(tag)\n  tags:"),
        post_tag="entity: post_tag\ntable: posts_tags\nfields:\n  top: many(tag)\n",
    )
    # posts_tags is post_tag's table (reported at post.tags); posts_tags_top is taken twice
    assert any("also the table of entity `post_tag`" in e for e in errors), errors
    assert any(
        "link table `posts_tags_top`" in e and "also the link table of many field" in e
        for e in errors
    ), errors


def test_unknown_target_of_a_partly_loaded_project_is_not_reported(tmp_path: Path) -> None:
    from scaffold.errors import SpecErrors
    from scaffold.spec.load import load_specs

    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "post.yaml").write_text(POST)
    (folder / "tag.yaml").write_text("entity: tag\nfields:\n  name: strng\n")
    with pytest.raises(SpecErrors) as info:
        load_specs(sorted(folder.iterdir()), root=tmp_path)
    report = info.value.report()
    assert len(report) == 1 and "specs/tag.yaml" in report[0], report
