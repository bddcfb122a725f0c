"""Every benchmark of issue 7, in one run: prints a markdown table, writes docs/benchmarks.md.

    python bench/run.py [--quick] [--skip-drizzle] [--only generation|data-layer] [--rows N]

Needs the dev dependencies (`pip install -e '.[dev]'`: pgserver, asyncpg, black, ruff) and, for the
drizzle-kit reference, `npm`. Every figure is a median of repeated runs, and every ratio is against
a reference measured in the same run on the same machine:

- start-up: `scaffold --help` against `python -c "import typer"`;
- cold `scaffold generate` of 100 entities (all modules + migration, empty scaffold cache) against
  black alone formatting that same output (in-process `black.format_str`, one core), for each
  spec family of bench/families.py (the benchmark's own, and a second one of decimal bounds and
  defaults, enums, patterns, long names and several refs);
- no-op `scaffold generate` of 100 entities against `scaffold --help`;
- one added field in a 50-entity project against `drizzle-kit generate` for the same change in a
  50-table schema (bench/drizzle.py; the issue's 0.4 s when npm is missing);
- cold generation of 10 / 100 / 500 entities (per-entity time: growth must be linear);
- the generated data layer on PostgreSQL (pgserver) against raw asyncpg sending the statements
  a careful hand-written endpoint needs (bench/datalayer.py): get, list page, create, update,
  delete, attach, a statistic; keyset page 1 / depth 10,000 / 500,000 on 1M rows next to
  OFFSET; the plan of every generated list query.
"""

from __future__ import annotations

import argparse
import json
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
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from families import FAMILIES, entity_name, entity_spec  # noqa: E402

PY = sys.executable
ENV = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join(
        [str(REPO / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
    ),
}
ITEM_SPEC = """entity: item
description: The data-layer benchmark's row.
fields:
  title: string(120)
  status: {type: enum, values: [draft, active, archived], default: draft}
  amount: {type: int, default: 0, min: 0}
list:
  filters: [status]
"""
# the statistics benchmark's entity (bench/stats.py): a cached per-day statistic
READING_SPEC = """entity: reading
description: The statistics benchmark's row.
fields:
  kind: {type: enum, values: [a, b, c], default: a}
  amount: {type: int, default: 0}
stats_cache_seconds: 300
stats:
  per_day: {period: day, sum: [amount]}
"""
# the attach row's entities (bench/datalayer.py): a card links labels (link table cards_labels)
LINK_SPECS = {
    "label": """entity: label
description: A label the attach benchmark links to cards.
fields:
  name: string(40)
""",
    "card": """entity: card
description: The attach benchmark's row.
fields:
  title: string(120)
  labels: {type: many, to: label}
""",
}
Row = tuple[str, str, str, str, str]  # measure, scaffold, reference, ratio, target
# the raw references that are not the very statement the action sent (bench/datalayer.py)
REFERENCES = {
    "attach": "one hand-written `INSERT … SELECT … WHERE EXISTS` (card writable, label readable)",
    "statistic": "the aggregate written by hand (120 rows of a week, per UTC day)",
}


class Rows(list[Row]):
    """The table's rows; each is echoed to stderr as soon as it is measured."""

    def append(self, row: Row) -> None:
        print("| " + " | ".join(row) + " |", file=sys.stderr, flush=True)
        super().append(row)


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    out = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env or ENV)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def timed(
    fn: Callable[[], object], repeat: int, setup: Callable[[], object] | None = None
) -> float:
    """Median wall time of `repeat` runs of `fn` (each after an untimed `setup`), in seconds."""
    times = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def scaffold(*args: str, cwd: Path, cache: Path) -> None:
    run([PY, "-m", "scaffold", *args], cwd, {**ENV, "SCAFFOLD_CACHE_DIR": str(cache)})


def new_project(parent: Path, name: str, n: int, cache: Path, family: str = "thing") -> Path:
    root = parent / name
    scaffold("init", str(root), "--package", "benchapp", "--defaults", cwd=parent, cache=cache)
    for i in range(n):
        (root / "specs" / f"{entity_name(family, i)}.yaml").write_text(entity_spec(family, i))
    return root


