"""Writes speak JSON: a write whose body is not `application/json` answers 415 before the app
reads it (FastAPI would otherwise try the body as JSON whatever its declared type). The paths
given as `form_paths` (OAuth2's `POST /auth/token`) take a form instead, and only a form."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import error_response

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON_MEDIA_TYPE = "application/json"
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"


def is_json(content_type: str | None) -> bool:
    """True for `application/json`, with or without parameters (`; charset=utf-8`)."""
    return media_type(content_type) == JSON_MEDIA_TYPE


def media_type(content_type: str | None) -> str | None:
    """The media type of a `Content-Type` value, without parameters, in lower case."""
    if content_type is None:
        return None
    return content_type.split(";", 1)[0].strip().lower()


def has_body(headers: Headers) -> bool:
    """True when the request declares a body: a non-zero `Content-Length`, or a chunked one."""
    length = headers.get("content-length")
    if length is not None:
        return length.strip() not in ("", "0")
    return "transfer-encoding" in headers


class JsonBodyMiddleware:
    """Answer 415 `unsupported_media_type` for a write that carries a body (or declares a
    content type) other than `application/json`.

    A write without a body (a `DELETE`, a `PUT` of a link) needs no content type.
    """

    def __init__(self, app: ASGIApp, form_paths: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.form_paths = form_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        content_type = headers.get("content-type")
        wanted = FORM_MEDIA_TYPE if scope["path"] in self.form_paths else JSON_MEDIA_TYPE
        declared_body = has_body(headers) or content_type is not None
        if declared_body and media_type(content_type) != wanted:
            declared = f"`{content_type}`" if content_type else "no content type"
            response = error_response(
                415,
                "unsupported_media_type",
                f"the request body must be {wanted}, not {declared}",
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
