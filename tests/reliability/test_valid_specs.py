"""Every valid spec set yields correct code: random valid spec sets (every type, option, ref
kind, owner kind, visibility, composite keys) render to Python that parses, is black-stable and
is byte-identical from one run to the next (and under other hash seeds, in a subprocess); their
first migration plans, parses, and runs upgrade → downgrade → upgrade on SQLite with no drift.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import black
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from hypothesis import HealthCheck, Phase, given, settings

from scaffold.ir.model import Schema
from scaffold.ir.resolve import resolve
from scaffold.migrate import plan_migration, tables_to_metadata
from scaffold.render import render_project
from scaffold.render.format import BLACK_MODE
from scaffold.spec.load import load_specs

from .figures import PROFILE, SHRINK, bump, record
from .project import REPO, SRC, frozen_tool
from .strategies import SpecSet, dump, spec_set

PACKAGE = "fuzzapp"
RENDER_SCRIPT = """
import hashlib, json, sys
from pathlib import Path
from scaffold.ir.resolve import resolve
from scaffold.render import RenderError, render_project
from scaffold.spec.load import load_specs
PACKAGE, out = sys.argv[1], {}
for folder in sys.argv[2:]:
    root = Path(folder)
    schema = resolve(load_specs(sorted((root / "specs").glob("*.yaml")), root=root))
    files = render_project(schema, package=PACKAGE)
    out[folder] = {p: hashlib.sha256(t.encode()).hexdigest() for p, t in files.items()}
print(json.dumps(out))
"""


# black is the reference style (DESIGN §1); the render stage's default formatter is the fast
# `ruff format` path with black's corrections (render/format.py). The fuzzing renders through that
# default path, without the disk cache, and requires every file to be black-stable: this is the
# proof that the fast path gives black's output on code nobody wrote by hand.
REFERENCE_FORMATTER = {"SCAFFOLD_NO_CACHE": "1"}


def _reset_formatter() -> None:
    from scaffold.render import format as fmt

    for name in ("ruff_binary", "_cache_dir"):
        cached = getattr(fmt, name, None)
        if cached is not None and hasattr(cached, "cache_clear"):
            cached.cache_clear()
    memory = getattr(fmt, "_cache", None)
    if isinstance(memory, dict):
        memory.clear()


@pytest.fixture(autouse=True)
def reference_rendering(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Render with black, and with the templates as first loaded: Jinja reloads a template
    edited on disk, and a checkout being edited while this runs must not read as
    nondeterminism."""
    from scaffold.render.environment import make_environment

    make_environment().auto_reload = False
    monkeypatch.delenv("SCAFFOLD_FORMATTER", raising=False)
    for key, value in REFERENCE_FORMATTER.items():
        monkeypatch.setenv(key, value)
    _reset_formatter()
    yield
    monkeypatch.undo()
    _reset_formatter()


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=list(Phase) if SHRINK else [Phase.explicit, Phase.reuse, Phase.generate],
    )


def write_specs(root: Path, specs: SpecSet) -> list[Path]:
    (root / "specs").mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in dump(specs).items():
        path = root / "specs" / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def load(root: Path, files: list[Path]) -> Schema:
    return resolve(load_specs(files, root=root))


SAMPLED = ("/schemas.py", "/model.py", "/factory_support.py")


def assert_clean_python(path: str, text: str) -> None:
    ast.parse(text, filename=path)
    assert black.format_str(text, mode=BLACK_MODE) == text, f"{path} is not black-stable"


def assert_pyflakes_clean(out: Path, rendered: dict[str, str]) -> None:
    """ruff's pyflakes rules on every rendered module: no undefined, unused or redefined name
    (what a field option can break without breaking the syntax: a default's constructor that a
    module does not import, two entities whose helpers share a name)."""
    paths = []
    for rel, text in rendered.items():
        if rel.endswith(".py"):
            path = out / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            paths.append(str(path))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--isolated",
            "--no-cache",
            "--select",
            "F",
            "--target-version",
            "py311",
            "--quiet",
            *paths,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    bump("valid spec sets checked by ruff's pyflakes rules")


def digests(files: dict[str, str]) -> dict[str, str]:
    return {p: hashlib.sha256(t.encode()).hexdigest() for p, t in files.items()}


