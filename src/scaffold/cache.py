"""Where scaffold keeps what it can compute again (formatted modules, compiled templates, plurals),
and the versions of the tools those results depend on."""

from __future__ import annotations

import atexit
import importlib.util
import os
import queue
import threading
from pathlib import Path


def cache_root() -> Path | None:
    """scaffold's user cache folder, or None when `SCAFFOLD_NO_CACHE` turns the disk cache off."""
    if os.environ.get("SCAFFOLD_NO_CACHE"):
        return None
    base = os.environ.get("SCAFFOLD_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "scaffold"


def installed_version(package: str) -> str | None:
    """`package`'s version, from the `<name>-<version>.dist-info` folder next to it.

    importlib.metadata finds the same by scanning every installed distribution (~10 ms a name);
    any other layout (an egg, a source checkout) falls back to it. None when not installed.
    """
    spec = importlib.util.find_spec(package)
    if spec is not None and spec.submodule_search_locations:
        site = Path(next(iter(spec.submodule_search_locations))).parent
        found = sorted(site.glob(f"{package}-*.dist-info"))
        if len(found) == 1:
            return found[0].name[len(package) + 1 : -len(".dist-info")]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return None


# Cache entries are written by one background thread, in the order they were stored: creating a
# file costs ~0.5 ms on some file systems and a cold run stores ~1,000 entries, while the run goes
# on with its own work. Until it is written, an entry is read from memory; `flush_cache_writes`
# waits for the thread (registered to run at the interpreter's exit).
_lock = threading.Lock()
_pending: dict[Path, str] = {}
_queue: queue.Queue[tuple[Path, str]] | None = None
_folders: set[Path] = set()  # folders known to exist (an mkdir costs as much as a file)


def read_cache_file(path: Path) -> str | None:
    """The text of one cache entry, or None when it is missing or unreadable."""
    with _lock:
        text = _pending.get(path)
    if text is not None:
        return text
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def write_cache_file(path: Path, text: str) -> None:
    """Store one cache entry atomically (a reader sees the old or the new text); best effort.
    Written in the background: the entry reads back at once, it is on disk after
    `flush_cache_writes`."""
    global _queue
    with _lock:
        _pending[path] = text
        if _queue is None:
            _queue = queue.Queue()
            threading.Thread(target=_writer, args=(_queue,), daemon=True).start()
            atexit.register(flush_cache_writes)  # before daemon threads stop
        _queue.put((path, text))


def flush_cache_writes() -> None:
    """Wait until every entry stored so far is on disk (or failed to be: best effort)."""
    if _queue is not None:
        _queue.join()


def _writer(entries: queue.Queue[tuple[Path, str]]) -> None:
    while True:
        path, text = entries.get()
        try:
            _write_now(path, text)
        except Exception:  # best effort; the thread must outlive any entry (a hang otherwise)
            pass
        finally:
            entries.task_done()


def _write_now(path: Path, text: str) -> None:
    import tempfile

    try:
        if path.parent not in _folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            _folders.add(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as out:
            out.write(text.encode("utf-8"))
        os.replace(tmp, path)
    except OSError:
        _folders.discard(path.parent)  # removed meanwhile (a test's folder): made again next time
    finally:
        with _lock:
            if _pending.get(path) is text:
                del _pending[path]


def read_json_cache(name: str) -> dict[str, str]:
    """The string mapping stored under `name` in the cache folder ({} when absent or unreadable)."""
    import json

    root = cache_root()
    text = None if root is None else read_cache_file(root / name)
    if text is None:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items() if isinstance(v, str)}


def write_json_cache(name: str, data: dict[str, str]) -> None:
    """Store `data` under `name` in the cache folder (atomically); best effort."""
    import json

    root = cache_root()
    if root is not None:
        write_cache_file(root / name, json.dumps(data, sort_keys=True))