def python_outputs(root: Path) -> list[Path]:
    """Every Python file `scaffold generate` wrote (entity modules, tests, the migration)."""
    files = sorted((root / "src" / "benchapp" / "entities").rglob("*.py"))
    files += sorted((root / "tests" / "entities").rglob("*.py"))
    files += sorted((root / "migrations" / "versions").glob("*.py"))
    return files


def black_alone(files: list[Path]) -> float:
    """Seconds black alone takes to format `files` (in-process, one core, as scaffold did)."""
    import black
    from black.mode import TargetVersion

    mode = black.Mode(line_length=100, target_versions={TargetVersion.PY311})
    texts = [p.read_text() for p in files]
    start = time.perf_counter()
    for text in texts:
        black.format_str(text, mode=mode)
    return time.perf_counter() - start


FAMILY_LABEL = {
    "thing": "",
    "wide": ", second family (decimal bounds and defaults, enums, patterns, long names, 3 refs)",
}


def generation_rows(base: Path, quick: bool, drizzle_s: float | None) -> list[Row]:
    repeat = 3 if quick else 5
    rows: list[Row] = Rows()
    help_t = timed(lambda: run([PY, "-m", "scaffold", "--help"], REPO), repeat * 3)
    typer_t = timed(lambda: run([PY, "-c", "import typer"], REPO), repeat * 3)
    rows.append(
        (
            "`scaffold --help`",
            f"{help_t * 1000:.0f} ms",
            f"`python -c 'import typer'` {typer_t * 1000:.0f} ms",
            f"{help_t / typer_t:.2f}\u00d7",
            "\u2264 1.2\u00d7",
        )
    )
    scale: dict[int, float] = {}
    for family in FAMILIES:
        sizes = ((10, 100) if quick else (10, 100, 500)) if family == "thing" else (100,)
        for n in sizes:
            t = cold_rows(rows, base / family, family, n, repeat, help_t)
            if family == "thing":
                scale[n] = t
        one_field_row(rows, base / family, family, repeat, drizzle_s)
    per10 = scale[10] / 10
    for n, t in scale.items():
        rows.append(
            (
                f"cold `scaffold generate`, {n} entities",
                f"{t:.2f} s",
                f"per entity {t / n * 1000:.0f} ms",
                f"{(t / n) / per10:.2f}\u00d7 per-entity cost at 10",
                "linear (\u2264 ~1\u00d7)",
            )
        )
    return rows


def cold_rows(rows: Rows, base: Path, family: str, n: int, repeat: int, help_t: float) -> float:
    """Cold generation of `n` entities of `family` (and, at 100, the rows against black alone and
    the no-op run). Cold: the project as `init` left it with the specs, and an empty scaffold
    cache (formatted modules, compiled templates, plurals: all of it lives in the folder
    `SCAFFOLD_CACHE_DIR` names, removed before each run)."""
    base.mkdir(parents=True, exist_ok=True)
    root = new_project(base, f"p{n}", n, base / "init-cache", family)
    pristine = base / f"pristine{n}"
    shutil.copytree(root, pristine)
    cache = base / f"cache{n}"

    def reset() -> None:
        shutil.rmtree(root)
        shutil.copytree(pristine, root)
        shutil.rmtree(cache, ignore_errors=True)  # cold: nothing formatted before
        assert not cache.exists()

    def cold() -> None:
        scaffold("generate", cwd=root, cache=cache)

    t = timed(cold, 1 if n == 500 else repeat, reset)
    assert (cache / "format").is_dir(), "the cold run did not use the cache folder it was given"
    if n == 100:
        black_t = black_alone(python_outputs(root))
        files = len(python_outputs(root))
        rows.append(
            (
                f"cold `scaffold generate`, 100 entities ({files} Python files + migration)"
                f"{FAMILY_LABEL[family]}",
                f"{t:.2f} s",
                f"black alone on that output {black_t:.2f} s",
                f"{t / black_t:.2f}\u00d7",
                "\u2264 0.1\u00d7",
            )
        )
        noop = timed(cold, repeat)
        rows.append(
            (
                f"no-op `scaffold generate`, 100 entities{FAMILY_LABEL[family]}",
                f"{noop:.2f} s",
                f"`scaffold --help` {help_t * 1000:.0f} ms",
                f"{noop / help_t:.1f}\u00d7",
                "\u2264 2\u00d7",
            )
        )
    return t


