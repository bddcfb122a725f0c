"""Dependencies of `pyproject.toml` are merged, not overwritten.

The line-wise three-way merge already keeps a dependency the user added and takes one the new
template added, as long as they sit in different places. When both added lines at the same
place (the end of `dependencies = [...]`, typically), merge3 reports a conflict; a conflict
block whose two sides are only dependency lines is then resolved as their union: the user's
lines as they are, then the template's lines for packages the user's side does not name. When
both sides name the same package with different requirements, the block stays a conflict: which
version to require is the user's call. The result must still parse as TOML, or nothing is
resolved.
"""

from __future__ import annotations

import re
import tomllib

from scaffold.write.merge import END_MARKER, MID_MARKER, START_MARKER

PYPROJECT = "pyproject.toml"
# One requirement a line, as the template writes them: `  "fastapi>=0.110",  # why`.
_DEP_LINE = re.compile(r'^(?P<indent>\s*)"(?P<req>[^"]+)"(?P<comma>\s*,)?(?P<rest>\s*(#.*)?)$')
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def resolve_dependency_conflicts(text: str) -> str | None:
    """`text` (a merge with conflict markers) with every dependency-only conflict block
    resolved; None when some block is not only dependencies, or names a package twice."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    i = 0
    while i < len(lines):
        if lines[i].rstrip("\r\n") != START_MARKER:
            out.append(lines[i])
            i += 1
            continue
        try:
            mid = next(j for j in range(i + 1, len(lines)) if lines[j].rstrip("\r\n") == MID_MARKER)
            end = next(
                j for j in range(mid + 1, len(lines)) if lines[j].rstrip("\r\n") == END_MARKER
            )
        except StopIteration:
            return None
        union = _union(lines[i + 1 : mid], lines[mid + 1 : end])
        if union is None:
            return None
        out += union
        i = end + 1
    merged = "".join(out)
    try:
        tomllib.loads(merged)
    except tomllib.TOMLDecodeError:
        return None
    return merged


def _union(ours: list[str], theirs: list[str]) -> list[str] | None:
    parsed_ours = [_parse(line) for line in ours]
    parsed_theirs = [_parse(line) for line in theirs]
    if any(p is None for p in parsed_ours + parsed_theirs):
        return None
    names = {p[0]: p[1] for p in parsed_ours if p is not None}
    result = [_with_comma(line) for line in ours]
    for line, parsed in zip(theirs, parsed_theirs, strict=True):
        assert parsed is not None
        name, req = parsed
        if name not in names:
            result.append(_with_comma(line))
        elif names[name] != req:
            return None
    return result


def _parse(line: str) -> tuple[str, str] | None:
    """(canonical package name, requirement without spaces) of a dependency line, or None."""
    match = _DEP_LINE.match(line.rstrip("\r\n"))
    if match is None:
        return None
    req = match.group("req")
    name = _NAME.match(req)
    if name is None:
        return None
    return re.sub(r"[-_.]+", "-", name.group(1)).lower(), req.replace(" ", "")


def _with_comma(line: str) -> str:
    """The dependency line with a trailing comma (TOML allows one after the last item)."""
    body = line.rstrip("\r\n")
    newline = line[len(body) :] or "\n"
    match = _DEP_LINE.match(body)
    assert match is not None
    if match.group("comma"):
        return line
    return f'{match.group("indent")}"{match.group("req")}",{match.group("rest")}{newline}'
