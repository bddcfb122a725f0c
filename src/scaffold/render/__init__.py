"""render stage: the IR → the text of every generated file (formatted and verified).

`render_project` returns `{path: text}` and touches no disk; the write stage decides what to do
with it. Templates live in `templates/entity/`, are listed in `registry.TEMPLATES`, and see only
the IR (plus the helpers of `pysource`, which turn IR values into Python source).
"""

from __future__ import annotations

from scaffold.render.errors import RenderError
from scaffold.render.project import render_project

__all__ = ["RenderError", "render_project"]
