"""Carrying out a `WritePlan`: all or nothing, as far as a file system allows.

Every text is computed before the first write (`plan_writes`). `apply_plan` then

1. checks that no file changed since it was planned,
2. writes `.scaffold/journal.json` (atomically): every write still to do, with the hash of what
   each file held before,
3. writes every new text to a temp file in its target's folder, then makes them all durable at
   once (one `syncfs` of the file system where Linux has it, else an fsync each: fsio.py),
4. renames each temp file onto its target (migration, snapshot, project files, merge bases, the
   manifest last) and deletes the files the plan removes, in order,
5. fsyncs each folder written to, once (so every rename survives a power cut),
6. deletes the journal.

An exception (disk full, permission, Ctrl-C) rolls the written files back to their old text, so
the tree is as it was. A kill cannot roll back: then the journal is left behind, and `recover`
(run at the start of the next command) finishes the batch: each file is wholly old or wholly
new at every moment, and the rerun converges.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from scaffold.write.fsio import (
    Staged,
    atomic_write,
    commit,
    discard,
    read_text,
    remove,
    sha256_text,
    stage_many,
    sync_folders,
    sync_staged,
    tmp_path_for,
)
from scaffold.write.plan import DiskOp, WritePlan
from scaffold.write.state import JOURNAL, WriteError

ProgressHook = Callable[[int, int], None]


class SimulatedCrash(RuntimeError):
    """Raised by `apply_plan(fail_after=N)`: behaves like a kill (no rollback, journal kept)."""


def apply_plan(
    plan: WritePlan,
    *,
    fail_after: int | None = None,
    on_progress: ProgressHook | None = None,
) -> int:
    """Write `plan` to disk; returns the number of files written or deleted (0: nothing to do,
    and nothing is touched, not even the manifest's mtime).

    `on_progress(done, total)` is called after each write. `fail_after=N` raises
    `SimulatedCrash` once N writes are done (0: right after the journal), leaving the tree as
    a kill at that moment would: for crash-safety tests.
    """
    ops = plan.ops
    root = plan.root
    if not ops:
        # A journal left by a crash is obsolete once a fresh plan finds nothing to do.
        if (root / JOURNAL).exists():
            remove(root / JOURNAL, stop=root)
        return 0
    changed = [op.path for op in ops if read_text(root / op.path) != op.before]
    if changed:
        raise WriteError(
            "files changed on disk while scaffold was planning; nothing was written. "
            "Run the command again. Changed: " + ", ".join(changed[:5])
        )
    atomic_write(root / JOURNAL, _journal_text(ops))
    if fail_after == 0:
        raise SimulatedCrash("simulated crash after the journal was written")
    # every new text first, made durable at once; then the renames (fsio.py: `stage_many`)
    staged: dict[str, Staged] = {}
    try:
        writes = [(op.path, op.after) for op in ops if op.after is not None]
        made = stage_many([(root / path, text) for path, text in writes])
        staged = {path: item for (path, _), item in zip(writes, made, strict=True)}
        sync_staged(list(staged.values()))
    except BaseException:
        discard(list(staged.values()))
        remove(root / JOURNAL, stop=root)  # nothing was renamed: the tree is as it was
        raise
    done: list[DiskOp] = []
    folders: set[Path] = set()  # fsynced once, after the last rename, before the journal goes
    try:
        for count, op in enumerate(ops, start=1):
            item = staged.get(op.path)
            if item is None:
                remove(root / op.path, stop=root)
            else:
                commit(item, folders)
                del staged[op.path]
            done.append(op)
            if on_progress is not None:
                on_progress(count, len(ops))
            if fail_after == count:
                raise SimulatedCrash(f"simulated crash after {count} of {len(ops)} writes")
    except SimulatedCrash:
        raise
    except BaseException:
        discard(list(staged.values()))
        _roll_back(root, done)
        raise
    sync_folders(folders)
    remove(root / JOURNAL, stop=root)
    return len(ops)


def recover(root: Path) -> list[str]:
    """Finish a batch a crash or a kill interrupted (the journal it left); report lines, [] when
    there was nothing to finish. A file changed by hand since the interruption is left alone
    and named. Safe to run at any time, and again after it was itself interrupted."""
    journal = root / JOURNAL
    tmp_path_for(journal).unlink(missing_ok=True)
    text = read_text(journal)
    if text is None:
        return []
    try:
        ops = json.loads(text)["ops"]
        todo = [(str(o["path"]), o["before_sha256"], o["after"]) for o in ops]
    except (ValueError, KeyError, TypeError):
        raise WriteError(f"{JOURNAL} is damaged; delete it and run generate again") from None
    skipped: list[str] = []
    finished = 0
    for path, before_sha, after in todo:
        target = root / path
        tmp_path_for(target).unlink(missing_ok=True)
        current = read_text(target)
        if current == after:
            continue
        current_sha = None if current is None else sha256_text(current)
        if current_sha != before_sha:
            skipped.append(path)
            continue
        _apply_op(root, path, after)
        finished += 1
    remove(journal, stop=root)
    lines = [f"finished an interrupted generate ({finished} write(s) completed)"]
    lines += [f"  left as it is (changed since): {path}" for path in skipped]
    return lines


def _apply_op(root: Path, path: str, after: str | None) -> None:
    if after is None:
        remove(root / path, stop=root)
    else:
        atomic_write(root / path, after)


def _roll_back(root: Path, done: Sequence[DiskOp]) -> None:
    """Undo the writes of a failed batch, newest first; the journal goes once all are undone.
    If undoing fails too, the journal stays and `recover` finishes the batch instead."""
    try:
        for op in reversed(done):
            _apply_op(root, op.path, op.before)
        remove(root / JOURNAL, stop=root)
    except Exception:  # the original error is the one to report
        pass


def _journal_text(ops: Sequence[DiskOp]) -> str:
    data = {
        "version": 1,
        "ops": [
            {
                "path": op.path,
                "before_sha256": None if op.before is None else sha256_text(op.before),
                "after": op.after,
            }
            for op in ops
        ],
    }
    return json.dumps(data, indent=1, sort_keys=True) + "\n"
