"""Migration linting: the PostgreSQL SQL of every generated revision (`alembic upgrade --sql`,
offline) goes through squawk with an explained allow-list (docs/reliability.md), and no
constraint or index anywhere is left unnamed: every one carries a name from the convention.

Revisions linted: those of the example specs (specs/), and one more made by an evolution of them
(added columns with defaults, checks, a unique set, indexes, a partial index, a self-ref FK, a
column rename, versioning turned on) — the changes where lock-related rules apply.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .figures import bump, record
from .project import must, run, scaffold_cmd

SQUAWK = shutil.which("squawk") or str(Path(sys.executable).with_name("squawk"))
OFFLINE_URL = "postgresql+asyncpg://lint:lint@localhost:5432/lint"

# rule → why scaffold's migrations deliberately break it (docs/reliability.md explains each)
ALLOWED = {
    "prefer-text-field": "string(n) is VARCHAR(n) by design (DESIGN §2); a CHECK enforces n too",
    "prefer-bigint-over-int": "`int` is a 32-bit INTEGER by design; specs say `bigint` for more",
    "require-lock-timeout": "timeouts are deployment settings, not part of a generated revision",
    "require-statement-timeout": "same: set them for the migration role or in env.py",
    "renaming-column": "renames come only from an explicit `renamed_from:` in the spec",
    "constraint-missing-not-valid": "revisions are transactional and all-or-nothing, on SQLite too",
    "adding-foreign-key-constraint": "same: NOT VALID + VALIDATE is a hand-written revision",
    "disallowed-unique-constraint": "same: building the index CONCURRENTLY needs no transaction",
    "require-concurrent-index-creation": "CREATE INDEX CONCURRENTLY cannot run in a transaction",
}
KIND_PREFIX = {"PRIMARY KEY": "pk_", "UNIQUE": "uq_", "CHECK": "ck_", "FOREIGN KEY": "fk_"}
NAME = r"(?:\"[^\"]+\"|[A-Za-z_][A-Za-z0-9_]*)"


def evolve(root: Path) -> None:
    """Spec changes of every kind a lock rule cares about (mirrors a real product's next step)."""
    task = root / "specs/task.yaml"
    text = task.read_text().replace(
        "fields:\n",
        "fields:\n  priority: {type: int, default: 0, min: 0, max: 5}\n  notes: text?\n"
        "  owner_email: {type: email, required: false, index: true}\n",
        1,
    )
    task.write_text(text + "indexes:\n  - [priority, due]\nunique:\n  - [title, due]\n")
    comment = root / "specs/comment.yaml"
    text = comment.read_text().replace(
        "  task: {type: ref, to: task, on_delete: cascade}\n",
        "  task: {type: ref, to: task, on_delete: cascade}\n"
        "  reply_to: {type: ref, to: comment, required: false, on_delete: set_null}\n"
        "  status: {type: enum, values: [open, resolved], default: open}\n",
    )
    text = text.replace(
        "  - [task, created_at]\n",
        "  - [task, created_at]\n  - {fields: [status], where: {status: open}}\n",
    )
    comment.write_text(text)
    chat = root / "specs/chat.yaml"
    text = chat.read_text().replace("  title: text", "  subject: {type: text, renamed_from: title}")
    chat.write_text(text.replace("visibility: per_row", "visibility: per_row\nversioned: true"))


def revisions(root: Path) -> list[str]:
    return sorted(p.name.split("_", 1)[0] for p in (root / "migrations/versions").glob("*.py"))


def offline_sql(root: Path, span: str, *, down: bool = False) -> str:
    out = run(
        [sys.executable, "-m", "alembic", "downgrade" if down else "upgrade", span, "--sql"],
        root,
        DATABASE_URL=OFFLINE_URL,
    )
    assert out.returncode == 0, out.stderr[-4000:]
    assert "BEGIN;" in out.stdout and "COMMIT;" in out.stdout, out.stdout[-2000:]
    return out.stdout


def unnamed_objects(sql: str) -> list[str]:
    """Every constraint or index in `sql` that has no name, or a name off the convention."""
    problems: list[str] = []
    code = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    code = re.sub(r"'(?:[^']|'')*'", "''", code)  # string literals cannot hide keywords
    for match in re.finditer(r"\b(PRIMARY KEY|UNIQUE|CHECK|FOREIGN KEY|REFERENCES)\b", code):
        kind = match.group(1)
        before = code[: match.start()]
        after = code[match.end() :]
        if kind == "UNIQUE" and re.match(r"\s+INDEX\b", after):
            continue  # CREATE UNIQUE INDEX <name>: checked below
        if kind == "REFERENCES" and re.search(r"FOREIGN KEY\s*\([^()]*\)\s*$", before):
            continue  # the target of a named FOREIGN KEY
        named = re.search(rf"CONSTRAINT\s+({NAME})\s+$", before)
        line = code[: match.start()].count("\n") + 1
        if named is None:
            problems.append(f"line {line}: unnamed {kind}")
            continue
        name = named.group(1).strip('"')
        if name != "alembic_version_pkc" and not name.startswith(KIND_PREFIX.get(kind, "?")):
            problems.append(f"line {line}: {kind} named {name!r}, not by the convention")
    for match in re.finditer(r"CREATE\s+(UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(\S+)", code):
        name = match.group(2).strip('"')
        if name.upper() in ("ON", "IF"):
            problems.append(f"unnamed index: {match.group(0)}")
        elif not name.startswith(("ix_", "uq_")):
            problems.append(f"index named {name!r}, not by the convention")
    return problems


def squawk(path: Path) -> list[dict[str, object]]:
    out = subprocess.run(
        [SQUAWK, "--reporter", "json", str(path)], capture_output=True, text=True, timeout=120
    )
    assert out.returncode in (0, 1), out.stderr
    found: list[dict[str, object]] = json.loads(out.stdout or "[]")
    return found


@pytest.fixture(scope="module")
def lint_project(example_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lint") / "project"
    shutil.copytree(
        example_project, root, ignore=shutil.ignore_patterns("*.db", "*.log", "__pycache__")
    )
    first = revisions(root)
    evolve(root)
    must(scaffold_cmd(root, "generate"))
    assert len(revisions(root)) == len(first) + 1
    return root


def test_every_revision_passes_squawk_with_the_explained_allow_list(
    lint_project: Path, tmp_path: Path
) -> None:
    revs = revisions(lint_project)
    seen: dict[str, int] = {}
    for i, rev in enumerate(revs):
        span = f"{revs[i - 1]}:{rev}" if i else rev
        sql = offline_sql(lint_project, span)
        path = tmp_path / f"{rev}.sql"
        path.write_text(sql)
        for violation in squawk(path):
            rule = str(violation["rule_name"])
            assert rule in ALLOWED, (
                f"revision {rev}: squawk {rule} at line {violation['line']}: "
                f"{violation['message']}\n{sql}"
            )
            seen[rule] = seen.get(rule, 0) + 1
        bump("revisions linted by squawk (PostgreSQL SQL, offline)")
    record("squawk findings, all allow-listed", dict(sorted(seen.items())) or "none")


def test_no_unnamed_constraint_or_index_in_upgrade_or_downgrade(lint_project: Path) -> None:
    up = offline_sql(lint_project, "head")
    down = offline_sql(lint_project, "head:base", down=True)
    assert unnamed_objects(up) == [], up
    assert unnamed_objects(down) == [], down
    count = len(re.findall(r"\bCONSTRAINT\s", up)) + len(
        re.findall(r"CREATE (?:UNIQUE )?INDEX", up)
    )
    record("named constraints + indexes checked in the upgrade SQL", count)


def test_the_unnamed_check_catches_unnamed_objects() -> None:
    sql = (
        "CREATE TABLE t (\n id UUID NOT NULL,\n email VARCHAR(5) UNIQUE,\n"
        " CONSTRAINT pk_t PRIMARY KEY (id),\n CHECK (length(email) > 1),\n"
        " FOREIGN KEY(id) REFERENCES u (id)\n);\nCREATE INDEX ON t (email);\n"
        "CREATE INDEX t_email_idx ON t (email);\n"
    )
    problems = unnamed_objects(sql)
    assert len(problems) == 5, problems
