"""Generation benchmarks: how long `scaffold` takes, against references measured in the same run.

    python bench/generation.py [--quick]

Prints a markdown table (medians of repeated runs) and writes it to docs/benchmarks.md with a
description of the machine. Rows:

- `scaffold --help` against `python -c "import typer"` (start-up cost);
- cold `scaffold generate` of 100 entities against black formatting that same output;
- no-op `scaffold generate` of 100 entities against `scaffold --help`;
- one added field in a 50-entity project (modules + migration);
- cold generation of 10 / 100 / 500 entities (growth should be linear).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable


def entity_spec(i: int) -> str:
    """A realistic entity: a dozen fields of most types, a ref to the previous entity."""
    lines = [
        f"entity: thing{i}",
        f"description: Benchmark entity number {i}.",
    ]
    if i % 3 == 1:
        lines.append("soft_delete: true")
    if i % 4 == 2:
        lines.append("versioned: true")
    lines += [
        "fields:",
        "  title: string(120)",
        "  body: text?",
        "  amount: {type: int, default: 0, min: 0, max: 1000000}",
        "  price: decimal(10,2)?",
        "  status: {type: enum, values: [draft, active, archived], default: draft}",
        "  flag: {type: bool, default: false}",
        "  due: date?",
        "  seen_at: datetime?",
        "  contact: email?",
        "  site: url?",
        "  extra: json?",
    ]
    if i > 0:
        lines.append(f"  parent: {{type: ref, to: thing{i - 1}, required: false, on_delete: set_null}}")
    lines += ["list:", "  filters: [status]"]
    return "\n".join(lines) + "\n"


def run(args: list[str], cwd: Path) -> None:
    out = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")


def timed(fn: Callable[[], None], repeat: int) -> float:
    """Median wall time of `repeat` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def new_project(parent: Path, n: int) -> Path:
    root = parent / f"p{n}"
    run([PY, "-m", "scaffold", "init", str(root), "--package", "benchapp", "--defaults"], parent)
    for i in range(n):
        (root / "specs" / f"thing{i}.yaml").write_text(entity_spec(i))
    return root


def reset_generated(root: Path, pristine: Path) -> None:
    """Put a project back to its state before the first `generate` of the benchmark entities."""
    shutil.rmtree(root)
    shutil.copytree(pristine, root)


def black_time(root: Path) -> float:
    """Time black alone takes to format every generated Python file of a project (in-process)."""
    import black

    files = [p for p in (root / "src").rglob("*.py")] + [p for p in (root / "tests").rglob("*.py")]
    files += list((root / "migrations" / "versions").glob("*.py"))
    texts = [p.read_text() for p in files]
    mode = black.Mode(line_length=100)
    start = time.perf_counter()
    for text in texts:
        black.format_str(text, mode=mode)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller scale row")
    opts = parser.parse_args()
    repeat = 3 if opts.quick else 5
    rows: list[tuple[str, str, str, str]] = []

    help_t = timed(lambda: run([PY, "-m", "scaffold", "--help"], REPO), repeat * 2)
    typer_t = timed(lambda: run([PY, "-c", "import typer"], REPO), repeat * 2)
    rows.append(("`scaffold --help`", f"{help_t * 1000:.0f} ms", "`import typer`", f"{help_t / typer_t:.2f}× (target ≤ 2.5×)"))

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        scale: dict[int, float] = {}
        for n in (10, 100) if opts.quick else (10, 100, 500):
            root = new_project(base, n)
            pristine = base / f"pristine{n}"
            shutil.copytree(root, pristine)

            def cold(root: Path = root, pristine: Path = pristine) -> None:
                reset_generated(root, pristine)
                run([PY, "-m", "scaffold", "generate"], root)

            scale[n] = timed(cold, 1 if n == 500 else repeat)
            if n == 100:
                black_t = black_time(root)
                rows.append(("cold `generate`, 100 entities", f"{scale[n]:.2f} s", "black on that output", f"{scale[n] / black_t:.2f}× (target ≤ 0.5×; black {black_t:.2f} s)"))
                noop = timed(lambda root=root: run([PY, "-m", "scaffold", "generate"], root), repeat)
                rows.append(("no-op `generate`, 100 entities", f"{noop:.2f} s", "`scaffold --help`", f"{noop / help_t:.2f}× (target ≤ 4×)"))
        for n, t in scale.items():
            rows.append((f"cold `generate`, {n} entities", f"{t:.2f} s", "per entity", f"{t / n * 1000:.1f} ms"))

        root = new_project(base, 50)
        run([PY, "-m", "scaffold", "generate"], root)
        spec = root / "specs" / "thing7.yaml"
        original = spec.read_text()
        counter = iter(range(1000))

        def one_field() -> None:
            spec.write_text(original.replace("fields:\n", f"fields:\n  note{next(counter)}: string(40)?\n"))
            run([PY, "-m", "scaffold", "generate"], root)

        change = timed(one_field, repeat)
        rows.append(("one added field, 50 entities", f"{change:.2f} s", "drizzle-kit (0.4 s, issue #7 figure)", f"{change / 0.4:.2f}× (target ≤ 1×)"))

    table = ["| measure | scaffold | reference | ratio |", "|---|---|---|---|"]
    table += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    text = "\n".join(table)
    print(text)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"
    out = REPO / "docs" / "benchmarks.md"
    out.write_text(
        "# Benchmarks\n\nMeasured by `python bench/generation.py` on: "
        f"{machine}. Medians of repeated runs; ratios against references measured in the same run.\n\n"
        + text
        + "\n"
    )


if __name__ == "__main__":
    main()
