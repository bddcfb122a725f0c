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


def read_json_cache(name: str) -> dict[str, str]:
    """The string mapping stored under `name` in the cache folder ({} when absent or unreadable)."""
    import json

    root = cache_root()
    if root is None:
        return {}
    try:
        data = json.loads((root / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items() if isinstance(v, str)}


def write_json_cache(name: str, data: dict[str, str]) -> None:
    """Store `data` under `name` atomically (readers see the old or the new file); best effort."""
    import json
    import tempfile

    root = cache_root()
    if root is None:
        return
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=root, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, sort_keys=True)
        os.replace(tmp, root / name)
    except OSError:
        pass
