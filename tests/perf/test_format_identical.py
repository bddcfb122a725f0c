"""The fast formatting path (ruff, batched, cached) must give black's output, byte for byte.

black is the reference style of generated code (DESIGN §1, format+verify). Checked on every golden
file (tests/golden/**, tests/migrate/golden/**), as they are and as the templates produce them
before formatting (the raw text render hands to the formatter), and on the raw text of the
migrations the examples produce.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import black
import pytest

from scaffold.cache import flush_cache_writes
from scaffold.ir.model import Schema
from scaffold.render import format as fmt
from tests.render.cases import family_schema

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # `pytest` (not `python -m pytest`) leaves the repo root off the path
    sys.path.insert(0, str(REPO))
if str(REPO / "bench") not in sys.path:  # the benchmark's spec families
    sys.path.insert(0, str(REPO / "bench"))
from families import FAMILIES  # noqa: E402

GOLDEN = sorted(
    [
        *(REPO / "tests" / "golden").rglob("*.py"),
        *(REPO / "tests" / "migrate" / "golden").rglob("*.py"),
    ]
)
MIGRATION_MODE = black.Mode(line_length=100)
LINE = fmt.LINE_LENGTH  # what scaffold.migrate.render uses


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No cached result may hide what the formatters do: memory cache emptied, disk cache off."""
    monkeypatch.setenv("SCAFFOLD_NO_CACHE", "1")
    monkeypatch.delenv("SCAFFOLD_FORMATTER", raising=False)  # the default fast path is tested
    fmt._cache_dir.cache_clear()
    fmt.ruff_binary.cache_clear()
    monkeypatch.setattr(fmt, "_cache", {})
    yield
    fmt._cache_dir.cache_clear()
    fmt.ruff_binary.cache_clear()


def _fast(texts: list[str]) -> list[str]:
    assert fmt.ruff_binary() is not None, "ruff is a dependency: the default fast path must run"
    calls: list[int] = []
    ruff_format = fmt._ruff_format

    def counting(batch: list[str]) -> list[str] | None:
        calls.append(len(batch))
        return ruff_format(batch)

    fmt._ruff_format = counting  # type: ignore[assignment]
    try:
        out = fmt.format_many(texts)
    finally:
        fmt._ruff_format = ruff_format  # type: ignore[assignment]
    assert len(calls) <= 1, "a batch must be formatted by one ruff run"
    return out


def _mismatches(texts: dict[str, str], mode: black.Mode | None = None) -> list[str]:
    names = list(texts)
    fast = _fast([texts[n] for n in names])
    bad = []
    for name, got in zip(names, fast, strict=True):
        ref = black.format_str(texts[name], mode=mode) if mode else fmt.black_format(texts[name])
        if got != ref:
            bad.append(name)
    return bad


def test_there_are_golden_files() -> None:
    assert len(GOLDEN) > 50
    assert any("migrate" in p.parts for p in GOLDEN)


def test_golden_files_fast_path_equals_black() -> None:
    texts = {p.relative_to(REPO).as_posix(): p.read_text(encoding="utf-8") for p in GOLDEN}
    assert not _mismatches(texts)
    migrations = {k: v for k, v in texts.items() if k.startswith("tests/migrate/")}
    assert not _mismatches(migrations, MIGRATION_MODE)


def _raw_rendered(monkeypatch: pytest.MonkeyPatch, schemas: list[Schema]) -> dict[str, str]:
    """The unformatted text the templates produce for `schemas` (what format sees)."""
    from scaffold.render import project as render_project_module
    from tests.render.cases import PACKAGE

    raw: dict[str, str] = {}

    def capture(text: str) -> str:
        raw[f"#{len(raw)}"] = text
        return text

    with monkeypatch.context() as patch:
        patch.setattr(
            render_project_module, "format_many", lambda texts, **_: [capture(t) for t in texts]
        )
        for schema in schemas:
            render_project_module.render_project(schema, package=PACKAGE)
    return raw


def test_raw_rendered_text_fast_path_equals_black(monkeypatch: pytest.MonkeyPatch) -> None:
    """The unformatted text the templates produce for the golden cases (what format sees)."""
    from tests.render.cases import CASES, case_schema

    raw = _raw_rendered(monkeypatch, [case_schema(case) for case in sorted(CASES)])
    assert len(raw) > 50
    assert not _mismatches(raw)


@pytest.mark.parametrize("family", FAMILIES)
def test_bench_spec_families_fast_path_equals_black_without_black(
    monkeypatch: pytest.MonkeyPatch, family: str
) -> None:
    """The benchmark's spec families (decimal bounds and defaults, enums, patterns, long names,
    several refs) come out as black's text, and ruff alone makes it: no module of such ordinary
    specs falls to black's slow path (issue 17: one module an entity did)."""
    raw = _raw_rendered(monkeypatch, [family_schema(family, 5)])
    assert len(raw) > 20
    slow: list[str] = []
    black_format = fmt._black_format

    def counting(text: str) -> str:
        slow.append(text)
        return black_format(text)

    with monkeypatch.context() as patch:
        patch.setattr(fmt, "_black_format", counting)
        fast = _fast(list(raw.values()))
    assert not slow, f"{len(slow)} of {len(raw)} modules were formatted by black"
    assert [fmt.black_format(t) for t in raw.values()] == fast


