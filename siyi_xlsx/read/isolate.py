"""Read untrusted files in worker processes, so that no file can stop the batch.

A returned workbook comes from outside the office. The guard (:mod:`siyi_xlsx.read.guard`)
refuses what is far outside a filled template, but a file may still find a path the
guard does not foresee: a parser that loops, eats memory or aborts the process. Each file
is therefore read in a worker process:

* with a memory limit (``RLIMIT_AS``: :data:`MEMORY_BUDGET` above what the worker
  already maps when it starts);
* with a time limit per file (:data:`TIMEOUT_SECONDS`, longer for a file LibreOffice must
  convert first); a worker past it is killed;
* a worker that crashes, aborts or is killed costs that one file: it gets an
  :class:`Outcome` saying what happened, a new worker takes its place, and the other
  files go on.

The workers are forked from the running batch, so they share what it has loaded (the
master, the schemas) without pickling it; jobs and results travel through pipes. As many
workers as cores run at once (:func:`worker_count`), which is also what makes a large
campaign fast.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

MEMORY_BUDGET = 1 << 30  # 1 GiB per file read, beyond the worker's start
TIMEOUT_SECONDS = 60.0  # one .xlsx file (a normal one takes a few hundredths of a second)
WORKERS_ENV = "SIYI_WORKERS"  # 0 reads in the batch's own process (debugging only)

OK, FAILED, CRASHED, TIMED_OUT, OUT_OF_MEMORY = (
    "ok",
    "failed",
    "crashed",
    "timed_out",
    "out_of_memory",
)


@dataclass
class Outcome:
    """What became of one job: ``kind`` is one of the constants above; ``value`` is the
    function's result (``ok``) or the exception it raised (``failed``)."""

    kind: str
    value: Any = None


def worker_count(jobs: int) -> int:
    """Workers for ``jobs`` files: one per core, at most one per file;
    ``SIYI_WORKERS`` overrides (0: no worker process at all)."""
    wanted = os.environ.get(WORKERS_ENV, "").strip()
    if wanted.isdigit():
        count = int(wanted)
    else:
        count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    return min(count, jobs)


def run_isolated(
    func: Callable[..., Any],
    jobs: Sequence[tuple[Any, ...]],
    timeouts: Sequence[float] | None = None,
) -> Iterator[tuple[int, Outcome]]:
    """``func(*job)`` for every job, each in a worker process; yields ``(index,
    outcome)`` as jobs finish (not in order). ``func`` and what it reads are inherited
    by fork; each job's arguments and result must pickle."""
    count = worker_count(len(jobs))
    # fork is Linux's: Windows has none, and on macOS forking a process that has
    # loaded system frameworks is unsafe; there the files are read in-process
    if count == 0 or not sys.platform.startswith("linux"):
        yield from _in_process(func, jobs)
        return
    pending = deque(range(len(jobs)))
    workers = [_Worker(func) for _ in range(count)]
    try:
        while pending or any(w.job is not None for w in workers):
            for position, worker in enumerate(workers):
                if worker.job is None and pending:
                    index = pending.popleft()
                    limit = timeouts[index] if timeouts else TIMEOUT_SECONDS
                    try:
                        worker.give(index, jobs[index], limit)
                    except OSError:  # it died while idle (killed from outside)
                        worker.stop()
                        workers[position] = _Worker(func)
                        workers[position].give(index, jobs[index], limit)
            yield from _collect(workers, func)
    finally:
        for worker in workers:
            worker.stop()


def _in_process(
    func: Callable[..., Any], jobs: Sequence[tuple[Any, ...]]
) -> Iterator[tuple[int, Outcome]]:
    for index, job in enumerate(jobs):
        try:
            yield index, Outcome(OK, func(*job))
        except MemoryError:
            yield index, Outcome(OUT_OF_MEMORY)
        except Exception as exc:  # noqa: BLE001 - one file's failure is its own
            yield index, Outcome(FAILED, exc)


def _collect(
    workers: list[_Worker], func: Callable[..., Any]
) -> Iterator[tuple[int, Outcome]]:
    """Wait until some busy worker answers, dies or runs out of time."""
    from multiprocessing.connection import wait

    busy = [w for w in workers if w.job is not None]
    now = time.monotonic()
    wait_for = max(0.0, min(w.deadline for w in busy) - now)
    ready = set(
        wait([w.conn for w in busy] + [w.process.sentinel for w in busy], wait_for)
    )
    for position, worker in enumerate(workers):
        if worker.job is None:
            continue
        index = worker.job
        outcome: Outcome | None = None
        if worker.conn in ready or worker.process.sentinel in ready:
            try:
                outcome = worker.conn.recv() if worker.conn.poll() else None
            except (EOFError, OSError):
                outcome = None
            if outcome is None:  # the process ended without an answer: a crash
                worker.stop()
                workers[position] = _Worker(func)
                yield index, Outcome(CRASHED, worker.process.exitcode)
                continue
        elif time.monotonic() >= worker.deadline:
            worker.stop()
            workers[position] = _Worker(func)
            yield index, Outcome(TIMED_OUT)
            continue
        if outcome is not None:
            worker.job = None
            yield index, outcome


class _Worker:
    """One forked process that runs ``func`` on the jobs it is sent, one at a time."""

    def __init__(self, func: Callable[..., Any]) -> None:
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, func), daemon=True)
        self.process.start()
        child.close()
        self.job: int | None = None
        self.deadline = 0.0

    def give(self, index: int, job: tuple[Any, ...], timeout: float) -> None:
        self.conn.send(job)
        self.job = index
        self.deadline = time.monotonic() + timeout

    def stop(self) -> None:
        if self.process.is_alive():
            if self.job is None:
                try:
                    self.conn.send(None)  # finish quietly
                    self.process.join(1)
                except OSError:
                    pass
            if self.process.is_alive():
                self.process.kill()
        self.process.join()
        self.conn.close()


def _serve(conn: Any, func: Callable[..., Any]) -> None:
    import faulthandler

    # a reader that aborts is expected here and reported as one file's failure, not
    # with a Python stack dump on the console (pytest and PYTHONFAULTHANDLER turn it on)
    faulthandler.disable()
    # what the batch had loaded when it forked is never freed here: keep the garbage
    # collector from walking (and copying, page by page) that whole heap every time
    # the parser's own objects trigger a full collection
    gc.freeze()
    _limit_memory()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            outcome = Outcome(OK, func(*job))
        except MemoryError:
            outcome = Outcome(OUT_OF_MEMORY)
        except Exception as exc:  # noqa: BLE001 - one file's failure is its own
            outcome = Outcome(FAILED, exc)
        try:
            conn.send(outcome)
        except MemoryError:
            conn.send(Outcome(OUT_OF_MEMORY))
        except Exception as exc:  # noqa: BLE001 - a result that does not pickle
            conn.send(Outcome(FAILED, RuntimeError(type(exc).__name__)))


def _limit_memory() -> None:
    """Cap the worker's address space at what it maps now plus :data:`MEMORY_BUDGET`."""
    try:
        import resource

        with open("/proc/self/statm") as handle:
            mapped = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = mapped + MEMORY_BUDGET
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        # a reader that aborts leaves no core file in the office's folders
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, OSError, ValueError):
        pass  # not Linux: the time limit still holds
