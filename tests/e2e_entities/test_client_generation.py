"""A typed client made by openapi-python-client from a generated project's OpenAPI document names
its body models as the schemas are named (`TaskCreate`, `TaskUpdate`), not after the operation
(`CreateTaskTaskCreate`): request bodies are components (DESIGN §10.4, core/openapi.py).

openapi-python-client pins its own dependencies, so it runs isolated through `uv tool run` (uv
is in scaffold's `dev` extra; the first run fetches the tool from PyPI, later ones use uv's
cache): a few seconds, in the CI profile.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .projects import COVERAGE_SPECS, EXAMPLE_SPECS, PACKAGE, bootstrap, project_env

pytestmark = pytest.mark.slow

CLIENT = "openapi-python-client==0.29.1"
SPEC_SETS = {"examples": EXAMPLE_SPECS, "coverage": COVERAGE_SPECS}
DUMP = (
    "import json, sys\n"
    f"from {PACKAGE}.main import create_app\n"
    "json.dump(create_app().openapi(), sys.stdout)\n"
)


def _document(root: Path) -> dict[str, Any]:
    """The OpenAPI document of the project's app, as `/openapi.json` serves it."""
    result = subprocess.run(
        [sys.executable, "-c", DUMP],
        cwd=root,
        env=project_env(root),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def _generate(document: dict[str, Any], work: Path) -> Path:
    """The client openapi-python-client generates from `document`; returns its package."""
    path = work / "openapi.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    out = work / "client"
    command = [
        *(sys.executable, "-m", "uv", "tool", "run", "--python", sys.executable),
        *("--from", CLIENT, "openapi-python-client", "generate"),
        *("--path", str(path), "--meta", "none", "--output-path", str(out)),
    ]
    result = subprocess.run(
        command, cwd=work, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # the generator reports documents it could only partly read as warnings, and goes on
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    return out


def _exported(package: Path) -> list[str]:
    """The names in the `__all__` of the client's `models` package."""
    tree = ast.parse((package / "models" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            names = ast.literal_eval(node.value)
            assert isinstance(names, tuple | list)
            return [str(name) for name in names]
    raise AssertionError("the client's models package has no __all__")


def _bodies(document: dict[str, Any]) -> dict[str, str]:
    """The operation id of every operation with a body → the component its body names."""
    found: dict[str, str] = {}
    for operations in document["paths"].values():
        for operation in operations.values():
            if "requestBody" in operation:
                (media,) = operation["requestBody"]["content"].values()  # JSON, or sign-in's form
                ref = media["schema"]["$ref"]
                found[operation["operationId"]] = ref.removeprefix("#/components/schemas/")
    return found


@pytest.mark.parametrize("spec_set", sorted(SPEC_SETS))
def test_the_client_names_its_body_models_as_the_schemas(spec_set: str, tmp_path: Path) -> None:
    root = tmp_path / "app"
    bootstrap(root, SPEC_SETS[spec_set])
    document = _document(root)
    bodies = _bodies(document)
    # every create and update takes a body named <Class>Create / <Class>Update
    assert bodies, "no operation takes a body"
    for operation_id, name in bodies.items():
        if operation_id.startswith("sign_in"):  # POST /auth/token's form (auth: password)
            assert name == "SignInForm", (operation_id, name)
            continue
        verb = operation_id.split("_", 1)[0]
        assert verb in ("create", "update"), operation_id
        assert name.endswith(verb.capitalize()), (operation_id, name)
        assert name in document["components"]["schemas"], name

    package = _generate(document, tmp_path)
    models = _exported(package)
    assert set(bodies.values()) <= set(models), sorted(set(bodies.values()) - set(models))
    # the names an inline body got: the operation's name, then the schema's title
    odd = [m for m in models if re.fullmatch(r"(Create|Update)[A-Z]\w*(Create|Update)\w*", m)]
    assert odd == []
    for operation_id, name in bodies.items():
        tag_modules = list((package / "api").glob(f"*/{operation_id}.py"))
        assert len(tag_modules) == 1, (operation_id, tag_modules)
        source = tag_modules[0].read_text(encoding="utf-8")
        assert f"body: {name}," in source, (operation_id, name)
    for module in package.rglob("*.py"):
        ast.parse(module.read_text(encoding="utf-8"), filename=str(module))
