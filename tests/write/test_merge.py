"""The three-way merge wrapper: clean merges keep both sides; conflicts get labelled markers."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scaffold.write import has_conflict_markers, merge_text
from scaffold.write.merge import END_MARKER, MID_MARKER, START_MARKER


def test_edits_in_different_places_merge_cleanly() -> None:
    base = "a\nb\nc\nd\ne\n"
    result = merge_text(base, "a\nB\nc\nd\ne\n", "a\nb\nc\nd\nE\n")
    assert result.clean and result.text == "a\nB\nc\nd\nE\n"


def test_same_edit_on_both_sides_is_not_a_conflict() -> None:
    result = merge_text("a\nb\nc\n", "a\nX\nc\n", "a\nX\nc\n")
    assert result.clean and result.text == "a\nX\nc\n"


def test_conflict_markers_are_labelled_yours_and_generated() -> None:
    result = merge_text("a\nb\nc\n", "a\nmine\nc\n", "a\nnew\nc\n")
    assert result.conflicts == 1
    assert result.text == f"a\n{START_MARKER}\nmine\n{MID_MARKER}\nnew\n{END_MARKER}\nc\n"
    assert START_MARKER == "<<<<<<< yours" and END_MARKER == ">>>>>>> generated"
    assert has_conflict_markers(result.text)


def test_a_last_line_without_newline_does_not_swallow_a_marker() -> None:
    result = merge_text("a\nb\n", "a\nmine", "a\nnew\n")
    assert f"mine\n{MID_MARKER}\n" in result.text


def test_crlf_files_get_crlf_markers() -> None:
    result = merge_text("a\r\nb\r\n", "a\r\nmine\r\n", "a\r\nnew\r\n")
    assert f"{START_MARKER}\r\n" in result.text and f"{END_MARKER}\r\n" in result.text


def test_empty_base_conflicts_only_on_the_differing_lines() -> None:
    result = merge_text("", "x\ny\nz\n", "x\nY\nz\n")
    assert result.text == f"x\n{START_MARKER}\ny\n{MID_MARKER}\nY\n{END_MARKER}\nz\n"


# --- property: edits away from each other always merge, and keep both ------------------------

GAP = 2  # at least one untouched line between a user edit and a generator change


@st.composite
def _edit_sets(draw: st.DrawFn) -> tuple[list[str], dict[int, str], dict[int, str]]:
    n = draw(st.integers(min_value=8, max_value=60))
    base = [f"line {i} = {i * 7}\n" for i in range(n)]
    positions = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=10, unique=True))
    ops = st.sampled_from(["replace", "delete", "insert"])
    user: dict[int, str] = {}
    gen: dict[int, str] = {}
    for pos in sorted(positions):
        near = [p for p in (*user, *gen) if abs(p - pos) < GAP]
        if near:
            continue
        side = user if draw(st.booleans()) else gen
        side[pos] = draw(ops)
    return base, user, gen


def _apply(base: list[str], edits: dict[int, str], who: str) -> list[str]:
    out: list[str] = []
    for i, line in enumerate(base):
        op = edits.get(i)
        if op == "replace":
            out.append(f"{who} changed line {i}\n")
        elif op == "insert":
            out += [line, f"{who} added after {i}\n"]
        elif op != "delete":
            out.append(line)
    return out


@settings(max_examples=300, deadline=None)
@given(_edit_sets())
def test_edits_away_from_generator_changes_always_merge_and_keep_both(
    case: tuple[list[str], dict[int, str], dict[int, str]],
) -> None:
    base, user, gen = case
    assume(user and gen)
    ours = _apply(base, user, "user")
    theirs = _apply(base, gen, "gen")
    result = merge_text("".join(base), "".join(ours), "".join(theirs))
    assert result.clean, result.text
    both = {**user, **gen}
    expected = _apply(base, both, "?")
    merged = result.text.splitlines(keepends=True)
    assert len(merged) == len(expected)
    for (
        got,
        want,
    ) in zip(merged, expected, strict=True):
        if want.startswith("?"):
            assert got.replace("user", "?", 1).replace("gen", "?", 1) == want
        else:
            assert got == want
    for line in ours + theirs:
        if line.startswith(("user", "gen")):
            assert line in merged
