"""The JSON Schema of the spec language (`scaffold schema`), for editors.

Written by hand rather than derived from the pydantic models so it can describe the short forms
(`title: string(120)`, an index as a plain list) and carry editor-friendly descriptions. The
tests check that it accepts every example spec and agrees with the models on the keys.
"""

from __future__ import annotations

import json
from typing import Any

from scaffold.spec.shorthand import FIELD_TYPES, MANY_KEYS

NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
# `limits` notation, roughly: amount [/ or per] [multiple] granularity, `;`/`,`-separated
_ONE_RATE_LIMIT = r"[0-9]+\s*(/|per)\s*([0-9]+\s*)?[a-z]+\s*"
RATE_LIMIT_PATTERN = rf"^\s*{_ONE_RATE_LIMIT}([;,]\s*{_ONE_RATE_LIMIT})*$"
SHORT_FIELD_PATTERN = r"^\s*(" + "|".join(FIELD_TYPES) + r")\s*(\([^()]*\))?\s*\??\s*$"

_NAME: dict[str, Any] = {"type": "string", "pattern": NAME_PATTERN, "maxLength": 63}
_SCALAR: dict[str, Any] = {"type": ["string", "number", "integer", "boolean", "null"]}
_NUMBER_OR_DECIMAL: dict[str, Any] = {"type": ["number", "integer", "string"]}


def _field_long() -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["type"],
        "properties": {
            "type": {"enum": list(FIELD_TYPES), "description": "The field's type."},
            "required": {"type": "boolean", "description": "Must be given (default true)."},
            "default": {"description": "Value a new row gets; must fit the type."},
            "unique": {"type": "boolean"},
            "index": {"type": "boolean"},
            "min": {**_NUMBER_OR_DECIMAL, "description": "Smallest allowed number."},
            "max": {**_NUMBER_OR_DECIMAL, "description": "Largest allowed number."},
            "min_length": {"type": "integer", "minimum": 0},
            "max_length": {"type": "integer", "minimum": 1},
            "pattern": {"type": "string", "description": "Regular expression (input only)."},
            "description": {"type": "string"},
            "secret": {"type": "boolean", "description": "Stored, never returned."},
            "immutable": {"type": "boolean", "description": "Set on create, never updated."},
            "renamed_from": {**_NAME, "description": "Previous name (a rename migration)."},
            "values": {
                "type": "array",
                "items": {"type": "string"},
                "minItems": 1,
                "description": "Allowed values of an enum.",
            },
            "to": {**_NAME, "description": "Entity a ref or a many field points at."},
            "via": {
                **_NAME,
                "description": "A many field's link entity: its rows are the links (it has "
                "one required ref to this entity and one to `to`).",
            },
            "on_delete": {"enum": ["cascade", "restrict", "set_null"]},
            "precision": {"type": "integer", "minimum": 1},
            "scale": {"type": "integer", "minimum": 0},
        },
        # a many field (links kept in a link table, or in the rows of its `via` entity) takes
        # `to`, `via`, `renamed_from` (not with `via`: the field has no table to rename) and
        # `description`; `via` is for many fields only
        "if": {"properties": {"type": {"const": "many"}}, "required": ["type"]},
        "then": {
            "required": ["to"],
            "propertyNames": {"enum": list(MANY_KEYS)},
            "dependentSchemas": {"via": {"not": {"required": ["renamed_from"]}}},
        },
        "else": {"not": {"required": ["via"]}},
    }


def _stat() -> dict[str, Any]:
    names: dict[str, Any] = {
        "oneOf": [_NAME, {"type": "array", "items": _NAME, "minItems": 1}],
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "anyOf": [{"required": ["period"]}, {"required": ["group"]}],
        "properties": {
            "period": {
                "enum": ["hour", "day", "week", "month", "year"],
                "description": "Count per wall-clock period in the zone asked for (weeks from "
                "Monday).",
            },
            "on": {
                **_NAME,
                "description": "The date or datetime field (default created_at).",
            },
            "group": {
                **_NAME,
                "description": "Count per value of an enum, bool or ref field.",
            },
            "sum": {**names, "description": "Numeric fields to sum."},
            "avg": {**names, "description": "Numeric fields to average."},
            "min": {
                **names,
                "description": "Numeric fields whose smallest value to give.",
            },
            "max": {
                **names,
                "description": "Numeric fields whose largest value to give.",
            },
        },
        "dependentRequired": {"on": ["period"]},
    }