def test_valid_spec_sets_render_clean_and_deterministic(tmp_path: Path) -> None:
    samples: list[tuple[Path, dict[str, str]]] = []
    counter = iter(range(10**9))
    counter_full = iter(range(10**9))
    at_start = tool_digest(SRC, REPO / "templates")

    @fuzz_settings(PROFILE["valid_examples"])
    @given(spec_set())
    def check(specs: SpecSet) -> None:
        root = tmp_path / f"set{next(counter):04d}"
        files = write_specs(root, specs)
        schema = load(root, files)
        rendered = render_project(schema, package=PACKAGE)
        assert rendered, "nothing rendered"
        for entity in schema.entities:
            assert any(f"/entities/{entity.module}/model.py" in p for p in rendered), entity.name
        # every file parses; black itself checks every file of the first `valid_full_black` sets
        # and, for the others (black costs ~84 ms a file), the modules whose text depends most
        # on the field options: schemas, models and the test factories
        full = next(counter_full) < PROFILE["valid_full_black"]
        for path, text in rendered.items():
            if path.endswith(".py"):
                if full or path.endswith(SAMPLED) or "/factories_" in path:
                    assert_clean_python(path, text)
                    bump("generated files checked by black")
                else:
                    ast.parse(text, filename=path)
        assert_pyflakes_clean(root / "out", rendered)
        # again, from a fresh IR read in the other file order: byte-identical
        again = render_project(load(root, list(reversed(files))), package=PACKAGE)
        assert again == rendered, "rendering twice differs"
        if len(samples) < PROFILE["valid_seed_runs"]:
            samples.append((root, digests(rendered)))
        bump("valid spec sets rendered (ast + black-stable + twice identical)")
        bump("generated files checked", len(rendered))

    check()
    # the same spec sets rendered by processes with other hash seeds, from one frozen copy of
    # scaffold (so that an edit of the checkout meanwhile cannot pass for nondeterminism):
    # every seed gives the same bytes, and while the checkout is untouched, the bytes above
    tool = frozen_tool(tmp_path / "tool")
    unchanged = tool_digest(tool, tool.parent / "templates") == at_start
    env = {**os.environ, "PYTHONPATH": str(tool), **REFERENCE_FORMATTER}
    renders: dict[str, dict[str, dict[str, str]]] = {}
    for seed in ("0", "4242", "random"):
        out = subprocess.run(
            [sys.executable, "-c", RENDER_SCRIPT, PACKAGE, *(str(root) for root, _ in samples)],
            env={**env, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
        renders[seed] = json.loads(out.stdout)
    assert renders["0"] == renders["4242"] == renders["random"], "hash seeds change the output"
    if unchanged:
        for root, expected in samples:
            assert renders["0"][str(root)] == expected, f"a subprocess renders {root} differently"
    record("valid spec sets re-rendered under PYTHONHASHSEED 0, 4242, random", len(samples))


def tool_digest(src: Path, templates: Path) -> str:
    """A digest of scaffold's code and templates (what a render depends on)."""
    digest = hashlib.sha256()
    for folder in (src / "scaffold", templates):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


def run_revision(conn: sa.Connection, content: str, schema: Schema) -> list[Any]:
    """upgrade → drift check → downgrade → upgrade, on an open SQLite connection."""
    ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
    namespace: dict[str, Any] = {}
    with Operations.context(ctx):
        exec(compile(content, "revision.py", "exec"), namespace)
        namespace["upgrade"]()
        drift = compare_metadata(ctx, tables_to_metadata(schema.tables))
        namespace["downgrade"]()
        left = set(sa.inspect(conn).get_table_names())
        assert not left, f"downgrade left tables behind: {left}"
        namespace["upgrade"]()
    return list(drift)


def test_valid_spec_sets_plan_a_first_migration_that_runs() -> None:
    @fuzz_settings(PROFILE["migration_examples"])
    @given(spec_set())
    def check(specs: SpecSet) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            schema = load(root, write_specs(root, specs))
        plan = plan_migration(
            None,
            schema.tables,
            existing_revisions=[],
            specs=[e.spec_path for e in schema.entities],
        )
        assert plan is not None
        assert plan.path.startswith("migrations/versions/0001_"), plan.path
        assert_clean_python(plan.path, plan.content)
        again = plan_migration(None, schema.tables, existing_revisions=[])
        assert (
            again is not None
            and again.content.split('"""', 2)[2] == plan.content.split('"""', 2)[2]
        ), "planning twice differs"
        engine = sa.create_engine("sqlite://")
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                drift = run_revision(conn, plan.content, schema)
        finally:
            engine.dispose()
        assert not drift, f"the migrated database differs from the models: {drift}"
        bump("valid spec sets migrated from scratch (SQLite up/down/up, no drift)")

    check()


def test_pattern_with_min_length_renders(tmp_path: Path) -> None:
    """Regression (found by this fuzzing, fixed in the render stage): `scaffold validate`
    accepted this field and `scaffold generate` refused it ("cannot build an example for
    pattern '^[a-z]*$'"): the factory's example builder ignored `min_length`."""
    specs = {
        "note": {
            "entity": "note",
            "fields": {
                "code": {"type": "string", "max_length": 20, "min_length": 3, "pattern": "^[a-z]*$"}
            },
        }
    }
    schema = load(tmp_path, write_specs(tmp_path, specs))
    render_project(schema, package=PACKAGE)


RUFF_REPRO = """
import sys, tempfile
from pathlib import Path
from scaffold.ir.resolve import resolve
from scaffold.render import render_project
from scaffold.spec.load import load_specs
root = Path(tempfile.mkdtemp())
(root / "specs").mkdir()
spec = root / "specs" / "gamma.yaml"
spec.write_text(
    "entity: gamma\\nfields:\\n  starts_at: {type: float, required: false, min: -1000.5,"
    " max: 1000.5, default: -123.456789012345}\\n"
)
files = render_project(resolve(load_specs([spec], root=root)), package="fuzzapp")
sys.stdout.write(files["src/fuzzapp/entities/gammas/schemas.py"])
"""


def test_long_annotated_field_with_a_default_is_formatted_as_black_does() -> None:
    """Regression (found by this fuzzing, fixed in render/format.py): for an optional float field
    with bounds and a long default, `ruff format` wrote `starts_at: (\\n    Annotated[...] |
    None\\n) = -123.45...` in `GammaCreate`, where black (the reference) writes
    `starts_at: Annotated[...] | None = (\\n    -123.45...\\n)`: the generated project failed
    `black --check`. Such texts now go to black. Rendered in a fresh process, default formatter,
    no cache."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "SCAFFOLD_NO_CACHE": "1"}
    env.pop("SCAFFOLD_FORMATTER", None)
    out = subprocess.run(
        [sys.executable, "-c", RUFF_REPRO], env=env, capture_output=True, text=True, check=True
    )
    assert "starts_at: Annotated[" in out.stdout
    assert black.format_str(out.stdout, mode=BLACK_MODE) == out.stdout
