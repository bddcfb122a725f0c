"""Staging many files at once (fsio.stage_many, threads) and the cache's background writes
(cache.py): what is written is whole, a failure leaves the tree exactly as it was."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scaffold.cache import flush_cache_writes, read_cache_file, write_cache_file
from scaffold.write.fsio import commit, discard, stage_many, tmp_path_for


def _tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


@pytest.mark.parametrize("count", [5, 200])  # one thread, and the pool of threads
def test_stage_many_writes_every_temp_file_whole(tmp_path: Path, count: int) -> None:
    items = [
        (tmp_path / f"pkg{i % 7}" / "deep" / f"m{i}.py", f"x = {i}\n" * i) for i in range(count)
    ]
    staged = stage_many(items)
    folders: set[Path] = set()
    for item in staged:
        commit(item, folders)
    for path, text in items:
        assert path.read_text() == text
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".scaffold-tmp")]


@pytest.mark.parametrize("count", [5, 200])
def test_a_failed_write_removes_every_temp_file_and_folder_it_made(
    tmp_path: Path, count: int
) -> None:
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "old.py").write_text("old\n")
    before = _tree(tmp_path)
    items = [(tmp_path / f"new{i % 5}" / "sub" / f"m{i}.py", "y = 1\n") for i in range(count)]
    items.insert(count // 2, (tmp_path / "kept" / "old.py", "new\n"))
    # the temp file of this one cannot be made: a folder stands where it would go
    blocked = tmp_path / "new3" / "sub" / "blocked.py"
    items.insert(count // 2 + 1, (blocked, "z = 1\n"))
    blocked.parent.mkdir(parents=True, exist_ok=True)
    tmp_path_for(blocked).mkdir()
    before_blocked = _tree(tmp_path)
    with pytest.raises(IsADirectoryError):
        stage_many(items)
    assert _tree(tmp_path) == before_blocked
    assert (tmp_path / "kept" / "old.py").read_text() == "old\n"
    tmp_path_for(blocked).rmdir()
    (tmp_path / "new3" / "sub").rmdir()
    (tmp_path / "new3").rmdir()
    assert _tree(tmp_path) == before


def test_discard_removes_folders_shared_by_later_files(tmp_path: Path) -> None:
    """The first file staged into a new folder records it; later files' temp files live in it
    too, so they go before the folder does, whatever order the list is in."""
    staged = stage_many([(tmp_path / "a" / "b" / f"f{i}.py", "x\n") for i in range(3)])
    assert staged[0].made and not staged[1].made
    discard(staged)
    assert _tree(tmp_path) == []


def test_a_cache_entry_reads_back_at_once_and_is_on_disk_after_the_flush(
    tmp_path: Path,
) -> None:
    entries = {tmp_path / "c" / f"{i:02x}" / f"key{i}": f"text {i}" for i in range(300)}
    for path, text in entries.items():
        write_cache_file(path, text)
    assert all(read_cache_file(path) == text for path, text in entries.items())
    flush_cache_writes()
    for path, text in entries.items():
        assert path.read_bytes().decode() == text
    assert not [p for p in tmp_path.rglob(".tmp-*")]


def test_the_last_write_of_an_entry_wins(tmp_path: Path) -> None:
    path = tmp_path / "c" / "key"
    for i in range(50):
        write_cache_file(path, f"v{i}")
    assert read_cache_file(path) == "v49"
    flush_cache_writes()
    assert path.read_text() == "v49"


def test_a_cache_write_that_fails_is_dropped_quietly(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    write_cache_file(blocker / "key", "text")  # its folder cannot be made
    flush_cache_writes()
    assert read_cache_file(blocker / "key") is None
    assert os.listdir(tmp_path) == ["file"]


def test_an_entry_that_cannot_be_encoded_does_not_stop_the_writer(tmp_path: Path) -> None:
    write_cache_file(tmp_path / "bad", "\udcff")  # a lone surrogate: no UTF-8 for it
    write_cache_file(tmp_path / "good", "fine")
    flush_cache_writes()  # returns: the thread went on
    assert (tmp_path / "good").read_text() == "fine"
    assert not (tmp_path / "bad").exists()
