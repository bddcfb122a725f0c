"""Crash safety of the real `scaffold generate`: SIGKILL at random moments (most of them aimed
inside the write batch, between the journal appearing and disappearing). After every kill each
file is wholly its old or its new content; then a full run completes and `scaffold check` is 0.

The spec versions A and B differ in descriptions, list limits and filters (no schema change), so
most generated files change between them; two files carry hand edits that must be merged in.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .figures import PROFILE, record
from .project import env_for, frozen_tool, init_project, must, scaffold_cmd, tree

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")

ENTITIES = [f"item{n:02d}" for n in range(1, 4)]
JOURNAL = ".scaffold/journal.json"


def spec_text(name: str, version: str) -> str:
    b = version == "B"
    return (
        f"entity: {name}\n"
        f"description: The {name} entity, version {version}.\n"
        "soft_delete: true\n"
        "fields:\n"
        f"  title: {{type: string, max_length: 80, description: title {version}}}\n"
        "  done: {type: bool, default: false}\n"
        "  note: text?\n"
        "list:\n"
        f"  default_limit: {25 if b else 20}\n"
        f"  max_limit: {150 if b else 100}\n"
        f"  filters: {'[title, done]' if b else '[done]'}\n"
    )


def set_version(root: Path, version: str) -> None:
    for name in ENTITIES:
        (root / "specs" / f"{name}.yaml").write_text(spec_text(name, version))


def hand_edit(root: Path) -> None:
    for path in ("src/crashapp/entities/item01s/routes.py", "tests/entities/test_item02s.py"):
        file = root / path
        file.write_text(file.read_text() + "\n# a note the user added by hand\n")


def generated(root: Path) -> dict[str, str]:
    """Every file but the specs (which the test itself switches) and crash leftovers."""
    return {
        path: digest
        for path, digest in tree(root).items()
        if not path.startswith("specs/") and path != JOURNAL and not path.endswith("-tmp")
    }


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "scaffold", *args]


def journal_id(root: Path) -> tuple[int, int] | None:
    """Which journal is on disk (inode, mtime), if any: a new batch writes a new one."""
    try:
        st = (root / JOURNAL).stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns)


def write_window(root: Path, tool: Path) -> tuple[float, float]:
    """How long the journal lives in an uninterrupted run (the write batch), and the whole run."""
    begun = time.monotonic()
    env = env_for(root, tool=tool)
    proc = subprocess.Popen(cli("generate"), cwd=root, env=env, stdout=subprocess.DEVNULL)
    seen = gone = None
    while proc.poll() is None:
        exists = (root / JOURNAL).exists()
        if seen is None and exists:
            seen = time.monotonic()
        elif seen is not None and gone is None and not exists:
            gone = time.monotonic()
        time.sleep(0.0002)
    assert proc.returncode == 0
    assert seen is not None, "the journal was never seen"
    return (gone or time.monotonic()) - seen, time.monotonic() - begun


def test_sigkill_during_generate_leaves_files_whole_and_the_next_run_converges(
    tmp_path: Path,
) -> None:
    rng = random.Random(20261121)
    tool = frozen_tool(tmp_path / "tool")
    root = init_project(tmp_path / "project", package="crashapp", tool=tool)
    set_version(root, "A")
    must(scaffold_cmd(root, "generate", tool=tool))
    hand_edit(root)
    must(scaffold_cmd(root, "generate", tool=tool))  # records nothing new: edits are the user's
    reference = tmp_path / "reference"
    shutil.copytree(root, reference)
    states = {"A": generated(reference)}
    set_version(reference, "B")
    window, whole_run = write_window(reference, tool)
    measured = window
    states["B"] = generated(reference)
    set_version(reference, "A")
    must(scaffold_cmd(reference, "generate", tool=tool))
    assert generated(reference) == states["A"], "A → B → A does not come back to A"
    changed = [p for p in states["A"] if states["A"][p] != states["B"].get(p)]
    assert len(changed) >= 15, changed

    kills = PROFILE["kills"]
    mid_write = 0
    version = "A"
    for run in range(kills):
        version = "B" if version == "A" else "A"
        set_version(root, version)
        leftover = journal_id(root)  # the journal a previous kill left, which recovery finishes
        started = time.monotonic()
        proc = subprocess.Popen(
            cli("generate"),
            cwd=root,
            env=env_for(root, tool=tool),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        aimed = run % 4 != 3  # one run in four: a uniformly random moment of the whole run
        delay = rng.uniform(0, window)
        if aimed:  # wait for this run's own journal: its write batch has begun
            while proc.poll() is None and journal_id(root) in (None, leftover):
                time.sleep(0.0002)
            time.sleep(delay)
        else:
            time.sleep(rng.uniform(0, whole_run))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        assert b"Traceback" not in (proc.stderr.read() if proc.stderr else b"")
        if proc.stderr:
            proc.stderr.close()
        if journal_id(root) not in (None, leftover):
            mid_write += 1
        elif aimed and journal_id(root) is None:
            window *= 0.8  # the batch was over already: aim earlier from now on
        now = generated(root)
        for path, digest in now.items():
            whole = digest in (states["A"].get(path), states["B"].get(path))
            assert (
                whole
            ), f"run {run} ({time.monotonic() - started:.2f}s): {path} is neither old nor new "
        missing = set(states["A"]) - set(now)
        assert not missing, f"run {run}: files vanished: {sorted(missing)[:5]}"

    out = must(scaffold_cmd(root, "generate", tool=tool))
    assert "Traceback" not in out.stdout + out.stderr
    assert not (root / JOURNAL).exists()
    assert not [p for p in tree(root) if p.endswith("-tmp")], "temp files left behind"
    assert generated(root) == states[version], "the converged tree differs from a clean run"
    check = scaffold_cmd(root, "check", tool=tool)
    assert check.returncode == 0, check.stdout + check.stderr
    record("generate runs SIGKILLed (all survived)", kills)
    record("generate runs SIGKILLed mid-write (journal left behind)", mid_write)
    record(
        "generate write batch / whole run, uninterrupted (s)", f"{measured:.3f} / {whole_run:.2f}"
    )
    assert mid_write >= kills // 4, f"only {mid_write} of {kills} kills landed mid-write"
