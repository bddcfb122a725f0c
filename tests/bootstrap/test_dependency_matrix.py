"""The dependency matrix (DESIGN §10.4): a generated project's own checks pass with the newest
versions its `pyproject.toml` admits and with the lowest ones it declares.

One project of the example specs (`specs/`, with the user spec `scaffold init` writes) is made
by the real `scaffold init` and `scaffold generate`, so its migrations exist. For each of uv's
resolutions, `highest` and `lowest-direct`, a copy of it gets a fresh virtual environment of its
own (`uv venv`, then `uv pip install --resolution R --no-build -e '.[dev]'`), in which black and
ruff check it and its whole test suite runs on SQLite; at `lowest-direct` on PostgreSQL too (the
session's server, as `TEST_DATABASE_URL`), at `highest` in the long profile (`SCAFFOLD_LONG=1`;
the CI profile's newest-on-PostgreSQL is scaffold's own fresh environment in the bootstrap tests).
mypy --strict runs at `highest` (at the lower bounds it does not pass yet: docs/decisions.md).
The two legs run at the same time.

uv uses its default cache and needs only PyPI. `--no-build`: every dependency is installed from
a wheel, so no compiler or pg_config is needed. The lowest-direct leg is checked to be what it
claims: each direct requirement resolved to the very version its lower bound names (or a
post-release of it). A bound that names no installable version (psycopg2-binary 2.9 has no
wheel for this Python), or that another requirement lifts (pytest>=8 under pytest-asyncio
0.24's pytest>=8.2), fails there, with what to raise it to.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

RunScaffold = Callable[..., subprocess.CompletedProcess[str]]
REPO = Path(__file__).resolve().parents[2]
EXAMPLE_SPECS = REPO / "specs"
PACKAGE = "probeapp"
RESOLUTIONS = ("highest", "lowest-direct")
LONG = os.environ.get("SCAFFOLD_LONG", "") not in ("", "0")  # docs/reliability.md's long profile
# What each leg runs after installing. The newest versions on PostgreSQL are also what scaffold's
# own fresh environment runs the bootstrap tests on (tests/bootstrap/test_bootstrap_e2e.py), so
# the CI profile leaves that to them and runs it here in the long profile only.
CHECKS = {
    "highest": ("black", "ruff", "pytest sqlite", *(("pytest postgres",) if LONG else ()), "mypy"),
    "lowest-direct": ("black", "ruff", "pytest sqlite", "pytest postgres"),
}
# printed with every result: what the generated code leans on most
KEY_PACKAGES = (
    "fastapi",
    "starlette",
    "pydantic",
    "pydantic-core",
    "sqlalchemy",
    "alembic",
    "asyncpg",
    "aiosqlite",
    "uvicorn",
    "httpx",
    "pytest",
    "pytest-asyncio",
    "pytest-alembic",
    "redis",
    "limits",
    "black",
    "ruff",
    "mypy",
)
# Settings of the calling environment that must not reach the project's own runs.
LEAKY_ENV = (
    "APP_ENV",
    "APP_SECRET_KEY",
    "APP_MAX_BODY_BYTES",
    "DATABASE_URL",
    "TEST_DATABASE_URL",
    "SCAFFOLD_TEST_POSTGRES",
    "PYTEST_ADDOPTS",
    "PYTEST_PLUGINS",
    "PYTHONPATH",
    "PYTHONHOME",
    "VIRTUAL_ENV",
    "UV_PROJECT_ENVIRONMENT",
)


@dataclass
class Step:
    name: str
    command: list[str]
    returncode: int
    output: str
    seconds: float

    def report(self, lines: int = 120) -> str:
        tail = "\n".join(self.output.splitlines()[-lines:])
        return f"$ {' '.join(self.command)}  (exit {self.returncode}, {self.seconds:.0f} s)\n{tail}"


@dataclass
class Leg:
    """One resolution: its venv's versions and the steps that ran (up to the first failure)."""

    resolution: str
    project: Path
    versions: dict[str, str] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)

    def step(self, name: str) -> Step:
        found = [s for s in self.steps if s.name == name]
        assert found, f"{self.resolution}: step {name!r} did not run\n{self.describe()}"
        return found[0]

    def key_versions(self) -> str:
        return ", ".join(f"{n} {self.versions[n]}" for n in KEY_PACKAGES if n in self.versions)

    def describe(self) -> str:
        done = "; ".join(
            f"{s.name} {'ok' if s.returncode == 0 else 'FAILED'} {s.seconds:.0f} s"
            for s in self.steps
        )
        return f"[{self.resolution}] {self.key_versions()}\nsteps: {done}"


def _project_env(venv: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LEAKY_ENV}
    env = {k: v for k, v in env.items() if not k.startswith(("PYTEST_", "COV_"))}
    env.update(
        PATH=os.pathsep.join([str(venv / "bin"), env.get("PATH", "")]),
        PYTHONDONTWRITEBYTECODE="1",
        UV_PYTHON_DOWNLOADS="never",  # the interpreter is this one; never fetch another
        **extra,
    )
    return env


