"""The command line: parses arguments, calls the pipeline, maps errors to messages and exit codes.

Heavy modules (black, copier, jinja2, sqlalchemy) are imported inside the commands that use
them, so `scaffold --help` starts fast. Annotations are not postponed here (no `from __future__
import annotations`): typer would evaluate every option's annotation from its text at each start.
"""

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from scaffold import __version__
from scaffold.errors import ScaffoldError

T = TypeVar("T")

app = typer.Typer(
    name="scaffold",
    help="Turn YAML entity specs into secure, tested backend modules, and keep them in step.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rich rendering costs more than the rest of start-up
)
new_app = typer.Typer(
    help="Add something new to the project.", no_args_is_help=True, rich_markup_mode=None
)
destroy_app = typer.Typer(
    help="Remove something from the project.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(new_app, name="new")
app.add_typer(destroy_app, name="destroy")

REPORT_BUG = (
    "internal error: scaffold hit a bug ({kind}). Nothing was written. "
    "Please report it with the spec that caused it."
)


def run_guarded(fn: Callable[[], T]) -> T:
    """Run a command body: our own errors become messages + exit codes, never tracebacks."""
    try:
        return fn()
    except ScaffoldError as exc:
        for line in exc.report():
            typer.echo(line, err=True)
        raise typer.Exit(exc.exit_code) from None
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as exc:  # a bug of ours: short message, no traceback
        typer.echo(REPORT_BUG.format(kind=type(exc).__name__), err=True)
        raise typer.Exit(3) from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"scaffold {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_version, is_eager=True
        ),
    ] = False,
) -> None:
    """Turn YAML entity specs into secure, tested backend modules, and keep them in step."""


@app.command()
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Spec files or folders (default: the project's specs/ folder)."),
    ] = None,
) -> None:
    """Check specs only: every error with file:line:col. Works outside a project."""

    def body() -> None:
        from scaffold.pipeline import validate_paths

        count = validate_paths(paths or [])
        typer.echo(f"{count} spec(s) valid")

    run_guarded(body)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the spec language (for editors: yaml-language-server)."""

    def body() -> None:
        from scaffold.spec.jsonschema import spec_json_schema_text

        typer.echo(spec_json_schema_text(), nl=False)

    run_guarded(body)


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to create the project in.")],
    package: Annotated[str | None, typer.Option(help="Python package name (snake_case).")] = None,
    defaults: Annotated[bool, typer.Option(help="Answer every question with its default.")] = False,
    force: Annotated[bool, typer.Option(help="Write into a folder that is not empty.")] = False,
    auth: Annotated[
        str | None,
        typer.Option(
            help="How users sign in: `password` (email and password, the default) or "
            "`external` (your own identity provider's tokens)."
        ),
    ] = None,
) -> None:
    """Bootstrap a new project (copier template)."""

    def body() -> None:
        from scaffold.bootstrap import init_project

        init_project(directory, package=package, defaults=defaults, force=force, auth=auth)

    run_guarded(body)


@new_app.command("entity")
def new_entity(
    name: Annotated[
        str,
        typer.Argument(
            help="Entity name, snake_case (comment); a plural (comments) is singularized."
        ),
    ],
    field: Annotated[
        list[str] | None,
        typer.Option(
            "--field",
            "-f",
            help="name:type[:opt] as in Rails: body:text, title:string(120):unique, "
            "task:ref(task), rating:int?, status:enum(open,resolved)=open",
        ),
    ] = None,
    owner: Annotated[str | None, typer.Option(help="user | none | through:<ref>")] = None,
    soft_delete: Annotated[bool, typer.Option("--soft-delete", help="Deletes hide rows.")] = False,
    versioned: Annotated[bool, typer.Option("--versioned", help="Optimistic locking.")] = False,
    public: Annotated[bool, typer.Option("--public", help="Every actor may read rows.")] = False,
    force_plural: Annotated[
        bool, typer.Option("--force-plural", help="Keep a plural NAME as the entity's name.")
    ] = False,
) -> None:
    """Write specs/NAME.yaml from the options, then generate."""

    def body() -> int:
        from scaffold.pipeline import new_entity as run

        return run(
            name,
            fields=field or [],
            owner=owner,
            soft_delete=soft_delete,
            versioned=versioned,
            public=public,
            force_plural=force_plural,
        )

    code = run_guarded(body)
    if code:
        raise typer.Exit(code)


@app.command()
def generate(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the diff; write nothing.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite edited files.")] = False,
    allow_data_loss: Annotated[
        bool, typer.Option("--allow-data-loss", help="Allow migrations that drop data.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
) -> None:
    """Render every spec: modules, tests and a migration for what changed."""

    def body() -> int:
        from scaffold.pipeline import generate as run

        return run(dry_run=dry_run, force=force, allow_data_loss=allow_data_loss, json_out=json_out)

    code = run_guarded(body)
    if code:
        raise typer.Exit(code)


@app.command()
def upgrade(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the diff; write nothing.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite edited files; restore deleted ones.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
) -> None:
    """Bring the project's own files (core/, db.py, main.py, ...) to this scaffold's template,
    keeping your edits."""

    def body() -> int:
        from scaffold.upgrade.run import upgrade as run

        return run(dry_run=dry_run, json_out=json_out, force=force)

    code = run_guarded(body)
    if code:
        raise typer.Exit(code)


@app.command()
def check() -> None:
    """Exit 1 when specs, generated files and migrations disagree (for CI)."""

    def body() -> int:
        from scaffold.pipeline import check as run

        return run()

    code = run_guarded(body)
    if code:
        raise typer.Exit(code)


@destroy_app.command("entity")
def destroy_entity(
    name: Annotated[str, typer.Argument(help="Entity to remove.")],
    allow_data_loss: Annotated[
        bool, typer.Option("--allow-data-loss", help="Allow the drop-table migration.")
    ] = False,
) -> None:
    """Remove an entity's spec and untouched generated files; write the drop migration."""

    def body() -> int:
        from scaffold.pipeline import destroy_entity as run

        return run(name, allow_data_loss=allow_data_loss)

    code = run_guarded(body)
    if code:
        raise typer.Exit(code)


def _nothing_to_generate() -> bool:
    """A plain `scaffold generate` that finds nothing to do, answered before typer parses the
    command line: typer builds a pydantic adapter for every option of the command (importing
    pydantic: more than the whole check costs). Any doubt or error: False, and the command runs
    as usual (and reports the error in its words)."""
    try:
        from scaffold.pipeline import nothing_to_do

        return nothing_to_do()
    except Exception:
        return False


def main() -> None:
    """Console entry point."""
    # scaffold's own models need no pydantic plugins; looking for them reads the metadata of every
    # installed distribution (~15 ms a run). A value the user set is kept.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if sys.argv[1:] == ["generate"] and _nothing_to_generate():
        return
    try:
        app()
    except SystemExit:
        raise
    except BaseException as exc:  # last line of defence: no traceback reaches a user
        if isinstance(exc, KeyboardInterrupt):
            sys.stderr.write("interrupted\n")
            raise SystemExit(130) from None
        sys.stderr.write(REPORT_BUG.format(kind=type(exc).__name__) + "\n")
        raise SystemExit(3) from None
