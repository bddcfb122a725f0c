"""CORS (`APP_CORS_ORIGINS`): which browser origins may call the API.

Starlette's `CORSMiddleware` does the work; this module reads and checks the setting. With no
origin set (the default) the middleware is not installed, so no answer carries CORS headers.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .errors import error_response

# The headers a browser may send: the bearer token and the JSON body's type.
ALLOWED_HEADERS = ("Authorization", "Content-Type")
_ORIGIN = re.compile(r"^https?://[^/\s?#]+$")


def cors_origins() -> list[str]:
    """The origins in `APP_CORS_ORIGINS` (comma-separated; `*` for any); a malformed one refuses
    to start, naming the variable."""
    raw = os.environ.get("APP_CORS_ORIGINS", "")
    origins = [origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip()]
    for origin in origins:
        if origin != "*" and not _ORIGIN.match(origin):
            raise RuntimeError(
                f"APP_CORS_ORIGINS holds {origin!r}, which is not an origin; refusing to start. "
                "Write scheme://host[:port] separated by commas (https://app.example.com,"
                "http://localhost:3000), * for any origin, or leave it unset for none."
            )
    return origins


def route_methods(routes: Iterable[object]) -> list[str]:
    """Every method that `routes` answer (what a preflight may ask for), looking into mounts
    and routers: pass the app's routes and the routers included in it. FastAPI 0.115 copies an
    included router's routes into `app.routes`; later versions keep the router there as an
    object of their own that lists no methods, so the routers' own routes are passed too."""
    methods: set[str] = set()
    for route in routes:
        methods |= set(getattr(route, "methods", None) or ())
        nested = getattr(route, "routes", None)
        if nested is not None and nested is not routes:
            methods.update(route_methods(nested))
    return sorted(methods)


class CorsMiddleware(CORSMiddleware):
    """Starlette's `CORSMiddleware`, with two differences: a preflight from an origin that is not
    allowed is handed to the app like any `OPTIONS` request (a 405 in the error shape, with no
    CORS header at all), and a refused preflight of an allowed origin (a method or header not
    allowed) answers 400 in the error shape instead of plain text."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            headers = Headers(scope=scope)
            origin = headers.get("origin")
            preflight = "access-control-request-method" in headers
            if origin is not None and preflight and not self.is_allowed_origin(origin):
                await self.app(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        refused = bytes(response.body).decode()
        headers = {
            key: value
            for key, value in response.headers.items()
            if key.lower() not in ("content-length", "content-type")
        }
        return error_response(400, "bad_request", refused, headers=headers)
