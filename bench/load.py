"""Load test with a database restart (issue 25): throughput, latency, status codes, rows lost.

    python bench/load.py [--duration S] [--clients N] [--outage-seconds S] [--quick]
                         [--requests-per-connection N] [--json PATH] [--keep]

What it does, all in a temporary folder:

1. bakes a project of the repository's example specs (`specs/`, through
   tests/e2e_entities/projects.py `bootstrap()`: the copier template and the rendered entities);
2. starts a PostgreSQL server of its own (pgserver), creates the tables (`create_all`) and mints
   one bearer token per client with the project's own `auth.issue_token`, in a subprocess;
3. serves the app with `uvicorn <pkg>.main:app --workers 2` on loopback (`APP_ENV=production`,
   `APP_RATE_LIMIT=off`; the app's loggers and the access log at INFO, with the level and the
   worker's pid on every line);
4. drives it for `--duration` seconds with `--clients` concurrent users (asyncio, one httpx
   client and one actor each, closed loop: a request as soon as the last one answered, a new
   connection every `--requests-per-connection` requests so that both workers serve) writing
   and reading rows of the owned, audited entity `task`: `POST /tasks` (a unique marker as the
   title), `GET /tasks`, `GET /tasks/{id}`, `PATCH /tasks/{id}` (`done` flipped) on its own rows;
5. in the middle, stops PostgreSQL (`pg_ctl -m fast stop`) for `--outage-seconds` and starts it
   again (the same data folder and socket), timing when it accepts connections again;
6. checks the outcome by SQL, directly: every create answered 201 must be in `tasks`, every one
   answered 503 must not be (a 500 "outcome unknown" or a transport error may be either: counted
   apart); every row whose last acknowledged PATCH is known must hold its value;
7. reads the server's log: tracebacks (must be none), ERROR and WARNING lines.

It prints one markdown table (`--json PATH` also writes every figure as JSON, which
tests/reliability/test_load_outage.py reads) and exits 1 when a must does not hold: a row lost,
a 503-answered write present, a status outside 2xx / 503 / 500 "outcome unknown", a traceback, or
no success after the restart. The driver shares the machine with the two workers and PostgreSQL,
so throughput is the machine's, not the app's alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
PACKAGE = "loadapp"
SECRET = "load-bench-secret-key-" + "0123456789abcdef" * 3
UNKNOWN_OUTCOME = "may or may not have happened"  # core/faults.py UNKNOWN_OUTCOME_MESSAGE
WORKERS = 2
# the mix of a user's requests (its first request is a create: it has no row before)
MIX = (("create", 0.35), ("list", 0.20), ("get", 0.25), ("patch", 0.20))
REQUEST_TIMEOUT_S = 30.0

# Run in the project (PYTHONPATH=<project>/src): the tables, then one token per client.
PREPARE = """
import asyncio, json, sys, uuid
from {pkg} import auth, db
import {pkg}.entities.registry  # every model on Base.metadata

async def tables() -> None:
    engine = db.make_engine(db.database_url())
    async with engine.begin() as conn:
        await conn.run_sync(db.Base.metadata.create_all)
    await engine.dispose()

asyncio.run(tables())
print(json.dumps([auth.issue_token(uuid.uuid4()) for _ in range(int(sys.argv[1]))]))
"""

# uvicorn's own loggers as it configures them, and the app's (root) with the level named: a
# deployment configures logging; the app itself does not.
LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"}
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"handlers": ["stderr"], "level": "INFO"},
    "loggers": {
        "uvicorn": {"level": "INFO"},
        "uvicorn.error": {"level": "INFO"},
        "uvicorn.access": {"level": "INFO"},  # one line a request: which worker served it
    },
}


# --- the project, the database, the server ------------------------------------------------------


def bake(dest: Path) -> Path:
    """A project of the example specs, rendered in process (no migration: `create_all`)."""
    sys.path[:0] = [str(REPO / "src"), str(REPO)]
    from tests.e2e_entities.projects import EXAMPLE_SPECS, bootstrap

    bootstrap(dest, EXAMPLE_SPECS, package=PACKAGE)
    return dest


class Postgres:
    """A PostgreSQL server of this run's own (pgserver), which it stops and starts again."""

    def __init__(self, folder: Path) -> None:
        import pgserver

        self.pgserver = pgserver
        self.folder = folder
        self.server = pgserver.get_server(folder, cleanup_mode="delete")
        self.url = self.server.get_uri()  # postgresql://postgres:@/postgres?host=<socket dir>

    def stop(self) -> None:
        user = getattr(self.server, "system_user", None)
        self.pgserver.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.folder, user=user)

    def start(self) -> None:
        self.server.ensure_postgres_running()

    def cleanup(self) -> None:
        self.server.cleanup()


