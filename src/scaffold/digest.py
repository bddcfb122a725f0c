"""A digest of scaffold's own code: what every cached output of a run depends on."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from scaffold import __version__


@lru_cache(maxsize=1)
def code_digest() -> str:
    """sha256 of scaffold's version and every module of the package (an edited checkout counts
    as another scaffold, even with the same version)."""
    digest = hashlib.sha256(__version__.encode())
    code = Path(__file__).resolve().parent
    for path in sorted(code.rglob("*.py")):
        digest.update(b"\0" + path.relative_to(code).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()
