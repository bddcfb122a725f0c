"""`copier update` brings a project to a newer template version and keeps the user's edits."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from scaffold.bootstrap import init_project, project_template

GIT_IDENTITY = ("-c", "user.name=Test", "-c", "user.email=test@example.com")


def git(folder: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *GIT_IDENTITY, *args], cwd=folder, capture_output=True, text=True, check=True
    )
    return result.stdout


def commit_all(folder: Path, message: str) -> None:
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", message)


@pytest.fixture
def versioned_template(tmp_path: Path) -> Path:
    """A copy of the project template in its own git repository, tagged `v1`."""
    template = tmp_path / "template"
    shutil.copytree(project_template(), template)
    git(template, "init", "-q", "-b", "main")
    commit_all(template, "template v1")
    git(template, "tag", "v1")
    return template


def test_update_applies_template_changes_and_keeps_user_edits(
    tmp_path: Path, versioned_template: Path
) -> None:
    import copier

    project = tmp_path / "probe"
    init_project(
        project, package="probeapp", defaults=True, force=False, template=versioned_template
    )
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v1"
    assert answers["package_name"] == "probeapp"

    # The user edits the project and commits (copier update needs a clean work tree).
    git(project, "init", "-q", "-b", "main")
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\n## Our deployment\n\nWe deploy on Fridays.\n")
    main = project / "src/probeapp/main.py"
    main.write_text(main.read_text().replace('VERSION = "0.1.0"', 'VERSION = "0.2.0"'))
    commit_all(project, "our edits")

    # The template gets a new version: a changed file and a new one.
    template_readme = versioned_template / "template/README.md.jinja"
    template_readme.write_text(
        template_readme.read_text().replace(
            "## Install and test", "## Requirements\n\nPython 3.11 or newer.\n\n## Install and test"
        )
    )
    (versioned_template / "template/CONTRIBUTING.md.jinja").write_text(
        "# Contributing to {{ project_name }}\n"
    )
    commit_all(versioned_template, "template v2")
    git(versioned_template, "tag", "v2")

    copier.run_update(project, defaults=True, overwrite=True, unsafe=False, quiet=True)

    text = readme.read_text()
    assert "## Requirements\n\nPython 3.11 or newer." in text  # the template's change
    assert "We deploy on Fridays." in text  # the user's edit
    assert "<<<<<<<" not in text
    assert 'VERSION = "0.2.0"' in main.read_text()
    assert (project / "CONTRIBUTING.md").read_text() == "# Contributing to probe\n"
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v2"
    assert answers["package_name"] == "probeapp"
