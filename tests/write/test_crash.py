"""Crash safety: a failure or a kill after any number of writes leaves every file wholly old or
wholly new, and the next run finishes the job."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.write import SimulatedCrash, WritePlan, apply_plan, plan_writes, recover

from .helpers import generate, tree, write
from .kinds import KINDS, rendered

MIGRATION = (
    "migrations/versions/0002_add_rating.py",
    "revision = '0002'\ndown_revision = '0001'\n",
)
States = dict[bool, tuple[Path, dict[str, str], dict[str, str], int]]
OLD_TASK = {"src/myapp/entities/tasks/model.py": '"""tasks"""\n'}


def _start(root: Path, *, conflict: bool) -> None:
    """Version 1 generated, then edited by hand: a clean edit, maybe a conflicting one, a
    deleted file; version 2 (the target) drops the task entity and adds a migration."""
    generate(root, rendered(1) | OLD_TASK, snapshot='{"v": 1}\n')
    write(root, KINDS[0].path, KINDS[0].edited(KINDS[0].v1))
    if conflict:
        write(root, KINDS[1].path, KINDS[1].conflicted(KINDS[1].v1))
    (root / KINDS[2].path).unlink()


def _target_plan(root: Path) -> WritePlan:
    return plan_writes(root, rendered(2), migration=MIGRATION, snapshot='{"v": 2}\n')


def _assert_each_file_old_or_new(
    now: dict[str, str], old: dict[str, str], new: dict[str, str]
) -> None:
    for path, text in now.items():
        if path == ".scaffold/journal.json":
            continue
        if path.endswith(".scaffold-tmp"):
            # the batch stages every new text before the first rename: a kill leaves the temp
            # files not renamed yet, each one whole (recover removes them)
            folder, _, name = path.rpartition("/")
            target = f"{folder}/{name[1 : -len('.scaffold-tmp')]}".lstrip("/")
            assert text == new.get(target), f"{path} is not the whole new text of {target}"
            continue
        assert text in (old.get(path), new.get(path)), f"{path} is neither old nor new"
    for path in set(old) & set(new):
        assert path in now, f"{path} vanished"


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> States:
    """Per scenario (with or without a conflict): start folder, old tree, final tree, writes."""
    out = {}
    for conflict in (False, True):
        start = tmp_path_factory.mktemp(f"start-{conflict}")
        _start(start, conflict=conflict)
        old = tree(start)
        done = tmp_path_factory.mktemp(f"done-{conflict}")
        shutil.copytree(start, done, dirs_exist_ok=True)
        plan = _target_plan(done)
        apply_plan(plan)
        out[conflict] = (start, old, tree(done), len(plan.ops))
    return out


def test_scenario_plan_is_big_enough(states: States) -> None:
    assert states[True][3] >= 12  # migration, snapshot, files, bases, manifest


@pytest.mark.parametrize("conflict", [False, True], ids=["clean", "conflict"])
def test_crash_after_every_write_then_recover(
    tmp_path: Path,
    states: States,
    conflict: bool,
) -> None:
    start, old, new, total = states[conflict]
    for n in range(total + 1):
        root = tmp_path / f"n{n}"
        shutil.copytree(start, root)
        with pytest.raises(SimulatedCrash):
            apply_plan(_target_plan(root), fail_after=n)
        _assert_each_file_old_or_new(tree(root), old, new)
        assert (root / ".scaffold/journal.json").exists()
        assert recover(root)[0].startswith("finished an interrupted generate")
        assert tree(root) == new, f"did not converge after a crash at write {n}"
        assert _target_plan(root).ops == ()  # and the next run has nothing left to do


def test_crash_then_plain_rerun_converges_without_recover(tmp_path: Path, states: States) -> None:
    """Even a caller that never runs `recover` converges: a file that already holds its new
    content counts as unchanged, whatever its base says."""
    start, _old, new, total = states[False]
    for n in range(1, total + 1):
        root = tmp_path / f"n{n}"
        shutil.copytree(start, root)
        with pytest.raises(SimulatedCrash):
            apply_plan(_target_plan(root), fail_after=n)
        apply_plan(_target_plan(root))
        assert tree(root) == new, f"did not converge after a crash at write {n}"


def _failing_replace(fail_at: int) -> Callable[..., None]:
    real = os.replace
    calls = {"n": 0}

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        calls["n"] += 1
        if calls["n"] == fail_at:
            raise OSError(28, "No space left on device")
        real(src, dst)

    return replace


@pytest.mark.parametrize("conflict", [False, True], ids=["clean", "conflict"])
def test_an_error_at_any_write_rolls_everything_back(
    tmp_path: Path,
    states: States,
    monkeypatch: pytest.MonkeyPatch,
    conflict: bool,
) -> None:
    start, old, new, _total = states[conflict]
    for fail_at in range(1, 100):  # the journal's write is number 1
        root = tmp_path / f"f{fail_at}"
        shutil.copytree(start, root)
        plan = _target_plan(root)
        monkeypatch.setattr(os, "replace", _failing_replace(fail_at))
        try:
            apply_plan(plan)
        except OSError as exc:
            assert "No space left" in str(exc)
        else:  # past the last rename: the whole plan went through
            assert tree(root) == new and fail_at > 10
            break
        finally:
            monkeypatch.undo()
        assert tree(root) == old, f"not rolled back after a failure at write {fail_at}"
        dirs = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir())
        start_dirs = (p.relative_to(start).as_posix() for p in start.rglob("*") if p.is_dir())
        assert dirs == sorted(start_dirs)


def test_files_changed_after_planning_are_not_clobbered(tmp_path: Path) -> None:
    from scaffold.write import WriteError

    generate(tmp_path, rendered(1))
    plan = plan_writes(tmp_path, rendered(2))
    write(tmp_path, KINDS[0].path, "# typed in meanwhile\n")
    with pytest.raises(WriteError, match="changed on disk"):
        apply_plan(plan)
    assert (tmp_path / KINDS[0].path).read_text() == "# typed in meanwhile\n"
    assert not (tmp_path / ".scaffold/journal.json").exists()


def test_recover_leaves_a_file_edited_after_the_crash(tmp_path: Path) -> None:
    generate(tmp_path, rendered(1))
    with pytest.raises(SimulatedCrash):
        apply_plan(plan_writes(tmp_path, rendered(2)), fail_after=0)
    last = sorted(k.path for k in KINDS)[-1]
    write(tmp_path, last, "# edited after the crash\n")
    lines = recover(tmp_path)
    assert any(last in line for line in lines[1:])
    assert (tmp_path / last).read_text() == "# edited after the crash\n"
    assert recover(tmp_path) == []


def test_recover_removes_leftover_temp_files(tmp_path: Path) -> None:
    generate(tmp_path, rendered(1))
    with pytest.raises(SimulatedCrash):
        apply_plan(plan_writes(tmp_path, rendered(2)), fail_after=1)
    leftover = tmp_path / "src/myapp/entities/comments/.model.py.scaffold-tmp"
    leftover.write_text("half a fi")
    recover(tmp_path)
    assert not leftover.exists()


def test_progress_hook_sees_every_write(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    plan = plan_writes(tmp_path, rendered(1))
    apply_plan(plan, on_progress=lambda done, total: seen.append((done, total)))
    assert seen == [(i, len(plan.ops)) for i in range(1, len(plan.ops) + 1)]
