"""A project made by scaffold as of commit b758386, with hand edits to `main.py` and `db.py`,
upgrades with its edits kept; its project files then equal a fresh project's apart from those
edits, and it generates, type-checks and passes its own tests (issue 16's "done when").

The old project is the pinned rendering in `data/project-b758386.tar.gz` (data/README.md). It
records no template version, so `scaffold upgrade` finds its merge bases among the past
templates shipped in `templates/project-history.tar.xz`. Everything is compared with a fresh
`scaffold init` of the same answers, never with fixed file contents: the template may change.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from .helpers import (
    OLD_PACKAGE,
    TEMPLATE_STATE,
    assert_passes,
    copy_project,
    extract_old_project,
    files_of,
    run_tool,
    scaffold_cli,
    tree_stat,
)

pytestmark = pytest.mark.slow

MAIN = f"src/{OLD_PACKAGE}/main.py"
DB = f"src/{OLD_PACKAGE}/db.py"
# The template of b758386 is the state `templates/project/` got in commit 228f1e2.
OLD_TEMPLATE_COMMIT = "228f1e2"
OLD_VERSION_LINE = 'VERSION = "0.1.0"\n'
OUR_VERSION_LINE = 'VERSION = "0.2.0"\n'
OUR_HELPER = (
    '\n\ndef ping() -> str:\n    """Our own helper, kept by upgrades."""\n    return "pong"\n'
)


def hand_edit(path: str, text: str) -> str:
    """The user's edits of the old project, applied to `text` of the file `path`."""
    if path == MAIN:
        assert OLD_VERSION_LINE in text
        return text.replace(OLD_VERSION_LINE, OUR_VERSION_LINE)
    if path == DB:
        return text + OUR_HELPER
    return text


def edit_files(root: Path) -> None:
    for path in (MAIN, DB):
        target = root / path
        target.write_text(hand_edit(path, target.read_text(encoding="utf-8")), encoding="utf-8")


@pytest.fixture(scope="module")
def old_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The b758386 project with the user's edits, never upgraded (copy it before changing it)."""
    root = extract_old_project(tmp_path_factory.mktemp("old"))
    edit_files(root)
    return root


@pytest.fixture(scope="module")
def upgraded(
    old_project: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, CompletedProcess[str], CompletedProcess[str]]:
    """A copy of the old project after `scaffold upgrade`, then `scaffold generate`."""
    root = copy_project(old_project, tmp_path_factory.mktemp("upgraded") / OLD_PACKAGE)
    upgrade = scaffold_cli("upgrade", cwd=root)
    generate = scaffold_cli("generate", cwd=root)
    return root, upgrade, generate


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`scaffold init` today, with the old project's answers (its folder name is the package)
    and `auth: external`."""
    folder = tmp_path_factory.mktemp("fresh")
    # an old project upgrades to `auth: external`, what it did: sign-in is an opt-in
    init = ("init", OLD_PACKAGE, "--defaults", "--auth", "external")
    assert_passes(scaffold_cli(*init, cwd=folder))
    return folder / OLD_PACKAGE


def test_generate_refuses_the_old_project_until_it_is_upgraded(old_project: Path) -> None:
    before = tree_stat(old_project)
    out = scaffold_cli("generate", cwd=old_project)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "scaffold upgrade" in out.stderr
    assert "Traceback" not in out.stderr
    assert tree_stat(old_project) == before  # nothing written


def test_upgrade_finds_the_template_the_project_was_made_with(
    upgraded: tuple[Path, CompletedProcess[str], CompletedProcess[str]],
) -> None:
    _, upgrade, generate = upgraded
    assert_passes(upgrade)
    assert f"the past template of {OLD_TEMPLATE_COMMIT}" in upgrade.stdout
    assert "conflict" not in upgrade.stdout
    assert_passes(generate)


def test_upgraded_project_equals_a_fresh_one_apart_from_the_edits(
    upgraded: tuple[Path, CompletedProcess[str], CompletedProcess[str]], fresh: Path
) -> None:
    root = upgraded[0]
    # Migrations are never rewritten (the old 0001 stays as it was written); state is compared
    # below, where it must agree.
    skip = (".scaffold/", "migrations/versions/")
    ours, theirs = files_of(root, skip=skip), files_of(fresh, skip=skip)
    assert sorted(ours) == sorted(theirs)
    differing = [path for path in theirs if ours[path] != hand_edit(path, theirs[path])]
    assert differing == []
    assert OUR_VERSION_LINE in ours[MAIN] and ours[DB].endswith(OUR_HELPER)
    # The merge bases and the version recorded are those of a fresh init: the next upgrade
    # merges against exactly what the template rendered.
    assert files_of(root / TEMPLATE_STATE) == files_of(fresh / TEMPLATE_STATE)


def test_a_second_upgrade_and_check_change_nothing(
    upgraded: tuple[Path, CompletedProcess[str], CompletedProcess[str]],
) -> None:
    root = upgraded[0]
    before = tree_stat(root)
    again = scaffold_cli("upgrade", cwd=root)
    assert_passes(again)
    assert "unchanged" in again.stdout
    assert_passes(scaffold_cli("check", cwd=root))
    assert tree_stat(root) == before


def test_upgraded_project_passes_ruff_and_black(
    upgraded: tuple[Path, CompletedProcess[str], CompletedProcess[str]],
) -> None:
    root = upgraded[0]
    assert_passes(run_tool(root, "ruff", "check", "."))
    assert_passes(run_tool(root, "black", "--check", "-q", "."))


def test_upgraded_project_passes_mypy_strict(
    upgraded: tuple[Path, CompletedProcess[str], CompletedProcess[str]],
) -> None:
    assert_passes(run_tool(upgraded[0], "mypy", "--strict", "src"))


def test_upgraded_project_passes_its_own_tests_on_sqlite(
    upgraded: tuple[Path, CompletedProcess[str], CompletedProcess[str]],
) -> None:
    result = run_tool(upgraded[0], "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist")
    assert_passes(result)
    assert " passed" in result.stdout


def test_sign_in_is_an_opt_in_of_an_upgrade(
    upgraded: tuple[Path, CompletedProcess[str], CompletedProcess[str]], tmp_path: Path
) -> None:
    # the upgrade above kept bring-your-own tokens: no sign-in appeared by surprise
    root = tmp_path / "opted"
    shutil.copytree(upgraded[0], root)
    assert not (root / f"src/{OLD_PACKAGE}/signin.py").exists()
    assert "auth: external" in (root / "scaffold.yaml").read_text()
    # the user opts in where the setting lives, then upgrades again
    settings = root / "scaffold.yaml"
    settings.write_text(settings.read_text().replace("auth: external", "auth: password"))
    assert_passes(scaffold_cli("upgrade", cwd=root))
    assert (root / f"src/{OLD_PACKAGE}/signin.py").is_file()
    assert (root / f"src/{OLD_PACKAGE}/manage.py").is_file()
    assert "python-multipart" in (root / "pyproject.toml").read_text()
    assert "auth: password" in (root / "scaffold.yaml").read_text()
    assert_passes(scaffold_cli("generate", cwd=root))
    quiet = ("-q", "-p", "no:cacheprovider", "-p", "no:xdist")
    result = run_tool(root, "pytest", *quiet, "tests/test_signin.py")
    assert_passes(result)
    assert " passed" in result.stdout
