"""Where scaffold keeps what it can compute again (formatted modules, compiled templates, plurals),
and the versions of the tools those results depend on."""

from __future__ import annotations

import importlib.util
import os
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


def read_cache_file(path: Path) -> str | None:
    """The text of one cache entry, or None when it is missing or unreadable."""
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def write_cache_file(path: Path, text: str) -> None:
    """Store one cache entry atomically (a reader sees the old or the new text); best effort."""
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as out:
            out.write(text.encode("utf-8"))
        os.replace(tmp, path)
    except OSError:
        pass


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
