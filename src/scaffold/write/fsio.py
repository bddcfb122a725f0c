"""The only code that touches the disk: read, atomic write (temp file + fsync + `os.replace`),
remove. Text is read and written as UTF-8 bytes, so newlines are kept exactly as they are.

A batch (`write/apply.py`, under its journal) is written in two steps instead: every temp file
(`stage_many`, a few threads at once), then their data made durable at once (`sync_staged`: one
`syncfs` of each file system they are on, where Linux has it, instead of an fsync a file), then
the renames (`commit`) and one fsync a folder. A crash before the renames leaves the targets as
they were; after the sync, a temp file is whole, so a rename a crash lost is done again by the
journal's `recover`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from dataclasses import dataclass, field
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


@dataclass
class Staged:
    """A temp file written next to `path`, not yet renamed onto it."""

    path: Path
    tmp: Path
    made: list[Path] = field(default_factory=list)  # folders created for it, deepest first


def stage(path: Path, text: str) -> Staged:
    """Write `text` to the temp file of `path` (same folder, same file system), with the mode of
    the file it will replace; not fsynced (`sync_staged`)."""
    return stage_many([(path, text)])[0]


def stage_many(items: list[tuple[Path, str]]) -> list[Staged]:
    """`stage` each (path, text), the temp files written by a few threads at once: creating a
    file costs ~0.5 ms on some file systems, mostly waiting, and a cold run writes ~1,600. The
    folders are made first, in order, so each is recorded once (`discard` removes them). On any
    error every temp file and folder made is removed and the first error raised."""
    staged: list[Staged] = []
    try:
        for path, _ in items:
            made = _make_parents(path.parent)
            staged.append(Staged(path=path, tmp=tmp_path_for(path), made=made))
        if len(items) < 32:  # a one-change run: no thread pool (its import alone is ~12 ms)
            for item, (_, text) in zip(staged, items, strict=True):
                _write_tmp(item, text)
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=4, thread_name_prefix="scaffold-stage") as pool:
                futures = [
                    pool.submit(_write_tmp, item, text)
                    for item, (_, text) in zip(staged, items, strict=True)
                ]
                for future in futures:
                    future.result()  # the first error, once every write has ended (the exit)
    except BaseException:
        discard(staged)
        raise
    return staged


def _write_tmp(staged: Staged, text: str) -> None:
    try:
        mode = staged.path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = _NEW_FILE_MODE
    fd = os.open(staged.tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(text.encode(ENCODING, ERRORS))
    os.chmod(staged.tmp, mode)  # O_CREAT's mode is filtered by the umask


def sync_staged(staged: list[Staged]) -> None:
    """Make the data of every staged temp file durable: one `syncfs` of each file system they
    are on where Linux has it (one flush, not one a file), else an fsync of each."""
    by_device: dict[int, list[Staged]] = {}
    for item in staged:
        by_device.setdefault(os.stat(item.tmp).st_dev, []).append(item)
    for items in by_device.values():
        if not _syncfs(items[0].tmp):
            for item in items:
                _fsync_file(item.tmp)


def commit(staged: Staged, folders: set[Path]) -> None:
    """Rename the temp file onto its target; its folder joins `folders` (`sync_folders`)."""
    os.replace(staged.tmp, staged.path)
    folders.add(staged.path.parent)


def discard(staged: list[Staged]) -> None:
    """Remove temp files not renamed yet, and the folders made for them that are still empty.
    `staged` in the order they were staged: a folder made for one holds only the temp files of
    it and of later ones, so every temp file goes first, then the folders, latest first."""
    for item in staged:
        # a temp file that cannot be removed is not one we wrote (a folder stands there)
        with contextlib.suppress(OSError):
            item.tmp.unlink(missing_ok=True)
    for item in reversed(staged):
        for folder in item.made:
            try:
                folder.rmdir()
            except OSError:
                break


def atomic_write(path: Path, text: str) -> None:
    """Replace `path` with `text` so a reader (or a crash) sees the old or the new file, whole.

    The temp file lives in the same folder (same file system, so `os.replace` is atomic), keeps
    the mode of the file it replaces, and is fsynced before the rename; the folder is fsynced
    after it, so the rename itself survives a power cut.
    """
    staged = stage(path, text)
    try:
        _fsync_file(staged.tmp)
        os.replace(staged.tmp, path)
    except BaseException:
        discard([staged])
        raise
    _fsync_dir(path.parent)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _syncfs(path: Path) -> bool:
    """`syncfs(2)` of the file system holding `path`; False where there is none, or it failed."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        call = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        return bool(call(fd) == 0)
    finally:
        os.close(fd)


def sync_folders(folders: set[Path]) -> None:
    """fsync each folder of `folders` once (the renames `commit` left)."""
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
