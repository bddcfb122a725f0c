"""Generated projects for the reliability tests, driven through the real CLI, and a live server."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

import scaffold

REPO = Path(__file__).resolve().parents[2]
SRC = Path(scaffold.__file__).resolve().parents[1]
PACKAGE = "chatapp"
SECRET = "reliability-suite-secret-key-0123456789abcdef"
CACHES = ("__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache")


# `alembic` commands that prove a project's migrations: up, no drift, all the way down, up again.
ALEMBIC_ROUND_TRIP = (
    ("upgrade", "head"),
    ("check",),
    ("downgrade", "base"),
    ("upgrade", "head"),
    ("check",),
)


def env_for(root: Path, *, tool: Path = SRC, **extra: str) -> dict[str, str]:
    """The environment of a command in project `root`; `scaffold` is imported from `tool`."""
    env = {**os.environ, **extra}
    env["PYTHONPATH"] = os.pathsep.join([str(root / "src"), str(tool)])
    env.setdefault("APP_ENV", "test")
    env.setdefault("APP_SECRET_KEY", SECRET)
    return env


def run(
    args: list[str], cwd: Path, *, timeout: int = 600, tool: Path = SRC, **extra: str
) -> subprocess.CompletedProcess[str]:
    env = env_for(cwd, tool=tool, **extra)
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def scaffold_cmd(
    cwd: Path, *args: str, tool: Path = SRC, **extra: str
) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "scaffold", *args], cwd, tool=tool, **extra)


def frozen_tool(folder: Path) -> Path:
    """A private copy of scaffold (code + templates) to run from: a long test then sees one
    version of the generator, even while someone edits the checkout."""
    shutil.copytree(
        SRC / "scaffold", folder / "src" / "scaffold", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(REPO / "templates", folder / "templates")
    return folder / "src"


def must(out: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert out.returncode == 0, (out.args, out.stdout[-4000:] + out.stderr[-4000:])
    return out


def tree(root: Path) -> dict[str, str]:
    """posix path → sha256 of every file outside caches."""
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not any(part in CACHES for part in path.parts):
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def tree_stat(root: Path) -> dict[str, tuple[str, int, int]]:
    """posix path → (sha256, mtime_ns, inode): equal only if nothing was written at all."""
    out: dict[str, tuple[str, int, int]] = {}
    for rel, digest in tree(root).items():
        st = (root / rel).stat()
        out[rel] = (digest, st.st_mtime_ns, st.st_ino)
    return out


def init_project(
    root: Path, package: str = PACKAGE, tool: Path = SRC, auth: str = "external"
) -> Path:
    """`scaffold init` + a first `scaffold generate` (the user entity). `external` sign-in by
    default: these projects take spec sets whose user entity has no sign-in `role` (the
    repository's examples, random sets), which `password`'s user spec would lose."""
    root.parent.mkdir(parents=True, exist_ok=True)
    args = ["init", str(root), "--package", package, "--defaults", "--auth", auth]
    must(scaffold_cmd(root.parent, *args, tool=tool))
    must(scaffold_cmd(root, "generate", tool=tool))
    return root


def build_example_project(root: Path) -> Path:
    """A project holding every example spec of the repository, generated."""
    init_project(root)
    for spec in sorted((REPO / "specs").glob("*.yaml")):
        shutil.copy(spec, root / "specs" / spec.name)
    must(scaffold_cmd(root, "generate"))
    return root


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class AppServer:
    root: Path
    url: str
    process: subprocess.Popen[bytes]
    env: dict[str, str] = field(default_factory=dict)
    tag: str = "sqlite"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


# The suites send thousands of requests a minute as one actor: their servers count every request
# (the limiter runs) under limits they never reach; the attack suite starts one with tiny limits.
GENEROUS_RATE_LIMITS = {
    "APP_RATE_LIMIT": "1000000/minute",
    "APP_WRITE_RATE_LIMIT": "1000000/minute",
}


def start_app(
    root: Path, database_url: str | None = None, tag: str = "sqlite", **settings: str
) -> AppServer:
    """Migrate the database with alembic, then serve the app with uvicorn on a free port
    (`settings`: environment variables of the app, over `GENEROUS_RATE_LIMITS`)."""
    db = database_url or f"sqlite+aiosqlite:///{root / 'reliability.db'}"
    must(run([sys.executable, "-m", "alembic", "upgrade", "head"], root, DATABASE_URL=db))
    port = free_port()
    env = env_for(root, DATABASE_URL=db, **{**GENEROUS_RATE_LIMITS, **settings})
    log_path = root / f"uvicorn-{tag}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            f"{PACKAGE}.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
        ],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("uvicorn did not start:\n" + log_path.read_text())
        time.sleep(0.1)
    return AppServer(root=root, url=url, process=process, env=env, tag=tag)
