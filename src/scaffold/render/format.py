"""format+verify: black-format generated Python, fast, and prove it parses.

black is the reference style: every generated file is what `black` makes of it (DESIGN §7).
Formatting used to be the whole cost of a run (~84 ms a module with `black.format_str`), so:

- `ruff format` does the work by default, hundreds of times faster, and for a whole batch in ONE
  ruff process (the texts are written to a temporary folder). On generated code its output is
  black's byte for byte, with two corrections made here:
  * black (24+) puts one blank line between a top-level import and a following statement that is
    not an import, def or class; ruff keeps two (`_one_blank_line_after_imports`);
  * where an annotated assignment is too long, black splits the right-hand side and ruff
    parenthesizes the annotation (`name: (\n    Annotated[...] | None\n) = default`): any text
    where ruff wrote such a line is formatted by black instead (found by the spec fuzzer).
  Texts outside what has been proven identical are handed to black too: text with characters that
  are not one column wide (wide East Asian characters, emoji, combining marks: the two measure
  them differently), tabs, and (`_one_blank_line_after_imports`) `'''` strings.
  The proof: `tests/perf/test_format_identical.py` (every golden file, every raw template output,
  edge cases) and the valid-spec fuzzing (`tests/reliability/test_valid_specs.py`), which renders
  random spec sets through this path and requires `black --check`-clean output.
- `SCAFFOLD_FORMATTER=black` makes black do all the work (the reference; slow). A batch is then
  spread over worker processes (one a core).
- results are cached by a hash of the formatter, its settings and the input text, in memory and
  on disk (the user cache folder, `$SCAFFOLD_CACHE_DIR` or `$XDG_CACHE_HOME/scaffold` or
  `~/.cache/scaffold`), so texts that did not change since an earlier run are not formatted
  again. `SCAFFOLD_NO_CACHE=1` turns the disk cache off.
- black is imported only when something has to be formatted by it.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import importlib.util
import itertools
import os
import re
import subprocess
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from scaffold.cache import cache_root, installed_version, read_cache_file, write_cache_file
from scaffold.render.errors import RenderError

# The generated project's `[tool.black]`: line-length 100, target py311 (templates/project).
LINE_LENGTH = 100
TARGET = "py311"
RUFF_ARGS = (
    "format",
    "--isolated",
    "--no-cache",
    "--quiet",
    "--line-length",
    str(LINE_LENGTH),
    "--target-version",
    TARGET,
)

_cache: dict[str, str] = {}


def __getattr__(name: str) -> Any:
    """`BLACK_MODE` (black's settings for the reference formatting), built on first use only."""
    if name == "BLACK_MODE":
        return _black_mode()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@lru_cache(maxsize=1)
def _black_mode() -> Any:
    import black
    from black.mode import TargetVersion

    return black.Mode(line_length=LINE_LENGTH, target_versions={TargetVersion.PY311})


def format_python(text: str) -> str:
    """`text` formatted in black's style with the generated project's settings (cached)."""
    return format_many([text])[0]


def format_many(texts: Sequence[str], *, disk: bool = True) -> list[str]:
    """Every text of `texts` formatted in black's style; one formatter process for the batch.

    Raises `RenderError` when a text is not valid Python. `disk=False`: the results are not
    looked up in, nor stored to, the disk cache (render_project caches its finished modules
    itself, under keys of their raw text: a second copy would only cost a cold run its writes).
    """
    keys = [_key(text) for text in texts]
    todo: dict[str, str] = {}
    for key, text in zip(keys, texts, strict=True):
        if key not in todo and (_cache.get(key) if not disk else _lookup(key)) is None:
            todo[key] = text
    if todo:
        pending = list(todo.items())
        done = _ruff_format([text for _, text in pending])
        if done is None:
            for _, text in pending:  # name a text that does not parse before black is slow
                _check_parses(text)
            done = _black_many([text for _, text in pending])
        for (key, _), result in zip(pending, done, strict=True):
            if disk:
                _remember(key, result)
            else:
                _cache[key] = result
    return [_cache[key] for key in keys]


def final_key(raw: str, package: str) -> str:
    """The cache key of a generated module's final text: its raw template output, the package
    (imports are sorted against it), the formatter, and scaffold's code (which post-processes it).
    """
    from scaffold.digest import code_digest

    digest = hashlib.sha256(f"final {package} {code_digest()}\0".encode())
    digest.update(_key(raw).encode())
    return digest.hexdigest()


def cached_final(key: str) -> str | None:
    """The final (import-organized, formatted, verified) text cached under `key`, if any.

    `SCAFFOLD_NO_CACHE=1` turns this cache off altogether (in memory too), so every module goes
    through the whole pipeline: what the fuzzing and the formatter tests rely on.
    """
    return None if _cache_dir() is None else _lookup(key)


def store_final(key: str, text: str) -> None:
    if _cache_dir() is not None:
        _remember(key, text)


def _lookup(key: str) -> str | None:
    """A cached result: from memory, else from the disk cache (then kept in memory)."""
    text = _cache.get(key)
    if text is None:
        text = _disk_get(key)
        if text is not None:
            _cache[key] = text
    return text


def _remember(key: str, text: str) -> None:
    _cache[key] = text
    _disk_put(key, text)


def _check_parses(text: str) -> None:
    try:
        ast.parse(text)
    except SyntaxError as exc:
        raise RenderError(
            f"generated code is not valid Python: line {exc.lineno}: {exc.msg}"
        ) from None


def black_format(text: str) -> str:
    """`text` formatted by black itself (the reference), with the same settings, uncached."""
    return _black_format(text)


def _black_many(texts: list[str]) -> list[str]:
    """black over a batch: in worker processes when the batch is large enough to pay for them."""
    workers = min(os.cpu_count() or 1, 8)
    if len(texts) < 16 or workers < 2:
        return [_black_format(text) for text in texts]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_black_format, texts, chunksize=max(1, len(texts) // (workers * 4))))


def _black_format(text: str) -> str:
    import black
    from black.parsing import InvalidInput

    try:
        return black.format_str(text, mode=_black_mode())
    except InvalidInput as exc:
        raise RenderError(f"generated code is not valid Python: {exc}") from None


def _ruff_format(texts: Sequence[str]) -> list[str] | None:
    """The texts formatted by one `ruff format` run; None when ruff is missing or fails."""
    ruff = ruff_binary()
    if ruff is None:
        return None
    with tempfile.TemporaryDirectory(prefix="scaffold-fmt-") as tmp:
        paths = [Path(tmp) / f"m{i}.py" for i in range(len(texts))]
        for path, text in zip(paths, texts, strict=True):
            path.write_bytes(text.encode("utf-8"))
        try:
            done = subprocess.run(
                [ruff, *RUFF_ARGS, *(p.name for p in paths)],
                cwd=tmp,
                capture_output=True,
                check=False,
            )
        except OSError:
            return None
        if done.returncode != 0:
            return None  # black reports what is wrong, in its words
        results = [path.read_bytes().decode("utf-8") for path in paths]
    out: list[str] = []
    for text, result in zip(texts, results, strict=True):
        fixed = None if _black_decides(text, result) else _one_blank_line_after_imports(result)
        if fixed is not None:
            fixed = _parenthesized_parameter_annotations(fixed)
        out.append(fixed if fixed is not None else _black_format(text))
    return out


def _has_odd_width(text: str) -> bool:
    """Whether a character of `text` is not one column wide for both formatters (wide East Asian
    characters and most emoji, combining marks, format and control characters): black and ruff
    measure those differently, so a line near the limit may break differently."""
    import unicodedata

    for char in set(text):
        if char.isascii():
            continue
        if unicodedata.east_asian_width(char) in ("W", "F"):
            return True
        if unicodedata.category(char) in ("Mn", "Me", "Cf", "Cc", "Cs", "Co", "Cn"):
            return True
    return False


# The first line of an annotated assignment that ruff split in its annotation: `name: (` (the
# annotation parenthesized) or `name: Mapped[` (split inside the annotation's own brackets).
_SPLIT_ANNOTATION = re.compile(
    r"^([ ]*)([A-Za-z_][A-Za-z0-9_]*): ([A-Za-z_][A-Za-z0-9_.]*\[|\()$", re.MULTILINE
)
# The value of such an assignment when it is an atom black finds no delimiter in.
_ATOM_VALUE = re.compile(
    r'None|True|False|-?[0-9][0-9_]*(?:\.[0-9_]+)?(?:[eE][-+]?[0-9]+)?|"(?:[^"\\\n]|\\.)*"'
)
_OPENERS = ("(", "[", "{")


def _black_decides(text: str, result: str) -> bool:
    """Whether `text` is outside what ruff is proven to format as black does (see above)."""
    return (
        (not text.isascii() and _has_odd_width(text))
        or "\t" in text
        or any(
            not _split_annotation_as_black(result, m) for m in _SPLIT_ANNOTATION.finditer(result)
        )
    )


def _split_annotation_as_black(result: str, match: re.Match[str]) -> bool:
    """Whether the annotation ruff split at `match` is split as black splits it.

    For `name: annotation = value` too long for a line, black splits the right-hand side
    (`name: annotation = (`, the value, `)`) when that first line fits (black measures it in 99
    columns before its `(` is made visible); ruff splits the annotation instead (in its brackets,
    or in parentheses around it). When the line does not fit, black too splits the annotation, as
    ruff does (black's linegen: `_prefer_split_rhs_oop_over_rhs`, "the left side of assignment is
    short enough"; the spec-like shapes of `tests/perf/test_format_identical.py`). That is decided
    here for a value that is an atom (None, a number, a plain string), which black cannot split.
    An annotation ruff parenthesized with any other value (or a comment inside): black decides;
    one split in its own brackets with another value, or a parameter's, is ruff's as it is.
    """
    indent, parenthesized = match.group(1), match.group(3) == "("
    lines = [match.group(0).strip()]
    pos = match.end() + 1
    while True:
        end = result.find("\n", pos)
        if end < 0:
            return not parenthesized
        line = result[pos:end]
        pos = end + 1
        if not line.startswith(indent + " ") and line.startswith(indent):
            break  # the line that closes the statement, at the statement's indentation
        lines.append(line.strip())
    closer, sep, value = line[len(indent) :].partition(" = ")
    if not sep or closer.strip(")]}") or not _ATOM_VALUE.fullmatch(value):
        return not parenthesized
    if any("#" in part or '"""' in part for part in lines):
        return False
    lines.append(closer)
    # the statement on one line, as black measures it (the annotation's parentheses, which black
    # adds itself, left out): a space after each comma; nothing after an opening bracket or
    # before a closing one; a trailing comma, which ruff adds, left out (had the input that comma,
    # black splits the annotation whatever the width: then black formats a text it need not)
    flat = lines[0]
    for prev, part in itertools.pairwise(lines):
        if part.startswith((")", "]", "}")):
            flat = flat.removesuffix(",")
        elif not prev.endswith(_OPENERS):
            flat += " "
        flat += part
    width = len(indent) + len(flat) + len(" = (") - (2 if parenthesized else 0)
    return width > LINE_LENGTH


_GAP = re.compile(r"\n\n\n+")
_CLOSERS = (")", "]", "}")


def _one_blank_line_after_imports(text: str) -> str | None:
    """ruff's output made black's: the one place where they differ on generated code.

    black (24+) puts exactly one blank line between a top-level import and the top-level
    statement after it unless that is an import, a def, a class or a decorator; ruff keeps two
    when the input had two. Returns None when the text has a case this does not decide (a
    comment next to the gap, `'''` strings): the caller lets black format that text.
    """
    if "\n\n\n" not in text:
        return text
    if "'''" in text:
        return None
    parts: list[str] = []
    pos = 0
    for gap in _GAP.finditer(text):
        at = gap.end()
        if text.startswith(("def ", "async def ", "class ", "@", "import ", "from "), at):
            continue
        if text[at : at + 1].isspace() or text.count('"""', 0, gap.start()) % 2:
            continue  # not top level, or inside a string: neither formatter touches it
        if text.startswith("#", text.rfind("\n", 0, gap.start()) + 1):
            return None
        if not _ends_top_level_import(text, gap.start()):
            continue
        if text.startswith("#", at):
            return None
        parts.append(text[pos : gap.start()] + "\n\n")
        pos = at
    parts.append(text[pos:])
    return "".join(parts)


def _ends_top_level_import(text: str, end: int) -> bool:
    """Whether the top-level statement that ends at `end` (a line end) is an import."""
    while True:
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end]
        if line and not line[:1].isspace() and not line.startswith(_CLOSERS):
            return line.startswith(("import ", "from "))
        if start == 0:
            return False
        end = start - 1


# A parameter whose annotation ruff split in its brackets and at its `|`s (`name: Literal[`, the
# values one a line, `]`, `| None,`): black puts such an annotation in parentheses.
_SPLIT_PARAMETER = re.compile(
    r"^(?P<indent>[ ]+)(?P<name>[A-Za-z_][A-Za-z0-9_]*): (?P<head>[A-Za-z_][A-Za-z0-9_.]*)\[\n"
    r"(?P<items>(?:(?P=indent)    [^\n]*,\n)+)"
    r"(?P=indent)\]\n"
    r"(?P<unions>(?:(?P=indent)\| [A-Za-z_][A-Za-z0-9_.\[\]]*\n)*)"
    r"(?P=indent)\| (?P<last>[A-Za-z_][A-Za-z0-9_.\[\]]*)(?P<rest>,| = [^\n]*,)\n",
    re.MULTILINE,
)
_ITEM = re.compile(r'[A-Za-z_][A-Za-z0-9_.]*|-?[0-9][0-9_.]*|"(?:[^"\\\n]|\\.)*"')
_DEF_OPEN = re.compile(r"[ ]*(?:async )?def [A-Za-z_][A-Za-z0-9_]*\($")


def _parenthesized_parameter_annotations(text: str) -> str | None:
    """ruff's output made black's where a parameter's annotation is split: black (24+) wraps a
    long parameter annotation in parentheses and splits inside them, ruff splits it in place:

        name: Literal[            name: (
            "a",                      Literal[
            "b",                          "a",
        ]                                 "b",
        | None = None,                ]
                                      | None
                                  ) = None,

    Rewritten here when the values are atoms one a line (too many for one line, so black puts
    them one a line too, deeper) and the default is an atom; None for any other split parameter
    annotation of that kind: the caller lets black format that text.
    """
    if _LOOSE_SPLIT_PARAMETER.search(text) is None:
        return text
    parts: list[str] = []
    pos = 0
    for match in _SPLIT_PARAMETER.finditer(text):
        indent = match["indent"]
        items = [line.strip()[:-1] for line in match["items"].splitlines()]
        rest = match["rest"]
        default = rest[3:-1] if rest.startswith(" = ") else None
        if (
            not _in_parameters(text, match.start(), indent)
            or not all(_ITEM.fullmatch(item) for item in items)
            or (default is not None and not _ATOM_VALUE.fullmatch(default))
            or len(indent) + 4 + len(", ".join(items)) <= LINE_LENGTH  # black might join them
            or len(indent) + 8 + max(len(item) + 1 for item in items) > LINE_LENGTH
            or len(indent) + 1 + len(rest) > LINE_LENGTH
        ):
            return None
        inner = indent + "    "
        unions = [line.strip() for line in match["unions"].splitlines()] + [f"| {match['last']}"]
        parts.append(text[pos : match.start()])
        parts.append(f"{indent}{match['name']}: (\n{inner}{match['head']}[\n")
        parts.extend(f"{inner}    {item},\n" for item in items)
        parts.append(f"{inner}]\n")
        parts.extend(f"{inner}{union}\n" for union in unions)
        parts.append(f"{indent}){rest}\n")
        pos = match.end()
    if not parts:
        return None
    parts.append(text[pos:])
    done = "".join(parts)
    return None if _LOOSE_SPLIT_PARAMETER.search(done) else done


# A line `| ...` that ends an element (`,`): an annotation split at its `|`s in place, as black
# does not split one (black's parenthesized form has no comma there), that the rewrite did not take.
_LOOSE_SPLIT_PARAMETER = re.compile(r"^[ ]+\| [^\n]*,$", re.MULTILINE)


def _in_parameters(text: str, start: int, indent: str) -> bool:
    """Whether the line at `start` (indented by `indent`) is a parameter of a `def`: the first
    line above it that is indented less opens the def's parameters."""
    end = start - 1
    while end > 0:
        begin = text.rfind("\n", 0, end) + 1
        line = text[begin:end]
        if line.strip() and not line.startswith(indent):
            return _DEF_OPEN.fullmatch(line) is not None and len(line) - len(line.lstrip()) == (
                len(indent) - 4
            )
        end = begin - 1
    return False


@lru_cache(maxsize=1)
def ruff_binary() -> str | None:
    """The executable of the installed `ruff` package (the default fast path); None when
    `SCAFFOLD_FORMATTER=black` asks for black alone, or when ruff is not installed."""
    if os.environ.get("SCAFFOLD_FORMATTER", "").lower() == "black":
        return None
    try:
        find_ruff_bin = importlib.import_module("ruff").find_ruff_bin
        return str(os.fspath(find_ruff_bin()))
    except (ImportError, AttributeError, FileNotFoundError):
        return None


def _key(text: str) -> str:
    path = "black" if ruff_binary() is None else "ruff+black"
    digest = hashlib.sha256(f"{path}: {_formatter_id()}".encode())
    digest.update(b"\0")
    digest.update(text.encode("utf-8"))
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _formatter_id() -> str:
    """What the cached output depends on: the formatter, black's version, ruff's, the settings."""
    ruff = installed_version("ruff") or "-"
    return f"black {black_version()} ruff {ruff} line-length {LINE_LENGTH} target {TARGET}"


@lru_cache(maxsize=1)
def _cache_dir() -> Path | None:
    root = cache_root()
    return None if root is None else root / "format"


def _disk_get(key: str) -> str | None:
    folder = _cache_dir()
    return None if folder is None else read_cache_file(folder / key[:2] / key)


def _disk_put(key: str, text: str) -> None:
    folder = _cache_dir()
    if folder is not None:
        write_cache_file(folder / key[:2] / key, text)


def verify_python(path: str, text: str, *, tree: bool = True) -> ast.Module | None:
    """`text` parsed; `RenderError` unless it parses (a template bug must stop the run).

    `tree=False` compiles `text` instead of building its syntax tree (faster for a large
    module, and as strict), returning None: for a finished module, which nothing reads again.
    """
    try:
        if tree:
            return ast.parse(text, filename=path)
        compile(text, path, "exec", dont_inherit=True)
        return None
    except SyntaxError as exc:
        line = (exc.text or "").rstrip()
        raise RenderError(
            f"{path}:{exc.lineno}:{exc.offset}: generated code does not parse: {exc.msg}"
            + (f"\n    {line}" if line else "")
        ) from None


@lru_cache(maxsize=1)
def black_version() -> str:
    """The black version the output is pinned to (golden files depend on it)."""
    return installed_version("black") or "-"
