"""Keep a generated module's imports to the ones it uses, grouped and sorted like ruff's isort.

Templates list every import a file of their kind may need; which ones a given entity needs
depends on its fields. Rather than mirror that knowledge in template conditions, the unused ones
are dropped here after rendering, by looking at the names the module's code actually uses.

The names used come from the module's symbol tables (the names its scopes read, write and
delete as variables, not as attributes; locals, arguments, closure names, annotated targets),
which CPython builds several times faster than the Python syntax tree that a walk would need;
only the import block at the top is parsed into a tree. A module with
`from __future__ import annotations` keeps its annotations as strings, out of the symbol
tables, so it is walked as a tree instead (`_used_names`). `tests/render/test_imports.py` holds
the two ways equal on every module the templates make.
"""

from __future__ import annotations

import ast
import re
import symtable
import sys
from dataclasses import dataclass, field

_STDLIB = frozenset(sys.stdlib_module_names)


@dataclass
class _Block:
    """Imports of one section: `import x [as y]` and `from x import a [as b], ...`."""

    plain: set[tuple[str, str | None]] = field(default_factory=set)
    froms: dict[str, set[tuple[str, str | None]]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.plain or self.froms)


def _name_rank(name: str) -> tuple[int, str, str]:
    # ruff's `order-by-type`: CONSTANTS, then Classes, then everything else.
    if len(name) > 1 and name.isupper():
        rank = 0
    elif name[:1].isupper():
        rank = 1
    else:
        rank = 2
    return rank, name.lower(), name


def _alias(name: str, asname: str | None) -> str:
    return f"{name} as {asname}" if asname else name


def _render_block(block: _Block, indent: str = "") -> list[str]:
    lines = [
        f"{indent}import {_alias(name, asname)}"
        for name, asname in sorted(block.plain, key=lambda item: (item[0].lower(), item[0]))
    ]
    for module in sorted(block.froms, key=lambda m: (m.lower(), m)):
        names = sorted(block.froms[module], key=lambda item: _name_rank(item[0]))
        # like isort without `combine-as-imports`: the plain names in one statement, then one
        # statement per aliased name
        plain = [n for n, a in names if a is None]
        if plain:
            lines.append(f"{indent}from {module} import {', '.join(plain)}")
        for name, asname in names:
            if asname is not None:
                lines.append(f"{indent}from {module} import {_alias(name, asname)}")
    return lines


def _section(module: str, first_party: str) -> int:
    top = module.split(".")[0]
    if module == "__future__":
        return 0
    if module.startswith("."):
        return 4
    if top in _STDLIB:
        return 1
    if top == first_party:
        return 3
    return 2


def scope_names(text: str) -> set[str]:
    """Every name `text` uses as a variable, in any of its scopes: the identifiers of its
    symbol tables (globals and module names read, written or deleted, locals and arguments,
    closure names, annotated targets), not attributes (`x.name`) and not strings. Raises
    `SyntaxError` where the text does not parse.

    CPython builds the symbol tables from its parser's tree without making Python objects of
    the tree or compiling the code: cheaper than either."""
    used: set[str] = set()
    stack = [symtable.symtable(text, "<generated>", "exec")]
    while stack:
        table = stack.pop()
        used.update(table.get_identifiers())
        stack.extend(table.get_children())
    return used


# A top-level line that may belong to the import block: an import, the `if TYPE_CHECKING:` block
# (its body is indented), a blank line or a comment; `)` closes a parenthesized import.
_HEADER_LINE = re.compile(r"(?:import |from |if TYPE_CHECKING:|\s|#|\)|$)")


def _header(lines: list[str]) -> list[str]:
    """The leading comments, the module docstring and the import block after it (a line or two
    more is harmless: the caller parses these lines and takes the leading imports)."""
    end = 0
    while end < len(lines) and (not lines[end].strip() or lines[end].startswith("#")):
        end += 1
    if end < len(lines):
        opening = lines[end].lstrip("rRuU")
        quote = opening[:3] if opening[:3] in ('"""', "'''") else opening[:1]
        if quote in ('"""', "'''"):
            closed = quote in opening[3:]
            end += 1
            while not closed and end < len(lines):
                closed = quote in lines[end]
                end += 1
        elif quote in ('"', "'"):
            end += 1
    while end < len(lines) and _HEADER_LINE.match(lines[end]):
        end += 1
    return lines[:end]


def _used_names(tree: ast.Module, skip: set[int]) -> set[str]:
    used: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Name):
            used.add(node.id)
    return used


