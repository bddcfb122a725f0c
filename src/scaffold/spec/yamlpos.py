"""YAML → plain mappings that remember where every key and value was written.

PyYAML's `SafeLoader` forgets positions and silently keeps the last of two equal keys. This
loader builds `PosDict`/`PosList` (a `dict`/`list` that also hold the 1-based line and column of
every key and value), reports duplicate keys, and follows the YAML 1.2 core schema for scalars,
as editors (yaml-language-server) do: only `true`/`false` are booleans (`yes`, `no`, `on`,
`off` stay strings), integers are decimal, and dates stay strings (`2024-01-31`).
Anchors and aliases are refused: a spec is short, and an alias would make one value appear at
two places (and opens the door to "billion laughs" documents).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


@dataclass(frozen=True)
class Pos:
    """1-based line and column."""

    line: int
    col: int


class PosDict(dict[str, Any]):
    """A mapping from YAML with the position of each key and of each value."""

    def __init__(self) -> None:
        super().__init__()
        self.pos = Pos(0, 0)
        self.key_pos: dict[str, Pos] = {}
        self.value_pos: dict[str, Pos] = {}


class PosList(list[Any]):
    """A sequence from YAML with the position of each item."""

    def __init__(self) -> None:
        super().__init__()
        self.pos = Pos(0, 0)
        self.item_pos: list[Pos] = []


@dataclass(frozen=True)
class YamlProblem:
    pos: Pos
    message: str
    hint: str | None = None


class YamlError(Exception):
    """The document cannot be read at all (syntax error, alias, ...)."""

    def __init__(self, problem: YamlProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _pos(node: Node) -> Pos:
    return Pos(node.start_mark.line + 1, node.start_mark.column + 1)


_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


class _Resolver(yaml.resolver.BaseResolver):
    """Implicit tags of the YAML 1.2 core schema only."""


_Resolver.yaml_implicit_resolvers = {}
_Resolver.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
_Resolver.add_implicit_resolver("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""])
_Resolver.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
_Resolver.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))


class _Loader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    _Resolver,
):
    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _Resolver.__init__(self)

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.events.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            mark = event.start_mark
            raise YamlError(
                YamlProblem(
                    Pos(mark.line + 1, mark.column + 1),
                    "YAML aliases (*name) are not supported in specs",
                    "write the value out in full",
                )
            )
        return super().compose_node(parent, index)


class _Builder:
    """Turns composed nodes into PosDict/PosList/scalars, collecting duplicate-key problems."""

    def __init__(self) -> None:
        self.problems: list[YamlProblem] = []
        self.path: list[str | int] = []  # the keys down to the node being built

    def _value_problem(self, node: ScalarNode, message: str, hint: str) -> None:
        """A scalar that cannot be read, named by its key: `` `fields.n.max`: `0x1` is ... ``."""
        text = node.value if len(node.value) <= 40 else node.value[:39] + "…"
        where = ""
        for part in self.path:
            where += f"[{part}]" if isinstance(part, int) else ("." if where else "") + part
        prefix = f"`{where}`: " if where else ""
        self.problems.append(YamlProblem(_pos(node), prefix + message.format(text=text), hint))

    def build(self, node: Node) -> Any:
        if isinstance(node, MappingNode):
            return self._mapping(node)
        if isinstance(node, SequenceNode):
            out = PosList()
            out.pos = _pos(node)
            for i, item in enumerate(node.value):
                self.path.append(i)
                out.append(self.build(item))
                self.path.pop()
                out.item_pos.append(_pos(item))
            return out
        assert isinstance(node, ScalarNode)
        return self._scalar(node)

    def _scalar(self, node: ScalarNode) -> Any:
        tag = node.tag
        text = node.value
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag == "tag:yaml.org,2002:bool":
            if text.lower() in ("true", "false"):
                return text.lower() == "true"
            self._value_problem(node, "`{text}` is not a boolean", "write `true` or `false`")
            return text
        if tag == "tag:yaml.org,2002:int":
            try:
                return int(text, 10)
            except ValueError:
                self._value_problem(
                    node, "`{text}` is not an integer", "write a whole number such as `10`"
                )
                return text
        if tag == "tag:yaml.org,2002:float":
            low = text.lower().lstrip("+")
            if low in (".inf", "-.inf", ".nan"):
                return float(low.replace(".", ""))
            try:
                return float(text)
            except ValueError:
                self._value_problem(
                    node, "`{text}` is not a number", "write a number such as `1.5`"
                )
                return text
        if tag == "tag:yaml.org,2002:str":
            return text
        self.problems.append(
            YamlProblem(_pos(node), f"YAML tag `{tag}` is not supported in specs", "remove it")
        )
        return text

    def _mapping(self, node: MappingNode) -> PosDict:
        out = PosDict()
        out.pos = _pos(node)
        for key_node, value_node in node.value:
            key_pos = _pos(key_node)
            if not isinstance(key_node, ScalarNode):
                self.problems.append(YamlProblem(key_pos, "a key must be a plain word"))
                continue
            key = self._scalar(key_node)
            if not isinstance(key, str):
                self.problems.append(
                    YamlProblem(
                        key_pos,
                        f"key `{key_node.value}` must be a name",
                        f"quote it if you mean the word: '{key_node.value}'",
                    )
                )
                continue
            if key in out:
                first = out.key_pos[key]
                self.problems.append(
                    YamlProblem(
                        key_pos,
                        f"duplicate key `{key}` (first written at line {first.line})",
                        "keep only one of them",
                    )
                )
                continue
            self.path.append(key)
            out[key] = self.build(value_node)
            self.path.pop()
            out.key_pos[key] = key_pos
            out.value_pos[key] = _pos(value_node)
        return out


if yaml.__with_libyaml__:

    from yaml._yaml import CParser

    class _CLoader(CParser, _Resolver):
        """libyaml's scanner, parser and composer with the same implicit tags (4x faster here)."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _Resolver.__init__(self)


