"""Whether a `generate` would find nothing to do, answered before anything heavy is imported.

A successful `generate` leaves `.scaffold/fingerprint`: a hash of everything its output depends
on (scaffold's code and templates, the settings, the specs, the migration snapshot). A run whose
fingerprint is the same, and whose generated files are all still what the manifest says they
are, stops there.

Checking the generated files is the cost of that answer (31 MB of them at 100 entities of the
benchmark's second family), so what was checked is remembered in the user cache folder, outside
the project: each file's size, mtime, ctime, inode and device as they were when its content was
last hashed and found to be the manifest's. A file whose status is still exactly that is not read
again, as git trusts its index. Any write changes the ctime (which no tool can set back) or, by a
rename, the inode, so a changed file is always read. The one blind spot of such a check, a change
within the clock tick of the recorded status, is closed the way git closes it: a status is only
trusted when it is older than the record by more than `RACY_NS` (a file changed within that
window of its recording is read again, and recorded anew once it is old enough).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from scaffold.project import STATE_DIR

if TYPE_CHECKING:
    from scaffold.project import Project

FINGERPRINT = f"{STATE_DIR}/fingerprint"
MANIFEST = f"{STATE_DIR}/manifest.json"
JOURNAL = f"{STATE_DIR}/journal.json"
# Coarser than any file system's timestamps (FAT's 2 s): a status this much older than its
# recording cannot hide a change made after it.
RACY_NS = 2_100_000_000

Status = tuple[int, int, int, int, int]


def fingerprint(project: Project) -> str:
    """A hash of everything a run's output depends on: scaffold's own code and templates, the
    project settings, the specs and the migration snapshot."""
    from scaffold.digest import code_digest
    from scaffold.pipeline import spec_files
    from scaffold.templates_path import templates_dir

    digest = hashlib.sha256(code_digest().encode())
    templates = sorted(p for p in (templates_dir() / "entity").rglob("*") if p.is_file())
    state = [project.root / "scaffold.yaml", project.root / STATE_DIR / "snapshot.json"]
    for path in [*templates, *state, *spec_files([project.specs_path])]:
        digest.update(b"\0" + path.name.encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"-")
    return digest.hexdigest()


def up_to_date(project: Project) -> bool:
    """True when nothing changed since the last successful `generate` (no spec, no code, no
    generated file): the run can stop before rendering anything. Any doubt answers False."""
    root = project.root
    mark = root / FINGERPRINT
    if not mark.is_file() or (root / JOURNAL).exists():
        return False
    try:
        if mark.read_text(encoding="utf-8").strip() != fingerprint(project):
            return False
        manifest = json.loads((root / MANIFEST).read_text("utf-8"))
        at, known = _load_statuses(root)
        checked: dict[str, tuple[Status, str]] = {}
        read = 0
        for entry in manifest["files"]:
            path, sha = str(entry["path"]), str(entry["sha256"])
            status = _status(root / path)
            if status is None:
                return False
            checked[path] = (status, sha)
            if known.get(path) == (status, sha) and _settled(status, at):
                continue
            if _sha256_file(root / path) != sha:
                return False
            read += 1
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if read:  # recorded anew: next time these are trusted once they are old enough
        _store_statuses(root, checked)
    return True


def remember_fingerprint(project: Project) -> None:
    """After a successful `generate`: the fingerprint the next run compares with."""
    from scaffold.write.fsio import atomic_write

    atomic_write(project.root / FINGERPRINT, fingerprint(project) + "\n")


# --- the recorded statuses (user cache folder) ------------------------------------------------


def _status(path: Path) -> Status | None:
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not os.path.isfile(path):
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _settled(status: Status, at: int) -> bool:
    """Whether `status` was already older than its record (made at `at`) by `RACY_NS`."""
    return max(status[1], status[2]) < at - RACY_NS


def _record_file(root: Path) -> Path | None:
    from scaffold.cache import cache_root

    base = cache_root()
    if base is None:
        return None
    key = hashlib.sha256(str(root.resolve()).encode("utf-8", "surrogateescape")).hexdigest()
    return base / "status" / key[:2] / f"{key}.json"


def _load_statuses(root: Path) -> tuple[int, dict[str, tuple[Status, str]]]:
    """When the statuses of `root`'s files were recorded, and what they were (0, {}: never)."""
    from scaffold.cache import read_cache_file

    record = _record_file(root)
    text = None if record is None else read_cache_file(record)
    if text is None:
        return 0, {}
    try:
        data = json.loads(text)
        files = data["files"].items()
        return int(data["at"]), {str(p): (_as_status(st), str(sha)) for p, (st, sha) in files}
    except (ValueError, KeyError, TypeError):
        return 0, {}


def _as_status(value: object) -> Status:
    if not isinstance(value, list) or len(value) != 5:
        raise ValueError("not a status")
    size, mtime, ctime, ino, dev = (int(v) for v in value)
    return (size, mtime, ctime, ino, dev)


def _store_statuses(root: Path, checked: dict[str, tuple[Status, str]]) -> None:
    from scaffold.cache import write_cache_file

    record = _record_file(root)
    if record is None:
        return
    data = {
        "at": time.time_ns(),
        "files": {path: [list(status), sha] for path, (status, sha) in sorted(checked.items())},
    }
    write_cache_file(record, json.dumps(data, separators=(",", ":")))
