"""Write many workbooks at once: one forked worker process per core.

Writing a workbook is pure computation on what the batch has already loaded (the master,
the last period, the schemas), so the workers are forked from the running command and
inherit it without pickling; each job sends only its position and gets back a small
result. Every file is still written atomically by the worker that writes it (a temporary
file moved into place), so a worker that fails or is stopped leaves no half-written file.

Outside Linux (Windows has no fork; on macOS, forking a process that has loaded system
frameworks is unsafe), with one core, or with ``SIYI_WORKERS=0`` or ``1``, the jobs run
one after another in the command's own process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from siyi_xlsx import progress

T = TypeVar("T")
R = TypeVar("R")

WORKERS_ENV = "SIYI_WORKERS"  # how many worker processes; 0 or 1: none
MIN_JOBS = 4  # fewer jobs than this are not worth starting workers for

# what the forked workers run: set just before they are started, read in each of them
_job: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


def worker_count(jobs: int) -> int:
    """Workers for ``jobs`` workbooks: one per core this process may use, at most one
    per workbook; ``SIYI_WORKERS`` overrides."""
    wanted = os.environ.get(WORKERS_ENV, "").strip()
    if wanted.isdigit():
        count = int(wanted)
    elif hasattr(os, "sched_getaffinity"):
        count = len(os.sched_getaffinity(0))
    else:
        count = os.cpu_count() or 1
    return max(0, min(count, jobs))


def map_forked(func: Callable[[T], R], items: Sequence[T], label: str) -> list[R]:
    """``[func(item) for item in items]``, in that order, shown as the progress step
    ``label`` (advancing as each item is done); in forked workers when there are enough
    items and cores. An exception raised for an item is raised here (the other workers
    are stopped first); a worker that dies is replaced by the command's own process for
    the items not yet done."""
    progress.start(label, len(items))
    count = worker_count(len(items))
    if count <= 1 or len(items) < MIN_JOBS or not sys.platform.startswith("linux"):
        return [_advancing(func(item)) for item in items]
    results: dict[int, R] = {}
    global _job
    _job = (func, items)
    try:
        pool = ProcessPoolExecutor(
            max_workers=count,
            mp_context=multiprocessing.get_context("fork"),
            initializer=gc.freeze,  # the inherited heap is not the workers' garbage
        )
        try:
            waiting = {pool.submit(_run, index): index for index in range(len(items))}
            while waiting:
                done, _ = wait(waiting, return_when=FIRST_COMPLETED)
                for future in done:
                    index = waiting.pop(future)
                    results[index] = future.result()
                    progress.advance()
        except BrokenProcessPool:
            pass  # a worker died (killed, out of memory): the rest is done here
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    finally:
        _job = None
    for index, item in enumerate(items):
        if index not in results:
            results[index] = _advancing(func(item))
    return [results[index] for index in range(len(items))]


def _advancing(result: R) -> R:
    progress.advance()
    return result


def _run(index: int) -> Any:
    """In a worker: the job's function on its ``index``-th item."""
    assert _job is not None, "map_forked's workers are forked after the job is set"
    func, items = _job
    return func(items[index])
