"""`scaffold validate` and `scaffold schema` through the real command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(REPO / "src")}


def _scaffold(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scaffold", *args], cwd=cwd, capture_output=True, text=True, env=ENV
    )


def test_validate_a_folder_and_single_files(tmp_path: Path) -> None:
    out = _scaffold("validate", str(REPO / "specs"), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"{len(list((REPO / 'specs').glob('*.yaml')))} spec(s) valid"
    one = _scaffold("validate", "specs/label.yaml", "specs/user.yaml", cwd=REPO)
    assert (one.returncode, one.stdout.strip()) == (0, "2 spec(s) valid")


def test_errors_are_one_per_line_compiler_style_with_exit_2(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "task.yaml").write_text("entity: task\nfields:\n  order: int\n  title: strng\n")
    (specs / "note.yaml").write_text("entity: note\nfields:\n  task: ref(tsk)\n")
    out = _scaffold("validate", "specs", cwd=tmp_path)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    tsk = (
        "specs/note.yaml:3:9: error: ref `task` points at `tsk`, which is not an entity of "
        "these specs (did you mean `task`?)"
    )
    # task.yaml cannot be read as a spec, but note.yaml's problems are reported in the same run
    assert out.stderr.splitlines() == [
        tsk,
        "specs/task.yaml:4:10: error: field `title`: unknown field type `strng` "
        "(did you mean `string`?)",
    ]
    (specs / "task.yaml").write_text("entity: task\nfields:\n  order: int\n  title: string\n")
    out = _scaffold("validate", "specs", cwd=tmp_path)
    assert out.stderr.splitlines() == [
        tsk,
        "specs/task.yaml:3:3: error: field `order` is an SQL reserved word "
        "(write `sort_order` or `position`)",
    ]


def test_missing_path_and_empty_folder_are_usage_errors(tmp_path: Path) -> None:
    out = _scaffold("validate", "nope", cwd=tmp_path)
    assert out.returncode == 2 and "nope: no such file or folder" in out.stderr
    (tmp_path / "empty").mkdir()
    out = _scaffold("validate", "empty", cwd=tmp_path)
    assert out.returncode == 2 and "no .yaml spec files" in out.stderr


def test_validate_without_paths_outside_a_project(tmp_path: Path) -> None:
    out = _scaffold("validate", cwd=tmp_path)
    assert out.returncode == 2
    assert "scaffold.yaml" in out.stderr
    assert "Traceback" not in out.stderr


def test_schema_command_prints_json(tmp_path: Path) -> None:
    out = _scaffold("schema", cwd=tmp_path)
    assert out.returncode == 0
    assert json.loads(out.stdout)["title"].startswith("scaffold entity spec")


def test_a_file_named_twice_is_read_once_and_hidden_files_are_skipped(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "task.yaml").write_text("entity: task\nfields: {title: text}\n")
    (specs / ".task.yaml").write_text("not: a spec\n")
    out = _scaffold("validate", "specs", "specs/task.yaml", cwd=tmp_path)
    assert (out.returncode, out.stdout.strip()) == (0, "1 spec(s) valid"), out.stderr
