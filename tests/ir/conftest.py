"""Helpers: resolve specs given as text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.errors import SpecErrors
from scaffold.ir.model import Schema
from scaffold.ir.resolve import resolve
from scaffold.spec.load import load_specs

REPO = Path(__file__).resolve().parents[2]


def resolve_texts(tmp: Path, specs: dict[str, str]) -> Schema:
    folder = tmp / "specs"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for name, text in specs.items():
        (folder / f"{name}.yaml").write_text(text)
    return resolve(load_specs(sorted(folder.iterdir()), root=tmp))


@pytest.fixture
def resolve_specs(tmp_path: Path) -> Callable[..., Schema]:
    def run(**specs: str) -> Schema:
        return resolve_texts(tmp_path, specs)

    return run


@pytest.fixture
def spec_errors(tmp_path: Path) -> Callable[..., list[str]]:
    def run(**specs: str) -> list[str]:
        with pytest.raises(SpecErrors) as info:
            resolve_texts(tmp_path, specs)
        return info.value.report()

    return run


def example_schema() -> Schema:
    files = sorted((REPO / "specs").glob("*.yaml"))
    return resolve(load_specs(files, root=REPO))
