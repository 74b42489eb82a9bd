"""Progress of the long steps (reading returned files and ballots, writing 44 workbooks),
shown by whoever installed a reporter: the CLI, on a terminal. The library calls
:func:`track` (or :func:`start` / :func:`advance`) around its loops and knows nothing of
the screen; with no reporter installed (tests, ``--json``, output piped to a file) every
call does nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sized
from contextvars import ContextVar
from typing import Protocol, TypeVar

T = TypeVar("T")


class Reporter(Protocol):
    """What shows progress: a step with a label and (when known) how many items."""

    def start(self, label: str, total: int | None) -> None: ...

    def advance(self, step: int) -> None: ...


_reporter: ContextVar[Reporter | None] = ContextVar("siyi_progress", default=None)


@contextlib.contextmanager
def reporting(reporter: Reporter) -> Iterator[Reporter]:
    """Show the progress of everything run inside the block with ``reporter``."""
    token = _reporter.set(reporter)
    try:
        yield reporter
    finally:
        _reporter.reset(token)


def start(label: str, total: int | None = None) -> None:
    """A new step begins (the previous one is over): ``total`` items, or unknown."""
    reporter = _reporter.get()
    if reporter is not None:
        reporter.start(label, total)


def advance(step: int = 1) -> None:
    """``step`` more items of the current step are done."""
    reporter = _reporter.get()
    if reporter is not None:
        reporter.advance(step)


def track(items: Iterable[T], label: str) -> Iterator[T]:
    """``items`` one by one, as the step ``label``: ``for x in track(xs, "写出填报表")``."""
    items = items if isinstance(items, Sized) else list(items)
    start(label, len(items))  # type: ignore[arg-type]
    for item in items:
        yield item
        advance()
