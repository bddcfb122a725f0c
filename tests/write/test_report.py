"""What the plan tells people and machines: summary lines, `--json`, the diff."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffold.write import plan_writes

from .helpers import generate, write
from .kinds import KINDS, rendered


@pytest.fixture
def plan_with_everything(tmp_path: Path):  # type: ignore[no-untyped-def]
    extra = {"src/myapp/entities/tasks/model.py": '"""tasks"""\n'}
    generate(tmp_path, rendered(1) | extra)
    write(tmp_path, KINDS[0].path, KINDS[0].edited(KINDS[0].v1))
    write(tmp_path, KINDS[1].path, KINDS[1].conflicted(KINDS[1].v1))
    (tmp_path / KINDS[2].path).unlink()
    new = rendered(2) | {"src/myapp/entities/labels/model.py": '"""labels"""\n'}
    return plan_writes(
        tmp_path, new, migration=("migrations/versions/0002_x.py", "x\n"), snapshot="{}\n"
    )


def test_json_plan_lists_every_file_with_its_action(plan_with_everything) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(plan_with_everything.to_json(extra={"migration": {"ops": ["add_column"]}}))
    actions = {f["path"]: f["action"] for f in data["files"]}
    assert actions[KINDS[0].path] == "merge"
    assert actions[KINDS[1].path] == "conflict"
    assert actions[KINDS[2].path] == "deleted-by-user"
    assert actions[KINDS[3].path] == "update"
    assert actions["src/myapp/entities/tasks/model.py"] == "remove"
    assert actions["src/myapp/entities/labels/model.py"] == "create"
    assert data["has_conflicts"] is True and data["conflicts"] == [KINDS[1].path]
    assert data["migration_file"]["path"] == "migrations/versions/0002_x.py"
    assert data["migration"] == {"ops": ["add_column"]}
    assert data["counts"]["update"] == 3


def test_json_is_deterministic(plan_with_everything) -> None:  # type: ignore[no-untyped-def]
    assert plan_with_everything.to_json() == plan_with_everything.to_json()


def test_extra_json_cannot_replace_plan_fields(plan_with_everything) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        plan_with_everything.to_json(extra={"files": []})


def test_summary_names_what_happened(plan_with_everything) -> None:  # type: ignore[no-untyped-def]
    lines = plan_with_everything.summary_lines()
    text = "\n".join(lines)
    assert f"merge    {KINDS[0].path}  (your edits kept)" in text
    assert f"conflict {KINDS[1].path}" in text
    assert f"skip     {KINDS[2].path}" in text
    assert "remove   src/myapp/entities/tasks/model.py" in text
    assert "create   src/myapp/entities/labels/model.py" in text
    assert lines[-2].startswith("files: 1 created, 3 updated, 1 merged, 1 with conflicts")
    assert "<<<<<<< yours" in lines[-1]


def test_summary_of_a_no_change_run(tmp_path: Path) -> None:
    generate(tmp_path, rendered(1))
    assert plan_writes(tmp_path, rendered(1)).summary_lines() == [f"files: {len(KINDS)} unchanged"]


def test_diff_shows_deletions_and_missing_newlines(tmp_path: Path) -> None:
    generate(tmp_path, {"a.py": "x = 1\n", "b.py": "y = 2\n"})
    diff = plan_writes(tmp_path, {"a.py": "x = 1"}).diff()
    assert "--- a/b.py\n+++ /dev/null\n" in diff
    assert "+x = 1\n\\ No newline at end of file\n" in diff
