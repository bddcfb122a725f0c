"""The baked matrix (like cookiecutter-django's): a covering set of entity option combinations.

Seven options, each entity of the baked project is one combination of them:

    owner       user | through | none        (through: a required ref to an owned parent)
    visibility  private | public | per_row   (for `through`: the parent's, inherited)
    soft_delete, versioned, timestamps, api, composite key   on | off

Every combination would be 3x3x2^5 = 288 entities; a greedy pairwise covering set needs about a
dozen and still puts every valid pair of option values in at least one entity (`pairs_missing`
proves it). The one invalid pair: `owner: none` with `visibility: per_row` (a per-row flag needs
an owner; the resolver refuses it, see docs/spec-language.md).
"""

from __future__ import annotations

import itertools
from typing import Any

FACTORS: dict[str, tuple[Any, ...]] = {
    "owner": ("user", "through", "none"),
    "visibility": ("private", "public", "per_row"),
    "soft_delete": (False, True),
    "versioned": (False, True),
    "timestamps": (False, True),
    "api": (False, True),
    "composite": (False, True),
}
Combo = tuple[Any, ...]
NAMES = tuple(FACTORS)


def valid(combo: dict[str, Any]) -> bool:
    return not (combo.get("owner") == "none" and combo.get("visibility") == "per_row")


def _pairs(combo: Combo) -> set[tuple[int, Any, int, Any]]:
    return {(i, combo[i], j, combo[j]) for i, j in itertools.combinations(range(len(combo)), 2)}


def all_valid_pairs() -> set[tuple[int, Any, int, Any]]:
    out = set()
    for i, j in itertools.combinations(range(len(NAMES)), 2):
        for a in FACTORS[NAMES[i]]:
            for b in FACTORS[NAMES[j]]:
                if valid({NAMES[i]: a, NAMES[j]: b}):
                    out.add((i, a, j, b))
    return out


def valid_combinations() -> list[Combo]:
    return [
        c for c in itertools.product(*FACTORS.values()) if valid(dict(zip(NAMES, c, strict=True)))
    ]


def covering_set() -> list[dict[str, Any]]:
    """A deterministic greedy pairwise covering set of valid combinations."""
    candidates = valid_combinations()
    todo = all_valid_pairs()
    chosen: list[Combo] = []
    while todo:
        best = max(candidates, key=lambda c: len(_pairs(c) & todo))  # first best: deterministic
        chosen.append(best)
        todo -= _pairs(best)
    return [dict(zip(NAMES, c, strict=True)) for c in chosen]


def pairs_missing(combos: list[dict[str, Any]]) -> set[tuple[int, Any, int, Any]]:
    seen: set[tuple[int, Any, int, Any]] = set()
    for combo in combos:
        seen |= _pairs(tuple(combo[n] for n in NAMES))
    return all_valid_pairs() - seen


def _yaml(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def parent_spec(visibility: str) -> tuple[str, str]:
    name = f"bake_parent_{visibility}"
    return name, (
        f"entity: {name}\n"
        f"description: Owned parent of the `through` entities ({visibility}).\n"
        "owner: user\n"
        f"visibility: {visibility}\n"
        "fields:\n"
        "  label: string(60)\n"
    )


def entity_spec(index: int, combo: dict[str, Any]) -> tuple[str, str]:
    """(entity name, spec text) of one combination."""
    name = f"bake_{index:02d}"
    lines = [
        f"entity: {name}",
        "description: "
        + ", ".join(f"{key}={_yaml(combo[key])}" for key in NAMES)
        + " (baked matrix).",
    ]
    if combo["owner"] == "through":
        lines.append("owner: {through: parent}")
    else:
        lines.append(f"owner: {combo['owner']}")
        lines.append(f"visibility: {combo['visibility']}")
    for key in ("soft_delete", "versioned", "timestamps", "api"):
        lines.append(f"{key}: {_yaml(combo[key])}")
    if combo["composite"]:
        lines.append(f"primary_key: [id, {'created_at' if combo['timestamps'] else 'code'}]")
    lines += [
        "fields:",
        "  title: {type: string, max_length: 80, min_length: 1}",
        "  code: string(20)",
        "  amount: {type: int, required: false, min: 0, max: 1000}",
    ]
    if combo["owner"] == "through":
        lines.append(
            f"  parent: {{type: ref, to: bake_parent_{combo['visibility']}, on_delete: cascade}}"
        )
    return name, "\n".join(lines) + "\n"


def matrix_specs() -> dict[str, str]:
    """file name → spec text: one entity per combination, plus the parents `through` needs."""
    specs: dict[str, str] = {}
    combos = covering_set()
    for visibility in sorted({c["visibility"] for c in combos if c["owner"] == "through"}):
        name, text = parent_spec(visibility)
        specs[f"{name}.yaml"] = text
    for index, combo in enumerate(combos, start=1):
        name, text = entity_spec(index, combo)
        specs[f"{name}.yaml"] = text
    return specs
