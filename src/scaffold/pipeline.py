"""The pipeline as one recipe: load → validate → resolve → plan → render → format → write → report.

Each stage lives in its own package (`spec/`, `ir/`, `render/`, `migrate/`, `write/`) and returns
data; only `write` touches the disk. `generate`, `check` and `--dry-run` consume the same plan.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffold.errors import UsageError
from scaffold.freshness import remember_fingerprint, up_to_date
from scaffold.project import STATE_DIR, Project

if TYPE_CHECKING:
    from scaffold.ir.model import Schema
    from scaffold.migrate import MigrationPlan
    from scaffold.write import WritePlan

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
SPEC_SUFFIXES = (".yaml", ".yml")


def spec_files(paths: Sequence[Path]) -> list[Path]:
    """The `.yaml`/`.yml` files named by `paths` (files, or folders searched one level deep).

    Hidden files (editor back-ups such as `.task.yaml`) are skipped in folders; a file named
    twice is read once.
    """
    found: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            batch = sorted(
                p
                for p in path.iterdir()
                if p.suffix in SPEC_SUFFIXES and p.is_file() and not p.name.startswith(".")
            )
        elif path.is_file():
            batch = [path]
        else:
            raise UsageError(f"{path}: no such file or folder")
        for file in batch:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                found.append(file)
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
    """The project's specs, resolved (leaving out the files in `project.exclude`)."""
    files = [
        f
        for f in spec_files([project.specs_path])
        if f.relative_to(project.root).as_posix() not in project.exclude
    ]
    return load_schema(files, project.root)


@dataclass
class Plan:
    """Everything one `generate` would do, computed in memory: files, migration, write plan."""

    project: Project
    schema: Schema
    files: dict[str, str]
    migration: MigrationPlan | None
    writes: WritePlan


def make_plan(project: Project, *, force: bool = False, allow_data_loss: bool = False) -> Plan:
    """load → resolve → render → migration diff → write plan. Reads the disk, writes nothing."""
    from scaffold.migrate import plan_migration
    from scaffold.render import render_project
    from scaffold.spec.jsonschema import spec_json_schema_text
    from scaffold.write import plan_writes

    schema = project_schema(project)
    files = render_project(
        schema, package=project.package, specs_dir=project.specs_dir, src_dir=project.src_dir
    )
    files[f"{STATE_DIR}/spec.schema.json"] = spec_json_schema_text()
    snapshot_file = project.state_path / "snapshot.json"
    versions = project.root / "migrations" / "versions"
    revisions = sorted(p.name for p in versions.glob("*.py")) if versions.is_dir() else []
    migration = plan_migration(
        snapshot_file.read_text(encoding="utf-8") if snapshot_file.is_file() else None,
        schema.tables,
        existing_revisions=revisions,
        specs=[e.spec_path for e in schema.entities],
        allow_data_loss=allow_data_loss,
    )
    writes = plan_writes(
        project.root,
        files,
        migration=(migration.path, migration.content) if migration else None,
        snapshot=migration.snapshot if migration else None,
        force=force,
        owners=file_owners(schema, files),
    )
    return Plan(project=project, schema=schema, files=files, migration=migration, writes=writes)


def file_owners(schema: Schema, files: Mapping[str, str]) -> dict[str, str]:
    """path → the spec that made it (for the manifest); project-wide files → "project"."""
    owners: dict[str, str] = {}
    for path in files:
        owners[path] = "project"
        for entity in schema.entities:
            if f"/entities/{entity.module}/" in path or path.endswith(
                (f"/test_{entity.plural}.py", f"/factories_{entity.plural}.py")
            ):
                owners[path] = entity.spec_path
                break
    return owners


def _progress(done: int, total: int) -> None:
    """A one-line progress display on a terminal, for long runs."""
    if total >= 50 and sys.stderr.isatty():
        end = "\n" if done == total else ""
        sys.stderr.write(f"\rwriting {done}/{total} files{end}")
        sys.stderr.flush()


def _recover(project: Project) -> None:
    """Finish a batch an earlier run left half-written (killed mid-write)."""
    from scaffold.write import recover

    for line in recover(project.root):
        _echo(line)


