"""format+verify: black-format generated Python in-process, and prove it parses.

Formatting is the slowest step of a run, and most files are unchanged from one run to the next,
so results are cached by a hash of the input text.
"""

from __future__ import annotations

import ast
import hashlib
from functools import lru_cache

import black
from black.mode import TargetVersion
from black.parsing import InvalidInput

from scaffold.render.errors import RenderError

# The generated project's `[tool.black]`: line-length 100, target py311 (templates/project).
LINE_LENGTH = 100
BLACK_MODE = black.Mode(
    line_length=LINE_LENGTH,
    target_versions={TargetVersion.PY311},
)

_cache: dict[str, str] = {}


def format_python(text: str) -> str:
    """`text` formatted by black with the generated project's settings (cached by content)."""
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()
    cached = _cache.get(key)
    if cached is not None:
        return cached
    try:
        result = black.format_str(text, mode=BLACK_MODE)
    except InvalidInput as exc:
        raise RenderError(f"generated code is not valid Python: {exc}") from None
    _cache[key] = result
    return result


def verify_python(path: str, text: str) -> None:
    """Raise `RenderError` unless `text` parses as Python (a template bug must stop the run)."""
    try:
        ast.parse(text, filename=path)
    except SyntaxError as exc:
        line = (exc.text or "").rstrip()
        raise RenderError(
            f"{path}:{exc.lineno}:{exc.offset}: generated code does not parse: {exc.msg}"
            + (f"\n    {line}" if line else "")
        ) from None


@lru_cache(maxsize=1)
def black_version() -> str:
    """The black version the output is pinned to (golden files depend on it)."""
    from importlib.metadata import version

    return version("black")
