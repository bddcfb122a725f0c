"""Dependencies of `pyproject.toml` are merged in, not overwritten (upgrade/pyproject.py)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from scaffold.upgrade.plan import plan_upgrade
from scaffold.upgrade.pyproject import resolve_dependency_conflicts
from scaffold.write import Action, merge_text

BASE = """[project]
name = "app"
dependencies = [
  "fastapi>=0.110",
  "sqlalchemy>=2.0",
]

[project.optional-dependencies]
dev = ["pytest>=8"]
"""


def with_deps(*lines: str) -> str:
    """BASE with `lines` added at the end of `dependencies`."""
    added = "".join(f"  {line}\n" for line in lines)
    return BASE.replace('  "sqlalchemy>=2.0",\n', '  "sqlalchemy>=2.0",\n' + added)


def dependencies(text: str) -> list[str]:
    deps = tomllib.loads(text)["project"]["dependencies"]
    assert isinstance(deps, list)
    return deps


def test_both_sides_adding_at_the_same_place_is_a_union() -> None:
    ours = with_deps('"stripe>=9",  # payments')
    theirs = with_deps('"redis>=5",', '"cachetools>=5.3",')
    merged = merge_text(BASE, ours, theirs)
    assert not merged.clean  # what the line merge alone makes of it
    resolved = resolve_dependency_conflicts(merged.text)
    assert resolved is not None
    assert dependencies(resolved) == [
        "fastapi>=0.110",
        "sqlalchemy>=2.0",
        "stripe>=9",
        "redis>=5",
        "cachetools>=5.3",
    ]
    assert '  "stripe>=9",  # payments\n' in resolved  # the user's line kept as written


def test_a_last_item_without_comma_gets_one() -> None:
    base = BASE.replace('"sqlalchemy>=2.0",', '"sqlalchemy>=2.0"')
    ours = base.replace('"sqlalchemy>=2.0"\n', '"sqlalchemy>=2.0",\n  "stripe>=9"\n')
    theirs = base.replace('"sqlalchemy>=2.0"\n', '"sqlalchemy>=2.0",\n  "redis>=5"\n')
    resolved = resolve_dependency_conflicts(merge_text(base, ours, theirs).text)
    assert resolved is not None
    assert dependencies(resolved)[-2:] == ["stripe>=9", "redis>=5"]


def test_the_same_package_required_differently_stays_a_conflict() -> None:
    ours = with_deps('"redis>=4,<5",')
    theirs = with_deps('"redis>=5",')
    assert resolve_dependency_conflicts(merge_text(BASE, ours, theirs).text) is None


def test_a_conflict_outside_dependencies_stays_a_conflict() -> None:
    ours = BASE.replace('name = "app"', 'name = "ours"')
    theirs = BASE.replace('name = "app"', 'name = "theirs"')
    assert resolve_dependency_conflicts(merge_text(BASE, ours, theirs).text) is None


def test_upgrade_plan_merges_pyproject_dependencies(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(with_deps('"stripe>=9",'))
    theirs = with_deps('"redis>=5",')
    plan = plan_upgrade(
        tmp_path, {"pyproject.toml": theirs}, {"pyproject.toml": BASE}, template_version=1
    )
    (change,) = plan.files
    assert change.action is Action.MERGE
    assert change.after is not None
    assert dependencies(change.after)[-2:] == ["stripe>=9", "redis>=5"]
    assert change.generated == theirs  # the next base is the template's own text


@pytest.mark.parametrize("path", ["README.md", "src/app/main.py"])
def test_other_files_keep_their_conflicts(tmp_path: Path, path: str) -> None:
    (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / path).write_text(with_deps('"stripe>=9",'))
    plan = plan_upgrade(
        tmp_path, {path: with_deps('"redis>=5",')}, {path: BASE}, template_version=1
    )
    assert plan.files[0].action is Action.CONFLICT
