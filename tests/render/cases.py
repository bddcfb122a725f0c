"""The spec sets the render tests use, loaded through the real spec loader and resolver."""

from __future__ import annotations

import shutil
import sys
import tempfile
from functools import cache
from pathlib import Path

from scaffold.ir.model import Schema
from scaffold.pipeline import load_schema, spec_files

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden"
PACKAGE = "probeapp"
if str(REPO / "bench") not in sys.path:  # the benchmark's spec families (bench/families.py)
    sys.path.insert(0, str(REPO / "bench"))
CASES = {
    "examples": REPO / "specs",
    "coverage": REPO / "tests" / "e2e_entities" / "specs_coverage",
}


@cache
def case_schema(name: str) -> Schema:
    """The IR of a case, with its specs at `specs/` of a project root (as in a real project)."""
    return folder_schema(CASES[name])


def folder_schema(folder: Path) -> Schema:
    """The IR of the specs in `folder`, copied to `specs/` of a project root."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "specs").mkdir()
        for spec in sorted(folder.glob("*.yaml")):
            shutil.copy(spec, root / "specs" / spec.name)
        return load_schema(spec_files([root / "specs"]), root)


def family_schema(family: str, n: int) -> Schema:
    """A project of `n` entities of one of the benchmark's spec families (bench/families.py)."""
    from families import entity_name, entity_spec

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "specs").mkdir()
        for i in range(n):
            spec = root / "specs" / f"{entity_name(family, i)}.yaml"
            spec.write_text(entity_spec(family, i), encoding="utf-8")
        return load_schema(spec_files([root / "specs"]), root)