def _echo(line: str = "") -> None:
    sys.stdout.write(line + "\n")


def _report(plan: Plan) -> None:
    for line in plan.writes.summary_lines():
        _echo(line)
    if plan.migration is not None:
        _echo(f"migration: {plan.migration.path}")
        for line in plan.migration.summary:
            _echo(f"  {line}")
    routes = [e.route for e in plan.schema.entities if e.api]
    if plan.schema.audit_table is not None:
        routes.append("/audit_events (admins)")
    if routes:
        _echo("routes: " + ", ".join(routes))
    _echo("next: alembic upgrade head && python -m pytest")


NOTHING_TO_DO = "nothing to do: specs, generated files and migrations are in step"


def nothing_to_do(start: Path | None = None) -> bool:
    """Whether a plain `scaffold generate` would find nothing to do (then it says so, as
    `generate` does). Errors are raised, not reported: the caller runs `generate` for those."""
    from scaffold.project import load_project

    project = load_project(start)
    _require_template(project)
    if not up_to_date(project):
        return False
    _echo(NOTHING_TO_DO)
    return True


def generate(
    *,
    dry_run: bool = False,
    force: bool = False,
    allow_data_loss: bool = False,
    json_out: bool = False,
    start: Path | None = None,
) -> int:
    """`scaffold generate`: 0 when done, 1 when a merge left conflicts."""
    from scaffold.project import load_project

    project = load_project(start)
    _require_template(project)
    if not (dry_run or json_out or force) and up_to_date(project):
        _echo(NOTHING_TO_DO)
        return 0
    from scaffold.write import apply_plan

    if not dry_run:
        _recover(project)
    plan = make_plan(project, force=force, allow_data_loss=allow_data_loss)
    if json_out:
        _echo(plan.writes.to_json(extra=_migration_json(plan)))
    elif dry_run:
        _echo(plan.writes.diff() or "nothing would change")
    if dry_run:
        return 1 if plan.writes.has_conflicts else 0
    apply_plan(plan.writes, on_progress=_progress)
    if not plan.writes.has_conflicts:
        remember_fingerprint(project)
    if not json_out:
        _report(plan)
    return 1 if plan.writes.has_conflicts else 0


def _require_template(project: Project) -> None:
    """Refuse to write entity code that the project's `core/` cannot run (DESIGN §9.6)."""
    from scaffold.upgrade import template_problem

    problem = template_problem(project.root)
    if problem:
        raise UsageError(problem)


def _migration_json(plan: Plan) -> dict[str, object]:
    mig = plan.migration
    if mig is None:
        return {"migration": None}
    return {
        "migration": {
            "path": mig.path,
            "ops": [str(op) for op in mig.ops],
            "data_loss": list(mig.risks),
            "summary": list(mig.summary),
        }
    }


def check(start: Path | None = None) -> int:
    """`scaffold check`: 0 when everything agrees, 1 when anything is stale."""
    from scaffold.project import load_project

    project = load_project(start)
    if up_to_date(project):
        _echo("up to date")
        return 0
    from scaffold.write import check_tree

    plan = make_plan(project, allow_data_loss=True)
    stale = check_tree(project.root, plan.files, migration_pending=plan.migration is not None)
    if not stale:
        _echo("up to date")
        return 0
    _echo("out of date:")
    for line in stale:
        _echo(f"  - {line}")
    _echo("run `scaffold generate` to bring the project in step")
    return 1


