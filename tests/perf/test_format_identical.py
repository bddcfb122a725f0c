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

from scaffold.render import format as fmt

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # `pytest` (not `python -m pytest`) leaves the repo root off the path
    sys.path.insert(0, str(REPO))
GOLDEN = sorted(
    [
        *(REPO / "tests" / "golden").rglob("*.py"),
        *(REPO / "tests" / "migrate" / "golden").rglob("*.py"),
    ]
)
MIGRATION_MODE = black.Mode(line_length=100)  # what scaffold.migrate.render uses


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


def test_raw_rendered_text_fast_path_equals_black(monkeypatch: pytest.MonkeyPatch) -> None:
    """The unformatted text the templates produce for the golden cases (what format sees)."""
    from scaffold.render import project as render_project_module
    from tests.render.cases import CASES, PACKAGE, case_schema

    raw: dict[str, str] = {}

    def capture(text: str) -> str:
        raw[f"#{len(raw)}"] = text
        return text

    # whichever formatter render calls (format_python per file today, format_many once batched)
    if hasattr(render_project_module, "format_many"):
        monkeypatch.setattr(
            render_project_module, "format_many", lambda texts: [capture(t) for t in texts]
        )
    else:
        monkeypatch.setattr(render_project_module, "format_python", capture)
    for case in sorted(CASES):
        render_project_module.render_project(case_schema(case), package=PACKAGE)
    assert len(raw) > 50
    assert not _mismatches(raw)


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
