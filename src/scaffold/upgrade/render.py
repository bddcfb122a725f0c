"""Rendering a project template in memory: the recorded answers in, `{path: text}` out.

copier renders into a temporary folder that is read back and deleted; the project itself is
never touched here. `specs/` is left out: the specs are the user's input from the first day
(the template only seeds `specs/user.yaml`), and a change there would change the schema.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scaffold.errors import UsageError
from scaffold.upgrade.state import ANSWERS_FILE
from scaffold.write.fsio import read_text

EXCLUDED_PREFIXES = ("specs/",)


def read_answers(root: Path) -> dict[str, Any]:
    """The answers recorded in the project's `.copier-answers.yml` (copier's own `_` keys
    left out)."""
    import yaml  # local: keep `scaffold --help` light

    path = root / ANSWERS_FILE
    text = read_text(path)
    if text is None:
        raise UsageError(
            f"no {ANSWERS_FILE} in {root}: this project was not made from scaffold's project "
            "template, so there is nothing to upgrade"
        )
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise UsageError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("package_name"), str):
        raise UsageError(f"{path}: expected the template's answers, with `package_name:`")
    answers = {str(k): v for k, v in data.items() if not str(k).startswith("_")}
    answers["auth"] = auth_mode(root, answers)
    return answers


def auth_mode(root: Path, answers: Mapping[str, Any]) -> str:
    """How the project's users sign in: scaffold.yaml's `auth:` (where a user opts in or out),
    else the recorded answer, else `external`, which is what a project made before sign-in
    existed does: an upgrade never turns sign-in on by surprise."""
    from scaffold.project import load_project

    chosen = load_project(root).auth or answers.get("auth")
    return chosen if isinstance(chosen, str) else "external"


def copy_template(
    template: Path | str,
    target: Path,
    *,
    data: Mapping[str, Any],
    defaults: bool = True,
    overwrite: bool = True,
    vcs_ref: str | None = None,
) -> None:
    """Render the copier template `template` into `target` (copier's errors are a UsageError)."""
    import copier  # local: keep `scaffold --help` light
    from copier.errors import CopierError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # copier warns about a dirty template checkout
            copier.run_copy(
                str(template),
                target,
                data=dict(data),
                defaults=defaults,
                overwrite=overwrite,
                unsafe=False,
                vcs_ref=vcs_ref,
                quiet=True,
            )
    except CopierError as exc:
        raise UsageError(f"the project template could not be rendered: {exc}") from None


def render_template(
    template: Path | str, answers: Mapping[str, Any], *, vcs_ref: str | None = None
) -> dict[str, str]:
    """Every file `template` (a copier template) renders with `answers`: posix path → text,
    sorted, `specs/` left out."""
    with tempfile.TemporaryDirectory(prefix="scaffold-upgrade-") as tmp:
        target = Path(tmp) / "project"
        copy_template(template, target, data=answers, vcs_ref=vcs_ref)
        files: dict[str, str] = {}
        for path in sorted(target.rglob("*")):
            rel = path.relative_to(target).as_posix()
            if path.is_file() and not rel.startswith(EXCLUDED_PREFIXES):
                text = read_text(path)
                assert text is not None
                files[rel] = text
    return files


def render_current(answers: Mapping[str, Any]) -> dict[str, str]:
    """What `scaffold init` renders today with `answers` (the answers file names the same
    template folder as init's does)."""
    from scaffold.bootstrap import project_template

    return render_template(project_template(), answers)
