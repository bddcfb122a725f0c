"""The Jinja environment of the entity templates: strict, deterministic, with the IR helpers."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

from scaffold.render import pysource
from scaffold.templates_path import templates_dir


def entity_templates_dir() -> Path:
    """`templates/entity/` of this installation."""
    return templates_dir() / "entity"


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept in the user cache folder (keyed by Jinja on each template's source
    checksum, so an edited template is compiled again); None when the disk cache is off."""
    from scaffold.cache import cache_root

    root = cache_root()
    if root is None:
        return None
    folder = root / "jinja"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


@lru_cache(maxsize=4)
def make_environment(folder: str | None = None) -> jinja2.Environment:
    """A Jinja environment over `folder` (default: templates/entity) with StrictUndefined.

    StrictUndefined turns a misspelt IR attribute into an error at render time, instead of an
    empty string in the output.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder or str(entity_templates_dir())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        bytecode_cache=_bytecode_cache(),
    )
    env.globals.update(pysource.GLOBALS)
    env.filters.update(pysource.FILTERS)
    return env
