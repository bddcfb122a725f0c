"""What `.scaffold/` remembers between runs: the manifest, the merge bases and the journal.

.scaffold/manifest.json    every generated file: path, owner (spec/template), sha256 of the
                           content last generated for it. Written last in every batch.
.scaffold/base/<path>      that content itself: the base of the next three-way merge.
.scaffold/snapshot.json    the schema the last migration produced (owned by `migrate`).
.scaffold/journal.json     only while a batch is being written: every write still to do, so
                           `recover` can finish a batch a crash or a kill interrupted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from scaffold.errors import ScaffoldError
from scaffold.project import STATE_DIR
from scaffold.write.fsio import read_text

MANIFEST = f"{STATE_DIR}/manifest.json"
SNAPSHOT = f"{STATE_DIR}/snapshot.json"
JOURNAL = f"{STATE_DIR}/journal.json"
BASE_DIR = f"{STATE_DIR}/base"
MANIFEST_VERSION = 1
RESERVED = (MANIFEST, SNAPSHOT, JOURNAL)


class WriteError(ScaffoldError):
    """The write stage cannot go on safely (a broken manifest, a migration that would be
    rewritten, files changed while planning). Exit 2: nothing was written."""


@dataclass(frozen=True)
class ManifestEntry:
    """One generated file as the manifest records it."""

    path: str
    owner: str | None
    sha256: str


def base_path(path: str) -> str:
    """Where the merge base of the generated file `path` is kept (relative to the root)."""
    return f"{BASE_DIR}/{path}"


def check_rel_path(path: str) -> str:
    """`path` if it is a clean relative posix path inside the project; a WriteError if not."""
    pure = PurePosixPath(path)
    if (
        not path
        or pure.is_absolute()
        or "\\" in path
        or any(part in ("", ".", "..") for part in path.split("/"))
    ):
        raise WriteError(f"refusing to write outside the project or to an odd path: {path!r}")
    if path in RESERVED or path == BASE_DIR or path.startswith(BASE_DIR + "/"):
        raise WriteError(f"{path} is scaffold's own state file; it cannot be generated")
    return path


def load_manifest(root: Path) -> dict[str, ManifestEntry]:
    """The manifest's entries by path (empty when there is no manifest yet)."""
    text = read_text(root / MANIFEST)
    if text is None:
        return {}
    try:
        data = json.loads(text)
        entries = {
            str(item["path"]): ManifestEntry(
                path=str(item["path"]),
                owner=None if item.get("owner") is None else str(item["owner"]),
                sha256=str(item["sha256"]),
            )
            for item in data["files"]
        }
    except (ValueError, KeyError, TypeError) as exc:
        raise WriteError(
            f"{MANIFEST} is damaged ({exc}); restore it from version control, or delete it "
            "to treat every existing file as hand-written"
        ) from None
    return entries


def dump_manifest(entries: Mapping[str, ManifestEntry]) -> str:
    """Deterministic manifest text: sorted by path, sorted keys, a newline at the end."""
    files = [
        {"path": e.path, "owner": e.owner, "sha256": e.sha256}
        for e in sorted(entries.values(), key=lambda e: e.path)
    ]
    return (
        json.dumps({"version": MANIFEST_VERSION, "files": files}, indent=2, sort_keys=True) + "\n"
    )
