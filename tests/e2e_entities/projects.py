"""Bootstrap a generated project for the end-to-end tests: copier template + rendered entities.

Used by the tests of this folder (and runnable by hand: `python tests/e2e_entities/projects.py
DEST [SPEC_DIR]` leaves a project to poke at).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_SPECS = REPO / "specs"
COVERAGE_SPECS = Path(__file__).resolve().parent / "specs_coverage"
NAMES_SPECS = Path(__file__).resolve().parent / "specs_names"
INVENTORY_SPECS = Path(__file__).resolve().parent / "specs_inventory"
RELATIONS_SPECS = Path(__file__).resolve().parent / "specs_relations"
PACKAGE = "probeapp"


def bootstrap(dest: Path, specs: Path, *, package: str = PACKAGE) -> dict[str, str]:
    """A copier project in `dest` with `specs` copied to specs/ and every entity file rendered.

    Returns the rendered files (path → text). Tables are created by the project's own test
    fixtures (`Base.metadata.create_all`), so no migration is needed here.
    """
    import copier

    from scaffold.pipeline import load_schema, spec_files
    from scaffold.render import render_project
    from scaffold.templates_path import templates_dir

    if dest.exists():
        shutil.rmtree(dest)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # copier warns about a dirty template checkout
        copier.run_copy(
            str(templates_dir() / "project"),
            str(dest),
            data={"project_name": package, "package_name": package},
            defaults=True,
            quiet=True,
        )
    (dest / "specs").mkdir(exist_ok=True)
    for spec in sorted(specs.glob("*.yaml")):
        shutil.copy(spec, dest / "specs" / spec.name)
    schema = load_schema(spec_files([dest / "specs"]), dest)
    files = render_project(schema, package=package)
    for rel, text in files.items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return files


def project_env(dest: Path, **extra: str) -> dict[str, str]:
    """The environment to run the project's tools in: its src on the path, test settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env.pop("TEST_DATABASE_URL", None)
    env.update(
        PYTHONPATH=str(dest / "src"),
        APP_ENV="test",
        APP_SECRET_KEY="e2e-secret-key-0123456789abcdef0123456789",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


def run(dest: Path, *args: str, timeout: int = 600, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m <args>` in the project; the result carries stdout+stderr in `.stdout`."""
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=dest,
        env=project_env(dest, **env),
        capture_output=False,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "src"))
    target = Path(sys.argv[1])
    source = Path(sys.argv[2]) if len(sys.argv) > 2 else EXAMPLE_SPECS
    print("\n".join(bootstrap(target, source)))
