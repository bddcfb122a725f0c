"""`scaffold --help` must not pay for what it does not use (issue: start-up time)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import scaffold

HEAVY = ("black", "copier", "jinja2", "sqlalchemy", "pydantic", "yaml", "merge3", "inflect")


def test_help_does_not_import_heavy_modules() -> None:
    code = (
        "import sys, json\n"
        "sys.argv = ['scaffold', '--help']\n"
        "from scaffold.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert not [m for m in HEAVY if m in loaded]


def test_unknown_command_is_a_usage_error_without_traceback() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "scaffold", "frobnicate"], capture_output=True, text=True
    )
    assert out.returncode == 2
    assert "Traceback" not in out.stderr + out.stdout


def test_commands_outside_a_project_say_so() -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(scaffold.__file__).resolve().parents[1])}
    for args in (["generate"], ["check"], ["destroy", "entity", "x"]):
        out = subprocess.run(
            [sys.executable, "-m", "scaffold", *args],
            capture_output=True,
            text=True,
            cwd="/",
            env=env,
        )
        assert out.returncode == 2, args
        assert "scaffold.yaml" in out.stderr
        assert "Traceback" not in out.stderr


def test_noop_generate_answers_before_typer_builds_its_adapters(tmp_path: Path) -> None:
    """A plain `scaffold generate` that finds nothing to do answers before typer parses the
    command line (typer imports pydantic for its option adapters: more than the check costs)."""
    env = {**os.environ, "SCAFFOLD_CACHE_DIR": str(tmp_path / "cache")}
    root = tmp_path / "p"
    scaffold_cmd = [sys.executable, "-m", "scaffold"]
    init = [*scaffold_cmd, "init", str(root), "--package", "app", "--defaults"]
    subprocess.run(init, check=True, capture_output=True, env=env)
    subprocess.run([*scaffold_cmd, "generate"], cwd=root, check=True, capture_output=True, env=env)
    code = (
        "import sys, json\n"
        "sys.argv = ['scaffold', 'generate']\n"
        "from scaffold.cli import main\n"
        "main()\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root, env=env
    )
    assert out.stdout.startswith("nothing to do")
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert not [m for m in ("pydantic", "jinja2", "typer._adapters") if m in loaded]
