"""An entity's class must not shadow a name the generated modules import.

The list in `naming.IMPORTED_CLASS_NAMES` is kept in step with the templates here: every class
name imported by a golden entity module, test or registry that is not an entity's own (`Task`,
`TaskRead`, ...) must be in it. An entity named like one of them is refused with its location.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scaffold.errors import SpecErrors
from scaffold.ir import naming
from scaffold.ir.resolve import resolve
from scaffold.spec.load import load_text

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
SUFFIXES = ("", "Create", "Read", "Update", "Page")


def _imported_names(text: str) -> set[str]:
    names: set[str] = set()
    for block in re.findall(r"^(?:from \S+ )?import (?:\(([^)]*)\)|(.+))$", text, re.M):
        for part in ",".join(block).replace("\n", ",").split(","):
            word = part.strip().split(" as ")[-1].strip()
            if word[:1].isupper() and "_" not in word:  # a class name has no `_`
                names.add(word)
    return names


def test_every_fixed_imported_class_name_is_known() -> None:
    for project in sorted(p for p in GOLDEN.iterdir() if p.is_dir()):
        modules = [
            *project.glob("src/*/entities/*/*.py"),
            *project.glob("src/*/entities/registry.py"),
            *project.glob("tests/entities/*.py"),
        ]
        assert modules, project
        classes = {
            m.group(1)
            for path in project.glob("src/*/entities/*/model.py")
            for m in re.finditer(r"^class (\w+)\(Base\)", path.read_text(), re.M)
        }
        derived = {c + s for c in classes for s in SUFFIXES}
        fixed = set().union(*(_imported_names(p.read_text()) for p in modules)) - derived
        known = naming.IMPORTED_CLASS_NAMES | {
            naming.class_name(n) for n in naming.RESERVED_ENTITY_NAMES
        }
        assert fixed <= known, sorted(fixed - known)


@pytest.mark.parametrize("entity", ["email", "decimal", "async_session", "url", "body", "actor"])
def test_an_entity_named_like_an_imported_class_is_refused(entity: str) -> None:
    text = f"entity: {entity}\nfields:\n  name: string\n"
    with pytest.raises(SpecErrors) as caught:
        resolve([load_text(text, f"specs/{entity}.yaml")])
    (diagnostic,) = caught.value.diagnostics
    assert (diagnostic.location.file, diagnostic.location.line) == (f"specs/{entity}.yaml", 1)
    assert naming.class_name(entity) in diagnostic.message
    assert diagnostic.hint


def test_ordinary_names_are_not_refused() -> None:
    for entity in ("owner", "emails", "email_message", "task", "invoice_line"):
        assert not naming.clashes_with_import(entity)


def test_two_entities_that_would_share_a_test_helper_name_are_refused() -> None:
    specs = [
        load_text(f"entity: {name}\nfields:\n  title: string\n", f"specs/{name}.yaml")
        for name in ("make", "payload")
    ]
    with pytest.raises(SpecErrors) as caught:
        resolve(specs)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.location.file in ("specs/make.yaml", "specs/payload.yaml")
    assert "make_payload" in diagnostic.message
