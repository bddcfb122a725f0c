"""The render stage itself: interface, template failures, import tidying, black settings."""

from __future__ import annotations

import ast
from pathlib import Path

import jinja2
import pytest

import scaffold.render.project as project_module
from scaffold.errors import ScaffoldError
from scaffold.render import RenderError, render_project
from scaffold.render.environment import make_environment
from scaffold.render.format import format_python, verify_python
from scaffold.render.imports import organize_imports

from .cases import PACKAGE, case_schema


def test_render_project_returns_every_entity_file_once() -> None:
    schema = case_schema("examples")
    files = render_project(schema, package=PACKAGE, specs_dir="specs", src_dir="src")
    for entity in schema.entities:
        base = f"src/{PACKAGE}/entities/{entity.module}"
        names = ["__init__", "model", "schemas", "queries", "actions"]
        names += ["routes"] if entity.api else []
        for name in names:
            assert f"{base}/{name}.py" in files
        assert f"tests/entities/test_{entity.plural}.py" in files
    for once in ("entities/registry.py",):
        assert f"src/{PACKAGE}/{once}" in files
    assert "tests/entities/factories.py" in files
    assert "tests/entities/__init__.py" in files
    for path, text in files.items():
        ast.parse(text, filename=path)


def test_src_dir_and_package_shape_the_paths() -> None:
    files = render_project(case_schema("examples"), package="shop", src_dir="lib")
    assert "lib/shop/entities/registry.py" in files
    assert all(p.startswith(("lib/shop/", "tests/")) for p in files)
    assert "from shop.db import" in files["lib/shop/entities/tasks/model.py"]


def _broken_environment(tmp_path: Path, body: str) -> jinja2.Environment:
    real = make_environment()
    assert real.loader is not None
    folder = tmp_path / "entity"
    folder.mkdir()
    for name in real.loader.list_templates():
        (folder / name).write_text(real.loader.get_source(real, name)[0], encoding="utf-8")
    (folder / "model.py.jinja").write_text(body, encoding="utf-8")
    make_environment.cache_clear()
    return make_environment(str(folder))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{{ header }}\nx = {{ entity.no_such_attribute }}\n", "model.py.jinja"),
        ("{{ header }}\ndef broken(:\n", "does not parse"),
        ("{{ header }}\n{% for %}\n", "model.py.jinja"),
    ],
)
def test_a_template_bug_fails_the_render_with_a_scaffold_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, message: str
) -> None:
    env = _broken_environment(tmp_path, body)
    monkeypatch.setattr(project_module, "make_environment", lambda: env)
    with pytest.raises(RenderError) as caught:
        render_project(case_schema("examples"), package=PACKAGE)
    assert isinstance(caught.value, ScaffoldError)
    assert message in str(caught.value)
    make_environment.cache_clear()


def test_verify_names_the_file_and_line() -> None:
    with pytest.raises(RenderError, match=r"src/x\.py:2:"):
        verify_python("src/x.py", "x = 1\ny = (\n")


def test_format_uses_line_length_100_and_is_cached() -> None:
    # 95 characters: black's default (88) would wrap it, the project's 100 keeps it.
    fits = "value = function_name(" + ", ".join(f"argument_{i}" for i in range(6)) + ", arg_x)\n"
    assert 88 < len(fits.rstrip()) <= 100
    assert format_python(fits) == fits
    too_long = fits.replace("arg_x", "argument_number_seven")
    assert len(too_long.rstrip()) > 100
    formatted = format_python(too_long)
    assert formatted == format_python(too_long)
    assert formatted != too_long
    assert all(len(line) <= 100 for line in formatted.splitlines())


def test_unused_imports_are_dropped_and_sections_sorted() -> None:
    source = '''"""Doc."""

from probeapp.db import utcnow, Base
import uuid
from typing import TYPE_CHECKING, Any, Literal
import sqlalchemy as sa
import datetime
from . import factories

if TYPE_CHECKING:
    from probeapp.entities.tasks.model import Task
    from probeapp.entities.users.model import User


def f(x: Task) -> Any:
    return sa.select(Base), uuid.uuid4(), factories
'''
    expected = '''"""Doc."""

import uuid
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from probeapp.db import Base

from . import factories

if TYPE_CHECKING:
    from probeapp.entities.tasks.model import Task

def f(x: Task) -> Any:
    return sa.select(Base), uuid.uuid4(), factories
'''
    assert organize_imports(source, first_party="probeapp") == expected


def test_names_are_ordered_constants_classes_then_functions() -> None:
    source = "from m import zeta, Alpha, BETA, alpha\n\nprint(zeta, Alpha, BETA, alpha)\n"
    assert organize_imports(source, first_party="p").startswith(
        "from m import BETA, Alpha, alpha, zeta\n"
    )


@pytest.mark.parametrize("case", ["examples", "coverage"])
def test_no_generated_line_is_longer_than_100(case: str) -> None:
    # black wraps code but not docstrings, comments or long literals: templates must.
    files = render_project(case_schema(case), package=PACKAGE)
    long_lines = [
        f"{path}:{number}"
        for path, text in files.items()
        for number, line in enumerate(text.splitlines(), 1)
        if len(line) > 100
    ]
    assert not long_lines
