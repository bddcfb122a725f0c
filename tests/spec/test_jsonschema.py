"""`scaffold schema` is a valid JSON Schema that accepts every example spec."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from scaffold.spec.jsonschema import spec_json_schema, spec_json_schema_text
from scaffold.spec.models import ENTITY_KEYS, FIELD_KEYS, LIST_KEYS, STAT_KEYS

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "specs").glob("*.yaml"))


def test_schema_is_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(json.loads(spec_json_schema_text()))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_schema_accepts_the_examples(path: Path) -> None:
    jsonschema.validate(_yaml12(yaml.safe_load(path.read_text())), spec_json_schema())


def _yaml12(data: object) -> object:
    """PyYAML reads YAML 1.1, where the key `on` is `true`; editors (YAML 1.2) and scaffold read
    it as the string it looks like."""
    if isinstance(data, dict):
        return {("on" if key is True else key): _yaml12(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_yaml12(item) for item in data]
    return data


def test_schema_rejects_unknown_keys_and_types() -> None:
    validator = jsonschema.Draft202012Validator(spec_json_schema())
    assert not validator.is_valid({"entity": "t", "fieldz": {}})
    assert not validator.is_valid({"entity": "t", "fields": {"a": "strng"}})
    assert not validator.is_valid({"entity": "t", "fields": {"a": {"type": "text", "x": 1}}})
    assert validator.is_valid({"entity": "t", "fields": {"a": "string(12)?", "b": "ref(x)"}})


def test_schema_knows_many_fields() -> None:
    validator = jsonschema.Draft202012Validator(spec_json_schema())
    fields = {"tags": "many(tag)", "labels": {"type": "many", "to": "tag", "renamed_from": "x"}}
    assert validator.is_valid({"entity": "post", "fields": fields, "list": {"filters": ["tags"]}})
    for bad in ({"type": "many"}, {"type": "many", "to": "tag", "required": False}):
        assert not validator.is_valid({"entity": "post", "fields": {"tags": bad}})


def test_schema_knows_statistics() -> None:
    validator = jsonschema.Draft202012Validator(spec_json_schema())

    def valid(stats: object) -> bool:
        return validator.is_valid({"entity": "expense", "stats": stats})

    assert valid({"per_day": {"period": "day", "on": "spent_at", "sum": ["amount"]}})
    assert valid({"by_kind": {"group": "kind", "avg": "amount"}})
    assert not valid({"nothing": {"sum": ["amount"]}})  # neither a period nor a group
    assert not valid({"daily": {"period": "daily"}})
    assert not valid({"daily": {"period": "day", "median": ["amount"]}})
    assert not valid({"by_kind": {"group": "kind", "on": "spent_at"}})  # `on` needs a period
    assert not valid({"Per-Day": {"period": "day"}})
    assert not validator.is_valid({"entity": "expense", "stats_cache_seconds": -1})


def test_schema_knows_via_on_many_fields_only() -> None:
    validator = jsonschema.Draft202012Validator(spec_json_schema())

    def valid(field: dict[str, object]) -> bool:
        return validator.is_valid({"entity": "chat", "fields": {"voted_messages": field}})

    via = {"type": "many", "to": "message", "via": "vote"}
    assert valid(via) and valid({**via, "description": "Messages voted on."})
    # no `renamed_from` with `via` (rename the link entity), no `via` on other types
    assert not valid({**via, "renamed_from": "upvoted_messages"})
    assert not valid({"type": "many", "via": "vote"})
    assert not valid({"type": "ref", "to": "message", "via": "vote"})
    assert not valid({"type": "text", "via": "vote"})
    assert not valid({**via, "via": "Vote"})


def test_schema_and_models_agree_on_keys() -> None:
    schema = spec_json_schema()
    assert set(schema["properties"]) == set(ENTITY_KEYS)
    assert set(schema["$defs"]["field"]["properties"]) == set(FIELD_KEYS)
    assert set(schema["properties"]["list"]["properties"]) == set(LIST_KEYS)
    assert set(schema["$defs"]["stat"]["properties"]) == set(STAT_KEYS)


def test_cli_prints_the_schema() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "scaffold", "schema"], capture_output=True, text=True, check=True
    )
    assert out.stdout == spec_json_schema_text()
