"""The corpus of bad specs: each case must fail `scaffold validate` with exit 2, at the expected
`file:line`, with the expected words, and never with a traceback.

A case is a folder: `specs/*.yaml` and `expected.txt`, one expectation a line:
`specs/task.yaml:4 | fragment` (a diagnostic at that file and line contains the fragment) or
`* | fragment` (the output contains it, e.g. a hint). Every diagnostic must also name, in
backticks, the key, field or entity it is about.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[1] / "src"
NAMED = re.compile(r": error: .*`[^`]+`")
CASES = sorted(p.name for p in HERE.iterdir() if (p / "expected.txt").is_file())


def _run(case: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run(
        [sys.executable, "-m", "scaffold", "validate", "specs"],
        cwd=HERE / case,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.fixture(scope="module")
def outcomes() -> dict[str, subprocess.CompletedProcess[str]]:
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return dict(zip(CASES, pool.map(_run, CASES), strict=True))


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES)
def test_bad_spec_is_reported_with_its_location(
    case: str, outcomes: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    out = outcomes[case]
    output = out.stderr + out.stdout
    assert out.returncode == 2, output
    assert "Traceback" not in output
    assert "internal error" not in output
    lines = out.stderr.splitlines()
    for expectation in (HERE / case / "expected.txt").read_text().splitlines():
        where, fragment = (part.strip() for part in expectation.split("|", 1))
        if where == "*":
            assert fragment in output, f"{case}: {fragment!r} not in\n{output}"
            continue
        prefix = where + ":"
        matching = [line for line in lines if line.startswith(prefix)]
        assert matching, f"{case}: no diagnostic at {where} in\n{output}"
        assert any(
            fragment in line for line in matching
        ), f"{case}: {fragment!r} not at {where} in\n{output}"
    for line in lines:
        assert ": error: " in line, f"{case}: unlocated output line {line!r}"
        # every error names the key, field or entity it is about (YAML syntax errors have none)
        assert NAMED.search(line) or "YAML" in line, f"{case}: names no key: {line!r}"
