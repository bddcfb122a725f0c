"""The random-spec gate: spec sets nobody here wrote, baked into real projects, whose own
generated tests run.

Each spec set is drawn from a seed (`strategies.gate_spec_set(seed)`: the same set on every
machine; the seed also rotates what the set must contain, `strategies.gate_focus`, so that a
small sample covers every type, pattern, unique kind, composite unique set, self and chained
ref). Two consecutive seeds (distinct entity names) go into one project made by `scaffold
init`; the project is generated, checked (`scaffold check`), and must pass its own generated
test suite on SQLite — and on PostgreSQL for every other project —, `alembic upgrade head` →
`check` → `downgrade base` → `upgrade head` → `check` on the same databases, and a short
schemathesis pass over its served API (SQLite).

A draw that the resolver refuses is skipped and counted (the strategy only draws valid specs, so
this should stay 0). A set whose render fails is reported and left out of its project, so the
other sets of the batch still run. Every failure names the seed, the failing step or generated
test with its error, and the set's YAML; the whole report also goes to `gate-report.md` in the
test's temporary folder. Replay one set from `tests/` with
`python -c "from reliability.strategies import *; print(dump(gate_spec_set(SEED)))"`, or copy
its YAML into `specs/` of a fresh project.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

from scaffold.errors import SpecErrors
from scaffold.ir.resolve import resolve
from scaffold.render import render_project
from scaffold.spec.load import load_specs

from .figures import LONG, bump, record
from .project import (
    ALEMBIC_ROUND_TRIP,
    PACKAGE,
    env_for,
    init_project,
    run,
    scaffold_cmd,
    start_app,
)
from .strategies import (
    GATE_NAMES,
    PATTERNS,
    SCALAR_TYPES,
    UNIQUE_KINDS,
    SpecSet,
    dump,
    gate_spec_set,
    wide_enough,
)
from .test_schemathesis import ST

pytestmark = pytest.mark.slow

SEED_BASE = 1200  # even: seeds 2b and 2b+1 make batch b (one project)
PER_PROJECT = len(GATE_NAMES)
SETS = 100 if LONG else 10
POSTGRES_EVERY = 2  # every other project also runs on PostgreSQL
ST_EXAMPLES = 10 if LONG else 3


@dataclass
class Batch:
    index: int
    seeds: list[int]
    sets: dict[int, SpecSet]
    skipped: list[int] = field(default_factory=list)  # seeds the resolver refused

    @property
    def postgres(self) -> bool:
        return self.index % POSTGRES_EVERY == 1


def resolves(specs: SpecSet) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_specs(Path(tmp), specs)
        try:
            resolve(load_specs(paths, root=Path(tmp)))
        except SpecErrors:
            return False
    return True


def write_specs(root: Path, specs: SpecSet) -> list[Path]:
    (root / "specs").mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in dump(specs).items():
        path = root / "specs" / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


@cache
def plan() -> tuple[Batch, ...]:
    """The batches of the profile: deterministic, resolved once per process."""
    batches: list[Batch] = []
    runnable = 0
    index = 0
    while runnable < SETS:
        seeds = [SEED_BASE + PER_PROJECT * index + slot for slot in range(PER_PROJECT)]
        batch = Batch(index=index, seeds=[], sets={})
        for seed in seeds:
            specs = gate_spec_set(seed)
            if resolves(specs):
                batch.seeds.append(seed)
                batch.sets[seed] = specs
                runnable += 1
            else:
                batch.skipped.append(seed)
        batches.append(batch)
        index += 1
    return tuple(batches)


def yaml_of(seed: int, specs: SpecSet) -> str:
    texts = "".join(f"# specs/{n}\n{t}---\n" for n, t in dump(specs).items())
    return f"seed {seed} (gate_spec_set({seed})):\n{texts}"


def coverage(sets: list[SpecSet]) -> dict[str, set[str]]:
    """What a sample of spec sets contains, by the names the gate promises to cover."""
    seen: dict[str, set[str]] = {
        k: set() for k in ("types", "unique", "patterns", "unique patterns", "shapes")
    }
    for specs in sets:
        names = set(specs)
        for name, spec in specs.items():
            fields = spec.get("fields", {})
            long = {f: s for f, s in fields.items() if isinstance(s, dict)}
            for s in long.values():
                seen["types"].add(s["type"])
                if s.get("unique"):
                    seen["unique"].add(s["type"])
                for p in PATTERNS:
                    if s.get("pattern") == p.regex:
                        seen["patterns"].add(p.name)
                        if s.get("unique"):
                            seen["unique patterns"].add(p.name)
                if s["type"] == "decimal" and "min" in s and "max" in s:
                    seen["shapes"].add("bounded decimal" + (" default" if "default" in s else ""))
                if s["type"] in ("int", "bigint") and "min" in s:
                    seen["shapes"].add("int range")
                if s["type"] == "ref" and s["to"] == name:
                    seen["shapes"].add("self ref")
                if s["type"] == "ref" and s["to"] in names:
                    target = specs[s["to"]].get("fields", {})
                    if any(
                        isinstance(t, dict) and t.get("type") == "ref" and t["to"] != s["to"]
                        for t in target.values()
                    ):
                        seen["shapes"].add("chained refs")
            for members in spec.get("unique", []):
                if all(m in long for m in members):
                    narrow = [m for m in members if not wide_enough([long[m]])]
                    seen["shapes"].add("composite unique" + (" with narrow" if narrow else ""))
                    if any(long[m]["type"] == "bool" for m in members):
                        seen["shapes"].add("composite unique with bool")
            if any(isinstance(i, dict) and i.get("unique") for i in spec.get("indexes", [])):
                seen["shapes"].add("unique index")
    return seen


def test_the_gate_sample_covers_the_spec_language() -> None:
    sets = [s for batch in plan() for s in batch.sets.values()]
    seen = coverage(sets)
    assert seen["types"] >= {*SCALAR_TYPES, "ref"}, {*SCALAR_TYPES, "ref"} - seen["types"]
    assert seen["unique"] >= set(UNIQUE_KINDS), set(UNIQUE_KINDS) - seen["unique"]
    assert seen["patterns"] == {p.name for p in PATTERNS}
    wide = {p.name for p in PATTERNS if p.capacity is None or p.capacity >= 8}
    assert seen["unique patterns"] == wide, wide - seen["unique patterns"]
    shapes = {
        "bounded decimal",
        "bounded decimal default",
        "int range",
        "self ref",
        "chained refs",
        "composite unique",
        "composite unique with bool",
    }
    assert seen["shapes"] >= shapes, shapes - seen["shapes"]
    skipped = sum(len(b.skipped) for b in plan())
    record(
        "random-spec gate: sets drawn, refused by the resolver (skipped)", f"{len(sets)}, {skipped}"
    )
    assert skipped == 0, "the strategy drew spec sets the resolver refuses"


# -- one batch: one project ---------------------------------------------------------------------


@dataclass
class Report:
    batch: Batch
    folder: Path
    failures: list[tuple[list[int], str]] = field(default_factory=list)  # (seeds, what)
    module_seed: dict[str, int] = field(default_factory=dict)  # entity module → seed

    def fail(self, seeds: list[int], what: str) -> None:
        self.failures.append((seeds, what))

    def seeds_of(self, test_file: str) -> list[int]:
        """The seeds a failing generated test belongs to (every seed for project-wide tests)."""
        stem = test_file.removesuffix(".py").replace("/", ".").rsplit(".", 1)[-1]
        for module, seed in self.module_seed.items():
            if stem == f"test_{module}":
                return [seed]
        return list(self.batch.sets)

    def text(self) -> str:
        lines = [f"random-spec gate, batch {self.batch.index}: {len(self.failures)} failure(s)"]
        for seeds, what in self.failures:
            lines.append(f"\n## seeds {seeds}\n{what}")
        implicated = sorted({s for seeds, _ in self.failures for s in seeds})
        for seed in implicated:
            lines.append("\n" + yaml_of(seed, self.batch.sets[seed]))
        return "\n".join(lines)


def junit_failures(path: Path) -> tuple[int, list[tuple[str, str]]]:
    """(tests run, [(file::name, message)]) from a pytest junit XML report."""
    if not path.is_file():
        return 0, []
    root = ET.parse(path).getroot()
    ran, failed = 0, []
    for case in root.iter("testcase"):
        ran += 1
        for tag in ("failure", "error"):
            node = case.find(tag)
            if node is not None:
                name = f"{case.get('file') or case.get('classname')}::{case.get('name')}"
                detail = (node.get("message") or "") + "\n" + (node.text or "")[-1500:]
                failed.append((name, detail.strip()))
    return ran, failed


def render_check(report: Report, seed: int, specs: SpecSet) -> bool:
    """The set renders on its own (in-process): a render failure is a defect of `generate`,
    reported, and the set is left out of the project so that the others still run."""
    folder = report.folder / f"render-{seed}"
    try:
        schema = resolve(load_specs(write_specs(folder, specs), root=folder))
        render_project(schema, package=PACKAGE)
    except Exception as exc:  # any failure of the render stage is the finding
        report.fail([seed], f"render (scaffold generate) failed: {exc!r}"[:3000])
        return False
    for entity in schema.entities:
        report.module_seed[entity.module] = seed
    return True


def fast_tmp(fallback: Path) -> Path:
    """A folder in memory for the generated tests' SQLite files: each test creates a database
    and every table of the project, and on disk that costs ~4x more (the fsyncs of the DDL)."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return Path(tempfile.mkdtemp(prefix="scaffold-gate-", dir=shm))
    fallback.mkdir(parents=True, exist_ok=True)
    return fallback


