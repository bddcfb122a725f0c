"""Three-way merge of text files, behind a small typed wrapper around the `merge3` package.

`merge3` (the diff3 of bzr/breezy) computes the merge regions; this module only turns them into
text, with conflict markers in the style of `git merge-file`:

    <<<<<<< yours
    ...the lines on disk (the user's edit)...
    =======
    ...the newly generated lines...
    >>>>>>> generated
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import merge3

OURS_LABEL = "yours"
THEIRS_LABEL = "generated"
START_MARKER = f"<<<<<<< {OURS_LABEL}"
MID_MARKER = "======="
END_MARKER = f">>>>>>> {THEIRS_LABEL}"

# Only our own labelled markers count: a bare `=======` line is legal in docstrings (RST).
_MARKER_RE = re.compile(
    rf"^(?:{re.escape(START_MARKER)}|{re.escape(END_MARKER)})\r?$", re.MULTILINE
)


@dataclass(frozen=True)
class MergeResult:
    """The merged text and how many conflict blocks it holds (0: a clean merge)."""

    text: str
    conflicts: int

    @property
    def clean(self) -> bool:
        return self.conflicts == 0


def has_conflict_markers(text: str) -> bool:
    """True when `text` still holds a `<<<<<<< yours` or `>>>>>>> generated` line."""
    return _MARKER_RE.search(text) is not None


def merge_text(base: str, ours: str, theirs: str) -> MergeResult:
    """Merge `base → ours` (the user's edits) with `base → theirs` (the generator's changes).

    Conflicting hunks are reduced to the lines that really differ (merge3's `reprocess`, like
    git's zealous merge) and wrapped in markers. Input newlines are kept as they are.
    """
    base_lines = base.splitlines(keepends=True)
    ours_lines = ours.splitlines(keepends=True)
    theirs_lines = theirs.splitlines(keepends=True)
    m: merge3.Merge3[str] = merge3.Merge3(base_lines, ours_lines, theirs_lines)
    newline = _newline_of(ours_lines or theirs_lines)
    out: list[str] = []
    conflicts = 0
    for region in m.reprocess_merge_regions(m.merge_regions()):
        kind = region[0]
        if kind == "unchanged":
            out += base_lines[region[1] : region[2]]
        elif kind in ("a", "same"):
            out += ours_lines[region[1] : region[2]]
        elif kind == "b":
            out += theirs_lines[region[1] : region[2]]
        elif len(region) == 7:  # ("conflict", base from/to, ours from/to, theirs from/to)
            conflicts += 1
            ia, amatch, ib, bmatch = region[3], region[4], region[5], region[6]
            _emit(out, START_MARKER + newline, newline)
            _extend(out, ours_lines[ia:amatch], newline)
            _emit(out, MID_MARKER + newline, newline)
            _extend(out, theirs_lines[ib:bmatch], newline)
            _emit(out, END_MARKER + newline, newline)
        else:  # pragma: no cover - merge3 yields no other region kinds
            raise ValueError(f"unknown merge region {kind!r}")
    return MergeResult(text="".join(out), conflicts=conflicts)


def _newline_of(lines: Sequence[str]) -> str:
    first = lines[0] if lines else ""
    return "\r\n" if first.endswith("\r\n") else "\n"


def _emit(out: list[str], marker: str, newline: str) -> None:
    # A last line without a newline must not swallow the marker that follows it.
    if out and not out[-1].endswith(("\n", "\r")):
        out[-1] += newline
    out.append(marker)


def _extend(out: list[str], lines: Sequence[str], newline: str) -> None:
    if lines:
        if out and not out[-1].endswith(("\n", "\r")):
            out[-1] += newline
        out += lines
