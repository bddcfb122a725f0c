"""Invalid specs never crash scaffold: random mutations of valid spec sets (one broken rule each)
make `scaffold validate` and `scaffold generate` exit 2 with every error located
(`file:line:col: error: ...`), no traceback, and nothing written.

In-process through typer's CliRunner on `scaffold.cli.app` for speed; a smaller sample through
the real CLI in a subprocess.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from typer.testing import CliRunner

from scaffold.cli import app

from .figures import LONG, PROFILE, SHRINK, bump
from .project import init_project, scaffold_cmd, tree_stat
from .strategies import INVALID_KINDS, invalid_spec_set

LOCATED = re.compile(r"^specs/[^:/]+\.ya?ml:\d+:\d+: error: \S")
PER_KIND = math.ceil(PROFILE["invalid_examples"] / len(INVALID_KINDS))
SUBPROCESS_KINDS = (
    INVALID_KINDS
    if LONG
    else [
        "yaml_damage",
        "ownership_cycle",
        "non_ascii_entity",
        "huge_length",
        "wrong_type",
        "long_entity",
    ]
)
SUBPROCESS_PER_KIND = max(1, PROFILE["invalid_subprocess"] // len(SUBPROCESS_KINDS))


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=list(Phase) if SHRINK else [Phase.explicit, Phase.reuse, Phase.generate],
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return init_project(tmp_path_factory.mktemp("invalid") / "fuzzed")


@contextmanager
def specs_written(root: Path, texts: dict[str, str]) -> Iterator[None]:
    """The mutated specs next to the project's own (user.yaml), removed afterwards."""
    paths = [root / "specs" / name for name in texts]
    try:
        for path, text in zip(paths, texts.values(), strict=True):
            path.write_text(text, encoding="utf-8")
        yield
    finally:
        for path in paths:
            path.unlink(missing_ok=True)


@contextmanager
def cwd(path: Path) -> Iterator[None]:
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def assert_refused(code: int, stderr: str, stdout: str, texts: dict[str, str]) -> None:
    context = f"\n--- specs: {texts}\n--- stderr:\n{stderr}\n--- stdout:\n{stdout}"
    assert code == 2, f"exit {code}" + context
    assert "Traceback" not in stderr + stdout, context
    assert "internal error" not in stderr + stdout, context
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines, "no error reported" + context
    for line in lines:
        assert LOCATED.match(line), f"unlocated line {line!r}" + context


@pytest.mark.parametrize("kind", INVALID_KINDS)
def test_invalid_specs_are_refused_in_process(kind: str, project: Path) -> None:
    runner = CliRunner()

    @fuzz_settings(PER_KIND)
    @given(invalid_spec_set(kind))
    def check(texts: dict[str, str]) -> None:
        with cwd(project), specs_written(project, texts):
            before = tree_stat(project)
            for args in (["validate", "specs"], ["generate"]):
                result = runner.invoke(app, args)
                if result.exception is not None and not isinstance(result.exception, SystemExit):
                    raise result.exception
                assert_refused(result.exit_code, result.stderr, result.stdout, texts)
            assert tree_stat(project) == before, "generate wrote something"
        bump("invalid spec sets refused, in-process (validate + generate)")

    check()


@pytest.mark.parametrize("kind", SUBPROCESS_KINDS)
def test_invalid_specs_are_refused_by_the_real_cli(kind: str, project: Path) -> None:
    @fuzz_settings(SUBPROCESS_PER_KIND)
    @given(invalid_spec_set(kind))
    def check(texts: dict[str, str]) -> None:
        with specs_written(project, texts):
            before = tree_stat(project)
            for args in (["validate", "specs"], ["generate"]):
                out = scaffold_cmd(project, *args)
                assert_refused(out.returncode, out.stderr, out.stdout, texts)
            assert tree_stat(project) == before, "generate wrote something"
        bump("invalid spec sets refused, real CLI subprocess (validate + generate)")

    check()