# Where libyaml and PyYAML's pure-Python parser part ways: anchors and aliases (refused here with
# their own message), `?` keys, tags, directives and tabs (libyaml accepts some in flow
# collections that PyYAML rejects), an empty value in a flow mapping (placed one column apart), a
# comment glued to a block scalar's header, characters outside printable ASCII. A `?` inside a
# word (`text?`) is the same to both except in a flow collection (`_flow_question`).
# tests/spec/test_yaml_fast.py compares the two parsers on thousands of mutated specs.
_UNEQUAL = re.compile(r"[&*!%\t]|(?:^|\s|[,\[{])\?|:\s*[,}\]]|[|>][-+0-9]*#|[^\n\r\x20-\x7e]")


def _flow_question(node: Node, in_flow: bool = False) -> bool:
    """True when a plain scalar inside a flow collection holds `?` (PyYAML ends it there)."""
    if isinstance(node, ScalarNode):
        return in_flow and not node.style and "?" in node.value
    inner = in_flow or bool(getattr(node, "flow_style", False))
    items = node.value if isinstance(node, SequenceNode) else [n for kv in node.value for n in kv]
    return any(_flow_question(item, inner) for item in items)


def _compose_fast(text: str) -> tuple[bool, Node | None]:
    """Compose with libyaml when it gives exactly what the pure-Python loader would.

    Only for printable ASCII text (the two count columns the same way there) without the
    characters where the two parsers are known to differ (`_UNEQUAL`). Anything libyaml rejects
    is re-read by the pure-Python loader, whose messages are the ones users see.
    Returns (done, node).
    """
    if not yaml.__with_libyaml__ or not text.isascii() or _UNEQUAL.search(text):
        return False, None
    loader = _CLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError:
        return False, None
    finally:
        loader.dispose()
    if node is not None and "?" in text and _flow_question(node):
        return False, None
    return True, node


def load_yaml(text: str) -> tuple[Any, list[YamlProblem]]:
    """Parse one YAML document. Returns (value or None when empty, located problems).

    Raises `YamlError` when the text cannot be parsed at all.
    """
    done, node = _compose_fast(text)
    if not done:
        node = _compose(text)
    if node is None:
        return None, []
    builder = _Builder()
    value = builder.build(node)
    return value, builder.problems


def _compose(text: str) -> Node | None:
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
            problem = exc.problem or exc.context or "invalid YAML"
            raise YamlError(
                YamlProblem(
                    Pos(line, col),
                    f"YAML syntax error: {problem}",
                    "check the quotes, brackets and indentation just before this place",
                )
            ) from None
        except yaml.YAMLError as exc:
            raise YamlError(YamlProblem(Pos(1, 1), f"YAML error: {exc}")) from None
    finally:
        loader.dispose()
    return node
