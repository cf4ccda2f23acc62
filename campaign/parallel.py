"""Spreading pure work over the machine's cores where it pays, with results in input order.

Uses `fork`, so workers inherit what is already loaded (the site model, the templates) and
only results travel back. Where fork is not available (Windows) or the machine has one core,
or there is too little work to be worth a process, the work runs in this process: the output
is the same either way, only the time differs.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Callable, Sequence

from campaign.incremental import cache

MIN_ITEMS = 200
_TASK: Callable | None = None


def workers() -> int:
    if os.environ.get("JNXCZ_WORKERS", "").isdigit():
        return max(1, int(os.environ["JNXCZ_WORKERS"]))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return os.cpu_count() or 1


def map_ordered(task: Callable, items: Sequence, min_items: int = MIN_ITEMS) -> list:
    """[task(item) for item in items], over several processes when there are enough items."""
    count = workers()
    if count < 2 or len(items) < min_items or "fork" not in multiprocessing.get_all_start_methods():
        return [task(item) for item in items]
    global _TASK
    _TASK = task
    store = cache.active()
    try:
        with multiprocessing.get_context("fork").Pool(count) as pool:
            answers = pool.map(_run, items, chunksize=max(1, len(items) // (count * 8)))
    finally:
        _TASK = None
    results = []
    for result, entries in answers:
        store.pending.update(entries)  # what the workers made goes into this process's cache
        results.append(result)
    return results


def _run(item):
    store = cache.active()
    store.pending.clear()  # only what this task makes travels back
    result = _TASK(item)
    entries = dict(store.pending)
    store.pending.clear()
    return result, entries
