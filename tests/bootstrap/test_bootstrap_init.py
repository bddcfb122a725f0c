"""`scaffold init` refuses what it cannot do well, before it writes anything."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from scaffold.bootstrap import (
    init_project,
    package_from_folder,
    package_name_problem,
    project_template,
)
from scaffold.errors import UsageError

RunScaffold = Callable[..., subprocess.CompletedProcess[str]]


def assert_usage_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    """Exit status 2, a one-line `error:` message naming the problem, no traceback."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.startswith("error: ")
    for needle in needles:
        assert needle in result.stderr


def test_refuses_a_folder_that_is_not_empty(tmp_path: Path, run_scaffold: RunScaffold) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n")
    result = run_scaffold("init", "busy", "--package", "probeapp", "--defaults", cwd=tmp_path)
    assert_usage_error(result, "busy", "not empty", "--force")
    assert [p.name for p in target.iterdir()] == ["notes.txt"]


def test_force_writes_into_a_folder_that_is_not_empty(
    tmp_path: Path, run_scaffold: RunScaffold
) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n")
    result = run_scaffold(
        "init", "busy", "--package", "probeapp", "--defaults", "--force", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert (target / "notes.txt").read_text() == "mine\n"
    assert (target / "src/probeapp/main.py").is_file()


def test_an_empty_existing_folder_is_fine(tmp_path: Path, run_scaffold: RunScaffold) -> None:
    (tmp_path / "empty").mkdir()
    result = run_scaffold("init", "empty", "--package", "probeapp", "--defaults", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "empty/scaffold.yaml").is_file()


def test_refuses_a_file_as_the_target(tmp_path: Path, run_scaffold: RunScaffold) -> None:
    (tmp_path / "afile").write_text("x")
    result = run_scaffold("init", "afile", "--package", "probeapp", "--defaults", cwd=tmp_path)
    assert_usage_error(result, "not a folder")


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("My-App", "snake_case"),
        ("1app", "snake_case"),
        ("app-1", "snake_case"),
        ("", "snake_case"),
        ("class", "keyword"),
        ("json", "standard-library"),
        ("fastapi", "shadow"),
        ("tests", "shadow"),
        ("a" * 41, "longer than 40"),
    ],
)
def test_refuses_a_bad_package_name_before_writing(
    tmp_path: Path, run_scaffold: RunScaffold, name: str, why: str
) -> None:
    result = run_scaffold("init", "probe", "--package", name, "--defaults", cwd=tmp_path)
    assert_usage_error(result, "invalid package name", why)
    assert not (tmp_path / "probe").exists()


def test_bad_package_name_suggests_a_fix(tmp_path: Path, run_scaffold: RunScaffold) -> None:
    result = run_scaffold("init", "probe", "--package", "My-App", "--defaults", cwd=tmp_path)
    assert_usage_error(result, "try 'my_app'")


def test_package_defaults_to_the_folder_name(tmp_path: Path, run_scaffold: RunScaffold) -> None:
    result = run_scaffold("init", "My-Shop 2", "--defaults", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    settings = yaml.safe_load((tmp_path / "My-Shop 2/scaffold.yaml").read_text())
    assert settings["package"] == "my_shop_2"
    assert (tmp_path / "My-Shop 2/src/my_shop_2/main.py").is_file()


def test_folder_name_without_a_package_name_asks_for_one(
    tmp_path: Path, run_scaffold: RunScaffold
) -> None:
    result = run_scaffold("init", "2024", "--defaults", cwd=tmp_path)
    assert_usage_error(result, "--package")
    assert not (tmp_path / "2024").exists()


def test_without_defaults_and_without_a_terminal_says_what_to_pass(
    tmp_path: Path, run_scaffold: RunScaffold
) -> None:
    result = run_scaffold("init", "probe", "--package", "probeapp", cwd=tmp_path)
    assert_usage_error(result, "--defaults")
    assert not (tmp_path / "probe").exists()


def test_init_project_raises_usage_error_before_writing(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="invalid package name"):
        init_project(tmp_path / "p", package="Bad Name", defaults=True, force=False)
    assert not (tmp_path / "p").exists()


def test_copier_rejects_a_bad_package_name_too(tmp_path: Path) -> None:
    """The template's own validator guards `copier copy`, which skips scaffold's checks."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "copier",
            "copy",
            "--defaults",
            "--quiet",
            "--data",
            "package_name=Bad-Name",
            str(project_template()),
            str(tmp_path / "probe"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "snake_case" in result.stdout + result.stderr
    assert not (tmp_path / "probe" / "pyproject.toml").exists()


@pytest.mark.parametrize(
    ("folder", "package"),
    [("probe", "probe"), ("My-App", "my_app"), ("2fast 2furious", "fast_2furious"), ("__", "")],
)
def test_package_from_folder(folder: str, package: str) -> None:
    assert package_from_folder(folder) == package


def test_good_package_names_have_no_problem() -> None:
    for name in ("probeapp", "my_app", "shop2", "a" * 40):
        assert package_name_problem(name) is None


def test_auth_external_keeps_bring_your_own_tokens(
    tmp_path: Path, run_scaffold: RunScaffold
) -> None:
    args = ("init", "ext", "--package", "extapp", "--defaults", "--auth", "external")
    result = run_scaffold(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    root = tmp_path / "ext"
    assert yaml.safe_load((root / "scaffold.yaml").read_text())["auth"] == "external"
    assert not (root / "src/extapp/signin.py").exists()
    assert not (root / "src/extapp/manage.py").exists()
    assert not (root / "tests/test_signin.py").exists()
    assert "HTTPBearer" in (root / "src/extapp/auth.py").read_text()
    assert "role" not in yaml.safe_load((root / "specs/user.yaml").read_text())["fields"]
    assert "python-multipart" not in (root / "pyproject.toml").read_text()


def test_refuses_an_unknown_auth_mode(tmp_path: Path, run_scaffold: RunScaffold) -> None:
    args = ("init", "odd", "--package", "oddapp", "--defaults", "--auth", "magic")
    assert_usage_error(run_scaffold(*args, cwd=tmp_path), "--auth", "password", "external")
    assert not (tmp_path / "odd").exists()


def test_refuses_an_unknown_auth_in_scaffold_yaml(
    tmp_path: Path, run_scaffold: RunScaffold
) -> None:
    made = run_scaffold("init", "p", "--package", "papp", "--defaults", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    settings = tmp_path / "p" / "scaffold.yaml"
    settings.write_text(settings.read_text().replace("auth: password", "auth: ldap"))
    result = run_scaffold("generate", cwd=tmp_path / "p")
    assert_usage_error(result, "scaffold.yaml", "`auth:`", "password", "external")