def new_entity(
    name: str,
    *,
    fields: Sequence[str],
    owner: str | None,
    soft_delete: bool,
    versioned: bool,
    public: bool,
    force_plural: bool = False,
    start: Path | None = None,
) -> int:
    """`scaffold new entity`: write specs/NAME.yaml, then generate (the spec is removed again
    if generating fails, so a failed run leaves the tree as it was).

    A plural NAME is singularized, as Rails does (`comments` → entity `comment`, table and route
    `comments`), with a note on stderr; `force_plural` keeps it as given."""
    from scaffold.project import load_project
    from scaffold.spec.cli_fields import parse_field_option

    project = load_project(start)
    if not NAME_RE.match(name):
        raise UsageError(f"entity name `{name}` must be snake_case: letters, digits, underscores")
    name, plural, note = entity_name_for(name, force_plural=force_plural)
    if note:
        sys.stderr.write(note + "\n")
    path = project.specs_path / f"{name}.yaml"
    if path.exists():
        raise UsageError(f"{path.relative_to(project.root)} already exists; edit it instead")
    existing = project_schema(project) if spec_files([project.specs_path]) else None
    if existing is not None and any(e.name == name for e in existing.entities):
        raise UsageError(f"entity `{name}` already exists in {project.specs_dir}/")
    parsed = [parse_field_option(text) for text in fields]
    text = spec_text(
        name,
        parsed,
        plural=plural,
        owner=owner,
        soft_delete=soft_delete,
        versioned=versioned,
        public=public,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    try:
        return generate(start=project.root)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def entity_name_for(name: str, *, force_plural: bool = False) -> tuple[str, str | None, str | None]:
    """(entity, plural to write in the spec or None, note) for the NAME of `scaffold new entity`.

    `comments` → (`comment`, None, note): the singular's own plural is the name given. When it is
    not (`indices` → `index`, whose plural inflect spells `indexes`), the spec keeps the name
    given as its `plural:`, so the table and route are what the user typed.
    """
    from scaffold.ir import naming

    single = name if force_plural else naming.singular(name)
    if single == name:
        return name, None, None
    plural = None if naming.plural(single) == name else name
    note = (
        f"note: `{name}` looks plural; creating entity `{single}` (table and route `{name}`); "
        f"pass --force-plural to keep `{name}`"
    )
    return single, plural, note


def spec_text(
    name: str,
    fields: Sequence[tuple[str, dict[str, Any]]],
    *,
    plural: str | None = None,
    owner: str | None,
    soft_delete: bool,
    versioned: bool,
    public: bool,
) -> str:
    """A readable spec file for `scaffold new entity` (short forms, one field a line)."""
    import yaml

    lines = ["# yaml-language-server: $schema=../.scaffold/spec.schema.json", f"entity: {name}"]
    if plural:
        lines.append(f"plural: {plural}")
    if owner:
        if owner.startswith("through:"):
            lines.append(f"owner: {{through: {owner.split(':', 1)[1]}}}")
        else:
            lines.append(f"owner: {owner}")
    if public:
        lines.append("visibility: public")
    if soft_delete:
        lines.append("soft_delete: true")
    if versioned:
        lines.append("versioned: true")
    if fields:
        lines.append("fields:")
        for field_name, spec in fields:
            flow = yaml.safe_dump(spec, default_flow_style=True, sort_keys=False, width=1000)
            lines.append(f"  {field_name}: {flow.strip()}")
    else:
        lines.append("fields: {}")
    return "\n".join(lines) + "\n"


def destroy_entity(name: str, *, allow_data_loss: bool, start: Path | None = None) -> int:
    """`scaffold destroy entity`: remove the spec and untouched files, write the drop migration.

    Everything is planned first with the spec left out; the spec file is removed only after
    the plan was applied, so a refused or failed run changes nothing.
    """
    from scaffold.project import load_project

    project = load_project(start)
    _require_template(project)
    from scaffold.write import apply_plan

    _recover(project)
    schema = project_schema(project)
    try:
        entity = schema.entity(name)
    except KeyError:
        raise UsageError(f"no entity `{name}` in {project.specs_dir}/") from None
    spec_path = project.root / entity.spec_path
    users = [e.name for e in schema.entities for r in e.refs if r.target == name and e.name != name]
    users += [
        e.name
        for e in schema.entities
        for m in e.many
        if name in (m.target, m.via) and e.name != name
    ]
    if users:
        raise UsageError(
            f"entity `{name}` is referenced by {', '.join(sorted(set(users)))}; "
            "remove those refs and many fields first"
        )
    plan = make_plan(
        Project(
            root=project.root,
            package=project.package,
            specs_dir=project.specs_dir,
            src_dir=project.src_dir,
            exclude=(entity.spec_path,),
        ),
        allow_data_loss=allow_data_loss,
    )
    apply_plan(plan.writes, on_progress=_progress)
    spec_path.unlink(missing_ok=True)
    _report(plan)
    return 1 if plan.writes.has_conflicts else 0