def _is_type_checking_block(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
        and all(isinstance(n, ast.Import | ast.ImportFrom) for n in node.body)
        and not node.orelse
    )


def _collect(
    nodes: list[ast.stmt], used: set[str], first_party: str, sections: dict[int, _Block]
) -> None:
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                if bound in used:
                    block = sections.setdefault(_section(alias.name, first_party), _Block())
                    block.plain.add((alias.name, alias.asname))
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            for alias in node.names:
                bound = alias.asname or alias.name
                if module == "__future__" or bound in used:
                    block = sections.setdefault(_section(module, first_party), _Block())
                    block.froms.setdefault(module, set()).add((alias.name, alias.asname))


def organize_imports(text: str, *, first_party: str, by_tree: bool = False) -> str:
    """`text` with its leading import block pruned to used names and sorted into sections.

    The block is the run of top-level imports (and one `if TYPE_CHECKING:` block of imports)
    after the module docstring. Sections, in order: `__future__`, standard library, third party,
    `first_party`; one blank line between them, as ruff's isort writes them. Raises
    `SyntaxError` when `text` does not parse (its imports are parsed, the rest
    read into symbol tables; the finished module is compiled by the caller).
    `by_tree`: the whole text parsed and walked instead (the reference the tests compare with).
    """
    tree = ast.parse(text) if by_tree else _header_tree(text)
    body = tree.body
    start = (
        1
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
        else 0
    )
    end = start
    while end < len(body) and (
        isinstance(body[end], ast.Import | ast.ImportFrom) or _is_type_checking_block(body[end])
    ):
        end += 1
    region = body[start:end]
    if not region:
        compile(text, "<generated>", "exec", dont_inherit=True)  # it must parse all the same
        return text
    used = _module_names(text, region, by_tree)

    sections: dict[int, _Block] = {}
    _collect([n for n in region if not _is_type_checking_block(n)], used, first_party, sections)
    checking: dict[int, _Block] = {}
    for node in region:
        if isinstance(node, ast.If):
            _collect(list(node.body), used, first_party, checking)
    if any(checking.values()):
        typing_block = sections.setdefault(_section("typing", first_party), _Block())
        typing_block.froms.setdefault("typing", set()).add(("TYPE_CHECKING", None))

    out: list[str] = []
    for key in sorted(sections):
        if sections[key]:
            out += _render_block(sections[key])
            out.append("")
    if any(checking.values()):
        out.append("if TYPE_CHECKING:")
        for key in sorted(checking):
            if checking[key]:
                out += _render_block(checking[key], indent="    ")
        out.append("")
    lines = text.splitlines()
    first = region[0].lineno - 1
    last = region[-1].end_lineno or region[-1].lineno
    rest = lines[last:]
    while rest and not rest[0].strip():
        rest = rest[1:]
    # One blank line after the block (`out` ends with it): black and ruff format agree on that;
    # they disagree on what to do with two before a statement that is not a def or class.
    new = [*lines[:first], *out, *rest]
    return "\n".join(new).rstrip("\n") + "\n"


def _header_tree(text: str) -> ast.Module:
    """The syntax tree of the docstring and imports at the top of `text` (the whole text's when
    that prefix does not parse on its own)."""
    lines = text.splitlines()
    head = _header(lines)
    try:
        tree = ast.parse("\n".join(head))
    except SyntaxError:
        return ast.parse(text)
    after = lines[len(head)] if len(head) < len(lines) else ""
    if after.startswith(("else", "elif")):  # the `if` block at the end goes on
        return ast.parse(text)
    return tree


def _module_names(text: str, region: list[ast.stmt], by_tree: bool) -> set[str]:
    """The names `text` uses outside its import block `region`."""
    future = by_tree or any(
        isinstance(node, ast.ImportFrom)
        and node.module == "__future__"
        and any(alias.name == "annotations" for alias in node.names)
        for node in region
    )
    if future:  # annotations are strings: only the tree sees their names
        tree = ast.parse(text)
        imports = {(n.lineno, n.col_offset) for n in region}
        skip = {
            id(n)
            for stmt in tree.body
            if (stmt.lineno, stmt.col_offset) in imports
            for n in ast.walk(stmt)
        }
        return _used_names(tree, skip)
    # the import statements' own names would be in the module's symbols too: the rest alone is
    # read (after as many empty lines, so an error names the module's own line)
    lines = text.splitlines()
    last = region[-1].end_lineno or region[-1].lineno
    body = "\n" * last + "\n".join(lines[last:])
    return scope_names(body)
