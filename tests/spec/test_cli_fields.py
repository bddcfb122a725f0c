"""`--field` on the command line: Rails-style syntax → long-form field mapping."""

from __future__ import annotations

from typing import Any

import pytest

from scaffold.errors import UsageError
from scaffold.spec.cli_fields import parse_field_option
from scaffold.spec.load import load_text


@pytest.mark.parametrize(
    ("text", "name", "spec"),
    [
        ("body:text", "body", {"type": "text"}),
        (
            "title:string(120):unique",
            "title",
            {"type": "string", "max_length": 120, "unique": True},
        ),
        ("task:ref(task)", "task", {"type": "ref", "to": "task"}),
        ("rating:int?", "rating", {"type": "int", "required": False}),
        (
            "status:enum(open,resolved)=open",
            "status",
            {"type": "enum", "values": ["open", "resolved"], "default": "open"},
        ),
        ("task:ref(task):cascade", "task", {"type": "ref", "to": "task", "on_delete": "cascade"}),
        ("count:int=5", "count", {"type": "int", "default": 5}),
        ("done:bool=false", "done", {"type": "bool", "default": False}),
        ("ratio:float=0.5", "ratio", {"type": "float", "default": 0.5}),
        ("due:date:optional", "due", {"type": "date", "required": False}),
        (
            "code:string(8):unique:immutable",
            "code",
            {
                "type": "string",
                "max_length": 8,
                "unique": True,
                "immutable": True,
            },
        ),
        (
            "price:decimal(10,2)=9.99",
            "price",
            {
                "type": "decimal",
                "precision": 10,
                "scale": 2,
                "default": "9.99",
            },
        ),
        ("meta:json={}", "meta", {"type": "json", "default": {}}),
        ("note:string=a=b", "note", {"type": "string", "default": "a=b"}),
        ("tags:many(tag)", "tags", {"type": "many", "to": "tag"}),
    ],
)
def test_field_options_parse(text: str, name: str, spec: dict[str, Any]) -> None:
    assert parse_field_option(text) == (name, spec)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("body", "write name:type"),
        ("Body:text", "snake_case"),
        ("body:", "the type is missing"),
        ("body:txt", "did you mean `text`?"),
        ("body:text:uniq", "unknown option `uniq`"),
        ("n:int=five", "not a whole number"),
        ("done:bool=maybe", "true or false"),
        ("title:string:cascade", "ref fields only"),
        ("task:ref(task)=x", "cannot have a default"),
        ("tags:many(tag)=x", "cannot have a default"),
        ("tags:many(tag):unique", "a many field takes no options"),
        ("tags:many(tag)?", "never required"),
        ("tags:many(tag):cascade", "write tags:many(tag)"),
        ("tags:many", "write tags:many(tag)"),
    ],
)
def test_bad_field_options_are_usage_errors(text: str, fragment: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_field_option(text)
    assert fragment in str(info.value)


def test_parsed_fields_are_valid_specs() -> None:
    import yaml

    fields = dict(
        parse_field_option(t)
        for t in ("body:text", "title:string(120):unique", "status:enum(open,resolved)=open")
    )
    text = yaml.safe_dump({"entity": "note", "fields": fields}, sort_keys=False)
    spec = load_text(text, "note.yaml").spec
    assert spec.fields["status"].default == "open"
