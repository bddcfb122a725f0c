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
from .project import env_for, init_project, must, scaffold_cmd, tree

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")

ENTITIES = [f"item{n:02d}" for n in range(1, 6)]
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


def write_window(root: Path) -> float:
    """How long the journal lives in an uninterrupted run: the write batch, in seconds."""
    proc = subprocess.Popen(cli("generate"), cwd=root, env=env_for(root), stdout=subprocess.DEVNULL)
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
    return (gone or time.monotonic()) - seen


def test_sigkill_during_generate_leaves_files_whole_and_the_next_run_converges(
    tmp_path: Path,
) -> None:
    rng = random.Random(20261121)
    root = init_project(tmp_path / "project", package="crashapp")
    set_version(root, "A")
    must(scaffold_cmd(root, "generate"))
    hand_edit(root)
    must(scaffold_cmd(root, "generate"))  # records nothing new: edits are the user's
    reference = tmp_path / "reference"
    shutil.copytree(root, reference)
    states = {"A": generated(reference)}
    set_version(reference, "B")
    window = write_window(reference)
    states["B"] = generated(reference)
    set_version(reference, "A")
    must(scaffold_cmd(reference, "generate"))
    assert generated(reference) == states["A"], "A → B → A does not come back to A"
    changed = [p for p in states["A"] if states["A"][p] != states["B"].get(p)]
    assert len(changed) >= 30, changed

    kills = PROFILE["kills"]
    mid_write = 0
    version = "A"
    for run in range(kills):
        version = "B" if version == "A" else "A"
        set_version(root, version)
        started = time.monotonic()
        proc = subprocess.Popen(
            cli("generate"),
            cwd=root,
            env=env_for(root),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        aimed = run % 4 != 3  # one run in four: a uniformly random moment of the whole run
        delay = rng.uniform(0, window)
        if aimed:
            while proc.poll() is None and not (root / JOURNAL).exists():
                time.sleep(0.0002)
            time.sleep(delay)
        else:
            time.sleep(rng.uniform(0, 4.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        assert b"Traceback" not in (proc.stderr.read() if proc.stderr else b"")
        if proc.stderr:
            proc.stderr.close()
        if (root / JOURNAL).exists():
            mid_write += 1
        now = generated(root)
        for path, digest in now.items():
            assert digest in (states["A"].get(path), states["B"].get(path)), (
                f"run {run} ({time.monotonic() - started:.2f}s): {path} is neither old nor new"
            )
        missing = set(states["A"]) - set(now)
        assert not missing, f"run {run}: files vanished: {sorted(missing)[:5]}"

    out = must(scaffold_cmd(root, "generate"))
    assert "Traceback" not in out.stdout + out.stderr
    assert not (root / JOURNAL).exists()
    assert not [p for p in tree(root) if p.endswith("-tmp")], "temp files left behind"
    assert generated(root) == states[version], "the converged tree differs from a clean run"
    check = scaffold_cmd(root, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    record("generate runs SIGKILLed (all survived)", kills)
    record("  of which killed mid-write (journal left behind)", mid_write)
    record("  write batch of an uninterrupted run (s)", round(window, 3))
    assert mid_write >= kills // 3, f"only {mid_write} of {kills} kills landed mid-write"