def spec_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one spec file."""
    field_short = {
        "type": "string",
        "pattern": SHORT_FIELD_PATTERN,
        "description": "Short form: `text`, `string(120)`, `int?`, `decimal(10,2)`, "
        "`enum(a,b)`, `ref(task)`, `many(tag)`; a trailing `?` makes the field optional.",
    }
    index = {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}, "minItems": 1},
            {
                "type": "object",
                "additionalProperties": False,
                "required": ["fields"],
                "properties": {
                    "fields": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                    "where": {
                        "type": "object",
                        "additionalProperties": _SCALAR,
                        "description": "Partial index: equality tests joined by AND.",
                    },
                    "unique": {"type": "boolean"},
                },
            },
        ]
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://scaffold.dev/schemas/spec-v1.json",
        "title": "scaffold entity spec (v1)",
        "description": "One entity of a scaffold project: specs/<entity>.yaml.",
        "type": "object",
        "additionalProperties": False,
        "required": ["entity"],
        "properties": {
            "entity": {**_NAME, "description": "Singular snake_case name; the file's name."},
            "plural": {**_NAME, "description": "Default: the English plural of `entity`."},
            "table": {**_NAME, "description": "Default: the plural."},
            "description": {"type": "string"},
            "owner": {
                "description": "user (default), none, or {through: <ref field>}.",
                "oneOf": [
                    {"enum": ["user", "none"]},
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["through"],
                        "properties": {"through": _NAME},
                    },
                ],
            },
            "visibility": {"enum": ["private", "public", "per_row"]},
            "timestamps": {"type": "boolean"},
            "soft_delete": {"type": "boolean"},
            "versioned": {"type": "boolean"},
            "fields": {
                "type": ["object", "null"],
                "propertyNames": {"pattern": NAME_PATTERN, "maxLength": 63},
                "additionalProperties": {"oneOf": [field_short, {"$ref": "#/$defs/field"}]},
            },
            "indexes": {"type": "array", "items": index},
            "unique": {
                "type": "array",
                "items": {
                    "oneOf": [
                        {"type": "string"},
                        {"type": "array", "items": {"type": "string"}, "minItems": 1},
                    ]
                },
            },
            "list": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "order": {
                        "type": "array",
                        "items": {"type": "string", "pattern": r"^[-+]?[a-z][a-z0-9_]*$"},
                        "minItems": 1,
                        "description": "Keyset order, `-` for descending; the last key is unique.",
                    },
                    "default_limit": {"type": "integer", "minimum": 1},
                    "max_limit": {"type": "integer", "minimum": 1, "maximum": 1000},
                    "filters": {"type": "array", "items": {"type": "string"}},
                },
            },
            "api": {"type": "boolean", "description": "Generate HTTP routes (default true)."},
            "primary_key": {
                "oneOf": [
                    {"type": "string"},
                    {"type": "array", "items": {"type": "string"}, "minItems": 1},
                ],
                "description": "Default `id`; a list gives a composite key that includes id.",
            },
            "renamed_from": {
                **_NAME,
                "description": "Previous entity name (a table rename).",
            },
            "stats": {
                "type": ["object", "null"],
                "description": "Statistics: `GET /<plural>/stats/<name>` (docs/spec-language.md).",
                "propertyNames": {"pattern": NAME_PATTERN, "maxLength": 40},
                "additionalProperties": {"$ref": "#/$defs/stat"},
            },
            "stats_cache_seconds": {
                "type": "integer",
                "minimum": 0,
                "description": "How long a statistic's answer may be cached (default 0: never).",
            },
            "rate_limit": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    kind: {
                        "type": "string",
                        "pattern": RATE_LIMIT_PATTERN,
                        "description": f"This entity's own {kind} limit per actor "
                        "(limits notation: `100/minute`, `10/second;1000/day`).",
                    }
                    for kind in ("read", "write")
                },
                "description": "Rate limits of this entity's routes (default: the app's).",
            },
            "audit": {
                "type": "boolean",
                "description": "Log every write to `audit_events` (GET /audit_events, admins).",
            },
        },
        "$defs": {"field": _field_long(), "stat": _stat()},
    }


def spec_json_schema_text() -> str:
    """The schema as deterministic JSON text (what `scaffold schema` prints)."""
    return json.dumps(spec_json_schema(), indent=2, sort_keys=True) + "\n"
