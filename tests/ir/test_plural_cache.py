"""Plurals come from inflect once, then from the cache folder: the same words either way."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from scaffold.cache import installed_version

WORDS = ["person", "category", "shelf_item", "bus", "status", "thing7", "datum", "mouse"]
CODE = (
    "import json, sys\n"
    "from scaffold.ir import naming\n"
    "print(json.dumps([naming.plural(w) for w in sys.argv[1:]]))\n"
    "print(json.dumps('inflect' in sys.modules))\n"
)


def _plurals(cache: Path, *env: tuple[str, str]) -> tuple[list[str], bool]:
    out = subprocess.run(
        [sys.executable, "-c", CODE, *WORDS],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "", "SCAFFOLD_CACHE_DIR": str(cache), **dict(env)},
    )
    words, imported = out.stdout.splitlines()
    return json.loads(words), json.loads(imported)


def test_second_run_reads_the_cache_and_skips_inflect(tmp_path: Path) -> None:
    first, imported_first = _plurals(tmp_path)
    assert first == [
        "people",
        "categories",
        "shelf_items",
        "buses",
        "statuses",
        "thing7s",
        "data",
        "mice",
    ]
    assert imported_first
    second, imported_second = _plurals(tmp_path)
    assert second == first
    assert not imported_second  # every word came from the cache
    uncached, _ = _plurals(tmp_path, ("SCAFFOLD_NO_CACHE", "1"))
    assert uncached == first


def test_a_cache_file_edited_by_hand_is_not_trusted(tmp_path: Path) -> None:
    _plurals(tmp_path)
    (cache_file,) = tmp_path.glob("plurals-*.json")
    data = json.loads(cache_file.read_text())
    data["person"] = "Not A Name!"
    cache_file.write_text(json.dumps(data))
    words, _ = _plurals(tmp_path)
    assert words[0] == "people"


def test_installed_version_matches_importlib_metadata() -> None:
    from importlib.metadata import version

    for package in ("black", "ruff", "inflect"):
        assert installed_version(package) == version(package)
    assert installed_version("no_such_package_here") is None
