"""Errors as one JSON shape."""

import logging
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from probeapp.core.results import ActionError, ActionResult

T = TypeVar("T")
STATUS_BY_CODE = {
    "unauthenticated": 401,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "validation": 422,
    "internal": 500,
}
logger = logging.getLogger(__name__)


class ActionFailed(Exception):
    def __init__(self, error: ActionError) -> None:
        super().__init__(error.message)
        self.error = error


def unwrap(result: ActionResult[T]) -> T:
    if result.error is not None:
        raise ActionFailed(result.error)
    assert result.data is not None
    return result.data


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorBody(BaseModel):
    error: ErrorDetail


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": ErrorBody} for s in statuses}


def _body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ActionFailed)
    async def _failed(_: Request, exc: ActionFailed) -> JSONResponse:
        e = exc.error
        return JSONResponse(_body(e.code, e.message, e.fields), STATUS_BY_CODE[e.code])

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields: dict[str, list[str]] = {}
        for err in exc.errors():
            loc = [str(p) for p in err["loc"] if p not in ("body", "query", "path")]
            fields.setdefault(".".join(loc) or "body", []).append(err["msg"])
        return JSONResponse(_body("validation", "invalid input", fields), 422)

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        code = {401: "unauthenticated", 404: "not_found", 405: "validation"}.get(
            exc.status_code, "internal"
        )
        return JSONResponse(
            _body(code, str(exc.detail)), exc.status_code, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(Exception)
    async def _boom(_: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled")
        return JSONResponse(_body("internal", "internal error"), 500)
