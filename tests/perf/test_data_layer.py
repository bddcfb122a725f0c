"""What makes the generated data layer fast, checked (not timed) on bootstrapped projects.

- `get`, `update` and `delete` are one statement each: one round trip, no check-then-write (the
  statements are counted with SQLAlchemy's `before_cursor_execute`), on SQLite and PostgreSQL;
- every statement `list_page` sends (first page, after a cursor, with each filter) can be served
  by an index on PostgreSQL: its plan under `SET enable_seqscan = off` holds no sequential scan
  (a sequential scan survives that setting only when no index can serve the query).

The project's code runs in a child process (tests/perf/probe.py) with the project's `src/` on the
path, as it would in production.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # `pytest` (not `python -m pytest`) leaves the repo root off the path
    sys.path.insert(0, str(REPO))

from tests.conftest import async_url  # noqa: E402
from tests.e2e_entities.projects import (  # noqa: E402
    COVERAGE_SPECS,
    EXAMPLE_SPECS,
    PACKAGE,
    bootstrap,
    project_env,
)

pytestmark = pytest.mark.slow

PROBE = Path(__file__).with_name("probe.py")
SPEC_SETS = {"examples": EXAMPLE_SPECS, "coverage": COVERAGE_SPECS}
# list queries no index can serve yet (reported with a proposed fix); once fixed they must pass
KNOWN_SEQ_SCANS: dict[tuple[str, str], str] = {
    ("examples", "chats"): "visibility: per_row reads `user_id = me OR visibility = 'public'`; "
    "no index serves the public branch (docs/benchmarks.md, proposed IR index)",
    ("coverage", "projects"): "visibility: public lists every user's rows by (created_at, id) "
    "but the keyset index leads with user_id (docs/benchmarks.md, proposed IR index)",
}


@cache
def project(spec_set: str, folder: str) -> Path:
    dest = Path(folder) / spec_set
    bootstrap(dest, SPEC_SETS[spec_set])
    return dest


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("perf-projects")
    return {name: project(name, str(folder)) for name in SPEC_SETS}


def probe(dest: Path, url: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, str(PROBE), url, PACKAGE],
        cwd=dest,
        env=project_env(dest),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-4000:]
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def assert_one_statement_each(counts: dict[str, dict[str, int]]) -> None:
    assert counts, "no entity was probed"
    wrong = {
        f"{entity}.{op}": n for entity, ops in counts.items() for op, n in ops.items() if n != 1
    }
    assert not wrong, f"more than one statement (round trip) per call: {wrong}"


@pytest.mark.parametrize("spec_set", sorted(SPEC_SETS))
def test_get_update_delete_are_one_statement_on_sqlite(
    projects: dict[str, Path], spec_set: str, tmp_path: Path
) -> None:
    result = probe(projects[spec_set], f"sqlite+aiosqlite:///{tmp_path / 'probe.db'}")
    assert_one_statement_each(result["counts"])


@pytest.fixture(scope="module")
def postgres_results(
    projects: dict[str, Path], postgres_server_url: str
) -> dict[str, dict[str, Any]]:
    """One probe per spec set on PostgreSQL (a fresh database each)."""
    import uuid

    import sqlalchemy as sa

    from tests.conftest import _sync_url

    admin = sa.create_engine(_sync_url(postgres_server_url), isolation_level="AUTOCOMMIT")
    results: dict[str, dict[str, Any]] = {}
    base = sa.engine.make_url(async_url(postgres_server_url))
    try:
        for name, dest in projects.items():
            db = "perf_" + uuid.uuid4().hex[:12]
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{db}"'))
            try:
                url = base.set(database=db).render_as_string(hide_password=False)
                results[name] = probe(dest, url)
            finally:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
    finally:
        admin.dispose()
    return results


@pytest.mark.postgres
@pytest.mark.parametrize("spec_set", sorted(SPEC_SETS))
def test_get_update_delete_are_one_statement_on_postgres(
    postgres_results: dict[str, dict[str, Any]], spec_set: str
) -> None:
    assert_one_statement_each(postgres_results[spec_set]["counts"])


@pytest.mark.postgres
@pytest.mark.parametrize("spec_set", sorted(SPEC_SETS))
def test_every_list_query_can_use_an_index(
    postgres_results: dict[str, dict[str, Any]], spec_set: str
) -> None:
    plans: dict[str, list[list[str]]] = postgres_results[spec_set]["plans"]
    assert plans, "no list query was explained"
    seq_scans = {
        entity: [node for plan in entity_plans for node in plan if node.startswith("Seq Scan")]
        for entity, entity_plans in plans.items()
    }
    for entity, entity_plans in plans.items():
        assert entity_plans, f"{entity}: list_page sent no statement"
        assert any("Index" in node for plan in entity_plans for node in plan), entity
    unexpected = {e: s for e, s in seq_scans.items() if s and (spec_set, e) not in KNOWN_SEQ_SCANS}
    assert not unexpected, f"list queries no index can serve: {unexpected}"
    still_known = [e for e in plans if (spec_set, e) in KNOWN_SEQ_SCANS and seq_scans[e]]
    if still_known:
        pytest.xfail(f"known: {[KNOWN_SEQ_SCANS[(spec_set, e)] for e in still_known]}")
