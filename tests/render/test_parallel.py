"""Finishing many modules over forked workers (render/parallel.py) gives what one process gives,
in order, and a module that does not parse is reported with its location, as in one process."""

from __future__ import annotations

import os

import pytest

from scaffold.render.errors import RenderError
from scaffold.render.parallel import MIN_PARALLEL, parallel_map
from scaffold.render.project import _compiled, _organized

MODULE = '''"""Module {i}."""

import os
from decimal import Decimal
import sys

from app.core import thing{i}


def f{i}() -> Decimal:
    return Decimal(os.sep == "/" and {i}) + thing{i}
'''


def _batch(n: int) -> list[tuple[str, str, str]]:
    return [(f"src/app/m{i}.py", MODULE.format(i=i), "app") for i in range(n)]


def test_a_large_batch_runs_in_worker_processes_and_equals_the_serial_result() -> None:
    items = _batch(MIN_PARALLEL * 3)
    serial = [_organized(item) for item in items]
    assert "import sys" not in serial[0]  # pruned: the step did its work
    assert parallel_map(_organized, items) == serial
    compiled = parallel_map(_compiled, [(p, t) for (p, _, _), t in zip(items, serial, strict=True)])
    assert compiled == [None] * len(items)
    pids = parallel_map(_pid, list(range(len(items))))
    if len(os.sched_getaffinity(0)) >= 2:
        assert os.getpid() not in pids  # the work really ran elsewhere
    else:  # pragma: no cover - one core: in this process
        assert set(pids) == {os.getpid()}


def test_a_small_batch_runs_in_this_process() -> None:
    assert parallel_map(_pid, [1, 2, 3]) == [os.getpid()] * 3


@pytest.mark.parametrize("n", [3, MIN_PARALLEL * 2])
def test_a_module_that_does_not_parse_is_reported_with_its_location(n: int) -> None:
    items = _batch(n)
    items[n // 2] = ("src/app/broken.py", "import os\n\ndef f(:\n    pass\n", "app")
    items[n - 1] = ("src/app/later.py", "def g(:\n", "app")  # a later error is not the one told
    with pytest.raises(RenderError) as info:
        parallel_map(_organized, items)
    assert str(info.value).startswith("src/app/broken.py:3:")
    assert "does not parse" in str(info.value)


def _pid(_: object) -> int:
    return os.getpid()


_PARENT = os.getpid()


def _dies_in_a_worker(item: int) -> int:
    if os.getpid() != _PARENT:
        os._exit(1)  # a worker killed mid-batch (out of memory, a signal)
    return item


def test_a_worker_that_dies_fails_the_batch_instead_of_hanging_it() -> None:
    from concurrent.futures.process import BrokenProcessPool

    items = list(range(MIN_PARALLEL * 2))
    if len(os.sched_getaffinity(0)) >= 2:
        with pytest.raises(BrokenProcessPool):
            parallel_map(_dies_in_a_worker, items)
    else:  # pragma: no cover - one core: in this process, where nothing dies
        assert parallel_map(_dies_in_a_worker, items) == items
