"""The template version: recorded at init, checked by generate, and an answers file that tells
the truth about how the project is upgraded."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import yaml

from scaffold.template_version import MIN_PROJECT_TEMPLATE_VERSION, PROJECT_TEMPLATE_VERSION

from .helpers import FRESH_PACKAGE, TEMPLATE_STATE, scaffold_cli, tree_stat

PACKAGE = FRESH_PACKAGE
STATE = f"{TEMPLATE_STATE}/state.json"


def set_version(project: Path, version: int) -> None:
    state = json.loads((project / STATE).read_text())
    (project / STATE).write_text(json.dumps({**state, "template_version": version}))


def test_init_records_the_version_and_a_base_for_every_template_file(pristine: Path) -> None:
    state = json.loads((pristine / STATE).read_text())
    assert state["template_version"] == PROJECT_TEMPLATE_VERSION
    assert f"src/{PACKAGE}/main.py" in state["files"]
    assert "pyproject.toml" in state["files"]
    assert not [path for path in state["files"] if path.startswith("specs/")]  # the user's
    for path in state["files"]:
        base = pristine / TEMPLATE_STATE / "base" / path
        assert base.read_bytes() == (pristine / path).read_bytes(), path


def test_answers_file_names_scaffold_upgrade_and_keeps_the_answers(pristine: Path) -> None:
    text = (pristine / ".copier-answers.yml").read_text()
    assert "run `scaffold upgrade`" in text
    assert "`copier update` is not needed" in text
    answers = yaml.safe_load(text)
    assert answers["package_name"] == PACKAGE
    assert "_commit" not in answers  # nothing a `copier update` could start from


def test_generate_refuses_an_older_template_with_exit_2_and_writes_nothing(
    project: Path,
) -> None:
    set_version(project, MIN_PROJECT_TEMPLATE_VERSION - 1)
    (project / "specs" / "tag.yaml").write_text("entity: tag\nfields:\n  label: string(40)\n")
    before = tree_stat(project)
    for args in (["generate"], ["new", "entity", "note", "--field", "body:text"]):
        out = scaffold_cli(*args, cwd=project)
        assert out.returncode == 2, out.stdout + out.stderr
        assert "run `scaffold upgrade` first" in out.stderr
        assert "Traceback" not in out.stderr
        assert tree_stat(project) == before


def test_generate_refuses_a_project_made_before_versions_were_recorded(project: Path) -> None:
    shutil.rmtree(project / TEMPLATE_STATE)
    (project / "specs" / "tag.yaml").write_text("entity: tag\nfields:\n  label: string(40)\n")
    before = tree_stat(project)
    out = scaffold_cli("generate", cwd=project)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "made before scaffold recorded template versions" in out.stderr
    assert tree_stat(project) == before
    # `copier copy` of today's template is such a project too: the upgrade finds every file
    # equal to today's render and only records the state
    upgraded = scaffold_cli("upgrade", cwd=project)
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    assert "the past template of current" in upgraded.stdout
    assert json.loads((project / STATE).read_text())["template_version"] == PROJECT_TEMPLATE_VERSION
    assert scaffold_cli("generate", cwd=project).returncode == 0


def test_upgrade_refuses_a_project_of_a_newer_scaffold(project: Path) -> None:
    set_version(project, PROJECT_TEMPLATE_VERSION + 1)
    before = tree_stat(project)
    out = scaffold_cli("upgrade", cwd=project)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "newer than this scaffold knows" in out.stderr
    assert tree_stat(project) == before


def test_upgrade_refuses_a_project_not_made_from_the_template(tmp_path: Path) -> None:
    (tmp_path / "scaffold.yaml").write_text("package: handmade\n")
    out = scaffold_cli("upgrade", cwd=tmp_path)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "not made by `scaffold init`" in out.stderr
    assert "Traceback" not in out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scaffold.yaml"]


def test_upgrade_outside_a_project_is_a_usage_error(tmp_path: Path) -> None:
    out = scaffold_cli("upgrade", cwd=tmp_path)
    assert out.returncode == 2
    assert "scaffold.yaml" in out.stderr and "Traceback" not in out.stderr


def test_answers_file_of_a_git_versioned_template_names_copier_update(tmp_path: Path) -> None:
    """Made from a tagged git copy of the template, `copier update` works, and the file says so."""
    from scaffold.bootstrap import init_project, project_template

    template = tmp_path / "template"
    shutil.copytree(project_template(), template)
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        ["-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-q", "-m", "v1"],
        ["tag", "v1"],
    ):
        subprocess.run(["git", *args], cwd=template, check=True, capture_output=True)
    target = tmp_path / "gitapp"
    init_project(target, package="gitapp", defaults=True, force=False, template=template)
    text = (target / ".copier-answers.yml").read_text()
    assert "`copier update` brings this project" in text
    assert yaml.safe_load(text)["_commit"] == "v1"
    # what init recorded is what copier wrote, answers file included
    base = target / TEMPLATE_STATE / "base" / ".copier-answers.yml"
    assert base.read_text() == text