def one_field_row(
    rows: Rows, base: Path, family: str, repeat: int, drizzle_s: float | None
) -> None:
    """One added field in a 50-entity project of `family` (modules + migration), warm cache."""
    root = new_project(base, "p50", 50, base / "init-cache", family)
    cache50 = base / "cache50"
    scaffold("generate", cwd=root, cache=cache50)
    spec = root / "specs" / f"{entity_name(family, 7)}.yaml"
    original = spec.read_text()
    counter = iter(range(1000))

    def add_field() -> None:
        k = next(counter)
        fields = "".join(f"  note{j}: string(40)?\n" for j in range(k + 1))
        spec.write_text(original.replace("fields:\n", "fields:\n" + fields))

    change = timed(lambda: scaffold("generate", cwd=root, cache=cache50), repeat, add_field)
    versions = sorted((root / "migrations" / "versions").glob("*.py"))
    assert f"note{repeat - 1}" in versions[-1].read_text(), versions  # each run wrote its own
    ref = drizzle_s if drizzle_s is not None else 0.4
    ref_name = (
        f"`drizzle-kit generate`, 50 tables {ref:.2f} s"
        if drizzle_s is not None
        else "drizzle-kit 0.4 s (issue's figure; npm unavailable)"
    )
    rows.append(
        (
            f"one added field, 50 entities (modules + migration){FAMILY_LABEL[family]}",
            f"{change:.2f} s",
            ref_name,
            f"{change / ref:.2f}\u00d7",
            "\u2264 0.5\u00d7",
        )
    )


