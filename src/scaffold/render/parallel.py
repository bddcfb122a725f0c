"""The CPU-bound steps of finishing many modules (import sorting, the strict compile), spread
over the machine's cores.

A cold run finishes hundreds of modules, each step pure Python work on one text, so a few forked
worker processes do it side by side; the results come back in order, and a worker's error
(`RenderError`, `SyntaxError`) is raised in the caller as if the step had run there. Small
batches (a one-field change finishes four modules), one core, or a platform without `fork`
run in the process itself: the same functions, in order.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# below this many modules the fork costs more than it saves
MIN_PARALLEL = 40


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def parallel_map(fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """`[fn(item) for item in items]`, over forked processes, one a core, when the batch is large
    and there are cores for it, else in this process. `fn` must be a module-level function (it is
    sent by name) and must not touch the disk or scaffold's caches. The chunks are collected in
    order, so the first error in order is the one raised."""
    cores = min(_cores(), 4)
    if len(items) < MIN_PARALLEL or cores < 2 or not sys.platform.startswith("linux"):
        return _serial(fn, items)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    size = max(1, len(items) // (cores * 4))
    # a worker that dies (killed, out of memory) fails the batch (BrokenProcessPool), not hangs it
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=cores, mp_context=context) as pool:
        parts = [
            pool.submit(_serial, fn, list(items[start : start + size]))
            for start in range(0, len(items), size)
        ]
        out: list[R] = []
        for part in parts:
            out += part.result()
    return out


def _serial(fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
    return [fn(item) for item in items]