def test_raw_migration_text_fast_path_equals_black(monkeypatch: pytest.MonkeyPatch) -> None:
    from scaffold.migrate import plan_migration
    from scaffold.migrate import render as migrate_render
    from tests.render.cases import CASES, case_schema

    raw: dict[str, str] = {}

    def capture(text: str, **_: object) -> str:
        raw[f"#{len(raw)}"] = text
        return text

    # whichever formatter the migration renderer calls (black today, format_python once batched)
    with monkeypatch.context() as patch:
        if hasattr(migrate_render, "format_python"):
            patch.setattr(migrate_render, "format_python", capture)
        else:
            patch.setattr(migrate_render.black, "format_str", capture)
        for case in sorted(CASES):
            plan_migration(None, case_schema(case).tables, existing_revisions=[])
    assert raw
    assert not _mismatches(raw)
    assert not _mismatches(raw, MIGRATION_MODE)


def test_invalid_python_is_a_render_error() -> None:
    from scaffold.render.errors import RenderError

    with pytest.raises(RenderError, match="not valid Python"):
        fmt.format_many(["x = 1\n", "def broken(:\n"])


def test_cache_returns_the_same_text_without_formatting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SCAFFOLD_NO_CACHE")
    monkeypatch.setenv("SCAFFOLD_CACHE_DIR", str(tmp_path))
    fmt._cache_dir.cache_clear()
    text = "x = [1,\n  2]\n"
    first = fmt.format_many([text, text])
    assert first == [fmt.black_format(text)] * 2
    flush_cache_writes()  # written in the background (cache.py)
    assert list((tmp_path / "format").rglob("*"))  # stored on disk
    monkeypatch.setattr(fmt, "_cache", {})  # a new process: only the disk cache is left

    def no_formatting(*_: object) -> None:
        raise AssertionError("formatted again")

    monkeypatch.setattr(fmt, "_ruff_format", no_formatting)
    monkeypatch.setattr(fmt, "_black_format", no_formatting)
    assert fmt.format_python(text) == first[0]


def test_ruff_is_the_default_and_black_can_be_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    assert fmt.ruff_binary() is not None
    monkeypatch.setenv("SCAFFOLD_FORMATTER", "black")
    fmt.ruff_binary.cache_clear()
    assert fmt.ruff_binary() is None
    text = "def f(a,b):\n  return {'a':a,'b':b}\n"
    assert fmt.format_python(text) == fmt.black_format(text)


def test_cache_key_names_the_formatter(monkeypatch: pytest.MonkeyPatch) -> None:
    """A result cached by one formatter path is never served to the other."""
    fast = fmt._key("x = 1\n")
    monkeypatch.setenv("SCAFFOLD_FORMATTER", "black")
    fmt.ruff_binary.cache_clear()
    assert fmt._key("x = 1\n") != fast


ANNOTATED = (
    "from typing import Annotated\n\nfrom pydantic import BaseModel, Field\n\n\n"
    "class GammaCreate(BaseModel):\n"
    "    starts_at: Annotated[float, Field(ge=-1000.5, le=1000.5, allow_inf_nan=False)] | None"
    " = -123.456789012345\n"
)


@pytest.mark.parametrize(
    "text",
    [
        ANNOTATED,
        ANNOTATED.replace("-123.456789012345", "-1.5"),
        ANNOTATED.replace("starts_at", "a_much_longer_field_name_that_pushes_the_line"),
        ANNOTATED.replace("BaseModel):", 'BaseModel):\n    """Größe — 名前."""\n'),
        "def f(a,\tb):\n\treturn a\n",
    ],
)
def test_texts_ruff_does_not_format_like_black_go_to_black(text: str) -> None:
    assert _fast([text]) == [fmt.black_format(text)]


# Annotations of the generated schemas and models, with atom values: ruff splits the annotation
# of a long line, black the right-hand side as long as `name: annotation = (` fits (format.py,
# `_split_annotation_as_black`); every width around the limit, at two depths.
SPLIT_ANNOTATIONS = [
    'Annotated[StrictDecimal, Field(max_digits=10, decimal_places=2, ge=Decimal("-1.00"))] | None',
    'Annotated[Text, StringConstraints(max_length=10, pattern=r"^[0-9]{5}(-[0-9]{4})?$")] | None',
    "Annotated[int, Field(ge=0, le=2000000000)] | SkipJsonSchema[None]",
    'Literal["awaiting_confirmation", "confirmed_by_supplier"] | None',
    "Mapped[Decimal | None]",
    "Annotated[int, Field(ge=0, le=2000000000)]",
]
SPLIT_VALUES = ["None", "-123.456789012345", '"awaiting_confirmation"', "0", "False"]


