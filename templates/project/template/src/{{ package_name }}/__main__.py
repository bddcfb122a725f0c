"""Serve the app: `python -m <package> [--host H] [--port P] [--workers N]`.

uvicorn with the settings a load balancer needs: on SIGTERM (or Ctrl-C) it stops accepting,
answers the requests it has (for up to `--graceful-seconds`), closes the database pool (the app's
lifespan) and exits 0. Plain `uvicorn <package>.main:app` does the same but, by uvicorn's own
design since 0.29, a single process then ends with the signal's status (143) rather than 0;
with `--workers` its supervisor exits 0 too.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from types import FrameType

import uvicorn

APP = f"{__package__}.main:app"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=f"python -m {__package__}", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1")))
    parser.add_argument(
        "--graceful-seconds",
        type=int,
        default=30,
        help="how long requests in flight may take to finish after SIGTERM (default 30)",
    )
    parser.add_argument(
        "--proxy-headers",
        action="store_true",
        help="trust X-Forwarded-For from the proxy in front (the client address for rate limits)",
    )
    return parser.parse_args(argv)


def _stopped(_signum: int, _frame: FrameType | None) -> None:
    """Where uvicorn hands the signal back once it has shut down: already done, nothing left."""


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    options = {
        "host": args.host,
        "port": args.port,
        "workers": args.workers,
        "timeout_graceful_shutdown": args.graceful_seconds,
        "proxy_headers": args.proxy_headers,
    }
    if args.workers > 1:
        # uvicorn's supervisor: it stops the workers on SIGTERM and exits 0 itself.
        uvicorn.run(APP, **options)
        return 0
    # uvicorn shuts down gracefully on the signal, then raises it again into the handler that
    # was there before it started: a no-op here, so the process ends with status 0.
    for handled in (signal.SIGINT, signal.SIGTERM):
        signal.signal(handled, _stopped)
    server = uvicorn.Server(uvicorn.Config(APP, **options))
    server.run()
    return 0 if server.started else 3


if __name__ == "__main__":
    sys.exit(main())
