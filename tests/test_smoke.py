"""The package imports and the CLI answers without a traceback."""

import subprocess
import sys

import sqlalchemy as sa


def test_version_prints() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "scaffold", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("scaffold ")


def test_postgres_fixture_gives_a_fresh_database(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        assert (
            conn.execute(
                sa.text("select count(*) from pg_tables where schemaname='public'")
            ).scalar()
            == 0
        )
    engine.dispose()
