"""Spreading pure work over the machine's cores where it pays, with results in input order.

Uses `fork`, so workers inherit what is already loaded (the site model, the templates, the
items themselves) and only chunk numbers go out and results come back, with the cache entries
each worker made. Where fork is not available (Windows), the machine has one core, or there
is too little work to be worth a process, the work runs in this process: the output is the
same either way, only the time differs.

Ctrl+C belongs to the building process alone. Workers are forked with SIGINT blocked and then
ignore it (a terminal sends it to the whole process group), so none dies halfway through a
message; the building process, interrupted, kills them and waits for them, which takes no
lock they could be holding. Each worker has a pipe of its own, and nothing else is shared.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from campaign.incremental.cache import Cache

MIN_ITEMS = 200
Item = TypeVar("Item")
Result = TypeVar("Result")
Entries = dict[tuple[str, str], bytes]  # the cache entries a task made


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
        size = max(1, len(items) // (self.count * 8))  # small chunks: a slow page does not hold up the rest
        chunks = [range(start, min(start + size, len(items))) for start in range(0, len(items), size)]
        done: dict[int, list[tuple[Any, Entries]]] = {}
        with _processes(self.count, task, self.cache, items) as links:
            waiting = list(enumerate(chunks))
            out: dict[Connection, int] = {}
            for link in links:
                if waiting:
                    number, chunk = waiting.pop(0)
                    link.send((chunk.start, chunk.stop))
                    out[link] = number
            while out:
                ready = multiprocessing.connection.wait(list(out))
                for link in [link for link in list(out) if link in ready]:
                    number = out.pop(link)
                    try:
                        failed, answer = link.recv()
                    except (EOFError, OSError):  # the worker died (the out-of-memory killer): its chunk is done here
                        done[number] = [(task(items[index]), {}) for index in chunks[number]]
                        continue
                    if failed:
                        raise answer
                    done[number] = answer
                    if waiting:
                        number, chunk = waiting.pop(0)
                        link.send((chunk.start, chunk.stop))
                        out[link] = number
        results: list[Result] = []
        for number in range(len(chunks)):
            for result, entries in done[number]:
                self.cache.pending.update(entries)  # what the workers made goes into this cache
                results.append(result)
        return results


@contextlib.contextmanager
def _processes(
    count: int, task: Callable[[Any], Any], cache: Cache, items: Sequence[Any]
) -> Iterator[list[Connection]]:
    """`count` forked workers, one pipe each; on the way out they are told to stop, or killed."""
    context = multiprocessing.get_context("fork")
    processes: list[Any] = []
    links: list[Connection] = []
    finished = False
    try:
        with _sigint_blocked():  # a fork inherits the mask: no worker can be interrupted before it ignores SIGINT
            for _ in range(count):
                mine, theirs = context.Pipe()
                ours = (*links, mine)  # closed in the worker, so that it sees the end when this process is gone
                process = context.Process(target=_work, args=(task, cache, items, theirs, ours), daemon=True)
                process.start()
                theirs.close()
                processes.append(process)
                links.append(mine)
        yield links
        finished = True
    finally:
        for link, process in zip(links, processes):
            if finished:
                with contextlib.suppress(OSError):
                    link.send(None)
            else:  # interrupted, or a task failed: the rest of the work is not wanted
                process.kill()
        for link, process in zip(links, processes):
            process.join()
            link.close()


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """SIGINT held back (not lost) while the block runs; delivered when it ends."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _work(
    task: Callable[[Any], Any], cache: Cache, items: Sequence[Any], link: Connection, ours: tuple[Connection, ...]
) -> None:
    """A worker: chunks of `items` by their bounds, until told None or the building process is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    for other in ours:
        other.close()
    while True:
        try:
            bounds = link.recv()
        except (EOFError, OSError):
            return
        if bounds is None:
            return
        try:
            answer: tuple[bool, Any] = (False, _serve_chunk(task, cache, items, range(*bounds)))
        except Exception as exc:  # the building process raises it, as if the task had run there
            answer = (True, exc)
        try:
            link.send(answer)
        except (EOFError, OSError):
            return
        except Exception as exc:  # a result or an error that cannot be pickled
            link.send((True, RuntimeError(f"{type(exc).__name__}: {exc}")))


def _serve_chunk(
    task: Callable[[Any], Any], cache: Cache, items: Sequence[Any], chunk: range
) -> list[tuple[Any, Entries]]:
    """Each item's result with the cache entries its task made (only those travel back)."""
    answers = []
    for index in chunk:
        cache.pending.clear()
        result = task(items[index])
        answers.append((result, dict(cache.pending)))
    cache.pending.clear()
    return answers
