"""drizzle-kit reference: `drizzle-kit generate` after one added column in a 50-table schema.

    python bench/drizzle.py [--tables 50] [--repeat 5]

Installs `drizzle-kit` and `drizzle-orm` from npm into a temporary folder (needs `npm`), writes a
PostgreSQL schema of N tables shaped like bench/run.py's entities (a dozen columns, a ref to the
previous table, the keyset index), runs `drizzle-kit generate` once for the baseline, then times
`drizzle-kit generate` after adding one column to one table (median of `--repeat` runs; each run
adds a new column). Prints the median in seconds as JSON; `None` when npm is missing or fails.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

CONFIG = """import { defineConfig } from "drizzle-kit";
export default defineConfig({ dialect: "postgresql", schema: "./schema.ts", out: "./drizzle" });
"""


def table(i: int, extra: list[str]) -> str:
    cols = [
        'id: uuid("id").primaryKey().defaultRandom()',
        'userId: uuid("user_id").notNull()',
        'title: varchar("title", { length: 120 }).notNull()',
        'body: text("body")',
        'amount: integer("amount").notNull().default(0)',
        'price: numeric("price", { precision: 10, scale: 2 })',
        'status: varchar("status", { length: 8 }).notNull().default("draft")',
        'flag: boolean("flag").notNull().default(false)',
        'due: date("due")',
        'seenAt: timestamp("seen_at", { withTimezone: true })',
        'contact: varchar("contact", { length: 320 })',
        'site: varchar("site", { length: 2048 })',
        'extra: jsonb("extra")',
        'createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow()',
        'updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow()',
    ]
    if i > 0:
        cols.append(
            f'parentId: uuid("parent_id").references(() => thing{i - 1}s.id, '
            '{ onDelete: "set null" })'
        )
    cols += extra
    body = ",\n  ".join(cols)
    return (
        f'export const thing{i}s = pgTable("thing{i}s", {{\n  {body}\n}}, (t) => [\n'
        f'  index("ix_thing{i}s_user_id_created_at_id").on(t.userId, t.createdAt, t.id),\n'
        f'  index("ix_thing{i}s_parent_id").on(t.{"parentId" if i else "userId"}),\n'
        "]);\n"
    )


def schema(n: int, extra_on: int, extra: list[str]) -> str:
    head = (
        "import { pgTable, uuid, varchar, text, integer, numeric, boolean, date, timestamp, "
        'jsonb, index } from "drizzle-orm/pg-core";\n\n'
    )
    return head + "\n".join(table(i, extra if i == extra_on else []) for i in range(n))


def measure(tables: int, repeat: int) -> float | None:
    npm = shutil.which("npm")
    if npm is None:
        return None
    with tempfile.TemporaryDirectory(prefix="drizzle-bench-") as tmp:
        root = Path(tmp)
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--silent", "drizzle-kit", "drizzle-orm"],
            cwd=root,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            return None
        kit = root / "node_modules" / ".bin" / "drizzle-kit"
        (root / "drizzle.config.ts").write_text(CONFIG)
        (root / "schema.ts").write_text(schema(tables, 7, []))

        def generate() -> None:
            out = subprocess.run([str(kit), "generate"], cwd=root, capture_output=True, text=True)
            if out.returncode != 0:
                raise RuntimeError(out.stdout + out.stderr)

        generate()
        times = []
        extra: list[str] = []
        for k in range(repeat):
            extra.append(f'note{k}: varchar("note{k}", {{ length: 40 }})')
            (root / "schema.ts").write_text(schema(tables, 7, extra))
            start = time.perf_counter()
            generate()
            times.append(time.perf_counter() - start)
        migrations = sorted((root / "drizzle").glob("*.sql"))
        assert len(migrations) == repeat + 1, migrations
        assert "note0" in migrations[1].read_text()
        return statistics.median(times)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--tables", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    opts = parser.parse_args()
    print(json.dumps({"drizzle_kit_generate_s": measure(opts.tables, opts.repeat)}))