def data_layer_rows(base: Path, rows_n: int, quick: bool) -> tuple[list[Row], dict[str, object]]:
    import pgserver
    import sqlalchemy as sa

    cache = base / "cache-dl"
    root = base / "dl"
    scaffold("init", str(root), "--package", "benchapp", "--defaults", cwd=base, cache=cache)
    (root / "specs" / "item.yaml").write_text(ITEM_SPEC)
    (root / "specs" / "reading.yaml").write_text(READING_SPEC)
    for name, text in LINK_SPECS.items():
        (root / "specs" / f"{name}.yaml").write_text(text)
    scaffold("generate", cwd=root, cache=cache)
    server = pgserver.get_server(str(base / "pg"), cleanup_mode="stop")
    try:
        uri = server.get_uri()
        admin = sa.create_engine(
            "postgresql+psycopg2://" + uri.split("://", 1)[1], isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(sa.text("DROP DATABASE IF EXISTS bench"))
            conn.execute(sa.text("CREATE DATABASE bench"))
        admin.dispose()
        url = sa.engine.make_url(uri).set(database="bench").render_as_string(hide_password=False)
        env = {
            **ENV,
            "PYTHONPATH": str(root / "src"),
            "APP_ENV": "test",
            "APP_SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
            # the benchmark is one actor sending thousands of requests a minute
            "APP_RATE_LIMIT": "off",
        }
        args = [PY, str(REPO / "bench" / "datalayer.py"), url, "benchapp", "--rows", str(rows_n)]
        out = run([*args, *(["--quick"] if quick else [])], root, env)
        args = [PY, str(REPO / "bench" / "stats.py"), url, "benchapp", "--rows", str(rows_n)]
        stats_out = run([*args, *(["--quick"] if quick else [])], root, env)
        args = [PY, str(REPO / "bench" / "routes_http.py"), url, "benchapp"]
        http_out = run([*args, *(["--quick"] if quick else [])], root, env)
    finally:
        server.cleanup()
    result = json.loads(out.strip().splitlines()[-1])
    result["stats"] = json.loads(stats_out.strip().splitlines()[-1])
    result["http"] = json.loads(http_out.strip().splitlines()[-1])
    rows: list[Row] = Rows()
    for op, t in result["per_call"].items():
        ref = t["raw_tx"]
        bare = (
            f"; bare {t['raw_bare']:.0f} \u00b5s \u2192 {t['generated'] / t['raw_bare']:.1f}\u00d7"
            if "raw_bare" in t
            else ""
        )
        rows.append(
            (
                f"data layer `{op}`: the action as a route runs it (PostgreSQL, per call)",
                f"{t['generated']:.0f} \u00b5s",
                f"raw asyncpg, {REFERENCES.get(op, 'the one statement it sent')}, in a "
                f"transaction {ref:.0f} \u00b5s{bare}",
                f"{t['generated'] / ref:.2f}\u00d7",
                "\u2264 1.3\u00d7",
            )
        )
    get = result["per_call"]["get"]
    if "query_alone" in get:
        ref = get["variants_raw_tx"]
        rows.append(
            (
                "data layer `get`, variants (not generated as such)",
                f"the query function alone on a new session, committed {get['query_alone']:.0f} "
                f"\u00b5s; on one session kept {get['query_one_session']:.0f} \u00b5s",
                f"raw asyncpg, same SQL in a transaction {ref:.0f} \u00b5s",
                f"{get['query_alone'] / ref:.2f}\u00d7; {get['query_one_session'] / ref:.2f}\u00d7",
                "(diagnosis)",
            )
        )
    depth = result["depth"]
    first = depth["0"]["keyset"]
    for at, t in depth.items():
        rows.append(
            (
                f"page of 20 at depth {int(at):,} of {result['rows']:,} rows",
                f"keyset {t['keyset'] * 1e-3:.2f} ms",
                f"OFFSET {t['offset'] * 1e-3:.2f} ms",
                f"{t['keyset'] / first:.2f}\u00d7 page 1 (OFFSET {t['offset'] / first:.1f}\u00d7)",
                "\u2264 1.5\u00d7 page 1 at 10,000",
            )
        )
    scans = {name: " \u2192 ".join(nodes) for name, nodes in result["plans"].items()}
    no_seq = all("Seq Scan" not in s for s in scans.values())
    rows.append(
        (
            "EXPLAIN of every generated list query",
            "; ".join(f"{k}: {v}" for k, v in scans.items()),
            "",
            "index scan" if no_seq else "SEQ SCAN",
            "index scan",
        )
    )
    rows += stats_rows(result["stats"])
    rows += http_rows(result["http"])
    return rows, result


def http_rows(result: dict[str, dict[str, float]]) -> list[Row]:
    """Rows of bench/routes_http.py: the generated route next to a hand-written one, over HTTP."""
    rows: list[Row] = Rows()
    for op, route in (("get", "GET /items/{id}"), ("patch", "PATCH /items/{id}")):
        t = result[op]
        rows.append(
            (
                f"`{route}` over HTTP (uvicorn, PostgreSQL, per request)",
                f"{t['generated']:.0f} \u00b5s",
                f"a minimal hand-written FastAPI route, one scoped asyncpg statement, same "
                f"server and client {t['hand']:.0f} \u00b5s",
                f"{t['generated'] / t['hand']:.2f}\u00d7",
                "\u2264 1.5\u00d7",
            )
        )
    return rows


def stats_rows(result: dict[str, Any]) -> list[Row]:
    """The statistics rows (bench/stats.py): one statistic over N rows against the same
    aggregate written by hand on raw asyncpg; a cached answer against a `get`, over HTTP."""
    rows: list[Row] = Rows()
    for tz, t in result["statistic"].items():
        rows.append(
            (
                f"statistic `per_day` over {result['rows']:,} rows, tz {tz} (PostgreSQL, uncached)",
                f"{t['generated'] / 1e3:.1f} ms",
                f"hand-written SQL on raw asyncpg {t['hand'] / 1e3:.1f} ms",
                f"{t['generated'] / t['hand']:.2f}\u00d7",
                "\u2264 2\u00d7",
            )
        )
    for where, t in result["http"].items():
        rows.append(
            (
                f"cached statistic over HTTP (cache in {where})",
                f"{t['cached']:.0f} \u00b5s",
                f"`GET /readings/{{id}}` on the same app {t['get']:.0f} \u00b5s",
                f"{t['cached'] / t['get']:.2f}\u00d7",
                "\u2264 1.5\u00d7",
            )
        )
    return rows


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    load = ""
    if hasattr(os, "getloadavg"):
        load = f", load average {os.getloadavg()[0]:.1f} at the start"
    return (
        f"{cpu}, {os.cpu_count()} cores{mem}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}{load}"
    )


# the rows `--only generation` measures (the generated suite is measured with them)
GENERATION_ROWS = (
    "`scaffold --help`",
    "cold `scaffold",
    "no-op `scaffold",
    "one added field",
    "generated suite",
)


def previous_rows(out: Path) -> list[str]:
    """The table rows of `out` (an earlier run)."""
    if not out.is_file():
        return []
    lines = out.read_text(encoding="utf-8").split("\n\n")
    table = next((block for block in lines if block.startswith("| measure |")), "")
    return [line for line in table.splitlines()[2:] if line.startswith("| ")]


def kept_rows(out: Path) -> list[str]:
    """The table rows of `out` (an earlier run) that are not generation rows."""
    return [line for line in previous_rows(out) if not line[2:].startswith(GENERATION_ROWS)]


def kept_generation_rows(out: Path) -> list[str]:
    """The generation rows of `out` (an earlier run)."""
    return [line for line in previous_rows(out) if line[2:].startswith(GENERATION_ROWS)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no 500-entity row")
    parser.add_argument("--skip-drizzle", action="store_true")
    parser.add_argument("--skip-data-layer", action="store_true")
    parser.add_argument(
        "--only",
        choices=["generation", "data-layer"],
        help="only these rows (generation: start-up, cold, no-op, one field; no data layer; "
        "data-layer: the data-layer, depth, plan, statistics and HTTP rows), the others kept",
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows for the depth rows")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    opts = parser.parse_args()
    described = machine()
    # scaffold's bytecode, as an installed wheel has it (PYTHONDONTWRITEBYTECODE may be set, and
    # an editable install is compiled only when first imported)
    run([PY, "-m", "compileall", "-q", str(REPO / "src" / "scaffold")], REPO)
    drizzle_s = None
    if not opts.skip_drizzle and opts.only != "data-layer":
        from drizzle import measure

        drizzle_s = measure(50, 3 if opts.quick else 5)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="scaffold-bench-") as tmp:
        if opts.only != "data-layer":
            rows += generation_rows(Path(tmp), opts.quick, drizzle_s)
        if not (opts.skip_data_layer or opts.only == "generation"):
            dl_rows, _ = data_layer_rows(Path(tmp), opts.rows, opts.quick)
            rows += dl_rows
        if opts.only != "data-layer":
            from suite import suite_rows  # issue 17: the generated project's own suite

            rows += suite_rows(Path(tmp), opts.quick)
    table = [
        "| measure | scaffold | reference (same run) | ratio | target |",
        "|---|---|---|---|---|",
    ]
    if opts.only == "data-layer":
        table += kept_generation_rows(opts.out)
        described += (
            "; the generation rows are kept from the previous run (`--only data-layer` measured "
            "the data-layer, statistics and HTTP rows alone"
            + (", `--quick`" if opts.quick else "")
            + (f", {opts.rows:,} rows" if opts.rows != 1_000_000 else "")
            + ")"
        )
    table += [f"| {' | '.join(r)} |" for r in rows]
    kept = kept_rows(opts.out) if opts.only == "generation" else []
    if kept:
        described += (
            "; the rows after the generation rows are kept from the previous full run "
            "(`--only generation` measured the generation rows alone)"
        )
    table += kept
    text = "\n".join(table)
    print(text)
    notes = (
        (REPO / "bench" / "NOTES.md").read_text() if (REPO / "bench" / "NOTES.md").exists() else ""
    )
    opts.out.write_text(
        "# Benchmarks\n\n"
        "Measured by `python bench/run.py` (see bench/run.py for what each row does) on: "
        f"{described}. Medians of repeated runs; every ratio is against a reference measured in "
        "the same run.\n\n" + text + "\n" + ("\n" + notes if notes else "")
    )


if __name__ == "__main__":
    main()
