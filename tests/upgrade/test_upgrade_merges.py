"""`scaffold upgrade` follows DESIGN §5's table for the project's own files.

Each test starts from a fresh `scaffold init` and makes its "older template" by rewriting the
recorded merge base (`.scaffold/template/base/<path>`): what the template rendered last. The
lines changed are picked from today's render, so the tests hold whatever the template says.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from scaffold.template_version import PROJECT_TEMPLATE_VERSION

from .helpers import FRESH_PACKAGE, TEMPLATE_STATE, files_of, scaffold_cli, tree_stat

PACKAGE = FRESH_PACKAGE
MAIN = f"src/{PACKAGE}/main.py"
DB = f"src/{PACKAGE}/db.py"
STATE = f"{TEMPLATE_STATE}/state.json"


def base_of(path: str) -> str:
    return f"{TEMPLATE_STATE}/base/{path}"


def read(root: Path, path: str) -> str:
    return (root / path).read_text(encoding="utf-8")


def write(root: Path, path: str, text: str) -> None:
    (root / path).write_text(text, encoding="utf-8")


def first_def_line(text: str) -> str:
    """A line of today's render to play the template's change: its first `def` line."""
    line = next(line for line in text.splitlines(keepends=True) if line.startswith("def "))
    assert text.count(line) == 1
    return line


def older(text: str) -> str:
    """`text` as an "older template" rendered it: its first `def` line renamed."""
    line = first_def_line(text)
    return text.replace(line, line.replace("def ", "def old_", 1))


def test_a_fresh_project_upgrades_to_no_change(project: Path) -> None:
    before = tree_stat(project)
    out = scaffold_cli("upgrade", cwd=project)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"→ project template version {PROJECT_TEMPLATE_VERSION}" in out.stdout
    assert "created" not in out.stdout and "updated" not in out.stdout
    assert tree_stat(project) == before  # not even an mtime


def test_untouched_file_is_replaced_by_the_new_render(project: Path, pristine: Path) -> None:
    new = read(pristine, DB)
    write(project, DB, older(new))
    write(project, base_of(DB), older(new))
    out = scaffold_cli("upgrade", cwd=project)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"update   {DB}" in out.stdout
    assert read(project, DB) == new
    assert read(project, base_of(DB)) == new  # the base moves on with the file


def test_edited_file_is_merged_with_the_edits_kept(project: Path, pristine: Path) -> None:
    new = read(pristine, MAIN)
    ours = older(new) + "\n# deployed on Fridays\n"
    write(project, MAIN, ours)
    write(project, base_of(MAIN), older(new))
    out = scaffold_cli("upgrade", cwd=project)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"merge    {MAIN}  (your edits kept)" in out.stdout
    assert read(project, MAIN) == new + "\n# deployed on Fridays\n"
    assert read(project, base_of(MAIN)) == new


def test_conflict_writes_markers_lists_the_file_and_exits_1(project: Path, pristine: Path) -> None:
    new = read(pristine, MAIN)
    line = first_def_line(new)
    ours = new.replace(line, line.replace("def ", "def my_", 1))
    write(project, MAIN, ours)
    write(project, base_of(MAIN), older(new))
    out = scaffold_cli("upgrade", cwd=project)
    assert out.returncode == 1, out.stdout + out.stderr
    assert f"conflict {MAIN}" in out.stdout
    text = read(project, MAIN)
    assert "<<<<<<< yours\n" + line.replace("def ", "def my_", 1) in text
    assert "=======\n" + line + ">>>>>>> generated\n" in text
    assert "1 file(s) have conflicts" in out.stdout


def test_force_overwrites_edits_and_restores_deleted_files(project: Path, pristine: Path) -> None:
    write(project, MAIN, read(project, MAIN) + "\n# ours\n")
    (project / DB).unlink()
    out = scaffold_cli("upgrade", "--force", cwd=project)
    assert out.returncode == 0, out.stdout + out.stderr
    assert read(project, MAIN) == read(pristine, MAIN)
    assert read(project, DB) == read(pristine, DB)


def test_file_deleted_by_the_user_stays_deleted_and_is_reported(
    project: Path, pristine: Path
) -> None:
    tests_app = "tests/test_app.py"
    (project / tests_app).unlink()
    write(project, base_of(tests_app), older(read(pristine, tests_app)))
    out = scaffold_cli("upgrade", cwd=project)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"skip     {tests_app}  (you deleted it; it stays deleted" in out.stdout
    assert not (project / tests_app).exists()
    again = scaffold_cli("upgrade", "--json", cwd=project)
    actions = {f["path"]: f["action"] for f in json.loads(again.stdout)["files"]}
    assert actions[tests_app] == "deleted-by-user"  # still tracked: a later upgrade skips it too


def test_file_the_new_template_no_longer_renders_is_removed_when_untouched(
    project: Path,
) -> None:
    gone = f"src/{PACKAGE}/core/retired.py"
    write(project, gone, '"""A module an older template had."""\n')
    write(project, base_of(gone), '"""A module an older template had."""\n')
    state = json.loads(read(project, STATE))
    write(project, STATE, json.dumps({**state, "files": [*state["files"], gone]}))
    out = scaffold_cli("upgrade", cwd=project)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"remove   {gone}" in out.stdout
    assert not (project / gone).exists() and not (project / base_of(gone)).exists()
    assert gone not in json.loads(read(project, STATE))["files"]


def test_dry_run_shows_the_diff_and_writes_nothing(project: Path, pristine: Path) -> None:
    new = read(pristine, DB)
    write(project, DB, older(new))
    write(project, base_of(DB), older(new))
    before = tree_stat(project)
    out = scaffold_cli("upgrade", "--dry-run", cwd=project)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"--- a/{DB}\n+++ b/{DB}\n" in out.stdout
    assert "+" + first_def_line(new) in out.stdout
    assert tree_stat(project) == before


def test_json_lists_every_file_with_its_action(project: Path, pristine: Path) -> None:
    new = read(pristine, DB)
    write(project, DB, older(new))
    write(project, base_of(DB), older(new))
    before = tree_stat(project)
    out = scaffold_cli("upgrade", "--dry-run", "--json", cwd=project)
    assert out.returncode == 0, out.stdout + out.stderr
    data = json.loads(out.stdout)
    actions = {f["path"]: f["action"] for f in data["files"]}
    assert actions[DB] == "update"
    assert set(actions.values()) == {"update", "unchanged"}
    assert data["template"]["to"] == PROJECT_TEMPLATE_VERSION
    assert data["has_conflicts"] is False
    assert tree_stat(project) == before  # --dry-run --json writes nothing either


def test_unrecorded_project_of_unknown_provenance_is_left_for_review(project: Path) -> None:
    """No past template reproduces any file: nothing is merged against a guess."""
    recorded = json.loads(read(project, STATE))["files"]
    shutil.rmtree(project / TEMPLATE_STATE)
    for path in recorded:
        if path != ".copier-answers.yml":
            write(project, path, read(project, path) + "\n# ours\n")
    edited = files_of(project, skip=(".scaffold/", ".copier-answers.yml"))
    out = scaffold_cli("upgrade", cwd=project)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "no past template matches" in out.stdout
    assert f"review   {MAIN}" in out.stdout
    assert files_of(project, skip=(".scaffold/", ".copier-answers.yml")) == edited
    assert "<<<<<<<" not in "".join(edited.values())
    # reviewed once: the next upgrade merges against the template shown today
    assert json.loads(read(project, STATE))["template_version"] == PROJECT_TEMPLATE_VERSION
    again = scaffold_cli("upgrade", cwd=project)
    assert again.returncode == 0, again.stdout + again.stderr


def test_a_failed_upgrade_leaves_the_tree_as_it_was(project: Path, pristine: Path) -> None:
    new = read(pristine, DB)
    write(project, DB, older(new))
    write(project, base_of(DB), older(new))
    # The bases of tests/ cannot be written (a file where their folder must be), and they are
    # written after db.py: the upgrade fails half-way and must undo what it wrote.
    shutil.rmtree(project / TEMPLATE_STATE / "base" / "tests")
    write(project, f"{TEMPLATE_STATE}/base/tests", "in the way\n")
    before = {path: digest for path, (digest, _) in tree_stat(project).items()}
    out = scaffold_cli("upgrade", cwd=project)
    assert out.returncode != 0, out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    assert {path: digest for path, (digest, _) in tree_stat(project).items()} == before
    assert read(project, DB) == older(new)
