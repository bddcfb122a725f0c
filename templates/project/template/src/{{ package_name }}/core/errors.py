"""One JSON shape for every error the API answers, and the handlers that produce it.

    {"error": {"code": "not_found", "message": "...", "fields": {"name": ["..."]}}}

Action failures, FastAPI's request validation (malformed JSON included), routing errors
(404, 405 with its `Allow` header), the body-size limit (413), a body that is not JSON (415), the
rate limits (429), the database away (503, core/faults.py) and unexpected exceptions (500, logged,
nothing internal in the body) all answer it.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any, TypeVar, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from .faults import (
    UNAVAILABLE_MESSAGE,
    database_unavailable,
    report_unavailable,
    retry_after_headers,
)
from .results import ROOT_FIELD, ActionError, ActionResult, ErrorCode, error_field, merge_errors

T = TypeVar("T")

logger = logging.getLogger(__name__)

STATUS_BY_CODE: dict[ErrorCode, int] = {
    "unauthenticated": 401,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "validation": 422,
    "internal": 500,
    "unavailable": 503,
}

# Codes of errors raised by HTTP machinery rather than by actions.
CODE_BY_STATUS: dict[int, str] = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation",
    429: "too_many_requests",
    503: "unavailable",
}

DESCRIPTIONS: dict[int, str] = {
    401: "Not authenticated: the bearer token is missing, expired or invalid.",
    403: "Visible, but not the actor's to change.",
    404: "Not found, or not visible to the actor.",
    405: "Method not allowed; the `Allow` header lists the methods of the path.",
    409: "Conflict: a stale version, a duplicate value or a row still referenced.",
    413: "The request body is too large.",
    415: "A write's body must be `application/json`.",
    429: "Too many requests; `Retry-After` says in how many seconds to retry.",
    422: "Invalid input; `fields` names each problem.",
    500: "Unexpected error; nothing internal is disclosed.",
    503: "The database is unavailable; `Retry-After` says in how many seconds to retry. "
    "A write answered 503 did not happen.",
}

# What FastAPI answers when a request body cannot be decoded at all (e.g. invalid UTF-8).
_UNPARSABLE_BODY = "There was an error parsing the body"
_REQUEST_PARTS = frozenset({"body", "query", "path", "header", "cookie"})
_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


class ErrorDetail(BaseModel):
    """The inside of an error answer."""

    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["comment not found"])
    fields: dict[str, list[str]] = Field(default_factory=dict)


class ErrorBody(BaseModel):
    """Every error the API answers has this shape."""

    error: ErrorDetail


class ActionFailed(Exception):
    """Raised by `unwrap` so a route can answer an action's failure as HTTP."""

    def __init__(self, error: ActionError) -> None:
        super().__init__(error.message)
        self.error = error


def unwrap(result: ActionResult[T]) -> T:
    """The result's data, or `ActionFailed` (answered with the error's status)."""
    if result.error is not None:
        raise ActionFailed(result.error)
    return cast(T, result.data)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for a route that can answer `statuses` with an error."""
    return {
        status: {
            "model": ErrorBody,
            "description": DESCRIPTIONS.get(status, HTTPStatus(status).phrase),
        }
        for status in statuses
    }


def error_response(
    status_code: int,
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A JSON error answer of the one shape."""
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return JSONResponse(body, status_code=status_code, headers=headers)


def request_field_errors(errors: Any) -> dict[str, list[str]]:
    """FastAPI's validation errors as `{"field": [...]}`, named like the query parameter or
    body key the client sent (without the `body`/`query` prefix)."""
    located: list[tuple[str, Any]] = []
    for error in errors:
        loc = tuple(error.get("loc", ()))
        if loc and loc[0] in _REQUEST_PARTS:
            loc = loc[1:]
        if error.get("type") == "json_invalid":
            detail = error.get("ctx", {}).get("error")
            message = "the body is not valid JSON" + (f": {detail}" if detail else "")
            located.append((ROOT_FIELD, {**error, "msg": message}))
        else:
            located.append((error_field(loc), error))
    return merge_errors(located)


async def _action_failed(request: Request, exc: Exception) -> JSONResponse:
    error = cast(ActionFailed, exc).error
    headers = None
    if error.code == "unauthenticated":
        headers = {"WWW-Authenticate": "Bearer"}
    elif error.code == "unavailable":
        headers = retry_after_headers()
    return error_response(
        STATUS_BY_CODE[error.code], error.code, error.message, error.fields, headers
    )


async def _request_invalid(request: Request, exc: Exception) -> JSONResponse:
    errors = cast(RequestValidationError, exc).errors()
    fields = request_field_errors(errors)
    malformed = any(error.get("type") == "json_invalid" for error in errors)
    message = "the request body is not valid JSON" if malformed else "the input is not valid"
    return error_response(422, "validation", message, fields)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    http_exc = cast(StarletteHTTPException, exc)
    status_code = http_exc.status_code
    headers = dict(http_exc.headers or {})
    if status_code == 400 and http_exc.detail == _UNPARSABLE_BODY:
        fields = {ROOT_FIELD: ["the body is not valid JSON (it could not be decoded)"]}
        return error_response(422, "validation", "the request body is not valid JSON", fields)
    if status_code == 405:
        listed = {m.strip() for m in headers.get("Allow", "").split(",") if m.strip()}
        headers["Allow"] = ", ".join(sorted(listed | set(allowed_methods(request))))
    code = CODE_BY_STATUS.get(status_code, "internal" if status_code >= 500 else "bad_request")
    message = _message(request, status_code, http_exc)
    return error_response(status_code, code, message, None, headers)


def _message(request: Request, status_code: int, exc: StarletteHTTPException) -> str:
    if status_code == 404 and exc.detail == HTTPStatus.NOT_FOUND.phrase:
        return f"no resource at {request.url.path}"
    if status_code == 405:
        return f"{request.method} is not allowed on {request.url.path}"
    if status_code >= 500:
        return "an unexpected error occurred"
    return str(exc.detail)


def allowed_methods(request: Request) -> list[str]:
    """Every method the app documents for the request's path.

    Starlette's own `Allow` header names the methods of the first route that matched the path
    only, but FastAPI declares one route per method; the OpenAPI document knows them all.
    """
    path = request.scope.get("path", "")
    root_path = request.scope.get("root_path", "")
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        if compile_path(template)[0].match(path):
            methods |= {method.upper() for method in operations if method in _HTTP_METHODS}
    return sorted(methods)


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """An error of the database layer that reached the app: 503 when the database is away
    (one throttled warning line, no traceback), else the 500 of any unexpected error. Handled
    here rather than by the catch-all, which Starlette re-raises to the server's log."""
    if database_unavailable(exc):
        report_unavailable(exc)
        return error_response(
            503, "unavailable", UNAVAILABLE_MESSAGE, headers=retry_after_headers()
        )
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal", "an unexpected error occurred")


def install_error_handlers(app: FastAPI) -> None:
    """Make every error of `app` answer the one JSON shape."""
    app.add_exception_handler(ActionFailed, _action_failed)
    app.add_exception_handler(RequestValidationError, _request_invalid)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(SQLAlchemyError, _database_error)
    app.add_exception_handler(OSError, _database_error)
    app.add_exception_handler(Exception, _unexpected)
