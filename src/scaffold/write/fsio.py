"""The only code that touches the disk: read, atomic write (temp file + fsync + `os.replace`),
remove. Text is read and written as UTF-8 bytes, so newlines are kept exactly as they are.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

TMP_SUFFIX = ".scaffold-tmp"
ENCODING = "utf-8"
ERRORS = "surrogateescape"  # a stray non-UTF-8 byte survives a read/merge/write round trip


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_NEW_FILE_MODE = 0o666 & ~_current_umask()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode(ENCODING, ERRORS)).hexdigest()


def read_text(path: Path) -> str | None:
    """The file's text, or None when there is no such file."""
    try:
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return data.decode(ENCODING, ERRORS)


def tmp_path_for(path: Path) -> Path:
    """The temp file `atomic_write` uses: a fixed name next to `path`, so leftovers of a killed
    run are found and removed by `recover`."""
    return path.with_name(f".{path.name}{TMP_SUFFIX}")


def atomic_write(path: Path, text: str, *, folders: set[Path] | None = None) -> None:
    """Replace `path` with `text` so a reader (or a crash) sees the old or the new file, whole.

    The temp file lives in the same folder (same file system, so `os.replace` is atomic), keeps
    the mode of the file it replaces, and is fsynced before the rename; the folder is fsynced
    after it, so the rename itself survives a power cut. `folders`: the folder is added to it
    instead, for the caller to fsync once for a batch (`sync_folders`) before it counts the batch
    as done (a batch under a journal: until then, a rename a power cut lost is done again).
    """
    made = _make_parents(path.parent)
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = _NEW_FILE_MODE
    tmp = tmp_path_for(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode(ENCODING, ERRORS))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)  # O_CREAT's mode is filtered by the umask
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        for folder in made:  # a failed write leaves no new empty folders behind
            try:
                folder.rmdir()
            except OSError:
                break
        raise
    if folders is None:
        _fsync_dir(path.parent)
    else:
        folders.add(path.parent)


def sync_folders(folders: set[Path]) -> None:
    """fsync each folder of `folders` once (the renames `atomic_write(..., folders=)` left)."""
    for folder in sorted(folders):
        _fsync_dir(folder)


def _make_parents(folder: Path) -> list[Path]:
    """Create `folder` and its missing parents; the ones created, deepest first."""
    missing: list[Path] = []
    while not folder.is_dir():
        missing.append(folder)
        folder = folder.parent
    for made in reversed(missing):
        made.mkdir(exist_ok=True)
    return missing


def remove(path: Path, *, stop: Path) -> None:
    """Delete `path` (missing is fine), then every folder it leaves empty, up to `stop`."""
    path.unlink(missing_ok=True)
    _fsync_dir(path.parent)
    folder = path.parent
    while folder != stop and stop in folder.parents:
        try:
            folder.rmdir()
        except OSError:  # not empty (or already gone): stop climbing
            break
        folder = folder.parent


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":  # pragma: no cover - Windows cannot open a folder for fsync
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