def project_env(root: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_", "REDIS_"))}
    env.update(
        PYTHONPATH=str(root / "src"),
        DATABASE_URL=url,
        APP_ENV="production",
        APP_SECRET_KEY=SECRET,
        APP_RATE_LIMIT="off",  # a dozen users sending thousands of requests a minute
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def prepare(root: Path, url: str, clients: int) -> list[str]:
    out = subprocess.run(
        [PY, "-c", PREPARE.format(pkg=PACKAGE), str(clients)],
        cwd=root,
        env=project_env(root, url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if out.returncode != 0:
        raise SystemExit(f"preparing the database failed:\n{out.stdout}\n{out.stderr}")
    tokens: list[str] = json.loads(out.stdout.strip().splitlines()[-1])
    return tokens


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def stop(self) -> int | None:
        """SIGTERM, as a deployment stops it; the exit status (None if it had to be killed)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
                return None
        return self.process.returncode


def serve(root: Path, url: str) -> Server:
    port = free_port()
    log_config = root / "log-config.json"
    log_config.write_text(json.dumps(LOG_CONFIG))
    log = root / "uvicorn.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                PY,
                "-m",
                "uvicorn",
                f"{PACKAGE}.main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(WORKERS),
                "--log-config",
                str(log_config),
            ],
            cwd=root,
            env=project_env(root, url),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 90
    while True:
        try:
            # both workers up: the supervisor logs each one's start-up
            started = log.read_text(errors="replace").count("Application startup complete")
            if (
                started >= WORKERS
                and httpx.get(server.base_url + "/ready", timeout=2).status_code == 200
            ):
                return server
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise SystemExit("uvicorn did not start:\n" + log.read_text(errors="replace"))
        time.sleep(0.1)


# --- the load ---------------------------------------------------------------------------------


@dataclass
class Call:
    client: int
    op: str
    start: float  # seconds since the load began
    end: float
    status: str  # "201", "503", "500 unknown", "500", "transport ReadTimeout", ...
    marker: str | None = None  # a create's title
    retry_after: bool = True  # a 503 carried Retry-After


@dataclass
class Timeline:
    stop_sent: float = math.nan  # pg_ctl stop called
    down: float = math.nan  # pg_ctl stop returned
    start_sent: float = math.nan  # start called
    back: float = math.nan  # the first new connection accepted (a probe, every 20 ms)
    start_returned: float = math.nan
    driver_cpu: float = math.nan  # CPU seconds this process (the users) spent


@dataclass
class Row:
    """What a user knows of one of its rows: the `done` it last acknowledged, and whether a
    later PATCH left the outcome unknown."""

    done: bool = False
    certain: bool = True


@dataclass
class User:
    index: int
    token: str
    rows: dict[str, Row] = field(default_factory=dict)
    sent: int = 0


def status_of(response: httpx.Response) -> str:
    if response.status_code == 500:
        try:
            message = str(response.json()["error"]["message"])
        except (ValueError, KeyError, TypeError):
            message = ""
        return "500 unknown" if UNKNOWN_OUTCOME in message else "500"
    return str(response.status_code)


async def user_loop(
    user: User,
    base_url: str,
    run_id: str,
    t0: float,
    until: float,
    per_connection: int,
    calls: list[Call],
) -> None:
    """One user: a request as soon as the last one answered, until `until`; every
    `per_connection`-th asks the server to close the connection after it (`Connection: close`),
    so that the two workers share the users (a worker accepts whichever connections it is
    quicker to, and a kept-alive one stays with it)."""
    rng = random.Random(user.index)
    headers = {"Authorization": f"Bearer {user.token}"}
    timeout = httpx.Timeout(REQUEST_TIMEOUT_S)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, timeout=timeout, limits=limits
    ) as client:
        while time.perf_counter() < until:
            last = (user.sent + 1) % per_connection == 0  # ask the server to close after it
            await one_request(user, client, rng, run_id, t0, calls, last)


async def one_request(
    user: User,
    client: httpx.AsyncClient,
    rng: random.Random,
    run_id: str,
    t0: float,
    calls: list[Call],
    close: bool,
) -> None:
    op = "create"
    if user.rows:
        op = rng.choices([m[0] for m in MIX], weights=[m[1] for m in MIX])[0]
    row_id = rng.choice(list(user.rows)) if op in ("get", "patch") else None
    marker = f"load-{run_id}-{user.index}-{user.sent}" if op == "create" else None
    user.sent += 1
    flip = not user.rows[row_id].done if row_id is not None else False
    response: httpx.Response | None = None
    extra = {"Connection": "close"} if close else None
    start = time.perf_counter()
    try:
        if op == "create":
            response = await client.post("/tasks", json={"title": marker}, headers=extra)
        elif op == "list":
            response = await client.get("/tasks", params={"limit": "20"}, headers=extra)
        elif op == "get":
            response = await client.get(f"/tasks/{row_id}", headers=extra)
        else:
            response = await client.patch(f"/tasks/{row_id}", json={"done": flip}, headers=extra)
        status = status_of(response)
    except httpx.HTTPError as exc:
        status = f"transport {type(exc).__name__}"
    end = time.perf_counter()
    call = Call(user.index, op, start - t0, end - t0, status, marker)
    if status == "503" and response is not None:
        call.retry_after = "retry-after" in response.headers
    calls.append(call)
    if op == "create" and status == "201" and response is not None:
        user.rows[response.json()["id"]] = Row()
    elif op == "patch" and row_id is not None:
        if status == "200":
            user.rows[row_id] = Row(done=flip, certain=True)
        elif status != "503":  # 503: it did not happen; anything else: it may have
            user.rows[row_id].certain = False


async def accepts(dsn_url: str) -> bool:
    import asyncpg

    try:
        conn = await asyncpg.connect(dsn_url, timeout=1)
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


async def outage(db: Postgres, seconds: float, t0: float, timeline: Timeline) -> None:
    timeline.stop_sent = time.perf_counter() - t0
    await asyncio.to_thread(db.stop)
    timeline.down = time.perf_counter() - t0
    await asyncio.sleep(max(0.0, seconds - (timeline.down - timeline.stop_sent)))
    timeline.start_sent = time.perf_counter() - t0
    starting = asyncio.create_task(asyncio.to_thread(db.start))
    while not await accepts(db.url):
        await asyncio.sleep(0.02)
    timeline.back = time.perf_counter() - t0
    await starting
    timeline.start_returned = time.perf_counter() - t0


async def drive(
    base_url: str,
    tokens: list[str],
    db: Postgres,
    duration: float,
    outage_s: float,
    per_connection: int,
) -> tuple[list[Call], list[User], Timeline, float]:
    run_id = uuid.uuid4().hex[:8]
    users = [User(i, token) for i, token in enumerate(tokens)]
    calls: list[Call] = []
    timeline = Timeline()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    until = t0 + duration
    loops = [
        asyncio.create_task(user_loop(u, base_url, run_id, t0, until, per_connection, calls))
        for u in users
    ]
    # the outage in the middle of the run
    await asyncio.sleep(max(0.0, duration / 2 - outage_s / 2))
    await outage(db, outage_s, t0, timeline)
    await asyncio.gather(*loops)
    timeline.driver_cpu = time.process_time() - cpu0
    return calls, users, timeline, time.perf_counter() - t0


# --- the outcome ------------------------------------------------------------------------------


async def stored(url: str) -> dict[str, tuple[str, bool]]:
    """title → (id, done) of every row of `tasks`, read by SQL."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT id, title, done FROM tasks")
    finally:
        await conn.close()
    return {r["title"]: (str(r["id"]), bool(r["done"])) for r in rows}


def percentile(values: list[float], p: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def log_figures(text: str) -> dict[str, Any]:
    lines = text.splitlines()
    warnings = [line for line in lines if " WARNING " in line]
    errors = [line for line in lines if " ERROR " in line or " CRITICAL " in line]
    distinct = Counter(re.sub(r"^\S+ \S+ \d+ WARNING ", "", line) for line in warnings)
    served = Counter(
        line.split()[2] for line in lines if " INFO uvicorn.access: " in line and "/tasks" in line
    )
    return {
        "requests_per_worker": dict(sorted(served.items())),
        "tracebacks": text.count("Traceback (most recent call last)"),
        "error_lines": len(errors),
        "error_samples": errors[:5],
        "warning_lines": len(warnings),
        "warnings": dict(distinct.most_common(10)),
    }


def outcome(
    calls: list[Call],
    users: list[User],
    timeline: Timeline,
    elapsed: float,
    rows: dict[str, tuple[str, bool]],
    log_text: str,
) -> dict[str, Any]:
    def during(c: Call) -> bool:  # overlaps the outage: from the stop to the database back
        return c.end >= timeline.stop_sent and c.start <= timeline.back

    def ok(c: Call) -> bool:
        return c.status.startswith("2")

    latency = [c.end - c.start for c in calls]
    outside = [c for c in calls if not during(c)]
    creates = [c for c in calls if c.op == "create"]
    by_status: dict[str, list[str]] = {}
    for c in creates:
        assert c.marker is not None
        by_status.setdefault(c.status, []).append(c.marker)
    acknowledged = by_status.get("201", [])
    refused = by_status.get("503", [])
    uncertain = [m for s, ms in by_status.items() if s not in ("201", "503") for m in ms]
    updates_checked = updates_wrong = 0
    ids = dict(rows.values())  # id → done
    for user in users:
        for row_id, row in user.rows.items():
            if row.certain and row_id in ids:
                updates_checked += 1
                updates_wrong += ids[row_id] != row.done
    after = [c for c in calls if c.start >= timeline.down]
    first_ok = min((c.end for c in after if ok(c)), default=math.nan)
    failures_after_back = [c for c in calls if c.start >= timeline.back and not ok(c)]
    last_failure = max((c.end for c in calls if not ok(c)), default=math.nan)
    ops = sorted({c.op for c in calls}, key=[m[0] for m in MIX].index)
    return {
        "requests": len(calls),
        "seconds": elapsed,
        "throughput": len(calls) / elapsed,
        "throughput_outside": len(outside)
        / max(1e-9, elapsed - (timeline.back - timeline.stop_sent)),
        "p50_ms": percentile(latency, 50) * 1e3,
        "p99_ms": percentile(latency, 99) * 1e3,
        "max_ms": max(latency, default=math.nan) * 1e3,
        "outside_p50_ms": percentile([c.end - c.start for c in outside], 50) * 1e3,
        "outside_p99_ms": percentile([c.end - c.start for c in outside], 99) * 1e3,
        "per_op": {
            op: {
                "requests": sum(c.op == op for c in calls),
                "outside_p50_ms": percentile([c.end - c.start for c in outside if c.op == op], 50)
                * 1e3,
                "outside_p99_ms": percentile([c.end - c.start for c in outside if c.op == op], 99)
                * 1e3,
                "statuses": dict(Counter(c.status for c in calls if c.op == op).most_common()),
            }
            for op in ops
        },
        "statuses": dict(Counter(c.status for c in calls).most_common()),
        "statuses_during": dict(Counter(c.status for c in calls if during(c)).most_common()),
        "statuses_outside": dict(Counter(c.status for c in outside).most_common()),
        "unavailable_p50_ms": percentile([c.end - c.start for c in calls if c.status == "503"], 50)
        * 1e3,
        "unavailable_p99_ms": percentile([c.end - c.start for c in calls if c.status == "503"], 99)
        * 1e3,
        "unavailable_without_retry_after": sum(
            c.status == "503" and not c.retry_after for c in calls
        ),
        "timeline": asdict(timeline),
        "first_success_after_back_s": first_ok - timeline.back,
        "failures_after_back": len(failures_after_back),
        "failures_after_back_statuses": dict(Counter(c.status for c in failures_after_back)),
        "last_failure_after_back_s": last_failure - timeline.back,
        # a read has no outcome to be unknown: its failed COMMIT should be a 503 (see docs)
        "reads_unknown_outcome": sum(
            c.op in ("list", "get") and c.status == "500 unknown" for c in calls
        ),
        "creates_acknowledged": len(acknowledged),
        "rows_lost": sum(m not in rows for m in acknowledged),
        "creates_refused": len(refused),
        "refused_present": sum(m in rows for m in refused),
        "creates_uncertain": len(uncertain),
        "uncertain_present": sum(m in rows for m in uncertain),
        "rows_in_table": len(rows),
        "updates_checked": updates_checked,
        "updates_not_as_acknowledged": updates_wrong,
        "log": log_figures(log_text),
    }


EXPECTED = re.compile(r"^(2\d\d|503|500 unknown)$")


def failures(result: dict[str, Any]) -> list[str]:
    """The musts that do not hold."""
    out = []
    if result["rows_lost"]:
        out.append(f"{result['rows_lost']} acknowledged creates are not in the table")
    if result["refused_present"]:
        out.append(f"{result['refused_present']} creates answered 503 are in the table")
    if result["updates_not_as_acknowledged"]:
        out.append(f"{result['updates_not_as_acknowledged']} rows do not hold their last PATCH")
    odd = {s: n for s, n in result["statuses"].items() if not EXPECTED.match(s)}
    if odd:
        out.append(f"statuses outside 2xx, 503, 500 outcome-unknown: {odd}")
    if result["unavailable_without_retry_after"]:
        out.append(f"{result['unavailable_without_retry_after']} 503s without Retry-After")
    if result["log"]["tracebacks"]:
        out.append(f"{result['log']['tracebacks']} tracebacks in the server's log")
    if math.isnan(result["first_success_after_back_s"]):
        out.append("no request succeeded after the database was back")
    if result["statuses_outside"].keys() - {"200", "201"}:
        out.append(f"failures outside the outage: {result['statuses_outside']}")
    return out


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def table(result: dict[str, Any]) -> str:
    t = result["timeline"]
    o = result["options"]

    def ms(v: float) -> str:
        return f"{v:.1f} ms"

    def counts(d: dict[str, int]) -> str:
        return ", ".join(f"{k}: {v:,}" for k, v in d.items()) or "none"

    rows = [
        (
            "run",
            f"{o['clients']} users, {WORKERS} uvicorn workers, {result['seconds']:.1f} s, "
            f"PostgreSQL stopped at {t['stop_sent']:.1f} s for {o['outage_seconds']:g} s",
        ),
        (
            "machine",
            f"{result['machine']}; load average {result['load_before']} before, "
            f"{result['load_after']} after",
        ),
        (
            "requests",
            f"{result['requests']:,} (the users' own CPU: {t['driver_cpu']:.1f} s of "
            f"{result['seconds']:.1f} s)",
        ),
        (
            "throughput",
            f"{result['throughput']:.0f} req/s overall; "
            f"{result['throughput_outside']:.0f} req/s outside the outage",
        ),
        (
            "latency, all",
            f"p50 {ms(result['p50_ms'])}, p99 {ms(result['p99_ms'])}, max {ms(result['max_ms'])}",
        ),
        (
            "latency, outside the outage",
            f"p50 {ms(result['outside_p50_ms'])}, p99 {ms(result['outside_p99_ms'])}",
        ),
    ]
    for op, figures in result["per_op"].items():
        rows.append(
            (
                f"`{op}`: {figures['requests']:,} requests",
                f"outside the outage p50 {ms(figures['outside_p50_ms'])}, "
                f"p99 {ms(figures['outside_p99_ms'])}; statuses {counts(figures['statuses'])}",
            )
        )
    rows += [
        ("status codes", counts(result["statuses"])),
        ("status codes during the outage", counts(result["statuses_during"])),
        (
            "a 503's latency",
            f"p50 {ms(result['unavailable_p50_ms'])}, "
            f"p99 {ms(result['unavailable_p99_ms'])}; without Retry-After: "
            f"{result['unavailable_without_retry_after']}",
        ),
        (
            "database stop",
            f"pg_ctl stop {t['down'] - t['stop_sent']:.2f} s; start to accepting "
            f"connections {t['back'] - t['start_sent']:.2f} s",
        ),
        (
            "first success after the database was back",
            f"{result['first_success_after_back_s']:+.3f} s",
        ),
        (
            "failures after the database was back",
            f"{result['failures_after_back']} ({counts(result['failures_after_back_statuses'])}); "
            f"the last one ended {result['last_failure_after_back_s']:+.3f} s after",
        ),
        (
            "reads answered 500 outcome unknown (a read has no outcome to lose)",
            f"{result['reads_unknown_outcome']}",
        ),
        (
            "creates answered 201 / missing from the table (rows lost)",
            f"{result['creates_acknowledged']:,} / **{result['rows_lost']}**",
        ),
        (
            "creates answered 503 / present in the table",
            f"{result['creates_refused']:,} / **{result['refused_present']}**",
        ),
        (
            "creates of unknown outcome (500 unknown, transport) / present",
            f"{result['creates_uncertain']} / {result['uncertain_present']}",
        ),
        (
            "rows whose last PATCH is known / not holding it",
            f"{result['updates_checked']:,} / {result['updates_not_as_acknowledged']}",
        ),
        (
            "server log",
            f"tracebacks **{result['log']['tracebacks']}**, ERROR lines "
            f"{result['log']['error_lines']}, WARNING lines {result['log']['warning_lines']}; "
            f"requests served per worker (access log, by pid) "
            f"{counts(result['log']['requests_per_worker'])}",
        ),
    ]
    for text, n in result["log"]["warnings"].items():
        rows.append(("warning", f"{n}\u00d7 `{text[:240]}`"))
    for line in result["log"]["error_samples"]:
        rows.append(("error", f"`{line[:240]}`"))
    verdict = result["failures"]
    rows.append(
        ("verdict", "**every must holds**" if not verdict else "**" + "; ".join(verdict) + "**")
    )
    return "\n".join(["| measure | value |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows)])


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Load test of a generated project (2 uvicorn workers, PostgreSQL restarted "
        "once mid-run): throughput, p50/p99, status codes, rows lost."
    )
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (60)")
    parser.add_argument("--clients", type=int, default=12, help="concurrent users (12)")
    parser.add_argument(
        "--outage-seconds", type=float, default=5.0, help="how long PostgreSQL is stopped (5)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a short run: 10 s, 4 users, a 2 s outage"
    )
    parser.add_argument(
        "--requests-per-connection",
        type=int,
        default=20,
        help="a user opens a new connection after this many requests (20)",
    )
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    opts = parser.parse_args()
    if opts.quick:
        opts.duration, opts.clients, opts.outage_seconds = 10.0, 4, 2.0
    if opts.outage_seconds >= opts.duration / 2:
        parser.error("--outage-seconds must be under half of --duration")

    base = Path(tempfile.mkdtemp(prefix="scaffold-load-"))
    load_before = load_average()
    started = time.time()
    root = bake(base / "project")
    (base / "pg").mkdir()
    db = Postgres(base / "pg")
    server: Server | None = None
    try:
        tokens = prepare(root, db.url, opts.clients)
        server = serve(root, db.url)
        calls, users, timeline, elapsed = asyncio.run(
            drive(
                server.base_url,
                tokens,
                db,
                opts.duration,
                opts.outage_seconds,
                opts.requests_per_connection,
            )
        )
        rows = asyncio.run(stored(db.url))
        exit_status = server.stop()
        server = None
        log_text = (root / "uvicorn.log").read_text(errors="replace")
    finally:
        if server is not None:
            server.stop()
        db.cleanup()
    result = outcome(calls, users, timeline, elapsed, rows, log_text)
    result.update(
        options={
            "duration": opts.duration,
            "clients": opts.clients,
            "outage_seconds": opts.outage_seconds,
            "requests_per_connection": opts.requests_per_connection,
        },
        started_utc=time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(started)),
        machine=machine(),
        load_before=load_before,
        load_after=load_average(),
        server_exit_status=exit_status,
        wall_seconds=time.time() - started,
    )
    if exit_status != 0:
        result["log"]["shutdown"] = f"uvicorn exited {exit_status} on SIGTERM"
    result["failures"] = failures(result) + (
        [f"uvicorn exited {exit_status} on SIGTERM"] if exit_status != 0 else []
    )
    print(table(result))
    print(
        f"\n(started {result['started_utc']} UTC, {result['wall_seconds']:.0f} s of wall time; "
        f"folder {base}{'' if opts.keep else ', removed'})"
    )
    if opts.json:
        opts.json.write_text(json.dumps(result, indent=1, default=str))
    if not opts.keep:
        import shutil

        shutil.rmtree(base, ignore_errors=True)
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
