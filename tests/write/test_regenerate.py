"""Scenarios of DESIGN §5: what regeneration does to each file, per generated file kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.write import Action, apply_plan, has_conflict_markers, plan_writes
from scaffold.write.merge import END_MARKER, MID_MARKER, START_MARKER

from .helpers import generate, read, stats, tree, write
from .kinds import KIND_IDS, KINDS, Kind, rendered


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project generated once at spec version 1."""
    generate(tmp_path, rendered(1))
    return tmp_path


def test_first_generate_creates_every_file_and_the_state(tmp_path: Path) -> None:
    plan = generate(tmp_path, rendered(1))
    assert {c.action for c in plan.files} == {Action.CREATE}
    for kind in KINDS:
        assert read(tmp_path, kind.path) == kind.v1
        assert read(tmp_path, f".scaffold/base/{kind.path}") == kind.v1
    assert (tmp_path / ".scaffold/manifest.json").is_file()
    assert not (tmp_path / ".scaffold/journal.json").exists()


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_untouched_file_is_replaced_on_spec_change(project: Path, kind: Kind) -> None:
    plan = generate(project, rendered(2))
    assert read(project, kind.path) == kind.v2
    assert plan.paths(Action.UPDATE) == sorted(k.path for k in KINDS)


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_edit_is_kept_and_spec_change_merged(project: Path, kind: Kind) -> None:
    write(project, kind.path, kind.edited(kind.v1))
    plan = generate(project, rendered(2))
    text = read(project, kind.path)
    assert text == kind.edited(kind.v2)
    for line in kind.user_lines + kind.gen_lines:
        assert line in text.splitlines()
    assert plan.paths(Action.MERGE) == [kind.path]
    assert not plan.has_conflicts
    # the new base is the generated text, so the next run keeps the edit and writes nothing
    assert read(project, f".scaffold/base/{kind.path}") == kind.v2
    before = stats(project)
    again = generate(project, rendered(2))
    assert again.ops == () and stats(project) == before


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_edit_survives_two_spec_changes(project: Path, kind: Kind) -> None:
    write(project, kind.path, kind.edited(kind.v1))
    generate(project, rendered(2))
    generate(project, rendered(1))  # the spec change is reverted
    assert read(project, kind.path) == kind.edited(kind.v1)


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_conflicting_edit_gets_markers_and_is_listed(project: Path, kind: Kind) -> None:
    mine = kind.conflicted(kind.v1)
    write(project, kind.path, mine)
    plan = generate(project, rendered(2))
    assert plan.has_conflicts and plan.conflicts == [kind.path]
    text = read(project, kind.path)
    lines = text.splitlines()
    assert lines.count(START_MARKER) == 1 and lines.count(END_MARKER) == 1
    assert MID_MARKER in lines
    mine_block = lines[lines.index(START_MARKER) + 1 : lines.index(MID_MARKER)]
    gen_block = lines[lines.index(MID_MARKER) + 1 : lines.index(END_MARKER)]
    assert all(line in mine.splitlines() for line in mine_block)
    assert all(line in kind.v2.splitlines() for line in gen_block)
    assert any(f"conflict {kind.path}" in " ".join(s.split()) for s in plan.summary_lines())
    # unresolved markers keep the file listed as a conflict, without writing it again
    before = stats(project)
    again = generate(project, rendered(2))
    assert again.conflicts == [kind.path] and again.ops == () and stats(project) == before
    # resolving it ends the conflict; the resolution is kept
    resolved = kind.v2 + "# resolved by hand\n"
    write(project, kind.path, resolved)
    final = generate(project, rendered(2))
    assert not final.has_conflicts and read(project, kind.path) == resolved


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_force_overwrites_edited_file_and_says_so(project: Path, kind: Kind) -> None:
    write(project, kind.path, kind.conflicted(kind.v1))
    plan = generate(project, rendered(2), force=True)
    assert read(project, kind.path) == kind.v2
    assert plan.paths(Action.FORCE_OVERWRITE) == [kind.path]
    assert any("--force" in line and kind.path in line for line in plan.summary_lines())


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
def test_user_deleted_file_stays_deleted(project: Path, kind: Kind) -> None:
    (project / kind.path).unlink()
    plan = generate(project, rendered(2))
    assert not (project / kind.path).exists()
    assert plan.paths(Action.DELETED_BY_USER) == [kind.path]
    assert any("stays deleted" in line for line in plan.summary_lines())
    again = plan_writes(project, rendered(2))
    assert again.paths(Action.DELETED_BY_USER) == [kind.path] and again.ops == ()
    restored = generate(project, rendered(2), force=True)
    assert restored.paths(Action.CREATE) == [kind.path] and read(project, kind.path) == kind.v2


def test_generate_twice_writes_nothing(project: Path) -> None:
    generate(project, rendered(2))
    before = stats(project)
    plan = generate(project, rendered(2))
    assert plan.ops == ()
    assert {c.action for c in plan.files} == {Action.UNCHANGED}
    assert stats(project) == before  # inode, mtime and size of every file and folder


def test_unchanged_file_is_not_written_when_others_change(project: Path) -> None:
    kind = KINDS[0]
    before = (project / KINDS[1].path).stat()
    new = rendered(1) | {kind.path: kind.v2}
    generate(project, new)
    after = (project / KINDS[1].path).stat()
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)