def _run_leg(resolution: str, project: Path, postgres_url: str) -> Leg:
    leg = Leg(resolution, project)
    venv = project.parent / f"venv-{resolution}"
    python = str(venv / "bin" / "python")
    uv = [sys.executable, "-m", "uv"]

    def run(name: str, command: list[str], timeout: int = 900, **extra: str) -> bool:
        start = time.monotonic()
        try:
            done = subprocess.run(
                command,
                cwd=project,
                env=_project_env(venv, **extra),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=timeout,
                check=False,
            )
            code, output = done.returncode, done.stdout
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout
            code = -1
            output = (out.decode() if isinstance(out, bytes) else out or "") + "\n(timed out)"
        leg.steps.append(Step(name, command, code, output, time.monotonic() - start))
        return code == 0

    pytest_run = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    commands: dict[str, tuple[list[str], dict[str, str]]] = {
        "black": ([python, "-m", "black", "--check", "."], {}),
        "ruff": ([python, "-m", "ruff", "check", "."], {}),
        "pytest sqlite": (pytest_run, {}),
        "pytest postgres": (pytest_run, {"TEST_DATABASE_URL": postgres_url}),
        "mypy": ([python, "-m", "mypy", "--strict", "src"], {}),
    }
    install = [*uv, "pip", "install", "--python", python, "--resolution", resolution]
    ok = run("venv", [*uv, "venv", "--python", sys.executable, str(venv)]) and run(
        "install", [*install, "--no-build", "-e", ".[dev]"]
    )
    if ok and run("list", [*uv, "pip", "list", "--python", python, "--format", "json"]):
        listed = json.loads(leg.steps[-1].output.strip().splitlines()[-1])  # after uv's notes
        leg.versions = {canonicalize_name(p["name"]): p["version"] for p in listed}
        for name in CHECKS[resolution]:
            command, extra = commands[name]
            if not run(name, command, **extra):
                break
    return leg


@pytest.fixture(scope="module")
def legs(run_scaffold: RunScaffold, postgres_server_url: str) -> Iterator[dict[str, Leg]]:
    # Not under pytest's basetemp (0700): run as root, pgserver starts PostgreSQL as a user of
    # its own, which must reach the binaries in the venv (the project's outage test starts one).
    parent = Path(tempfile.mkdtemp(prefix="scaffold-matrix-"))
    parent.chmod(0o755)
    try:
        yield _matrix(parent, run_scaffold, postgres_server_url)
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def _matrix(parent: Path, run_scaffold: RunScaffold, postgres_server_url: str) -> dict[str, Leg]:
    made = run_scaffold("init", "probe", "--package", PACKAGE, "--defaults", cwd=parent)
    assert made.returncode == 0, made.stdout + made.stderr
    base = parent / "probe"
    for spec in sorted(EXAMPLE_SPECS.glob("*.yaml")):
        if not (base / "specs" / spec.name).exists():  # init's own user spec stays (sign-in)
            shutil.copy(spec, base / "specs" / spec.name)
    generated = run_scaffold("generate", cwd=base)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert list((base / "migrations" / "versions").glob("0002_*.py")), generated.stdout
    projects = {}
    for resolution in RESOLUTIONS:
        projects[resolution] = parent / resolution / "probe"
        shutil.copytree(base, projects[resolution])
    with ThreadPoolExecutor(max_workers=len(RESOLUTIONS)) as pool:
        futures = {
            r: pool.submit(_run_leg, r, projects[r], postgres_server_url) for r in RESOLUTIONS
        }
        done = {r: future.result() for r, future in futures.items()}
    for leg in done.values():
        print(leg.describe())  # shown with the results (-rP, or a failure's captured output)
    return done


def _declared(project: Path) -> list[Requirement]:
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    project_table = pyproject["project"]
    lines = project_table["dependencies"] + project_table["optional-dependencies"]["dev"]
    return [Requirement(line) for line in lines]


def _lower_bound(requirement: Requirement) -> Version | None:
    bounds = [Version(s.version) for s in requirement.specifier if s.operator in (">=", "==")]
    return max(bounds, default=None)


@pytest.mark.parametrize("resolution", RESOLUTIONS)
def test_the_project_installs_and_passes_its_checks(legs: dict[str, Leg], resolution: str) -> None:
    leg = legs[resolution]
    print(leg.describe())
    for step in leg.steps:
        assert step.returncode == 0, f"{leg.describe()}\n\n{step.report()}"
    expected = ["venv", "install", "list", *CHECKS[resolution]]
    assert [s.name for s in leg.steps] == expected, leg.describe()
    for name in expected:
        if name.startswith("pytest "):
            run = leg.step(name)
            summary = run.output.strip().splitlines()[-1]
            assert " passed" in summary, f"{leg.describe()}\n\n{run.report()}"
            assert "skipped" not in summary, f"{leg.describe()}\n\n{run.report()}"  # all ran
    if "mypy" in expected:
        assert "Success: no issues found" in leg.step("mypy").output, leg.describe()


def test_every_requirement_is_installed_within_its_bounds(legs: dict[str, Leg]) -> None:
    for leg in legs.values():
        assert leg.versions, leg.describe()
        for requirement in _declared(leg.project):
            name = canonicalize_name(requirement.name)
            assert name in leg.versions, f"{name} not installed\n{leg.describe()}"
            installed = Version(leg.versions[name])
            assert requirement.specifier.contains(installed, prereleases=True), leg.describe()


def test_lowest_direct_installs_the_lower_bounds_it_declares(legs: dict[str, Leg]) -> None:
    """Every direct requirement resolved to its declared lower bound (or a post-release of it):
    the lower bounds in the template's pyproject.toml are the versions this leg tested."""
    leg = legs["lowest-direct"]
    assert leg.versions, leg.describe()
    lifted = []
    for requirement in _declared(leg.project):
        bound = _lower_bound(requirement)
        if bound is None:
            continue
        installed = Version(leg.versions[canonicalize_name(requirement.name)])
        if installed != bound and Version(installed.base_version) != bound:
            lifted.append(f"{requirement}: installed {installed}")
    assert not lifted, "raise these lower bounds to what was installed:\n" + "\n".join(lifted)
