"""The loader keeps positions, refuses duplicate keys, and locates every problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.errors import SpecErrors
from scaffold.spec.load import load_specs, load_text
from scaffold.spec.yamlpos import PosDict, YamlError, load_yaml


def _errors(text: str, name: str = "specs/task.yaml") -> list[str]:
    with pytest.raises(SpecErrors) as info:
        load_text(text, name)
    return info.value.report()


def test_positions_of_keys_and_values_are_kept() -> None:
    tree, problems = load_yaml("entity: task\nfields:\n  title:   text\n")
    assert problems == []
    assert isinstance(tree, PosDict)
    fields = tree["fields"]
    assert (fields.key_pos["title"].line, fields.key_pos["title"].col) == (3, 3)
    assert (fields.value_pos["title"].line, fields.value_pos["title"].col) == (3, 12)


def test_yaml_12_scalars_yes_no_and_dates_stay_strings() -> None:
    tree, _ = load_yaml("a: yes\nb: off\nc: 2024-01-31\nd: true\ne: 012\nf: 1.5\ng: ~\n")
    assert tree == {
        "a": "yes",
        "b": "off",
        "c": "2024-01-31",
        "d": True,
        "e": 12,
        "f": 1.5,
        "g": None,
    }


def test_duplicate_keys_are_errors_with_both_lines() -> None:
    report = _errors("entity: task\nfields:\n  title: text\n  title: int\n")
    assert report == [
        "specs/task.yaml:4:3: error: duplicate key `title` (first written at line 3) "
        "(keep only one of them)"
    ]


def test_empty_file_is_located() -> None:
    assert _errors("") == [
        "specs/task.yaml:1:1: error: the file is empty (a spec starts with `entity: task`)"
    ]
    assert _errors("# only a comment\n")[0].startswith(
        "specs/task.yaml:1:1: error: the file is empty"
    )


def test_syntax_error_is_located() -> None:
    report = _errors("entity: task\nfields: {title: text\n")
    assert report[0].startswith("specs/task.yaml:3:1: error: YAML syntax error")


def test_non_mapping_documents_are_located() -> None:
    assert "not a list" in _errors("- a\n- b\n")[0]
    assert "not the value `hello`" in _errors("hello\n")[0]


def test_aliases_are_refused() -> None:
    with pytest.raises(YamlError):
        load_yaml("a: &x 1\nb: *x\n")


def test_several_documents_are_refused() -> None:
    assert "YAML syntax error" in _errors("entity: task\n---\nentity: task\n")[0]


def test_non_string_keys_are_refused() -> None:
    report = _errors("entity: task\nfields:\n  1: text\n")
    assert report[0].startswith("specs/task.yaml:3:3: error: key `1` must be a name")


def test_paths_are_relative_to_the_root_and_all_files_are_reported(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "a.yaml").write_text("entity: a\nfieldz: {}\n")
    (specs / "b.yaml").write_text("entity: b\ntimestamps: maybe\n")
    with pytest.raises(SpecErrors) as info:
        load_specs(sorted(specs.iterdir()), root=tmp_path)
    report = info.value.report()
    assert report[0].startswith("specs/a.yaml:2:1: error: unknown key `fieldz`")
    assert "did you mean `fields`?" in report[0]
    assert report[1].startswith("specs/b.yaml:2:13: error: `timestamps` must be `true` or `false`")


def test_file_outside_the_root_keeps_its_path(tmp_path: Path) -> None:
    spec = tmp_path / "task.yaml"
    spec.write_text("entity: task\nfields: {title: text}\n")
    loaded = load_specs([spec], root=tmp_path / "elsewhere")
    assert loaded[0].path == spec.as_posix()


def test_invalid_utf8_is_located(tmp_path: Path) -> None:
    spec = tmp_path / "task.yaml"
    spec.write_bytes(b"entity: task\n\xff\n")
    with pytest.raises(SpecErrors) as info:
        load_specs([spec], root=tmp_path)
    assert info.value.report() == [
        "task.yaml:2:1: error: the file is not valid UTF-8 text (save it as UTF-8)"
    ]


def test_loaded_spec_locates_nested_values() -> None:
    loaded = load_text(
        "entity: task\nfields:\n  title: {type: string, max_length: 80}\n", "t/task.yaml"
    )
    assert str(loaded.at("fields", "title", "max_length")) == "t/task.yaml:3:37"
    assert str(loaded.key_at("fields", "title")) == "t/task.yaml:3:3"
    assert loaded.has("fields", "title", "type")
    assert not loaded.has("fields", "title", "default")


@pytest.mark.parametrize("depth", [900, 5_000, 200_000])
def test_deep_nesting_is_a_located_error_on_both_parsers(depth: int) -> None:
    """libyaml stops at 1,000 levels and hands over; the pure-Python loader reports the depth."""
    flow = "entity: task\nfields: " + "[" * depth + "]" * depth + "\n"
    block = "entity: task\nfields:\n" + "".join("  " * i + "x:\n" for i in range(1, depth // 100))
    for text in (flow, block):
        with pytest.raises(SpecErrors) as caught:
            load_text(text, "specs/task.yaml")
        assert caught.value.diagnostics
        for diagnostic in caught.value.diagnostics:
            assert diagnostic.location.file == "specs/task.yaml"
            assert diagnostic.location.line >= 1
