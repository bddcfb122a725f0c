"""The half of the random-spec gate that also runs on PostgreSQL (every other batch: see
test_random_gate.py, which holds the gate and its other half). A file of its own so that
pytest-xdist, which gives each worker whole files, runs the two halves side by side."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_random_gate import Batch, batch_id, plan, run_batch

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("batch", [b for b in plan() if b.postgres], ids=batch_id)
def test_random_spec_sets_baked_and_run_on_postgresql_too(
    batch: Batch, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    run_batch(batch, tmp_path, request)
