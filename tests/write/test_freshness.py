"""The no-op check (scaffold/freshness.py) reads a generated file again only when its status
changed, or is too recent to be trusted; a changed file is found either way."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scaffold import freshness
from scaffold.project import load_project

SPEC = "entity: note\nfields:\n  body: text\n"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("fresh")
    root = base / "app"
    env = {**os.environ, "SCAFFOLD_CACHE_DIR": str(base / "cache")}
    scaffold = [sys.executable, "-m", "scaffold"]
    subprocess.run(
        [*scaffold, "init", str(root), "--package", "app", "--defaults"],
        check=True,
        capture_output=True,
        env=env,
    )
    (root / "specs" / "note.yaml").write_text(SPEC, encoding="utf-8")
    subprocess.run([*scaffold, "generate"], cwd=root, check=True, capture_output=True, env=env)
    return root


@pytest.fixture
def project(generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "app"
    shutil.copytree(generated, root)
    monkeypatch.setenv("SCAFFOLD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SCAFFOLD_NO_CACHE", raising=False)
    yield root


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    reads: list[Path] = []
    sha = freshness._sha256_file

    def counting(path: Path) -> str:
        reads.append(path)
        return sha(path)

    monkeypatch.setattr(freshness, "_sha256_file", counting)
    return reads


def _manifest_size(root: Path) -> int:
    import json

    return len(json.loads((root / freshness.MANIFEST).read_text("utf-8"))["files"])


def test_a_settled_status_is_not_read_again(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(freshness, "RACY_NS", 0)  # every recorded status counts as settled
    reads = _reads(monkeypatch)
    assert freshness.up_to_date(load_project(project))
    assert len(reads) == _manifest_size(project) > 10
    reads.clear()
    assert freshness.up_to_date(load_project(project))
    assert reads == []


def test_a_file_changed_behind_its_old_mtime_is_found(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(freshness, "RACY_NS", 0)
    assert freshness.up_to_date(load_project(project))
    model = next((project / "src" / "app" / "entities").rglob("model.py"))
    before = model.stat()
    text = model.read_text(encoding="utf-8")
    changed = text.replace("\n", "\r", 1)  # same size
    assert len(changed) == len(text) and changed != text
    model.write_text(changed, encoding="utf-8", newline="")
    os.utime(model, ns=(before.st_atime_ns, before.st_mtime_ns))  # the mtime put back
    assert model.stat().st_size == before.st_size
    assert model.stat().st_mtime_ns == before.st_mtime_ns
    assert not freshness.up_to_date(load_project(project))


def test_a_recent_status_is_read_again(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files changed within `RACY_NS` of their recording may have changed in the same clock
    tick: they are hashed again, however often the check runs."""
    reads = _reads(monkeypatch)
    assert freshness.up_to_date(load_project(project))
    first = len(reads)
    reads.clear()
    assert freshness.up_to_date(load_project(project))  # just copied: all recent
    assert len(reads) == first


def test_without_a_cache_folder_every_file_is_read(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(freshness, "RACY_NS", 0)
    monkeypatch.setenv("SCAFFOLD_NO_CACHE", "1")
    reads = _reads(monkeypatch)
    for _ in range(2):
        reads.clear()
        assert freshness.up_to_date(load_project(project))
        assert len(reads) == _manifest_size(project)


def test_a_deleted_file_is_found(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(freshness, "RACY_NS", 0)
    assert freshness.up_to_date(load_project(project))
    next((project / "src" / "app" / "entities").rglob("queries.py")).unlink()
    assert not freshness.up_to_date(load_project(project))