def run_suites(report: Report, root: Path, databases: dict[str, dict[str, str]]) -> None:
    scratch = fast_tmp(report.folder / "scratch")
    try:
        _run_suites(report, root, databases, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run_suites(
    report: Report, root: Path, databases: dict[str, dict[str, str]], scratch: Path
) -> None:
    children = {}
    # one suite: on both cores (pytest-xdist); two (SQLite and PostgreSQL): side by side
    workers = ["-n", "2"] if len(databases) == 1 else ["-p", "no:xdist"]
    for db, extra in databases.items():
        args = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *workers,
            f"--junitxml={root / f'junit-{db}.xml'}",
            "tests",
        ]
        children[db] = subprocess.Popen(
            args,
            cwd=root,
            env=env_for(root, TMPDIR=str(scratch), **extra),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    for db, child in children.items():
        out, _ = child.communicate(timeout=1800)
        ran, failed = junit_failures(root / f"junit-{db}.xml")
        bump(f"random-spec gate: generated tests run ({db})", ran)
        if child.returncode != 0 and not failed:
            report.fail(
                list(report.batch.sets),
                f"pytest on {db} exited {child.returncode}:\n" + out[-4000:],
            )
        for name, detail in failed:
            test_file = name.split("::", 1)[0]
            report.fail(
                report.seeds_of(test_file), f"generated test failed on {db}: {name}\n{detail}"
            )


def run_migrations(report: Report, root: Path, urls: dict[str, str]) -> None:
    for db, url in urls.items():
        for args in ALEMBIC_ROUND_TRIP:
            out = run([sys.executable, "-m", "alembic", *args], root, DATABASE_URL=url)
            if out.returncode != 0:
                output = (out.stdout + out.stderr)[-3000:]
                report.fail(list(report.batch.sets), f"alembic {' '.join(args)} on {db}:\n{output}")
                break


def run_schemathesis(report: Report, root: Path) -> None:
    """A short `st run` over the served API (SQLite), authenticated as an admin."""
    server = start_app(root, tag="gate")
    try:
        token = subprocess.run(
            [
                sys.executable,
                "-c",
                f"import uuid; from {PACKAGE}.auth import issue_token;"
                " print(issue_token(uuid.uuid4(), roles=('admin',)))",
            ],
            env=server.env,
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        args = [
            ST,
            "--no-color",
            "run",
            f"{server.url}/openapi.json",
            "-H",
            f"Authorization: Bearer {token}",
            "--max-examples",
            str(ST_EXAMPLES),
            "--seed",
            str(report.batch.seeds[0] if report.batch.seeds else SEED_BASE),
            "--exclude-checks",
            "positive_data_acceptance",
            "--generation-database",
            "none",
            "--no-shrink",
            "--workers",
            "1",
            "--request-timeout",
            "30",
        ]
        out = subprocess.run(args, capture_output=True, text=True, timeout=1800, cwd=report.folder)
        bump("random-spec gate: schemathesis runs")
        if out.returncode != 0:
            report.fail(
                list(report.batch.sets),
                "schemathesis failed:\n" + out.stdout[-6000:] + out.stderr[-2000:],
            )
    finally:
        server.stop()


def batch_id(batch: Batch) -> str:
    return f"batch{batch.index}-seeds{batch.seeds[0] if batch.seeds else ''}"


# The batches that also run on PostgreSQL are the slowest; they are the tests of
# test_random_gate_pg.py, so that pytest-xdist (one file a worker) runs both halves at once.
@pytest.mark.parametrize("batch", [b for b in plan() if not b.postgres], ids=batch_id)
def test_random_spec_sets_baked_and_run(
    batch: Batch, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    run_batch(batch, tmp_path, request)


def run_batch(batch: Batch, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Bake one batch's spec sets into a project and run everything on it (module docstring)."""
    started = time.monotonic()
    report = Report(batch=batch, folder=tmp_path)
    runnable = {seed: s for seed, s in batch.sets.items() if render_check(report, seed, s)}
    if runnable:
        root = init_project(tmp_path / "gateproj")
        for specs in runnable.values():
            write_specs(root, specs)
        generated = scaffold_cmd(root, "generate")
        if generated.returncode != 0:
            report.fail(
                list(runnable),
                "scaffold generate failed:\n" + generated.stdout[-3000:] + generated.stderr[-3000:],
            )
        else:
            checked = scaffold_cmd(root, "check")
            if checked.returncode != 0:
                report.fail(
                    list(runnable),
                    "scaffold check right after generate is not clean:\n"
                    + checked.stdout[-3000:]
                    + checked.stderr[-3000:],
                )
            databases: dict[str, dict[str, str]] = {"sqlite": {}}
            urls = {"sqlite": f"sqlite+aiosqlite:///{root / 'gate.db'}"}
            if batch.postgres:
                server_url = request.getfixturevalue("postgres_server_url")
                if not LONG:  # CI time: the other batches run the suites on SQLite
                    databases.clear()
                databases["postgresql"] = {"TEST_DATABASE_URL": server_url}
                sync_url = request.getfixturevalue("postgres_url")  # a fresh database
                urls["postgresql"] = "postgresql+asyncpg://" + sync_url.split("://", 1)[1]
            run_suites(report, root, databases)
            run_migrations(report, root, urls)
            run_schemathesis(report, root)
    entities = sum(len(s) for s in runnable.values())
    bump("random-spec gate: spec sets baked and run", len(runnable))
    bump("random-spec gate: entities", entities)
    if batch.postgres:
        bump("random-spec gate: spec sets also on PostgreSQL", len(runnable))
    bump("random-spec gate: seconds (sum over projects)", round(time.monotonic() - started))
    bump("random-spec gate: failures", len(report.failures))
    if report.failures:
        path = tmp_path / "gate-report.md"
        path.write_text(report.text(), encoding="utf-8")
        pytest.fail(f"{report.text()[:30000]}\n\n(full report: {path})", pytrace=False)