def test_split_annotations_near_the_line_length_as_black_splits_them() -> None:
    texts: dict[str, str] = {}
    for annotation in SPLIT_ANNOTATIONS:
        for value in SPLIT_VALUES:
            for depth in (0, 1):
                for width in range(LINE - 6, LINE + 8):  # of `name: annotation = (`
                    indent = "    " * depth
                    size = width - len(f"{indent}: {annotation} = (")
                    if not 1 <= size <= 63:  # a field's name has at most 63 characters
                        continue
                    name = ("f" + "_x" * 40)[:size]
                    head = "class Model:\n" if depth else ""
                    texts[f"{width} {depth} {annotation} = {value}"] = (
                        f"{head}{indent}{name}: {annotation} = {value}\n"
                    )
    assert len(texts) > 300
    assert not _mismatches(texts)


def test_split_parameter_annotations_as_black_parenthesizes_them() -> None:
    """A long `Literal[...] | None` parameter (an enum filter): ruff splits it in place, black in
    parentheses (format.py, `_parenthesized_parameter_annotations`); values of every length
    around the limit, with and without a default, in a function and in a method."""
    texts: dict[str, str] = {}
    for count in (2, 3, 5, 8):
        for size in (4, 10, 16, 22, 30):
            values = ", ".join(f'"{chr(97 + k)}{"v" * (size - 1)}"' for k in range(count))
            for union in ("None", "SkipJsonSchema[None]", "None | Other"):
                for default in ("", " = None"):
                    for method in (False, True):
                        param = f"status_of_the_row: Literal[{values}] | {union}{default}"
                        text = f"def f(a: int, {param}, b: int = 0) -> None:\n    return None\n"
                        if method:
                            text = "class A:\n" + "".join(f"    {ln}\n" for ln in text.splitlines())
                        texts[f"{count} {size} {union} {default!r} {method}"] = text
    assert not _mismatches(texts)


EDGE_CASES = [
    "import os\n\nX = 1\n",
    "import os\n\n\nX = 1\n",
    "import os\nX = 1\n",
    "import os\n\n\n\nX = 1\n",
    "import os\n\n\n# a comment\nX = 1\n",
    "import os\n# c\n\n\nX = 1\n",
    "import os\n\n\n# c\ndef f(): pass\n",
    "from a import (\n  b,\n  c,\n)\n\n\nX = 1\n",
    "X = foo(\n  1,\n)\n\n\nY = 1\n",
    '"""doc\n\nimport x\n\n\nY = 1\n"""\nimport os\n\n\nZ = 1\n',
    "try:\n    import x\nexcept ImportError:\n    x = None\n\n\nY = 1\n",
    "import os\n\n\nif True:\n    pass\n",
    "import os\n\n\n@dec\ndef f(): pass\n",
    "from typing import TYPE_CHECKING\n\n\nif TYPE_CHECKING:\n    import os\n\n\nX = 1\n",
    "import os\n\n\n\n\nX = 1\n\n\n\nimport re\n\n\nY = 2\n",
    "def f():\n    import os\n\n\n    x = 1\n    return x\nclass A:\n    import os\n    y: int\n",
    "x = '''\nimport a\n\n\nb = 1\n'''\nimport os\n\n\nZ = 1\n",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_blank_lines_after_imports_as_black_puts_them(text: str) -> None:
    """The one place ruff and black differ on such code, corrected in format.py."""
    assert _fast([text]) == [fmt.black_format(text)]


def test_render_serves_finished_modules_from_the_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """What keeps a regeneration cheap: a module whose raw template output was finished before
    (by this process or an earlier run, through the disk cache) is not parsed, import-sorted or
    formatted again; a changed one is."""
    from scaffold.render import project as render_project_module
    from tests.render.cases import PACKAGE, case_schema

    monkeypatch.delenv("SCAFFOLD_NO_CACHE")
    monkeypatch.setenv("SCAFFOLD_CACHE_DIR", str(tmp_path))
    fmt._cache_dir.cache_clear()
    monkeypatch.setattr(fmt, "_cache", {})
    first = render_project_module.render_project(case_schema("examples"), package=PACKAGE)
    monkeypatch.setattr(fmt, "_cache", {})  # a new process: only the disk cache is left

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("a cached module was processed again")

    monkeypatch.setattr(render_project_module, "organize_imports", refuse)
    again = render_project_module.render_project(case_schema("examples"), package=PACKAGE)
    assert again == first
    monkeypatch.undo()
    fmt._cache_dir.cache_clear()
