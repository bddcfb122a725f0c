"""A generate killed with SIGKILL at random moments never leaves a half-written file, and the
next run converges to the right tree."""

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

from scaffold.write import apply_plan, plan_writes, recover

from .helpers import tree
from .kill_driver import big_rendered, edit_some

DRIVER = Path(__file__).with_name("kill_driver.py")
SRC = Path(__file__).resolve().parents[2] / "src"
RUNS = 22

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")


def _generate(root: Path, version: int) -> None:
    recover(root)
    apply_plan(plan_writes(root, big_rendered(version)))


def test_sigkill_at_random_moments(tmp_path: Path) -> None:
    rng = random.Random(20261121)
    root = tmp_path / "project"
    root.mkdir()
    _generate(root, 1)
    edit_some(root)
    states = {1: tree(root)}
    reference = tmp_path / "reference"
    shutil.copytree(root, reference)
    _generate(reference, 2)
    states[2] = tree(reference)
    assert states[1] != states[2]

    env = {**os.environ, "PYTHONPATH": str(SRC)}
    version = 1
    killed_mid_write = 0
    for run in range(RUNS):
        old, version = version, 3 - version
        proc = subprocess.Popen(
            [sys.executable, str(DRIVER), str(root), str(version)],
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        assert proc.stdout is not None
        ready = proc.stdout.readline().split()
        assert ready[0] == "ready"
        # aim at a random write of the batch (journal included), then a little later still
        target = rng.randint(0, int(ready[1]))
        for _ in range(target):
            if not proc.stdout.readline().startswith("wrote"):
                break
        time.sleep(rng.uniform(0, 0.002))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        rest = proc.stdout.read()
        proc.stdout.close()
        now = tree(root)
        if "done" not in rest:
            killed_mid_write += 1
        for path, text in now.items():
            if path == ".scaffold/journal.json" or path.endswith(".scaffold-tmp"):
                continue  # the journal and temp files of the interrupted run
            assert text in (
                states[old].get(path),
                states[version].get(path),
            ), f"run {run}: {path} is half written"
        _generate(root, version)
        assert tree(root) == states[version], f"run {run}: the rerun did not converge"
    assert killed_mid_write >= RUNS // 2