def test_dry_run_writes_nothing_and_shows_the_diff(project: Path) -> None:
    kind = KINDS[0]
    write(project, kind.path, kind.edited(kind.v1))
    before, files_before = stats(project), tree(project)
    migration = ("migrations/versions/0002_rating.py", "x\n")
    plan = plan_writes(project, rendered(2), migration=migration)
    diff = plan.diff()
    assert stats(project) == before and tree(project) == files_before
    for k in KINDS:
        assert f"--- a/{k.path}\n+++ b/{k.path}\n" in diff
    assert "--- /dev/null\n+++ b/migrations/versions/0002_rating.py\n" in diff
    assert "+    rating: Mapped[int | None] = mapped_column(nullable=True)\n" in diff
    assert ".scaffold/" not in diff


def test_dry_run_of_an_up_to_date_project_is_empty(project: Path) -> None:
    assert plan_writes(project, rendered(1)).diff() == ""


def test_new_entity_files_are_created_next_to_existing_ones(project: Path) -> None:
    task_model = "src/myapp/entities/tasks/model.py"
    plan = generate(project, rendered(1) | {task_model: '"""tasks"""\n'})
    assert plan.paths(Action.CREATE) == [task_model]
    assert len(plan.paths(Action.UNCHANGED)) == len(KINDS)


def test_untracked_identical_file_is_adopted(tmp_path: Path) -> None:
    kind = KINDS[0]
    write(tmp_path, kind.path, kind.v1)
    plan = generate(tmp_path, rendered(1))
    change = next(c for c in plan.files if c.path == kind.path)
    assert change.action is Action.UNCHANGED and not change.writes
    assert read(tmp_path, f".scaffold/base/{kind.path}") == kind.v1


def test_untracked_different_file_is_never_clobbered(tmp_path: Path) -> None:
    kind = KINDS[4]
    mine = kind.conflicted(kind.v1)
    write(tmp_path, kind.path, mine)
    plan = generate(tmp_path, rendered(1))
    assert plan.conflicts == [kind.path]
    text = read(tmp_path, kind.path)
    assert has_conflict_markers(text)
    # only the differing lines are in the conflict block
    assert text.count(START_MARKER) == 1
    assert text.startswith(kind.v1.split('@router.get("/{id}")')[0])


def test_removed_entity_untouched_files_are_deleted_edited_kept(project: Path) -> None:
    edited = KINDS[2]
    write(project, edited.path, edited.edited(edited.v1))
    plan = generate(project, {})
    assert plan.paths(Action.KEEP_EDITED) == [edited.path]
    assert sorted(plan.paths(Action.REMOVE)) == sorted(k.path for k in KINDS if k is not edited)
    assert read(project, edited.path) == edited.edited(edited.v1)
    for k in KINDS:
        if k is not edited:
            assert not (project / k.path).exists()
        assert not (project / f".scaffold/base/{k.path}").exists()
    assert not (project / "tests").exists()  # emptied folders go too
    assert "keep" in "\n".join(plan.summary_lines())
    # the kept file is the user's now: the next run leaves it alone
    assert plan_writes(project, {}).ops == ()


def test_migration_is_created_once_and_never_rewritten(project: Path) -> None:
    from scaffold.write import WriteError

    mig = ("migrations/versions/0002_add_rating.py", "revision = '0002'\n")
    plan = generate(project, rendered(2), migration=mig, snapshot='{"tables": 2}\n')
    assert read(project, mig[0]) == mig[1]
    assert read(project, ".scaffold/snapshot.json") == '{"tables": 2}\n'
    assert plan.migration is not None and plan.migration.action is Action.CREATE
    same = plan_writes(project, rendered(2), migration=mig, snapshot='{"tables": 2}\n')
    assert same.ops == ()
    with pytest.raises(WriteError, match="never rewritten"):
        plan_writes(project, rendered(2), migration=(mig[0], "revision = 'other'\n"))


def test_owner_and_hash_are_recorded_in_a_deterministic_manifest(tmp_path: Path) -> None:
    import hashlib
    import json

    owners = {k.path: f"specs/comment.yaml:{k.name}.py.j2" for k in KINDS}
    apply_plan(plan_writes(tmp_path, rendered(1), owners=owners))
    text = read(tmp_path, ".scaffold/manifest.json")
    data = json.loads(text)
    assert [f["path"] for f in data["files"]] == sorted(k.path for k in KINDS)
    for entry in data["files"]:
        assert entry["owner"] == owners[entry["path"]]
        content = read(tmp_path, entry["path"]).encode()
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()
    other = tmp_path / "other"
    apply_plan(plan_writes(other, dict(reversed(rendered(1).items())), owners=owners))
    assert read(other, ".scaffold/manifest.json") == text


def test_missing_base_falls_back_to_the_manifest_hash(project: Path) -> None:
    import shutil

    shutil.rmtree(project / ".scaffold/base")
    plan = generate(project, rendered(2))
    assert sorted(plan.paths(Action.UPDATE)) == sorted(k.path for k in KINDS)


def test_file_mode_is_kept(project: Path) -> None:
    path = project / KINDS[5].path
    path.chmod(0o755)
    generate(project, rendered(2))
    assert path.stat().st_mode & 0o777 == 0o755


BAD_PATHS = [
    "../outside.py",
    "/etc/passwd",
    "a//b.py",
    ".scaffold/manifest.json",
    ".scaffold/base/x",
]


@pytest.mark.parametrize("bad", BAD_PATHS)
def test_paths_outside_the_project_or_into_state_are_refused(tmp_path: Path, bad: str) -> None:
    from scaffold.write import WriteError

    with pytest.raises(WriteError):
        plan_writes(tmp_path, {bad: "x\n"})
