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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

T = TypeVar("T")
R = TypeVar("R")

# below this many modules the fork costs more than it saves
MIN_PARALLEL = 40


class Mapper(Protocol):
    def __call__(self, fn: Callable[[T], R], items: Sequence[T], /) -> list[R]: ...


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


@contextmanager
def workers(count: int) -> Iterator[Mapper]:
    """A `map(fn, items) -> list` for a batch of `count` modules: over forked processes when the
    batch is large and there are cores for it, else in this process. `fn` must be a module-level
    function (it is sent by name) and must not touch the disk or scaffold's caches."""
    cores = min(_cores(), 4)
    if count < MIN_PARALLEL or cores < 2 or not sys.platform.startswith("linux"):
        yield _serial
        return
    import multiprocessing

    pool = multiprocessing.get_context("fork").Pool(cores)
    try:
        yield _over(pool, cores)
    finally:
        pool.terminate()
        pool.join()


def _serial(fn: Callable[[T], R], items: Sequence[T], /) -> list[R]:
    return [fn(item) for item in items]


def _over(pool: Pool, cores: int) -> Mapper:
    def run(fn: Callable[[T], R], items: Sequence[T], /) -> list[R]:
        if len(items) < MIN_PARALLEL:
            return _serial(fn, items)
        size = max(1, len(items) // (cores * 4))
        parts = [
            pool.apply_async(_serial, (fn, list(items[start : start + size])))
            for start in range(0, len(items), size)
        ]
        out: list[R] = []
        for part in parts:  # in order: the first error in order is the one raised
            out += part.get()
        return out

    return run
