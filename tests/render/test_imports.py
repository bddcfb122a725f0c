"""Import sorting (render/imports.py) finds the names a module uses in its symbol tables, not by
walking its syntax tree; the result must be the tree walk's, on every module the templates make."""

from __future__ import annotations

import pytest

from scaffold.ir.model import Schema
from scaffold.render import parallel
from scaffold.render import project as render_project_module
from scaffold.render.imports import organize_imports
from tests.render.cases import CASES, PACKAGE, REPO, case_schema, family_schema, folder_schema

E2E_SETS = ("errors", "inventory", "names", "relations")  # the end-to-end projects' specs


def _raw_modules(monkeypatch: pytest.MonkeyPatch, schemas: list[Schema]) -> list[str]:
    """The raw text of every generated module, as the templates make it (before the imports are
    sorted); the finished-module cache is off so that every module is seen."""
    monkeypatch.setenv("SCAFFOLD_NO_CACHE", "1")
    raw: list[str] = []

    def capture(text: str, *, first_party: str) -> str:
        raw.append(text)
        return organize_imports(text, first_party=first_party)

    with monkeypatch.context() as patch:
        patch.setattr(parallel, "MIN_PARALLEL", 10**9)  # in this process, where `raw` is
        patch.setattr(render_project_module, "organize_imports", capture)
        patch.setattr(render_project_module, "cached_final", lambda key: None)
        for schema in schemas:
            render_project_module.render_project(schema, package=PACKAGE)
    return raw


def test_names_from_the_code_equal_the_tree_walk_on_every_generated_module(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from families import FAMILIES  # bench/ is on the path (tests/render/cases.py)

    schemas = [case_schema(case) for case in sorted(CASES)]
    schemas += [folder_schema(REPO / "tests" / "e2e_entities" / f"specs_{n}") for n in E2E_SETS]
    schemas += [family_schema(family, 4) for family in FAMILIES]
    raw = _raw_modules(monkeypatch, schemas)
    assert len(raw) > 100
    assert any("if TYPE_CHECKING:" in text for text in raw)
    assert any("from __future__ import annotations" in text for text in raw)
    differ = [
        text.splitlines()[0]
        for text in raw
        if organize_imports(text, first_party=PACKAGE)
        != organize_imports(text, first_party=PACKAGE, by_tree=True)
    ]
    assert not differ, differ[:5]


EDGE = {
    "a used import and an unused one": "import os\nimport sys\n\nprint(os.sep)\n",
    "a docstring, a comment, then a parenthesized import": (
        '# header\n"""Doc.\n\nMore.\n"""\n\nfrom typing import (\n    Any,\n    cast,\n)\n\n'
        "x: Any = cast(int, 1)\n"
    ),
    "an import block under TYPE_CHECKING": (
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    import os\n    import re\n\n"
        "def f(p: 'os.PathLike[str]') -> None:\n    print(re)\n"
    ),
    "an if TYPE_CHECKING with an else is code, not imports": (
        "import os\nif TYPE_CHECKING:\n    import re\nelse:\n    re = None\n\nprint(re)\n"
    ),
    "a name used only after a dot is not a use": (
        "import decimal\nfrom decimal import Decimal\n\nx = decimal.Decimal(1)\n"
    ),
    "names in closures, comprehensions and f-strings": (
        "import os\nimport re\nimport sys\n\n\ndef f():\n    x = 1\n\n    def g():\n"
        "        return x, [sys for _ in ()]\n\n    return f'{os.sep}'\n"
    ),
    "postponed annotations": (
        "from __future__ import annotations\n\nimport datetime\nimport os\n\n\n"
        "def f(d: datetime.date) -> None:\n    pass\n"
    ),
}


@pytest.mark.parametrize("name", sorted(EDGE))
def test_edge_cases_equal_the_tree_walk(name: str) -> None:
    text = EDGE[name]
    assert organize_imports(text, first_party=PACKAGE) == organize_imports(
        text, first_party=PACKAGE, by_tree=True
    )


def test_the_unused_imports_go() -> None:
    text = "import os\nimport sys\nfrom json import dumps\n\nprint(os.sep)\n"
    assert organize_imports(text, first_party=PACKAGE) == "import os\n\nprint(os.sep)\n"


def test_a_syntax_error_after_the_imports_names_its_line() -> None:
    with pytest.raises(SyntaxError) as caught:
        organize_imports("import os\n\nx = os.sep\ndef broken(:\n", first_party=PACKAGE)
    assert caught.value.lineno == 4
