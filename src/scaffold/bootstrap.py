"""`scaffold init`: a new project, rendered by copier from the template in `templates/project/`.

Everything that can be refused (a non-empty folder, a bad package name) is refused before copier
writes anything. The project keeps `.copier-answers.yml` and, under `.scaffold/template/`, the
template version and what the template rendered: `scaffold upgrade` brings the project to a
newer scaffold's template from them (and `copier update` does when the template is versioned in
git).
"""

from __future__ import annotations

import keyword
import re
import shutil
import sys
from pathlib import Path
from typing import Any

from scaffold.errors import UsageError
from scaffold.project import PACKAGE_RE
from scaffold.templates_path import templates_dir

# Modules the generated project imports (or tests with); a package of the same name would
# shadow them.
RESERVED_PACKAGES = frozenset(
    {
        "aiosqlite",
        "alembic",
        "argon2",
        "asyncpg",
        "black",
        "conftest",
        "email_validator",
        "fastapi",
        "httpx",
        "jwt",
        "migrations",
        "mypy",
        "pgserver",
        "psycopg2",
        "pydantic",
        "pydantic_core",
        "pytest",
        "ruff",
        "sqlalchemy",
        "starlette",
        "tests",
        "uvicorn",
    }
)
SNAKE_CASE_RULE = "lowercase letters, digits and underscores, starting with a letter"
# The template's code is black-formatted for names up to this length.
MAX_PACKAGE_LENGTH = 40


def project_template() -> Path:
    """The copier template that `scaffold init` renders."""
    return templates_dir() / "project"


def package_from_folder(folder_name: str) -> str:
    """The package name a folder name suggests: `My-App 2` → `my_app_2`."""
    snake = re.sub(r"[^a-z0-9]+", "_", folder_name.lower())
    return snake.lstrip("_0123456789").rstrip("_")


def package_name_problem(name: str) -> str | None:
    """Why `name` cannot be the project's package, or None when it can."""
    if not PACKAGE_RE.match(name):
        return f"a package name is snake_case: {SNAKE_CASE_RULE}"
    if len(name) > MAX_PACKAGE_LENGTH:
        return f"it is longer than {MAX_PACKAGE_LENGTH} characters"
    if keyword.iskeyword(name):
        return "it is a Python keyword"
    if name in sys.stdlib_module_names:
        return f"it would shadow Python's standard-library module `{name}`"
    if name in RESERVED_PACKAGES:
        return f"it would shadow `{name}`, which the project imports"
    return None


def init_project(
    directory: Path,
    *,
    package: str | None,
    defaults: bool,
    force: bool,
    auth: str | None = None,
    template: Path | str | None = None,
    vcs_ref: str | None = None,
) -> None:
    """Render the project template into `directory`.

    `package` is the Python package (asked, or derived from the folder name with `defaults`).
    `auth` is how users sign in (`password`, the template's default, or `external`).
    `template` and `vcs_ref` select another copy or version of the template (tests use them).
    """
    target = directory.expanduser()
    _check_target(target, directory, force=force)
    data: dict[str, Any] = {}
    if package is not None:
        problem = package_name_problem(package)
        if problem:
            raise UsageError(f"invalid package name {package!r}: {problem}{_suggest(package)}")
        data["package_name"] = package
    elif defaults:
        folder = target.resolve().name
        derived = package_from_folder(folder)
        problem = package_name_problem(derived)
        if problem:
            raise UsageError(
                f"cannot make a package name from the folder name {folder!r} ({problem}); "
                "pass one with --package NAME"
            )
        data["package_name"] = derived
    if auth is not None:
        from scaffold.project import AUTH_MODES

        if auth not in AUTH_MODES:
            raise UsageError(
                f"--auth is {auth!r}: write `password` (users sign in with an email and a "
                "password) or `external` (tokens of your own identity provider)"
            )
        data["auth"] = auth
    if not defaults and not sys.stdin.isatty():
        raise UsageError("no terminal to ask the questions on; pass --defaults (and --package)")

    from scaffold.pipeline import generate
    from scaffold.upgrade.render import copy_template
    from scaffold.upgrade.run import record_template

    source = template or project_template()
    existed = target.exists()
    try:
        copy_template(
            source, target, data=data, defaults=defaults, overwrite=force, vcs_ref=vcs_ref
        )
        record_template(target, template=source, vcs_ref=vcs_ref)
        # The project starts with specs/user.yaml: render its modules and first migration.
        generate(start=target)
    except BaseException:
        if not existed:  # a failed init leaves nothing behind
            shutil.rmtree(target, ignore_errors=True)
        raise
    name = data.get("package_name", "<package>")
    print(
        f"Created a project in {directory}. Next:\n"
        f"  cd {directory}\n"
        '  pip install -e ".[dev]"\n'
        "  pytest\n"
        f"  uvicorn {name}.main:app --reload   (see README.md)"
    )


def _check_target(target: Path, shown: Path, *, force: bool) -> None:
    if target.exists() and not target.is_dir():
        raise UsageError(f"{shown} exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise UsageError(
            f"{shown} is not empty; choose a new folder, or pass --force to write into it "
            "(files the template also has are overwritten)"
        )


def _suggest(name: str) -> str:
    candidate = package_from_folder(name)
    if candidate and candidate != name and package_name_problem(candidate) is None:
        return f" (try {candidate!r})"
    return ""
