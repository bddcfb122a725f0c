"""The OpenAPI document: FastAPI's, with the request bodies as named components.

A body is taken raw (`Body()`) and validated by the action, so FastAPI does not know its model.
A route names it with `openapi_extra=request_body(BookCreate)`: the operation's body is then
`{"$ref": "#/components/schemas/BookCreate"}`, and `install_openapi(app)` puts the model (and
every schema it references, pydantic's `$defs`) in `components.schemas`. Client generators
(openapi-python-client, openapi-typescript) then name their models as the schemas are named
(`BookCreate`, not `CreateBookBookCreate`).

The document is built once and cached in `app.openapi_schema`, as FastAPI does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.encoders import jsonable_encoder
from fastapi.openapi.models import Components
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

REF_PREFIX = "#/components/schemas/"
REF_TEMPLATE = REF_PREFIX + "{model}"

# The models that request bodies name, by schema name (filled as the route modules are imported).
_BODY_MODELS: dict[str, type[BaseModel]] = {}


def _qualified(model: type[BaseModel]) -> str:
    return f"{model.__module__}.{model.__qualname__}"


def request_body(model: type[BaseModel]) -> dict[str, Any]:
    """The `openapi_extra` of a route whose JSON body is `model` (required): a `$ref` to the
    component `install_openapi` adds. Two different models may not share a name."""
    name = model.__name__
    known = _BODY_MODELS.get(name)
    if known is not None and _qualified(known) != _qualified(model):
        raise ValueError(
            f"two request bodies are named {name}: {_qualified(known)} and {_qualified(model)}"
        )
    _BODY_MODELS[name] = model
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": REF_TEMPLATE.format(model=name)}}},
        }
    }


def _body_schemas(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The JSON schemas of every request body of the document."""
    return [
        media["schema"]
        for operations in document.get("paths", {}).values()
        for operation in operations.values()
        if isinstance(operation, dict)
        for media in operation.get("requestBody", {}).get("content", {}).values()
        if isinstance(media, dict) and isinstance(media.get("schema"), dict)
    ]


def add_request_bodies(document: dict[str, Any]) -> dict[str, Any]:
    """Put the models of `request_body` routes in the document's components (in place).

    A body's schema becomes exactly its `$ref` (FastAPI merges `openapi_extra` into the schema
    of the raw `Body()`, which has a title of its own). A component FastAPI already made under
    the same name must be the same schema: a different one is an error, never overwritten.
    """
    models: dict[str, type[BaseModel]] = {}
    for schema in _body_schemas(document):
        ref = schema.get("$ref")
        if not isinstance(ref, str) or not ref.startswith(REF_PREFIX):
            continue
        name = ref[len(REF_PREFIX) :]
        if name in _BODY_MODELS:
            models[name] = _BODY_MODELS[name]
            schema.clear()
            schema["$ref"] = ref
    if not models:
        return document
    refs, definitions = models_json_schema(
        [(model, "validation") for model in models.values()], ref_template=REF_TEMPLATE
    )
    for name, model in models.items():
        got = refs[(model, "validation")]
        if got != {"$ref": REF_TEMPLATE.format(model=name)}:
            raise ValueError(f"the request body {name} is documented as {got}, not as its name")
    # encoded as FastAPI encodes its own components (OpenAPI's models, no null values), so that
    # a schema both have is the same dict
    # kept as pydantic writes them: OpenAPI's models would turn integer bounds into floats,
    # which lose the digits of a bigint's (-8599348394601961890 is no float); compared as
    # FastAPI encodes its own, so that a schema both have is the same
    added: dict[str, Any] = _without_nulls(definitions.get("$defs", {}))
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in added.items():
        if name in components and _encoded(components[name]) != _encoded(schema):
            raise ValueError(
                f"two schemas are named {name} in the OpenAPI document: a request body's "
                f"{schema} and {components[name]}"
            )
        components.setdefault(name, schema)
    document["components"]["schemas"] = dict(sorted(components.items()))
    return document


def _without_nulls(value: Any) -> Any:
    """`value` without the keys whose value is None (as FastAPI's encoding leaves them out)."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _encoded(schema: dict[str, Any]) -> Any:
    encoded = Components.model_validate({"schemas": {"x": schema}})  # typed: mypy --strict
    return jsonable_encoder(encoded, by_alias=True, exclude_none=True)["schemas"]["x"]


def install_openapi(app: FastAPI) -> None:
    """Make `app.openapi()` (and `/openapi.json`) the document with named request bodies.

    FastAPI builds the document once and caches it in `app.openapi_schema` (again when routes
    are added after it was built); the bodies are added once per document FastAPI builds.
    """
    fastapi_openapi: Callable[[], dict[str, Any]] = app.openapi
    completed: list[dict[str, Any]] = []  # the document the bodies were added to

    def openapi() -> dict[str, Any]:
        document = fastapi_openapi()
        if not completed or completed[0] is not document:
            add_request_bodies(document)
            completed[:] = [document]
        return document

    app.openapi = openapi  # type: ignore[method-assign]
