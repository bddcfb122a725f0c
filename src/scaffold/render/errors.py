"""Errors of the render stage: a template bug is reported before anything is written."""

from __future__ import annotations

from scaffold.errors import ScaffoldError


class RenderError(ScaffoldError):
    """A template failed to render, or rendered something that is not valid Python.

    This is a bug in scaffold (or in a user's template override), never in the specs, so the
    message names the template and the output file rather than a spec location.
    """

    exit_code = 2
