"""Driver for the SIGKILL test: generate a large project at spec version 1 or 2.

    python kill_driver.py ROOT VERSION

Prints `ready N` just before the first of N writes and `wrote K` after each, so the test can
aim its kill at any point of the batch.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the sibling modules importable
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from kinds import KINDS  # type: ignore[import-not-found, no-redef]
else:
    from .kinds import KINDS

ENTITIES = 24
PADDING = "".join(
    f"# padding line {i:04d}: the file is big enough to take a while\n" for i in range(60)
)


def big_rendered(version: int) -> dict[str, str]:
    """ENTITIES copies of every file kind, each a few kB."""
    out: dict[str, str] = {}
    for n in range(ENTITIES):
        for kind in KINDS:
            text = kind.v1 if version == 1 else kind.v2
            path = kind.path.replace("comments", f"comments{n:02d}")
            out[path] = text.replace("Comment", f"Comment{n:02d}") + PADDING
    return out


def edit_some(root: Path) -> None:
    """Hand edits (away from the generator's changes) in every third file."""
    for i, (path, text) in enumerate(sorted(big_rendered(1).items())):
        if i % 3 == 0:
            edited = text.replace("# padding line 0030", "# user note\n# padding line 0030")
            (root / path).write_text(edited)


def main(root: Path, version: int) -> None:
    from scaffold.write import apply_plan, plan_writes, recover

    recover(root)
    plan = plan_writes(root, big_rendered(version))
    print("ready", len(plan.ops), flush=True)
    apply_plan(plan, on_progress=lambda done, total: print("wrote", done, flush=True))
    print("done", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
