"""`plan_destroy`: an entity's untouched files go, edited ones stay (listed)."""

from __future__ import annotations

import json
from pathlib import Path

from scaffold.write import Action, apply_plan, plan_destroy, plan_writes

from .helpers import generate, read, stats, write
from .kinds import KINDS, rendered

TASK = {
    "src/myapp/entities/tasks/model.py": '"""tasks model"""\n',
    "src/myapp/entities/tasks/routes.py": '"""tasks routes"""\n',
}


def _project(root: Path) -> None:
    generate(root, rendered(1) | TASK)


def test_destroy_removes_untouched_and_keeps_edited(tmp_path: Path) -> None:
    _project(tmp_path)
    edited = KINDS[4]
    write(tmp_path, edited.path, edited.edited(edited.v1))
    plan = plan_destroy(tmp_path, [k.path for k in KINDS])
    apply_plan(plan)
    assert plan.paths(Action.KEEP_EDITED) == [edited.path]
    assert read(tmp_path, edited.path) == edited.edited(edited.v1)
    for k in KINDS:
        if k is not edited:
            assert not (tmp_path / k.path).exists()
    assert any("keep" in line and edited.path in line for line in plan.summary_lines())
    # the other entity is untouched and still tracked
    manifest = json.loads(read(tmp_path, ".scaffold/manifest.json"))
    assert [f["path"] for f in manifest["files"]] == sorted(TASK)
    assert plan_writes(tmp_path, TASK).ops == ()


def test_destroy_leaves_other_entities_alone(tmp_path: Path) -> None:
    _project(tmp_path)
    task_stats = {p: (tmp_path / p).stat().st_mtime_ns for p in TASK}
    apply_plan(plan_destroy(tmp_path, [k.path for k in KINDS]))
    assert {p: (tmp_path / p).stat().st_mtime_ns for p in TASK} == task_stats


def test_destroy_of_files_never_generated_does_nothing(tmp_path: Path) -> None:
    _project(tmp_path)
    write(tmp_path, "notes.md", "mine\n")
    before = stats(tmp_path)
    plan = plan_destroy(tmp_path, ["notes.md", "nope.py"])
    assert plan.files == () and plan.ops == ()
    apply_plan(plan)
    assert stats(tmp_path) == before


def test_destroy_through_generate_without_the_entity(tmp_path: Path) -> None:
    """The pipeline's `destroy` regenerates without the spec: the same outcome."""
    _project(tmp_path)
    edited = KINDS[0]
    write(tmp_path, edited.path, edited.edited(edited.v1))
    plan = generate(tmp_path, TASK)
    assert plan.paths(Action.KEEP_EDITED) == [edited.path]
    assert len(plan.paths(Action.REMOVE)) == len(KINDS) - 1
