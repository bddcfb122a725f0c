"""The database away (DESIGN §10.4): 503 `unavailable` with `Retry-After`, one warning a cause.

A request that needs the database while it cannot be reached (the connection refused, reset or
closed by a server shutting down, a pool timeout, SQLite's file unopenable or locked past its
busy timeout) answers 503 `unavailable` with `Retry-After`, not a 500 and a traceback: clients
and load balancers can tell "retry shortly" from a bug. The cause is logged as one warning line
per kind every `WARNING_INTERVAL_SECONDS`, with the number of requests it answered meanwhile.

What a 503 promises: the write did not happen. A failure while reading or writing rolls the
transaction back (the server does too when the connection drops). A connection lost while the
COMMIT itself is on its way is different: the server may have committed it. That answer is a
500 `internal` saying so, never a 503.
"""

from __future__ import annotations

import logging
import time
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from .results import ActionResult

T = TypeVar("T")

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2
WARNING_INTERVAL_SECONDS = 5.0
UNAVAILABLE_MESSAGE = "the database is unavailable; retry shortly"
UNKNOWN_OUTCOME_MESSAGE = (
    "the database connection was lost while committing; the write may or may not have happened"
)

# SQLSTATEs of a server that cannot serve now: connection exceptions (class 08), shutting down
# or restarting (57P01-57P03), too many connections (53300).
_UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})
# SQLite: the file cannot be opened, or another writer held it past the busy timeout.
_SQLITE_UNAVAILABLE = ("unable to open database file", "database is locked")


def database_unavailable(exc: BaseException) -> bool:
    """True when `exc` (or what it wraps) says the database cannot be reached right now."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _unavailable(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _unavailable(exc: BaseException) -> bool:
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, OSError):  # refused, reset, no such socket, a connect timeout
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        orig = exc.orig
        state = str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")
        if state.startswith("08") or state in _UNAVAILABLE_SQLSTATES:
            return True
        return any(text in str(orig).lower() for text in _SQLITE_UNAVAILABLE)
    return type(exc).__name__ in {"ConnectionDoesNotExistError", "CannotConnectNowError"}


class _Throttle:
    """One warning line per message and cause every `interval` seconds; the next line of the
    same message and cause says how many it left out."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._last: dict[str, tuple[float, int]] = {}

    def warn(self, message: str, exc: BaseException) -> None:
        cause = _cause(exc)
        key = f"{message}\0{cause}"
        now = time.monotonic()
        last, quiet = self._last.get(key, (-self.interval, 0))
        if now - last < self.interval:
            self._last[key] = (last, quiet + 1)
            return
        self._last[key] = (now, 0)
        since = f" ({quiet} more since the last warning)" if quiet else ""
        logger.warning("%s: %s%s", message, cause, since)


def _cause(exc: BaseException) -> str:
    inner = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = str(inner).strip().splitlines()[0] if str(inner).strip() else ""
    return f"{type(inner).__name__}: {text}"[:200] if text else type(inner).__name__


_throttle = _Throttle(WARNING_INTERVAL_SECONDS)


def report_unavailable(exc: BaseException) -> None:
    """Log that the database is away (throttled: one line per cause every few seconds)."""
    _throttle.warn("database unavailable, answering 503", exc)


def unexpected_failure(exc: Exception, action: str) -> ActionResult[Any]:
    """The failure an action answers for an exception it did not expect while working: 503
    `unavailable` when the database is away (nothing was written), else a logged 500."""
    if database_unavailable(exc):
        report_unavailable(exc)
        return ActionResult.failure("unavailable", UNAVAILABLE_MESSAGE)
    logger.exception("%s failed", action, exc_info=exc)
    return ActionResult.failure("internal", "an unexpected error occurred")


def commit_failure(exc: Exception, action: str, *, writes: bool) -> ActionResult[Any]:
    """The failure for an exception raised by COMMIT. The database away then leaves a write's
    outcome unknown (the server may have committed it): a 500 saying so; a read (`writes`
    false) has nothing to lose and answers 503. Anything else is a logged 500."""
    if database_unavailable(exc):
        if not writes:
            report_unavailable(exc)
            return ActionResult.failure("unavailable", UNAVAILABLE_MESSAGE)
        _throttle.warn(f"{action}: connection lost during COMMIT, outcome unknown", exc)
        return ActionResult.failure("internal", UNKNOWN_OUTCOME_MESSAGE)
    logger.exception("%s failed to commit", action, exc_info=exc)
    return ActionResult.failure("internal", "an unexpected error occurred")


def retry_after_headers() -> dict[str, str]:
    """The headers of a 503: when to try again."""
    return {"Retry-After": str(RETRY_AFTER_SECONDS)}
