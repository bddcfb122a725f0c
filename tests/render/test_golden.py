"""Golden files: the rendered output of each spec set, byte for byte (tests/golden/README.md)."""

from __future__ import annotations

import shutil

import pytest

from scaffold.render import render_project

from .cases import CASES, GOLDEN, PACKAGE, case_schema


@pytest.mark.parametrize("case", sorted(CASES))
def test_rendered_files_match_golden(case: str, update_golden: bool) -> None:
    files = render_project(case_schema(case), package=PACKAGE)
    folder = GOLDEN / case
    if update_golden:
        shutil.rmtree(folder, ignore_errors=True)
        for rel, text in files.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return
    assert folder.is_dir(), f"no golden files for {case}: run UPDATE_GOLDEN=1 pytest tests/render"
    on_disk = {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
    assert sorted(on_disk) == sorted(files), "the set of generated files changed"
    changed = [rel for rel, text in files.items() if on_disk[rel] != text]
    assert not changed, (
        f"generated files differ from tests/golden/{case}: {changed}; if intended, refresh with "
        "UPDATE_GOLDEN=1 pytest tests/render and review the diff"
    )
