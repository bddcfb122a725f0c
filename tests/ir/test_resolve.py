"""Resolver decisions (docs/spec-language.md), one rule a test."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scaffold.ir.model import Schema

Resolve = Callable[..., Schema]
Errors = Callable[..., list[str]]

TASK = "entity: task\nfields:\n  title: text\n"


def test_column_types_and_checks(resolve_specs: Resolve) -> None:
    schema = resolve_specs(
        thing="""entity: thing
fields:
  name: {type: string, max_length: 40, min_length: 2}
  body: text
  email: email
  site: url
  secret_word: password
  meta: {type: json, default: {a: 1}}
  price: {type: decimal, precision: 8, scale: 2, min: '0.01', default: '1.50'}
  count: {type: int, min: 0, max: 10, default: 5}
  big: bigint
  ratio: {type: float, max: 1}
  on_sale: {type: bool, default: true}
  day: {type: date, default: '2024-01-31'}
  at: datetime?
  ext: uuid
  status: {type: enum, values: [open, "done"], default: open}
""",
    )
    t = schema.entity("thing").table
    types = {c.name: c.sa_type for c in t.columns}
    assert types["name"] == "sa.String(40)"
    assert types["body"] == "sa.Text()"
    assert types["email"] == "sa.String(320)"
    assert types["site"] == "sa.String(2048)"
    assert types["secret_word"] == "sa.String(255)"
    assert types["price"] == "sa.Numeric(8, 2)"
    assert types["big"] == "sa.BigInteger()"
    assert types["status"] == "sa.String(64)"
    checks = {c.name: c.sqltext for c in t.checks}
    assert checks["ck_things_name_max_length"] == "length(name) <= 40"
    assert checks["ck_things_name_min_length"] == "length(name) >= 2"
    assert checks["ck_things_price_min"] == "price >= 0.01"
    assert checks["ck_things_count_min"] == "count >= 0"
    assert checks["ck_things_count_max"] == "count <= 10"
    assert checks["ck_things_ratio_max"] == "ratio <= 1.0"
    assert checks["ck_things_status_enum"] == "status IN ('open', 'done')"
    assert "ck_things_body_max_length" not in checks
    defaults = {c.name: (c.default, c.server_default) for c in t.columns if c.has_default}
    assert defaults["meta"] == ({"a": 1}, 'sa.text("\'{\\"a\\":1}\'")')
    assert defaults["price"] == ("1.50", 'sa.text("1.50")')
    assert defaults["count"] == (5, 'sa.text("5")')
    assert defaults["on_sale"] == (True, "sa.true()")
    assert defaults["day"] == ("2024-01-31", "sa.text(\"'2024-01-31'\")")
    assert defaults["status"] == ("open", "sa.text(\"'open'\")")
    entity = schema.entity("thing")
    assert entity.field("price").py_type == "decimal.Decimal"
    assert entity.field("price").min == "0.01"
    assert entity.field("meta").py_type == "Any"
    assert entity.field("at").py_type == "datetime.datetime"
    assert entity.field("at").nullable and not entity.field("at").required
    assert entity.field("count").has_default and not entity.field("count").required
    assert not entity.field("secret_word").in_read


def test_quotes_in_defaults_are_escaped(resolve_specs: Resolve) -> None:
    schema = resolve_specs(
        thing='entity: thing\nfields:\n  motto: {type: text, default: "it\'s"}\n'
    )
    col = schema.entity("thing").table.column("motto")
    assert col.server_default == "sa.text(\"'it''s'\")"


def test_immutable_and_secret_fields(resolve_specs: Resolve) -> None:
    schema = resolve_specs(
        thing="entity: thing\nfields:\n  code: {type: string, immutable: true}\n"
        "  token: {type: string, secret: true}\n"
    )
    entity = schema.entity("thing")
    assert not entity.field("code").in_update and entity.field("code").in_create
    assert not entity.field("token").in_read


def test_ref_defaults_to_restrict_and_optional_ref_can_set_null(resolve_specs: Resolve) -> None:
    schema = resolve_specs(
        task=TASK,
        note="entity: note\nfields:\n  task: ref(task)\n"
        "  other: {type: ref, to: task, required: false, on_delete: set_null}\n",
    )
    note = schema.entity("note")
    assert [r.on_delete for r in note.refs] == ["RESTRICT", "SET NULL"]
    assert note.table.column("other_id").nullable
    assert [i.purpose for i in note.table.indexes if i.columns == ("task_id",)] == ["fk"]


def test_self_ref_is_allowed(resolve_specs: Resolve) -> None:
    schema = resolve_specs(node="entity: node\nfields:\n  parent: ref(node)?\n")
    assert schema.entity("node").refs[0].target_table == "nodes"


def test_ownership_chain_is_followed(resolve_specs: Resolve) -> None:
    schema = resolve_specs(
        board="entity: board\nvisibility: public\nfields:\n  title: text\n",
        column_list="entity: column_list\nowner: {through: board}\nfields:\n  board: ref(board)\n",
        card="entity: card\nowner: {through: lane}\nfields:\n  lane: ref(column_list)\n",
    )
    card = schema.entity("card")
    assert [h.target for h in card.owner.chain] == ["column_list", "board"]
    assert card.owner.root_table == "boards"
    assert card.owner.visibility == "public"
    assert [e.name for e in schema.entities] == ["board", "column_list", "card"]


def test_keyset_order_rules(resolve_specs: Resolve, spec_errors: Errors) -> None:
    schema = resolve_specs(
        thing="entity: thing\ntimestamps: false\nfields:\n  code: {type: string, unique: true}\n"
        "list:\n  order: [code]\n"
    )
    thing = schema.entity("thing")
    assert [(k.column, k.descending) for k in thing.listing.order] == [("code", False)]
    assert thing.listing.keyset_index == "ix_things_user_id_code"
    plain = resolve_specs(thing="entity: thing\ntimestamps: false\nowner: none\n").entity("thing")
    assert [(k.column, k.descending) for k in plain.listing.order] == [("id", True)]
    assert plain.listing.keyset_index == "pk_things"
    assert plain.table.indexes == ()
    errors = spec_errors(thing="entity: thing\nfields:\n  n: int\nlist:\n  order: [n, n]\n")
    assert "twice" in errors[0]


def test_keyset_order_accepts_ref_names_and_columns(resolve_specs: Resolve) -> None:
    for key in ("task", "task_id"):
        schema = resolve_specs(
            task=TASK,
            note=f"entity: note\nfields:\n  task: ref(task)\nlist:\n  order: [{key}, -id]\n",
        )
        assert schema.entity("note").listing.order[0].column == "task_id"


def test_indexes_are_not_duplicated(resolve_specs: Resolve) -> None:
    schema = resolve_specs(
        task=TASK,
        note="entity: note\nfields:\n  task: {type: ref, to: task, index: true}\n"
        "  code: {type: string, unique: true, index: true}\n"
        "indexes:\n  - [task]\n  - {fields: [code], where: {code: x}}\n  - [user_id]\n",
    )
    table = schema.entity("note").table
    assert [(i.columns, i.purpose) for i in table.indexes if i.where is None] == [
        (("task_id",), "field"),
        (("user_id",), "owner"),
        (("user_id", "created_at", "id"), "keyset"),
    ]
    plain = [i for i in table.indexes if i.where is None]
    assert len({i.columns for i in plain}) == len(plain)
    assert ("code",) not in [i.columns for i in plain]  # the unique constraint indexes it
    partial = next(i for i in table.indexes if i.where)
    assert (partial.name, partial.where) == ("ix_notes_code_where_code", "code = 'x'")


def test_partial_unique_index_with_soft_delete(resolve_specs: Resolve) -> None:
    schema = resolve_specs(
        tag="entity: tag\nsoft_delete: true\nfields:\n  label: string(40)\n"
        "indexes:\n  - {fields: [label], unique: true, where: {deleted_at: null}}\n"
    )
    index = next(i for i in schema.entity("tag").table.indexes if i.purpose == "spec")
    assert index.unique and index.where == "deleted_at IS NULL"


def test_unique_sets_and_filters(resolve_specs: Resolve) -> None:
    schema = resolve_specs(
        task=TASK,
        note="entity: note\nvisibility: per_row\nfields:\n  task: ref(task)\n  title: text\n"
        "  kind: enum(a,b)\n  code: string(3)\nunique:\n  - [task, title]\n  - [kind, code]\n"
        "list:\n  filters: [task_id, kind, visibility]\n",
    )
    note = schema.entity("note")
    assert [u.name for u in note.table.uniques] == ["uq_notes_task_id_title", "uq_notes_kind_code"]
    assert [(f.name, f.kind) for f in note.listing.filters] == [
        ("task_id", "uuid"),
        ("kind", "enum"),
        ("visibility", "enum"),
    ]
    assert note.listing.filters[1].enum_values == ("a", "b")


def test_versioned_and_renames(resolve_specs: Resolve) -> None:
    schema = resolve_specs(
        task=TASK,
        note="entity: note\nrenamed_from: memo\nversioned: true\nfields:\n"
        "  body: {type: text, renamed_from: text_body}\n"
        "  task: {type: ref, to: task, renamed_from: todo}\n",
    )
    note = schema.entity("note")
    assert note.table.renamed_from == "memos"
    assert note.table.column("body").renamed_from == "text_body"
    assert note.table.column("task_id").renamed_from == "todo_id"
    version = note.table.column("version")
    assert (version.server_default, version.default, version.nullable) == ('sa.text("1")', 1, False)


def test_long_names_stay_within_63_characters(resolve_specs: Resolve) -> None:
    long_field = "a_really_long_field_name_that_goes_on_and_on_and_on"
    schema = resolve_specs(
        extraordinarily_long_entity_name="entity: extraordinarily_long_entity_name\n"
        f"fields:\n  {long_field}: {{type: string, index: true}}\n"
    )
    table = schema.entity("extraordinarily_long_entity_name").table
    names = [c.name for c in table.checks] + [i.name for i in table.indexes]
    assert all(len(n) <= 63 for n in names)
    assert len(set(names)) == len(names)


@pytest.mark.parametrize(
    ("specs", "fragment"),
    [
        ({"task": "entity: task\nfields:\n  type: text\n"}, None),  # `type` is allowed
        ({"task": "entity: task\nfields:\n  metadata: json\n"}, "clashes with a name"),
        ({"task": "entity: task\nfields:\n  model_name: text\n"}, "clashes with a name"),
        ({"page": "entity: page\nfields:\n  title: text\n"}, "already import"),
        ({"task": "entity: task\nfields:\n  x__y: text\n"}, "double or trailing underscore"),
        ({"task": "entity: task\nfields:\n  user_id: uuid\n"}, "owner: user"),
        ({"task": "entity: task\nfields:\n  rowid: int\n"}, "database uses"),
        ({"task": "entity: task\ntable: alembic_version\n"}, "reserved by the database"),
        (
            {"task": "entity: task\nfields:\n  d: {type: datetime, default: '2024-01-01T00:00'}\n"},
            "no time zone",
        ),
        ({"task": "entity: task\nfields:\n  n: {type: int, default: null}\n"}, "required"),
        ({"task": "entity: task\nfields:\n  n: {type: int, max: 9999999999}\n"}, "bigint"),
        (
            {"task": "entity: task\nfields:\n  p: {type: decimal, precision: 4, scale: 5}\n"},
            "scale",
        ),
        ({"task": "entity: task\nfields:\n  j: {type: json, unique: true}\n"}, "cannot be unique"),
        (
            {"task": "entity: task\nprimary_key: [id, created_at]\ntimestamps: false\n"},
            "timestamps",
        ),
        (
            {
                "task": "entity: task\nvisibility: public\nowner: {through: x}\nfields:\n"
                "  x: ref(task)\n"
            },
            "takes its visibility from its parent",
        ),
        ({"task": "entity: task\nlist:\n  max_limit: 5000\n"}, "between 1 and 1000"),
        ({"task": "entity: task\nfields:\n  j: json\nlist:\n  filters: [j]\n"}, "cannot be a list"),
        (
            {
                "task": "entity: task\nfields:\n  s: enum(a,b)\nindexes:\n"
                "  - {fields: [s], where: {s: c}}\n"
            },
            "not one of the values",
        ),
    ],
)
def test_rejected_specs(
    specs: dict[str, str], fragment: str | None, resolve_specs: Resolve, spec_errors: Errors
) -> None:
    if fragment is None:
        resolve_specs(**specs)
        return
    errors = spec_errors(**specs)
    assert any(fragment in e for e in errors), errors


def test_all_errors_are_collected(spec_errors: Errors) -> None:
    errors = spec_errors(
        task="entity: task\nfields:\n  order: int\n  group: text\n  rating: {type: int, min: 3, "
        "max: 1}\n"
    )
    assert len(errors) == 3
    assert [e.split(":")[1] for e in errors] == ["3", "4", "5"]


@pytest.mark.parametrize(
    ("field", "fragment"),
    [
        ("{type: float, max: 1" + "0" * 400 + "}", "too large"),
        ("{type: decimal, default: '1e999999999'}", "does not fit decimal(10,2)"),
        ("{type: decimal, default: '1e-999999999'}", "more than 2 decimal places"),
        ("{type: decimal, precision: 4, scale: 2, default: 100}", "does not fit decimal(4,2)"),
        ("{type: int, default: 1" + "0" * 5000 + "}", "not an integer"),
    ],
)
def test_huge_numbers_are_errors_not_crashes(
    field: str, fragment: str, spec_errors: Errors
) -> None:
    errors = spec_errors(thing=f"entity: thing\nfields:\n  n: {field}\n")
    assert any(fragment in e for e in errors), errors


def test_decimal_bounds_fit(resolve_specs: Resolve) -> None:
    schema = resolve_specs(
        thing="entity: thing\nfields:\n  n: {type: decimal, precision: 4, scale: 2, "
        "min: '-99.99', max: 99.99, default: '0.5'}\n"
    )
    field = schema.entity("thing").field("n")
    assert (field.min, field.max, field.default) == ("-99.99", "99.99", "0.5")
