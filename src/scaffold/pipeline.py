"""The pipeline as one recipe: load → validate → resolve → plan → render → format → write → report.

Each stage lives in its own package (`spec/`, `ir/`, `render/`, `migrate/`, `write/`) and returns
data; only `write` touches the disk. `generate`, `check` and `--dry-run` consume the same plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from scaffold.errors import UsageError

if TYPE_CHECKING:
    from scaffold.ir.model import Schema
    from scaffold.project import Project


def spec_files(paths: Sequence[Path]) -> list[Path]:
    """The `.yaml`/`.yml` files named by `paths` (files, or folders searched one level deep)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise UsageError(f"{path}: no such file or folder")
    return found


def load_schema(files: Sequence[Path], root: Path) -> Schema:
    """load → validate → resolve. Raises `SpecErrors` with every problem found."""
    from scaffold.ir.resolve import resolve
    from scaffold.spec.load import load_specs

    return resolve(load_specs(files, root=root))


def validate_paths(paths: Sequence[Path]) -> int:
    """`scaffold validate`: resolve the given specs (default: the project's specs/)."""
    from scaffold.project import find_root, load_project

    if not paths:
        if find_root() is None:
            raise UsageError("give spec files or folders, or run inside a project (scaffold.yaml)")
        project = load_project()
        paths = [project.specs_path]
        root = project.root
    else:
        root = Path.cwd()
    files = spec_files(paths)
    if not files:
        raise UsageError("no .yaml spec files found in " + ", ".join(str(p) for p in paths))
    schema = load_schema(files, root)
    return len(schema.entities)


def project_schema(project: Project) -> Schema:
    return load_schema(spec_files([project.specs_path]), project.root)


def generate(
    *, dry_run: bool = False, force: bool = False, allow_data_loss: bool = False, json_out: bool = False
) -> int:
    """`scaffold generate`: 0 when done, 1 when a merge left conflicts."""
    raise UsageError("`scaffold generate` is not available yet in this version")


def check() -> int:
    """`scaffold check`: 0 when everything agrees, 1 when anything is stale."""
    raise UsageError("`scaffold check` is not available yet in this version")


def new_entity(
    name: str,
    *,
    fields: Sequence[str],
    owner: str | None,
    soft_delete: bool,
    versioned: bool,
    public: bool,
) -> None:
    """`scaffold new entity`: write specs/NAME.yaml, then generate."""
    raise UsageError("`scaffold new entity` is not available yet in this version")


def destroy_entity(name: str, *, allow_data_loss: bool) -> int:
    """`scaffold destroy entity`: remove the spec and untouched files, write the drop migration."""
    raise UsageError("`scaffold destroy entity` is not available yet in this version")
