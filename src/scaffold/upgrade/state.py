"""What a project remembers of its project template: the version and the merge bases.

.scaffold/template/state.json      the template version the project is at and the files the
                                   template rendered (written last in every batch)
.scaffold/template/base/<path>     what the template rendered for each of them: the base of the
                                   next upgrade's three-way merge

They are kept apart from the entity files' `.scaffold/manifest.json`, which `generate` owns: a
template file is never an entity file, and `generate` removes what its manifest lists and it no
longer renders. A project without `state.json` but with `.copier-answers.yml` was made before
versions were recorded (or by a plain `copier copy`): version 0.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from scaffold.project import STATE_DIR
from scaffold.template_version import (
    MIN_PROJECT_TEMPLATE_VERSION,
    PROJECT_TEMPLATE_VERSION,
    UNRECORDED_VERSION,
)
from scaffold.write.fsio import read_text
from scaffold.write.state import WriteError

ANSWERS_FILE = ".copier-answers.yml"
TEMPLATE_STATE_DIR = f"{STATE_DIR}/template"
STATE_FILE = f"{TEMPLATE_STATE_DIR}/state.json"
BASE_DIR = f"{TEMPLATE_STATE_DIR}/base"


@dataclass(frozen=True)
class TemplateState:
    """The recorded template version and the files rendered at it (posix paths, sorted)."""

    version: int
    files: tuple[str, ...]


def template_base_path(path: str) -> str:
    """Where the merge base of the template file `path` is kept (relative to the root)."""
    return f"{BASE_DIR}/{path}"


def load_state(root: Path) -> TemplateState | None:
    """The recorded state, or None when the project has none."""
    text = read_text(root / STATE_FILE)
    if text is None:
        return None
    try:
        data = json.loads(text)
        version = data["template_version"]
        files = tuple(str(path) for path in data["files"])
        if not isinstance(version, int) or isinstance(version, bool):
            raise TypeError("template_version is not a number")
    except (ValueError, KeyError, TypeError) as exc:
        raise WriteError(
            f"{STATE_FILE} is damaged ({exc}); restore it from version control, or delete it "
            "and run `scaffold upgrade` to find the merge bases again"
        ) from None
    return TemplateState(version=version, files=files)


def dump_state(state: TemplateState) -> str:
    """Deterministic text of `state.json`."""
    data = {"template_version": state.version, "files": sorted(state.files)}
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def read_bases(root: Path, state: TemplateState) -> dict[str, str]:
    """path → the recorded merge base, for every file of `state` whose base is there."""
    bases: dict[str, str] = {}
    for path in state.files:
        text = read_text(root / template_base_path(path))
        if text is not None:
            bases[path] = text
    return bases


def recorded_version(root: Path) -> int | None:
    """The project template version of the project at `root`; None when the project was not
    made from the template at all (no answers file, no state: nothing to compare with)."""
    state = load_state(root)
    if state is not None:
        return state.version
    if (root / ANSWERS_FILE).is_file():
        return UNRECORDED_VERSION
    return None


def template_problem(root: Path) -> str | None:
    """Why entity files cannot be generated into the project at `root` yet, or None."""
    version = recorded_version(root)
    if version is None or version >= MIN_PROJECT_TEMPLATE_VERSION:
        return None
    made = (
        "was made before scaffold recorded template versions"
        if version == UNRECORDED_VERSION
        else f"is at project template version {version}"
    )
    return (
        f"this project {made}, and the entity templates of this scaffold need version "
        f"{MIN_PROJECT_TEMPLATE_VERSION} or newer (its core/ lacks what they call); "
        "run `scaffold upgrade` first, then generate again. Nothing was written."
    )


def newer_than_known(version: int) -> str | None:
    """The message for a project made by a newer scaffold than this one, or None."""
    if version <= PROJECT_TEMPLATE_VERSION:
        return None
    return (
        f"this project is at project template version {version}, newer than this scaffold "
        f"knows ({PROJECT_TEMPLATE_VERSION}); upgrade scaffold itself instead"
    )
