"""libyaml's fast path gives exactly what the pure-Python loader gives, or steps aside.

`load_yaml` composes with libyaml when the text has none of the constructs where the two
parsers are known to differ; this compares both, value and every position, on every spec in the
repository and on thousands of seeded random mutations of them (inserted, deleted and replaced
YAML punctuation, tabs, control characters).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from scaffold.spec import yamlpos

REPO = Path(__file__).resolve().parents[2]
ALPHABET = [*" \n\t:-[]{},'\"#?|>!%@`&*\\abc01.~", "\x07", "\x7f", "\r", "\r\n", "é"]


def _corpus() -> list[str]:
    folders = ["examples", "tests", "docs"]
    files = sorted(p for f in folders for p in (REPO / f).rglob("*.yaml") if p.is_file())
    return [p.read_text(encoding="utf-8") for p in files]


def _shape(node: Any) -> Any:
    """A node's built value with every position in it, comparable with ==."""
    if node is None:
        return None
    builder = yamlpos._Builder()
    value = builder.build(node)

    def norm(x: Any) -> Any:
        if isinstance(x, yamlpos.PosDict):
            items = [(k, x.key_pos[k], x.value_pos[k], norm(v)) for k, v in x.items()]
            return ("map", x.pos, items)
        if isinstance(x, yamlpos.PosList):
            return ("seq", x.pos, x.item_pos, [norm(i) for i in x])
        return (type(x).__name__, x)

    return norm(value), builder.problems


def _slow(text: str) -> Any:
    try:
        return _shape(yamlpos._compose(text))
    except Exception as exc:  # the Reader raises before the loader's own error handling
        return ("error", type(exc).__name__)


def _mutate(text: str, rnd: random.Random) -> str:
    chars = list(text)
    for _ in range(rnd.randint(0, 4)):
        i = rnd.randrange(len(chars) + 1)
        op = rnd.random()
        if op < 0.4 or not chars:
            chars.insert(i, rnd.choice(ALPHABET))
        elif op < 0.8:
            del chars[min(i, len(chars) - 1)]
        else:
            chars[min(i, len(chars) - 1)] = rnd.choice(ALPHABET)
    return "".join(chars)


def test_libyaml_is_available_so_the_fast_path_is_exercised() -> None:
    assert yamlpos.yaml.__with_libyaml__
    done, _ = yamlpos._compose_fast("entity: task\nfields:\n  title: string?\n")
    assert done


@pytest.mark.parametrize("seed", range(4))
def test_fast_path_equals_pure_python(seed: int) -> None:
    rnd = random.Random(seed)
    corpus = _corpus()
    assert len(corpus) > 20
    fast_taken = compared = 0
    for text in corpus:
        for variant in [text, *(_mutate(text, rnd) for _ in range(40))]:
            done, node = yamlpos._compose_fast(variant)
            compared += 1
            if not done:
                continue
            fast_taken += 1
            assert _shape(node) == _slow(variant), variant
    assert fast_taken > compared // 3  # the fast path is taken for most real specs


def test_whole_file_variants_are_read_the_same() -> None:
    """Line endings of other systems, document markers, a BOM, wider indentation."""
    for text in _corpus():
        variants = [
            text.replace("\n", "\r\n"),
            text.replace("\n", "\r"),
            "\ufeff" + text,
            "---\n" + text,
            text + "...\n",
            text + "\n\n\n",
            text.replace("  ", "    "),
        ]
        for variant in variants:
            done, node = yamlpos._compose_fast(variant)
            if done:
                assert _shape(node) == _slow(variant), variant


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",  # alias: refused with its own message by the slow path
        "a: {t: , d: 1}\n",  # empty flow value: libyaml places it one column later
        "a: {type: pass?word}\n",  # `?` inside a flow scalar: PyYAML rejects it
        "a: {type:\tint}\n",  # tab in a flow mapping
        "a: >#x\n",  # comment glued to a block scalar header
        "a: caf\u00e9\n",  # non-ASCII: columns may be counted differently
        "a: !tag x\n",
    ],
)
def test_known_differences_take_the_pure_python_path(text: str) -> None:
    assert yamlpos._compose_fast(text) == (False, None)
