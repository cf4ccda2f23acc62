"""Spreading pure work over the machine's cores where it pays, with results in input order.

Uses `fork`, so workers inherit what is already loaded (the site model, the templates) and
only results travel back, with the cache entries each worker made. Where fork is not
available (Windows), the machine has one core, or there is too little work to be worth a
process, the work runs in this process: the output is the same either way, only the time
differs.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from campaign.incremental.cache import Cache

MIN_ITEMS = 200
Item = TypeVar("Item")
Result = TypeVar("Result")


def count_cores() -> int:
    """JNXCZ_WORKERS when set (tests, benchmarks), else the cores this process may use."""
    if os.environ.get("JNXCZ_WORKERS", "").isdigit():
        return max(1, int(os.environ["JNXCZ_WORKERS"]))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return os.cpu_count() or 1


@dataclass
class Workers:
    """A build's worker processes; `cache` gathers what the workers put in theirs."""

    count: int
    cache: Cache

    def map(self, task: Callable[[Item], Result], items: Sequence[Item], min_items: int = MIN_ITEMS) -> list[Result]:
        """[task(item) for item in items], over several processes when there are enough items."""
        if self.count < 2 or len(items) < min_items or "fork" not in multiprocessing.get_all_start_methods():
            return [task(item) for item in items]
        context = multiprocessing.get_context("fork")
        # With fork, a worker's initializer arguments are inherited, never pickled.
        with context.Pool(self.count, initializer=_adopt, initargs=(task, self.cache)) as pool:
            answers = pool.map(_run, items, chunksize=max(1, len(items) // (self.count * 8)))
        results: list[Result] = []
        for result, entries in answers:
            self.cache.pending.update(entries)  # what the workers made goes into this cache
            results.append(result)
        return results


# In a worker process only: the task and cache it was started with. A pool's initializer can hand
# what it is given (inherited through fork, never pickled) to the tasks the worker runs only
# through the worker's own module state; the building process never sets it, so builds in one
# process share nothing through it.
_ADOPTED: list[Any] = []


def _adopt(task: Callable[[Any], Any], cache: Cache) -> None:
    _ADOPTED[:] = [task, cache]


def _run(item: object) -> tuple[Any, dict[tuple[str, str], bytes]]:  # the adopted task's result
    task, cache = _ADOPTED
    cache.pending.clear()  # only what this task makes travels back
    result = task(item)
    entries = dict(cache.pending)
    cache.pending.clear()
    return result, entries
