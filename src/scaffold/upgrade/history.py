"""Merge bases for a project made before template versions were recorded (version 0).

Such a project has no `.scaffold/template/` state, so what the template rendered for it is not
on disk. It is rendered again instead: `templates/project-history.tar.xz` holds every state the
project template had before versions were recorded (one folder per commit that changed
`templates/project/`, made with `git archive <commit> templates/project`; `history.txt` lists
them newest first). Each, and today's template, is rendered with the project's answers; the
one that reproduces the most of the project's files exactly is the version the project was made
at, and its renders are the merge bases. A file that equals another past render exactly takes
that render as its base (it is untouched, whichever version wrote it).

When no past render reproduces any file, the project's provenance is unknown: no bases are
derived and every file that differs from today's template is left for the user to review
(`Action.REVIEW`), never merged against a guess.

The archive is frozen: from version 1 on, `init` and `upgrade` record the bases themselves.
"""

from __future__ import annotations

import tarfile
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffold.templates_path import templates_dir
from scaffold.upgrade.render import render_template
from scaffold.upgrade.state import ANSWERS_FILE
from scaffold.write.fsio import read_text

ARCHIVE_NAME = "project-history.tar.xz"
INDEX_NAME = "history.txt"
CURRENT = "current"


@dataclass(frozen=True)
class DerivedBases:
    """The merge bases found for an unrecorded project: `source` names the past template they
    come from (a commit, `current`, or None when none matched)."""

    source: str | None
    bases: dict[str, str] = field(default_factory=dict)


def past_renders(answers: Mapping[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """(commit, files) of every past project template rendered with `answers`, newest first."""
    archive = templates_dir() / ARCHIVE_NAME
    renders: list[tuple[str, dict[str, str]]] = []
    with tempfile.TemporaryDirectory(prefix="scaffold-history-") as tmp:
        with tarfile.open(archive, "r:xz") as tar:
            tar.extractall(tmp, filter="data")
        index = (Path(tmp) / INDEX_NAME).read_text(encoding="utf-8")
        for line in index.splitlines():
            if line.strip():
                commit = line.split()[0]
                renders.append((commit, render_template(Path(tmp) / commit, answers)))
    return renders


def derive_bases(
    root: Path, current: Mapping[str, str], answers: Mapping[str, Any]
) -> DerivedBases:
    """The merge bases of the unrecorded project at `root`; `current` is today's render."""
    candidates = [(CURRENT, dict(current)), *past_renders(answers)]
    paths = sorted({path for _, files in candidates for path in files})
    disk = {path: read_text(root / path) for path in paths}

    def matches(files: Mapping[str, str]) -> int:
        return sum(
            1 for path, text in files.items() if path != ANSWERS_FILE and disk.get(path) == text
        )

    best_score, best_source, best = max(
        ((matches(files), source, files) for source, files in candidates),
        key=lambda item: item[0],  # max keeps the first (newest) of equal scores
    )
    if best_score == 0:
        return DerivedBases(source=None)
    bases = dict(best)
    for path, text in disk.items():
        if text is None or bases.get(path) == text:
            continue
        exact = next((files[path] for _, files in candidates if files.get(path) == text), None)
        if exact is not None:
            bases[path] = exact
    return DerivedBases(source=best_source, bases=bases)
